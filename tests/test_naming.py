"""A mistake is named only when its form reproduces the submission on a second input (issue 19): forms that
coincide on the minimal input are not named alone; right values in the wrong shape are named with the axes.
Unit tests of the naming (no grading), then a few known-wrong submissions graded on one check each, beside a
correct but different one that no row names."""
import numpy as np
import pytest

import dlgrade.checks  # noqa: F401  (fills the registry)
from dlgrade.checks.engine import mistakes
from dlgrade.checks.engine.context import MemoisedOracle, Mismatch
from dlgrade.checks.policy.tolerances import tolerance
from tests.grading import grade, reference_with
from tests.known_wrong.optim import large_epsilon

TOL = tolerance("float64")


def mismatch(got, forms, function="optim.adam"):
    """A Mismatch on `function` whose oracle gives forms[name of the keyword set] (else 0.0)."""
    def oracle(**kwargs):
        return forms.get(tuple(sorted(kwargs)), 0.0)
    return Mismatch("", inputs={}, got=got, expected=0.0, oracle=MemoisedOracle(oracle), function=function, tol=TOL,
                    label="next_w")


def test_a_form_refuted_by_the_witness_is_not_named():
    minimal = mismatch(1.0, {("eps_inside",): 1.0, ("eps_hat",): 1.0})
    minimal.witnesses = [mismatch(2.0, {("eps_inside",): 3.0, ("eps_hat",): 2.0})]
    assert minimal.name_mistake().name == "eps_hat"


def test_forms_that_coincide_on_every_input_are_named_together():
    minimal = mismatch(1.0, {("eps_inside",): 1.0, ("eps_hat",): 1.0})
    minimal.witnesses = [mismatch(2.0, {("eps_inside",): 2.0, ("eps_hat",): 2.0})]
    named = minimal.name_mistake()
    assert (named.name, named.kind) == ("eps_inside' or 'eps_hat", "one of the mistakes")


def test_a_passed_comparison_refutes_a_form_too():
    """A fresh input where the submission was right: a form that differs from the oracle there is not named."""
    minimal = mismatch(1.0, {("eps_inside",): 1.0})
    minimal.witnesses = [mismatch(0.0, {("eps_inside",): 5.0})]  # got the oracle's 0.0; eps_inside would give 5
    assert minimal.name_mistake() is None


@pytest.mark.parametrize("got, expected, says", [
    ({"running_mean": np.ones((1, 3))}, {"running_mean": np.ones(3)},
     "running_mean has shape (1, 3) where the spec's is (3,) (1 extra axis of length 1 in front"),
    (np.arange(24.0).reshape(1, 1, 1, 2, 3, 2, 2), np.arange(24.0).reshape(2, 3, 2, 2),
     "out has shape (1, 1, 1, 2, 3, 2, 2) where the spec's is (2, 3, 2, 2) (3 extra axes of length 1 in front"),
    (np.arange(3.0).reshape(3, 1), np.arange(3.0), "out has shape (3, 1) where the spec's is (3,) (1 extra axis "
                                                       "of length 1 at the end"),
    (np.arange(6.0).reshape(2, 3).T, np.arange(6.0).reshape(2, 3), "(transposed"),
])
def test_right_values_in_the_wrong_shape_are_named_with_the_axes(got, expected, says):
    named = mistakes.shape_only("layers.batchnorm_forward", got, expected, TOL, "out")
    assert named.name == mistakes.SHAPE and says in named.says


@pytest.mark.parametrize("got, expected", [
    (np.ones((1, 3)) * 2, np.ones(3)),                  # the values differ too
    (np.ones(4), np.ones(3)),                           # another size
    (np.ones(3), np.ones(3) * 2),                       # the shape is right
])
def test_a_shape_is_not_named_unless_only_the_shape_is_wrong(got, expected):
    assert mistakes.shape_only("layers.batchnorm_forward", got, expected, TOL, "out") is None


@pytest.mark.parametrize("name", ["adagrad", "adam"])
def test_tiny_gradient_known_wrongs_are_not_misnamed(name, tmp_path):
    """ε one hundred times too large, seen only on tiny gradients: its minimal input makes the ε-inside and the
    ε-hat forms agree with it (and 100ε = √ε at ε = 1e-4), so it was named after one of them."""
    submission = reference_with(tmp_path, f"optim.{name}", large_epsilon(name))
    [result] = grade(submission, only=[f"optim.{name}/tiny_gradients"], accept={}).results
    assert result.status == "failed"
    assert "eps_inside" not in result.details.get("diagnosis", "") and "eps_hat" not in result.details.get(
        "diagnosis", "")


