"""Every relative link of the README names a file of the repository (a link to a file outside it, such as the spec
one folder up, is broken for anyone who has only the repository)."""
import re

from tests.grading import ROOT


def test_every_relative_link_of_the_readme_is_a_file_of_the_repository():
    targets = re.findall(r"\]\(([^)\s]+)\)", (ROOT / "README.md").read_text())
    relative = [t.partition("#")[0] for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]
    assert relative
    broken = [t for t in relative if not (ROOT / t).exists() or not (ROOT / t).resolve().is_relative_to(ROOT)]
    assert broken == []
