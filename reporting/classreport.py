"""The class report: what a whole class got right and wrong, from the stored results of a batch.

    summarize(records) -> markdown(summary, image paths), html_page(summary, images), plots(summary)
    (batch.write_reports writes out/class.md, out/class_files/*.png and the self-contained out/class.html)

Sections: the summary, the roster (each student's score and a link to their page), the score
distribution, the named mistakes and variants ranked by how many students made them, each check's
failure rate grouped by function (the functions with failures first, worst first; in the HTML page the
checks no one failed are folded away), the modules students could not import (counted apart: a syntax
error is no wrong answer), the groups of students whose failures share one signature (the same failing
checks with the same named mistakes: often the same source), the identical submissions (the same code,
as batch.same_code normalizes it), the functions refused by the course's library policy (how many
students used a forbidden package or function in each, and what), and the submissions that could not be
graded, by student. Every count is of students (a group submission counts each of its members). The
plots are matplotlib's; every piece of submission-controlled text is escaped.
"""
import base64
import html
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the headless backend is chosen)

from dlgrade.checks.engine import mistakes  # noqa: E402  (the rows the checks registered: the caller loads them)
from dlgrade.checks.engine.status import Status  # noqa: E402

from .failures import import_failure  # noqa: E402
from .plots import png  # noqa: E402
from .quoting import code_span  # noqa: E402

TOP_CHECKS = 25      # checks shown in the failure-rate plot
HISTOGRAM_BINS = 20  # bins of 5 % of the maximum


@dataclass
class Row:
    """A named mistake or documented variant and the students whose submissions showed it."""
    id: str
    function: str
    name: str
    kind: str      # "mistake", "variant (accepted)" or "variant (not accepted)"
    says: str
    students: list = field(default_factory=list)


@dataclass
class CheckRate:
    id: str
    function: str
    failed: int      # wrong answers (and hangs, crashes, refusals): not the students who could not import it
    absent: int
    passed: int
    title: str = ""
    broken: int = 0  # students whose module could not be imported (ImportFailure)


@dataclass
class ImportFailure:
    """A module some students' submissions could not import, and the first few reasons given."""
    module: str
    students: list
    reasons: list


@dataclass
class NotGraded:
    students: list   # their names (ids where the export gives none)
    key: str         # the submission's folder or file
    status: str
    message: str


@dataclass
class RosterRow:
    name: str
    id: str
    key: str
    status: str
    score: float | None
    max_score: float | None


@dataclass
class OtherYear:
    """A submission graded under another course year than the class's most common one, and why (its header)."""
    students: list
    key: str
    year: str      # "CS231n 2016–2017"
    why: str       # the report's course line


@dataclass
class Group:
    signature: tuple   # ((check id, mistake id or ""), …)
    students: list


@dataclass
class ClassSummary:
    students: int                      # students in graded submissions
    submissions: int                   # graded submissions
    scores: list                       # (student label, score, max_score), one per student
    rows: list                         # Row, most students first
    checks: list                       # CheckRate, highest failure rate first
    groups: list                       # Group, largest first
    not_graded: list                   # NotGraded
    refusals: list = field(default_factory=list)  # Refusal, most students first
    imports: list = field(default_factory=list)   # ImportFailure, most students first
    roster: list = field(default_factory=list)    # RosterRow, by name
    identical: list = field(default_factory=list)  # [[(students, submission key), …], …]: the same code, 2 or more
    usual_year: str = ""                                  # the course year most submissions were graded under
    other_years: list = field(default_factory=list)       # OtherYear: those graded under another
    year_counts: tuple = (0, 0)                           # (submissions under usual_year, submissions with a year)
    environment: dict = field(default_factory=dict)       # what the grading environment lacked -> the students


@dataclass
class Refusal:
    """A function the library policy refused in some students' submissions, and what they used."""
    function: str
    students: list
    used: list      # the forbidden packages or functions named, sorted


def records_of(entries, store):
    """(entry, record or None, report dict or None) for every entry of a batch (dlgrade.batch.Store)."""
    records = store.records()
    return [(e, records.get(e.key), store.report(e.key) if records.get(e.key, {}).get("status") == "graded"
             else None) for e in entries]


def _people(entry):
    return [s["name"] or s["id"] for s in entry.students] or [entry.key]


