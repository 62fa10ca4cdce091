"""Backprop through a multilayer perceptron (spec: net.py), and the course's networks (spec: "Course conventions").

mlp_loss is written against the inputs' array namespace from the `_core` affine, activation and loss functions.
fc_net_loss and three_layer_convnet_loss compose the oracle's own layers (layers.py, losses.py), so each of
their formulas lives once; FullyConnectedNet and ThreeLayerConvNet are the classes the assignment asks for,
thin holders of params around them (the reference is graded as a submission too).
"""
import numpy as np

from . import error_bounds, layers
from . import losses as spec_losses
from ._core import activations as act
from ._core import layers as layer_core
from ._core import losses as loss_core

_FORWARD = {"relu": act.relu, "tanh": act.tanh, "sigmoid": act.sigmoid}
_BACKWARD = {  # (dout, z, a = φ(z)) -> dout · φ'(z)
    "relu": lambda dout, z, a: act.relu_backward(dout, z),
    "tanh": lambda dout, z, a: act.tanh_backward(dout, a),
    "sigmoid": lambda dout, z, a: act.sigmoid_backward(dout, z, a),
}


def mlp_loss(params, X, y, activation="relu", reg=0.0, *, reg_half=True, reg_biases=False):
    """Mean softmax loss of an L-layer perceptron plus (reg/2) Σ_l ‖W_l‖², and its gradients.

    a⁰ = X,  aˡ = φ(aˡ⁻¹ Wₗ + bₗ) for l < L,  scores = aᴸ⁻¹ W_L + b_L.
    Backward with δ = ∂loss/∂scores:  ∂Wₗ = (aˡ⁻¹)ᵀ δ + reg·Wₗ,  ∂bₗ = Σᵢ δᵢ,
    δ ← (δ Wₗᵀ) ⊙ φ'(zˡ⁻¹) with zˡ⁻¹ the pre-activation of aˡ⁻¹.  Returns (loss, grads) with grads keyed like params.
    Named mistakes: reg_half=False uses reg·Σ‖W‖² (gradients 2·reg·W);
    reg_biases=True penalises the biases too.
    """
    n_layers = sum(1 for key in params if key.startswith("W"))
    inputs, pre_activations = [X], []
    for layer in range(1, n_layers):
        z = layer_core.affine(inputs[-1], params[f"W{layer}"], params[f"b{layer}"])
        pre_activations.append(z)
        inputs.append(_FORWARD[activation](z))
    scores = layer_core.affine(inputs[-1], params[f"W{n_layers}"], params[f"b{n_layers}"])
    loss, dout = loss_core.softmax_loss(scores, y)

    grads = {}
    for layer in range(n_layers, 0, -1):
        dx, grads[f"W{layer}"], grads[f"b{layer}"] = layer_core.affine_backward(
            dout, inputs[layer - 1], params[f"W{layer}"])
        if layer > 1:
            dout = _BACKWARD[activation](dx, pre_activations[layer - 2], inputs[layer - 1])

    return _penalised(loss, grads, params, reg, reg_half=reg_half, reg_biases=reg_biases)


def _penalised(loss, grads, params, reg, *, reg_half=True, reg_biases=False, reg_missing=False):
    """(loss + (reg/2)·Σ_l ‖W_l‖², grads with reg·W_l added to each ∂W_l): the weights' L2 penalty.
    Mistakes: reg_half=False (reg·Σ‖W‖², gradient 2·reg·W), reg_biases (the b_l penalised too),
    reg_missing (no penalty at all)."""
    penalised = [] if reg_missing else [key for key in params if key.startswith("W")
                                        or (reg_biases and key.startswith("b"))]
    for key in penalised:
        penalty, dpenalty = loss_core.l2_regularization(params[key], reg, 1, half=reg_half)
        loss = loss + penalty
        grads[key] = grads[key] + dpenalty
    return error_bounds.number(loss), grads


# --- the course's networks --------------------------------------------------------------------------------


