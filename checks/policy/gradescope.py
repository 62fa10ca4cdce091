"""What students see on Gradescope, and when: the [gradescope] section of a grading profile.

    [gradescope]
    textbook = "visible"              # the fixed cases, the same for every seed
    public_search = "visible"         # the searched checks when every submission meets the same search
    secret_search = "after_due_date"  # the searched checks of a per-submission search (a course secret)
    total = "visible"                 # the overall result: results.json's top-level visibility
    stdout_visibility = "hidden"      # what the autograder printed
    output_format = "md"              # Markdown: counterexamples render as code blocks

A course's policy is data, like its points: the report carries this table and reporting.gradescope reads it.
The values are Gradescope's own words (its results.json specification).
"""
from dataclasses import asdict, dataclass

VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")
OUTPUT_FORMATS = ("md", "text")
_VISIBILITY_KEYS = ("textbook", "public_search", "secret_search", "total", "stdout_visibility")


class GradescopeError(ValueError):
    """A [gradescope] section that cannot be used; the message says which key and why."""


@dataclass(frozen=True)
class GradescopePolicy:
    textbook: str
    public_search: str
    secret_search: str
    total: str
    stdout_visibility: str
    output_format: str

    def as_table(self):
        return asdict(self)


def from_table(table, source):
    """GradescopePolicy of a complete [gradescope] table (the default profile's, overlaid with a course's)."""
    known = (*_VISIBILITY_KEYS, "output_format")
    unknown = set(table) - set(known)
    if unknown:
        raise GradescopeError(f"profile {source}: unknown [gradescope] key(s) {sorted(unknown)}; expected "
                              f"{sorted(known)}")
    missing = set(known) - set(table)
    if missing:
        raise GradescopeError(f"profile {source}: [gradescope] lacks {sorted(missing)}")
    for key in _VISIBILITY_KEYS:
        if table[key] not in VISIBILITIES:
            raise GradescopeError(f"profile {source}: [gradescope] {key} must be one of {list(VISIBILITIES)}, "
                                  f"not {table[key]!r}")
    if table["output_format"] not in OUTPUT_FORMATS:
        raise GradescopeError(f"profile {source}: [gradescope] output_format must be one of {list(OUTPUT_FORMATS)}, "
                              f"not {table['output_format']!r}")
    return GradescopePolicy(**{key: table[key] for key in known})
