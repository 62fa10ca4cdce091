"""The share of single-bug mutants of the reference that the grader names (issue 19: at least 95 %).

    python bench/mutants_named.py [--max-examples 20] [--out bench/results/mutants_named.json]

Each mutant is one edit of the reference's source on the spec's own path (a sign, a term, an axis, a
constant, an index) written as a student would make it, never a keyword of a mistake row switched on:
rows are derived from mistakes, the mutants are not derived from rows. Each is graded strictly (no
documented variant accepted) on the checks of the functions it touches, in the sandbox. A mutant is
caught when one of those checks fails, and named when a failing check names it (a mistake, a pair, an
ambiguous set, or right values in the wrong shape). The figure and every mutant's outcome go to OUT.
"""
import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout's dlgrade wins over an installed one

import dlgrade.checks  # noqa: E402,F401  (fills the registry)
from dlgrade.checks.engine import runner  # noqa: E402
from dlgrade.checks.policy import profile as profiles  # noqa: E402
from dlgrade.sandbox import resolve  # noqa: E402


@dataclasses.dataclass(frozen=True)
class Mutant:
    name: str
    file: str            # under reference/
    old: str             # text replaced (must occur exactly once)
    new: str
    functions: tuple     # the spec functions whose checks grade it


MOMENTUM_SPEC = "        v = mu * v - lr * g\n        return w + v, v\n    if form == \"ema\":"
MUTANTS = [
    Mutant("momentum: velocity sign flipped", "_core/optim.py", MOMENTUM_SPEC,
           MOMENTUM_SPEC.replace("mu * v - lr * g", "mu * v + lr * g"), ("optim.sgd_momentum",)),
    Mutant("momentum: w - v", "_core/optim.py", MOMENTUM_SPEC, MOMENTUM_SPEC.replace("w + v, v", "w - v, v"),
           ("optim.sgd_momentum",)),
    Mutant("momentum: EMA velocity", "_core/optim.py", MOMENTUM_SPEC,
           "        v = mu * v + (1 - mu) * g\n        return w - lr * v, v\n    if form == \"ema\":",
           ("optim.sgd_momentum",)),
    Mutant("nesterov: no look-ahead", "_core/optim.py", "w - mu * v + (1 + mu) * next_v if lookahead",
           "w + next_v if lookahead", ("optim.sgd_nesterov",)),
    Mutant("rms_scaled: ε inside the root", "_core/optim.py", "g / (xp.sqrt(r) + eps)", "g / xp.sqrt(r + eps)",
           ("optim.adagrad", "optim.rmsprop")),
    Mutant("rmsprop: decay weights swapped", "_core/optim.py", "1 - rho if swapped_decay else rho",
           "rho if swapped_decay else 1 - rho", ("optim.rmsprop",)),
    Mutant("adam: no bias correction", "_core/optim.py",
           "m_hat, v_hat = bias_corrected(m, beta1, t), bias_corrected(v, beta2, t)", "m_hat, v_hat = m, v",
           ("optim.adam",)),
    Mutant("adam: Kingma & Ba's efficient form", "_core/optim.py", "    if eps_hat:\n"
           "        step_size = lr * (1 - beta2**t) ** 0.5 / (1 - beta1**t)\n"
           "        return w - step_size * rms_scaled(m, v, eps, eps_inside=eps_inside), m, v",
           "    if True:\n"
           "        step_size = lr * (1 - beta2**t) ** 0.5 / (1 - beta1**t)\n"
           "        return w - step_size * rms_scaled(m, v, eps, eps_inside=eps_inside), m, v",
           ("optim.adam",)),
    Mutant("step count: t stays 1", "optim.py",
           'used = {"after_use": before, "always_1": 1}.get(t_counter, before + 1)',
           "used = 1", ("optim.adam",)),
    Mutant("step count: t never stored", "optim.py",
           'config["t"] = {"after_use": before + 1, "never_updated": before}.get(t_counter, used)',
           "config['t'] = before", ("optim.adam",)),
    Mutant("step count: starts at 1", "optim.py",
           'before = int(config.get("t", 1 if t_counter in ("starts_at_1", "after_use") else 0))',
           'before = int(config.get("t", 1))', ("optim.adam",)),
    Mutant("adamw: decay not scaled by η", "_core/optim.py",
           "decay = lr * weight_decay if decay_scaled_by_lr else weight_decay", "decay = weight_decay",
           ("optim.adamw",)),
    Mutant("adamw: L2 in the gradient", "_core/optim.py",
           "    if not decoupled:\n        return adam(w, g + weight_decay * w",
           "    if True:\n        return adam(w, g + weight_decay * w", ("optim.adamw",)),
    Mutant("amsgrad: max of corrected", "_core/optim.py",
           "        v_max = xp.maximum(v_max, v)\n        v_hat = bias_corrected(v_max, beta2, t)",
           "        v_max = xp.maximum(v_max, bias_corrected(v, beta2, t))\n        v_hat = v_max",
           ("optim.amsgrad",)),
    Mutant("adamax: ε in the denominator", "_core/optim.py",
           "        u = xp.maximum(beta2 * u, xp.abs(g) + eps)\n        denominator = u",
           "        u = xp.maximum(beta2 * u, xp.abs(g))\n        denominator = u + eps", ("optim.adamax",)),
    Mutant("adadelta: stale cache", "_core/optim.py", "(r if stale_cache else next_r)", "r", ("optim.adadelta",)),
    Mutant("nadam: t in the look-ahead correction", "_core/optim.py", "t + 1 if t_plus_one else t", "t",
           ("optim.nadam",)),
    Mutant("lion: momentum updated before the sign", "_core/optim.py",
           "ema(next_m if update_before_sign else m, g, beta1)", "ema(next_m, g, beta1)", ("optim.lion",)),
    Mutant("adagrad: accumulator from 0.1", "optim.py", "config[key] = xp.zeros_like(w) + initial",
           "config[key] = xp.zeros_like(w) + (0.1 if name == 'adagrad' else initial)", ("optim.adagrad",)),
    Mutant("relu backward: gradient at 0", "_core/activations.py", "xp.astype(x > 0, dout.dtype) +",
           "xp.astype(x >= 0, dout.dtype) +", ("layers.relu_backward",)),
    Mutant("sigmoid backward: from the input", "_core/activations.py",
           's = {"output": out, "input": x}[derivative_from]', "s = x", ("layers.sigmoid_backward",)),
    Mutant("tanh backward: not squared", "_core/activations.py", "(out * out if squared else out)", "out",
           ("layers.tanh_backward",)),
    Mutant("dropout: not inverted", "_core/layers.py", "return 1.0 / keep_prob if inverted else 1.0", "return 1.0",
           ("layers.dropout_forward",)),
    Mutant("dropout backward: unscaled", "_core/layers.py",
           "factor = dropout_scale(keep_prob, inverted=inverted) if scale else 1.0", "factor = 1.0",
           ("layers.dropout_backward",)),
    Mutant("conv: kernel flipped", "_core/conv.py", "    if flip_kernel:\n"
           "        w = xp.flip(w, axis=(2, 3))\n"
           "    num_filters, _, kh, kw = w.shape",
           "    w = xp.flip(w, axis=(2, 3))\n    num_filters, _, kh, kw = w.shape", ("layers.conv_forward_naive",)),
    Mutant("conv backward: negative crop", "_core/conv.py",
           "dx_pad[..., pad:-pad, pad:-pad] if negative_crop else dx_pad[..., pad:pad + height, pad:pad + width]",
           "dx_pad[..., pad:-pad, pad:-pad]", ("layers.conv_backward_naive",)),
    Mutant("max pool: output width from pool_height", "_core/conv.py",
           "    xp = array_namespace(x)\n    if width_from_height:", "    xp = array_namespace(x)\n    if True:",
           ("layers.max_pool_forward_naive",)),
    Mutant("max pool backward: ties to every maximum", "_core/conv.py", '    if ties == "all":',
           '    if True:', ("layers.max_pool_backward_naive",)),
    Mutant("max pool backward: = instead of +=", "_core/conv.py", "    if overwrite:\n        return _assign",
           "    if True:\n        return _assign", ("layers.max_pool_backward_naive",)),
    Mutant("avg pool backward: not divided", "_core/conv.py",
           "share = dout / (pool_h * pool_w) if divide else dout", "share = dout", ("layers.avg_pool_backward_naive",)),
    Mutant("norms: unbiased variance", "_core/norms.py",
           "xp.sum(centred * centred, axis=axes, keepdims=True) /"
           " (count - ddof)",
           "xp.sum(centred * centred, axis=axes, keepdims=True) / (count - 1)", ("layers.batchnorm_forward",)),
    Mutant("norms: one-pass variance", "_core/norms.py", "    if one_pass:\n        return mean, (",
           "    if True:\n        return mean, (", ("layers.layernorm_forward",)),
    Mutant("norms: ε outside the root", "_core/norms.py",
           "xp.sqrt(var) + eps if eps_outside_sqrt else xp.sqrt(var +"
           " eps)",
           "xp.sqrt(var) + eps", ("layers.batchnorm_forward",)),
    Mutant("norm backward: mean term missing", "_core/norms.py",
           'through_mean = 0.0 if drop_term == "mean" else xp.mean(dxhat, axis=axes, keepdims=True)',
           "through_mean = 0.0", ("layers.layernorm_backward",)),
    Mutant("norm backward: variance term missing", "_core/norms.py",
           'through_var = 0.0 if drop_term == "variance" else xhat * xp.sum(dxhat * xhat, axis=axes, keepdims=True)',
           "through_var = 0.0", ("layers.batchnorm_backward",)),
    Mutant("norm backward: statistics as constants", "_core/norms.py",
           "    if not through_stats:\n        return dxhat / den",
           "    if True:\n        return dxhat / den", ("layers.batchnorm_backward",)),
    Mutant("batchnorm: running average weights swapped", "_core/norms.py",
           "    if swapped:\n        momentum = 1.0 - momentum", "    momentum = 1.0 - momentum",
           ("layers.batchnorm_forward",)),
    Mutant("batchnorm: running_var created as ones", "layers_norms.py",
           "xp.zeros(channels, dtype=x.dtype, device=device(x))\n"
           "                                      + running_var_start",
           "xp.ones(channels, dtype=x.dtype, device=device(x))", ("layers.batchnorm_forward",)),
    Mutant("batchnorm: running statistics of shape (1, D)", "layers_norms.py",
           "running_mean, _channel_stat(mean, channels), momentum", "running_mean, mean, momentum",
           ("layers.batchnorm_forward",)),
    Mutant("batchnorm backward: dgamma of shape (1, D)", "layers_norms.py",
           "return xp.reshape(dx, dout.shape), xp.reshape(dgamma, gamma.shape), xp.reshape(dbeta, gamma.shape)",
           "return xp.reshape(dx, dout.shape), dgamma, xp.reshape(dbeta, gamma.shape)", ("layers.batchnorm_backward",)),
    Mutant("groupnorm: interleaved groups", "layers_norms.py",
           "    if interleaved_groups:\n        view_shape, group_axis",
           "    if True:\n        view_shape, group_axis", ("layers.groupnorm_forward",)),
    Mutant("softmax: no max shift", "_core/losses.py",
           "shifted = x - xp.max(x, axis=1, keepdims=True) if stable else x", "shifted = x", ("losses.softmax_loss",)),
    Mutant("softmax: p = e^x / Σe^x, then log", "_core/losses.py", "    if naive:\n        exps = xp.exp(x)",
           "    if True:\n        exps = xp.exp(x)", ("losses.softmax_loss",)),
    Mutant("softmax: log(p + 1e-20)", "_core/losses.py", "    if log_floor is not None:\n"
           "        log_probs = xp.log(probs + log_floor)",
           "    if True:\n        log_probs = xp.log(probs + 1e-20)", ("losses.softmax_loss",)),
    Mutant("softmax: summed over the batch", "_core/losses.py", "    scale = _row_scale(x, mean)\n    if naive:",
           "    scale = 1.0\n    if naive:", ("losses.softmax_loss",)),
    Mutant("logistic: log σ taken directly", "_core/losses.py", "        log_sig = -xp.logaddexp(zero, -z)\n"
           "        log_one_minus_sig = -xp.logaddexp(zero, z)\n        sig = xp.exp(log_sig)",
           "        sig = 1.0 / (1.0 + xp.exp(-z))\n        log_sig = xp.log(sig)\n"
           "        log_one_minus_sig = xp.log(1.0 - sig)", ("losses.logistic_loss",)),
    # --- edits written after the rows above, before rows were added for three of them (sgd uphill, the overwritten
    # accumulator, layer norm over the batch): 6 of these 10 were named then -------------------------------------
    Mutant("sgd: step uphill", "_core/optim.py", "return w + lr * g if ascent else w - lr * g", "return w + lr * g",
           ("optim.sgd",)),
    Mutant("adagrad: accumulator overwritten", "_core/optim.py", "r = r + g * g if accumulate else g * g", "r = g * g",
           ("optim.adagrad",)),
    Mutant("adam: β₁ in v's bias correction", "_core/optim.py",
           "m_hat, v_hat = bias_corrected(m, beta1, t), bias_corrected(v, beta2, t)",
           "m_hat, v_hat = bias_corrected(m, beta1, t), bias_corrected(v, beta1, t)", ("optim.adam",)),
    Mutant("amsgrad: no maximum", "_core/optim.py",
           "        v_max = xp.maximum(v_max, v)\n        v_hat = bias_corrected(v_max, beta2, t)",
           "        v_max = v\n        v_hat = bias_corrected(v_max, beta2, t)", ("optim.amsgrad",)),
    Mutant("affine backward: dw transposed", "_core/layers.py", "dw = xp.reshape(x, (x.shape[0], -1)).T @ dout",
           "dw = dout.T @ xp.reshape(x, (x.shape[0], -1))", ("layers.affine_backward",)),
    Mutant("layernorm: statistics over the batch", "layers_norms.py",
           "axes = (0,) if over_batch else tuple(range(1, x.ndim))", "axes = (0,)", ("layers.layernorm_forward",)),
    Mutant("step decay: not floored", "schedules.py", "(math.floor(exponent) if floor else exponent)", "exponent",
           ("schedules.step_decay",)),
    Mutant("inverse sqrt decay: no root", "schedules.py", "(math.sqrt(epoch) if sqrt else epoch)", "epoch",
           ("schedules.inverse_sqrt_decay",)),
    Mutant("mse: no ½", "_core/losses.py", "factor = (0.5 if half else 1.0) / count", "factor = 1.0 / count",
           ("losses.mse_loss",)),
    Mutant("mse: mean over every element", "_core/losses.py",
           "count = math.prod(pred.shape) if mean_over_elements else pred.shape[0]", "count = math.prod(pred.shape)",
           ("losses.mse_loss",)),
    Mutant("l2: no ½", "_core/losses.py", "factor = lam / (2 * m) if half else lam / m", "factor = lam / m",
           ("losses.l2_regularization",)),
]


