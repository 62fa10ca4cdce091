"""The worker: imports a submission and runs the calls the grader sends, in its own process.

Started by sandbox.client as `python -I worker.py`, so neither the grader's folder nor
PYTHONPATH is on sys.path. It loads only the standard library, NumPy and protocol.py (by
file path). It knows how to import a submission, call a named function with plain data,
keep opaque results (caches) behind handles and route callbacks to the grader; it knows
nothing of what the functions compute or of what is right.
"""
import importlib.util
import os
import sys
import traceback
import types

_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("_dlgrade_protocol", os.path.join(_HERE, "protocol.py"))
assert _spec is not None and _spec.loader is not None  # a file beside this one, always found
protocol = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = protocol
if os.environ.get("DLGRADE_WORKER_PATH"):  # in the sandbox (python -S): the site-packages it imports from
    sys.path += os.environ["DLGRADE_WORKER_PATH"].split(os.pathsep)
_spec.loader.exec_module(protocol)

import numpy as np  # noqa: E402  (after the protocol, which needs it anyway)

PACKAGE = "submission"


class ImportBlocker:
    """Refuses imports of the grader's own packages, so a submission cannot load the oracle."""

    def __init__(self, names):
        self.names = frozenset(names)

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.names:
            raise ImportError(f"module {name!r} belongs to the grader; a submission cannot import it")
        return None


class StandIns:
    """Without the OS sandbox (--trust-submission) no view hides a forbidden package: here the stand-in
    (standin.py) is served under each forbidden name by this import hook instead, which the submission
    could undo (the report says so). In the sandbox the view itself holds the stand-ins."""

    def __init__(self, names):
        self.names = frozenset(names)

    def find_spec(self, name, path=None, target=None):
        if name in self.names:
            return importlib.util.spec_from_file_location(name, os.path.join(_HERE, "standin.py"),
                                                          submodule_search_locations=[])
        return None


class UnbuiltExtensions:
    """A compiled extension of the package that is not built (cs231n/im2col_cython.pyx with no .so beside it): its
    import succeeds and each name taken from it raises ModuleNotFoundError when used, so only what uses it fails,
    and says why. Last on sys.meta_path: a built extension is found first."""

    def __init__(self, package, root):
        self.package, self.root = package, root

    def find_spec(self, name, path=None, target=None):
        top, _, rest = name.partition(".")
        source = os.path.join(self.root, *rest.split(".")) + ".pyx" if rest else ""
        if top != self.package or not os.path.isfile(source):
            return None
        return importlib.util.spec_from_loader(name, self)

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__getattr__ = lambda attribute: _unbuilt(spec.name, attribute)
        return module

    def exec_module(self, module):
        pass


def _unbuilt(module, attribute):
    if attribute.startswith("__"):
        raise AttributeError(attribute)

    def use(*args, **kwargs):
        raise ModuleNotFoundError(f"{module} is a compiled extension ({module.rpartition('.')[2]}.pyx) that is "
                                  f"not built here; {attribute} needs it", name=module)
    return use


