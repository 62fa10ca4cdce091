"""Text a submission controls, quoted before any report shows it, so it cannot forge the report.

A submission writes its exception messages (and types), the `where` of its failing line, the notes
of its notebook cells and the values it returns; all of it reaches a report through a result's
summary and details and the report's notes. `quoted(report)` returns a copy of the report in which
every such string is

- escaped where it could act on a terminal: control and format characters (ANSI escapes, carriage
  returns, bidirectional overrides, zero-width characters) are shown as \\x1b, \\r, \\u202e;
- indented after every newline by CONTINUATION, so none of its lines starts where a report line
  starts ("✓ …", "Score: …", "## …");
- bounded: MAX_SUMMARY characters per summary or detail, MAX_NOTE per note, MAX_NOTES notes.

The writers of formats.py render only quoted reports, each format then escaping by its own rules:
HTML by html.escape, XML by ElementTree, Rich's markup by its escape, Gradescope's text as plain text,
and Markdown by CommonMark's code spans and fences (`fenced`, `code_span`): every submitted string sits
inside a fence or span whose run of backticks is longer than any in the string, so nothing in it is
read as Markdown or HTML (no link, image, tag, entity or emphasis).
"""
import dataclasses
import re

MAX_SUMMARY = 2000
MAX_NOTE = 300
MAX_NOTES = 20
CONTINUATION = "\n        ┆ "
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
                     "\ufeff\ufff9-\ufffb]")
_BACKTICKS = re.compile("`+")


def quote(text, limit=MAX_SUMMARY):
    """text as one inert block: escaped, its lines indented, at most `limit` characters of it kept."""
    text = str(text)
    if len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit} more characters)"
    text = _UNSAFE.sub(lambda m: ascii(m.group())[1:-1], text)
    return text.replace("\n", CONTINUATION)


def _longest_backticks(text):
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def fenced(lines):
    """Lines as one Markdown code block: a fence of backticks longer than any run of them in the lines (and
    at least three), so no line can close it, and nothing inside is rendered (CommonMark 4.5)."""
    lines = [str(line) for line in lines]
    fence = "`" * max(3, 1 + max((_longest_backticks(line) for line in lines), default=0))
    return [fence + "text", *lines, fence]


def code_span(text, *, in_table=False):
    """Text as one Markdown code span on one line: delimited by more backticks than any run in it (CommonMark
    6.1), padded with a space where it begins or ends with a backtick or a space. in_table: its pipes escaped,
    which GitHub's tables read before the span (and CommonMark shows as they are)."""
    text = " ".join(str(text).split())
    if in_table:
        text = text.replace("|", "\\|")
    ticks = "`" * (1 + _longest_backticks(text))
    pad = " " if text[:1] in ("`", " ") or text[-1:] in ("`", " ") or not text else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def quote_value(value, limit=MAX_SUMMARY):
    """quote() through the dicts and lists of a result's details; other values as they are."""
    if isinstance(value, str):
        return quote(value, limit)
    if isinstance(value, dict):
        return {quote(k, 100): quote_value(v, limit) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(quote_value(v, limit) for v in value)
    return value


def quote_notes(notes):
    """At most MAX_NOTES notes, each quoted to MAX_NOTE characters; a last one counts the rest."""
    kept = [quote(n, MAX_NOTE) for n in notes[:MAX_NOTES]]
    if len(notes) > MAX_NOTES:
        kept.append(f"… and {len(notes) - MAX_NOTES} more notes")
    return kept


def quoted(report):
    """A copy of the report with every submission-controlled string quoted (see the module's docstring)."""
    results = [dataclasses.replace(r, summary=quote(r.summary), details=quote_value(r.details))
               for r in report.results]
    return dataclasses.replace(report, submission=quote(report.submission, 500), results=results,
                               notes=quote_notes(report.notes),
                               environment_problems=[quote(line) for line in report.environment_problems])
