"""Formula core: pure functions of arrays, namespace taken from the inputs."""
from array_api_compat import array_namespace

__all__ = ["array_namespace"]
