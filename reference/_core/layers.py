"""Affine layer and dropout (spec: layers.py affine_*, dropout_*)."""
from . import array_namespace, error_bounds


def affine(x, w, b):
    """out = x̃ w + b with x̃ = x reshaped to (N, D)."""
    xp = array_namespace(x, w, b)
    return xp.reshape(x, (x.shape[0], -1)) @ w + b


def affine_backward(dout, x, w):
    """dx = (dout wᵀ) reshaped as x; dw = x̃ᵀ dout; db = Σₙ dout."""
    xp = array_namespace(dout, x, w)
    dx = xp.reshape(dout @ w.T, x.shape)
    dw = xp.reshape(x, (x.shape[0], -1)).T @ dout
    return dx, dw, xp.sum(dout, axis=0)


def dropout_scale(keep_prob, *, inverted=True):
    """Factor applied to the kept units in training: 1/q (inverted dropout) or 1; q = keep probability."""
    return 1.0 / keep_prob if inverted else 1.0


def dropout(x, keep, keep_prob, *, inverted=True):
    """Training: out = x ⊙ keep / q (inverted) or x ⊙ keep; keep is the boolean mask of kept units."""
    xp = array_namespace(x, keep)
    return x * xp.astype(keep, x.dtype) * dropout_scale(keep_prob, inverted=inverted)


def dropout_test(x, keep_prob, *, inverted=True):
    """Test: out = x (inverted) or q·x (scaled at test time). Linear, so also its own backward."""
    return x if inverted else keep_prob * x


def dropout_backward(dout, keep, keep_prob, *, inverted=True, scale=True, apply_mask=True):
    """dx = dout ⊙ keep · (forward's factor); scale=False drops the 1/q; apply_mask=False drops the mask
    (every unit gets the factor, dropped ones too: numpy-ml's Dropout.backward)."""
    xp = array_namespace(dout, keep)
    factor = dropout_scale(keep_prob, inverted=inverted) if scale else 1.0
    return (dout * xp.astype(keep, dout.dtype) if apply_mask else dout) * factor


error_bounds.follow(globals())  # float inputs enter the rounding mode as Bounded (reference.error_bounds)
