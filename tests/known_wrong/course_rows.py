"""Plausible wrong implementations of the course rows (checks/areas/course_rows.py), one per check, each caught
by that check: the slips the Deep Learning Specialization's students make, in the spec's layout."""

KNOWN_WRONG = {
    "training.seeded_minibatches/legacy_rng": '''
def seeded_minibatches(n_samples, batch_size, seed):
    """Seeds with seed + 1 (the epoch loop's next seed)."""
    order = np.random.RandomState(seed + 1).permutation(n_samples)
    return [order[start:start + batch_size] for start in range(0, n_samples, batch_size)]
''',
    "schedules.interval_time_decay/oracle": '''
def interval_time_decay(lr0, decay_rate, epoch, time_interval):
    """Rounds epoch/time_interval to the nearest integer instead of down."""
    return lr0 / (1 + decay_rate * round(epoch / time_interval))
''',
    "losses.binary_cross_entropy/oracle": '''
def binary_cross_entropy(p, y):
    """Drops the (1 − y)·log(1 − p) term."""
    return float(-(y * np.log(p)).mean())
''',
    "net.binary_mlp_forward/oracle": '''
def binary_mlp_forward(params, X):
    """Skips the last hidden layer (the loop stops one early)."""
    n_layers = sum(1 for key in params if key.startswith("W"))
    a = X
    for layer in range(1, n_layers - 1):
        a = np.maximum(a @ params[f"W{layer}"] + params[f"b{layer}"], 0)
    hidden = params[f"W{n_layers}"].shape[0]
    a = a[:, :hidden] if a.shape[1] >= hidden else np.pad(a, ((0, 0), (0, hidden - a.shape[1])))
    return (1 / (1 + np.exp(-(a @ params[f"W{n_layers}"] + params[f"b{n_layers}"])))).reshape(-1)
''',
    "net.binary_mlp_gradients/oracle": '''
def binary_mlp_gradients(params, X, y):
    """Squeezes db to the sum over every unit (right for one-unit layers only)."""
    grads = _binary_gradients(params, X, y)
    return {k: np.full_like(g, g.sum()) if k.startswith("b") else g for k, g in grads.items()}
''',
    "gradient_check.relative_difference/oracle": '''
def relative_difference(f, x, grad, h=1e-7):
    """Takes the largest elementwise error (the spec's rel_error) instead of the 2-norm ratio."""
    numerical = _numerical_gradient(f, np.array(x, dtype=float), h, "central")
    return float(np.max(np.abs(grad - numerical) / (np.abs(grad) + np.abs(numerical))))
''',
    "gradient_check.relative_difference_1d/oracle": '''
def relative_difference_1d(f, x, grad, h=1e-7):
    """Divides the difference by ‖grad‖ alone."""
    numerical = _numerical_gradient(f, np.array(x, dtype=float), h, "central")
    return float(np.linalg.norm(grad - numerical) / np.linalg.norm(grad))
''',
    "layers.zero_pad/oracle": '''
def zero_pad(x, pad):
    """Pads the height twice over and the width not at all."""
    return np.pad(x, ((0, 0), (0, 0), (2 * pad, 2 * pad), (0, 0)))[:, :, :x.shape[2] + 2 * pad, :]
''',
    "layers.conv_single_step/oracle": '''
def conv_single_step(a, w, b):
    """Leaves the bias out."""
    return float(np.sum(a * w))
''',
    "init.layers_zeros/legacy_rng": '''
def layers_zeros(layer_dims):
    """Transposes every W: (n_{l-1}, n_l)."""
    return {k: v.T if k.startswith("W") else v for k, v in seeded_layers(layer_dims, scale="zeros").items()}
''',
    "init.layers_random/legacy_rng": '''
def layers_random(layer_dims):
    """Seeds with 1 instead of 3."""
    return seeded_layers(layer_dims, seed=1, scale=10.0)
''',
    "init.layers_he/legacy_rng": '''
def layers_he(layer_dims):
    """Never seeds: the draws are not the course's."""
    return seeded_layers(layer_dims, seed=12345, scale="he")
''',
    "init.layers_small/legacy_rng": '''
def layers_small(layer_dims):
    """b of shape (n_l,) instead of (n_l, 1)."""
    return {k: v.reshape(-1) if k.startswith("b") else v for k, v in seeded_layers(layer_dims).items()}
''',
    "init.two_layers_small/legacy_rng": '''
def two_layers_small(n_x, n_h, n_y):
    """Draws W2 before W1."""
    params = seeded_layers([n_x, n_h, n_y], seed=1)
    rng = np.random.RandomState(1)
    W2 = rng.randn(n_y, n_h) * 0.01
    return dict(params, W1=rng.randn(n_h, n_x) * 0.01, W2=W2)
''',
    "losses.binary_cross_entropy_l2/oracle": '''
def binary_cross_entropy_l2(p, y, params, lambd):
    """Penalises only W1."""
    return _binary_cross_entropy(p, y) + lambd / (2 * len(y)) * float(np.sum(params["W1"] ** 2))
''',
    "net.binary_mlp_gradients_l2/oracle": '''
def binary_mlp_gradients_l2(params, X, y, lambd):
    """Forgets the penalty of the last layer."""
    grads = _binary_gradients(params, X, y)
    return {k: g + lambd / X.shape[0] * params[k] if k in ("W1", "W2") else g for k, g in grads.items()}
''',
    "net.dropout_mlp_forward/oracle": '''
def dropout_mlp_forward(params, X, keep_prob):
    """Drops with probability keep_prob (the mask D >= keep_prob)."""
    rng = np.random.RandomState(1)
    a = X
    for layer in (1, 2):
        z = a @ params[f"W{layer}"] + params[f"b{layer}"]
        keep = (rng.rand(z.shape[1], z.shape[0]) >= keep_prob).T
        a = np.maximum(z, 0) * keep / keep_prob
    return (1 / (1 + np.exp(-(a @ params["W3"] + params["b3"])))).reshape(-1)
''',
    "net.dropout_mlp_gradients/oracle": '''
def dropout_mlp_gradients(params, X, y, keep_prob):
    """Ignores the masks in the backward pass."""
    return _binary_gradients(params, X, y)
''',
}
