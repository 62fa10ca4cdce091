"""The Deep Learning Specialization's translation: its functions as the spec's (COURSES_DLS_D2L.md).

Run in the worker by the course runtime (runtime.py); each adapter takes a runtime.Call (the course's function,
the hand-in's others, the spec's defaults) and the spec's arguments, and returns the spec's values. Only
layouts move here; every formula is the student's or the oracle's.

- A dict of layers: the spec's one array w becomes parameters {"W1", "b1", "W2", "b2"} (its entries cut in
  order, W rows and b columns; two layers where w has 4 entries or more, so a loop over the layers shows), its
  gradient grads {"dW1", …}, and the optimizer state v, s the gradient's keys (v["dW1"]). The update rules are
  elementwise, so the spec's w is those layers' entries put back together, whatever the cut.
- Column-major: the course's A is the spec's xᵀ (n, m), W is wᵀ, b a column (n, 1); dW, db, dA_prev come back
  transposed, and dA_prev and dZ carry the course's factor m (its linear_backward divides dW and db by m, the
  spec's dout already holds 1/N).
- The course's callers keep what the spec's functions keep themselves: Adam's t is counted here (t = 1 at the
  first step), v and s start from the hand-in's initialize_velocity / initialize_adam.
A value of the wrong shape comes back as an error that says which and what shape the course expects.
"""
import numpy as np

LAYERS_FROM = 4  # entries of w from which it is cut into two layers


class CourseShapeError(ValueError):
    """The course's function returned a value of a shape the course does not give it."""


# --- dicts of layers --------------------------------------------------------------------------------------


def layers(array, prefix=""):
    """The array's entries in order as {prefix+"W1": (1, k), prefix+"b1": (j, 1), …} (copies)."""
    flat = array.reshape(-1)
    count = 2 if flat.size >= LAYERS_FROM else 1
    cuts = np.ceil(np.linspace(0, flat.size, 2 * count + 1)).astype(int)
    out = {}
    for layer in range(count):
        out[f"{prefix}W{layer + 1}"] = flat[cuts[2 * layer]:cuts[2 * layer + 1]].reshape(1, -1).copy()
        out[f"{prefix}b{layer + 1}"] = flat[cuts[2 * layer + 1]:cuts[2 * layer + 2]].reshape(-1, 1).copy()
    return out


def joined(returned, sent, shape, what):
    """The entries of the dict `returned` under the keys of `sent`, put back in the spec's shape."""
    if not isinstance(returned, dict):
        raise CourseShapeError(f"{what} should be a dict of layers like the one given; it is a "
                               f"{type(returned).__name__}")
    pieces = []
    for key, given in sent.items():
        if key not in returned:
            raise CourseShapeError(f"{what} has no key {key!r}")
        value = np.asarray(returned[key])
        if value.shape != given.shape:
            raise CourseShapeError(f"{what}[{key!r}] has shape {value.shape}; the course keeps it {given.shape}, "
                                   f"the shape of the one given")
        pieces.append(value.reshape(-1))
    return np.concatenate(pieces).reshape(shape)


def values(returned, count, what):
    """The course's returned tuple, checked to hold at least `count` values."""
    if not isinstance(returned, (tuple, list)) or len(returned) < count:
        held = f" of {len(returned)}" if isinstance(returned, (tuple, list)) else ""
        raise CourseShapeError(f"{what} should return a tuple of {count} values; it returned "
                               f"{type(returned).__name__}{held}")
    return returned


def zeros_like_layers(layers_):
    return {f"d{key}": np.zeros_like(value) for key, value in layers_.items()}


# --- Course 2 week 2 and Course 1 week 4: update rules -------------------------------------------------------


def update_parameters(call, w, dw, config=None):
    """optim.sgd as update_parameters_with_gd(parameters, grads, learning_rate) / update_parameters(…)."""
    config = call.config(config)
    parameters, grads = layers(w), layers(dw, "d")
    returned = call(parameters, grads, config["learning_rate"])
    return joined(returned, layers(w), w.shape, "the returned parameters"), config


