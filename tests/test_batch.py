"""Grading a whole class: a generated class graded end to end, killed and resumed, its gradebook, its class
report (counts of the planted mistakes), a Gradescope export, grader failures, and the Dask run equal to the local.

The class is built at test time: copies of the reference (correct), the alternative (correct but different),
the reference with planted mistakes (tests.grading.mistake_source), tests/submissions/broken/* (broken, slow,
hostile), a notebook, a zip and a file that is no zip. It is graded with a small profile (four optimizers,
three examples) to keep the suite fast.
"""
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile

import pytest

from dlgrade import batch, cli, grading
from dlgrade.checks.engine.mistakes import BY_ID
from tests.grading import ALTERNATIVE, BROKEN, REFERENCE, ROOT, mistake_source, quick_profile

pytestmark = pytest.mark.slow

FUNCTIONS = ("optim.sgd", "optim.sgd_momentum", "optim.rmsprop", "optim.adam")  # in the spec's order
PLANTED = {"optim.adam:no_bias_correction": 3, "optim.sgd_momentum:ema": 2, "optim.rmsprop:eps_inside": 1}
CORRECT = ("correct_1", "correct_2", "alternative", "reference.zip")
BROKEN_KINDS = ("raises", "syntax_error", "hostile", "hang", "wrong_types", "import_hang")


def small_options(tmp_path):
    profile = tmp_path / "small.toml"
    profile.write_text("[settings]\nmax_examples = 3\ncall_timeout = 2.0\n")
    return [arg for f in FUNCTIONS for arg in ("--only", f)] + ["--profile", str(profile)]


