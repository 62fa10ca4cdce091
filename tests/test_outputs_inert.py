"""Report files are inert in the programs people open them with (issue 14 item 7, issue 23 item 4).

Every string a submission (or its metadata) controls is planted with payloads that would act if a program
read them as code: Markdown links, images, autolinks, reference definitions, raw HTML, backtick runs longer
than a fence; HTML that would run script; spreadsheet formulas. Then:

- Markdown (`--format md`, class.md) is rendered by markdown-it-py, a CommonMark renderer, and the HTML it
  gives is parsed: no link, image or tag, and no payload text outside a code element;
- HTML (a student's page, class.html) is parsed (html.parser: every element and attribute is the
  report's own) and, where Chromium is installed, opened in headless Chromium, whose DOM and console show
  that no payload ran (a page built to run one shows that the probe sees it);
- gradebook.csv, from a Gradescope export's submission_metadata.yml, has no cell a spreadsheet reads as a
  formula;
- a check that failed is never reported as passed, optional or not.
"""
import csv
import io
import json
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from dlgrade import batch
from dlgrade.checks.engine import runner
from dlgrade.checks.engine.runner import CheckResult, Report
from dlgrade.checks.engine.status import Status
from dlgrade.reporting import classreport, gradescope, render
from tests.grading import quick_profile, reference_with

MARK = "pwn"  # in every payload: text that must stay inside code, or be escaped
PAYLOADS = [
    f"[click {MARK}](javascript:alert('{MARK}'))",
    f"![{MARK}](http://evil.example/{MARK}.png)",
    f"\\<img src=x onerror=alert('{MARK}')>",
    f"<http://evil.example/{MARK}> and <{MARK}@evil.example>",
    f"[{MARK}-ref]\n\n[{MARK}-ref]: javascript:alert('{MARK}')",
    f"<div>\n<script>alert('{MARK}')</script>\n</div>",
    f"``````\n<img src=y onerror=alert('{MARK}')>\n``````",
    f"```` ` `` <b>{MARK}</b> `````````",
    f"&lt;{MARK}&gt; &#60;script&#62;{MARK}",
    f"# {MARK} heading\n---\n| a | {MARK} |\n|---|---|\n- [x](javascript:{MARK})",
]
HOSTILE = "\n".join(PAYLOADS)
# the HTML payloads that change the page if they run: an attribute on <body>, and a console line
RUNS = ("<img src=x onerror=\"document.body.setAttribute('data-ran','1');console.log('RAN'+'-NOW')\">"
        "<script>document.body.setAttribute('data-ran','1');console.log('RAN'+'-NOW')</script>"
        "<svg onload=\"document.body.setAttribute('data-ran','1')\"></svg>")


def result(status, summary="", details=None, **changes):
    fields = dict(id="optim.sgd/first_step", function="optim.sgd", kind="oracle", doc="the doc", status=status,
                  score=0.0, max_score=1.0, summary=summary, details=details or {}, replay="python grader.py X")
    return CheckResult(**{**fields, **changes})


def hostile_report(text=HOSTILE):
    """A report with `text` in every field a submission controls."""
    details = {"input": {"w": text, text: 1}, "got": text, "expected": "1.0", "diagnosis": text}
    return Report(submission=text, profile="default", seed=0, notes=[text, text], seconds=1.0, calls=1, restarts=0,
                  environment={"python": text, "numpy": text}, isolation="bubblewrap", sha256="ab" * 32,
                  search="public seeded search", results=[
                      result(Status.FAILED, text, details),
                      result(Status.FAILED, f"optional, not scored: not held (the spec allows it, not requires it): "
                             f"{text}", details, id="optim.sgd/optional_shape", optional=True),
                      result(Status.PASSED, f"matches the documented variant {text}", id="optim.sgd/variant",
                             score=1.0),
                      result(Status.ERROR, text, id="optim.adam/first_step", function="optim.adam"),
                      result(Status.NOT_IMPLEMENTED, text, id="optim.rmsprop/first_step", function="optim.rmsprop"),
                  ])


# --- Markdown -----------------------------------------------------------------------------------------------

