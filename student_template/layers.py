"""Layers: ``f_forward(...) -> (out, cache)`` and ``f_backward(dout, cache) -> grads``.

The cache is yours: the backward pass always receives the cache your forward pass returned.
All arrays are float64 NumPy arrays. Randomness only through the seed you are given.
"""


def affine_forward(x, w, b):
    """Fully connected layer.

    x (N, d1, ..., dk) is flattened to (N, D), D = d1·...·dk; w (D, M); b (M,).
    out = x·w + b, shape (N, M).
    Returns (out, cache).
    """
    raise NotImplementedError


def affine_backward(dout, cache):
    """Backward pass of ``affine_forward``.

    dout (N, M). dx = dout·wᵀ reshaped to x's shape; dw = xᵀ·dout (D, M); db = Σ_N dout (M,).
    Returns (dx, dw, db).
    """
    raise NotImplementedError


def relu_forward(x):
    """out = max(0, x), elementwise. Returns (out, cache)."""
    raise NotImplementedError


def relu_backward(dout, cache):
    """dx = dout · 1[x > 0]  (ReLU'(0) = 0). Returns dx."""
    raise NotImplementedError


def sigmoid_forward(x):
    """out = σ(x) = 1 / (1 + e^(−x)), elementwise. Returns (out, cache)."""
    raise NotImplementedError


def sigmoid_backward(dout, cache):
    """dx = dout · σ(x)(1 − σ(x)). Returns dx."""
    raise NotImplementedError


def tanh_forward(x):
    """out = tanh(x), elementwise. Returns (out, cache)."""
    raise NotImplementedError


def tanh_backward(dout, cache):
    """dx = dout · (1 − tanh²(x)). Returns dx."""
    raise NotImplementedError


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization.

    x (N, D); gamma, beta (D,).
    bn_param: mode 'train' or 'test' (required), eps=1e-5, momentum=0.9,
    running_mean / running_var (D,) created as zeros when missing.

    train: μ = mean of x over N, σ² = biased variance over N (divide by N),
           x̂ = (x − μ) / √(σ² + ε),  out = γ x̂ + β,
           running_mean ← momentum · running_mean + (1 − momentum) · μ,
           running_var  ← momentum · running_var  + (1 − momentum) · σ²,
           both stored back into bn_param.
    test:  x̂ = (x − running_mean) / √(running_var + ε),  out = γ x̂ + β.
    Returns (out, cache), out (N, D).
    """
    raise NotImplementedError


def batchnorm_backward(dout, cache):
    """Backward pass of ``batchnorm_forward`` in mode 'train'.

    dout (N, D). Returns (dx (N, D), dgamma (D,), dbeta (D,)),
    dbeta = Σ_N dout, dgamma = Σ_N dout · x̂.
    """
    raise NotImplementedError


def batchnorm_backward_alt(dout, cache):
    """The same (dx, dgamma, dbeta) as ``batchnorm_backward``, in the simplified closed form
    dx = γ/(N·√(σ² + ε)) · (N·dout − Σ_N dout − x̂ · Σ_N (dout · x̂)).
    """
    raise NotImplementedError


def layernorm_forward(x, gamma, beta, ln_param):
    """Layer normalization.

    x (N, D); gamma, beta (D,). Mean and biased variance per row (over D),
    x̂ = (x − μ) / √(σ² + ε), out = γ x̂ + β. Same in train and test.
    ln_param: eps=1e-5.
    Returns (out, cache).
    """
    raise NotImplementedError


def layernorm_backward(dout, cache):
    """Backward pass of ``layernorm_forward``. Returns (dx, dgamma, dbeta)."""
    raise NotImplementedError


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization for convolutional feature maps.

    x (N, C, H, W); gamma, beta (C,). Statistics per channel over (N, H, W);
    bn_param as in ``batchnorm_forward`` (running statistics of shape (C,)).
    Returns (out (N, C, H, W), cache).
    """
    raise NotImplementedError


def spatial_batchnorm_backward(dout, cache):
    """Backward pass of ``spatial_batchnorm_forward`` (mode 'train').

    Returns (dx (N, C, H, W), dgamma (C,), dbeta (C,)).
    """
    raise NotImplementedError