class Worker:
    def __init__(self, channel_in, channel_out):
        self.channel_in, self.channel_out = channel_in, channel_out
        self.forbidden = frozenset()
        self.handles, self.next_handle = {}, 0
        self.modules = {}
        self.layout = None
        self.package = PACKAGE
        self.course = None  # the course layer (dlgrade's courses/runtime.py, sent by the grader), if any
        self.request_id = None

    # --- messages -------------------------------------------------------------------------
    def send(self, message):
        message = dict(message, id=self.request_id)
        try:
            data = protocol.encode(message)
        except (protocol.ProtocolError, RecursionError) as exc:
            data = protocol.encode({protocol.ErrorKind.BAD_RETURN.value: f"returned {exc}", "id": self.request_id})
        self.channel_out.write(data)
        self.channel_out.flush()

    def receive(self):
        return protocol.read_message(self.channel_in.read)

    def serve(self):
        while True:
            try:
                request = self.receive()
            except EOFError:
                return
            self.request_id = request.get("id")
            op = request.get("op")
            handler = getattr(self, f"op_{op}", None)
            self.send(handler(request) if handler else {"error": _error_info(f"unknown op {op!r}")})

    # --- loading the submission -----------------------------------------------------------
    def op_init(self, request):
        self.layout = request
        sys.meta_path.insert(0, ImportBlocker(request["blocked"]))
        self.forbidden = frozenset(request.get("forbidden", ()))
        if request.get("standin_hook"):
            sys.meta_path.insert(1, StandIns(self.forbidden))
        if request.get("course"):
            self.course = _course_layer(request["course"])
        if request["layout"] == "package":
            root = request["root"]
            sys.path.insert(0, root)
            name = request.get("package") or PACKAGE  # a course's package is imported as itself (cs231n)
            package = types.ModuleType(name)
            package.__path__ = [root]
            sys.modules[name] = package
            self.package = name
            sys.meta_path.append(UnbuiltExtensions(name, root))
        return {"value": {"python": sys.version.split()[0], "numpy": np.__version__}}

    def op_load(self, request):
        name = request["module"]
        try:
            self.modules[name] = self._import(name)
        except _Missing as exc:
            return {protocol.ErrorKind.MISSING.value: str(exc)}
        except BaseException as exc:  # a submission's import may raise anything, SystemExit too
            return self._failure(exc)
        module = self.modules[name]
        return {"value": {
            "functions": sorted(n for n, v in vars(module).items()
                                if callable(v) and type(n) is str and not n.startswith("_")),
            "warnings": [],
        }}

    def _import(self, name):
        layout = self.layout
        if layout["layout"] == "package":
            root = layout["root"]
            path = os.path.join(root, *name.split("."))  # a module of a subpackage: classifiers.fc_net
            if not (os.path.isfile(f"{path}.py") or os.path.isfile(os.path.join(path, "__init__.py"))):
                raise _Missing(f"the submission has no {name.replace('.', '/')}.py")
            return importlib.import_module(f"{self.package}.{name}")
        if self.course is not None:  # a course's hand-in: its functions as the spec module `name` presents them
            return self.course.present(name, self._namespace().__dict__)
        return self._namespace()

    def _namespace(self):
        """The one namespace of a notebook's (or file's) cells, which holds every module's functions."""
        if "single" not in self.modules:
            module = types.ModuleType(PACKAGE)
            module.__file__ = self.layout["filename"]
            sys.modules[PACKAGE] = module
            self.modules["single"] = module
        return self.modules["single"]

    def op_cell(self, request):
        """Run one cell of a notebook (or the one of a file) in the namespace. The grader sends them one at a
        time, each with its own timeout, and restarts the worker without a cell that hangs or kills it."""
        cells, index = self.layout["cells"], request["index"]
        name = self.layout["filename"] if len(cells) == 1 else f"{self.layout['filename']}[cell {index}]"
        try:
            exec(compile(cells[index], name, "exec"), self._namespace().__dict__)
        except BaseException as exc:  # a cell may raise anything, SystemExit too
            return self._failure(exc)
        return {"value": None}

    # --- calls ------------------------------------------------------------------------------
    def op_call(self, request):
        """Call a function of a loaded module; or, with a target (a Handle), the method named by the last part
        of "function" ("Class.method") of the object kept there, after the entries of "assign"
        ({attribute: {key: value}}) are set in those dict attributes of the object."""
        module = self.modules.get(request["module"])
        if module is None:
            return {"error": _error_info(f"module {request['module']!r} is not loaded")}
        target = request.get("target")
        function = None if target else getattr(module, request["function"], None)
        if not target and not callable(function):
            where = f"{request['module']}.py" if self.layout["layout"] == "package" else "the submission"
            return {protocol.ErrorKind.MISSING.value: f"{where} has no function {request['function']}"}
        args = [self._inbound(a) for a in request["args"]]
        kwargs = {k: self._inbound(v) for k, v in request["kwargs"].items()}
        try:
            if target:
                function = self._method(target, request["function"].rpartition(".")[2], request.get("assign") or {})
            result = function(*args, **kwargs)
        except NotImplementedError as exc:
            return {protocol.ErrorKind.NOT_IMPLEMENTED.value: str(exc)}
        except BaseException as exc:
            return self._failure(exc)
        reply = {"value": self._outbound(result, request["keep"])}
        if request["return_args"]:
            reply["args_after"] = [_plain_or_marker(a) for a in args]
        return reply

    def _method(self, target, name, assign):
        """The bound method `name` of the object behind the handle, after the assignments (the object's own code
        may run in them: a property, a dict of its own making, so the caller catches what they raise)."""
        if not isinstance(target, protocol.Handle) or target.id not in self.handles:
            raise LookupError(f"no object kept under {target!r}")
        obj = self.handles[target.id]
        for attribute, entries in assign.items():
            table = getattr(obj, attribute)
            for key, value in entries.items():
                table[key] = self._inbound(value)
        return getattr(obj, name)

    def _failure(self, exc):
        """The reply for an exception of the submission's: a use of a forbidden package under "policy" (the
        grader decides what it costs), anything else under "error"."""
        try:
            use = _forbidden_use(exc, self.forbidden)
        except Exception:  # an exception object of the submission's that will not be read
            use = None
        return {protocol.ErrorKind.POLICY.value: use} if use else {"error": _error_info(exc)}

    def op_call_batch(self, request):
        """Several calls in order, answered in one message: a list of what op_call answers for each; the
        first that does not return a value ends the batch (the calls after it are not made)."""
        replies = []
        for call in request["calls"]:
            reply = dict(self.op_call(call), call=call["call"])  # bound to its call by the grader's id
            try:
                protocol.encode(reply)  # a value that is not plain data fails its own call, not the batch
            except (protocol.ProtocolError, RecursionError) as exc:
                reply = {protocol.ErrorKind.BAD_RETURN.value: f"returned {exc}", "call": call["call"]}
            replies.append(reply)
            if "value" not in reply:
                break
        return {"value": replies}

    def op_drop_handles(self, request):
        self.handles.clear()
        return {"value": None}

    def _inbound(self, value):
        if isinstance(value, protocol.Handle):
            return self.handles[value.id]
        if isinstance(value, protocol.Callback):
            return self._callback(value.id)
        if isinstance(value, protocol.RngSeed):
            return np.random.default_rng(value.seed)
        if type(value) is list:
            return [self._inbound(v) for v in value]
        if type(value) is tuple:
            return tuple(self._inbound(v) for v in value)
        if type(value) is dict:
            return {k: self._inbound(v) for k, v in value.items()}
        return value

    def _outbound(self, result, keep):
        """Replace the kept positions of a tuple result (or the whole result, keep == [-1]) by handles."""
        if not keep:
            return result
        if keep == [-1]:
            return self._keep(result)
        if type(result) not in (tuple, list):
            return result  # the grader reports the wrong structure
        return tuple(self._keep(v) if i in keep else v for i, v in enumerate(result))

    def _keep(self, value):
        self.next_handle += 1
        self.handles[self.next_handle] = value
        return protocol.Handle(self.next_handle)

    def _callback(self, callback_id):
        def call_grader(*args):
            self.send({"callback": callback_id, "args": [_plain_or_marker(a) for a in args]})
            reply = self.receive()
            if "error" in reply:
                raise RuntimeError(reply["error"])
            return reply["value"]
        return call_grader


