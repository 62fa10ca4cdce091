"""Each worker in a cgroup of its own (sandbox/cgroups.py): one memory bound over every route to host memory, one
CPU weight however many processes it starts, a call judged hung by the worker's own CPU time, nothing left behind.

The memory routes of tests/submissions/hostile/memory_routes.py each try to hold 4 times a worker's bound (128 MiB
here, so the tests hold little of the machine); the kernel must count each of them and stop it at the bound,
and the grader must say the submission failed (not fail itself). They run as root and as a normal user given a
delegated cgroup (the `account` fixture and the `delegated_cgroup` marker: as root, tests/accounts.py reruns the
test as one, in a cgroup delegated to it as systemd's Delegate=yes does), and skip, saying why, where no cgroup can
be had: test_without_a_cgroup_* check what the grader says there, one of them as a normal user. Nothing a test
makes is left in the temporary folder (each test gets a private one: `private_tmp`).
"""
import csv
import io
import multiprocessing.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from dlgrade import cli
from dlgrade.checks.engine.status import Status
from dlgrade.sandbox import IsolationUnavailable, Sandbox, SandboxError, bubblewrap, cgroups, client, isolation, resolve
from tests import accounts
from tests.grading import REFERENCE, ROOT, grade

HOSTILE = ROOT / "tests" / "submissions" / "hostile"
BOUND = 128 * 2**20
LIMITS = {"call_timeout": 60.0, "import_timeout": 20.0}
ROUTES = {"memory_files": 4 * 128, "shared_memory": 4 * 128, "buffers": 4 * 128, "children": 4 * 128,
          "empty_files": 1_000_000}


def _refusal():
    try:
        bubblewrap()
    except IsolationUnavailable as exc:
        return f"needs the OS sandbox: {exc}"
    controllers, reason = cgroups.find_or_reason()
    return "" if controllers else f"needs a cgroup: {reason}"


needs_cgroup = pytest.mark.skipif(bool(_refusal()), reason=_refusal())


@pytest.fixture(autouse=True)
def private_tmp(tmp_path_factory, monkeypatch):
    """A temporary folder of the test's own (mode 755: the worker's uid walks to its staging folder there) that
    must be empty when the test ends: no scratch copy, staging folder or worker folder outlives a grade."""
    tmp_path_factory.getbasetemp()  # pytest's own folder, and multiprocessing's (removed at exit), stay where they are
    multiprocessing.util.get_temp_dir()
    folder = tempfile.mkdtemp(prefix="dlgrade-tests-cgroups-")
    os.chmod(folder, 0o755)
    monkeypatch.setattr(tempfile, "tempdir", folder)
    monkeypatch.setenv("TMPDIR", folder)
    yield folder
    left = sorted(os.listdir(folder))
    shutil.rmtree(folder, ignore_errors=True)
    assert left == [], "left in the temporary folder"