def summarize(records, same_code=None):
    """The ClassSummary of (entry, record, report) triples (records_of); same_code: submission key -> the digest
    of its code (batch.same_code), whose equal values flag identical submissions."""
    scores, rows, rates, signatures, not_graded, refusals = [], {}, {}, defaultdict(list), [], {}
    imports, roster, graded, environment = {}, [], 0, {}
    for entry, record, report in records:
        people = _people(entry)
        status_word = record["status"] if record else "pending"
        roster += [RosterRow(s["name"], s["id"], entry.key, status_word, report and report["score"],
                             report and report["max_score"]) for s in entry.students or [{"name": "", "id": entry.key}]]
        if report is None:
            not_graded.append(NotGraded(people, entry.key, status_word, record["message"] if record else ""))
            continue
        graded += 1
        scores += [(person, report["score"], report["max_score"]) for person in people]
        for line in report.get("environment_problems") or []:
            environment.setdefault(line, []).extend(p for p in people if p not in environment.get(line, []))
        signature = []
        for check in report["checks"]:
            status = Status(check["status"])
            rate = rates.setdefault(check["id"], CheckRate(check["id"], check["function"], 0, 0, 0,
                                                           check.get("title", "")))
            failure = import_failure(check)
            if failure:
                rate.broken += len(people)
                module = imports.setdefault(failure[0], ImportFailure(failure[0], [], []))
                module.students += [p for p in people if p not in module.students]
                if failure[1] not in module.reasons and len(module.reasons) < 3:
                    module.reasons.append(failure[1])
                if (f"{failure[0]} (could not be imported)", "") not in signature:
                    signature.append((f"{failure[0]} (could not be imported)", ""))
                continue
            lost = status.counts_as_failure or (status is Status.ENVIRONMENT and check.get("max_score", 0) > 0)
            rate.failed += len(people) * lost  # an undeclared module's check keeps its points, not earned: lost
            rate.absent += len(people) * status.absent
            rate.passed += len(people) * (status is Status.PASSED)
            shown = _shown(check)
            for row_id in shown:
                row = rows.setdefault(row_id, _row(row_id, check["function"], accepted=status is Status.PASSED))
                row.students += [p for p in people if p not in row.students]
            if lost:
                signature.append((check["id"], ",".join(shown)))
            if status is Status.POLICY:
                refusal = refusals.setdefault(check["function"], Refusal(check["function"], [], []))
                refusal.students += [p for p in people if p not in refusal.students]
                refusal.used = sorted(set(refusal.used) | set(_USED.findall(check["summary"])))
        if signature:
            signatures[tuple(signature)].extend(people)
    groups = [Group(sig, students) for sig, students in signatures.items() if len(students) > 1]
    return ClassSummary(
        students=len(scores), submissions=graded, scores=scores,
        rows=sorted(rows.values(), key=lambda r: (-len(r.students), r.id)),
        checks=sorted(rates.values(), key=lambda r: (-r.failed, -r.absent, r.id)),
        groups=sorted(groups, key=lambda g: (-len(g.students), g.signature)), not_graded=not_graded,
        refusals=sorted(refusals.values(), key=lambda r: (-len(r.students), r.function)),
        imports=sorted(imports.values(), key=lambda m: (-len(m.students), m.module)),
        roster=sorted(roster, key=lambda r: ((r.name or r.id).casefold(), r.key)),
        identical=_identical(records, same_code or {}), environment=environment, **_years(records))


_YEAR = re.compile(r"^(.*?\d{4}(?:–\d{4})?)\b")


def _years(records):
    """The class's most common course year and the submissions graded under another: the year is read from
    words of the tree a student can edit, and one year leaves functions another asks ungraded (2016–2017's layer
    and group norm), so a submission out of step with its class is shown with why."""
    years = {}
    for entry, _, report in records:
        found = _YEAR.match((report or {}).get("course") or "")
        if found:
            years[entry.key] = (entry, found.group(1), report["course"])
    counts = defaultdict(int)
    for _, year, _ in years.values():
        counts[year] += 1
    if len(counts) < 2:
        return {}
    usual = max(sorted(counts), key=counts.get)
    return dict(usual_year=usual, year_counts=(counts[usual], len(years)),
                other_years=[OtherYear(_people(entry), entry.key, year, why)
                             for entry, year, why in years.values() if year != usual])