class _Missing(Exception):
    pass


def _course_layer(course):
    """The grader's course layer (its runtime and translation texts, run here as files of the grader's, so no
    traceback points into them): runtime.Course over the course's table. The worker knows nothing of it."""
    runtime = types.ModuleType("_dlgrade_course_runtime")
    sys.modules[runtime.__name__] = runtime
    exec(compile(course["runtime"], os.path.join(_HERE, "course_runtime.py"), "exec"), runtime.__dict__)
    return runtime.Course(course, os.path.join(_HERE, "course_translation.py")).install()


def _plain_or_marker(value):
    """Arguments echoed back: arrays and scalars as they are now, anything else as None."""
    if type(value) in (np.ndarray, int, float, bool, str) or value is None:
        return value
    if type(value) in (list, tuple):
        return type(value)(_plain_or_marker(v) for v in value)
    if type(value) is dict:
        return {k: _plain_or_marker(v) for k, v in value.items() if type(k) is str}
    return None


def _forbidden_use(exc, forbidden):
    """{package, use, where} of the first ImportError in the exception's chain that names a forbidden package
    (a stand-in's PolicyError, or a submodule of a hidden package not found); None if there is none."""
    for current in _chain(exc):
        name = getattr(current, "name", None) if isinstance(current, ImportError) else None
        if type(name) is str and name.partition(".")[0] in forbidden:
            where = _error_info(current)["where"].partition(" in ")[0]
            return {"package": name.partition(".")[0], "use": name[:200], "where": where}
    return None