def with_routes(tmp_path, appended=""):
    """A copy of the reference with memory_routes.py as its module attack.py (and `appended` to optim.py)."""
    target = tmp_path / "submission"
    shutil.copytree(REFERENCE, target, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(HOSTILE / "memory_routes.py", target / "attack.py")
    with open(target / "optim.py", "a") as file:
        file.write(appended)
    return resolve(target)


@pytest.mark.delegated_cgroup
@needs_cgroup
@pytest.mark.parametrize("route", ROUTES)
def test_every_memory_route_stops_at_the_bound(account, tmp_path, route):
    submission = with_routes(tmp_path)
    with Sandbox(submission, memory_bound_bytes=BOUND, **LIMITS) as box:
        try:
            held = box.call("attack", "hold", (route, ROUTES[route])).value
        except SandboxError as exc:
            held = None
            assert f"it held more than {BOUND >> 20} MiB, its memory bound" in exc.message
        assert box.notes == []
    submission.cleanup()
    if route == "empty_files" and box.isolation.launched:  # as root /tmp has an inode bound: it stops first
        assert held is not None and held <= box.isolation.limits.tmpfs_inodes
        assert box.memory_peak <= BOUND
        return
    if held is not None and route != "empty_files":  # what the attack says it held, beside its interpreter
        assert held < BOUND >> 20
    assert 0.9 * BOUND <= box.memory_peak <= BOUND  # the kernel counted the route, and stopped it at the bound


@pytest.mark.delegated_cgroup
@needs_cgroup
def test_the_report_says_the_submission_held_too_much(account, tmp_path, monkeypatch):
    limits = isolation.Limits
    monkeypatch.setattr(client.isolation, "Limits", lambda **given: limits(**{"memory_bound_bytes": BOUND, **given}))
    appended = ("\n\nfrom attack import hold as _hold\n_sgd = sgd\n\n\ndef sgd(w, dw, config=None):\n"
                "    _hold('memory_files', 512)\n    return _sgd(w, dw, config)\n")
    submission = with_routes(tmp_path, appended)
    report = grade(submission, ("optim.sgd", "optim.adagrad"), max_examples=3)
    submission.cleanup()
    sgd = [r for r in report.results if r.function == "optim.sgd"]
    assert {r.status for r in sgd} == {Status.FAILED}
    assert any(f"it held more than {BOUND >> 20} MiB, its memory bound" in r.summary for r in sgd)
    assert {r.status for r in report.results if r.function == "optim.adagrad"} == {Status.PASSED}
    assert f"memory bound {BOUND >> 20} MiB" in report.isolation


@pytest.mark.delegated_cgroup
@needs_cgroup
def test_the_worker_is_in_its_cgroup_before_it_runs_and_nothing_is_left(account, tmp_path):
    submission = resolve(REFERENCE)
    with Sandbox(submission, **LIMITS) as box:
        box.functions("optim")
        folders = box._cgroup.folders
        for folder in folders:  # bwrap itself joined (in the child, before it executed): all it starts is inside
            assert box._process.pid in map(int, Path(folder, "cgroup.procs").read_text().split())
        box.call("optim", "sgd", (np.ones(3), np.ones(3), {}))
    submission.cleanup()
    assert not any(os.path.exists(f) for f in folders)
    assert box.memory_peak > 0


@pytest.mark.delegated_cgroup
@needs_cgroup
def test_cgroups_of_a_grader_that_died_are_removed(account):
    controllers = cgroups.find()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = [os.path.join(h.folder, f"{cgroups.PREFIX}{cgroups._pid_namespace()}-{dead.stdout.strip()}-0")
             for h in controllers.hierarchies]
    live = [os.path.join(h.folder, f"{cgroups._owner()}-999999") for h in controllers.hierarchies]
    for folder in stale + live:
        os.mkdir(folder)
    try:
        for hierarchy in controllers.hierarchies:
            cgroups.remove_stale(hierarchy.folder)
        assert not any(map(os.path.exists, stale))
        assert all(map(os.path.exists, live))  # this grader's own are not stale
    finally:
        for folder in stale + live:
            if os.path.exists(folder):
                os.rmdir(folder)


class _Clock:
    """A worker's CPU seconds and the wall clock, set by the test."""
    cpu = 0.0

    def cpu_seconds(self):
        return self.cpu


def test_a_call_is_hung_by_its_own_cpu_time_not_by_a_busy_neighbour(monkeypatch):
    wall, group = [100.0], _Clock()
    monkeypatch.setattr(cgroups.time, "monotonic", lambda: wall[0])
    deadline = cgroups.CallDeadline(5.0, group)
    wall[0] += 9.0  # a neighbour took the CPU: 9 s passed, the worker ran 1 s
    group.cpu = 1.0
    assert deadline.remaining() > 0
    group.cpu = 5.5  # the worker itself spent its 5 s
    with pytest.raises(TimeoutError):
        deadline.remaining()
    asleep = cgroups.CallDeadline(5.0, group)  # a worker that sleeps or blocks: the wall clock, 3 times the budget
    wall[0] += 5.0 * cgroups.WALL_FACTOR
    with pytest.raises(TimeoutError):
        asleep.remaining()
    plain = cgroups.CallDeadline(5.0, None)  # no cgroup: the wall clock as it is
    wall[0] += 5.0
    with pytest.raises(TimeoutError):
        plain.remaining()


@pytest.mark.delegated_cgroup
@needs_cgroup
@pytest.mark.slow
def test_the_reference_keeps_full_marks_beside_a_cpu_hog(account, tmp_path):
    root = tmp_path / "class"
    shutil.copytree(REFERENCE, root / "a_reference", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REFERENCE, root / "b_hog", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(HOSTILE / "cpu_hog.py", root / "b_hog" / "optim.py")
    profile = tmp_path / "small.toml"
    profile.write_text("[settings]\nmax_examples = 3\n")
    functions = ("optim.adam", "layers.conv_forward_naive", "layers.conv_backward_naive",  # without cgroups, adam
                 "layers.max_pool_forward_naive", "gradient_check.eval_numerical_gradient",  # "hung" here
                 "gradient_check.eval_numerical_gradient_array")
    out = tmp_path / "out"
    options = [arg for f in functions for arg in ("--only", f)] + ["--profile", str(profile)]
    assert cli.main(["batch", str(root), "--out", str(out), "--jobs", "2", *options]) == 0
    rows = {r["submission"]: r for r in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))}
    assert float(rows["a_reference"]["total"]) == float(rows["a_reference"]["max_score"]) > 0, rows["a_reference"]
    assert float(rows["b_hog"]["total"]) < float(rows["b_hog"]["max_score"])


def test_without_a_cgroup_the_sandbox_says_so_and_still_grades(monkeypatch):
    monkeypatch.setattr(cgroups, "find_or_reason", lambda: (None, "the grader's cgroup is not writable by it"))
    if _refusal().startswith("needs the OS sandbox"):
        pytest.skip(_refusal())
    submission = resolve(REFERENCE)
    with Sandbox(submission, **LIMITS) as box:
        assert "no cgroup here (the grader's cgroup is not writable by it)" in box.description
        assert box.call("optim", "sgd", (np.ones(3), np.ones(3), {})).value[0].tolist() == [0.99] * 3
    submission.cleanup()
    assert box.memory_peak is None


NORMAL_USER = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("cgroups", sys.argv[1])
cgroups = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cgroups)
print(cgroups.describe_bounds(2 * 2**30, 128))
"""


def test_without_a_cgroup_a_normal_user_is_told_why():
    """As a normal user with no delegated cgroup (as root: tests/accounts.py's account), cgroups.py (the standard
    library only) finds a delegated cgroup or says why there is none."""
    if accounts.unavailable():
        pytest.skip(f"cannot run as a normal user here: {accounts.unavailable()}")
    run = accounts.run([sys.executable, "-I", "-c", NORMAL_USER, str(Path(cgroups.__file__))], cwd="/", timeout=60)
    assert run.returncode == 0 and not run.stderr, run.stderr
    said = run.stdout.strip()
    assert said.startswith("memory bound 2048 MiB") or re.match(r"no cgroup here \(.+\): memory bounded only", said)
