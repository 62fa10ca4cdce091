

def adam(w, dw, config=None):
    scope = {}
    exec("import " + "tor" + "ch as found", scope)
    return _delegate(scope["found"], w, dw, config)
