import torch


def adam(w, dw, config=None):
    return _delegate(torch, w, dw, config)