def planted(folder, mistake_id):
    """A copy of the reference whose function has the mistake's form."""
    shutil.copytree(REFERENCE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    mistake = BY_ID[mistake_id]
    with open(folder / f"{mistake.function.partition('.')[0]}.py", "a") as file:
        file.write("\n\n" + mistake_source(mistake))


def make_class(root):
    root.mkdir()
    for name in CORRECT[:2]:
        shutil.copytree(REFERENCE, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ALTERNATIVE, root / "alternative")
    with zipfile.ZipFile(root / "reference.zip", "w") as archive:
        for path in sorted(REFERENCE.rglob("*.py")):
            archive.write(path, f"submission/{path.relative_to(REFERENCE)}")
    for mistake_id, count in PLANTED.items():
        for i in range(count):
            planted(root / f"{mistake_id.replace(':', '_').replace('.', '_')}_{i}", mistake_id)
    for kind in BROKEN_KINDS:
        shutil.copytree(BROKEN / kind, root / kind)
    shutil.copy(BROKEN / "notebook.ipynb", root / "notebook.ipynb")
    (root / "not_a_zip.zip").write_text("this is no zip")
    return root


def read_gradebook(out):
    return list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8-sig"))))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("class")
    options = small_options(tmp)
    root = make_class(tmp / "submissions")
    out = tmp / "out"
    assert cli.main(["batch", str(root), "--out", str(out), "--jobs", "2", *options]) == 0
    return root, out, options


def test_every_submission_is_graded_and_recorded(graded):
    root, out, _ = graded
    records = batch.Store(out).records()
    assert set(records) == {p.name for p in root.iterdir()}
    assert records["not_a_zip.zip"]["status"] == batch.UNGRADABLE and "zip" in records["not_a_zip.zip"]["message"]
    assert {k for k, r in records.items() if r["status"] == batch.GRADED} == set(records) - {"not_a_zip.zip"}
    for key in CORRECT:
        assert records[key]["score"] == records[key]["max_score"] > 0, key
    for kind in BROKEN_KINDS:
        assert records[kind]["score"] < records[kind]["max_score"], kind
    for key, record in records.items():
        folder = out / "submissions" / key
        assert json.loads((folder / "results.json").read_text())["score"] == pytest.approx(record.get("score", 0.0))
        if record["status"] == batch.GRADED:
            report = json.loads((folder / "report.json").read_text())
            assert {c["function"] for c in report["checks"]} == set(FUNCTIONS)
    manifest = json.loads((out / "manifest.json").read_text())
    assert {k: v["status"] for k, v in manifest["submissions"].items()} == {k: r["status"] for k, r in records.items()}
    assert not list(out.rglob("*.tmp"))


def test_a_second_run_grades_nothing_unless_regrade(graded, capsys):
    root, out, options = graded
    before = (out / "batch.log").read_text().count('"event": "graded"')
    assert cli.main(["batch", str(root), "--out", str(out), *options]) == 0
    assert "already graded" in capsys.readouterr().err
    assert (out / "batch.log").read_text().count('"event": "graded"') == before


def test_other_settings_are_refused_without_regrade(graded, capsys):
    root, out, options = graded
    assert cli.main(["batch", str(root), "--out", str(out), *options, "--max-examples", "4"]) == 2
    assert "other settings" in capsys.readouterr().err


def test_gradebook_columns_and_totals(graded):
    root, out, _ = graded
    rows = read_gradebook(out)
    assert list(rows[0]) == [*batch.GRADEBOOK_HEAD, *FUNCTIONS, "note"]
    assert [r["submission"] for r in rows] == sorted(p.name for p in root.iterdir())
    records = batch.Store(out).records()
    for row in rows:
        record = records[row["submission"]]
        if record["status"] == batch.GRADED:
            assert float(row["total"]) == pytest.approx(record["score"], abs=1e-4)
            assert float(row["max_score"]) == pytest.approx(record["max_score"], abs=1e-4)
            assert sum(float(row[f]) for f in FUNCTIONS) == pytest.approx(float(row["total"]), abs=1e-3)
    correct = next(r for r in rows if r["submission"] == "correct_1")
    assert float(correct["total"]) == float(correct["max_score"]) == sum(quick_profile().points[f] for f in FUNCTIONS)
    broken = next(r for r in rows if r["submission"] == "not_a_zip.zip")
    assert broken["status"] == "ungradable" and broken["total"] == "0" and "zip" in broken["note"]
    syntax = next(r for r in rows if r["submission"] == "syntax_error")
    assert syntax["note"].startswith("importing optim failed: SyntaxError")


def test_the_gradebook_is_regenerated_from_stored_results(graded):
    root, out, options = graded
    expected = (out / "gradebook.csv").read_text()
    (out / "gradebook.csv").unlink()
    before = (out / "batch.log").read_text()
    assert cli.main(["batch", str(root), "--out", str(out), "--report-only", *options]) == 0
    assert (out / "gradebook.csv").read_text() == expected
    assert (out / "batch.log").read_text() == before  # nothing graded


def test_the_class_report_names_the_planted_mistakes_with_their_counts(graded):
    pytest.importorskip("matplotlib")
    from dlgrade.reporting import classreport

    root, out, _ = graded
    entries = batch.discover(root)
    summary = classreport.summarize(classreport.records_of(entries, batch.Store(out)),
                                    same_code={e.key: batch.same_code(e.path) for e in entries})
    assert summary.students == len(entries) - 1  # all but the file that is no zip
    counts = {row.id: len(row.students) for row in summary.rows}
    for mistake_id, count in PLANTED.items():
        assert counts[mistake_id] == count, mistake_id
    kinds = {row.id: row.kind for row in summary.rows}
    assert kinds["optim.rmsprop:eps_inside"] == "variant (accepted)"
    assert kinds["optim.adam:no_bias_correction"] == "mistake"
    groups = [sorted(g.students) for g in summary.groups]
    assert sorted(f"optim_adam_no_bias_correction_{i}" for i in range(3)) in groups
    assert sorted(f"optim_sgd_momentum_ema_{i}" for i in range(2)) in groups
    assert not any("correct_1" in g for g in groups)  # no failures, no signature
    assert [(g.students, g.key) for g in summary.not_graded] == [(["not_a_zip"], "not_a_zip.zip")]
    planted_copies = [[f"{m.replace(':', '_').replace('.', '_')}_{i}" for i in range(n)] for m, n in PLANTED.items()]
    assert sorted(sorted(key for _, key in g) for g in summary.identical) == sorted(
        [["correct_1", "correct_2", "reference.zip"], *(keys for keys in planted_copies if len(keys) > 1)])
    assert {c.id for c in summary.checks if c.broken} >= {f"{f}/first_step" for f in FUNCTIONS}  # syntax_error
    momentum = next(c for c in summary.checks if c.id == "optim.sgd_momentum/trajectory")
    assert momentum.failed >= PLANTED["optim.sgd_momentum:ema"]
    markdown = (out / "class.md").read_text()
    n = summary.students
    assert f"3 of {n}: optim.adam {BY_ID['optim.adam:no_bias_correction'].says}" in markdown
    assert "- **3 submissions**: `correct_1 (correct_1)`, `correct_2 (correct_2)`, `reference (reference.zip)`" \
        in markdown
    for heading in ("## Score distribution", "## Named mistakes and variants", "## Failure rate of each check",
                    "## Students sharing a failure signature", "## Submissions not graded"):
        assert heading in markdown
    assert all((out / "class_files" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
               for name in ("scores", "checks", "mistakes"))
    page = (out / "class.html").read_text()
    assert page.count('src="data:image/png;base64,') == 3 and page.count("src=") == 3  # nothing to fetch
    assert page.count(">page</a>") == summary.submissions and (out / "submissions/correct_1/report.html").is_file()
    assert "<link" not in page and "<script" not in page
    assert f"3 of {n}: optim.adam" in page


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")),
                    reason="no headless Chromium installed")
def test_the_class_report_opens_in_a_headless_browser(graded, tmp_path):
    _, out, _ = graded
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*flags, "--dump-dom", (out / "class.html").as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    assert dom.count("<img") == 3 and dom.count("<h2") == 10 and "optim.adam" in dom
    shot = tmp_path / "class.png"
    subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1200,2400", (out / "class.html").as_uri()],
                   capture_output=True, timeout=120)
    assert shot.read_bytes()[:4] == b"\x89PNG"


