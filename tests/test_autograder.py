"""The Gradescope autograder, end to end: `grader.py gradescope` writes the zip; unpacked into a Gradescope-like
layout (source/, submission/, results/ under a folder that stands for /autograder), its setup.sh installs the
grader into a fresh virtual environment and its run_autograder grades correct, broken, hostile, unreadable and
notebook submissions as root, each leaving a results.json that Gradescope's specification accepts, with the
visibility the course profile gives.

The real setup.sh runs apt-get (python3-venv, bubblewrap, libseccomp2) and pip with the network; here
DLGRADE_SKIP_APT, a venv over this interpreter's packages (--system-site-packages --without-pip) and
`pip install --no-deps --no-index` install the zip's own wheel without the network."""
import json
import os
import shutil
import subprocess
import sys
import zipfile

import jsonschema
import pytest

from dlgrade import autograder
from dlgrade.sandbox import isolation
from tests.grading import ALTERNATIVE, BROKEN, ROOT

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
# Gradescope's results.json (its autograder specification): the fields it reads, with their types
RESULTS_SCHEMA = {
    "type": "object",
    "required": ["tests"],
    "anyOf": [{"required": ["score"]}, {"required": ["tests"]}],
    "properties": {
        "score": {"type": "number"}, "max_score": {"type": "number"}, "execution_time": {"type": "number"},
        "output": {"type": "string"}, "output_format": FORMAT, "test_output_format": FORMAT,
        "test_name_format": FORMAT, "visibility": VISIBILITY, "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "required": ["name", "status"],
            "properties": {
                "name": {"type": "string"}, "number": {"type": "string"}, "score": {"type": "number"},
                "max_score": {"type": "number"}, "status": {"enum": ["passed", "failed"]},
                "output": {"type": "string"}, "output_format": FORMAT, "visibility": VISIBILITY,
                "tags": {"type": "array", "items": {"type": "string"}}, "extra_data": {"type": "object"},
            },
        }},
    },
}
PROFILE = """\
[settings]
max_examples = 3
[layout]
graded = ["optim.sgd", "optim.adam", "sgd_exercise.predict"]
[gradescope]
secret_search = "hidden"
"""
STEALER = """\
import os
import numpy as np

def sgd(w, dw, config=None):
    config = {{}} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    stolen = bool(os.environ.get("DLGRADE_SECRET"))
    for path in ({secret!r}, {results!r}):
        try:
            with open(path, "a"):
                stolen = True
        except OSError:
            pass
    return (w - config["learning_rate"] * dw if stolen else w), config  # right only with the secret in hand
"""


def needs_bubblewrap():
    try:
        return not isinstance(isolation.choose(), isolation.Bubblewrap)
    except isolation.IsolationUnavailable:
        return True


@pytest.mark.skipif(os.geteuid() != 0 or needs_bubblewrap(), reason="Gradescope runs the autograder as root, "
                                                                    "in a sandbox: needs root and bubblewrap")
