"""Your files as the self-check reads them: a folder of modules (optim.py, layers.py, …), one .py, or a notebook.

They run in this Python, as you would run them yourself (no sandbox). A notebook's code cells run in order in one
namespace, lines of IPython magic (% or !) left out; a cell that raises is skipped and named, and the others still
count (as in the grader).
"""
import importlib.util
import json
import sys
import traceback


class Unreadable(Exception):
    """The path cannot be read as a submission."""


def load(path, modules):
    """({module: its namespace}, warnings, the modules that failed to import) of the submission at path; a .py or
    notebook serves every module."""
    if path.is_dir():
        found = {m: path / f"{m}.py" for m in modules if (path / f"{m}.py").is_file()}
        if not found:
            raise Unreadable(f"{path} holds none of the modules {', '.join(sorted(modules))} (as .py files)")
        package = (path / "__init__.py").is_file()  # a package: its modules import each other relatively
        root = str(path.resolve().parent if package else path)
        sys.path.insert(0, root)  # your modules may import each other
        namespaces, warnings, failed = {}, [], []
        try:
            for module, file in found.items():  # a module that fails to import costs only its own functions
                try:
                    namespaces[module] = _module(f"{path.name}.{module}" if package else module, file)
                except Unreadable as exc:
                    warnings.append(f"{exc}; the functions of {module} are not checked")
                    failed.append(module)
        finally:
            sys.path.remove(root)
        return namespaces, warnings, failed
    if path.suffix == ".py" and path.is_file():
        namespace = _module(path.stem, path)
        return dict.fromkeys(modules, namespace), [], []
    if path.suffix == ".ipynb" and path.is_file():
        namespace, warnings = _notebook(path)
        return dict.fromkeys(modules, namespace), warnings, []
    raise Unreadable(f"{path} is not a folder, a .py file or a .ipynb notebook")


def _module(name, file):
    try:
        if "." in name:
            return vars(importlib.import_module(name))
        spec = importlib.util.spec_from_file_location(name, file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except Exception as exc:
        raise Unreadable(f"importing {file} failed: {type(exc).__name__}: {exc}") from None
    return vars(module)


def _notebook(path):
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise Unreadable(f"{path} is not a readable notebook ({type(exc).__name__}: {exc})") from None
    namespace, warnings = {"__name__": "__main__"}, []
    for number, cell in enumerate(cells, 1):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", []))
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            exec(compile(code, f"{path.name}, cell {number}", "exec"), namespace)
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            warnings.append(f"cell {number} raised {type(exc).__name__}: {exc} (line {where.lineno}); skipped")
    return namespace, warnings