class Elements(HTMLParser):
    """The elements and attributes of an HTML text, and the text found outside <code> (and <pre>)."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.stack, self.outside_code = set(), [], [], []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes += [(tag, name, value) for name, value in attrs]
        if tag not in ("img", "br", "hr", "meta", "input"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag):]

    def handle_data(self, data):
        if "code" not in self.stack and "pre" not in self.stack:
            self.outside_code.append(data)


MARKDOWN_TAGS = {"h1", "h2", "p", "strong", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "ul", "li"}


def rendered(markdown):
    """The HTML of a Markdown text, as CommonMark (with GitHub's tables) renders it, every link's URL let through
    (markdown-it drops javascript: URLs; a renderer may not, so none may come from a submission)."""
    renderer = MarkdownIt("commonmark").enable("table")
    renderer.validateLink = lambda url: True
    return renderer.render(markdown)


def assert_inert_markdown(markdown):
    page = Elements(rendered(markdown))
    assert page.tags <= MARKDOWN_TAGS, page.tags - MARKDOWN_TAGS
    assert [a for a in page.attributes if a[1] != "class"] == []  # no href, src, on…
    assert not [text for text in page.outside_code if MARK in text.lower()]


def test_the_markdown_report_renders_nothing_submitted():
    markdown = render(hostile_report(), "md")
    assert_inert_markdown(markdown)
    assert MARK in markdown and "javascript:" in markdown  # the text is shown, as code


def test_every_payload_alone_renders_inert():
    for payload in PAYLOADS:
        assert_inert_markdown(render(hostile_report(payload), "md"))


def test_the_probe_sees_a_live_link():
    page = Elements(rendered(f"[x](javascript:{MARK}) ![i](http://e/{MARK}.png) <b>{MARK}</b>"))
    assert {"a", "img", "b"} <= page.tags and any(MARK in t for t in page.outside_code)


def test_a_fence_grows_past_the_backticks_it_holds():
    markdown = render(hostile_report("`" * 40 + f"\n<img src=x onerror={MARK}>"), "md")
    assert "`" * 41 + "text" in markdown
    assert_inert_markdown(markdown)


def test_the_class_markdown_renders_nothing_submitted():
    summary = classreport.ClassSummary(
        students=2, submissions=1, scores=[(HOSTILE, 1.0, 2.0), ("b", 2.0, 2.0)], rows=[], checks=[],
        groups=[classreport.Group((("optim.sgd/first_step", ""),), [HOSTILE, f"{MARK} | `x` |"])],
        not_graded=[classreport.NotGraded([HOSTILE], HOSTILE, "ungradable", HOSTILE),
                    classreport.NotGraded([f"``{MARK}|"], f"``{MARK}|", "ungradable", "|" + HOSTILE)],
        imports=[classreport.ImportFailure("optim", [HOSTILE], [f"{MARK} | `x` |"])],
        roster=[classreport.RosterRow(HOSTILE, f"``{MARK}|", HOSTILE, "graded", 1.0, 2.0)],
        identical=[[([HOSTILE], f"``{MARK}|"), ([MARK], "b")]])
    markdown = classreport.markdown(summary, {})
    assert_inert_markdown(markdown)
    lines = markdown.splitlines()
    table = [(i, line) for i, line in enumerate(lines) if line.startswith("| ") and MARK in line]
    assert table
    for i, line in table:  # a submitted | splits no cell
        head = next(lines[j - 1] for j in range(i, 0, -1) if lines[j].startswith("|---"))
        columns = head.count(" | ") + 1
        assert _cells(line, columns) == columns, line


def _cells(row, columns=3):
    """The cells of a row under a GitHub table head of `columns` columns, as rendered (escaped pipes split none)."""
    head = "|" + " a |" * columns + "\n|" + "---|" * columns + "\n"
    return rendered(head + row).split("<tbody>")[1].split("</tr>")[0].count("<td>")


# --- a failure is never "passed" ------------------------------------------------------------------------------

def test_an_optional_check_that_failed_is_never_reported_as_passed():
    report = hostile_report("not equal")
    optional = "optim.sgd/optional_shape"
    markdown = render(report, "md")
    row = next(line for line in markdown.splitlines() if line.startswith("|") and optional in line)
    assert "✓" not in row and "✗" in row
    assert f"**{optional}** — optional, not held" in markdown
    text = render(report, "text")
    assert not [line for line in text.splitlines() if "✓" in line and optional in line]
    assert next(t for t in gradescope(report)["tests"] if t["name"] == optional)["status"] == "failed"
    assert f'name="{optional}"' in render(report, "junit") and "<skipped" in render(report, "junit")
    variant = next(line for line in markdown.splitlines() if line.startswith("|") and "optim.sgd/variant" in line)
    assert "✓" in variant  # a documented variant the profile accepts did pass


def test_a_graded_submission_with_markdown_in_its_errors_renders_inert(tmp_path):
    source = f"def sgd(w, dw, config=None):\n    raise ValueError({HOSTILE!r})\n"
    report = runner.grade(reference_with(tmp_path, "optim.sgd", source), quick_profile(max_examples=3),
                                only=("optim.sgd",), trusted=True)
    assert {r.status for r in report.results} == {Status.FAILED}
    assert_inert_markdown(render(report, "md"))


# --- HTML -------------------------------------------------------------------------------------------------------

PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "strong", "span", "br", "table",
             "tr", "th", "td", "pre", "code", "ul", "li", "img"}


def html_pages(text):
    summary = classreport.ClassSummary(
        students=1, submissions=1, scores=[(text, 1.0, 2.0)], rows=[classreport.Row(
            "optim.sgd:x", "optim.sgd", "x", "mistake", "says", [text])], checks=[],
        groups=[classreport.Group((("optim.sgd/first_step", ""),), [text, text])],
        not_graded=[classreport.NotGraded([text], text, "ungradable", text)],
        imports=[classreport.ImportFailure("optim", [text], [text])],
        roster=[classreport.RosterRow(text, text, text, "graded", 1.0, 2.0)], identical=[[([text], text)] * 2])
    return {"student": render(hostile_report(text), "html"), "class": classreport.html_page(summary, {})}


@pytest.mark.parametrize("page", ["student", "class"])
def test_html_pages_hold_no_element_or_attribute_from_the_submission(page):
    parsed = Elements(html_pages(HOSTILE + RUNS)[page])
    assert parsed.tags <= PAGE_TAGS, parsed.tags - PAGE_TAGS
    assert all(name in ("lang", "charset", "class", "style", "alt", "src", "id") for _, name, _ in parsed.attributes)
    assert all(not value or MARK not in value and "RAN" not in value for _, _, value in parsed.attributes)
    assert any(MARK in text for text in parsed.outside_code)  # shown, as text


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


needs_chromium = pytest.mark.skipif(chromium() is None, reason="needs Chromium (apt-get install -y chromium) to open "
                                    "the pages; the html.parser test above runs without it")


def opened(path, tmp_path):
    """(the DOM after load, Chromium's log) of a page opened in headless Chromium."""
    run = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr",
                          "--v=0", f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=2000",
                          "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120)
    return run.stdout, run.stderr


@needs_chromium
def test_chromium_runs_nothing_submitted_in_the_pages(tmp_path):
    probe = tmp_path / "probe.html"  # the same payloads, not escaped: they run, and the probe sees it
    probe.write_text(f"<!DOCTYPE html><html><body><p>{RUNS}</p></body></html>")
    dom, log = opened(probe, tmp_path)
    assert 'data-ran="1"' in dom and "RAN-NOW" in log, (dom[-500:], log[-2000:])
    for name, text in html_pages(HOSTILE + RUNS).items():
        page = tmp_path / f"{name}.html"
        page.write_text(text)
        dom, log = opened(page, tmp_path)
        assert "<body" in dom and MARK in dom, name
        assert "data-ran" not in dom.replace("setAttribute('data-ran'", ""), name
        assert "RAN-NOW" not in log, name


# --- gradebook.csv ----------------------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1002", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1",
            " =cmd|' /C calc'!A0"]


class Records:
    """A batch store with the given records and no reports (gradebook reads only these)."""

    def __init__(self, records):
        self._records = records

    def records(self):
        return self._records

    def report(self, key):
        return None


def test_no_gradebook_cell_is_a_formula(tmp_path):
    root = tmp_path / "export"
    root.mkdir()
    keys = [f"submission_{i}" for i in range(len(FORMULAS))]
    for key in keys:
        (root / key).mkdir()
    metadata = {key: {":submitters": [{":name": formula, ":sid": formula, ":email": formula}]}
                for key, formula in zip(keys, FORMULAS)}
    (root / batch.METADATA).write_text(json.dumps(metadata))  # JSON is YAML
    (root / "=1+1").mkdir()  # a submission's own folder name
    entries = batch.discover(root) + [batch.Entry("=1+1", str(root / "=1+1"), [{"id": "@x", "name": "", "email": ""}])]
    records = {key: {"status": batch.UNGRADABLE, "message": formula} for key, formula in zip(keys, FORMULAS)}
    text = batch.gradebook(entries, Records(records))
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert len(rows) == len(entries)
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell[:1] in batch.FORMULA_STARTS + ("\t", "\r")]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells and "'+1002" in cells and "'=1+1" in cells
