"""Update rules for first-order optimizers.

Every rule has the signature ``f(w, dw, config=None) -> (next_w, config)``:

- ``w``: array of weights (any shape); ``dw``: gradient of the loss at ``w`` (same shape);
- ``config``: dict of hyperparameters and state. Missing keys get the defaults listed in each
  docstring. State keys (velocity, cache, m, v, t, ...) are created on the first call and must
  be returned in ``config`` so that the next call continues from them.

Start every rule with the CS231n idiom::

    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)

Notation: g = dw, η = learning_rate. You may update ``w`` in place; the grader uses the
returned values.
"""


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent.

    w ← w − η g

    config: learning_rate=1e-2. No state.
    """
    raise NotImplementedError


def sgd_momentum(w, dw, config=None):
    """SGD with momentum.

    v ← μ v − η g
    w ← w + v

    config: learning_rate=1e-2, momentum=0.9 (μ).
    state: velocity (v), zeros of w's shape on the first call.
    """
    raise NotImplementedError


def sgd_nesterov(w, dw, config=None):
    """SGD with Nesterov momentum, look-ahead form (Sutskever et al. 2013).

    ``w`` is the look-ahead point ŵ = w + μv and g is evaluated there:
    v' ← μ v − η g
    w ← w − μ v + (1 + μ) v'
    (equals torch.optim.SGD(nesterov=True)).

    config: learning_rate=1e-2, momentum=0.9 (μ).
    state: velocity (v), zeros on the first call; store v' back.
    """
    raise NotImplementedError


def adagrad(w, dw, config=None):
    """AdaGrad.

    r ← r + g²
    w ← w − η g / (√r + ε)

    config: learning_rate=1e-2, epsilon=1e-7 (ε).
    state: cache (r), zeros on the first call.
    """
    raise NotImplementedError


def rmsprop(w, dw, config=None):
    """RMSProp.

    r ← ρ r + (1 − ρ) g²
    w ← w − η g / (√r + ε)

    config: learning_rate=1e-2, decay_rate=0.99 (ρ), epsilon=1e-8 (ε).
    state: cache (r), zeros on the first call.
    """
    raise NotImplementedError


def rmsprop_nesterov(w, dw, config=None):
    """RMSProp with Nesterov momentum (Goodfellow et al., Algorithm 8.7), look-ahead form.

    r  ← ρ r + (1 − ρ) g²
    v' ← μ v − η g / (√r + ε)
    w  ← w − μ v + (1 + μ) v'

    config: learning_rate=1e-3, decay_rate=0.9 (ρ), momentum=0.9 (μ), epsilon=1e-8 (ε).
    state: cache (r), velocity (v), zeros on the first call.
    """
    raise NotImplementedError


def adam(w, dw, config=None):
    """Adam with bias correction.

    t ← t + 1
    m ← β₁ m + (1 − β₁) g
    v ← β₂ v + (1 − β₂) g²
    m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
    w ← w − η m̂ / (√v̂ + ε)

    config: learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8.
    state: m, v (zeros), t (0) on the first call.
    """
    raise NotImplementedError


def adamw(w, dw, config=None):
    """Adam with decoupled weight decay.

    w ← w − η λ w          (with the old w)
    then the Adam step (see ``adam``) with the same g.

    config: as adam, plus weight_decay=1e-2 (λ).
    state: m, v, t as adam.
    """
    raise NotImplementedError


def amsgrad(w, dw, config=None):
    """AMSGrad, in the form of torch.optim.Adam(amsgrad=True).

    t ← t + 1
    m ← β₁ m + (1 − β₁) g
    v ← β₂ v + (1 − β₂) g²
    v_max ← max(v_max, v)
    m̂ = m / (1 − β₁ᵗ),  v̂ = v_max / (1 − β₂ᵗ)
    w ← w − η m̂ / (√v̂ + ε)

    config: learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8.
    state: m, v, v_max (zeros), t (0).
    """
    raise NotImplementedError


def adamax(w, dw, config=None):
    """AdaMax (Adam with the infinity norm).

    t ← t + 1
    m ← β₁ m + (1 − β₁) g
    u ← max(β₂ u, |g| + ε)
    w ← w − (η / (1 − β₁ᵗ)) m / u

    config: learning_rate=2e-3, beta1=0.9, beta2=0.999, epsilon=1e-8.
    state: m, u (zeros), t (0).
    """
    raise NotImplementedError


def adadelta(w, dw, config=None):
    """Adadelta.

    r ← ρ r + (1 − ρ) g²
    Δ = −(√(d + ε) / √(r + ε)) g
    d ← ρ d + (1 − ρ) Δ²
    w ← w + η Δ

    config: learning_rate=1.0, rho=0.9 (ρ), epsilon=1e-6 (ε).
    state: cache (r, running g²), delta (d, running Δ²), zeros on the first call.
    """
    raise NotImplementedError


def nadam(w, dw, config=None):
    """Nadam (Dozat 2016 with a constant μ = β₁, the form Optax uses; Keras adds a momentum schedule).

    t ← t + 1
    m ← β₁ m + (1 − β₁) g
    v ← β₂ v + (1 − β₂) g²
    m̄ = β₁ m / (1 − β₁ᵗ⁺¹) + (1 − β₁) g / (1 − β₁ᵗ)
    v̂ = v / (1 − β₂ᵗ)
    w ← w − η m̄ / (√v̂ + ε)

    config: learning_rate=2e-3, beta1=0.9, beta2=0.999, epsilon=1e-8.
    state: m, v (zeros), t (0).
    """
    raise NotImplementedError


def lion(w, dw, config=None):
    """Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms").

    c = β₁ m + (1 − β₁) g
    w ← w − η (sign(c) + λ w)        (sign(0) = 0)
    m ← β₂ m + (1 − β₂) g            (after the step, with the old m in c)

    config: learning_rate=1e-4, beta1=0.9, beta2=0.99, weight_decay=0.0 (λ).
    state: m (zeros of w's shape on the first call).
    """
    raise NotImplementedError
