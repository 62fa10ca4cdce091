"""Hostile submissions, one per attack class: each is contained under the default command line.

Every test grades a copy of the reference whose optim.py ends with one file of
tests/submissions/hostile/ (see its README), and asserts the verdict of the attacking functions,
that the other functions were still graded, that no process of the submission survives the
grade and that nothing outside the worker's scratch was written. They need the OS sandbox (user
namespaces) and skip, saying why, where the kernel refuses it; the zip shapes need nothing.
"""
import hashlib
import json
import os
import resource
import shutil
import time
import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import nbformat
import pytest

import dlgrade
from dlgrade import cli, grading
from dlgrade.checks.engine import runner
from dlgrade.checks.engine.status import Status
from dlgrade.reporting import gradescope, render
from dlgrade.sandbox import IsolationUnavailable, Sandbox, SandboxError, bubblewrap, client, isolation, resolve
from tests.grading import ALTERNATIVE, REFERENCE, ROOT, quick_profile

HOSTILE = ROOT / "tests" / "submissions" / "hostile"
HEADER = '''

# --- the test's header (tests/test_security.py) ---
HOST = {host!r}


def _plant():
    for path in HOST["canaries"]:
        try:
            with open(path, "w") as file:
                file.write("planted")
        except OSError:
            pass


def _name_processes():
    try:
        import ctypes
        ctypes.CDLL(None).prctl(15, HOST["token"].encode(), 0, 0, 0)  # PR_SET_NAME, inherited by children
    except Exception:
        pass


_name_processes()
# --- the attack ---
'''
LIMITS = {"call_timeout": 5.0, "import_timeout": 20.0}


def _sandbox_refused():
    try:
        bubblewrap()
        return ""
    except IsolationUnavailable as exc:
        return str(exc)


needs_sandbox = pytest.mark.skipif(bool(_sandbox_refused()), reason=f"needs the OS sandbox: {_sandbox_refused()}")