def momentum(call, w, dw, config=None):
    """optim.sgd_momentum as update_parameters_with_momentum(parameters, grads, v, beta, learning_rate) ->
    (parameters, v); v starts from initialize_velocity(parameters) (the course's averaged form: the spec's
    documented variant "ema", whose velocity is this v)."""
    config = call.config(config)
    parameters, grads = layers(w), layers(dw, "d")
    if "velocity" in config:
        v = layers(config["velocity"], "d")
    else:
        initialize = call.other("initialize_velocity")
        v = initialize(layers(w)) if initialize else zeros_like_layers(parameters)
        joined(v, zeros_like_layers(parameters), w.shape, "initialize_velocity's v")  # its keys and shapes
    sent_v = {key: value.copy() for key, value in v.items()}
    returned, v_after = values(call(parameters, grads, v, config["momentum"], config["learning_rate"]), 2,
                               "update_parameters_with_momentum")[:2]
    return joined(returned, layers(w), w.shape, "the returned parameters"), \
        {**config, "velocity": joined(v_after, sent_v, w.shape, "the returned v")}


def adam(call, w, dw, config=None):
    """optim.adam as update_parameters_with_adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon)
    -> (parameters, v, s[, v_corrected, s_corrected]); the caller's t: the spec's count plus one; v, s start from
    initialize_adam(parameters). The spec's state m is the course's v, its v the course's s."""
    config = call.config(config)
    parameters, grads = layers(w), layers(dw, "d")
    if "m" in config:
        v, s = layers(config["m"], "d"), layers(config["v"], "d")
    else:
        initialize = call.other("initialize_adam")
        v, s = values(initialize(layers(w)), 2, "initialize_adam")[:2] if initialize else \
            (zeros_like_layers(parameters), zeros_like_layers(parameters))
    zero = zeros_like_layers(parameters)
    t = int(config.get("t", 0)) + 1
    returned = values(call(parameters, grads, v, s, t, config["learning_rate"], config["beta1"], config["beta2"],
                           config["epsilon"]), 3, "update_parameters_with_adam")
    return joined(returned[0], layers(w), w.shape, "the returned parameters"), \
        {**config, "m": joined(returned[1], zero, w.shape, "the returned v"),
         "v": joined(returned[2], zero, w.shape, "the returned s"), "t": t}


def mini_batches(call, n_samples, batch_size, rng):
    """training.minibatches as random_mini_batches(X, Y, mini_batch_size, seed), the seed drawn from rng (the
    course seeds NumPy's global RNG with it): its distribution is checked."""
    return seeded_mini_batches(call, n_samples, batch_size, int(rng.integers(0, 2**31 - 1)))


def seeded_mini_batches(call, n_samples, batch_size, seed):
    """training.seeded_minibatches as random_mini_batches(X, Y, mini_batch_size, seed): X holds each sample's index
    (and index + 0.5 in a second row), Y its index. The batches come back as the indices in mini_batch_X's first
    row, checked against the rest."""
    index = np.arange(n_samples, dtype=np.float64)
    X, Y = np.vstack([index, index + 0.5]), index.reshape(1, -1).copy()
    batches = call(X, Y, batch_size, seed)
    if not isinstance(batches, (list, tuple)):
        raise CourseShapeError(f"random_mini_batches should return a list of (mini_batch_X, mini_batch_Y); it "
                               f"returned a {type(batches).__name__}")
    out = []
    for k, batch in enumerate(values(batches, 0, "random_mini_batches")):
        batch_x, batch_y = (np.asarray(v) for v in values(batch, 2, f"mini-batch {k}")[:2])
        if batch_x.ndim != 2 or batch_x.shape[0] != 2:
            raise CourseShapeError(f"mini-batch {k}'s mini_batch_X has shape {batch_x.shape}; it should keep X's "
                                   f"rows ((n_x, size): the samples are X's columns)")
        if not np.array_equal(batch_x[1] - batch_x[0], np.full(batch_x.shape[1], 0.5)):
            raise CourseShapeError(f"mini-batch {k}'s mini_batch_X does not hold whole columns of X: shuffle the "
                                   f"columns (samples), not the entries")
        if batch_y.shape != (1, batch_x.shape[1]) or not np.array_equal(batch_y[0], batch_x[0]):
            raise CourseShapeError(f"mini-batch {k}'s mini_batch_Y (shape {batch_y.shape}) does not hold the labels "
                                   f"of mini_batch_X's columns, shape (1, {batch_x.shape[1]})")
        out.append(batch_x[0].astype(np.int64))
    return out


