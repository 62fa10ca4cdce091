

def adam(w, dw, config=None):
    return _delegate(__import__("".join(["to", "rch"])), w, dw, config)