KEEPDIMS_RUNNING = """
import numpy as _np
def batchnorm_forward(x, gamma, beta, bn_param):
    mode, eps, momentum = bn_param.get("mode", "train"), bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    d = x.shape[1]
    running_mean = bn_param.get("running_mean", _np.zeros((1, d)))
    running_var = bn_param.get("running_var", _np.zeros((1, d)))
    if mode == "train":
        mean, var = x.mean(axis=0, keepdims=True), x.var(axis=0, keepdims=True)
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mean
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    else:
        mean, var = running_mean, running_var
    return gamma * (x - mean) / _np.sqrt(var + eps) + beta, None
"""
# correct and different: the same keepdims statistics, the running ones kept as (D,)
SQUEEZED_RUNNING = KEEPDIMS_RUNNING.replace(
    "bn_param[\"running_mean\"] = momentum * running_mean + (1 - momentum) * mean",
    "bn_param[\"running_mean\"] = (momentum * running_mean + (1 - momentum) * mean).reshape(d)").replace(
    "bn_param[\"running_var\"] = momentum * running_var + (1 - momentum) * var",
    "bn_param[\"running_var\"] = (momentum * running_var + (1 - momentum) * var).reshape(d)").replace(
    "mean, var = running_mean, running_var", "mean, var = running_mean.reshape(1, d), running_var.reshape(1, d)")

GROUPNORM_INDEXED_GAMMA = """
import numpy as _np
def groupnorm_forward(x, gamma, beta, G, gn_param):
    n, c, h, w = x.shape
    groups = x.reshape(n, G, -1)
    xhat = ((groups - groups.mean(axis=2, keepdims=True))
            / _np.sqrt(groups.var(axis=2, keepdims=True) + gn_param.get("eps", 1e-5))).reshape(x.shape)
    return gamma[None, :, None, None] * xhat + beta[None, :, None, None], None
"""
GROUPNORM_RESHAPED_GAMMA = GROUPNORM_INDEXED_GAMMA.replace("gamma[None, :, None, None]", "gamma.reshape(1, c, 1, 1)") \
    .replace("beta[None, :, None, None]", "beta.reshape(1, c, 1, 1)")

ADAM_T_STAYS_1 = """
import numpy as _np
def adam(w, dw, config=None):
    config = {} if config is None else config
    for key, value in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)):
        config.setdefault(key, value)
    m = config.get("m", _np.zeros_like(w)) * config["beta1"] + (1 - config["beta1"]) * dw
    v = config.get("v", _np.zeros_like(w)) * config["beta2"] + (1 - config["beta2"]) * dw**2
    t = 1
    m_hat, v_hat = m / (1 - config["beta1"]**t), v / (1 - config["beta2"]**t)
    config.update(m=m, v=v, t=t)
    return w - config["learning_rate"] * m_hat / (_np.sqrt(v_hat) + config["epsilon"]), config
"""
ADAM_T_COUNTS = ADAM_T_STAYS_1.replace("    t = 1\n", "    t = config.get('t', 0) + 1\n")


@pytest.mark.parametrize("check, function, source, named", [
    ("layers.batchnorm_forward/running_zeros", "layers.batchnorm_forward", KEEPDIMS_RUNNING, "'shape'"),
    ("layers.batchnorm_forward/running_zeros", "layers.batchnorm_forward", SQUEEZED_RUNNING, None),
    ("layers.groupnorm_forward/gamma_4d", "layers.groupnorm_forward", GROUPNORM_INDEXED_GAMMA,
     "(1, 1, 1, 2, 4, 2, 2)"),
    ("layers.groupnorm_forward/gamma_4d", "layers.groupnorm_forward", GROUPNORM_RESHAPED_GAMMA, None),
    ("optim.adam/trajectory", "optim.adam", ADAM_T_STAYS_1, "'t_always_1'"),
    ("optim.adam/trajectory", "optim.adam", ADAM_T_COUNTS, None),
], ids=["running_stats_1xD", "running_stats_D", "groupnorm_7d", "groupnorm_4d", "adam_t_stays_1", "adam_t_counts"])
def test_new_kinds_are_named_and_correct_code_passes(check, function, source, named, tmp_path):
    [result] = grade(reference_with(tmp_path, function, source), only=[check], accept={}).results
    if named is None:
        assert result.status == "passed", result.summary
    else:
        assert result.status == "failed" and named in result.details.get("diagnosis", ""), result.details