def _identical(records, same_code):
    """The submissions whose code digests are equal, in groups of two or more: [(students, key), …] each."""
    by_code = defaultdict(list)
    for entry, _, _ in records:
        if same_code.get(entry.key):
            by_code[same_code[entry.key]].append((_people(entry), entry.key))
    return sorted((group for group in by_code.values() if len(group) > 1), key=lambda g: (-len(g), g[0][1]))


def by_function(checks):
    """[(function, failing checks, checks no one failed)]: the functions with failures first, the worst (highest
    failure rate of one of its checks) first; within one, the failing checks worst first."""
    functions = defaultdict(list)
    for check in checks:
        functions[check.function].append(check)
    grouped = [(f, [c for c in cs if c.failed or c.broken], [c for c in cs if not (c.failed or c.broken)])
               for f, cs in functions.items()]
    return sorted(grouped, key=lambda g: (-max((c.failed for c in g[1]), default=0),
                                          -max((c.broken for c in g[1]), default=0), not g[1], g[0]))


_USED = re.compile(r" (?:used|uses) ([\w.]+) (?:\(|at )")  # "optim.adam used torch (…", "… uses numpy.convolve at …"


def _shown(check):
    """The mistake and variant ids a check's result names."""
    details = check.get("details") or {}
    found = [details["mistake"]] if details.get("mistake") else []
    return found + [f"{check['function']}:{name}" for name in details.get("variants", [])]


def _row(row_id, function, accepted):
    known = mistakes.BY_ID.get(row_id)
    name = row_id.partition(":")[2]
    if known is None:
        return Row(row_id, function, name, "mistake", "")
    kind = "mistake" if not known.documented else "variant (accepted)" if accepted else "variant (not accepted)"
    return Row(row_id, function, name, kind, known.says)


# --- plots ------------------------------------------------------------------------------------------

def plots(summary):
    """PNG bytes by name: the score histogram, the checks' failure rates, the mistakes ranked."""
    images = {"scores": _histogram(summary)}
    if any(c.failed for c in summary.checks):
        images["checks"] = _bars([c.id for c in summary.checks if c.failed][:TOP_CHECKS],
                                 [100 * c.failed / summary.students for c in summary.checks if c.failed][:TOP_CHECKS],
                                 "% of students failing", "Checks failed most often")
    if summary.rows:
        images["mistakes"] = _bars([r.id for r in summary.rows], [len(r.students) for r in summary.rows],
                                   "students", "Named mistakes and variants")
    return images


def _histogram(summary):
    percents = [100 * score / top if top else 0.0 for _, score, top in summary.scores]
    figure, axes = plt.subplots(figsize=(7, 3.2))
    axes.hist(percents, bins=HISTOGRAM_BINS, range=(0, 100), color="#4a7ab5", edgecolor="white")
    axes.set_xlabel("score (% of the maximum)")
    axes.set_ylabel("students")
    axes.set_title(f"Score distribution ({summary.students} students)")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return png(figure)


