"""The sandbox: plain data only on the wire, and every way a submission can misbehave is contained."""
import json
import os
import pwd
import struct
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from dlgrade.checks.policy import profile
from dlgrade.sandbox import RngSeed, Sandbox, SandboxError, SubmissionError, check_account, protocol, resolve

_DEFAULT = profile.load()
LIMITS = {"call_timeout": _DEFAULT.call_timeout, "import_timeout": _DEFAULT.import_timeout}

SOURCE = '''
import os, sys, time
import numpy as np
print("noise from import")
def double(x):
    return 2 * x
def in_place(x):
    x += 1
    return None
def hang(x):
    while True:
        pass
def die():
    os._exit(3)
def pretend():
    class AlwaysEqual(np.ndarray):
        def __eq__(self, other):
            return True
    return np.zeros(3).view(AlwaysEqual)
def foreign():
    return object()
def stub():
    raise NotImplementedError("write me")
def raises(x):
    return x[10]
def forward(x):
    return 3 * x, {"x": x, "opaque": object()}
def backward(dout, cache):
    return dout * 3 * np.ones_like(cache["x"])
def calls_back(f, x):
    return f(x) + f(x + 1)
def draws(rng):
    return rng.normal(size=3)
def steal():
    import dlgrade.reference as reference
def exits():
    sys.exit(0)
'''


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submission")
    (folder / "mod.py").write_text(SOURCE)
    with Sandbox(resolve(folder), **dict(LIMITS, call_timeout=1.0)) as sandbox:
        yield sandbox


def test_round_trip_of_allowed_values():
    message = {"a": (1, 2.5, None, True, "s"), "b": [np.arange(6.0).reshape(2, 3), np.float32(1.5)],
               "c": {"nested": np.array([1, 2], dtype=np.int64)}, "big": 2**70, "nan": float("nan")}
    data = protocol.encode(message)
    back = protocol.read_message(_reader(data))
    assert back["a"] == (1, 2.5, None, True, "s") and back["big"] == 2**70 and np.isnan(back["nan"])
    np.testing.assert_array_equal(back["b"][0], message["b"][0])
    assert type(back["b"][0]) is np.ndarray and back["b"][1] == np.float32(1.5)


def _reader(data):
    view = memoryview(data)
    position = [0]

    def read(n):
        chunk = view[position[0]:position[0] + n].tobytes()
        position[0] += len(chunk)
        return chunk
    return read


@pytest.mark.parametrize("value", [object(), np.array([object()], dtype=object), {1: 2},
                                   np.zeros(2).view(np.matrix), lambda: 0])
def test_disallowed_values_are_refused(value):
    with pytest.raises(protocol.ProtocolError):
        protocol.encode({"value": value})


def test_a_forged_array_header_is_refused():
    header = json.dumps({"$array": 0, "dtype": "|O", "shape": [1]}).encode()
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(header, [b"\0" * 8])
    header = json.dumps({"$array": 0, "dtype": "<f8", "shape": [1000]}).encode()
    with pytest.raises(protocol.ProtocolError, match="size"):
        protocol.decode(header, [b"\0" * 8])


def test_an_oversized_message_is_refused():
    with pytest.raises(protocol.ProtocolError, match="larger than"):
        protocol.read_message(_reader(struct.pack("<II", 2**31, 0)))


def test_calls_return_plain_data(box):
    assert np.array_equal(box.call("mod", "double", (np.arange(3.0),)).value, [0.0, 2.0, 4.0])


def test_in_place_edits_come_back_when_asked(box):
    reply = box.call("mod", "in_place", (np.zeros(2),), return_args=True)
    assert reply.value is None and np.array_equal(reply.args_after[0], [1.0, 1.0])


@pytest.mark.parametrize("function, kind, words", [
    ("pretend", "bad_return", "subclass of numpy.ndarray"),
    ("foreign", "bad_return", "builtins.object"),
    ("stub", "not_implemented", "write me"),
    ("nothing_here", "missing", "no function nothing_here"),
    ("steal", "exception", "belongs to the grader"),
    ("exits", "exception", "SystemExit"),
])
def test_failures_have_a_kind_and_a_message(box, function, kind, words):
    with pytest.raises(SandboxError) as info:
        box.call("mod", function)
    assert info.value.kind == kind and words in str(info.value)


def test_an_exception_names_the_students_line(box):
    with pytest.raises(SandboxError) as info:
        box.call("mod", "raises", (np.zeros(2),))
    assert info.value.kind == "exception" and "IndexError" in info.value.message
    assert info.value.where.startswith("mod.py:") and "x[10]" in info.value.where