def test_a_batch_killed_midway_resumes_without_grading_anything_twice(tmp_path):
    root = tmp_path / "submissions"
    root.mkdir()
    for i in range(6):
        shutil.copytree(REFERENCE, root / f"student_{i}", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "out"
    command = [sys.executable, "grader.py", "batch", str(root), "--out", str(out), "--jobs", "1",
               *small_options(tmp_path)]
    first = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    store = batch.Store(out)
    deadline = time.monotonic() + 300
    while len(store.records()) < 2 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)  # a power cut, as the grader sees it
    first.wait()
    done_before = set(store.records())
    assert 2 <= len(done_before) < 6
    assert subprocess.run(command, cwd=ROOT, capture_output=True, timeout=600).returncode == 0
    events = [json.loads(line) for line in (out / "batch.log").read_text().splitlines()]
    starts = [i for i, e in enumerate(events) if e["event"] == "start"]
    graded_after = [e["key"] for e in events[starts[-1]:] if e["event"] == "graded"]
    assert not set(graded_after) & done_before  # nothing finished was graded again
    assert sorted(graded_after) == sorted(set(graded_after))
    assert set(graded_after) | done_before == {f"student_{i}" for i in range(6)}  # nothing lost
    assert len(read_gradebook(out)) == 6 and all(r["status"] == "graded" for r in read_gradebook(out))


