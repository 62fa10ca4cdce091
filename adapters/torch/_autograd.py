"""NumPy in, torch tensors through torch's own functions, NumPy out; backward passes by autograd.

A forward keeps (out, the leaf tensors it was computed from) as its cache; the backward is
torch.autograd.grad of Σ out·dout with respect to those leaves, so every gradient is the one
torch computes for the forward torch computed. Tensors keep the dtype of the arrays handed in:
float64 in is float64 through torch.
"""
import numpy as np
import torch


def leaf(array):
    """A tensor with the array's values and dtype that autograd differentiates with respect to."""
    return torch.tensor(np.array(array), requires_grad=True)


def constant(array):
    return torch.tensor(np.array(array))


def to_numpy(tensor):
    return tensor.detach().numpy().copy()


def forward(function, *arrays):
    """(out, cache): function of leaves made from the arrays; the cache keeps the graph."""
    leaves = [leaf(a) for a in arrays]
    out = function(*leaves)
    return to_numpy(out), (out, leaves)


def backward(dout, cache):
    """The gradients of Σ out·dout with respect to the forward's leaves, in their order."""
    out, leaves = cache
    grads = torch.autograd.grad(out, leaves, grad_outputs=constant(dout).to(out.dtype), retain_graph=True,
                                allow_unused=True)
    return tuple(np.zeros(leaf.shape, dtype=np.asarray(dout).dtype) if g is None else to_numpy(g)
                 for g, leaf in zip(grads, leaves))


def scalar_and_gradient(function, first, *rest):
    """(loss, ∂loss/∂first) for a torch loss of a leaf made from `first` and constants from `rest`."""
    x = leaf(first)
    loss = function(x, *(constant(r) for r in rest))
    (grad,) = torch.autograd.grad(loss, [x])
    return to_numpy(loss), to_numpy(grad)
