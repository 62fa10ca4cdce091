"""The Landlock tier, where a container refuses user namespaces: the grader run under a seccomp filter shaped
like Docker's default (tests/container_seccomp.py) must choose it by itself, name it, and contain every
attack of tests/submissions/hostile/confined_escape.py, as root (the worker under isolation.WORKER_ID) and as a
normal user (the `account` fixture: as root, tests/accounts.py reruns the test as one; the worker is then that
user), with dlgrade installed editable (this checkout) and from a wheel.

Each test runs `grader.py` in a process of its own, since a seccomp filter cannot be taken off again. They
skip, saying why, where the kernel has no Landlock.
"""
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from dlgrade.sandbox import isolation, landlock
from tests.grading import REFERENCE, ROOT
from tests.test_security import HEADER, HOSTILE, survivors

CONTAINER = [sys.executable, str(ROOT / "tests" / "container_seccomp.py")]
ATTACKED = ("optim.sgd", "optim.sgd_momentum", "optim.rmsprop", "optim.adam", "optim.adagrad", "optim.adamax",
            "optim.nadam")
NORMAL_USER = "nobody"  # --worker-user's account


def _landlock_refused():
    if landlock.abi_version() < 1:
        return "the kernel offers no Landlock"
    try:
        import landlockpy  # noqa: F401
        import pyseccomp  # noqa: F401
    except (ImportError, OSError) as exc:
        return f"no Landlock or seccomp binding ({exc})"
    return ""


pytestmark = pytest.mark.skipif(bool(_landlock_refused()), reason=_landlock_refused() or "")


@pytest.fixture
def workdir():
    """A folder other accounts may enter (mode 755: DAC hides nothing there, Landlock must), with `tmp`, the grader's
    private TMPDIR, which must be empty once the grade is over: nothing the grader made outlives it."""
    folder = Path(tempfile.mkdtemp(prefix="dlgrade-tier2-test-"))
    folder.chmod(0o755)
    (folder / "tmp").mkdir(mode=0o755)
    yield folder
    left = sorted(p.name for p in (folder / "tmp").iterdir())
    shutil.rmtree(folder, ignore_errors=True)
    assert left == [], "the grader left these in its TMPDIR"


class Listener:
    """A TCP and a UDP socket on one port of 127.0.0.1: what a submission sends out, the test receives."""

    def __init__(self):
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.tcp.settimeout(0.2)
        self.udp.settimeout(0.2)
        self.received, self.running = [], True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                connection, _ = self.tcp.accept()
                self.received.append(b"connected")
                with connection:
                    connection.settimeout(1)
                    self.received.append(connection.recv(4096))
            except OSError:
                pass
            try:
                self.received.append(self.udp.recv(4096))
            except OSError:
                pass

    def close(self):
        self.running = False
        self.thread.join()
        self.tcp.close()
        self.udp.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def grader(args, *, cwd=ROOT, env=(), program=(sys.executable, str(ROOT / "grader.py")), container=CONTAINER):
    """grader.py ARGS under the container's filter, as this process's account, with DLGRADE_SECRET, TMPDIR and
    the like in env; the CompletedProcess."""
    return subprocess.run([*container, *program, *args], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **dict(env)})


def grader_files(package_folder):
    """Files of an installed dlgrade a submission must not read: the oracle, a profile, the install records."""
    found = [package_folder / "reference" / "optim.py", package_folder / "checks" / "policy" / "profiles" /
             "default.toml", package_folder / "sandbox" / "confine.py"]
    for folder in map(Path, isolation.site_folders()):
        for entry in folder.glob("*dlgrade*"):
            found += [entry] if entry.is_file() else [p for p in entry.iterdir() if p.is_file()][:2]
    return [str(p) for p in found if p.exists()]


def installed_dlgrade():
    """The dlgrade an import finds outside this checkout (an editable install's target, or site-packages)."""
    out = subprocess.run([sys.executable, "-c", "import dlgrade, os; print(os.path.dirname(dlgrade.__file__))"],
                         cwd="/", capture_output=True, text=True).stdout.strip()
    if not out:
        return []
    folder = Path(out)
    return [str(folder.parent / "reference" / "optim.py"), str(folder / "reference" / "optim.py")]


def hostile_submission(folder, host):
    target = folder / "submission"
    shutil.copytree(REFERENCE, target, ignore=shutil.ignore_patterns("__pycache__"))
    with open(target / "optim.py", "a") as file:
        file.write(HEADER.format(host=host) + (HOSTILE / "confined_escape.py").read_text())
    return target


