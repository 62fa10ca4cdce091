"""Checks of optim.py: update rules f(w, dw, config) -> (next_w, config).

Every optimizer gets: the first step from a fresh config (defaults, state created, t = 1),
a teacher-forced trajectory (each step from the oracle's state, so an error is reported at
the step where it happens), tiny gradients where ε dominates, and lr = 0 leaving w alone.
Relations between optimizers (momentum 0 ≡ SGD, …) relate the submission's rule to the oracle's
partner, evaluated here, so a missing or wrong partner never costs the rule under test its points;
the partner's forms of the variants accepted for the rule under test hold as well.
Every rule of the oracle's table `reference.optim.RULES` (defaults, state keys, hyperparameter
ranges) gets these checks; adding a rule to the table adds its checks.
"""
import copy
import functools

import numpy as np
from hypothesis import strategies as st

from dlgrade.reference import optim as oracle

from ..engine.mistakes import rows
from ..engine.registry import check
from ..engine.strategies import arrays, floats, magnitudes, shapes

# --- named mistakes and documented variants: oracle keywords that reproduce a form ------------

MISTAKES = [
    *rows("optim.sgd",
          ("ascent", "adds the gradient (w ← w + ηg): the step goes uphill; SGD subtracts it, w ← w − ηg",
           {"ascent": True})),
    *rows("optim.sgd_momentum",
          ("ema", "uses the moving-average form v ← μv + (1−μ)g, w ← w − ηv (the Deep Learning Specialization's "
                  "form; torch's SGD with dampening = momentum), a documented variant; the spec's velocity is "
                  "v ← μv − ηg, w ← w + v", {"form": "ema"}, True),
          ("torch_buffer", "stores torch's buffer b ← μb + g (w ← w − ηb) as the velocity (d2l's sgd_momentum), a "
                           "documented variant; the spec's velocity is v = −η·b", {"form": "torch_buffer"}, True),
          ("positive_velocity", "keeps the velocity with the opposite sign (v ← μv + ηg, w ← w − v: the same w, "
                                "the lecture notes' form), a documented variant; the spec's velocity is "
                                "v ← μv − ηg, w ← w + v", {"form": "positive_velocity"}, True),
          ("ascent", "subtracts the velocity (w ← w − v with v ← μv − ηg): the step goes uphill",
           {"form": "ascent"}),
          ("sign_flipped", "flips the velocity's sign and still adds it (v ← μv + ηg, w ← w + v): the step goes "
                           "uphill; the spec's velocity is v ← μv − ηg, w ← w + v", {"form": "sign_flipped"})),
    *rows("optim.sgd_nesterov",
          ("no_lookahead", "applies plain momentum (w ← w + v'); Nesterov in look-ahead form is "
                           "w ← w − μv + (1+μ)v'", {"lookahead": False})),
    *rows("optim.adagrad",
          ("eps_inside", "adds ε inside the square root, √(r + ε) (the lecture notes' form), a documented "
                         "variant; the spec divides by √r + ε", {"eps_inside": True}, True),
          ("no_accumulation", "overwrites the accumulator with this step's g² (r ← g²); AdaGrad sums every "
                              "step's: r ← r + g²", {"accumulate": False}),
          ("accumulator_starts_at_0.1", "starts the accumulator r at 0.1 (Optax's and Keras' initial_accumulator_"
                                        "value); the spec's r starts at 0", {"initial": 0.1}),
          ("d2l", "divides by √(r + 1e-6) whatever epsilon says (d2l's from-scratch adagrad), a documented variant",
           {"eps_inside": True, "pinned": {"epsilon": 1e-6}}, True)),
    *rows("optim.rmsprop",
          ("eps_inside", "divides by √(r + ε) (ε inside the root), a documented variant",
           {"eps_inside": True}, True),
          ("swapped_decay", "swaps the decay weights: r ← (1−ρ)r + ρg² instead of ρr + (1−ρ)g²",
           {"swapped_decay": True}),
          ("no_sqrt", "divides by r + ε, without the square root; RMSProp divides by √r + ε", {"root": False}),
          ("cache_starts_at_1", "starts the running average r at 1 (timm's RMSpropTF, after TensorFlow); the spec's "
                                "r starts at 0", {"initial": 1.0}),
          ("d2l", "divides by √(r + 1e-6) whatever epsilon says (d2l's from-scratch rmsprop), a documented variant",
           {"eps_inside": True, "pinned": {"epsilon": 1e-6}}, True)),
    *rows("optim.rmsprop_nesterov",
          ("no_lookahead", "applies w ← w + v' (plain momentum) instead of the look-ahead form "
                           "w ← w − μv + (1+μ)v'", {"lookahead": False}),
          ("eps_inside", "divides by √(r + ε) instead of √r + ε", {"eps_inside": True})),
    *rows("optim.adam",
          ("no_bias_correction", "leaves out the bias correction m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)",
           {"bias_correction": False}),
          ("eps_inside", "divides by √(v̂ + ε) (ε inside the root), a documented variant",
           {"eps_inside": True}, True),
          ("eps_hat", "uses Kingma & Ba's 'efficient' form η·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v + ε), which moves ε",
           {"eps_hat": True}),
          ("t_starts_at_1", "starts the step count at 1, so step 1 uses t = 2; t starts at 0 and is incremented "
                            "before use (t = 1 at step 1)", {"t_counter": "starts_at_1"}),
          ("t_after_use", "increments t after using it (from 1): the stored count runs one ahead, so a step "
                          "given t uses t instead of t + 1", {"t_counter": "after_use"}),
          ("t_never_updated", "never stores the incremented t back into config; each step must count: "
                              "config['t'] ← t + 1", {"t_counter": "never_updated"}),
          ("t_always_1", "uses and stores t = 1 at every step, so the bias correction never moves on; t counts "
                         "the steps: t ← t + 1 from the stored t", {"t_counter": "always_1"}),
          ("d2l", "uses β₁ = 0.9, β₂ = 0.999 and ε = 1e-6 whatever config says (d2l's from-scratch adam), a "
                  "documented variant", {"pinned": {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-6}}, True)),
    *rows("optim.adamw",
          ("coupled_decay", "adds λw to the gradient (Adam with L2); AdamW decays w directly: "
                            "w ← w − ηλw, then the Adam step", {"decoupled": False}),
          ("decay_without_lr", "decays with w ← w − λw; the spec scales the decay by η: w ← w − ηλw",
           {"decay_scaled_by_lr": False}),
          ("eps_hat", "takes the Adam step in Kingma & Ba's 'efficient' form η·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v + ε), "
                      "which moves ε", {"eps_hat": True})),
    *rows("optim.amsgrad",
          ("max_of_corrected", "takes the maximum of the bias-corrected v̂; the spec keeps "
                               "v_max = max(v_max, v) and corrects it: v_max/(1−β₂ᵗ)", {"max_of_corrected": True}),
          ("eps_hat", "uses Kingma & Ba's 'efficient' form η·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v_max + ε), which moves ε",
           {"eps_hat": True})),
    *rows("optim.adamax",
          ("eps_in_denominator", "adds ε to the denominator (m/(u + ε)); the spec adds it inside the "
                                 "max: u ← max(β₂u, |g| + ε)", {"eps_in_denominator": True}),
          ("no_bias_correction", "leaves out the bias correction η/(1−β₁ᵗ)", {"bias_correction": False}),
          ("t_never_updated", "never stores the incremented t back into config; each step must count: "
                              "config['t'] ← t + 1", {"t_counter": "never_updated"})),
    *rows("optim.adadelta",
          ("stale_cache", "computes Δ with the running g² of the previous step; update r first",
           {"stale_cache": True})),
    *rows("optim.nadam",
          ("plain_adam", "takes a plain Adam step; Nadam uses m̄ = β₁m/(1−β₁ᵗ⁺¹) + (1−β₁)g/(1−β₁ᵗ)",
           {"nesterov": False}),
          ("correction_t", "corrects β₁m with 1−β₁ᵗ; the look-ahead term uses 1−β₁ᵗ⁺¹",
           {"t_plus_one": False}),
          ("momentum_schedule", "uses Dozat's momentum schedule μₜ = β₁(1 − ½·0.96ᵗ) with m̄ = μₜ₊₁m/(1 − μ₁⋯μₜ₊₁) "
                                "+ (1 − μₜ)g/(1 − μ₁⋯μₜ) (Keras' Nadam): a different rule from the spec's "
                                "constant-μ Nadam", {"momentum_schedule": True})),
    *rows("optim.lion",
          ("update_before_sign", "updates the momentum m ← β₂m + (1−β₂)g before taking the sign; the step uses "
                                 "c = β₁m + (1−β₁)g with the old m", {"update_before_sign": True}),
          ("decay_without_lr", "decays with w ← w − λw; the spec scales the decay by η: w ← w − η(sign(c) + λw)",
           {"decay_scaled_by_lr": False})),
]

