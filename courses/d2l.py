"""d2l.ai's from-scratch optimizers (Dive into Deep Learning, chapter 11), PyTorch form, as the spec's rules.

Run in the worker by the course runtime (runtime.py), like dls.py. d2l's trainer_fn(params, states, hyperparams)
updates in place and returns nothing; it reads each gradient from p.grad. So the spec's w becomes d2l's linear
model [w (d, 1), b (1,)] (w's entries in order, d = size − 1), its dw goes into their .grad, and the state
tensors come from the hand-in's init_*_states(d) on the first step, from the spec's config after it; the grader
reads params and states after the call. Hyperparameters dicts: {'lr'}, {'lr', 'momentum'}, {'lr', 'gamma'},
{'lr', 't'} (Adam counts t itself, from 1). Tensors are float64, as the grader's inputs are (torch's default
dtype is set so, the hand-in's zeros included).
"""
import numpy as np


class CourseShapeError(ValueError):
    """The course's function left a tensor of a shape (or a count) the course does not give it."""


def _torch():
    import torch  # noqa: PLC0415  (the worker imports torch only for a d2l hand-in)
    torch.set_default_dtype(torch.float64)
    return torch


def _model(w, dw):
    """[w (d, 1), b (1,)] as leaf tensors with their .grad, and d."""
    torch = _torch()
    flat, grad = np.asarray(w, dtype=np.float64).reshape(-1), np.asarray(dw, dtype=np.float64).reshape(-1)
    d = flat.size - 1
    params = []
    for value, gradient in ((flat[:d].reshape(d, 1), grad[:d].reshape(d, 1)), (flat[d:], grad[d:])):
        p = torch.tensor(value.copy(), requires_grad=True)
        p.grad = torch.tensor(gradient.copy())
        params.append(p)
    return params, d


def _joined(tensors, shape, what):
    pieces = []
    for tensor, size in zip(tensors, (int(np.prod(shape)) - 1, 1)):
        value = np.asarray(tensor.detach().cpu().numpy(), dtype=np.float64).reshape(-1)
        if value.size != size:
            raise CourseShapeError(f"{what} holds {value.size} entries; it should keep the shape it was given")
        pieces.append(value)
    return np.concatenate(pieces).reshape(shape)


def _tensors(array, d):
    """The spec's state array as d2l's pair of state tensors (w's (d, 1), b's (1,))."""
    torch = _torch()
    flat = np.asarray(array, dtype=np.float64).reshape(-1)
    return torch.tensor(flat[:d].reshape(d, 1).copy()), torch.tensor(flat[d:].copy())


def _states(call, config, keys, init, d):
    """The state tensors: from config's keys (one per state of a pair), else the hand-in's init(d)."""
    if all(k in config for k in keys):
        pairs = [_tensors(config[k], d) for k in keys]
        return tuple(zip(*pairs)) if len(keys) > 1 else pairs[0]
    initialize = call.other(init)
    if initialize is None:
        raise NameError(f"{call.function.__name__} starts from {init}'s states, and the hand-in has no {init}",
                        name=init)
    return initialize(d)


def _state_arrays(states, keys, shape, what):
    """The spec's state arrays of d2l's states (pairs for two-state rules)."""
    if len(keys) == 1:
        return {keys[0]: _joined(states, shape, what)}
    return {key: _joined([states[0][i], states[1][i]], shape, f"{what} ({key})") for i, key in enumerate(keys)}


def sgd(call, w, dw, config=None):
    """optim.sgd as sgd(params, states, hyperparams)."""
    config = call.config(config)
    params, _ = _model(w, dw)
    call(params, [], {"lr": config["learning_rate"]})
    return _joined(params, w.shape, "params"), config


def _stateful(call, w, dw, config, keys, init, hyperparams):
    config = call.config(config)
    params, d = _model(w, dw)
    states = _states(call, config, keys, init, d)
    sent = hyperparams(config)
    call(params, states, sent)
    return _joined(params, w.shape, "params"), {**config, **_state_arrays(states, keys, w.shape, "states")}, sent


def sgd_momentum(call, w, dw, config=None):
    """optim.sgd_momentum as sgd_momentum(params, states, {'lr', 'momentum'}): v ← μv + g, p ← p − lr·v (the
    spec's documented variant torch_buffer, whose velocity is this v)."""
    return _stateful(call, w, dw, config, ("velocity",), "init_momentum_states",
                     lambda c: {"lr": c["learning_rate"], "momentum": c["momentum"]})[:2]


def adagrad(call, w, dw, config=None):
    """optim.adagrad as adagrad(params, states, {'lr'}), ε = 1e-6 inside the root (variant d2l)."""
    return _stateful(call, w, dw, config, ("cache",), "init_adagrad_states",
                     lambda c: {"lr": c["learning_rate"]})[:2]


def rmsprop(call, w, dw, config=None):
    """optim.rmsprop as rmsprop(params, states, {'lr', 'gamma'}), ε = 1e-6 inside the root (variant d2l)."""
    return _stateful(call, w, dw, config, ("cache",), "init_rmsprop_states",
                     lambda c: {"lr": c["learning_rate"], "gamma": c["decay_rate"]})[:2]


def adam(call, w, dw, config=None):
    """optim.adam as adam(params, states, {'lr', 't'}), β and ε hard-coded (variant d2l); t is the step being
    taken (the spec's count + 1), and the hand-in increments hyperparams['t'] after it."""
    t = int((config or {}).get("t", 0)) + 1
    next_w, state, sent = _stateful(call, w, dw, config, ("m", "v"), "init_adam_states",
                                    lambda c: {"lr": c["learning_rate"], "t": t})
    if sent["t"] != t + 1:
        raise CourseShapeError(f"adam left hyperparams['t'] at {sent['t']} after step {t}; d2l's adam counts the "
                               f"steps: hyperparams['t'] += 1")
    return next_w, {**state, "t": t}
