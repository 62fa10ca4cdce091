"""Plausible wrong implementations of the course's networks (net.py) and of batchnorm_backward_alt (layers.py), one
for each check (the check must fail). Each is appended to a copy of the reference, so it may build on its names."""

_PROBABILITIES_IN_TEST_MODE = '''
class {net}({net}):
    def loss(self, X, y=None):
        out = super().loss(X, y)
        if y is not None:
            return out
        e = np.exp(out - out.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
'''

_PENALTY_NOT_IN_GRADS = '''
class {net}({net}):
    def loss(self, X, y=None):
        if y is None:
            return super().loss(X)
        loss, grads = super().loss(X, y)
        reg = self.options["reg"]
        return loss, {{k: g - reg * self.params[k] if k.startswith("W") else g for k, g in grads.items()}}
'''

KNOWN_WRONG = {
    # test mode returns the softmax probabilities instead of the scores
    "net.FullyConnectedNet/scores": _PROBABILITIES_IN_TEST_MODE.format(net="FullyConnectedNet"),
    "net.ThreeLayerConvNet/scores": _PROBABILITIES_IN_TEST_MODE.format(net="ThreeLayerConvNet"),
    # dgamma and dbeta swapped
    "net.FullyConnectedNet/loss_grads": '''
class FullyConnectedNet(FullyConnectedNet):
    def loss(self, X, y=None):
        result = super().loss(X, y)
        if y is None:
            return result
        loss, grads = result
        for key in [k for k in grads if k.startswith("gamma")]:
            beta = "beta" + key[len("gamma"):]
            grads[key], grads[beta] = grads[beta], grads[key]
        return loss, grads
''',
    # the biases penalised too, in the loss and the gradients
    "net.ThreeLayerConvNet/loss_grads": '''
class ThreeLayerConvNet(ThreeLayerConvNet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.options["reg_biases"] = True
''',
    # the penalty in the loss, but not in the weights' gradients
    "net.FullyConnectedNet/finite_differences": _PENALTY_NOT_IN_GRADS.format(net="FullyConnectedNet"),
    "net.ThreeLayerConvNet/finite_differences": _PENALTY_NOT_IN_GRADS.format(net="ThreeLayerConvNet"),
    # the dropout argument never reaches the layers
    "net.FullyConnectedNet/dropout_train": '''
class FullyConnectedNet(FullyConnectedNet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.options["dropout"] = 0.0
''',
    # dgamma averaged over the batch instead of summed
    "layers.batchnorm_backward_alt/oracle": '''
_reference_batchnorm_backward_alt = batchnorm_backward_alt
def batchnorm_backward_alt(dout, cache):
    dx, dgamma, dbeta = _reference_batchnorm_backward_alt(dout, cache)
    return dx, dgamma / dout.shape[0], dbeta
''',
    # dx = (dx̂ − x̂·mean(dx̂·x̂))/σ: the −mean(dx̂) term of the mean's gradient is missing
    "layers.batchnorm_backward_alt/finite_differences": '''
def batchnorm_backward_alt(dout, cache):
    xhat, gamma = cache["xhat"], cache["gamma"]
    dxhat = dout * gamma
    dx = (dxhat - xhat * (dxhat * xhat).mean(axis=0)) / np.sqrt(cache["var"] + cache["eps"])
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)
''',
}