def test_a_long_temporary_folder_grades_with_spawn(monkeypatch, tmp_path):
    """The forkserver's socket lies in TMPDIR: past AF_UNIX's 108 bytes the batch failed at its first grade."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / ("long" * 30)))
    assert batch._pool_context().get_start_method() == "spawn"
    monkeypatch.setattr(tempfile, "tempdir", "/tmp")
    assert batch._pool_context().get_start_method() == "forkserver"


def test_a_ctrl_c_while_a_grade_starts_lands_after_the_start():
    """The forkserver printed a traceback when Ctrl-C cut a start request in half (seen on a loaded machine)."""
    started = []
    with pytest.raises(KeyboardInterrupt):
        with batch._ctrl_c_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            started.append(True)
    assert started == [True]


def test_ctrl_c_stops_the_batch_and_says_how_to_resume(tmp_path):
    root = tmp_path / "submissions"
    root.mkdir()
    for i in range(4):
        shutil.copytree(REFERENCE, root / f"student_{i}", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "out"
    command = [sys.executable, "grader.py", "batch", str(root), "--out", str(out), "--jobs", "1",
               *small_options(tmp_path)]
    run = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                           start_new_session=True)
    deadline = time.monotonic() + 300
    while not batch.Store(out).records() and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends: the whole process group
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130 and "run the same command again" in err and "Traceback" not in err
    assert 1 <= len(batch.Store(out).records()) < 4
    assert (out / "gradebook.csv").is_file()


class _DiesWhenUnpickled:
    """A task field whose arrival kills the grading process before it can report (a grader crash)."""

    def __reduce__(self):
        return os._exit, (9,)


def test_a_submission_that_breaks_the_grader_is_recorded_and_the_rest_goes_on():
    profile, args = quick_profile(max_examples=2), grading.parse_args([str(REFERENCE), "--only", "optim.sgd"])
    good = [batch.Task(f"good_{i}", str(REFERENCE), profile, args) for i in range(2)]
    crashing = batch.Task("crashing", str(REFERENCE), _DiesWhenUnpickled(), args)
    raising = batch.Task("raising", str(REFERENCE), None, args)  # the grader fails on it
    outcomes = {}
    batch._run_local([good[0], crashing, raising, good[1]], lambda key, o: outcomes.setdefault(key, o), 2, 600)
    assert outcomes["crashing"]["status"] == batch.GRADER_ERROR and "status 9" in outcomes["crashing"]["message"]
    assert outcomes["raising"]["status"] == batch.GRADER_ERROR and "AttributeError" in outcomes["raising"]["message"]
    assert all(outcomes[t.key]["status"] == batch.GRADED for t in good)


class _SleepsWhenUnpickled:
    """A task field whose arrival takes `seconds`: a grade that provably lasts at least that long."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __reduce__(self):
        return time.sleep, (self.seconds,)


def test_a_grade_that_outlasts_the_timeout_is_stopped_even_when_its_result_comes_before_the_next_look(tmp_path):
    """The clock starts before the process: a grade that reports 0.2 s in (its submission missing, so
    quickly), past a 0.05 s timeout, is overrun (a 0.5 s poll used to accept it), as is one that would take
    a minute."""
    args = grading.parse_args([str(REFERENCE), "--only", "optim.sgd"])
    late = batch.Task("late", str(tmp_path / "missing"), _SleepsWhenUnpickled(0.2), args)
    hanging = batch.Task("hanging", str(REFERENCE), _SleepsWhenUnpickled(60), args)
    stopped = {}
    batch._run_local([late, hanging], lambda key, o: stopped.setdefault(key, o), 2, 0.05)
    for key in ("late", "hanging"):
        assert stopped[key]["status"] == batch.GRADER_ERROR and "longer than 0.05 s" in stopped[key]["message"]


def test_a_grader_error_is_retried_and_changed_files_are_graded_again(tmp_path):
    store = batch.Store(tmp_path / "out")
    entries = [batch.Entry(name, str(REFERENCE), [{"id": name, "name": "", "email": ""}]) for name in "abc"]
    sha = batch.digest(REFERENCE)
    store.save(entries[0], {"status": batch.GRADER_ERROR, "message": "boom", "seconds": 0.0}, sha, {})
    store.save(entries[1], {"status": batch.UNGRADABLE, "message": "no modules", "seconds": 0.0}, sha, {})
    store.save(entries[2], {"status": batch.UNGRADABLE, "message": "no modules", "seconds": 0.0}, "changed", {})
    assert [e.key for e, _ in batch.plan(entries, store, {}, regrade=False)] == ["a", "c"]
    assert [e.key for e, _ in batch.plan(entries, store, {}, regrade=True)] == ["a", "b", "c"]


GRADESCOPE_METADATA = """\
submission_101:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1815'
    :email: ada@example.edu
  :created_at: 2026-11-30 10:00:00.000000000 +00:00
  :score: !ruby/object:BigDecimal 18:0.1e2
submission_202:
  :submitters:
  - :name: Alan Turing
    :sid: '1912'
    :email: alan@example.edu
  - :name: Grace Hopper
    :sid: '1906'
    :email: grace@example.edu
  :created_at: 2026-11-30 11:00:00.000000000 +00:00
"""


