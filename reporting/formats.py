"""The report writers. `render(report, fmt)` returns text; `gradescope(report)` returns a dict."""
import io
import json
import xml.etree.ElementTree as ET
from itertools import groupby

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dlgrade.checks.engine.status import Status

from .feedback import STATUS_WORDS, SYMBOL, feedback, label, lost, provenance, status_words, symbol
from .html import page
from .quoting import code_span, fenced, quoted

FORMATS = ("text", "md", "json", "junit", "html")
_STYLE = {Status.PASSED: "green", Status.FAILED: "red", Status.INCOMPLETE: "yellow", Status.ERROR: "magenta",
          Status.POLICY: "red"}


def render(report, fmt, *, color=False, width=100):
    report = quoted(report)  # the submission's text, inert and bounded, in every format
    return {"text": lambda: _text(report, color, width), "md": lambda: _markdown(report),
            "json": lambda: json.dumps(_as_dict(report), indent=2),
            "junit": lambda: _junit(report), "html": lambda: page(report)}[fmt]()


def _points(x):
    return f"{x:.4g}"


def _absent_lines(results):
    """One line per module and not-run status: the functions, their points, the reason if they share one."""
    absent = [(function, group) for function, group, collapsed in _by_function(results) if collapsed]
    for status in dict.fromkeys(group[0].status for _, group in absent):
        groups = [(f, g) for f, g in absent if g[0].status is status]
        reasons = {g[0].summary for _, g in groups}
        names = ", ".join(f.partition(".")[2] for f, _ in groups)
        reason = f" — {next(iter(reasons))}" if len(reasons) == 1 else ""
        points = sum(r.max_score for _, g in groups for r in g)
        yield status, f"{STATUS_WORDS[status]} ({len(groups)}): {names}{reason}  (0 / {_points(points)})"


def _by_function(results):
    """(function, its results, collapsed): a function whose checks all share one not-run status is one row."""
    for function, group in groupby(results, key=lambda r: r.function):
        group = list(group)
        statuses = {r.status for r in group}
        yield function, group, len(statuses) == 1 and next(iter(statuses)).absent


def _text(report, color, width):
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False,
                      soft_wrap=True)
    console.print(f"[bold]dlgrade[/bold] — {escape(report.submission)}   "
                  f"(profile {escape(report.profile)}, seed {report.seed})")
    for line in provenance(report):
        console.print(escape(line), style="dim")
    for module, results in groupby(report.results, key=lambda r: r.module):
        results = list(results)
        score, top = sum(r.score for r in results), sum(r.max_score for r in results)
        console.print(f"\n[bold]{module}[/bold]  {_points(score)} / {_points(top)}")
        for status, line in _absent_lines(results):
            console.print(f"  {SYMBOL[status]} {escape(line)}", style="dim")
        for _function, group, collapsed in _by_function(results):
            if collapsed:
                continue
            for r in group:
                style = _STYLE.get(r.status, "dim")
                console.print(f"  [{style}]{symbol(r)}[/{style}] {escape(label(r))}  "
                              f"({_points(r.score)} / {_points(r.max_score)})")
                for line in feedback(r):
                    console.print(f"      {escape(line)}")
    table = Table(show_header=True, header_style="bold", box=None)
    for column in ("module", "score", "max", "passed", "failed", "not implemented / missing"):
        table.add_column(column, justify="right" if column != "module" else "left")
    for module, results in groupby(report.results, key=lambda r: r.module):
        results = list(results)
        table.add_row(module, _points(sum(r.score for r in results)), _points(sum(r.max_score for r in results)),
                      str(sum(r.status is Status.PASSED for r in results)),
                      str(sum(lost(r) for r in results)),
                      str(sum(r.status.absent for r in results)))
    console.print()
    console.print(table)
    for note in report.notes:
        console.print(f"note: {escape(note)}")
    console.print(f"\n[bold]total {_points(report.score)} / {_points(report.max_score)}[/bold]   "
                  f"{len(report.results)} checks in {report.seconds:.1f} s")
    return buffer.getvalue()


def _markdown(report):
    """Markdown (what Gradescope renders): every string the submission controls inside a code fence
    (quoting.fenced); the rest is the grader's own (check ids, points, the profile's name)."""
    lines = ["# dlgrade report", "",
             f"**Score: {_points(report.score)} / {_points(report.max_score)}** "
             f"(profile {code_span(report.profile)}, seed {report.seed})", "",
             *fenced([f"submission: {report.submission}", *provenance(report)]), ""]
    for module, results in groupby(report.results, key=lambda r: r.module):
        results = list(results)
        lines += [f"## {module} — {_points(sum(r.score for r in results))} / "
                  f"{_points(sum(r.max_score for r in results))}", "",
                  "| | check | points |", "|---|---|---|"]
        lines += [f"| {symbol(r)} | {label(r)} | {_points(r.score)} / {_points(r.max_score)} |" for r in results]
        for r in results:
            if lost(r):
                said = "optional, not held" if r.optional else "failed" if r.status.counts_as_failure else \
                    status_words(r)
                lines += ["", f"**{label(r)}** — {said}", "", *fenced(feedback(r))]
        noted = [r for r in results if r.status is Status.PASSED and r.summary]
        for r in noted:  # variants matched, searches cut short
            lines += ["", f"**{label(r)}** — passed, with a note", "", *fenced(feedback(r))]
        lines.append("")
    if report.notes:
        lines += ["## Notes", "", *fenced(report.notes), ""]
    return "\n".join(lines)