def fc_net_loss(params, X, y=None, *, normalization=None, dropout=0.0, seed=None, reg=0.0, bn_params=None,
                reg_half=True, reg_biases=False, reg_missing=False, last_relu=False, norm_params_fixed=False,
                norm_grads_missing=False, dropout_in_test=False):
    """FullyConnectedNet.loss: {affine − [batch/layer norm] − ReLU − [dropout]} × (L − 1) − affine − softmax.

    params {W1, b1, …, WL, bL} and, with normalization ("batchnorm" or "layernorm"), {γl, βl} for l < L:
        hˡ = dropout(ReLU(norm(hˡ⁻¹ Wₗ + bₗ; γₗ, βₗ))),  h⁰ = X,  scores = hᴸ⁻¹ W_L + b_L.
    y None: test mode, the scores (N, C): batch norm with the running statistics of bn_params (zeros when
    created), dropout the identity. Else train mode, (loss, grads): loss = mean softmax loss +
    (reg/2)·Σ_l ‖W_l‖², grads keyed like params, by the layers' backward passes in reverse; bn_params (one
    dict per hidden layer, updated in place) get the batch's running statistics.
    dropout is the drop probability p (0: none); one dropout_param {p, mode, seed} serves every layer, as the
    course's net has it, so with a seed every layer's mask is drawn from the same fresh generator.

    Named mistakes: reg_half=False, reg_biases, reg_missing (see _penalised); last_relu (a ReLU on the
    scores too); norm_params_fixed (γ = 1, β = 0 whatever params holds, and no ∂γ, ∂β in grads: γ and β
    never made parameters); norm_grads_missing (∂γ, ∂β left out of grads); dropout_in_test (the train-mode
    mask and scale in test mode too).
    """
    n_layers = sum(1 for key in params if key.startswith("W"))
    mode = "test" if y is None else "train"
    dropout_param = {"p": dropout, "mode": "train" if dropout_in_test else mode}
    if seed is not None:
        dropout_param["seed"] = seed
    if bn_params is None:
        bn_params = [{} for _ in range(n_layers - 1)]
    out, caches = X, []
    for layer in range(1, n_layers):
        out, affine_cache = layers.affine_forward(out, params[f"W{layer}"], params[f"b{layer}"])
        norm_cache = None
        if normalization is not None:
            gamma, beta = ((np.ones(out.shape[1]), np.zeros(out.shape[1])) if norm_params_fixed
                           else (params[f"gamma{layer}"], params[f"beta{layer}"]))
            if normalization == "batchnorm":
                bn_params[layer - 1]["mode"] = mode
                out, norm_cache = layers.batchnorm_forward(out, gamma, beta, bn_params[layer - 1])
            else:
                out, norm_cache = layers.layernorm_forward(out, gamma, beta, {})
        out, relu_cache = layers.relu_forward(out)
        dropout_cache = None
        if dropout > 0:
            out, dropout_cache = layers.dropout_forward(out, dropout_param)
        caches.append((affine_cache, norm_cache, relu_cache, dropout_cache))
    scores, last_cache = _scores(out, params[f"W{n_layers}"], params[f"b{n_layers}"], last_relu)
    if y is None:
        return scores

    grads = {}
    loss, dout, grads[f"W{n_layers}"], grads[f"b{n_layers}"] = _scores_backward(scores, y, last_cache)
    norm_backward = layers.batchnorm_backward if normalization == "batchnorm" else layers.layernorm_backward
    for layer in range(n_layers - 1, 0, -1):
        affine_cache, norm_cache, relu_cache, dropout_cache = caches[layer - 1]
        if dropout_cache is not None:
            dout = layers.dropout_backward(dout, dropout_cache)
        dout = layers.relu_backward(dout, relu_cache)
        if norm_cache is not None:
            dout, dgamma, dbeta = norm_backward(dout, norm_cache)
            if not (norm_params_fixed or norm_grads_missing):
                grads[f"gamma{layer}"], grads[f"beta{layer}"] = dgamma, dbeta
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = layers.affine_backward(dout, affine_cache)
    return _penalised(loss, grads, params, reg, reg_half=reg_half, reg_biases=reg_biases, reg_missing=reg_missing)


def _scores(out, W, b, last_relu):
    """The nets' scores out·W + b (and, mistake last_relu, a ReLU on them too), with their caches."""
    scores, affine_cache = layers.affine_forward(out, W, b)
    relu_cache = None
    if last_relu:
        scores, relu_cache = layers.relu_forward(scores)
    return scores, (affine_cache, relu_cache)


def _scores_backward(scores, y, cache):
    """(mean softmax loss of the scores, its gradient at the last affine's input, dW, db)."""
    loss, dout = spec_losses.softmax_loss(scores, y)
    affine_cache, relu_cache = cache
    if relu_cache is not None:
        dout = layers.relu_backward(dout, relu_cache)
    return (loss, *layers.affine_backward(dout, affine_cache))


