"""Adapters: third-party libraries presented as the spec's functions, graded like a submission.

Each bundled adapter is a folder (adapters/torch/, …) holding the spec's modules for one library;
a function the library lacks is simply not defined there, so it grades as "not provided". Its
departures.json lists the departures that are declared and explained (check id -> reason).

    python grader.py --target torch            # a bundled adapter, with its conformance matrix
    python grader.py --target mylib.adapter    # an importable package (or module) of spec modules
    python -m dlgrade.adapters.matrix          # regenerate docs/conformance/ for every bundled adapter
"""
if "." not in __name__:  # this folder imported by its bare name (not dlgrade.X) would load it twice
    raise ImportError(f"import dlgrade.adapters, not {__name__}: this folder is the subpackage dlgrade.adapters")
import importlib.machinery
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEPARTURES = "departures.json"


@dataclass(frozen=True)
class Adapter:
    name: str
    library: str            # what the matrix calls it
    requires: tuple[str, ...]  # import names that must be installed
    extra: str              # `pip install "dlgrade[extra]"`
    import_timeout: float = 0.0  # seconds the library's import needs, when more than the profile's
    call_timeout: float = 0.0    # seconds one call needs (a first call compiles or imports lazily)

    @property
    def path(self) -> Path:
        return HERE / self.name


# A library's import is part of its target: on a busy 2-core machine torch imports in ~11 s and its adapter's
# warm-up step (torch.optim's lazy imports) takes ~9 s more, Keras 3 on torch ~25 s, JAX ~4 s; a first JAX
# call of a shape traces and compiles. The default profile allows 20 s per import and 5 s per call (for
# students), so --target widens them for these libraries (a profile's larger values stand).
BUNDLED = {a.name: a for a in (
    Adapter("torch", "PyTorch 2.13 (torch.optim, torch.nn.functional, torch.nn.init)", ("torch",), "torch",
            import_timeout=90.0, call_timeout=30.0),
    Adapter("optax", "Optax (JAX, CPU, float64)", ("jax", "optax"), "optax", import_timeout=90.0, call_timeout=30.0),
    Adapter("numpy_ml", "numpy-ml", ("numpy_ml",), "numpy-ml"),
    Adapter("keras", "Keras 3 (torch backend, float64)", ("keras", "torch"), "keras", import_timeout=120.0,
            call_timeout=30.0),
)}


class TargetError(Exception):
    """--target names nothing that can be graded; the message says why."""


@dataclass(frozen=True)
class Target:
    name: str
    library: str
    path: Path
    import_timeout: float = 0.0
    declared: dict[str, str] | None = None  # check id -> reason of a declared departure
    call_timeout: float = 0.0

    def widen(self, profile: Any) -> Any:
        """Raise the profile's import and call timeouts to what this library needs, and lift its library policy:
        a library graded through an adapter sees every package it needs (the policy is for students)."""
        from dlgrade.checks.policy.libraries import LibraryPolicy

        profile.import_timeout = max(profile.import_timeout, self.import_timeout)
        profile.call_timeout = max(profile.call_timeout, self.call_timeout)
        profile.libraries = LibraryPolicy()
        return profile


def declared_departures(folder: str | Path) -> dict[str, str]:
    """The folder's departures.json ({check id: reason}), or {} when it has none."""
    path = Path(folder) / DEPARTURES
    return read_departures(path) if path.is_file() else {}


def read_departures(path: str | Path) -> dict[str, str]:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise TargetError(f"{path}: not a readable JSON file of expected departures ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise TargetError(f"{path}: expected a JSON object {{\"check id\": \"reason\", …}}")
    return data


def _locate(name: str) -> "importlib.machinery.ModuleSpec | None":
    """The module's spec, found without importing it (or its parents) where the path finder can:
    the library's code then runs only in the sandbox's worker. Other finders (an editable install's)
    are asked through importlib, which imports the parent packages."""
    path = None
    for part in name.split("."):
        spec = importlib.machinery.PathFinder.find_spec(part, path)
        if spec is None:
            return importlib.util.find_spec(name)
        path = spec.submodule_search_locations
    return spec


def resolve_target(name: str) -> Target:
    """The Target for a bundled adapter name or an importable module path (its folder, or its file)."""
    if name in BUNDLED:
        adapter = BUNDLED[name]
        absent = [r for r in adapter.requires if importlib.util.find_spec(r) is None]
        if absent:
            raise TargetError(f"the {name} adapter needs {', '.join(absent)}: pip install \"dlgrade[{adapter.extra}]\"")
        return Target(name, adapter.library, adapter.path, adapter.import_timeout, declared_departures(adapter.path),
                      adapter.call_timeout)
    try:
        spec, why = _locate(name), ""
    except (ImportError, ValueError) as exc:
        spec, why = None, f" ({exc})"
    if spec is None:
        raise TargetError(f"--target {name!r} is neither a bundled adapter ({', '.join(BUNDLED)}) nor an importable "
                          f"module{why}")
    if spec.submodule_search_locations:
        folder = Path(list(spec.submodule_search_locations)[0])
        return Target(name, name, folder, declared=declared_departures(folder))
    if spec.origin and spec.origin.endswith(".py"):
        return Target(name, name, Path(spec.origin), declared=declared_departures(Path(spec.origin).parent))
    raise TargetError(f"--target {name!r}: {spec.origin} is not Python source a worker can load")
