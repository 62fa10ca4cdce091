"""The package: one import path per module, and a wheel that holds every module under dlgrade/ as real files.

The subpackages are the repository's top-level folders, linked under dlgrade/ (dlgrade/checks -> ../checks); CI
tests an editable install, so the wheel a non-editable `pip install .` builds is checked here.
"""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import dlgrade

ROOT = Path(__file__).resolve().parents[1]
SUBPACKAGES = ("reference", "checks", "sandbox", "reporting", "adapters", "courses")


def test_each_folder_is_a_link_under_dlgrade():
    for name in SUBPACKAGES:
        link = ROOT / "dlgrade" / name
        assert link.is_symlink() and link.resolve() == ROOT / name, link


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_a_second_name_fails_loudly(name):
    """`import checks` from the checkout would load a second registry, whose checks are never graded."""
    probe = subprocess.run([sys.executable, "-c", f"import {name}"], cwd=ROOT, capture_output=True, text=True)
    assert probe.returncode != 0
    assert f"import dlgrade.{name}, not {name}" in probe.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel of a copy of what a clean clone holds (links kept as links), built without the network."""
    source = tmp_path_factory.mktemp("clone")
    for name in ("dlgrade", *SUBPACKAGES, "pyproject.toml", "README.md"):
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(path, source / name)
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(out), str(source)], capture_output=True, text=True)
    if built.returncode and "No module named" in built.stderr:
        pytest.skip(f"no build backend here: {built.stderr.strip().splitlines()[-1]}")
    assert built.returncode == 0, built.stderr
    [path] = out.glob("dlgrade-*.whl")
    with zipfile.ZipFile(path) as archive:
        return {info.filename: info for info in archive.infolist()}


def test_the_wheel_holds_every_module_under_dlgrade(wheel):
    expected = {f"dlgrade/{p.relative_to(ROOT / 'dlgrade').as_posix()}" for p in (ROOT / "dlgrade").glob("*.py")}
    for name in SUBPACKAGES:
        expected |= {f"dlgrade/{name}/{p.relative_to(ROOT / name).as_posix()}" for p in (ROOT / name).rglob("*.py")
                     if "__pycache__" not in p.parts}
    assert expected - set(wheel) == set()


def test_the_wheel_holds_nothing_at_its_top_level(wheel):
    """No generic name (checks, sandbox, …) put on a user's path: only dlgrade/ and its install record."""
    assert {name.split("/")[0] for name in wheel} == {"dlgrade", f"dlgrade-{dlgrade.__version__}.dist-info"}


def test_the_wheel_holds_the_data_files_and_real_files(wheel):
    for name in ("dlgrade/py.typed", "dlgrade/checks/policy/profiles/default.toml",
                 "dlgrade/checks/policy/profiles/cs231n.toml", "dlgrade/adapters/torch/departures.json",
                 "dlgrade/adapters/torch/optim.py", "dlgrade/checks/policy/profiles/dls.toml",
                 "dlgrade/courses/standins/dnn_utils.py"):
        assert name in wheel, name
    links = [name for name, info in wheel.items() if (info.external_attr >> 16) & 0o170000 == 0o120000]
    assert links == []  # every module as a file: an install has no link back to a checkout
