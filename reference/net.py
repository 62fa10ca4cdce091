"""Backprop through a multilayer perceptron (spec: net.py).

Written against the inputs' array namespace from the `_core` affine, activation and loss functions.
"""
import numpy as np

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

    penalised = [key for key in params if key.startswith("W") or (reg_biases and key.startswith("b"))]
    for key in penalised:
        penalty, dpenalty = loss_core.l2_regularization(params[key], reg, 1, half=reg_half)
        loss = loss + penalty
        grads[key] = grads[key] + dpenalty
    return float(loss), grads


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