STEPS = 6

RULES = oracle.RULES
TEXTBOOK = {"w": np.array([1.0, -2.0, 0.5]), "grads": [np.array([0.1, -0.3, 0.0])] * STEPS, "config": {}}


# A hyperparameter in (0, 1e-6) is not one a course sets, and one like β₁ = 1e-150 makes β₁m vanish beside m
# in one correct evaluation order and not in another (Lion's sign(β₁m + (1−β₁)g) at g = 0).
SMALLEST_HYPERPARAMETER = 1e-6


@functools.lru_cache(maxsize=None)
def hyperparameters(name):
    """A strategy per hyperparameter of the rule: None (its default) or a value of the table's range (an interval,
    0 or at least SMALLEST_HYPERPARAMETER, or a list of values). Built once per rule (a strategy made anew for every
    draw is validated anew)."""
    return {key: st.none() | (st.sampled_from(span) if isinstance(span, list) else floats(*span).filter(_resolvable))
            for key, span in RULES[name].ranges.items()}


def _resolvable(value):
    return value == 0.0 or abs(value) >= SMALLEST_HYPERPARAMETER


@st.composite
def trajectories(draw, name, scale=None):
    """w, STEPS gradients of one shape, and hyperparameters (some left to their defaults)."""
    shape = draw(shapes(1, 2, 1, 5))
    magnitude = draw(scale if scale is not None else magnitudes())
    block = draw(arrays((STEPS + 1, *shape), -1.0, 1.0))  # one draw: w and every gradient
    config = {}
    for key, values in hyperparameters(name).items():
        value = draw(values)
        if value is not None:
            config[key] = value
    return {"w": 5.0 * block[0], "grads": list(block[1:] * magnitude), "config": config}