def three_layer_convnet_loss(params, X, y=None, *, reg=0.0, reg_half=True, reg_biases=False, reg_missing=False,
                             last_relu=False):
    """ThreeLayerConvNet.loss: conv − ReLU − 2×2 max pool − affine − ReLU − affine − softmax.

    params W1 (F, C, k, k), b1 (F,), W2 (F·⌊H/2⌋·⌊W/2⌋, hidden), b2, W3 (hidden, classes), b3; X (N, C, H, W):
        h = maxpool₂ₓ₂(ReLU(W1 ⋆ X + b1)) with stride 1, pad (k − 1)/2 (the size kept), pool stride 2;
        scores = ReLU(h̃ W2 + b2) W3 + b3 (h̃: h flattened per sample).
    y None: the scores (N, classes); else (loss, grads) as fc_net_loss, with the same named mistakes
    (reg_half=False, reg_biases, reg_missing, last_relu).
    """
    conv_param = {"stride": 1, "pad": (params["W1"].shape[2] - 1) // 2}
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    out, conv_cache = layers.conv_forward_naive(X, params["W1"], params["b1"], conv_param)
    out, conv_relu_cache = layers.relu_forward(out)
    out, pool_cache = layers.max_pool_forward_naive(out, pool_param)
    out, hidden_cache = layers.affine_forward(out, params["W2"], params["b2"])
    out, hidden_relu_cache = layers.relu_forward(out)
    scores, last_cache = _scores(out, params["W3"], params["b3"], last_relu)
    if y is None:
        return scores

    grads = {}
    loss, dout, grads["W3"], grads["b3"] = _scores_backward(scores, y, last_cache)
    dout = layers.relu_backward(dout, hidden_relu_cache)
    dout, grads["W2"], grads["b2"] = layers.affine_backward(dout, hidden_cache)
    dout = layers.max_pool_backward_naive(dout, pool_cache)
    dout = layers.relu_backward(dout, conv_relu_cache)
    _, grads["W1"], grads["b1"] = layers.conv_backward_naive(dout, conv_cache)
    return _penalised(loss, grads, params, reg, reg_half=reg_half, reg_biases=reg_biases, reg_missing=reg_missing)


class FullyConnectedNet:
    """The course's FullyConnectedNet in the spec's layout: dropout is the drop probability (the spec's p, 0: none),
    normalization None, "batchnorm" or "layernorm". loss(X, y=None) is fc_net_loss on self.params.
    Keyword mistakes (fc_net_loss's) make a known-wrong net; norm_params_fixed leaves γ and β out of params."""

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=0.0, normalization=None,
                 reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None, **mistakes):
        dims = [input_dim, *hidden_dims, num_classes]
        rng = np.random.default_rng(seed)
        self.params = {}
        for layer, (fan_in, fan_out) in enumerate(zip(dims, dims[1:]), start=1):
            self.params[f"W{layer}"] = (weight_scale * rng.standard_normal((fan_in, fan_out))).astype(dtype)
            self.params[f"b{layer}"] = np.zeros(fan_out, dtype=dtype)
            if normalization is not None and layer < len(dims) - 1 and not mistakes.get("norm_params_fixed"):
                self.params[f"gamma{layer}"] = np.ones(fan_out, dtype=dtype)
                self.params[f"beta{layer}"] = np.zeros(fan_out, dtype=dtype)
        self.bn_params = [{"mode": "train"} for _ in hidden_dims] if normalization == "batchnorm" else None
        self.options = dict(mistakes, normalization=normalization, dropout=dropout, seed=seed, reg=reg)

    def loss(self, X, y=None):
        return fc_net_loss(self.params, X, y, bn_params=self.bn_params, **self.options)