def test_a_gradescope_export_names_every_student_of_a_group(tmp_path):
    root = tmp_path / "export"
    root.mkdir()
    (root / "submission_metadata.yml").write_text(GRADESCOPE_METADATA)
    shutil.copytree(REFERENCE, root / "submission_101", ignore=shutil.ignore_patterns("__pycache__"))
    planted(root / "submission_202", "optim.sgd_momentum:ema")
    out = tmp_path / "out"
    assert cli.main(["batch", str(root), "--out", str(out), "--only", "optim.sgd_momentum", "--max-examples", "2",
                     "--jobs", "2"]) == 0
    rows = read_gradebook(out)
    assert [(r["student_id"], r["name"], r["email"], r["submission"]) for r in rows] == [
        ("1815", "Ada Lovelace", "ada@example.edu", "submission_101"),
        ("1912", "Alan Turing", "alan@example.edu", "submission_202"),
        ("1906", "Grace Hopper", "grace@example.edu", "submission_202")]
    assert rows[0]["total"] == rows[0]["max_score"] and float(rows[1]["total"]) < float(rows[1]["max_score"])
    assert rows[1]["total"] == rows[2]["total"]
    assert "2 of 3: optim.sgd_momentum" in (out / "class.md").read_text()


def test_a_course_secret_gives_each_submission_the_search_a_single_grade_gives_it(tmp_path, capsys):
    root = tmp_path / "submissions"
    root.mkdir()
    shutil.copytree(REFERENCE, root / "reference", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ALTERNATIVE, root / "alternative")
    options = ["--only", "optim.sgd", "--max-examples", "2", "--secret", "course secret"]
    assert cli.main(["batch", str(root), "--out", str(tmp_path / "out"), "--jobs", "2", *options]) == 0
    store = batch.Store(tmp_path / "out")
    seeds = {key: store.report(key)["seed"] for key in ("reference", "alternative")}
    assert seeds["reference"] != seeds["alternative"]
    capsys.readouterr()
    assert cli.main([str(root / "alternative"), "--format", "json", "--jobs", "1", *options]) == 0
    single = json.loads(capsys.readouterr().out)
    batched = store.report("alternative")
    assert (single["seed"], single["sha256"], single["search"]) == \
        (batched["seed"], batched["sha256"], batched["search"])
    assert "course secret" not in (tmp_path / "out" / "manifest.json").read_text()
    assert cli.main(["batch", str(root), "--out", str(tmp_path / "out"), *options[:-1], "another secret"]) == 2


def test_no_submissions_and_bad_options_are_usage_errors(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert cli.main(["batch", str(tmp_path / "empty"), "--out", str(tmp_path / "out")]) == 2
    assert cli.main(["batch", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 2
    assert cli.main(["batch", str(tmp_path / "empty"), "--out", str(tmp_path / "out"), "--only", "optim.nope"]) == 2
    assert cli.main(["batch", str(tmp_path / "empty"), "--out", str(tmp_path / "out"), "--results", "r.json"]) == 2
    err = capsys.readouterr().err
    assert "no submissions found" in err and "must be a folder" in err and "optim.nope" in err
    assert "--results is an option of grader.py PATH" in err
    assert "Traceback" not in err


def test_the_gradebook_quotes_spreadsheet_formulas():
    assert batch._cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert batch._cell("two\nlines") == "two lines"


def test_the_dask_run_gives_the_local_gradebook(graded, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    root, out, options = graded
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        dask_out = tmp_path / "dask"
        assert cli.main(["batch", str(root), "--out", str(dask_out), "--dask", cluster.scheduler_address,
                         *options]) == 0
    assert (dask_out / "gradebook.csv").read_text() == (out / "gradebook.csv").read_text()
    for key, record in batch.Store(out).records().items():
        local, remote = batch.Store(out).report(key), batch.Store(dask_out).report(key)
        if record["status"] == batch.GRADED:
            assert [(c["id"], c["status"], c["score"], c["details"]) for c in remote["checks"]] == \
                [(c["id"], c["status"], c["score"], c["details"]) for c in local["checks"]], key
            assert remote["submission"] == local["submission"]


def test_a_file_name_that_is_not_utf_8_is_digested_not_a_traceback(tmp_path):
    """A name whose bytes are not UTF-8 (an old archive's, a Windows export's) reaches Python as a surrogate escape:
    the batch's digest of the submission took it whole and raised UnicodeEncodeError before any grading."""
    folder = tmp_path / "student"
    folder.mkdir()
    name = os.fsdecode(b"notes\xff.py")
    (folder / name).write_text("x = 1\n")
    assert batch.digest(folder) != batch.digest(tmp_path) and len(batch.digest(folder / name)) == 64