def step_oracle(name, w, dw, config, **mistake):
    """The oracle's (next_w, state) for one step; the state holds the spec's state keys only."""
    next_w, next_config = getattr(oracle, name)(w.copy(), dw.copy(), copy.deepcopy(config), **mistake)
    return {"next_w": next_w, "config": {k: next_config[k] for k in RULES[name].state}}


def step_student(ctx, name, w, dw, config):
    return as_step(name, ctx.call(f"optim.{name}", w, dw, config, returns=2), ctx, {"w": w, "dw": dw, "config": config})


def as_step(name, returned, ctx, inputs):
    next_w, next_config = returned
    if not isinstance(next_config, dict):
        ctx.fail(f"optim.{name} should return (next_w, config) with config a dict; the second value "
                 f"is a {type(next_config).__name__}", inputs=inputs)
    return {"next_w": next_w, "config": next_config}


def teacher_forced(ctx, name, case):
    """Step through the case; each step starts from the oracle's w and state, so your steps wait on none of
    your answers and go to your code in one round trip."""
    steps, w, config = [], case["w"], dict(case["config"])
    for dw in case["grads"]:
        steps.append((w, dw, config))
        w, config = getattr(oracle, name)(w.copy(), dw.copy(), copy.deepcopy(config))
    answers = ctx.call_many(f"optim.{name}", [(w, dw, copy.deepcopy(config)) for w, dw, config in steps], returns=2)
    for k, ((w, dw, config), returned) in enumerate(zip(steps, answers)):
        inputs = {"step": k + 1, "w": w, "dw": dw, "config": config}
        got = as_step(name, returned, ctx, {"w": w, "dw": dw, "config": config})
        ctx.expect(got, lambda w=w, dw=dw, config=config, **m: step_oracle(name, w, dw, config, **m),
                   inputs=inputs, label="")


