"""Named mistakes and documented variants: wrong (or other) textbook forms of the formulas.

Each row is the oracle function called with keyword arguments that reproduce the form
(one source of truth: the formula lives in reference/, the row only names it). When a
submission disagrees with the oracle, the checks evaluate the rows of that function on
the same input; a row that agrees with the submission names the mistake in plain words.
Rows marked `documented` are variants the spec lists; a grading profile may accept them.
Tests build a known-wrong submission from every row (functools.partial of the oracle).
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mistake:
    function: str
    name: str
    says: str
    kwargs: dict = field(default_factory=dict)
    documented: bool = False

    @property
    def id(self):
        return f"{self.function}:{self.name}"


def _rows(function, *rows):
    return [Mistake(function, *row) for row in rows]


MISTAKES = [
    *_rows("optim.sgd_momentum",
           ("ema", "uses the moving-average form v ← μv + (1−μ)g, w ← w − ηv; the spec's velocity is "
                   "v ← μv − ηg, w ← w + v", {"form": "ema"}),
           ("torch_buffer", "stores torch's buffer b ← μb + g (w ← w − ηb) as the velocity; the spec's "
                            "velocity is v = −η·b", {"form": "torch_buffer"}),
           ("positive_velocity", "keeps the velocity with the opposite sign (v ← μv + ηg, w ← w − v); the "
                                 "spec's velocity is v ← μv − ηg, w ← w + v", {"form": "positive_velocity"}),
           ("ascent", "subtracts the velocity (w ← w − v with v ← μv − ηg): the step goes uphill",
            {"form": "ascent"})),
    *_rows("optim.sgd_nesterov",
           ("no_lookahead", "applies plain momentum (w ← w + v'); Nesterov in look-ahead form is "
                            "w ← w − μv + (1+μ)v'", {"lookahead": False})),
    *_rows("optim.adagrad",
           ("eps_inside", "adds ε inside the square root, √(r + ε); the spec divides by √r + ε",
            {"eps_inside": True})),
    *_rows("optim.rmsprop",
           ("eps_inside", "divides by √(r + ε) (ε inside the root), a documented variant",
            {"eps_inside": True}, True),
           ("swapped_decay", "swaps the decay weights: r ← (1−ρ)r + ρg² instead of ρr + (1−ρ)g²",
            {"swapped_decay": True})),
    *_rows("optim.rmsprop_nesterov",
           ("no_lookahead", "applies w ← w + v' (plain momentum) instead of the look-ahead form "
                            "w ← w − μv + (1+μ)v'", {"lookahead": False}),
           ("eps_inside", "divides by √(r + ε) instead of √r + ε", {"eps_inside": True})),
    *_rows("optim.adam",
           ("no_bias_correction", "leaves out the bias correction m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)",
            {"bias_correction": False}),
           ("eps_inside", "divides by √(v̂ + ε) (ε inside the root), a documented variant",
            {"eps_inside": True}, True),
           ("eps_hat", "uses Kingma & Ba's 'efficient' form η·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v + ε), which moves ε",
            {"eps_hat": True})),
    *_rows("optim.adamw",
           ("coupled_decay", "adds λw to the gradient (Adam with L2); AdamW decays w directly: "
                             "w ← w − ηλw, then the Adam step", {"decoupled": False}),
           ("decay_without_lr", "decays with w ← w − λw; the spec scales the decay by η: w ← w − ηλw",
            {"decay_scaled_by_lr": False})),
    *_rows("optim.amsgrad",
           ("max_of_corrected", "takes the maximum of the bias-corrected v̂; the spec keeps "
                                "v_max = max(v_max, v) and corrects it: v_max/(1−β₂ᵗ)", {"max_of_corrected": True})),
    *_rows("optim.adamax",
           ("eps_in_denominator", "adds ε to the denominator (m/(u + ε)); the spec adds it inside the "
                                  "max: u ← max(β₂u, |g| + ε)", {"eps_in_denominator": True}),
           ("no_bias_correction", "leaves out the bias correction η/(1−β₁ᵗ)", {"bias_correction": False})),
    *_rows("optim.adadelta",
           ("stale_cache", "computes Δ with the running g² of the previous step; update r first",
            {"stale_cache": True})),
    *_rows("optim.nadam",
           ("plain_adam", "takes a plain Adam step; Nadam uses m̄ = β₁m/(1−β₁ᵗ⁺¹) + (1−β₁)g/(1−β₁ᵗ)",
            {"nesterov": False}),
           ("correction_t", "corrects β₁m with 1−β₁ᵗ; the look-ahead term uses 1−β₁ᵗ⁺¹",
            {"t_plus_one": False})),
    *_rows("schedules.step_decay",
           ("no_floor", "uses epoch/epochs_drop without rounding down: the rate must drop in steps",
            {"floor": False})),
    *_rows("schedules.inverse_sqrt_decay",
           ("no_sqrt", "divides by epoch instead of √epoch", {"sqrt": False})),
    *_rows("layers.relu_backward",
           ("grad_at_zero", "passes the gradient where x = 0; ReLU'(0) = 0 in the spec",
            {"grad_at_zero": 1.0})),
    *_rows("layers.sigmoid_backward",
           ("derivative_of_input", "uses x(1−x) of the input; σ'(x) = σ(x)(1−σ(x)) of the output",
            {"derivative_from": "input"})),
    *_rows("layers.tanh_backward",
           ("not_squared", "uses 1 − tanh(x); the derivative is 1 − tanh²(x)", {"squared": False})),
    *_rows("layers.batchnorm_forward",
           ("unbiased_variance", "normalizes with the unbiased variance (N−1); batch norm uses the "
                                 "biased variance (divide by N)", {"ddof": 1}),
           ("eps_outside_sqrt", "divides by σ + ε; the spec divides by √(σ² + ε)", {"eps_outside_sqrt": True}),
           ("running_momentum_swapped", "swaps the running-average weights: running ← (1−momentum)·running "
                                       "+ momentum·batch", {"running_momentum_swapped": True}),
           ("running_var_unbiased", "updates running_var with the unbiased (N−1) variance (torch's "
                                    "convention); the spec uses the biased one", {"running_var_unbiased": True}),
           ("test_uses_batch_stats", "normalizes with the batch's own statistics in test mode; test mode "
                                     "uses running_mean and running_var", {"test_uses_batch_stats": True})),
    *_rows("layers.batchnorm_backward",
           ("stats_as_constants", "treats the batch mean and variance as constants (dx = dout·γ/√(σ²+ε)); "
                                  "they depend on x too", {"through_stats": False})),
    *_rows("layers.layernorm_forward",
           ("unbiased_variance", "normalizes with the unbiased variance (D−1); use the biased one",
            {"ddof": 1})),
    *_rows("layers.layernorm_backward",
           ("stats_as_constants", "treats the row mean and variance as constants; they depend on x too",
            {"through_stats": False})),
    *_rows("layers.spatial_batchnorm_forward",
           ("naive_reshape", "reshapes (N, C, H, W) to (−1, C) without moving the channel axis last: "
                             "transpose to (N, H, W, C) first", {"naive_reshape": True})),
    *_rows("layers.instancenorm_forward",
           ("unbiased_variance", "normalizes with the unbiased variance; use the biased one", {"ddof": 1})),
    *_rows("layers.groupnorm_forward",
           ("interleaved_groups", "puts channel c in group c mod G; groups are C/G contiguous channels",
            {"interleaved_groups": True})),
    *_rows("layers.dropout_forward",
           ("not_inverted", "does not scale kept units by 1/(1−p) in training (and scales at test time "
                            "instead); the spec uses inverted dropout", {"inverted": False}),
           ("p_is_keep", "keeps units with probability p; p is the probability of dropping a unit",
            {"p_is_keep": True})),
    *_rows("layers.dropout_backward",
           ("unscaled", "multiplies by the mask but not by 1/(1−p)", {"scale": False})),
    *_rows("layers.conv_forward_naive",
           ("flipped_kernel", "flips the kernel (true convolution); layers compute the cross-correlation",
            {"flip_kernel": True})),
    *_rows("layers.max_pool_backward_naive",
           ("ties_to_all", "sends the gradient to every maximum of a window; only the first maximum "
                           "(row-major) gets it", {"ties": "all"}),
           ("ties_to_last", "sends the gradient to the last maximum of a window; the first one gets it",
            {"ties": "last"})),
    *_rows("layers.avg_pool_backward_naive",
           ("not_divided", "does not divide the gradient by the window size", {"divide": False})),
    *_rows("layers.conv1d_full",
           ("correlation", "computes the correlation (kernel not flipped); z_i = Σ_j w_j x_{i−j+1} "
                           "flips it", {"correlate": True})),
    *_rows("losses.softmax_loss",
           ("unstable", "exponentiates raw scores without subtracting the row maximum: overflows for large "
                        "scores", {"stable": False}),
           ("sum_not_mean", "sums over the batch; the loss and its gradient are means over N", {"mean": False})),
    *_rows("losses.logistic_loss",
           ("unstable", "computes log σ(z) and log(1−σ(z)) directly: infinite for large |z|; use "
                        "log(1 + e^z) in a stable form", {"stable": False}),
           ("sum_not_mean", "sums over the batch; the loss and its gradient are means over N", {"mean": False})),
    *_rows("losses.mse_loss",
           ("missing_half", "leaves out the ½: the spec's loss is (1/2N)Σ‖pred − y‖²", {"half": False}),
           ("mean_over_elements", "divides by every element (N·D); the spec divides by the N rows",
            {"mean_over_elements": True})),
    *_rows("losses.l2_regularization",
           ("missing_half", "leaves out the ½: the penalty is (λ/2m)‖W‖² with gradient (λ/m)W",
            {"half": False})),
    *_rows("init.xavier_normal",
           ("variance_as_std", "uses 2/(fan_in+fan_out) as the standard deviation; it is the variance",
            {"no_sqrt": True})),
    *_rows("init.xavier_uniform",
           ("normal_std_as_bound", "uses √(2/(fan_in+fan_out)) as the bound; the uniform bound is "
                                   "√(6/(fan_in+fan_out))", {"bound_as_std": True})),
    *_rows("init.he_normal",
           ("fan_out", "scales by fan_out; He uses √(2/fan_in)", {"fan": "out"}),
           ("fan_avg", "scales by the average fan; He uses √(2/fan_in)", {"fan": "avg"})),
    *_rows("init.lecun_normal",
           ("variance_as_std", "uses 1/fan_in as the standard deviation; it is the variance",
            {"no_sqrt": True})),
    *_rows("gradient_check.eval_numerical_gradient",
           ("forward_difference", "uses the forward difference (f(x+h) − f(x))/h, error O(h); the central "
                                  "difference (f(x+h) − f(x−h))/2h has error O(h²)", {"scheme": "forward"}),
           ("not_restored", "leaves x perturbed on return; restore each entry after perturbing it",
            {"restore": False})),
    *_rows("gradient_check.eval_numerical_gradient_array",
           ("forward_difference", "uses the forward difference; use (f(x+h) − f(x−h))/2h",
            {"scheme": "forward"})),
    *_rows("sgd_exercise.loss",
           ("mean", "averages the squared residuals; the exercise's loss is ½Σ(yᵢ − h(xᵢ))²",
            {"reduction": "mean"}),
           ("missing_half", "sums the squared residuals without the ½", {"reduction": "sum"})),
    *_rows("sgd_exercise.batch_gd_step",
           ("mean_gradient", "steps along the gradient of the mean loss; the exercise uses the summed ½Σ loss",
            {"reduction": "mean"}),
           ("bias_not_updated", "does not update the bias w₀ (its gradient is −Σ(yᵢ − h(xᵢ)))",
            {"bias_gradient": False})),
    *_rows("sgd_exercise.sgd_epoch",
           ("stale_weights", "takes every row's gradient at the epoch's starting weights; SGD updates "
                             "after each row and uses the new weights for the next", {"stale_weights": True})),
    *_rows("training.num_iterations",
           ("floor", "rounds n_samples/batch_size down: the last, smaller batch is an iteration too",
            {"rounding": "floor"})),
    *_rows("training.minibatches",
           ("not_shuffled", "returns the batches in index order; they must follow a random permutation "
                            "drawn from rng", {"shuffle": False}),
           ("drops_last", "drops the last, smaller batch; every sample must be in a batch",
            {"drop_last": True})),
    *_rows("training.early_stopping",
           ("not_strict", "counts a loss equal to the best as an improvement; only a new strict minimum "
                          "resets patience", {"strict": False}),
           ("last_best", "keeps the last minimum; best is the first epoch reaching the minimum",
            {"best": "last"})),
    *_rows("net.mlp_loss",
           ("reg_missing_half", "adds reg·Σ‖W‖² (gradient 2·reg·W); the spec's penalty is (reg/2)·Σ‖W‖²",
            {"reg_half": False}),
           ("reg_biases", "regularizes the biases too; only the weights W_l are penalized",
            {"reg_biases": True})),
]

BY_ID = {m.id: m for m in MISTAKES}


def of(function):
    """The rows for one spec function, in table order."""
    return [m for m in MISTAKES if m.function == function]