def achieved(report, function):
    """The JSON a hostile function raised with ('achieved: {...}'), from the report's summaries."""
    for check in report["checks"]:
        if check["function"] == function and "achieved: " in check["summary"]:
            text = check["summary"].partition("achieved: ")[2]
            return json.JSONDecoder().raw_decode(text)[0]
    raise AssertionError(f"{function} reported nothing: {[c['summary'] for c in report['checks']]}")


def attack(workdir, listener, *, program=(sys.executable, str(ROOT / "grader.py")), cwd=ROOT, env=(),
           package=ROOT):
    """Grade confined_escape under the container's filter; (report, host, secret, results path, process)."""
    token = "dlg" + uuid.uuid4().hex[:8]
    secret = "course-secret-" + uuid.uuid4().hex
    (workdir / "secret").write_text(secret)
    os.chmod(workdir / "secret", 0o600)
    other = workdir / "other-file.txt"
    other.write_text("someone else's " + secret)
    other.chmod(0o644)
    results = workdir / "results" / "results.json"
    results.parent.mkdir(mode=0o755)
    host = {"token": token, "grader_pid": os.getpid(), "daemon_seconds": 3, "port": listener.port,
            "canaries": [str(workdir / "planted.txt"), str(ROOT / f"planted-{token}.txt")],
            "results": str(results), "secret": secret,
            "reads": [*grader_files(Path(package)), *installed_dlgrade(), str(workdir / "secret"), str(other),
                      "/etc/passwd", "/etc/hostname", str(Path.home() / ".bashrc")]}
    submission = hostile_submission(workdir, host)
    only = [word for function in ATTACKED for word in ("--only", function)]
    done = grader([str(submission), *only, "--max-examples", "2", "--jobs", "1", "--format", "json",
                   "--results", str(results)], program=program, cwd=cwd,
                  env={"DLGRADE_SECRET": secret, "TMPDIR": str(workdir / "tmp"), **dict(env)})
    assert done.returncode == 0, done.stderr
    time.sleep(host["daemon_seconds"])
    return json.loads(done.stdout), host, secret, results, done


def assert_contained(report, host, secret, results, done, listener, account):
    assert report["isolation"].startswith("Landlock tier"), report["isolation"]
    assert achieved(report, "optim.sgd") == {"network": []}
    assert listener.received == []
    seen = achieved(report, "optim.sgd_momentum")
    assert seen["read"] == [] and seen["secret"] == [], seen
    assert seen["listed"] == [], seen
    uid, gid, groups = seen["uid"]
    assert (os.geteuid() == 0) == (account == "root")  # the normal-user case runs as one (tests/accounts.py)
    if account == "root":
        assert (uid, gid, groups) == (isolation.WORKER_ID, isolation.WORKER_ID, [])
    else:  # the grader's own account, as the issue asks of a normal user
        assert (uid, gid) == (os.geteuid(), os.getegid()) != (0, 0) and groups in ([], [gid])
    assert achieved(report, "optim.rmsprop") == {"written": [], "scratch": [True]}
    assert achieved(report, "optim.adam") == {"signalled": []}
    forks = achieved(report, "optim.adagrad")["forks"][0]
    assert forks < isolation.Limits().processes
    adamax = [c["summary"] for c in report["checks"] if c["function"] == "optim.adamax"]
    assert adamax and all("MiB in its scratch folder" in s or "not called again" in s for s in adamax), adamax
    assert {c["status"] for c in report["checks"] if c["function"] == "optim.nadam"} == {"passed"}
    graded = json.loads(results.read_text())
    assert graded["score"] == report["score"] < report["max_score"], "the results were forged"
    assert secret not in done.stdout + done.stderr + results.read_text()
    planted = [p for p in host["canaries"] if os.path.exists(p)]
    for path in planted:
        os.unlink(path)
    assert planted == [], "the submission wrote outside its scratch"
    assert survivors(host["token"]) == [], "a process of the submission outlived its grade"


def test_the_check_names_the_landlock_tier_in_a_container():
    done = grader([], program=(sys.executable, "-m", "dlgrade.sandbox"))
    assert done.returncode == 0, done.stdout
    assert "the sandbox runs here: Landlock tier" in done.stdout and "Not provided: a PID namespace" in done.stdout