def _register(rule):
    name = rule.name
    tol = "adaptive" if rule.adaptive else "float64"
    state = f"the state ({', '.join(rule.state)}) is created and returned" if rule.state else "no state"
    counter = ", t = 1" if rule.counts_steps else ""

    @check(f"optim.{name}", "first_step", title="first step from an empty config", points=1, tol=tol, examples=0.5,
           doc=f"config=None: the defaults apply, {state}{counter}")
    def first_step(ctx):
        def body(case):
            w, dw = case["w"], case["grads"][0]
            got = step_student(ctx, name, w, dw, None)
            ctx.expect(got, lambda **m: step_oracle(name, w, dw, {}, **m), inputs={"w": w, "dw": dw, "config": None},
                       label="")
        ctx.falsify(trajectories(name), body, examples=[TEXTBOOK])

    @check(f"optim.{name}", "trajectory", title="teacher-forced trajectory", points=2, tol=tol,
           doc=f"{STEPS} steps, each from the oracle's w and state: next_w and the state agree at every step")
    def trajectory(ctx):
        ctx.falsify(trajectories(name), lambda case: teacher_forced(ctx, name, case), examples=[TEXTBOOK])

    @check(f"optim.{name}", "zero_learning_rate", title="learning rate 0 leaves w unchanged", points=0.5, tol="float64",
           kind="metamorphic", examples=0.5, doc="with learning_rate = 0 every step returns w itself")
    def zero_learning_rate(ctx):
        def body(case):
            w, config = case["w"], dict(case["config"], learning_rate=0.0)
            for dw in case["grads"][:3]:
                got = step_student(ctx, name, w, dw, config)
                ctx.expect(got["next_w"], w, inputs={"w": w, "dw": dw, "config": config}, label="next_w")
                config = got["config"]
        ctx.falsify(trajectories(name), body)

    if rule.adaptive:
        @check(f"optim.{name}", "tiny_gradients", title="tiny gradients, where ε dominates", points=1, tol="adaptive",
               kind="edge", doc="gradients of 1e-9 to 1e-6: where ε sits in the denominator decides the step")
        def tiny_gradients(ctx):
            ctx.falsify(trajectories(name, st.sampled_from([1e-9, 1e-7, 1e-6])),
                        lambda case: teacher_forced(ctx, name, case))


for _rule in RULES.values():
    _register(_rule)


def _same_steps(ctx, case, first, second, second_config=dict, second_grad=lambda g: g):
    """Your `first` and your `second` (on its config and gradients) take the same steps, free-running."""
    w_a = w_b = case["w"]
    config_a = dict(case["config"])
    config_b = second_config(config_a)
    for k, dw in enumerate(case["grads"][:3]):
        inputs = {"step": k + 1, "w": w_a, "dw": dw, f"{first} config": config_a, f"{second} config": config_b}
        a = step_student(ctx, first, w_a, dw, config_a)
        b = step_student(ctx, second, w_b, second_grad(dw), config_b)
        ctx.expect(a["next_w"], b["next_w"], inputs=inputs, label="next_w")
        w_a, w_b, config_a, config_b = a["next_w"], b["next_w"], a["config"], b["config"]


def _steps_like_the_oracles(ctx, case, name, partner, partner_config):
    """Your `name` free-running against the oracle's `partner` taken from your w at every step.

    partner_config(step, config of this step, **variant) -> the partner's config for the step; its state
    comes from the oracle's own previous step (it depends on the gradients alone, never on w).
    """
    w, config, state = case["w"], dict(case["config"]), {}
    for t, dw in enumerate(case["grads"][:3], start=1):
        inputs = {"step": t, "w": w, "dw": dw, "config": config}
        got = step_student(ctx, name, w, dw, config)

        def partner_step(w=w, dw=dw, t=t, state=state, **variant):
            given = dict(partner_config(t, case["config"], **variant), **state)
            return getattr(oracle, partner)(w.copy(), dw.copy(), given, **variant)
        ctx.expect(got["next_w"], lambda **variant: partner_step(**variant)[0], inputs=inputs,
                   label=f"next_w (expected: the oracle's {partner})", of=f"optim.{partner}")
        state = {k: v for k, v in partner_step()[1].items() if k in RULES[partner].state}
        w, config = got["next_w"], got["config"]


def _away_from_zero(cases):
    """Every gradient entry moved 0.1 away from 0 (its sign kept)."""
    return cases.map(lambda case: dict(case, grads=[g + np.where(g >= 0, 0.1, -0.1) for g in case["grads"]]))