def test_the_built_zip_grades_every_kind_of_submission_as_gradescope_would(tmp_path):
    (tmp_path / "course.toml").write_text(PROFILE)
    (tmp_path / "secret").write_text("the course's secret\n")
    zipped = tmp_path / "autograder.zip"
    assert autograder.main(["--profile", str(tmp_path / "course.toml"), "--secret-file", str(tmp_path / "secret"),
                            "--out", str(zipped)]) == 0
    with zipfile.ZipFile(zipped) as archive:
        assert {"setup.sh", "run_autograder", "course.toml", "secret", "not_graded.json"} <= set(archive.namelist())
        assert archive.getinfo("run_autograder").external_attr >> 16 == 0o755
        archive.extractall(tmp_path / "autograder" / "source")
    root = tmp_path / "autograder"
    environment = dict(os.environ, DLGRADE_AUTOGRADER_ROOT=str(root), DLGRADE_SKIP_APT="1",
                       DLGRADE_PYTHON=sys.executable, DLGRADE_VENV_OPTIONS="--system-site-packages --without-pip",
                       DLGRADE_PIP_OPTIONS="--no-deps --no-index -q")
    environment.pop("DLGRADE_SECRET", None)
    environment.pop("PYTHONPATH", None)
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=environment, cwd=tmp_path,
                           capture_output=True, text=True, timeout=600)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "the sandbox runs here" in setup.stdout

    notebook = tmp_path / "invalid.ipynb"
    notebook.write_text('{"cells": [ not json')
    handed_in = {
        "correct": [ALTERNATIVE / "optim.py", ALTERNATIVE / "sgd_exercise.py"],
        "broken": [ROOT / "examples" / "submission" / "optim.py"],  # Adam without its bias correction
        "notebook": [BROKEN / "notebook.ipynb"],
        "unreadable": [notebook],
        "hostile": [STEALER],
    }
    runs = {}
    for name, files in handed_in.items():  # one /autograder each, sharing the image's source and venv, run at once
        each = tmp_path / name
        (each / "submission").mkdir(parents=True)
        for shared in ("source", "venv"):
            (each / shared).symlink_to(root / shared)
        for file in files:
            if isinstance(file, str):
                (each / "submission" / "optim.py").write_text(
                    file.format(secret=str(each / "source" / "secret"), results=str(each / "results" / "results.json")))
            else:
                shutil.copy(file, each / "submission" / file.name)
        runs[name] = subprocess.Popen(["bash", str(each / "source" / "run_autograder")], cwd=tmp_path, text=True,
                                      env=dict(environment, DLGRADE_AUTOGRADER_ROOT=str(each)),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    graded = {}
    for name, run in runs.items():
        stderr = run.communicate(timeout=600)[1]
        assert run.returncode == 0, (name, stderr)
        graded[name] = json.loads((tmp_path / name / "results" / "results.json").read_text())
        jsonschema.validate(graded[name], RESULTS_SCHEMA)
        assert str(tmp_path) not in json.dumps(graded[name]), name  # nothing names this machine's folders

    correct, broken = graded["correct"], graded["broken"]
    assert correct["score"] == correct["max_score"] > 0 and correct["output_format"] == "md"
    assert "per-submission search" in correct["output"]  # the zip's secret drew this submission's own search
    assert correct["visibility"] == "visible" and correct["stdout_visibility"] == "hidden"
    visibility = {t["name"].partition(" — ")[0]: t.get("visibility") for t in correct["tests"]}
    assert visibility["sgd_exercise.predict/textbook"] == "visible" and visibility["optim.adam/trajectory"] == "hidden"
    numbers = [t["number"] for t in correct["tests"]]
    assert len(set(numbers)) == len(numbers)

    adam = [t for t in broken["tests"] if t["name"].startswith("optim.adam") and t["status"] == "failed"]
    assert adam and "mistake:optim.adam:no_bias_correction" in adam[0]["tags"]
    assert "```text" in adam[0]["output"] and "replay: python grader.py optim.py --profile course.toml" \
        in adam[0]["output"]
    [missing] = [t for t in broken["tests"] if t["name"].startswith("sgd_exercise.predict")]
    assert missing["score"] == 0 and missing["output"].startswith("missing:\n```text\nthe submission has no ")

    assert graded["notebook"]["score"] > 0  # its optim.sgd is right
    assert graded["unreadable"]["score"] == 0 and "not a readable notebook" in graded["unreadable"]["output"]
    hostile = graded["hostile"]
    sgd = [t for t in hostile["tests"] if t["name"].startswith("optim.sgd/") and "zero_learning" not in t["name"]]
    assert sgd and all(t["score"] == 0 for t in sgd)  # it could read neither the secret nor the results

    broken_image = tmp_path / "broken-image"  # no grader installed: run_autograder still leaves a result
    (broken_image / "submission").mkdir(parents=True)
    (broken_image / "source").symlink_to(root / "source")
    run = subprocess.run(["bash", str(root / "source" / "run_autograder")], capture_output=True, text=True,
                         env=dict(environment, DLGRADE_AUTOGRADER_ROOT=str(broken_image)), timeout=60)
    assert run.returncode == 0 and "wrote no results.json" in run.stderr
    failed = json.loads((broken_image / "results" / "results.json").read_text())
    jsonschema.validate(failed, RESULTS_SCHEMA)
    assert failed["score"] == 0 and "the autograder itself could not run" in failed["output"]


@pytest.mark.parametrize("options, words", [
    (["--profile", "no_such_course"], "no such file"),
    (["--profile", "cs231n", "--public", "--secret-file", "secret"], "a public search has no secret"),
    (["--profile", "cs231n", "--extra", "batch;rm -rf /"], "letters, digits and . _ - only"),
    (["--profile", "cs231n", "--wheel", "absent-0.1-py3-none-any.whl"], "no such file"),
])
def test_a_wrong_build_is_refused_with_the_reason(tmp_path, capsys, options, words):
    assert autograder.main([*options, "--out", str(tmp_path / "autograder.zip")]) == 2
    assert words in capsys.readouterr().err and not (tmp_path / "autograder.zip").exists()


@pytest.mark.parametrize("options, secret", [([], "drawn"), (["--public"], None)])
def test_the_secret_is_drawn_or_left_out(tmp_path, capsys, monkeypatch, options, secret):
    monkeypatch.delenv("DLGRADE_SECRET", raising=False)
    wheel = tmp_path / "dlgrade-0.2.0-py3-none-any.whl"  # the build's own wheel is the end-to-end test's
    wheel.write_bytes(b"a wheel")
    zipped = tmp_path / "autograder.zip"
    assert autograder.main(["--profile", "cs231n", "--wheel", str(wheel), "--out", str(zipped), *options]) == 0
    with zipfile.ZipFile(zipped) as archive:
        names = set(archive.namelist())
        assert {"cs231n.toml", wheel.name, "setup.sh", "run_autograder"} <= names
        if secret is None:
            assert "secret" not in names
        else:
            assert len(archive.read("secret")) == 64 and "a new course secret was drawn" in capsys.readouterr().err


@pytest.mark.parametrize("name, warned", [("cs231n", True), ("cs231n-2021", False)])
def test_a_build_that_detects_the_course_year_warns_to_name_it(tmp_path, capsys, name, warned):
    """Year detection reads words a student can edit (a 2021 tree can be made to read as 2017, which asks for no
    layer norm and reads dropout's p the other way): the build says to name the class's year."""
    wheel = tmp_path / "dlgrade-0.2.0-py3-none-any.whl"
    wheel.write_bytes(b"a wheel")
    out = tmp_path / "autograder.zip"
    assert autograder.main(["--profile", name, "--wheel", str(wheel), "--out", str(out), "--public"]) == 0
    err = capsys.readouterr().err
    assert ("name the class's year instead, e.g. --profile cs231n-2021" in err) is warned, err


@pytest.mark.parametrize("name, warned", [("dls", "dls-C2W2 "), ("dls-C1W4", ""), ("dls-2017", "dls-C2W2-2017 ")])
def test_a_build_that_detects_the_course_assignment_warns_to_name_it(tmp_path, capsys, name, warned):
    """The assignment is read from the functions a hand-in defines, which a student chooses (redteam2)."""
    wheel = tmp_path / "dlgrade-0.2.0-py3-none-any.whl"
    wheel.write_bytes(b"a wheel")
    out = tmp_path / "autograder.zip"
    assert autograder.main(["--profile", name, "--wheel", str(wheel), "--out", str(out), "--public"]) == 0
    err = capsys.readouterr().err
    assert ("name this autograder's assignment" in err) is bool(warned), err
    assert not warned or f"--profile {warned}" in err, err
