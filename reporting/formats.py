"""The report writers. `render(report, fmt)` returns text; `gradescope(report)` returns a dict."""
import io
import json
import xml.etree.ElementTree as ET
from itertools import groupby

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dlgrade.checks.engine.status import Status
from dlgrade.checks.policy.gradescope import VISIBILITIES

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
        yield status, f"{status_words(groups[0][1][0])} ({len(groups)}): {names}{reason}  (0 / {_points(points)})"


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
    failed". Plain text, so a file name quoted in the reason renders as written."""
    return {"output_format": "text", "test_output_format": "text", "test_name_format": "text",
            "visibility": "visible", "score": 0.0, "output": f"dlgrade: not graded: {reason}",
            "tests": [{"name": "not graded", "status": "failed", "score": 0.0, "output": reason}]}


def gradescope(report):
    """Gradescope's results.json: one test per check, named by its id (which begins with module.function) and
    title, numbered "module.check" in the report's order and tagged (module, function, kind, role, the named
    mistake); a function whose checks all ended the same way without passing (missing, not implemented, its
    module not imported) is one test. What students see when is the profile's [gradescope] policy
    (report.gradescope; checks/policy/gradescope.py): a fixed-cases check takes its `textbook` visibility, a
    searched one `public_search`, or `secret_search` under a course secret. In Markdown (output_format "md")
    every string the submission controls sits in a code fence (quoting.fenced), so counterexamples render as
    code blocks and nothing in them as Markdown; in text, nothing at all is rendered."""
    report = quoted(report)
    shown = report.gradescope or {}
    markdown = shown.get("output_format") == "md"
    as_block = fenced if markdown else list
    header = f"dlgrade: {_points(report.score)} / {_points(report.max_score)} (seed {report.seed}, profile " \
             f"{code_span(report.profile) if markdown else report.profile})"
    said = [*provenance(report), *(f"note: {n}" for n in report.notes)]
    tests = []
    for module_number, (_module, results) in enumerate(groupby(report.results, key=lambda r: r.module), 1):
        for check_number, group in enumerate(_gradescope_groups(list(results)), 1):
            tests.append(_gradescope_test(group, f"{module_number}.{check_number}", shown, report.secret_search,
                                          as_block))
    results = {
        "output_format": "md" if markdown else "text", "test_output_format": "md" if markdown else "text",
        "test_name_format": "text",
        "score": round(report.score, 6), "max_score": round(report.max_score, 6),
        "execution_time": round(report.seconds, 3),
        "output": "\n".join([header, *(["", *as_block(said)] if markdown else said)]),
        "tests": tests,
    }
    if shown:
        results.update(visibility=shown["total"], stdout_visibility=shown["stdout_visibility"])
    return results


def _gradescope_groups(results):
    """A module's results as Gradescope's tests: each check alone, but a function whose checks all share one status
    other than passed and one summary (a missing function, a stub, a module that did not import) as one."""
    for _function, group in groupby(results, key=lambda r: r.function):
        group = list(group)
        if len(group) > 1 and len({(r.status, r.summary) for r in group}) == 1 and group[0].status is not \
                Status.PASSED and not any(r.details for r in group):
            yield group
        else:
            yield from ([r] for r in group)


def _gradescope_test(group, number, shown, secret_search, as_block):
    """One test of results.json for one check, or for a function's checks that ended the same way."""
    r = group[0]
    visibility = [shown["textbook"] if c.role == "textbook" else shown["secret_search" if secret_search
                                                                       else "public_search"]
                  for c in group] if shown else []
    if len(group) > 1:
        words = status_words(r) if r.status in STATUS_WORDS else "failed"
        name, output = f"{r.function} — {words} ({len(group)} checks)", _said(words, r.summary, as_block)
        tags = [f"module:{r.module}", f"function:{r.function}", f"status:{r.status}"]
        extra = {"checks": [c.id for c in group], "status": r.status}
    else:
        if r.status in STATUS_WORDS and r.status not in (Status.ERROR, Status.DEPENDS):  # a gated check: why
            output = _said(status_words(r), r.summary, as_block)
        else:
            lines = feedback(r)
            output = "\n".join(as_block(lines)) if lines else r.doc
        name = label(r)
        tags = [f"module:{r.module}", f"function:{r.function}", f"kind:{r.kind}"] + \
            ([f"role:{r.role}"] if r.role else []) + \
            ([f"mistake:{r.details['mistake']}"] if "mistake" in r.details else [])
        extra = {"seed": r.seed, "max_examples": r.max_examples, "replay": r.replay, "kind": r.kind,
                 "status": r.status}
    test = {"name": name, "number": number, "tags": tags,
            "score": round(sum(c.score for c in group), 6), "max_score": round(sum(c.max_score for c in group), 6),
            "status": "passed" if all(c.status is Status.PASSED for c in group) else "failed",
            "output": output, "extra_data": extra}
    if visibility:  # the most visible of its checks' (a group says only how the function ended)
        test["visibility"] = min(visibility, key=VISIBILITIES.index)
    return test


def _said(words, summary, as_block):
    """The grader's word for how a check ended, then what it found: in Markdown the finding in a code block."""
    return "\n".join([f"{words}:", *as_block([summary])]) if as_block is fenced else f"{words}: {summary}"