# --- Course 1 week 4: the layers, column-major ---------------------------------------------------------


def linear_forward(call, x, w, b):
    """layers.affine_forward as linear_forward(A, W, b) -> (Z, cache) with A = xᵀ (x flattened to (N, D))."""
    A = x.reshape(x.shape[0], -1).T.copy()
    Z, cache = values(call(A, w.T.copy(), b.reshape(-1, 1).copy()), 2, "linear_forward")[:2]
    Z = np.asarray(Z)
    if Z.shape != (w.shape[1], x.shape[0]):
        raise CourseShapeError(f"linear_forward's Z has shape {Z.shape}; it should be (n_l, m) = "
                               f"{(w.shape[1], x.shape[0])}")
    return Z.T, (cache, x.shape, w.shape)


def linear_backward(call, dout, cache):
    """layers.affine_backward as linear_backward(dZ, cache) -> (dA_prev, dW, db), dZ = m·doutᵀ (the course
    divides dW and db by m, not dA_prev)."""
    course_cache, x_shape, w_shape = cache
    m = dout.shape[0]
    dA_prev, dW, db = (np.asarray(v) for v in values(call(m * dout.T, course_cache), 3, "linear_backward")[:3])
    expected = {"dA_prev": (dA_prev, (w_shape[0], m)), "dW": (dW, (w_shape[1], w_shape[0])),
                "db": (db, (w_shape[1], 1))}
    for name, (value, shape) in expected.items():
        if not (fits(value, shape) if name == "db" else value.shape == shape):
            raise CourseShapeError(f"linear_backward's {name} has shape {value.shape}; it should be {shape}, the "
                                   f"shape of {name[1:]}")
    return (dA_prev.T / m).reshape(x_shape), dW.T, db.reshape(-1)


def fits(value, shape):
    """value has the course's shape; or it is a bias's gradient (n, 1) held as a scalar or a vector of n entries:
    right values whose shape the course's broadcasting forgives (a squeezed db is right for a 1-unit layer only,
    and for more units it has the wrong number of entries)."""
    return value.shape == shape or (shape[-1] == 1 and value.ndim < 2 and value.size == shape[0])


def _activation_forward(call, x, activation):
    """relu_forward / sigmoid_forward as linear_activation_forward(A, W = 1, b = 0, activation): through an
    identity layer (1·a + 0 = a exactly), the activation branch alone."""
    A = x.reshape(1, -1).copy()
    out, cache = values(call(A, np.ones((1, 1)), np.zeros((1, 1)), activation), 2, "linear_activation_forward")[:2]
    out = np.asarray(out)
    if out.shape != A.shape:
        raise CourseShapeError(f"linear_activation_forward's A has shape {out.shape}; it should be {A.shape}")
    return out.reshape(x.shape), (cache, x.shape)


def _activation_backward(call, dout, cache, activation):
    course_cache, shape = cache
    dA_prev = np.asarray(values(call(dout.reshape(1, -1).copy(), course_cache, activation), 3,
                                "linear_activation_backward")[0])
    if dA_prev.size != dout.size:
        raise CourseShapeError(f"linear_activation_backward's dA_prev has shape {dA_prev.shape}; it should be "
                               f"{(1, dout.size)}")
    return dA_prev.reshape(shape)