def test_caches_stay_in_the_worker(box):
    out, handle = box.call("mod", "forward", (np.ones(2),), keep=[1]).value
    assert np.array_equal(out, [3.0, 3.0]) and type(handle).__name__ == "Handle"
    assert np.array_equal(box.call("mod", "backward", (np.ones(2), handle)).value, [3.0, 3.0])


def test_callbacks_run_in_the_grader(box):
    seen = []

    def f(x):
        seen.append(x.copy())
        return float(np.sum(x**2))
    assert box.call("mod", "calls_back", (f, np.array([1.0, 2.0]))).value == 5.0 + 13.0
    assert len(seen) == 2 and type(seen[0]) is np.ndarray


def test_rng_seeds_build_generators(box):
    first = box.call("mod", "draws", (RngSeed(7),)).value
    assert np.array_equal(first, np.random.default_rng(7).normal(size=3))


def test_a_hang_costs_one_timeout_then_fails_fast(box):
    for expected in ("within 1 s", "not called again"):
        with pytest.raises(SandboxError) as info:
            box.call("mod", "hang", (np.zeros(1),))
        assert info.value.kind == "timeout" and expected in str(info.value)
    assert np.array_equal(box.call("mod", "double", (np.ones(1),)).value, [2.0])


def test_a_crash_restarts_the_worker(box):
    with pytest.raises(SandboxError) as info:
        box.call("mod", "die")
    assert info.value.kind == "crash" and "status 3" in str(info.value)
    assert np.array_equal(box.call("mod", "double", (np.ones(1),)).value, [2.0])


def test_a_missing_module_and_a_syntax_error(tmp_path):
    (tmp_path / "broken.py").write_text("def f(:\n")
    with Sandbox(resolve(tmp_path), **LIMITS) as sandbox:
        for module, kind, words in (("absent", "missing", "no absent.py"), ("broken", "import_error", "SyntaxError")):
            with pytest.raises(SandboxError) as info:
                sandbox.functions(module)
            assert info.value.kind == kind and words in str(info.value)


def test_a_module_that_hangs_on_import(tmp_path):
    (tmp_path / "slow.py").write_text("while True:\n    pass\n")
    (tmp_path / "fine.py").write_text("def f():\n    return 1\n")
    with Sandbox(resolve(tmp_path), **dict(LIMITS, import_timeout=1.0)) as sandbox:
        with pytest.raises(SandboxError) as info:
            sandbox.functions("slow")
        assert info.value.kind == "import_error" and "did not finish" in str(info.value)
        assert sandbox.call("fine", "f").value == 1


def test_memory_is_limited(tmp_path):
    (tmp_path / "greedy.py").write_text("import numpy as np\ndef f():\n    return np.ones(10**11).sum()\n")
    with Sandbox(resolve(tmp_path), memory_bytes=2 * 2**30, **LIMITS) as sandbox:
        with pytest.raises(SandboxError) as info:
            sandbox.call("greedy", "f")
    assert "MemoryError" in str(info.value)


def test_notebook_cells_run_and_magics_are_skipped(tmp_path):
    import nbformat
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Assignment"),
        nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy as np\n!pip list"),
        nbformat.v4.new_code_cell("def f(x):\n    return x + 1"),
        nbformat.v4.new_code_cell("undefined_name_in_a_demo_cell"),
    ])
    path = tmp_path / "hw.ipynb"
    nbformat.write(notebook, str(path))
    with Sandbox(resolve(path), **LIMITS) as sandbox:
        assert sandbox.call("anything", "f", (1,)).value == 2
        assert any("NameError" in w for w in sandbox.warnings("anything"))


def test_zip_submissions_unpack_safely(tmp_path):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("hw/mod.py", "def f():\n    return 41 + 1\n")
    submission = resolve(good)
    with Sandbox(submission, **LIMITS) as sandbox:
        assert sandbox.call("mod", "f").value == 42
    submission.cleanup()
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../escape.py", "x = 1\n")
    with pytest.raises(SubmissionError, match="unsafe path"):
        resolve(evil)


@pytest.mark.parametrize("name, words", [("nothing.txt", "expected a folder"), ("absent", "no such file")])
def test_unusable_paths_are_usage_errors(tmp_path, name, words):
    if name.endswith(".txt"):
        (tmp_path / name).write_text("hello")
    with pytest.raises(SubmissionError, match=words):
        resolve(tmp_path / name)


