"""numpy-ml's optimizers (numpy_ml.neural_nets.optimizers) as the spec's update rules.

    python grader.py --target numpy_ml --only optim

Each call builds the optimizer with every number from the spec's config (clip_norm=None: no
gradient clipping), puts the spec's state into its cache under one parameter name, calls
update(w, dw, name) and reads the cache back. numpy-ml's SGD cache is the step it subtracts
(u ← μu + ηg; w ← w − u), exposed as the spec's velocity as it is: the sign is numpy-ml's.
Adam's cache {t, mean, var} is the spec's t, m, v. numpy-ml has no Nesterov, AdamW, AMSGrad,
Adamax, Adadelta, Nadam or Lion: not provided.
"""
import copy

import numpy as np

from ._numpy_ml import optimizers

NAME = "w"


def _step(optimizer, w, dw, config, to_cache, from_cache):
    if to_cache is not None:
        optimizer.cache[NAME] = to_cache
    next_w = optimizer.update(np.array(w), np.array(dw), NAME)
    from_cache(copy.deepcopy(optimizer.cache[NAME]))
    return next_w, config


def _config(config, **defaults):
    config = {} if config is None else config
    for key, value in defaults.items():
        config.setdefault(key, value)
    return config


def sgd(w, dw, config=None):
    c = _config(config, learning_rate=1e-2)
    return _step(optimizers.SGD(lr=c["learning_rate"], momentum=0.0, clip_norm=None), w, dw, c, None,
                 lambda cache: None)


def sgd_momentum(w, dw, config=None):
    c = _config(config, learning_rate=1e-2, momentum=0.9)
    return _step(optimizers.SGD(lr=c["learning_rate"], momentum=c["momentum"], clip_norm=None), w, dw, c,
                 np.array(c["velocity"]) if "velocity" in c else None, lambda cache: c.update(velocity=cache))


def adagrad(w, dw, config=None):
    c = _config(config, learning_rate=1e-2, epsilon=1e-7)
    return _step(optimizers.AdaGrad(lr=c["learning_rate"], eps=c["epsilon"], clip_norm=None), w, dw, c,
                 np.array(c["cache"]) if "cache" in c else None, lambda cache: c.update(cache=cache))


def rmsprop(w, dw, config=None):
    c = _config(config, learning_rate=1e-2, decay_rate=0.99, epsilon=1e-8)
    return _step(optimizers.RMSProp(lr=c["learning_rate"], decay=c["decay_rate"], eps=c["epsilon"], clip_norm=None),
                 w, dw, c, np.array(c["cache"]) if "cache" in c else None, lambda cache: c.update(cache=cache))


def adam(w, dw, config=None):
    c = _config(config, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8)
    state = {"t": int(c["t"]), "mean": np.array(c["m"]), "var": np.array(c["v"])} \
        if all(k in c for k in ("m", "v", "t")) else None
    return _step(optimizers.Adam(lr=c["learning_rate"], decay1=c["beta1"], decay2=c["beta2"], eps=c["epsilon"],
                                 clip_norm=None), w, dw, c, state,
                 lambda cache: c.update(t=int(cache["t"]), m=cache["mean"], v=cache["var"]))