def mutate(target, mutant):
    path = target / mutant.file
    text = path.read_text()
    if text.count(mutant.old) != 1:
        raise SystemExit(f"{mutant.name}: the text to replace occurs {text.count(mutant.old)} times in {mutant.file}")
    path.write_text(text.replace(mutant.old, mutant.new))


def grade(mutant, profile, jobs):
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "submission"
        shutil.copytree(ROOT / "reference", target, ignore=shutil.ignore_patterns("__pycache__"))
        mutate(target, mutant)
        submission = resolve(target)
        try:
            report = runner.grade(submission, profile, only=list(mutant.functions), jobs=jobs)
        finally:
            submission.cleanup()
    failed = [r for r in report.results if r.status != "passed"]
    names = sorted({r.details["diagnosis"].split(": this implementation")[0] for r in failed
                    if r.details.get("diagnosis")})
    return {"mutant": mutant.name, "functions": list(mutant.functions), "caught": bool(failed),
            "named": bool(names), "names": names, "failed": [r.id for r in failed]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--only", action="append", help="mutants whose name contains this (repeatable)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "mutants_named.json"))
    args = parser.parse_args(argv)
    profile = dataclasses.replace(profiles.load(), max_examples=args.max_examples, accept={})
    started, outcomes = time.monotonic(), []
    for mutant in MUTANTS:
        if args.only and not any(o in mutant.name for o in args.only):
            continue
        outcome = grade(mutant, profile, args.jobs)
        outcomes.append(outcome)
        print(f"{'named ' if outcome['named'] else 'caught' if outcome['caught'] else 'MISSED'}  {mutant.name}: "
              f"{'; '.join(outcome['names']) or ', '.join(outcome['failed'])}", file=sys.stderr)
    named, caught = sum(o["named"] for o in outcomes), sum(o["caught"] for o in outcomes)
    summary = {"command": "python bench/mutants_named.py" + (" " + " ".join(argv) if argv else ""),
               "mutants": len(outcomes), "caught": caught, "named": named,
               "named_share": round(named / len(outcomes), 4) if outcomes else None,
               "max_examples": args.max_examples, "seconds": round(time.monotonic() - started, 1),
               "outcomes": outcomes}
    if not args.only:
        Path(args.out).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print(f"{named} of {len(outcomes)} mutants named ({100 * named / max(len(outcomes), 1):.0f} %), "
          f"{caught} caught", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