class ThreeLayerConvNet:
    """The course's ThreeLayerConvNet: loss(X, y=None) is three_layer_convnet_loss on self.params.
    Keyword mistakes (three_layer_convnet_loss's) make a known-wrong net."""

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0, dtype=np.float32, **mistakes):
        channels, height, width = input_dim
        rng = np.random.default_rng()
        shapes = {"W1": (num_filters, channels, filter_size, filter_size),
                  "W2": (num_filters * (height // 2) * (width // 2), hidden_dim), "W3": (hidden_dim, num_classes)}
        self.params = {}
        for name, shape in shapes.items():
            self.params[name] = (weight_scale * rng.standard_normal(shape)).astype(dtype)
            self.params[f"b{name[1:]}"] = np.zeros(shape[0] if name == "W1" else shape[1], dtype=dtype)
        self.options = dict(mistakes, reg=reg)

    def loss(self, X, y=None):
        return three_layer_convnet_loss(self.params, X, y, **self.options)
def _binary_forward(params, X, output):
    """(inputs a⁰…aᴸ⁻¹, pre-activations z¹…zᴸ⁻¹, output probabilities (N,)) of the sigmoid-output perceptron."""
    n_layers = sum(1 for key in params if key.startswith("W"))
    inputs, pre_activations = [X], []
    for layer in range(1, n_layers):
        z = layer_core.affine(inputs[-1], params[f"W{layer}"], params[f"b{layer}"])
        pre_activations.append(z)
        inputs.append(act.relu(z))
    z = layer_core.affine(inputs[-1], params[f"W{n_layers}"], params[f"b{n_layers}"])
    probabilities = act.sigmoid(z) if output == "sigmoid" else act.relu(z)
    return inputs, pre_activations, probabilities.reshape(X.shape[0])


def binary_mlp_forward(params, X, *, output="sigmoid"):
    """Probabilities (N,) of an L-layer perceptron with ReLU hidden layers and one sigmoid output unit (a course
    row: the Deep Learning Specialization's L_model_forward, here row-major: W_l (d_{l−1}, d_l), W_L (d_{L−1}, 1)).
    output="relu": ReLU on the output layer too (the loop runs over every layer)."""
    return _binary_forward(params, X, output)[2]


def binary_mlp_gradients(params, X, y, *, upstream="own"):
    """The gradients, keyed like params, of the mean binary cross-entropy of binary_mlp_forward's probabilities
    and y (N,) in {0, 1} (a course row: the Deep Learning Specialization's L_model_backward, which starts from
    L_model_forward's caches). δ = (p − y)/N at the output; then as mlp_loss with φ = ReLU.
    upstream="last_hidden": every hidden layer's backward starts from the gradient of the last hidden layer's
    output, not of its own (right only for one hidden layer)."""
    return _binary_gradients(params, X, y, upstream)


def _binary_gradients(params, X, y, upstream="own"):
    inputs, pre_activations, p = _binary_forward(params, X, "sigmoid")
    n_layers = len(inputs)
    dout = ((p - y) / X.shape[0]).reshape(-1, 1)
    grads, last_hidden = {}, None
    for layer in range(n_layers, 0, -1):
        dx, grads[f"W{layer}"], grads[f"b{layer}"] = layer_core.affine_backward(
            dout, inputs[layer - 1], params[f"W{layer}"])
        last_hidden = dx if last_hidden is None else last_hidden
        if layer > 1:
            dout = act.relu_backward(last_hidden if upstream == "last_hidden" else dx, pre_activations[layer - 2])
    return grads



def binary_mlp_gradients_l2(params, X, y, lambd, *, half=False):
    """binary_mlp_gradients plus the L2 penalty's (λ/N)·W_l on every weight (a course row: the Deep Learning
    Specialization's backward_propagation_with_regularization). Mistake half: (λ/2N)·W_l."""
    grads = _binary_gradients(params, X, y)
    factor = lambd / X.shape[0] / (2 if half else 1)
    return {key: grad + factor * params[key] if key.startswith("W") else grad for key, grad in grads.items()}


def _dropout_forward(params, X, keep_prob, scale):
    """(inputs a⁰…aᴸ⁻¹ after dropout, pre-activations, masks (N, n_l), probabilities (N,)) with every hidden layer's
    mask drawn, in order, from NumPy's legacy RNG seeded with 1 as the course draws them: rand(n_l, N) < keep_prob."""
    rng = np.random.RandomState(1)
    n_layers = sum(1 for key in params if key.startswith("W"))
    inputs, pre_activations, masks = [X], [], []
    for layer in range(1, n_layers):
        z = layer_core.affine(inputs[-1], params[f"W{layer}"], params[f"b{layer}"])
        pre_activations.append(z)
        keep = (rng.rand(z.shape[1], z.shape[0]) < keep_prob).T
        masks.append(keep)
        inputs.append(layer_core.dropout(act.relu(z), keep, keep_prob, inverted=scale))
    z = layer_core.affine(inputs[-1], params[f"W{n_layers}"], params[f"b{n_layers}"])
    return inputs, pre_activations, masks, act.sigmoid(z).reshape(X.shape[0])


def dropout_mlp_forward(params, X, keep_prob, *, scale=True):
    """binary_mlp_forward with inverted dropout after every hidden ReLU, the masks NumPy's legacy RNG draws after
    np.random.seed(1) (a course row: the Deep Learning Specialization's forward_propagation_with_dropout).
    Mistake scale=False: the kept units not divided by keep_prob."""
    return _dropout_forward(params, X, keep_prob, scale)[3]


def dropout_mlp_gradients(params, X, y, keep_prob, *, scale=True):
    """The gradients of the mean binary cross-entropy of dropout_mlp_forward (the same masks): dA_l ⊙ D_l / keep_prob
    before each hidden ReLU's backward (a course row: backward_propagation_with_dropout).
    Mistake scale=False: dA_l ⊙ D_l, not divided by keep_prob."""
    inputs, pre_activations, masks, p = _dropout_forward(params, X, keep_prob, True)
    dout = ((p - y) / X.shape[0]).reshape(-1, 1)
    grads = {}
    for layer in range(len(inputs), 0, -1):
        dx, grads[f"W{layer}"], grads[f"b{layer}"] = layer_core.affine_backward(
            dout, inputs[layer - 1], params[f"W{layer}"])
        if layer > 1:
            dx = layer_core.dropout_backward(dx, masks[layer - 2], keep_prob, scale=scale)
            dout = act.relu_backward(dx, pre_activations[layer - 2])
    return grads
