"""Backpropagation through a multilayer perceptron, and the course's two networks (STUDENT_API.md, "Course
conventions")."""


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


class FullyConnectedNet:
    """{affine − [batch/layer norm] − ReLU − [dropout]} × (L − 1) − affine − softmax.

    hidden_dims: the L − 1 hidden widths. dropout: the probability of DROPPING a unit (0: no dropout), as
    dropout_param["p"]; normalization: None, "batchnorm" or "layernorm". Dropout is seeded through `seed`.
    self.params holds W1, b1, …, WL, bL and, with normalization, gamma1, beta1, …, gamma(L−1), beta(L−1)
    (gamma of ones, beta of zeros); the grader sets the values it wants in self.params before calling loss.
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=0.0, normalization=None,
                 reg=0.0, weight_scale=1e-2, dtype="float32", seed=None):
        raise NotImplementedError

    def loss(self, X, y=None):
        """y None: test mode (batch norm with its running statistics, no dropout), the scores (N, C).
        Else train mode: (loss, grads), loss = mean softmax loss + 0.5·reg·Σ_l ‖W_l‖² (weights only),
        grads with the keys and shapes of self.params."""
        raise NotImplementedError


class ThreeLayerConvNet:
    """conv (stride 1, pad (filter_size − 1)/2) − ReLU − 2×2 max pool (stride 2) − affine − ReLU − affine − softmax.

    self.params holds W1 (num_filters, C, filter_size, filter_size), b1, W2, b2, W3, b3.
    """

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0, dtype="float32"):
        raise NotImplementedError

    def loss(self, X, y=None):
        """As FullyConnectedNet.loss."""
        raise NotImplementedError
