"""Plausible wrong implementations of init.py, one per check, each caught by that check."""

KNOWN_WRONG = {
    "init.xavier_normal/shape": '''
import numpy as np

def xavier_normal(fan_in, fan_out, rng):
    """Returns the transpose, (fan_out, fan_in)."""
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_out, fan_in))
''',
    "init.xavier_normal/same_seed": '''
import numpy as np

def xavier_normal(fan_in, fan_out, rng):
    """Draws from numpy's global random state instead of rng."""
    return np.random.randn(fan_in, fan_out) * np.sqrt(2.0 / (fan_in + fan_out))
''',
    "init.xavier_normal/distribution": '''
import numpy as np

def xavier_normal(fan_in, fan_out, rng):
    """Uses σ = √(1/(fan_in + fan_out)) (the 2 forgotten)."""
    return rng.normal(0.0, np.sqrt(1.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
''',
    "init.xavier_uniform/shape": '''
import numpy as np

def xavier_uniform(fan_in, fan_out, rng):
    """Draws a flat vector of fan_in·fan_out entries."""
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=fan_in * fan_out)
''',
    "init.xavier_uniform/same_seed": '''
import numpy as np

def xavier_uniform(fan_in, fan_out, rng):
    """Builds its own generator with a fixed seed and ignores rng."""
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return np.random.default_rng(0).uniform(-bound, bound, size=(fan_in, fan_out))
''',
    "init.xavier_uniform/distribution": '''
import numpy as np

def xavier_uniform(fan_in, fan_out, rng):
    """Draws from U(0, 2a) instead of U(−a, a): not zero-mean."""
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(0.0, 2 * bound, size=(fan_in, fan_out))
''',
    "init.he_normal/shape": '''
import numpy as np

def he_normal(fan_in, fan_out, rng):
    """Rounds to integers."""
    return np.round(rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))).astype(int)
''',
    "init.he_normal/same_seed": '''
import numpy as np

def he_normal(fan_in, fan_out, rng):
    """Draws from numpy's global random state instead of rng."""
    return np.random.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
''',
    "init.he_normal/distribution": '''
import numpy as np

def he_normal(fan_in, fan_out, rng):
    """Uses LeCun's σ = √(1/fan_in)."""
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))
''',
    "init.lecun_normal/shape": '''
import numpy as np

def lecun_normal(fan_in, fan_out, rng):
    """Returns a nested list instead of an array."""
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out)).tolist()
''',
    "init.lecun_normal/same_seed": '''
import numpy as np

def lecun_normal(fan_in, fan_out, rng):
    """Reseeds the global state with a fixed seed and ignores rng."""
    np.random.seed(42)
    return np.random.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))
''',
    "init.lecun_normal/distribution": '''
import numpy as np

def lecun_normal(fan_in, fan_out, rng):
    """Draws uniformly with LeCun's std instead of normally."""
    bound = np.sqrt(3.0 / fan_in)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))
''',
}