def _error_info(exc):
    """Type, message and the innermost line of the submission's code that raised."""
    if isinstance(exc, str):
        return {"type": "GraderError", "message": exc, "where": ""}
    where = ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename != __file__ and _HERE not in frame.filename and "site-packages" not in frame.filename:
            where = f"{os.path.basename(frame.filename)}:{frame.lineno} in {frame.name}: {(frame.line or '').strip()}"
            break
    message = str(exc)
    if isinstance(exc, SyntaxError):
        message = f"{exc.msg} ({os.path.basename(exc.filename or '')}, line {exc.lineno})"
    info = {"type": type(exc).__name__, "message": message[:2000], "where": where[:500]}
    missing = _missing_module(exc)
    if missing:  # the grader decides whether the grading environment lacks it (a claim of untrusted code)
        info["missing"] = missing[:200]
    return info


def _chain(exc):
    """The exceptions of exc's chain (context and cause), each once, at most 100: untrusted code may loop them."""
    seen, chain = set(), [exc]
    while chain and len(seen) < 100:
        current = chain.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        chain += [current.__context__, current.__cause__]


def _missing_module(exc):
    """The module named by the first ModuleNotFoundError in the exception's chain, or ""."""
    for current in _chain(exc):
        if isinstance(current, ModuleNotFoundError) and type(getattr(current, "name", None)) is str:
            return current.name
    return ""


def set_limits(spec):
    """Apply "AS=…,CPU=…,NPROC=…" as hard rlimits of this process (and all it starts)."""
    import resource
    for pair in filter(None, spec.split(",")):
        name, _, value = pair.partition("=")
        resource.setrlimit(getattr(resource, f"RLIMIT_{name}"), (int(value), int(value)))


def undumpable():
    """No core dump and no /proc/PID/mem or ptrace by a process of the same uid: PR_SET_DUMPABLE 0 (the seccomp
    filter refuses setting it back; RLIMIT_CORE 0 covers a process that exec's a new program)."""
    import ctypes
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE


def discard_prints():
    """print() to the standard streams formats nothing. They are /dev/null (the grader reads none of it), but
    print would still str() each value first, ~100 µs for a small array: a submission printing its arrays
    in every call made a 2 s grade take a minute. print(..., file=f) to a file of its own still writes."""
    import builtins
    printed = builtins.print

    def print(*values, sep=" ", end="\n", file=None, flush=False):
        if file is None or file is sys.stdout or file is sys.stderr:
            return
        printed(*values, sep=sep, end=end, file=file, flush=flush)
    builtins.print = print


def main():
    sys.dont_write_bytecode = True  # leave the submission's folder as it was
    # The protocol keeps private copies of the pipes; the submission's prints go to stderr.
    channel_in = os.fdopen(os.dup(0), "rb", buffering=0)
    channel_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    discard_prints()
    set_limits(os.environ.get("DLGRADE_WORKER_LIMITS", ""))
    undumpable()
    os.chdir(os.environ.get("DLGRADE_WORKER_CWD", os.getcwd()))
    Worker(channel_in, channel_out).serve()


if __name__ == "__main__":
    main()