def relu_forward(call, x):
    return _activation_forward(call, x, "relu")


def sigmoid_forward(call, x):
    return _activation_forward(call, x, "sigmoid")


def relu_backward(call, dout, cache):
    return _activation_backward(call, dout, cache, "relu")


def sigmoid_backward(call, dout, cache):
    return _activation_backward(call, dout, cache, "sigmoid")


def compute_cost(call, p, y):
    """losses.binary_cross_entropy as compute_cost(AL, Y), AL and Y of shape (1, m)."""
    return call(p.reshape(1, -1).copy(), y.reshape(1, -1).copy())


def column_major(params):
    """The spec's {W_l (d_{l−1}, d_l), b_l (d_l,)} as the course's {W_l (n_l, n_{l−1}), b_l (n_l, 1)}."""
    return {key: (value.T if key.startswith("W") else value.reshape(-1, 1)).copy() for key, value in params.items()}


def _forward(function, params, X, name):
    AL, caches = values(function(X.reshape(X.shape[0], -1).T.copy(), column_major(params)), 2, name)[:2]
    AL = np.asarray(AL)
    if AL.shape != (1, X.shape[0]):
        raise CourseShapeError(f"{name}'s AL has shape {AL.shape}; it should be (1, m) = {(1, X.shape[0])}")
    return AL, caches


def l_model_forward(call, params, X):
    """net.binary_mlp_forward as L_model_forward(X, parameters) -> (AL, caches)."""
    return _forward(call, params, X, "L_model_forward")[0].reshape(-1)


def l_model_backward(call, params, X, y):
    """net.binary_mlp_gradients as L_model_backward(AL, Y, caches), from the hand-in's L_model_forward; grads
    "dW1", "db1", … (the "dA" keys, shifted by one in 2017, are the course's business)."""
    forward = call.other("L_model_forward")
    if forward is None:
        raise NameError("L_model_backward is graded from L_model_forward's caches, and the hand-in has no "
                        "L_model_forward", name="L_model_forward")
    AL, caches = _forward(forward, params, X, "L_model_forward")
    return spec_grads(call(AL, y.reshape(1, -1).copy(), caches), params, "L_model_backward")


def spec_grads(grads, params, what):
    """The course's grads {"dW1": (n1, n0), "db1": (n1, 1), …} as the spec's {"W1": (d0, d1), "b1": (d1,), …}."""
    if not isinstance(grads, dict):
        raise CourseShapeError(f"{what} should return the grads dict; it returned a {type(grads).__name__}")
    out = {}
    for key, value in column_major(params).items():
        name = f"d{key}"
        if name not in grads:
            raise CourseShapeError(f"{what}'s grads has no key {name!r}")
        got = np.asarray(grads[name])
        if not (fits(got, value.shape) if key.startswith("b") else got.shape == value.shape):
            raise CourseShapeError(f"{what}'s grads[{name!r}] has shape {got.shape}; it should be "
                                   f"{value.shape}, the shape of parameters[{key!r}]")
        out[key] = got.T.copy() if key.startswith("W") else got.reshape(-1)
    return out


# --- Course 2 week 1: gradient checking ----------------------------------------------------------------------


class _Replaced:
    """The hand-in's functions `names` replaced by the grader's for one call (the course's gradient_check and
    gradient_check_n call the notebook's forward and backward propagation by name), put back after it."""

    def __init__(self, namespace, **functions):
        self.namespace, self.functions, self.saved = namespace, functions, {}

    def __enter__(self):
        for name, function in self.functions.items():
            self.saved[name] = self.namespace.get(name, _Replaced)
            self.namespace[name] = function

    def __exit__(self, *exc):
        for name, value in self.saved.items():
            if value is _Replaced:
                self.namespace.pop(name, None)
            else:
                self.namespace[name] = value


