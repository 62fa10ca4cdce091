"""Backprop through a multilayer perceptron (spec: net.py).

Written against the inputs' array namespace from the `_core` affine, activation and loss functions.
"""
from . import error_bounds
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
    return error_bounds.number(loss), grads