def _nobody_can_run_python():
    try:
        check_account("nobody")
        return True
    except PermissionError:
        return False


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can start a worker as nobody")
@pytest.mark.open_interpreter  # as root, rerun where nobody can run the interpreter (tests/accounts.py)
def test_a_trusted_worker_run_as_nobody_cannot_read_or_change_the_graders_files():
    check_account("nobody")
    with tempfile.TemporaryDirectory() as place:
        _run_as_nobody(Path(place))


def _run_as_nobody(tmp_path):
    secret = tmp_path / "answers.txt"
    secret.write_text("the oracle's outputs")
    secret.chmod(0o600)
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "mod.py").write_text(
        f"import os\ndef peek():\n    return open({str(secret)!r}).read()\n"
        f"def scribble():\n    open({str(tmp_path / 'planted.py')!r}, 'w').write('x = 1')\n"
        "def who():\n    return os.getuid()\n")
    folder.chmod(0o755)
    tmp_path.chmod(0o755)
    with Sandbox(resolve(folder), user="nobody", trusted=True, **LIMITS) as sandbox:
        assert sandbox.call("mod", "who").value == pwd.getpwnam("nobody").pw_uid
        for function in ("peek", "scribble"):
            with pytest.raises(SandboxError, match="PermissionError"):
                sandbox.call("mod", function)
    assert not (tmp_path / "planted.py").exists()


def test_an_account_that_cannot_run_the_worker_is_refused_up_front():
    if _nobody_can_run_python():
        pytest.skip("here nobody can run the interpreter: the test above runs instead")
    with pytest.raises(PermissionError, match="needs the grader to run as root|cannot run"):
        check_account("nobody")


@pytest.mark.skipif(os.geteuid() != 0, reason="--worker-user needs the grader to run as root")
def test_a_worker_user_that_cannot_start_the_sandbox_is_refused_up_front(tmp_path, capsys):
    from dlgrade import cli
    from dlgrade.sandbox import IsolationUnavailable, isolation, pwd_entry
    account = pwd_entry("nobody")
    try:
        isolation.choose(account.pw_uid, account.pw_gid)
        pytest.skip("here nobody can start a sandbox (bubblewrap or the Landlock tier)")
    except IsolationUnavailable:
        pass
    single = tmp_path / "homework.py"
    single.write_text("def f():\n    return 1\n")
    assert cli.main([str(single), "--worker-user", "nobody"]) == 2
    assert "cannot start the sandbox" in capsys.readouterr().err


def test_the_sandbox_is_described_and_trust_is_said(tmp_path):
    (tmp_path / "mod.py").write_text("def f():\n    return 1\n")
    with Sandbox(resolve(tmp_path), trusted=True, **LIMITS) as sandbox:
        assert sandbox.call("mod", "f").value == 1
        assert sandbox.description.startswith("none (--trust-submission)")


def test_a_folder_is_graded_from_its_snapshot_without_its_large_data(tmp_path):
    folder = tmp_path / "assignment"
    (folder / "datasets").mkdir(parents=True)
    (folder / "mod.py").write_text("def f():\n    return 1\n")
    (folder / "datasets" / "cifar.bin").write_bytes(b"\0" * (2 * 2**20))
    submission = resolve(folder)
    (folder / "mod.py").write_text("def f():\n    return 2\n")  # changed after resolve: the snapshot is graded
    with Sandbox(submission, **LIMITS) as sandbox:
        assert sandbox.call("mod", "f").value == 1
    assert not (Path(submission.root) / "datasets" / "cifar.bin").exists()
    assert any("1 data files" in note for note in submission.notes) and len(submission.sha256) == 64
    submission.cleanup()


def test_a_venv_under_tmp_runs_in_the_sandbox(tmp_path):
    """The interpreter may live under /tmp, which the worker's own tmpfs covers: it is bound on top."""
    import subprocess
    import sys

    from dlgrade.sandbox import IsolationUnavailable, bubblewrap
    try:
        bubblewrap()
    except IsolationUnavailable as exc:
        pytest.skip(f"needs the OS sandbox: {exc}")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(tmp_path / "venv")],
                   check=True, timeout=120)
    done = subprocess.run([str(tmp_path / "venv" / "bin" / "python"), "-m", "dlgrade.sandbox"], capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0 and "the sandbox runs here" in done.stdout, done.stdout + done.stderr