def _as_dict(report):
    return {
        "submission": report.submission, "profile": report.profile, "seed": report.seed,
        "sha256": report.sha256, "isolation": report.isolation, "search": report.search, "policy": report.policy,
        "course": report.course, "environment_problems": report.environment_problems,
        "score": report.score, "max_score": report.max_score, "seconds": round(report.seconds, 3),
        "calls": report.calls, "worker_restarts": report.restarts, "notes": report.notes,
        "checks": [{"id": r.id, "title": r.title, "function": r.function, "kind": r.kind, "status": r.status,
                    "score": r.score, "max_score": r.max_score, "summary": r.summary, "details": r.details,
                    "doc": r.doc, "replay": r.replay, "seed": r.seed, "max_examples": r.max_examples,
                    "examples_run": r.examples_run, "seconds": round(r.seconds, 4)} for r in report.results],
    }


def _junit(report):
    suites = ET.Element("testsuites", name="dlgrade", tests=str(len(report.results)),
                        time=f"{report.seconds:.3f}")
    for module, results in groupby(report.results, key=lambda r: r.module):
        results = list(results)
        suite = ET.SubElement(suites, "testsuite", name=module, tests=str(len(results)),
                              failures=str(sum(_junit_kind(r) == "failure" for r in results)),
                              errors=str(sum(_junit_kind(r) == "error" for r in results)),
                              skipped=str(sum(_junit_kind(r) == "skipped" for r in results)))
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=r.function, name=label(r), time=f"{r.seconds:.4f}")
            kind = _junit_kind(r)
            if r.optional and r.status is Status.FAILED:  # not scored, not passed: a library's CI is not failed
                ET.SubElement(case, "skipped", message=r.summary)
            elif kind in ("error", "failure"):
                ET.SubElement(case, kind, message=r.summary).text = "\n".join(feedback(r))
            elif kind == "skipped":
                ET.SubElement(case, "skipped", message=status_words(r) + ": " + r.summary)
            elif r.summary:  # a variant matched, optional behaviour, a search cut short
                ET.SubElement(case, "system-out").text = r.summary
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def _junit_kind(result):
    """The JUnit element of a check: "failure", "error", "skipped", or "" when it passed (counted as written)."""
    if result.optional and result.status is Status.FAILED:
        return "skipped"
    if lost(result):
        return "error" if result.status is Status.ERROR else "failure"
    return "" if result.status is Status.PASSED else "skipped"


def gradescope_not_graded(reason):
    """Gradescope's results.json for a submission that has no report (it could not be read, or the grader could
    not grade it): score 0 and one failed test saying why, so Gradescope shows the reason, not "autograder
    failed". Plain text like gradescope()'s, so a file name quoted in the reason renders as written."""
    return {"output_format": "text", "test_output_format": "text", "test_name_format": "text",
            "score": 0.0, "output": f"dlgrade: not graded: {reason}",
            "tests": [{"name": "not graded", "status": "failed", "score": 0.0, "output": reason}]}


def gradescope(report):
    """Gradescope's results.json: one test per check, named by its id (which begins with
    module.function) and title. Its
    outputs are plain text (output_format), so no markup in them is rendered."""
    report = quoted(report)
    return {
        "output_format": "text", "test_output_format": "text", "test_name_format": "text",
        "score": round(report.score, 6), "max_score": round(report.max_score, 6),
        "execution_time": round(report.seconds, 3),
        "output": f"dlgrade: {_points(report.score)} / {_points(report.max_score)} "
                  f"(seed {report.seed}, profile {report.profile})"
                  + "".join(f"\n{line}" for line in provenance(report))
                  + "".join(f"\nnote: {n}" for n in report.notes),
        "tests": [{
            "name": label(r), "score": round(r.score, 6), "max_score": round(r.max_score, 6),
            "status": "passed" if r.status is Status.PASSED else "failed",
            "output": "\n".join([status_words(r) + ": " + r.summary] if r.status in STATUS_WORDS
                                and r.status is not Status.ERROR else feedback(r)) or r.doc,
            "extra_data": {"seed": r.seed, "max_examples": r.max_examples, "replay": r.replay,
                           "kind": r.kind, "status": r.status},
        } for r in report.results],
    }