def instancenorm_forward(x, gamma, beta, in_param):
    """Instance normalization.

    x (N, C, H, W); gamma, beta (C,) (you may also accept (1, C, 1, 1)).
    Mean and biased variance per sample and channel, over (H, W);
    x̂ = (x − μ) / √(σ² + ε), out = γ x̂ + β (γ, β per channel).
    in_param: eps=1e-5.
    Returns (out, cache).
    """
    raise NotImplementedError


def instancenorm_backward(dout, cache):
    """Backward pass of ``instancenorm_forward``.

    Returns (dx, dgamma, dbeta); dgamma and dbeta have gamma's shape.
    """
    raise NotImplementedError


def groupnorm_forward(x, gamma, beta, G, gn_param):
    """Group normalization.

    x (N, C, H, W), C divisible by G; gamma, beta as in instancenorm.
    Channels are split into G groups of C/G contiguous channels; mean and biased variance
    per sample and group, over (C/G, H, W); x̂ = (x − μ) / √(σ² + ε), out = γ x̂ + β
    (γ, β per channel).
    gn_param: eps=1e-5.
    Returns (out, cache).
    """
    raise NotImplementedError


def groupnorm_backward(dout, cache):
    """Backward pass of ``groupnorm_forward``.

    Returns (dx, dgamma, dbeta); dgamma and dbeta have gamma's shape.
    """
    raise NotImplementedError


def dropout_forward(x, dropout_param):
    """Inverted dropout.

    dropout_param: p = probability of DROPPING a unit (0 ≤ p < 1), mode 'train' or 'test'
    (default 'train'), seed (optional: rng = np.random.default_rng(seed); without a seed,
    fresh entropy — never the global NumPy random state).
    train: mask = (keep each unit independently with probability 1 − p) / (1 − p),
           out = x · mask.
    test:  out = x (identity). p = 0 is the identity.
    Returns (out, cache).
    """
    raise NotImplementedError


def dropout_backward(dout, cache):
    """Backward pass of ``dropout_forward``: dx = dout · mask in train, dout in test."""
    raise NotImplementedError


def conv_forward_naive(x, w, b, conv_param):
    """Convolution layer (cross-correlation, as in every DL library).

    x (N, C, H, W); w (F, C, HH, WW); b (F,); conv_param: stride s, pad p (zero padding
    on each side of H and W).
    out (N, F, H', W'), H' = 1 + ⌊(H + 2p − HH)/s⌋, W' = 1 + ⌊(W + 2p − WW)/s⌋,
    out[n, f, i, j] = Σ_{c,k,l} x_pad[n, c, i·s + k, j·s + l] · w[f, c, k, l] + b[f].
    Returns (out, cache).
    """
    raise NotImplementedError


def conv_backward_naive(dout, cache):
    """Backward pass of ``conv_forward_naive``.

    dout (N, F, H', W'). Returns (dx (N, C, H, W), dw (F, C, HH, WW), db (F,)).
    """
    raise NotImplementedError


def max_pool_forward_naive(x, pool_param):
    """Max pooling.

    x (N, C, H, W); pool_param: pool_height, pool_width, stride.
    out (N, C, 1 + ⌊(H − pool_height)/stride⌋, 1 + ⌊(W − pool_width)/stride⌋),
    each entry the maximum of its window.
    Returns (out, cache).
    """
    raise NotImplementedError


def max_pool_backward_naive(dout, cache):
    """Backward pass of ``max_pool_forward_naive``.

    Each dout entry goes to the position of its window's maximum; on ties, to the FIRST
    maximum in row-major order. Returns dx (N, C, H, W).
    """
    raise NotImplementedError


def avg_pool_forward_naive(x, pool_param):
    """Average pooling: as max pooling, each entry the mean of its window.

    Returns (out, cache).
    """
    raise NotImplementedError


def avg_pool_backward_naive(dout, cache):
    """Backward pass of ``avg_pool_forward_naive``: each dout entry spreads equally,
    dout / (pool_height · pool_width), over its window. Returns dx (N, C, H, W).
    """
    raise NotImplementedError


def conv1d_full(x, w):
    """1-D full convolution, no cache.

    x (d,), w (k,). z (d + k − 1,), z_i = Σ_j w_j x_{i−j+1} (1-based; out-of-range x are 0),
    i.e. np.convolve(x, w, 'full'). Returns z.
    """
    raise NotImplementedError
