"""A student's own report as one HTML page (`grader.py PATH --format html`), self-contained.

For a failing optimizer the page also plots the student's trajectory against the oracle's on the
counterexample (details["trajectory"]). The grading layer gathers those points, in the sandbox, before
the page is written (dlgrade.grading.attach_trajectories); the page only draws what the report holds.
"""
import base64
import html
from itertools import groupby

from dlgrade.checks.engine.status import Status

from .feedback import STATUS_WORDS, feedback, label, provenance, symbol
from .plots import png

_COLOR = {Status.PASSED: "#2e7d32", Status.FAILED: "#c62828", Status.ERROR: "#8e24aa", Status.POLICY: "#c62828"}
_STYLE = """body{font-family:system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #e3e3e3;padding:.2rem .4rem;vertical-align:top}
td.p{text-align:right;white-space:nowrap}pre{background:#f6f6f6;padding:.5rem;white-space:pre-wrap;margin:.3rem 0}
img{max-width:100%}.dim{color:#888}"""


def _plot(function, trajectory):
    """The PNG of the trajectories and their difference, or None without matplotlib (the optional extra `batch`)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
    except ImportError:
        return None
    return png(trajectory_figure(function, trajectory))


def trajectory_figure(function, trajectory):
    """Two panels: both trajectories, then |yours − oracle| per coordinate on a log scale. The error is what
    shows: 4e-4 on a path that spans 3 is one line drawn over the other in the first panel alone. A step
    where they agree exactly (0 has no place on a log axis) is left out of the second, and said so."""
    import matplotlib.pyplot as plt
    import numpy as np

    figure, (paths, errors) = plt.subplots(2, 1, figsize=(7, 5.2), sharex=True, height_ratios=(3, 2))
    oracle, student = np.asarray(trajectory["oracle"], float), np.asarray(trajectory["student"], float)
    steps = min(len(oracle), len(student))
    exact = False
    for i in range(oracle.shape[1]):
        color = f"C{i}"
        paths.plot(oracle[:, i], color=color, linestyle="--", label=f"oracle w[{i}]")
        paths.plot(student[:, i], color=color, marker=".", label=f"yours w[{i}]")
        error = np.abs(student[:steps, i] - oracle[:steps, i])
        exact |= bool((error == 0).any())
        errors.plot(np.arange(steps), np.where(error > 0, error, np.nan), color=color, marker=".", label=f"w[{i}]")
    paths.set_ylabel("w")
    paths.set_title(f"{function}: your trajectory and the oracle's, from the counterexample")
    paths.legend(fontsize=7, ncol=2)
    errors.set_yscale("log")
    errors.set_ylabel("|yours − oracle|")
    errors.set_xlabel("step (the counterexample's gradient dw at every step)" +
                      ("; a missing point: equal there" if exact else ""))
    return figure


# --- the page ---------------------------------------------------------------------------------------

def page(report):
    """The report as one self-contained HTML page; every piece of text is escaped."""
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>dlgrade: {e(report.submission)}</title><style>{_STYLE}</style></head><body>",
             f"<h1>dlgrade: {e(report.submission)}</h1>",
             f"<p><strong>Score: {report.score:.4g} / {report.max_score:.4g}</strong> "
             f'<span class="dim">(profile {e(report.profile)}, seed {report.seed}, {len(report.results)} checks '
             f"in {report.seconds:.1f} s)</span></p>",
             '<p class="dim">' + "<br>".join(e(line) for line in provenance(report)) + "</p>"]
    for module, results in groupby(report.results, key=lambda r: r.module):
        results = list(results)
        parts.append(f"<h2>{e(module)} — {sum(r.score for r in results):.4g} / "
                     f"{sum(r.max_score for r in results):.4g}</h2><table>")
        for r in results:
            color = _COLOR.get(r.status, "#888")
            words = f" — {STATUS_WORDS[r.status]}" if r.status.absent else \
                " — optional, not held" if r.optional and r.status is Status.FAILED else ""
            parts.append(f'<tr><td style="color:{color}">{symbol(r)}</td><td>{e(label(r))}{e(words)}')
            lines = feedback(r) if r.status is not Status.PASSED or r.summary else []
            if lines:
                parts.append(f"<pre>{e(chr(10).join(lines))}</pre>")
            trajectory = r.details.get("trajectory")
            png = _plot(r.function, trajectory) if trajectory else None
            if png:
                parts.append(f'<img alt="{e(r.function)}: trajectory against the oracle\'s" '
                             f'src="data:image/png;base64,{base64.b64encode(png).decode()}">')
            parts.append(f'</td><td class="p">{r.score:.4g} / {r.max_score:.4g}</td></tr>')
        parts.append("</table>")
    if report.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in report.notes) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