def survivors(token):
    """Pids of processes named `token` (every process of a hostile submission is)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == token:
                found.append(int(pid))
        except OSError:
            pass
    return found


@pytest.fixture
def host(tmp_path):
    """What a hostile submission is told of the grader, and after the test: nothing planted, nothing alive."""
    token = "dlg" + uuid.uuid4().hex[:8]
    site = [str(p) for p in map(Path, isolation.site_folders()) for p in p.glob("*dlgrade*")]
    info = {"token": token, "grader_pid": os.getpid(), "daemon_seconds": 3,
            "canaries": [str(tmp_path / "planted.txt"), str(ROOT / f"planted-{token}.txt")],
            "secrets": [str(ROOT / "reference"), str(ROOT), str(Path(dlgrade.__file__).resolve().parent),
                        str(ROOT / "checks" / "policy" / "profiles"), str(tmp_path), *site],
            "files": [str(ROOT / "reference" / "optim.py"), str(ROOT / "checks/policy/profiles/default.toml")],
            "results": str(tmp_path / "results.json"), "submission": str(tmp_path / "submission")}
    yield info
    planted = [p for p in info["canaries"] if os.path.exists(p)]
    for path in planted:
        os.unlink(path)
    assert planted == [], "the submission wrote outside its scratch"
    assert survivors(token) == [], "a process of the submission outlived its grade"


def hostile(host, name, **extra):
    """A copy of the reference whose optim.py ends with the header and tests/submissions/hostile/NAME.py."""
    target = Path(host["submission"])
    shutil.copytree(REFERENCE, target, ignore=shutil.ignore_patterns("__pycache__"))
    with open(target / "optim.py", "a") as file:
        file.write(HEADER.format(host=dict(host, **extra)) + (HOSTILE / f"{name}.py").read_text())
    return resolve(target)


def grade(submission, only, jobs=1, **options):
    return runner.grade(submission, quick_profile(max_examples=3), only=only, jobs=jobs, **options)


def verdicts(report, function):
    return {r.status for r in report.results if r.function == function}


def summaries(report, function):
    return " | ".join(r.summary for r in report.results if r.function == function)


def all_formats(report):
    return {fmt: render(report, fmt) for fmt in ("text", "md", "json", "junit")} | \
        {"gradescope": json.dumps(gradescope(report))}


@needs_sandbox
def test_the_pool_pipe_is_out_of_reach(host):
    report = grade(hostile(host, "pool_pipe"), ("optim.sgd", "optim.sgd_momentum"), jobs=2)
    assert verdicts(report, "optim.sgd") == {Status.FAILED}
    assert verdicts(report, "optim.sgd_momentum") == {Status.PASSED}
    assert report.score == pytest.approx(sum(r.max_score for r in report.results if r.function == "optim.sgd_momentum"))


@needs_sandbox
def test_a_debugger_cannot_attach_to_the_grader(host):
    report = grade(hostile(host, "debugger_attach"), ("optim.sgd", "optim.adagrad"))
    assert verdicts(report, "optim.sgd") == {Status.FAILED}
    said = summaries(report, "optim.sgd")
    attached = json.loads(said.partition("attached to ")[2].partition(";")[0])
    opened = json.loads(said.partition("opened the memory of ")[2].partition(" ")[0].rstrip("|").strip())
    assert host["grader_pid"] not in attached + opened and all(pid < 100 for pid in attached + opened), said
    assert verdicts(report, "optim.adagrad") == {Status.PASSED}


@needs_sandbox
def test_the_oracle_is_not_in_the_workers_view(host):
    report = grade(hostile(host, "oracle_by_path"), ("optim.sgd", "optim.adagrad"))
    assert verdicts(report, "optim.sgd") == {Status.FAILED}
    said = summaries(report, "optim.sgd")
    seen = json.loads(said.partition("no oracle in view: ")[2].partition(" (at ")[0])
    assert seen and not any(seen.values()), f"the worker sees {[p for p, v in seen.items() if v]}"
    assert verdicts(report, "optim.adagrad") == {Status.PASSED}


@needs_sandbox
def test_nothing_of_the_grader_leaves_through_messages(host, monkeypatch):
    secret = "course-secret-" + uuid.uuid4().hex
    monkeypatch.setenv(grading.SECRET_VARIABLE, secret)
    report = grade(hostile(host, "exfiltration"), ("optim.sgd", "optim.adagrad"), secret=secret)
    assert verdicts(report, "optim.sgd") == {Status.FAILED}
    assert verdicts(report, "optim.adagrad") == {Status.PASSED}
    oracle_line = (REFERENCE / "optim.py").read_text().splitlines()[0]
    for fmt, text in all_formats(report).items():
        assert secret not in text and oracle_line not in text, fmt
    assert all(len(r.summary) < 3000 for r in report.results)


@needs_sandbox
def test_a_daemon_does_not_outlive_the_grade(host, capsys):
    hostile(host, "daemon_after_exit").cleanup()
    results = Path(host["results"])
    code = cli.main([host["submission"], "--only", "optim.sgd", "--max-examples", "3", "--jobs", "1",
                     "--results", str(results)])
    assert code == 0
    written = results.read_bytes()
    time.sleep(host["daemon_seconds"])
    assert results.read_bytes() == written and json.loads(written)["score"] == json.loads(written)["max_score"]
    assert "isolation: bubblewrap" in capsys.readouterr().out


@needs_sandbox
def test_signals_fail_only_the_function_that_sends_them(host):
    report = grade(hostile(host, "signals"), ("optim.sgd", "optim.sgd_momentum", "optim.adagrad"))
    assert verdicts(report, "optim.sgd") == {Status.FAILED}
    assert "the real-time signal SIGRTMIN+3" in summaries(report, "optim.sgd")
    assert verdicts(report, "optim.sgd_momentum") == {Status.FAILED}
    assert verdicts(report, "optim.adagrad") == {Status.PASSED}


@pytest.mark.parametrize("code", [0, 1, 137, 165, 255, -9, -34, -37, -64, -99])
def test_any_exit_status_is_a_sentence(code):
    for sandboxed in (True, False):
        said = isolation.describe_exit(code, sandboxed=sandboxed)
        assert said.startswith("the process") and "None" not in said


@needs_sandbox
def test_forged_replies_fail_their_function(host):
    report = grade(hostile(host, "forged_replies"), ("optim.sgd", "optim.sgd_momentum", "optim.adagrad"))
    assert verdicts(report, "optim.sgd") == {Status.FAILED}
    assert "answers no request" in summaries(report, "optim.sgd")
    assert verdicts(report, "optim.sgd_momentum") == {Status.FAILED}
    assert "malformed callback" in summaries(report, "optim.sgd_momentum")
    assert verdicts(report, "optim.adagrad") == {Status.PASSED}


@needs_sandbox
def test_an_oversized_reply_is_refused_before_it_is_read(host):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = grade(hostile(host, "oversized_reply"), ("optim.sgd", "optim.adagrad"))
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert verdicts(report, "optim.sgd") == {Status.FAILED}
    assert "larger than this call can return" in summaries(report, "optim.sgd")
    assert grown_mib < 500, f"the grader grew by {grown_mib:.0f} MiB"
    assert verdicts(report, "optim.adagrad") == {Status.PASSED}


@needs_sandbox
def test_deep_nesting_is_refused_before_it_is_decoded(host):
    report = grade(hostile(host, "deep_nesting"), ("optim.sgd", "optim.sgd_momentum", "optim.adagrad"))
    for function in ("optim.sgd", "optim.sgd_momentum"):
        assert verdicts(report, function) == {Status.FAILED}
        assert "nested deeper than" in summaries(report, function)
    assert verdicts(report, "optim.adagrad") == {Status.PASSED}


@needs_sandbox
def test_an_unremovable_scratch_costs_nothing(host, monkeypatch):
    submission = hostile(host, "unremovable_scratch")
    report = grade(submission, ("optim.sgd", "optim.adagrad"))
    assert verdicts(report, "optim.sgd") == verdicts(report, "optim.adagrad") == {Status.PASSED}
    assert not (Path(host["submission"]) / "planted.py").exists()
    assert not (Path(submission.root) / "planted.py").exists()

    def refuse(path, **_):
        raise PermissionError(1, "Operation not permitted", path)
    submission.cleanup()
    monkeypatch.setattr(client.shutil, "rmtree", refuse)  # trusted, the scratch is a host folder; say root cannot
    trusted = resolve(ALTERNATIVE)
    report = grade(trusted, ("optim.sgd",), trusted=True)
    assert verdicts(report, "optim.sgd") == {Status.PASSED}
    assert any("could not be removed (Operation not permitted)" in n for n in report.notes)
    monkeypatch.undo()
    trusted.cleanup()


@needs_sandbox
def test_one_submission_cannot_stop_another(host):
    other = resolve(ALTERNATIVE)
    with Sandbox(other, **LIMITS) as bystander, Sandbox(hostile(host, "cross_submission"), **LIMITS) as attacker:
        w, dw = __import__("numpy").ones(3), __import__("numpy").ones(3)
        bystander.call("optim", "sgd", (w.copy(), dw, {}))
        with pytest.raises(SandboxError) as info:
            attacker.call("optim", "sgd", (w.copy(), dw, {}))
        stopped = json.loads(info.value.message.partition("stopped ")[2])
        assert all(pid < 100 for pid in stopped), stopped  # only pids of its own namespace
        next_w, _ = bystander.call("optim", "sgd", (w.copy(), dw, {"learning_rate": 0.5})).value
        assert next_w.tolist() == [0.5, 0.5, 0.5]
    other.cleanup()


@needs_sandbox
def test_a_memorised_search_fails_with_a_course_secret(host, tmp_path):
    record = tmp_path / "inputs.jsonl"
    recorder = hostile(host, "memorised_search")
    (Path(recorder.root) / "optim.py").write_text((Path(recorder.root) / "optim.py").read_text()
                                                  + f"\nRECORD = {str(record)!r}\n")
    grade(recorder, ("optim.sgd",), trusted=True)  # the public search, as anyone can run it at home
    table = {key: (values, shape, out) for key, values, shape, out in map(json.loads, record.read_text().splitlines())}
    memoriser = Path(recorder.root) / "optim.py"
    memoriser.write_text(memoriser.read_text().replace(f"\nRECORD = {str(record)!r}\n", "")
                         + f"\nTABLE.update({table!r})\n")
    public = grade(recorder, ("optim.sgd",))
    assert verdicts(public, "optim.sgd") == {Status.PASSED}, summaries(public, "optim.sgd")
    assert public.search.startswith("public seeded search")
    own = grade(recorder, ("optim.sgd",), secret="the course's secret")
    assert Status.FAILED in verdicts(own, "optim.sgd")
    assert own.search.startswith("per-submission search") and own.seed != public.seed
    replay = grade_with_seed(recorder, ("optim.sgd",), own.seed)  # the replay command's --seed
    assert [r.status for r in replay.results] == [r.status for r in own.results]
    recorder.cleanup()


def grade_with_seed(submission, only, seed):
    return runner.grade(submission, quick_profile(max_examples=3, seed=seed), only=only, jobs=1)


@needs_sandbox
def test_submission_text_cannot_forge_the_report(host):
    report = grade(hostile(host, "report_injection"), ("optim.sgd", "optim.adagrad"))
    assert verdicts(report, "optim.sgd") == {Status.FAILED}
    assert verdicts(report, "optim.adagrad") == {Status.PASSED}
    outputs = all_formats(report)
    for fmt, text in outputs.items():
        assert "\x1b" not in text and "\r" not in text and "\x00" not in text and "\u202e" not in text, fmt
        forged = [line for line in text.splitlines() if line.lstrip().startswith(
            ("✓ optim.sgd", "✓ Forged", "Score: 162", "total 162", "**Score: 162", "# dlgrade: forged", "<script>"))]
        assert forged == [], fmt
    fences = [line for line in outputs["md"].splitlines() if line.startswith("```")]
    assert len(fences) % 2 == 0 and all(start == end + "text" for start, end in zip(fences[::2], fences[1::2]))
    assert "````text" in fences  # a fence longer than the ``` the submission wrote holds it
    ET.fromstring(outputs["junit"].split("?>", 1)[1])  # well-formed XML
    results = gradescope(report)  # Markdown: the submission's text inside fences it cannot close
    assert results["test_output_format"] == "md"
    for test in results["tests"]:
        fences = [line for line in test["output"].splitlines() if line.startswith("```")]
        assert len(fences) % 2 == 0 and all(start == end + "text" for start, end in zip(fences[::2], fences[1::2]))


@needs_sandbox
def test_a_flood_of_failing_cells_is_bounded(tmp_path):
    cells = [nbformat.v4.new_code_cell((ALTERNATIVE / "optim.py").read_text())]
    cells += [nbformat.v4.new_code_cell(f"raise ValueError('cell {i} ' + 'x' * 5000 + '\\n✓ forged')")
              for i in range(500)]
    path = tmp_path / "flood.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), str(path))
    report = grade(resolve(path), ("optim.sgd",))
    assert verdicts(report, "optim.sgd") == {Status.PASSED}
    text = render(report, "text")
    notes = [line for line in text.splitlines() if line.startswith("note:")]
    assert 0 < len(notes) <= 21 and len(text) < 30_000
    assert all(len(line) < 400 for line in notes)
    assert len(json.dumps(gradescope(report))) < 40_000


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name), data)
    return path


ZIP_SHAPES = {
    "dot": [(".", "x = 1\n")],
    "long_name": [("a" * 300 + ".py", "x = 1\n")],
    "clash": [("hw/optim", "x = 1\n"), ("hw/optim/sgd.py", "x = 1\n")],
    "deep": [("/".join(["d"] * 1100) + "/optim.py", "x = 1\n")],
}


@pytest.mark.parametrize("shape", sorted(ZIP_SHAPES))
def test_zip_shapes_are_usage_errors(tmp_path, capsys, shape):
    path = _zip(tmp_path / f"{shape}.zip", ZIP_SHAPES[shape])
    assert cli.main([str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("grader.py: error:") and "Traceback" not in err and err.count("\n") == 1


def test_a_deep_folder_is_a_usage_error(tmp_path, capsys):
    deep = tmp_path.joinpath(*["d"] * 300)
    deep.mkdir(parents=True)
    (deep / "optim.py").write_text("x = 1\n")
    assert cli.main([str(tmp_path)]) == 2
    assert "nested deeper than" in capsys.readouterr().err


@needs_sandbox
@pytest.mark.parametrize("unsolicited", [False, True])
def test_a_worker_that_vanishes_or_speaks_out_of_turn_at_import(host, unsolicited):
    report = grade(hostile(host, "vanish_at_import", unsolicited=unsolicited), ("optim.sgd", "schedules.step_decay"))
    assert verdicts(report, "optim.sgd") == {Status.FAILED}
    said = summaries(report, "optim.sgd")
    assert "importing optim failed" in said
    assert ("callback" in said) if unsolicited else ("exited with status 0" in said)
    assert verdicts(report, "schedules.step_decay") == {Status.PASSED}


@needs_sandbox
def test_every_worker_grades_the_snapshot_and_the_report_names_its_hash(tmp_path):
    folder = tmp_path / "submission"
    shutil.copytree(ALTERNATIVE, folder)
    submission = resolve(folder)
    (folder / "optim.py").write_text("def sgd(w, dw, config=None):\n    raise ValueError('changed')\n")
    report = grade(submission, ("optim.sgd", "optim.adagrad"), jobs=2)
    assert {r.status for r in report.results} == {Status.PASSED}
    assert report.sha256 == submission.sha256 and len(report.sha256) == 64
    submission.cleanup()
    single = tmp_path / "homework.py"
    single.write_text((ALTERNATIVE / "optim.py").read_text())
    assert resolve(single).sha256 == hashlib.sha256(single.read_bytes()).hexdigest()


def test_without_user_namespaces_untrusted_code_is_refused(monkeypatch, capsys, tmp_path):
    def refused(*_args, **_kwargs):
        raise IsolationUnavailable("the sandbox cannot start here (no user namespaces)")
    monkeypatch.setattr(isolation, "choose", refused)
    single = tmp_path / "homework.py"
    single.write_text((ALTERNATIVE / "optim.py").read_text())
    assert cli.main([str(single), "--only", "optim.sgd", "--max-examples", "2", "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert "--trust-submission" in err and "user namespaces" in err
    assert cli.main([str(single), "--only", "optim.sgd", "--max-examples", "2", "--jobs", "1",
                     "--trust-submission"]) == 0
    assert "isolation: none (--trust-submission)" in capsys.readouterr().out


def test_a_grader_failure_is_a_sentence_and_no_report(monkeypatch, capsys, tmp_path):
    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")
    monkeypatch.setattr(runner, "grade", broken)
    single = tmp_path / "homework.py"
    single.write_text((ALTERNATIVE / "optim.py").read_text())
    assert cli.main([str(single), "--trust-submission"]) == 3
    captured = capsys.readouterr()
    assert captured.out == "" and "internal error, no report written" in captured.err
    assert "Traceback" not in captured.err
    results = tmp_path / "results.json"  # the Gradescope recipe: a result for every submission (score 0, the reason)
    assert cli.main([str(single), "--trust-submission", "--results", str(results)]) == 0
    written = json.loads(results.read_text())
    assert written["score"] == 0 and "a bug" in written["output"] and "Traceback" not in written["output"]
    assert [t["status"] for t in written["tests"]] == ["failed"]
