"""No scratch copy outlives its grade: stopped by a batch's --timeout, by a signal, or a crashed run (the next run
removes it). Each runs the grader as its own process with a private TMPDIR, so only its own folders are counted."""
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.grading import REFERENCE, ROOT

GRADER = [sys.executable, str(ROOT / "grader.py")]


@pytest.fixture
def scratch(tmp_path):
    """(the grader's environment with a private TMPDIR, that TMPDIR)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    return dict(os.environ, TMPDIR=str(folder)), folder


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("dlgrade-"))


def started_grading(folder, process, by_children=False, seconds=120):
    """Wait (by polling, no fixed sleep) until the grader has made its snapshot (by_children: and its grader
    processes their workers' scratch folders); False if it ended first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        made = leftovers(folder)
        if made and (not by_children or any(n.startswith("dlgrade-worker-") and f"-{process.pid}-" not in n
                                            for n in made)):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_a_grade_stopped_by_the_batch_timeout_leaves_nothing(tmp_path, scratch):
    env, folder = scratch
    shutil.copytree(REFERENCE, tmp_path / "class" / "reference", ignore=shutil.ignore_patterns("__pycache__"))
    run = subprocess.run([*GRADER, "batch", str(tmp_path / "class"), "--out", str(tmp_path / "out"),
                          "--timeout", "0.5"], env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "longer than 0.5 s and was stopped" in (tmp_path / "out" / "gradebook.csv").read_text()
    assert leftovers(folder) == []


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_a_grade_stopped_by_a_signal_leaves_nothing(tmp_path, scratch, number):
    """Trusted, so that the grader processes of --jobs 2 make scratch folders of their own (the workers')."""
    env, folder = scratch
    process = subprocess.Popen([*GRADER, str(REFERENCE), "--trust-submission", "--jobs", "2"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert started_grading(folder, process, by_children=True)
    process.send_signal(number)
    assert process.wait(timeout=120) == 128 + number, process.stderr.read()
    process.stderr.close()
    assert leftovers(folder) == []


def test_what_a_crashed_run_left_is_removed_by_the_next(tmp_path, scratch):
    env, folder = scratch
    process = subprocess.Popen([*GRADER, str(REFERENCE), "--trust-submission", "--jobs", "1"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # one process: its pid names all
    assert started_grading(folder, process)
    process.kill()
    process.wait()
    left = leftovers(folder)
    assert left and all(f"-{process.pid}-" in name for name in left)
    alive = folder / f"dlgrade-submission-{os.getpid()}-kept"  # a running grader's (this one's): not stale
    alive.mkdir()
    run = subprocess.run([*GRADER, str(REFERENCE), "--only", "optim.sgd", "--trust-submission"], env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert leftovers(folder) == [alive.name]
