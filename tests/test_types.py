"""The type checker over dlgrade's own code, as CI runs it: every import of a dlgrade module resolves (through the
links under dlgrade/, as an IDE's engine reads them), and the public API is annotated ([tool.mypy] in
pyproject.toml: the checker's settings, and the public-API modules held to disallow_untyped_defs)."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PUBLIC_API = ("dlgrade.checks.engine.registry", "dlgrade.checks.engine.context", "dlgrade.checks.engine.mistakes",
              "dlgrade.adapters", "dlgrade.testing", "dlgrade.pytest_plugin")

pytestmark = pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                                reason="mypy is not installed (pip install -e '.[dev]')")


@pytest.fixture(scope="module")
def checked():
    """mypy's report on the package dlgrade, from the checkout, with the repository's settings."""
    done = subprocess.run([sys.executable, "-m", "mypy", "-p", "dlgrade", "--no-error-summary",
                           "--show-error-codes", "--no-pretty"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    return done.returncode, done.stdout + done.stderr


def test_every_dlgrade_import_resolves(checked):
    _, output = checked
    unresolved = [line for line in output.splitlines()
                  if ("import-not-found" in line or "Cannot find implementation" in line) and "dlgrade" in line]
    assert unresolved == []


def test_the_type_checker_finds_nothing(checked):
    returncode, output = checked
    assert returncode == 0, output


def test_the_public_api_is_held_to_annotations():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    overrides = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["overrides"]
    strict = [o for o in overrides if o.get("disallow_untyped_defs")]
    assert strict and set(PUBLIC_API) <= set(strict[0]["module"])
    assert (ROOT / "dlgrade" / "py.typed").is_file()