def gradient_check_n(call, f, theta, grad, h=1e-7):
    """gradient_check.relative_difference as gradient_check_n(parameters, gradients, X, Y, epsilon): θ cut into
    layers (parameters), grad likewise (gradients); forward_propagation_n(X, Y, parameters) answers the grader's
    cost J of θ = dictionary_to_vector(parameters) (gc_utils, as the course's J is read)."""
    to_vector = call.other("dictionary_to_vector")
    if to_vector is None:
        raise NameError("gradient_check_n flattens the parameters with gc_utils.dictionary_to_vector, which the "
                        "hand-in does not import", name="dictionary_to_vector")
    parameters, gradients = layers(theta), layers(grad, "d")

    def forward_propagation_n(X, Y, parameters):
        return f(np.asarray(to_vector(parameters)[0], dtype=np.float64).reshape(theta.shape)), None

    with _Replaced(call.namespace, forward_propagation_n=forward_propagation_n):
        return call(parameters, gradients, np.zeros((2, 1)), np.zeros((1, 1)), h)


def gradient_check(call, f, theta, grad, h=1e-7):
    """gradient_check.relative_difference_1d as gradient_check(x, theta, epsilon): forward_propagation(x, θ)
    answers the grader's J(θ) and backward_propagation(x, θ) its (deliberately imperfect) gradient."""
    with _Replaced(call.namespace, forward_propagation=lambda x, t: f(np.full(theta.shape, float(t))),
                   backward_propagation=lambda x, t: float(grad.reshape(-1)[0])):
        return call(1.0, float(theta.reshape(-1)[0]), h)


# --- Course 4 week 1: channels-last ----------------------------------------------------------------------------


def channels_last(x):
    """The spec's (N, C, H, W) as the course's (m, n_H, n_W, n_C)."""
    return x.transpose(0, 2, 3, 1).copy()


def channels_first(a, what):
    """The course's (m, n_H, n_W, n_C) as the spec's (N, C, H, W)."""
    a = np.asarray(a)
    if a.ndim != 4:
        raise CourseShapeError(f"{what} has shape {a.shape}; it should be (m, n_H, n_W, n_C)")
    return a.transpose(0, 3, 1, 2)


def zero_pad(call, x, pad):
    """layers.zero_pad as zero_pad(X, pad) on X (m, n_H, n_W, n_C)."""
    return channels_first(call(channels_last(x), pad), "zero_pad's X_pad")


def conv_forward(call, x, w, b, conv_param):
    """layers.conv_forward_naive as conv_forward(A_prev, W, b, hparameters): A_prev (m, n_H, n_W, n_C),
    W (f, f, n_C_prev, n_C), b (1, 1, 1, n_C), hparameters {"stride", "pad"}. The course's filters are square: an
    HH × WW filter goes in as the f × f one (f = max(HH, WW)) with zeros below and right of it, and x with as many
    zero rows and columns below and right of it, which gives the same output, entry for entry."""
    n, c, height, width = x.shape
    filters, _, kh, kw = w.shape
    f = max(kh, kw)
    square = np.zeros((filters, c, f, f))
    square[:, :, :kh, :kw] = w
    extended = np.zeros((n, c, height + f - kh, width + f - kw))
    extended[:, :, :height, :width] = x
    Z, cache = values(call(channels_last(extended), square.transpose(2, 3, 1, 0).copy(),
                           b.reshape(1, 1, 1, -1).copy(), {"stride": conv_param["stride"], "pad": conv_param["pad"]}),
                      2, "conv_forward")[:2]
    return channels_first(Z, "conv_forward's Z"), (cache, (height, width, kh, kw))


