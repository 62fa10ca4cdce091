"""Finding things: `grader.py --list` (the table of checks) and `grader.py --explain ID` (one check, whole).

For each check: its points, kind, real example count ("fixed cases" when it runs no search), its
tolerance row and values, where it is defined (file:line of its @check), and its function's rows of
named mistakes and documented variants; --explain adds the check's doc, the oracle's formula (the
docstring of the reference function), why the tolerance is what it is, and what each row says.
"""
import inspect
from pathlib import Path

from dlgrade import reference
from dlgrade.checks.engine import mistakes, runner
from dlgrade.checks.policy.tolerances import TOLERANCES, tolerance


def _examples(check, profile):
    return f"{profile.max_examples_for(check)} examples" if check.searches else "fixed cases"


def _rows(function, profile):
    """Each mistake row of the function: 'name' or 'name (variant, accepted)'."""
    words = []
    for row in mistakes.of(function):
        if row.documented:
            words.append(f"{row.name} (variant{', accepted' if row.name in profile.accepted(function) else ''})")
        else:
            words.append(row.name)
    return ", ".join(words) or "none"


def list_checks(profile, only=()):
    """Lines of the table: per function a header with its mistake rows, then one line per check."""
    checks = runner.select(only)
    shares = runner.function_points(profile, checks)
    lines, function = [], None
    for c in checks:
        if c.function != function:
            function = c.function
            total = sum(shares[d.id] for d in checks if d.function == function)
            lines.append(f"{function}  ({total:.3g} pts; mistakes and variants: {_rows(function, profile)})")
        tol = tolerance(c.tol, profile.dtype)
        lines.append(f"  {c.id} — {c.title}\t{shares[c.id]:.3g} pts\t{c.kind}\t{_examples(c, profile)}\t"
                     f"tol {c.tol} ({tol.describe()})\t{c.location}")
        lines.append(f"      {c.doc}")
    return lines + [policy_line(profile)]


def policy_line(profile):
    """What a submission may use under this profile (its [libraries])."""
    return f"library policy (profile {profile.source}): {profile.libraries.describe()}"


def oracle_of(function):
    """The reference function of a spec function, or None."""
    module, _, name = function.partition(".")
    try:
        return getattr(__import__(f"{reference.__name__}.{module}", fromlist=[name]), name)
    except (ImportError, AttributeError):
        return None


def _where(obj):
    path = Path(inspect.getsourcefile(obj)).resolve()
    root = Path(reference.__file__).resolve().parents[1]
    return f"{path.relative_to(root) if path.is_relative_to(root) else path}:{inspect.getsourcelines(obj)[1]}"


def explain(profile, only):
    """Every selected check, whole: doc, oracle formula, tolerance and why, mistakes and variants."""
    checks = runner.select(only)
    shares = runner.function_points(profile, checks)
    lines = []
    for c in checks:
        row, tol = TOLERANCES[c.tol], tolerance(c.tol, profile.dtype)
        lines += [f"{c.id} — {c.title}", f"  defined at {c.location}; kind {c.kind}; {shares[c.id]:.3g} points; "
                        f"{_examples(c, profile)}",
                  f"  checks: {c.doc}"]
        oracle = oracle_of(c.function)
        if oracle is not None:
            formula = inspect.cleandoc(oracle.__doc__ or "").replace("\n", "\n            ")
            lines.append(f"  oracle: {_where(oracle)}  {formula}")
            rule = getattr(inspect.getmodule(oracle), "RULES", {}).get(oracle.__name__)
            if rule is not None:  # an update rule: its row of the table
                lines.append(f"  rule: defaults {rule.defaults}; state {rule.state}; drawn from {rule.ranges}")
        lines.append(f"  tolerance: row {c.tol!r}, {profile.dtype} column: {tol.describe()} — {row.why}")
        if c.uses:
            lines.append(f"  also calls: {', '.join(c.uses)}")
        for m in mistakes.of(c.function):
            kind = "variant" if m.documented else "mistake"
            accepted = " (accepted by this profile)" if m.name in profile.accepted(c.function) else ""
            lines.append(f"  {kind} {m.name!r}{accepted}: {m.says}  [oracle keywords {m.kwargs}]")
        lines.append("")
    return lines + [policy_line(profile)]