def _bars(labels, values, xlabel, title):
    figure, axes = plt.subplots(figsize=(8, 0.3 * len(labels) + 1.2))
    axes.barh(range(len(labels)), values, color="#c0504d")
    axes.set_yticks(range(len(labels)), labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel(xlabel)
    axes.set_title(title)
    return png(figure)


# --- the two documents --------------------------------------------------------------------------------

def _statistics(summary):
    percents = [100 * s / t if t else 0.0 for _, s, t in summary.scores]
    if not percents:
        return []
    full = sum(t > 0 and abs(s - t) < 1e-9 for _, s, t in summary.scores)  # 0 of 0 (nothing scored) is not full
    broken = len({p for m in summary.imports for p in m.students})
    return [("students graded", f"{summary.students} ({summary.submissions} submissions)"),
            ("not graded", str(len(summary.not_graded))),
            ("mean score", f"{statistics.mean(percents):.1f} %"),
            ("median score", f"{statistics.median(percents):.1f} %"),
            ("lowest / highest", f"{min(percents):.1f} % / {max(percents):.1f} %"),
            ("full marks", f"{full} of {summary.students}"),
            ("a module that could not be imported", f"{broken} of {summary.students}"),
            ("identical submissions", f"{sum(len(g) for g in summary.identical)} in {len(summary.identical)} groups"),
            ("left unscored by the grading environment",
             f"{len({p for people in summary.environment.values() for p in people})} of {summary.students}")]


def _row_sentence(row, n):
    return f"{len(row.students)} of {n}: {row.function} {row.says}".rstrip()


def _signature_words(signature):
    return [check + (f" ({named})" if named else "") for check, named in signature]


def _check_name(check):
    """A check as the reports name it: its id and its title."""
    return f"{check.id} — {check.title}" if check.title else check.id


def _rate(check, n):
    return f"{check.failed} of {n} ({100 * check.failed / n:.0f} %)" if n else "0"


def _score(row):
    return "" if row.score is None else f"{row.score:.4g} / {row.max_score:.4g}"


IDENTICAL = ("Identical means the same code: the same .py files (by file name, wherever they lie; a one-file "
             "submission's own name does not count) and notebook code cells, with the same text once line endings, "
             "trailing spaces and blank lines are set aside; comments and names count, data files and notebook "
             "outputs do not.")
YEARS = ("The course year is read from the tree (its files' words, the course's own code) unless the profile "
         "names it, and a year changes conventions and what is graded (2016–2017 does not ask layer or group norm). "
         "These submissions were graded under another year than the class's: if the class is one year, grade them "
         "again with it named (--profile cs231n-2021).")
CHECKS_NOTE = ("Wrong answers only: a student whose module could not be imported is counted under \"could not "
               "import\" and in the section of that name, not as failing.")


def markdown(summary, images, pages=None):
    """class.md; images: plot name -> the PNG's path relative to the document; pages: submission key -> the
    student's page, relative to the document."""
    n, pages = summary.students, pages or {}
    lines = ["# Class report", "", "## Summary", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in _statistics(summary)]
    for line, students in summary.environment.items():  # the grader's line; the names are the students'
        lines += ["", f"**GRADING ENVIRONMENT: {_md(line)}** ({len(students)} of {n}: "
                  f"{_submitted(', '.join(students))}); their maximum is smaller than the class's"]
    lines += ["", "## Roster", ""]
    lines += ["| student | id | submission | status | score | page |", "|---|---|---|---|---|---|"]
    lines += [f"| {_submitted(r.name) if r.name else ''} | {_submitted(r.id) if r.id else ''} | "
              f"{_submitted(r.key)} | {r.status} | {_score(r)} | "
              + (f"[page]({pages[r.key]})" if r.key in pages else "") + " |" for r in summary.roster]
    lines += ["", "## Score distribution", ""]
    lines += [f"![score distribution]({images['scores']})"] if "scores" in images else []
    lines += ["", "## Named mistakes and variants", ""]
    if summary.rows:
        lines += ["| students | function | name | kind | what it does |", "|---|---|---|---|---|"]
        lines += [f"| {len(r.students)} of {n} | {r.function} | {r.name} | {r.kind} | {_md(r.says)} |"
                  for r in summary.rows]
        lines += [""] + [f"- {_md(_row_sentence(r, n))}" for r in summary.rows]
    else:
        lines.append("No named mistake or variant was found.")
    lines += ["", "## Failure rate of each check, by function", "", CHECKS_NOTE, ""]
    lines += [f"![checks failed most often]({images['checks']})", ""] if "checks" in images else []
    clean = []
    for function, failing, passing in by_function(summary.checks):
        if not failing:
            clean.append(function)
            continue
        lines += [f"### {function}", "", "| check | failed | could not import | not implemented / missing | passed |",
                  "|---|---|---|---|---|"]
        lines += [f"| {_md(_check_name(c))} | {_rate(c, n)} | {c.broken} | {c.absent} | {c.passed} |" for c in failing]
        if passing:
            lines += ["", "No one failed: " + ", ".join(_md(c.id) for c in passing) + "."]
        lines.append("")
    if clean:
        lines += ["No one failed any check of: " + ", ".join(clean) + "."]
    lines += ["", "## Modules that could not be imported", ""]
    if summary.imports:
        lines += ["| module | students | why (first reasons) |", "|---|---|---|"]
        lines += [f"| {m.module} | {len(m.students)} of {n} | {_submitted('; '.join(m.reasons))} |"
                  for m in summary.imports]
    else:
        lines.append("Every module was imported.")
    lines += ["", "## Students sharing a failure signature", ""]
    if summary.groups:
        lines += ["The same failing checks with the same named mistakes (often the same source).", ""]
        for group in summary.groups:
            lines += [f"- **{len(group.students)} students**: {code_span(', '.join(group.students)[:300])}",
                      *[f"  - {_md(w)}" for w in _signature_words(group.signature)]]
    else:
        lines.append("No two students share a failure signature.")
    if summary.other_years:
        lines += ["", "## Course year", "", f"{_md(summary.usual_year)} for {summary.year_counts[0]} of "
                  f"{summary.year_counts[1]} submissions. {YEARS}", "",
                  "| students | submission | year applied | why |", "|---|---|---|---|"]
        lines += [f"| {_submitted(', '.join(y.students))} | {_submitted(y.key)} | {_md(y.year)} | {_submitted(y.why)} |"
                  for y in summary.other_years]
    lines += ["", "## Identical submissions", "", IDENTICAL, ""]
    if summary.identical:
        lines += [f"- **{len(g)} submissions**: " + ", ".join(_submitted(f"{', '.join(who)} ({key})") for who, key in g)
                  for g in summary.identical]
    else:
        lines.append("No two submissions are identical.")
    lines += ["", "## Refused by the library policy", ""]
    if summary.refusals:
        lines += ["| function | students | what they used |", "|---|---|---|"]
        lines += [f"| {r.function} | {len(r.students)} of {n} | {_md(', '.join(r.used))} |" for r in summary.refusals]
    else:
        lines.append("No function used what the library policy forbids.")
    lines += ["", "## Submissions not graded", ""]
    if summary.not_graded:
        lines += ["| students | submission | status | why |", "|---|---|---|---|"]
        lines += [f"| {_submitted(', '.join(g.students))} | {_submitted(g.key)} | {g.status} | "
                  f"{_submitted(g.message)} |" for g in summary.not_graded]
    else:
        lines.append("Every submission was graded.")
    return "\n".join(lines) + "\n"


def _submitted(text):
    """Text a submission or its metadata controls (names, folder names, messages), in a Markdown table cell or
    list item: one code span (quoting.code_span), so none of it is read as Markdown or HTML."""
    return code_span(str(text)[:300], in_table=True)


def _md(text):
    """The grader's own text in a Markdown table cell: one line, no markup."""
    text = " ".join(str(text).split())[:300]
    for markup in ("|", "`", "*", "["):
        text = text.replace(markup, "\\" + markup)
    return html.escape(text, quote=False)


_STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;
vertical-align:top}th{background:#f3f3f3}img{max-width:100%}code{background:#f3f3f3;padding:0 .2rem}
.n{text-align:right;white-space:nowrap}"""


def html_page(summary, images, pages=None):
    """class.html, one self-contained file: images: plot name -> PNG bytes, inlined as data: URLs; pages:
    submission key -> the student's page, relative to the document."""
    e, n, pages = html.escape, summary.students, pages or {}

    def image(name, alt):
        return (f'<img alt="{alt}" src="data:image/png;base64,{base64.b64encode(images[name]).decode()}">'
                if name in images else "")

    def table(head, rows):
        return ("<table>" + ("<tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>" if head else "")
                + "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows) + "</table>")

    def check_rows(checks):
        return [[f"<code>{e(c.id)}</code>" + (f" {e(c.title)}" if c.title else ""), e(_rate(c, n)), str(c.broken),
                 str(c.absent), str(c.passed)] for c in checks]

    check_head = ["check", "failed", "could not import", "not implemented / missing", "passed"]
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8"><title>Class report</title>',
             f"<style>{_STYLE}</style></head><body>", "<h1>Class report</h1>",
             '<h2 id="summary">Summary</h2>', table([], [[e(k), e(v)] for k, v in _statistics(summary)]),
             *(f"<p><strong>GRADING ENVIRONMENT: {e(line)}</strong> ({len(students)} of {n}: "
               f"{e(', '.join(students))}); their maximum is smaller than the class's</p>"
               for line, students in summary.environment.items()),
             '<h2 id="roster">Roster</h2>',
             table(["student", "id", "submission", "status", "score", "page"],
                   [[e(r.name), e(r.id), f"<code>{e(r.key)}</code>", e(r.status), e(_score(r)),
                     f'<a href="{e(pages[r.key])}">page</a>' if r.key in pages else ""] for r in summary.roster]),
             '<h2 id="scores">Score distribution</h2>', image("scores", "histogram of the scores"),
             '<h2 id="mistakes">Named mistakes and variants</h2>']
    if summary.rows:
        parts += [image("mistakes", "named mistakes ranked"),
                  table(["students", "function", "name", "kind", "what it does", "who"],
                        [[f"{len(r.students)} of {n}", f"<code>{e(r.function)}</code>", e(r.name), e(r.kind),
                          e(r.says), e(", ".join(r.students))] for r in summary.rows]),
                  "<ul>" + "".join(f"<li>{e(_row_sentence(r, n))}</li>" for r in summary.rows) + "</ul>"]
    else:
        parts.append("<p>No named mistake or variant was found.</p>")
    parts += ['<h2 id="checks">Failure rate of each check, by function</h2>', f"<p>{e(CHECKS_NOTE)}</p>",
              image("checks", "checks failed most often")]
    clean = []
    for function, failing, passing in by_function(summary.checks):
        if not failing:
            clean.append((function, passing))
            continue
        parts += [f"<h3><code>{e(function)}</code></h3>", table(check_head, check_rows(failing))]
        if passing:
            parts.append(f"<details><summary>{len(passing)} checks no one failed</summary>"
                         f"{table(check_head, check_rows(passing))}</details>")
    if clean:
        parts.append(f"<details><summary>{len(clean)} functions no one failed a check of</summary>"
                     + table(check_head, check_rows([c for _, passing in clean for c in passing])) + "</details>")
    parts.append('<h2 id="imports">Modules that could not be imported</h2>')
    parts.append(table(["module", "students", "why (first reasons)", "who"],
                       [[f"<code>{e(m.module)}</code>", f"{len(m.students)} of {n}", "<br>".join(map(e, m.reasons)),
                         e(", ".join(m.students))] for m in summary.imports])
                 if summary.imports else "<p>Every module was imported.</p>")
    parts.append('<h2 id="groups">Students sharing a failure signature</h2>')
    if summary.groups:
        parts += ["<p>The same failing checks with the same named mistakes (often the same source).</p>",
                  table(["students", "who", "failing checks"],
                        [[str(len(g.students)), e(", ".join(g.students)),
                          "<br>".join(e(w) for w in _signature_words(g.signature))] for g in summary.groups])]
    else:
        parts.append("<p>No two students share a failure signature.</p>")
    if summary.other_years:
        parts += ['<h2 id="years">Course year</h2>', f"<p>{e(summary.usual_year)} for {summary.year_counts[0]} of "
                  f"{summary.year_counts[1]} submissions. {e(YEARS)}</p>",
                  table(["students", "submission", "year applied", "why"],
                        [[e(", ".join(y.students)), f"<code>{e(y.key)}</code>", e(y.year), e(y.why)]
                         for y in summary.other_years])]
    parts += ['<h2 id="identical">Identical submissions</h2>', f"<p>{e(IDENTICAL)}</p>"]
    parts.append(table(["submissions", "who (submission)"],
                       [[str(len(g)), "<br>".join(f"{e(', '.join(who))} (<code>{e(key)}</code>)" for who, key in g)]
                        for g in summary.identical])
                 if summary.identical else "<p>No two submissions are identical.</p>")
    parts.append('<h2 id="policy">Refused by the library policy</h2>')
    parts.append(table(["function", "students", "what they used", "who"],
                       [[f"<code>{e(r.function)}</code>", f"{len(r.students)} of {n}", e(", ".join(r.used)),
                         e(", ".join(r.students))] for r in summary.refusals])
                 if summary.refusals else "<p>No function used what the library policy forbids.</p>")
    parts.append('<h2 id="not-graded">Submissions not graded</h2>')
    parts.append(table(["students", "submission", "status", "why"],
                       [[e(", ".join(g.students)), f"<code>{e(g.key)}</code>", e(g.status), e(g.message)]
                        for g in summary.not_graded])
                 if summary.not_graded else "<p>Every submission was graded.</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