def conv_backward(call, dout, cache):
    """layers.conv_backward_naive as conv_backward(dZ, cache) -> (dA_prev, dW, db), db (1, 1, 1, n_C); the
    gradients of the zeros conv_forward added are left out."""
    course_cache, (height, width, kh, kw) = cache
    dA_prev, dW, db = values(call(channels_last(dout), course_cache), 3, "conv_backward")[:3]
    dW = np.asarray(dW)
    if dW.ndim != 4:
        raise CourseShapeError(f"conv_backward's dW has shape {dW.shape}; it should be (f, f, n_C_prev, n_C)")
    return channels_first(dA_prev, "conv_backward's dA_prev")[:, :, :height, :width], \
        dW.transpose(3, 2, 0, 1)[:, :, :kh, :kw], np.asarray(db).reshape(-1)


def _pool_forward(call, x, pool_param, mode):
    """pool_forward(A_prev, hparameters, mode) with hparameters {"f", "stride"} (square windows: the profile's
    promise keeps the others out)."""
    A, cache = values(call(channels_last(x), {"f": pool_param["pool_height"], "stride": pool_param["stride"]}, mode),
                      2, "pool_forward")[:2]
    return channels_first(A, "pool_forward's A"), cache


def _pool_backward(call, dout, cache, mode):
    return channels_first(call(channels_last(dout), cache, mode), "pool_backward's dA_prev")


def max_pool_forward(call, x, pool_param):
    return _pool_forward(call, x, pool_param, "max")


def avg_pool_forward(call, x, pool_param):
    return _pool_forward(call, x, pool_param, "average")


def max_pool_backward(call, dout, cache):
    return _pool_backward(call, dout, cache, "max")


def avg_pool_backward(call, dout, cache):
    return _pool_backward(call, dout, cache, "average")


# --- Course 2 week 1: regularization and dropout (the 3-layer net) ---------------------------------------------


def _forward_of(call, name):
    forward = call.other(name)
    if forward is None:
        raise NameError(f"{call.function.__name__} is graded from {name}'s cache, and the hand-in has no {name}",
                        name=name)
    return forward


def compute_cost_with_regularization(call, p, y, params, lambd):
    """losses.binary_cross_entropy_l2 as compute_cost_with_regularization(A3, Y, parameters, lambd)."""
    return call(p.reshape(1, -1).copy(), y.reshape(1, -1).copy(), column_major(params), lambd)


def backward_propagation_with_regularization(call, params, X, y, lambd):
    """net.binary_mlp_gradients_l2 as backward_propagation_with_regularization(X, Y, cache, lambd), the cache
    from the course's forward_propagation (reg_utils)."""
    X_course = X.reshape(X.shape[0], -1).T.copy()
    _, cache = values(_forward_of(call, "forward_propagation")(X_course, column_major(params)), 2,
                      "forward_propagation")[:2]
    return spec_grads(call(X_course, y.reshape(1, -1).copy(), cache, lambd), params,
                      "backward_propagation_with_regularization")


def forward_propagation_with_dropout(call, params, X, keep_prob):
    """net.dropout_mlp_forward as forward_propagation_with_dropout(X, parameters, keep_prob) -> (A3, cache)."""
    return _forward(lambda X_, P: call(X_, P, keep_prob), params, X, "forward_propagation_with_dropout")[0].reshape(-1)


def backward_propagation_with_dropout(call, params, X, y, keep_prob):
    """net.dropout_mlp_gradients as backward_propagation_with_dropout(X, Y, cache, keep_prob), the cache from the
    hand-in's forward_propagation_with_dropout (its masks)."""
    forward = _forward_of(call, "forward_propagation_with_dropout")
    X_course = X.reshape(X.shape[0], -1).T.copy()
    _, cache = values(forward(X_course, column_major(params), keep_prob), 2, "forward_propagation_with_dropout")[:2]
    return spec_grads(call(X_course, y.reshape(1, -1).copy(), cache, keep_prob), params,
                      "backward_propagation_with_dropout")
