"""A stand-in for a package the course's library policy forbids: its import succeeds, any use of it fails.

The sandbox's view holds this file as `<name>/__init__.py` in the worker's stand-in folder, for every
package the grader hides (the package's own files are absent from the view). So a stray `import torch`,
`import torch.nn as nn` or `from torch.optim import Adam` that is never used costs nothing, while
calling, indexing, iterating, comparing or computing with anything under the name raises PolicyError,
an ImportError that names what was used (`torch.optim.Adam`). The worker reports it as the policy's
failure of the function that used it. Nothing here enforces the policy: the package is not there to
reach; a submission that removes this module's finder only turns the stand-in's submodules into
ModuleNotFoundError, an ImportError naming the same package.
"""
import importlib.abc
import importlib.machinery
import sys
import types


class PolicyError(ImportError):
    """A package the course's library policy forbids was used; `name` is what was used (torch.optim.Adam)."""


def _refuse(name):
    top = name.partition(".")[0]
    return PolicyError(f"{name}: the course's library policy does not allow {top} (the grader's view holds "
                       f"only a stand-in under that name)", name=name)


class Forbidden:
    """A name under a forbidden package (torch.optim, torch.optim.Adam): its attributes are more of them;
    every other use raises PolicyError."""
    __slots__ = ("_name",)

    def __init__(self, name):
        object.__setattr__(self, "_name", name)

    def __getattr__(self, attribute):
        if attribute.startswith("__") and attribute.endswith("__"):
            raise _refuse(f"{self._name}.{attribute}")
        return Forbidden(f"{self._name}.{attribute}")

    def __setattr__(self, attribute, value):
        raise _refuse(f"{self._name}.{attribute}")

    def __repr__(self):
        return f"<stand-in for {self._name}, which the course's library policy does not allow>"


def _refusing(method):
    def use(self, *args, **kwargs):
        raise _refuse(object.__getattribute__(self, "_name"))
    use.__name__ = method
    return use


for _method in ("__call__", "__getitem__", "__setitem__", "__delitem__", "__iter__", "__len__", "__contains__",
                "__bool__", "__int__", "__float__", "__complex__", "__index__", "__array__", "__array_ufunc__",
                "__array_function__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__",
                "__enter__", "__exit__", "__instancecheck__", "__subclasscheck__", "__mro_entries__", "__neg__",
                "__pos__", "__abs__", "__invert__", "__add__", "__radd__", "__sub__", "__rsub__", "__mul__",
                "__rmul__", "__matmul__", "__rmatmul__", "__truediv__", "__rtruediv__", "__floordiv__",
                "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__", "__and__", "__rand__", "__or__",
                "__ror__", "__xor__", "__rxor__", "__lshift__", "__rshift__", "__format__", "__str__"):
    setattr(Forbidden, _method, _refusing(_method))


def _module_getattr(module_name):
    def __getattr__(attribute):
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(f"module {module_name!r} has no attribute {attribute!r}")
        return Forbidden(f"{module_name}.{attribute}")
    return __getattr__


class _Submodules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """`import torch.nn.functional` under the stand-in: a module whose every attribute is Forbidden."""

    def __init__(self, top):
        self.top = top

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(self.top + "."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__getattr__ = _module_getattr(spec.name)
        return module

    def exec_module(self, module):
        module.__path__ = []


__path__: list[str] = []  # a package, whether the view holds it as name/__init__.py or over a module file name.py
__getattr__ = _module_getattr(__name__)
if not any(isinstance(f, _Submodules) and f.top == __name__ for f in sys.meta_path):
    sys.meta_path.append(_Submodules(__name__))
