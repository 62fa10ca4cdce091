

# --- tests/submissions/policy/torch_adam.py: adam handed to torch.optim.Adam ---
import numpy as _np


def _delegate(torch, w, dw, config):
    """One step of torch.optim.Adam with the spec's state loaded into it (as adapters/torch does)."""
    config = {} if config is None else config
    for key, value in {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}.items():
        config.setdefault(key, value)
    parameter = torch.nn.Parameter(torch.tensor(_np.asarray(w, dtype=_np.float64)))
    parameter.grad = torch.tensor(_np.asarray(dw, dtype=_np.float64))
    optimizer = torch.optim.Adam([parameter], lr=config["learning_rate"], betas=(config["beta1"], config["beta2"]),
                                 eps=config["epsilon"])
    if "m" in config:
        optimizer.state[parameter] = {"exp_avg": torch.tensor(config["m"]), "exp_avg_sq": torch.tensor(config["v"]),
                                      "step": torch.tensor(float(config["t"]))}
    optimizer.step()
    state = optimizer.state[parameter]
    config["m"], config["v"] = state["exp_avg"].numpy().copy(), state["exp_avg_sq"].numpy().copy()
    config["t"] = int(state["step"])
    return parameter.detach().numpy().copy(), config
