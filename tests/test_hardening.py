"""The OS sandbox's own protections, attacked from a submission (issue 14): host sysctls and core dumps,
writable paths, the tmpfs bounds, process and thread storms, pid 1 and the kernel calls containers close.

Each attack is a file of tests/submissions/hostile/ graded as in test_security.py (its `host` fixture checks
that nothing was planted and no process survives). Each runs twice (the `account` fixture, tests/conftest.py):
as root (CI's case: the worker is then host uid isolation.WORKER_ID, through launcher.py) and as a normal user
(bwrap's own user namespaces; as root, tests/accounts.py reruns the test as one). They skip, saying why, where
the kernel refuses the sandbox.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dlgrade.checks.engine import runner
from dlgrade.checks.engine.status import Status
from dlgrade.sandbox import confine, isolation, seccomp
from tests import accounts, test_security
from tests.grading import ROOT, quick_profile
from tests.test_security import hostile, needs_sandbox, summaries, verdicts

host = test_security.host  # the fixture: nothing planted, no process left


def grade(submission, only=("optim.sgd", "optim.adagrad")):
    """A quick grade; the attacks walk and fill file systems, so a call may take a minute on a busy machine."""
    return runner.grade(submission, quick_profile(max_examples=3, call_timeout=120.0), only=only, jobs=1)


def said(report, word):
    """The JSON the attack put in its failure message after `word: `."""
    text = summaries(report, "optim.sgd")
    assert f"{word}: " in text, text
    return json.JSONDecoder().raw_decode(text.partition(f"{word}: ")[2])[0]


def attacked(host, name):
    report = grade(hostile(host, name))
    assert verdicts(report, "optim.sgd") == {Status.FAILED}
    assert verdicts(report, "optim.adagrad") == {Status.PASSED}, "the attack stopped the rest of the grade"
    return report


@needs_sandbox
def test_no_sysctl_is_writable_and_a_crash_dumps_nothing(host, account):
    pattern = open("/proc/sys/kernel/core_pattern").read()
    found = said(attacked(host, "host_sysctl"), "sysctl")
    assert found["writable"] == [] and found["core_pattern"] is False
    assert set(found["dumped"]) == {"abort", "dumpable again"} and not any(found["dumped"].values()), found
    assert found["cores"] == []
    assert open("/proc/sys/kernel/core_pattern").read() == pattern


@needs_sandbox
def test_nothing_outside_the_scratch_is_writable(host, account):
    found = said(attacked(host, "writable_paths"), "writable")
    assert found["folders_seen"] > 100, "the walk did not see the view"
    assert found["writable"] == []


@needs_sandbox
def test_the_scratch_mounts_are_bounded(host, account):
    limits = isolation.Limits()
    found = said(attacked(host, "scratch_fill"), "filled")
    assert found["/dev/shm"]["bytes"] <= limits.shm_bytes
    assert found["/tmp"]["bytes"] <= limits.scratch_bytes
    if isolation.bubblewrap().launched:  # the inode bound needs the launcher (the grader runs as root)
        assert found["/dev/shm"]["files"] < limits.tmpfs_inodes and found["/tmp"]["files"] < limits.tmpfs_inodes


@needs_sandbox
def test_a_storm_of_processes_or_threads_stops_at_the_limit(host, account):
    found = said(attacked(host, "process_storm"), "started")
    limit = isolation.Limits().processes
    assert found["forks"] < limit and found["forks"] + found["threads"] < limit, found


@needs_sandbox
def test_pid_1_and_the_closed_kernel_calls_are_out_of_reach(host, account):
    found = said(attacked(host, "kernel_calls"), "kernel")
    uid_map = found.pop("uid_map")
    expected = {name: "ENOSYS" if name == "clone3" else "EPERM" for name in found if name != "open /proc/1/mem"}
    assert {k: v for k, v in found.items() if k in expected} == expected
    assert found["open /proc/1/mem"] in ("EACCES", "EPERM")
    box = isolation.bubblewrap()
    if box.launched:  # one user namespace, mapped by launcher.py: its map names the host uid
        assert int(uid_map[1]) == box.host_id[0] == isolation.WORKER_ID
    else:  # bwrap's two nested namespaces (--disable-userns) name the outer one: the host uid is read from the host
        assert box.host_id[0] == os.geteuid() != 0  # by test_python_m_dlgrade_sandbox_reports_each_protection…


def test_the_filter_keeps_numpy_and_torch_working_and_refuses_foreign_abis():
    """Outside bwrap, in a child that loads the filter itself (as tier 2 does): the libraries run; an x32
    call (the x86-64 ABI with 32-bit pointers) kills the process rather than passing the rules."""
    program = ("import sys; sys.path.insert(0, %r); from dlgrade.sandbox import seccomp; "
               "seccomp.install(seccomp.worker_filter(deny_network=True)); import numpy as np; "
               "a = np.random.default_rng(0).random((50, 50)); assert (a @ a).shape == (50, 50); "
               "torch = __import__('importlib').util.find_spec('torch') and __import__('torch'); "
               "torch and torch.ones(3, requires_grad=True).sum().backward(); print(seccomp.probe())" % str(ROOT))
    run = subprocess.run([sys.executable, "-I", "-c", program], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stdout.strip() == "True", run.stderr[-2000:]
    if os.uname().machine == "x86_64":
        x32 = ("import sys; sys.path.insert(0, %r); from dlgrade.sandbox import seccomp; import ctypes; "
               "seccomp.install(seccomp.worker_filter()); ctypes.CDLL(None).syscall(0x40000000 | 39)" % str(ROOT))
        run = subprocess.run([sys.executable, "-I", "-c", x32], capture_output=True, timeout=60)
        assert run.returncode == -31, run  # SIGSYS
    assert isinstance(seccomp.bpf_bytes(seccomp.worker_filter()), bytes)


@needs_sandbox
def test_many_grades_in_one_process_leave_no_zombie(host):
    submission = hostile(host, "process_storm")
    for _ in range(3):
        grade(submission, only=("optim.sgd",))
    mine = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            mine.append((pid, fields[0]))
    assert [pid for pid, state in mine if state == "Z"] == [], mine


@needs_sandbox
def test_a_normal_user_is_contained_too():
    """The grader of a normal user (as root: tests/accounts.py's account, where its interpreter is reachable)."""
    if accounts.unavailable():
        pytest.skip(f"cannot run as a normal user here: {accounts.unavailable()}")
    program = ("import os; from dlgrade.sandbox import isolation; box = isolation.bubblewrap(); "
               "r = box.run(['/bin/sh', '-c', 'echo x > /proc/sys/kernel/core_pattern; touch /usr/x /x']); "
               "print(os.getuid(), box.launched, box.host_id[0], r.stderr)")
    run = accounts.run([sys.executable, "-c", program], timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    uid, launched, worker, said = run.stdout.split(maxsplit=3)
    assert uid == worker == str(accounts.normal_id()[0]) != "0" and launched == "False"
    assert said.count("Read-only file system") == 3, said


@needs_sandbox
def test_python_m_dlgrade_sandbox_reports_each_protection_it_verified(account):
    run = subprocess.run([sys.executable, "-m", "dlgrade.sandbox"], capture_output=True, text=True, timeout=300,
                         cwd=ROOT)
    assert run.returncode == 0, run.stdout
    for protection in ("host uid is not root", "/proc/sys is read-only", "root is read-only", "seccomp",
                       "/tmp is bounded", "/dev/shm is bounded"):
        assert any(line.startswith("ok") and protection in line for line in run.stdout.splitlines()), protection
    assert f"(host uid {isolation.bubblewrap().host_id[0]})" in run.stdout


@needs_sandbox
def test_python_m_dlgrade_sandbox_refuses_when_a_protection_is_missing(monkeypatch, capsys):
    real = isolation.protections
    monkeypatch.setattr(isolation, "protections",
                        lambda box: [(n, v and "seccomp" not in n, s) for n, v, s in real(box)])
    assert isolation.main() == 1
    said = capsys.readouterr().out
    assert "MISSING a seccomp filter refuses keyctl" in said and "refused here: a seccomp filter" in said


@pytest.mark.skipif(os.geteuid() != 0, reason="staging folders are made only when the grader runs as root")
def test_a_killed_graders_staging_folder_is_removed_by_the_next_start(monkeypatch):
    """A grader SIGKILLed mid-grade leaves its empty /tmp/dlgrade-view-*; the next start removes it, and only it:
    a live grader's folder (locked) and another name stay."""
    tmp_path = Path(tempfile.mkdtemp(dir="/tmp", prefix="dlgrade-test-staging-"))  # one the worker's uid can walk
    os.chmod(tmp_path, 0o755)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    box = isolation.Bubblewrap("bwrap", "0.11")
    killed = ("import os, signal; from dlgrade.sandbox import isolation; "
              "start = isolation.Start(isolation.Bubblewrap('bwrap', '0.11')); print(start.staging, flush=True); "
              "os.kill(os.getpid(), signal.SIGKILL)")
    run = subprocess.run([sys.executable, "-c", killed], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert run.returncode == -9, run.stderr
    stale = run.stdout.strip()
    assert os.path.dirname(stale) == str(tmp_path) and os.path.isdir(stale)
    other = tmp_path / "dlgrade-submission-x"
    other.mkdir()
    with isolation.Start(box) as live:
        with isolation.Start(box) as next_start:
            assert not os.path.exists(stale)
            assert os.path.isdir(live.staging) and os.path.isdir(next_start.staging) and other.is_dir()
    assert sorted(os.listdir(tmp_path)) == [other.name]
    shutil.rmtree(tmp_path)


@needs_sandbox
@pytest.mark.skipif(os.geteuid() != 0, reason="staging folders are made only when the grader runs as root")
def test_a_private_tmpdir_does_not_cost_the_namespace_sandbox(tmp_path, monkeypatch):
    # Before: with TMPDIR a folder the worker's uid cannot walk (pytest's, mode 700), bwrap could not bind the
    # launcher's staging folder, and the grader fell back to the Landlock tier without a word.
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    box = isolation.bubblewrap()
    with isolation.Start(box) as start:
        assert os.path.dirname(start.staging) != str(private)
        assert confine.reachable(os.path.dirname(start.staging), isolation.WORKER_ID, isolation.WORKER_ID)
    run = box.run([sys.executable, "-I", "-S", "-c", "print('inside')"])
    assert run.returncode == 0 and run.stdout == "inside\n", run.stderr
