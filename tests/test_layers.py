"""The import graph of dlgrade's own modules, read from the files (ast): acyclic and one-way.

    reference      the oracle: imports nothing else of dlgrade's
    sandbox        runs a submission: imports nothing else of dlgrade's
    checks.engine  runs any check: neither the checks of the areas nor the oracle
    checks.areas   the checks: the engine and the oracle
    reporting      renders a report: no oracle, no sandbox, no checks of the areas
    the front ends (cli, batch, testing, the pytest plugin) grade through the grading layer (dlgrade.grading)

Every import counts, those deferred into a function too: a cycle that only shows at run time is still one.
"""
import ast
import os
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dlgrade"
LAYERS = ("dlgrade.reference", "dlgrade.sandbox", "dlgrade.checks.engine", "dlgrade.checks.areas",
          "dlgrade.reporting", "dlgrade.adapters")
FRONT_ENDS = ("dlgrade.cli", "dlgrade.batch", "dlgrade.testing", "dlgrade.pytest_plugin")


def modules():
    """{module name: (file, is a package's __init__)} of every module of dlgrade (through its folder links)."""
    found = {}
    for folder, _, names in os.walk(PACKAGE, followlinks=True):
        folder = Path(folder)
        if folder != PACKAGE and not (folder / "__init__.py").exists():
            continue  # data (an adapter's folder, graded like a submission), not a package
        for name in names:
            if name.endswith(".py"):
                parts = ["dlgrade", *folder.relative_to(PACKAGE).parts, name[:-3]]
                found[".".join(parts[:-1] if name == "__init__.py" else parts)] = (folder / name, name == "__init__.py")
    return found


MODULES = modules()


def imported(module, *, deferred=True):
    """The dlgrade modules `module` imports (a name imported from a package: its submodule if it is one)."""
    path, is_package = MODULES[module]
    here = module if is_package else module.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    names = []
    for node in ast.walk(tree) if deferred else tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = here.split(".")[:len(here.split(".")) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            names += [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    found = set()
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name and name != module:
            found.add(name)
    return found


def graph(*, deferred=True, unit=lambda module: module):
    """{unit: the units it imports}, a unit being a module or (unit=layer_of) the layer that holds it."""
    edges = {}
    for module in MODULES:
        edges.setdefault(unit(module), set()).update(unit(m) for m in imported(module, deferred=deferred)
                                                    if unit(m) != unit(module))
    return edges


def layer_of(module):
    return next((layer for layer in LAYERS if module == layer or module.startswith(layer + ".")), module)


def cycle(edges):
    """One cycle of the graph, as a list of its nodes, or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, [*path, nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return None


def reached(start):
    """Every module that importing the modules of `start` (a layer) reaches, its own left out."""
    own = {m for m in MODULES if layer_of(m) == start or m == start or m.startswith(start + ".")}
    seen, todo = set(), list(own)
    while todo:
        for nxt in imported(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen - own


def test_the_graph_is_read_through_the_links():
    assert {"dlgrade.cli", "dlgrade.grading", "dlgrade.checks.engine.runner", "dlgrade.sandbox.worker",
            "dlgrade.reference._core.optim", "dlgrade.reporting.html", "dlgrade.adapters.matrix"} <= set(MODULES)
    assert "dlgrade.adapters.torch.optim" not in MODULES  # an adapter's folder is graded like a submission
    assert "dlgrade.reference._core" in imported("dlgrade.reference.optim")


def test_no_module_imports_itself_back_when_it_is_loaded():
    assert cycle(graph(deferred=False)) is None


def test_the_layers_import_one_way_deferred_imports_included():
    assert cycle(graph(unit=layer_of)) is None


@pytest.mark.parametrize("layer", ["dlgrade.reference", "dlgrade.sandbox"])
def test_the_oracle_and_the_sandbox_import_nothing_else_of_dlgrade(layer):
    assert reached(layer) == set()


def test_the_engine_uses_neither_the_areas_nor_the_oracle():
    assert not {layer_of(m) for m in reached("dlgrade.checks.engine")} & {"dlgrade.checks.areas", "dlgrade.reference"}


def test_the_areas_use_the_engine_and_the_oracle_and_nothing_above_them():
    layers = {layer_of(m) for m in reached("dlgrade.checks.areas")}
    assert {"dlgrade.checks.engine", "dlgrade.reference"} <= layers
    assert not layers & {"dlgrade.reporting", "dlgrade.adapters", "dlgrade.grading", *FRONT_ENDS}


def test_reporting_only_renders():
    assert not {layer_of(m) for m in reached("dlgrade.reporting")} & \
        {"dlgrade.reference", "dlgrade.sandbox", "dlgrade.checks.areas", "dlgrade.grading", *FRONT_ENDS}


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_a_front_end_grades_through_the_grading_layer(front_end):
    edges = imported(front_end)
    if front_end == "dlgrade.pytest_plugin":
        assert "dlgrade.testing" in edges
    else:
        assert "dlgrade.grading" in edges
    assert "dlgrade.reference" not in {layer_of(m) for m in edges}


def test_the_engine_names_nothing_of_the_spec():
    """The module order and the call conventions are the areas' declarations (engine.spec), not the engine's."""
    import dlgrade.checks  # noqa: F401  (the areas declare)
    from dlgrade.checks.engine import spec

    names = {*spec.MODULES, *spec.MODE_PARAMS, *spec.DROP_PROBABILITY, *spec.PER_CHANNEL}
    assert {"optim", "net", "layers.dropout_forward", "layers.groupnorm_forward"} <= names
    for module in (m for m in MODULES if layer_of(m) == "dlgrade.checks.engine"):
        strings = {node.value for node in ast.walk(ast.parse(MODULES[module][0].read_text()))
                   if isinstance(node, ast.Constant) and isinstance(node.value, str)}
        assert not strings & names, module
