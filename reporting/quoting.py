"""Text a submission controls, quoted before any report shows it, so it cannot forge the report.

A submission writes its exception messages (and types), the `where` of its failing line, the notes
of its notebook cells and the values it returns; all of it reaches a report through a result's
summary and details and the report's notes. `quoted(report)` returns a copy of the report in which
every such string is

- escaped where it could act on a terminal or a page: control and format characters (ANSI escapes,
  carriage returns, bidirectional overrides, zero-width characters) are shown as \\x1b, \\r, \\u202e;
  runs of backticks that could close a Markdown fence are shown as \\`, and a `<` that would open an
  HTML tag as \\< (`p < α` stays as it is);
- indented after every newline by CONTINUATION, so none of its lines starts where a report line
  starts ("✓ …", "Score: …", "## …");
- bounded: MAX_SUMMARY characters per summary or detail, MAX_NOTE per note, MAX_NOTES notes.

The writers of formats.py render only quoted reports (Markdown shows submission text in fenced
blocks; Gradescope is told its outputs are plain text).
"""
import dataclasses
import re

MAX_SUMMARY = 2000
MAX_NOTE = 300
MAX_NOTES = 20
CONTINUATION = "\n        ┆ "
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
                     "\ufeff\ufff9-\ufffb]")
_FENCE = re.compile("`{3,}")
_TAG = re.compile("<(?=[A-Za-z/!?])")  # where an HTML tag, comment or declaration would open


def quote(text, limit=MAX_SUMMARY):
    """text as one inert block: escaped, its lines indented, at most `limit` characters of it kept."""
    text = str(text)
    if len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit} more characters)"
    text = _UNSAFE.sub(lambda m: ascii(m.group())[1:-1], text)
    text = _TAG.sub(r"\\<", _FENCE.sub(lambda m: "\\`" * len(m.group()), text))
    return text.replace("\n", CONTINUATION)


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
                               notes=quote_notes(report.notes))