def test_the_readme_gradescope_command_grades_in_the_landlock_tier(account, workdir):
    results = workdir / "results.json"
    done = grader(["examples/submission", "--only", "optim.sgd", "--max-examples", "2", "--results", str(results)],
                  env={"DLGRADE_SECRET": "s3cret", "TMPDIR": str(workdir / "tmp")})
    assert done.returncode == 0, done.stderr
    assert "isolation: Landlock tier" in done.stdout
    assert "isolation: Landlock tier" in json.loads(results.read_text())["output"]
    assert "warning" not in done.stderr


def test_a_secret_on_the_command_line_is_warned_of(workdir):
    done = grader(["examples/submission", "--only", "optim.sgd", "--max-examples", "1", "--secret", "s3cret"],
                  env={"TMPDIR": str(workdir / "tmp")})
    assert done.returncode == 0, done.stderr
    assert "the course secret is on the command line" in done.stderr and "DLGRADE_SECRET" in done.stderr


def test_where_neither_tier_runs_the_grader_refuses_saying_why():
    container = [*CONTAINER[:1], "-c", "import sys, runpy; sys.argv = sys.argv[1:]; "
                 "import container_seccomp as c, pyseccomp as s, errno; f = c.container_filter(); "
                 "[f.add_rule(s.ERRNO(errno.ENOSYS), n) for n in ('landlock_create_ruleset', 'landlock_add_rule', "
                 "'landlock_restrict_self')]; f.load(); import os; os.execvp(sys.argv[0], sys.argv)"]
    done = grader(["examples/submission", "--only", "optim.sgd"], container=container,
                  env={"PYTHONPATH": str(ROOT / "tests")})
    assert done.returncode == 2
    assert "no sandbox can run here" in done.stderr and "Landlock is not available" in done.stderr
    assert "for code you trust" in done.stderr and "Traceback" not in done.stderr


def test_the_advice_fits_the_place(monkeypatch):
    monkeypatch.setattr(isolation, "in_container", lambda: True)
    assert "runs in a container" in isolation.advice() and "seccomp profile" in isolation.advice()
    monkeypatch.setattr(isolation, "in_container", lambda: False)
    assert "user namespaces" in isolation.advice() and "container" not in isolation.advice()


@pytest.mark.slow
def test_attacks_are_contained_installed_editable(account, workdir, listener):
    contained = attack(workdir, listener)
    assert_contained(*contained, listener, account)


@pytest.mark.slow
def test_attacks_are_contained_installed_from_a_wheel(account, workdir, listener):
    """dlgrade built as a wheel and installed into a site-packages folder of its own (its oracle world-readable
    there, as pip leaves it), graded from outside this checkout."""
    source, wheels, site = workdir / "source", workdir / "wheels", workdir / "lib" / "site-packages"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(wheels), str(source)], check=True, capture_output=True, timeout=600)
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
                    *map(str, wheels.glob("*.whl"))], check=True, capture_output=True, timeout=600)
    shutil.rmtree(wheels)
    shutil.rmtree(source)
    assert (site / "dlgrade" / "reference" / "optim.py").stat().st_mode & 0o004  # world-readable, as pip leaves it
    program = (sys.executable, "-c", "import sys; from dlgrade.cli import entry_point; sys.exit(entry_point())")
    contained = attack(workdir, listener, program=program, cwd=workdir, package=site / "dlgrade",
                       env={"PYTHONPATH": str(site)})
    assert_contained(*contained, listener, account)


def test_a_worker_user_bubblewrap_cannot_start_as_is_confined_in_the_landlock_tier():
    """--worker-user names the Landlock tier's account too: where bubblewrap cannot start as it (here: an
    interpreter it cannot reach), that account's worker runs in the Landlock tier."""
    if os.geteuid() != 0:
        pytest.skip("--worker-user needs root")
    account = pwd.getpwnam(NORMAL_USER)
    try:
        isolation.bubblewrap(account.pw_uid, account.pw_gid)
        pytest.skip(f"bubblewrap starts as {NORMAL_USER} here")
    except isolation.IsolationUnavailable:
        pass
    done = grader(["examples/submission", "--only", "optim.sgd", "--max-examples", "1", "--worker-user", NORMAL_USER],
                  container=())
    assert done.returncode == 0, done.stderr
    assert f"isolation: Landlock tier (bubblewrap cannot start here): uid {account.pw_uid}, gid {account.pw_gid}" \
        in done.stdout
