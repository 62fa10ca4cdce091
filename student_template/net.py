"""Backpropagation through a multilayer perceptron."""


def mlp_loss(params, X, y, activation="relu", reg=0.0):
    """Loss and gradients of an L-layer perceptron.

    params: {"W1", "b1", ..., "WL", "bL"}, W_l (d_{l−1}, d_l), b_l (d_l,).
    X (N, d_0); y (N,) integer labels in [0, d_L).
    Hidden layers l = 1..L−1: a_l = φ(a_{l−1}·W_l + b_l), a_0 = X, φ ∈ {"relu", "tanh", "sigmoid"}.
    Scores s = a_{L−1}·W_L + b_L; loss = mean softmax cross-entropy of (s, y)
    + (reg/2) Σ_l ‖W_l‖² (weights only, not biases).
    Returns (loss, grads), grads with the same keys and shapes as params.
    """
    raise NotImplementedError
