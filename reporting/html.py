"""A student's own report as one HTML page (`grader.py PATH --format html`), self-contained.

For a failing optimizer the page also plots the student's trajectory against the oracle's on the
counterexample: from its w and config, TRAJECTORY_STEPS steps with its gradient dw, each rule
running free on its own state. The grader gathers those points (attach_trajectories, in the sandbox)
before the page is written; the page itself only draws what the report holds.
"""
import base64
import copy
import html
from itertools import groupby

import numpy as np

from dlgrade.checks.engine.status import Status

from .formats import _STATUS_WORDS, _provenance, feedback, label, symbol
from .plots import png

TRAJECTORY_STEPS = 20
PLOTTED_COORDINATES = 4
_COLOR = {Status.PASSED: "#2e7d32", Status.FAILED: "#c62828", Status.ERROR: "#8e24aa", Status.POLICY: "#c62828"}
_STYLE = """body{font-family:system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #e3e3e3;padding:.2rem .4rem;vertical-align:top}
td.p{text-align:right;white-space:nowrap}pre{background:#f6f6f6;padding:.5rem;white-space:pre-wrap;margin:.3rem 0}
img{max-width:100%}.dim{color:#888}"""


# --- the trajectory of a failing optimizer (gathered while the submission is at hand) ------------

def attach_trajectories(report, submission, profile, *, steps=TRAJECTORY_STEPS, **sandbox):
    """For the first failing check of each optimizer whose counterexample has w, dw and config, put the
    student's and the oracle's trajectories into its details["trajectory"] (plain lists, so the JSON
    report carries them too). sandbox: the Sandbox's keywords (user, trusted, hidden), as for the grade."""
    from dlgrade.reference import optim as oracle
    from dlgrade.sandbox import Sandbox

    wanted = {}
    for r in report.results:
        case = r.counterexample
        if (r.module == "optim" and r.status is Status.FAILED and r.function not in wanted
                and isinstance(case, dict) and {"w", "dw"} <= set(case)):
            wanted[r.function] = r
    if not wanted:
        return
    with Sandbox(submission, call_timeout=profile.call_timeout, import_timeout=profile.import_timeout,
                 forbidden=profile.libraries.hidden_packages(), **sandbox) as box:
        for function, r in wanted.items():
            name = function.partition(".")[2]
            w, dw = np.asarray(r.counterexample["w"], float), np.asarray(r.counterexample["dw"], float)
            config = r.counterexample.get("config") or {}

            def theirs(w_, c, name=name, dw=dw):
                return box.call("optim", name, (w_, dw, c)).value

            def ours(w_, c, rule=getattr(oracle, name), dw=dw):
                return rule(w_.copy(), dw.copy(), c)
            r.details["trajectory"] = {
                "steps": steps, "config": {k: v for k, v in config.items() if isinstance(v, (int, float))},
                "oracle": _path(ours, w, config, steps), "student": _path(theirs, w, config, steps)}


def _path(step, w, config, steps):
    """w (flattened, its first PLOTTED_COORDINATES entries) after 0 … steps steps; it ends early where the
    rule fails, returns something else than (next_w, config) of w's shape, or leaves the finite numbers."""
    points, config = [w.ravel()[:PLOTTED_COORDINATES].tolist()], copy.deepcopy(config)
    for _ in range(steps):
        try:
            next_w, config = step(w, config)
            next_w = np.asarray(next_w, dtype=float)
        except Exception:  # the submission's step failed: the trajectory ends there
            break
        if next_w.shape != w.shape or not isinstance(config, dict) or not np.all(np.isfinite(next_w)):
            break
        w = next_w
        points.append(w.ravel()[:PLOTTED_COORDINATES].tolist())
    return points


def _plot(function, trajectory):
    """The PNG of both trajectories, or None without matplotlib (the optional extra `batch`)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    figure, axes = plt.subplots(figsize=(7, 3.4))
    for i in range(len(trajectory["oracle"][0])):
        color = f"C{i}"
        axes.plot([p[i] for p in trajectory["oracle"]], color=color, linestyle="--", label=f"oracle w[{i}]")
        axes.plot([p[i] for p in trajectory["student"]], color=color, marker=".", label=f"yours w[{i}]")
    axes.set_xlabel("step (the counterexample's gradient dw at every step)")
    axes.set_ylabel("w")
    axes.set_title(f"{function}: your trajectory and the oracle's, from the counterexample")
    axes.legend(fontsize=7, ncol=2)
    return png(figure)


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
             '<p class="dim">' + "<br>".join(e(line) for line in _provenance(report)) + "</p>"]
    for module, results in groupby(report.results, key=lambda r: r.module):
        results = list(results)
        parts.append(f"<h2>{e(module)} — {sum(r.score for r in results):.4g} / "
                     f"{sum(r.max_score for r in results):.4g}</h2><table>")
        for r in results:
            color = _COLOR.get(r.status, "#888")
            words = f" — {_STATUS_WORDS[r.status]}" if r.status.absent else \
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