def _with(name, **values):
    return trajectories(name).map(lambda case: dict(case, config=dict(case["config"], **values)))


def _only(*keys):
    """partner_config: the step's config cut to `keys` (the partner's hyperparameters)."""
    return lambda t, config, **variant: {k: v for k, v in config.items() if k in keys}


@check("optim.sgd_momentum", "momentum_zero_is_sgd", title="momentum 0 is SGD", points=0.5, kind="metamorphic",
       examples=0.5,
       doc="with momentum = 0, sgd_momentum takes the oracle's sgd steps (the oracle's: your own sgd never costs "
           "sgd_momentum points)")
def momentum_zero_is_sgd(ctx):
    ctx.falsify(_with("sgd_momentum", momentum=0.0), lambda case: _steps_like_the_oracles(
        ctx, case, "sgd_momentum", "sgd", _only(*RULES["sgd"].defaults)))


@check("optim.sgd_nesterov", "momentum_zero_is_sgd", title="momentum 0 is SGD", points=0.5, kind="metamorphic",
       examples=0.5,
       doc="with momentum = 0, sgd_nesterov takes the oracle's sgd steps (the oracle's: your own sgd never costs "
           "sgd_nesterov points)")
def nesterov_zero_is_sgd(ctx):
    ctx.falsify(_with("sgd_nesterov", momentum=0.0), lambda case: _steps_like_the_oracles(
        ctx, case, "sgd_nesterov", "sgd", _only(*RULES["sgd"].defaults)))


@check("optim.adamw", "zero_decay_is_adam", title="weight decay 0 is Adam", points=0.5, kind="metamorphic",
       tol="adaptive", examples=0.5,
       doc="with weight_decay = 0, adamw takes the oracle's adam steps (the oracle's: your own adam never costs "
           "adamw points)")
def adamw_zero_decay_is_adam(ctx):
    ctx.falsify(_with("adamw", weight_decay=0.0), lambda case: _steps_like_the_oracles(
        ctx, case, "adamw", "adam", _only(*RULES["adam"].defaults)))


def _rmsprop_like_adam(t, config, *, eps_inside=False, **_):
    """RMSProp's config on which it steps as Adam with β₁ = 0 does at step t.

    η·g/(√(r/c²) + ε) = (ηc)·g/(√r + εc) with c² = 1 − β₂ᵗ, and with ε inside the root
    η·g/√(r/c² + ε) = (ηc)·g/√(r + εc²): bias-corrected RMSProp is plain RMSProp with η and ε rescaled.
    """
    config = dict(RULES["adam"].defaults, **config)
    c = np.sqrt(1 - config["beta2"]**t)
    return {"decay_rate": config["beta2"], "learning_rate": config["learning_rate"] * c,
            "epsilon": config["epsilon"] * (c * c if eps_inside else c)}


@check("optim.adam", "beta1_zero_is_rmsprop", title="β₁ = 0 is RMSProp with bias correction", points=0.5,
       kind="metamorphic", tol="adaptive", examples=0.5,
       doc="Adam without momentum steps like the oracle's rmsprop (decay β₂) with η and ε rescaled by "
           "√(1−β₂ᵗ) (the oracle's: your own rmsprop never costs adam points; an accepted ε-inside adam is "
           "related to the ε-inside rmsprop)")
def adam_beta1_zero_is_rmsprop(ctx):
    ctx.falsify(_with("adam", beta1=0.0), lambda case: _steps_like_the_oracles(
        ctx, case, "adam", "rmsprop", _rmsprop_like_adam))


def _scale_invariance(name):
    @check(f"optim.{name}", "scale_invariance", title="scaling the gradients leaves the steps unchanged (ε = 0)",
           points=0.5, kind="metamorphic", tol="adaptive", examples=0.5,
           doc="with epsilon = 0 the step divides g by its own running magnitude, so g and 10·g step alike")
    def scale_invariance(ctx):
        cases = _away_from_zero(trajectories(name, st.just(1.0))).map(
            lambda case: dict(case, config=dict(case["config"], epsilon=0.0)))

        ctx.falsify(cases, lambda case: _same_steps(ctx, case, name, name, second_grad=lambda g: 10.0 * g))


for _name in ("adagrad", "rmsprop", "adam"):
    _scale_invariance(_name)
