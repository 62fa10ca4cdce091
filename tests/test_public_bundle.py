"""The students' public self-check (grader.py export-public, dlgrade/public.py; the runtime dlgrade/public_runtime/).

The bundle is exported once for the module. It must hold no oracle code (no statement of reference/'s functions, no
import of dlgrade or of the oracle); its verdicts must be the grader's on its public examples (the grader run with the
public seed and count on the reference, the alternative submission and known-wrong implementations, the same named
mistake); every known-wrong implementation of a check it carries must fail it; and a student's check must run in a
Python that has only the standard library, NumPy and the bundle.
"""
import ast
import gzip
import importlib
import json
import re
import shutil
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest

from dlgrade import public
from dlgrade.checks.engine.mistakes import BY_ID, MISTAKES
from dlgrade.checks.engine.registry import Check
from dlgrade.checks.engine.runner import grade
from dlgrade.checks.policy import profile
from dlgrade.sandbox import resolve
from tests.grading import ALTERNATIVE, REFERENCE, mistake_source, quick_profile
from tests.test_checks_power import KNOWN_WRONG

MODULES = ("optim", "schedules", "layers", "losses", "init", "gradient_check", "sgd_exercise", "training", "net")
RUNTIME_FILES = {"__init__.py", "__main__.py", "compare.py", "files.py", "README.md", public.DATA}
STANDARD_OR_NUMPY = set(sys.stdlib_module_names) | {"numpy"}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("public")
    assert public.main(["--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def runtime(bundle):
    """The exported runtime, imported here (and forgotten after the module)."""
    sys.path.insert(0, str(bundle))
    try:
        importlib.import_module(f"{public.PACKAGE}.files")
        yield importlib.import_module(public.PACKAGE)
    finally:
        sys.path.remove(str(bundle))
        for name in [n for n in sys.modules if n == public.PACKAGE or n.startswith(public.PACKAGE + ".")]:
            del sys.modules[name]


def reference_modules(changes=None):
    """{module: namespace} of the oracle's modules, with `changes` ({check id or mistake id: source}) appended to
    theirs, as a submission would have them."""
    namespaces = {m: dict(vars(importlib.import_module(f"dlgrade.reference.{m}"))) for m in MODULES}
    for key, source in (changes or {}).items():
        exec(source, namespaces[key.partition(".")[0]])
    return {m: types.SimpleNamespace(**ns) for m, ns in namespaces.items()}


NUMBERS = re.compile(r"[-+\d\s.,eE()\[\]naif]*")  # an array or number as shown (nan, inf): no code can hide there


def bundle_text(bundle):
    """Every file of the bundle as text: the runtime's files, and every string of the data but shown numbers (its
    numbers hold no code)."""
    package = bundle / public.PACKAGE
    texts = [path.read_text(encoding="utf-8") for path in package.iterdir() if path.suffix in (".py", ".md")]
    with gzip.open(package / public.DATA, "rt", encoding="utf-8") as file:
        texts += sorted({s for s in strings(json.load(file)) if not NUMBERS.fullmatch(s)})
    return "\n".join(texts + [(bundle / "README.md").read_text(encoding="utf-8")])


def strings(value):
    if isinstance(value, dict):
        return [*value, *(s for v in value.values() for s in strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def oracle_statements():
    """The source of every statement in the bodies of reference/'s functions (docstrings aside), whitespace
    squeezed, and the functions' names: what an oracle's code would bring along."""
    statements, names = set(), set()
    for path in REFERENCE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines(keepends=True)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
                for statement in (n for n in ast.walk(node) if isinstance(n, ast.stmt) and n is not node):
                    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                        continue  # a docstring: prose
                    segment = "".join(lines[statement.lineno - 1:statement.end_lineno])
                    text = " ".join(segment.split())
                    if len(text) >= 16:
                        statements.add(text)
    return statements, names


def test_the_bundle_holds_no_oracle_code(bundle):
    package = bundle / public.PACKAGE
    assert {p.name for p in package.iterdir()} == RUNTIME_FILES
    text = " ".join(bundle_text(bundle).split())
    statements, names = oracle_statements()
    oracle_text = " ".join((REFERENCE / "_core" / "optim.py").read_text(encoding="utf-8").split())
    assert len(statements) > 300 and sum(s in oracle_text for s in statements) > 30  # the scan finds oracle code
    assert [s for s in statements if s in text] == []
    formulas = [n for n in names if not (n.startswith("__") and n.endswith("__"))]  # not __init__ of a class
    assert [n for n in formulas if re.search(rf"\bdef {re.escape(n)}\(", text)] == []
    assert not re.search(r"\b(dlgrade\.reference|from \.+reference|import reference)\b", text)
    for path in package.glob("*.py"):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level:
                imported.add(node.module.partition(".")[0])
        assert imported <= STANDARD_OR_NUMPY, (path.name, imported - STANDARD_OR_NUMPY)


def test_the_data_is_the_public_examples_with_their_expected_values_and_mistakes(bundle):
    with gzip.open(bundle / public.PACKAGE / public.DATA, "rt", encoding="utf-8") as file:
        data = json.load(file)
    by_id = {c["id"]: c for c in data["checks"]}
    adam = by_id["optim.adam/trajectory"]
    first = adam["examples"][0]  # the textbook case first
    assert first["calls"][0]["args"][0] == public.encode(np.array([1.0, -2.0, 0.5]))
    expects = [e["expect"] for e in first["events"] if "expect" in e]
    assert len(expects) == 6 and {m[0] for m in expects[0]["mistakes"]} >= {"optim.adam:no_bias_correction"}
    assert ["eps_inside"] == [name for name, _ in expects[0]["variants"]]  # the default profile accepts it
    assert len(adam["examples"]) == 1 + public.PUBLIC_EXAMPLES + 1  # textbook, the simplest case, the drawn ones
    assert "gradient_check.eval_numerical_gradient/quadratic" not in by_id  # it passes a callable: left out, said
    assert "gradient_check.eval_numerical_gradient/quadratic" in dict(data["left_out"])


@pytest.mark.parametrize("function, words", [
    ("optim.adma", "'optim.adam'"),
    ("init.he_normal", "init.he_normal has no public checks: the grader checks it by statistics"),
])
def test_a_function_without_public_checks_gets_a_sentence(runtime, function, words):
    result = runtime.check(function, lambda *args: None, verbose=False)
    assert not result and words in result.report and ("did you mean" in result.report) == (function == "optim.adma")


# Known-wrong implementations (KNOWN_WRONG) that the public examples cannot show, each with the reason: the grader's
# search finds them, the self-check need not. Empty today: every one is caught on the public examples.
MISSED_ON_PUBLIC_EXAMPLES: dict[str, str] = {}


def test_every_known_wrong_implementation_fails_its_public_check(runtime):
    checks = [c["id"] for c in runtime._DATA["checks"]]
    assert len(checks) > 60
    missed = []
    for check_id in checks:
        function = check_id.partition("/")[0]
        result = runtime.check(function, namespace=reference_modules({function: KNOWN_WRONG[check_id]}),
                               verbose=False)
        if dict((i, s) for i, s, _ in result.outcomes)[check_id] != runtime.FAILED:
            missed.append(check_id)
    assert missed == sorted(MISSED_ON_PUBLIC_EXAMPLES, key=checks.index)


@pytest.mark.parametrize("check_id, named", [
    # divides by D instead of N: one input makes it look like 'missing_half' (N = 2, D = 1), another like
    # 'mean_over_elements' (N = 1); no form gives its values on every example, so none is named
    ("losses.mse_loss/oracle_rows", None),
    # `<=` both resets the count on a tie and keeps the later epoch: the pair, not 'not_strict' alone
    ("training.early_stopping/hand_worked", "training.early_stopping:not_strict' and 'last_best"),
])
def test_a_mistake_is_named_only_when_its_form_gives_the_values_on_every_public_example(runtime, check_id, named):
    function = check_id.partition("/")[0]
    result = runtime.check(function, namespace=reference_modules({function: KNOWN_WRONG[check_id]}), verbose=False)
    assert dict((i, s) for i, s, _ in result.outcomes)[check_id] == runtime.FAILED
    assert result.mistakes.get(check_id) == named


# Mistake rows whose forms the public examples do not tell from the spec's, with the reason (they pass publicly).
PASS_PUBLICLY = {
    "optim.adam:eps_inside": "a documented variant the default profile accepts",
    "optim.rmsprop:eps_inside": "a documented variant the default profile accepts",
    "layers.max_pool_backward_naive:ties_to_all": "ties: the grader's edge check (relation role) is not exported",
    "layers.max_pool_backward_naive:ties_to_last": "ties: the grader's edge check (relation role) is not exported",
    "losses.softmax_loss:unstable": "large scores: the grader's edge check is not exported",
    "losses.logistic_loss:unstable": "large logits: the grader's edge check is not exported",
    "losses.logistic_loss:no_log1p": "large logits: the grader's edge check is not exported",
    "losses.softmax_loss:unstable_probabilities": "large scores: the grader's edge check is not exported",
    "losses.softmax_loss:log_of_floored_p": "large scores: the grader's edge check is not exported",
    "layers.batchnorm_forward:one_pass_variance": "large offsets, small spread: the edge check is not exported",
    "layers.layernorm_forward:one_pass_variance": "large offsets, small spread: the edge check is not exported",
}


def test_every_mistake_row_is_named_by_the_bundle_or_passes_it_for_a_stated_reason(runtime):
    """Each mistake row of an exported function, as a submission has it, is named on the public examples, or is one
    that passes them (PASS_PUBLICLY)."""
    named, passed, other = 0, [], []
    exported = set(runtime.functions())
    for mistake in (m for m in MISTAKES if m.function in exported):
        result = runtime.check(mistake.function, verbose=False,
                               namespace=reference_modules({mistake.function: mistake_source(mistake)}))
        if result:
            passed.append(mistake.id)
        elif mistake.id in result.mistakes.values():  # (batch norm's ε outside the root shows in test mode too)
            named += 1
        else:
            other.append((mistake.id, sorted(result.mistakes.values())))
    assert other == [] and sorted(passed) == sorted(PASS_PUBLICLY) and named > 60


# Known-wrong implementations of functions whose checks call no other of them: one submission holds them all.
WRONG = {
    "optim.adam": KNOWN_WRONG["optim.adam/trajectory"],
    "optim.rmsprop": mistake_source(BY_ID["optim.rmsprop:swapped_decay"]),
    "optim.sgd_momentum": mistake_source(BY_ID["optim.sgd_momentum:ema"]),
    "schedules.step_decay": KNOWN_WRONG["schedules.step_decay/oracle"],
    "layers.affine_backward": KNOWN_WRONG["layers.affine_backward/oracle"],
    "layers.relu_backward": mistake_source(BY_ID["layers.relu_backward:grad_at_zero"]),
    "losses.softmax_loss": mistake_source(BY_ID["losses.softmax_loss:sum_not_mean"]),
    "net.mlp_loss": KNOWN_WRONG["net.mlp_loss/oracle"],
}


def submission_with(tmp_path, changes):
    target = tmp_path / "submission"
    shutil.copytree(REFERENCE, target, ignore=shutil.ignore_patterns("__pycache__"))
    for function, source in changes.items():
        with open(target / f"{function.partition('.')[0]}.py", "a") as file:
            file.write("\n\n" + source)
    return resolve(target)


def student_modules(runtime, folder):
    namespaces, _, failed = runtime.files.load(folder, set(MODULES))
    assert failed == []
    return {m: types.SimpleNamespace(**ns) for m, ns in namespaces.items()}


@pytest.mark.parametrize("name", ["reference", "alternative", "known_wrong"])
def test_the_bundle_gives_the_graders_verdicts_on_its_public_examples(runtime, name, tmp_path):
    """The grader, run on the bundle's checks with the public seed and count, and the bundle agree check by check:
    passed or failed, and the mistake named."""
    ids = [c["id"] for c in runtime._DATA["checks"] if c["function"] in WRONG]
    if name == "reference":
        submission, modules = resolve(REFERENCE), reference_modules()
    elif name == "alternative":
        submission, modules = resolve(ALTERNATIVE), student_modules(runtime, ALTERNATIVE)
    else:
        submission, modules = submission_with(tmp_path, WRONG), reference_modules(WRONG)
    report = grade(submission, quick_profile(max_examples=public.PUBLIC_EXAMPLES, seed=public.PUBLIC_SEED), only=ids,
                   trusted=True)
    graders = {r.id: (r.status == "passed", r.details.get("mistake")) for r in report.results}
    result = runtime.check_all(modules, only=list(WRONG), verbose=False)
    bundles = {i: (status == runtime.PASSED, result.mistakes.get(i)) for i, status, _ in result.outcomes}
    assert bundles == graders
    if name != "known_wrong":
        assert all(passed for passed, _ in bundles.values())
    else:  # each wrong function fails a check of its own (Adam's dropped state shows from the second step only)
        assert {i.partition("/")[0] for i, (passed, _) in bundles.items() if not passed} == set(WRONG)
        named = {mistake for _, mistake in bundles.values() if mistake}
        assert named == {"optim.rmsprop:swapped_decay", "optim.sgd_momentum:ema", "layers.relu_backward:grad_at_zero",
                         "losses.softmax_loss:sum_not_mean", "net.mlp_loss:reg_missing_half"}


STUDENT = textwrap.dedent('''
    import numpy as np
    import dlgrade_public as dlgrade

    def adam(w, dw, config=None):  # a student's own Adam
        config = {} if config is None else config
        lr, b1, b2, eps = (config.setdefault(k, d) for k, d in
                           (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)))
        t = config.get("t", 0) + 1
        m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
        v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw * dw
        config.update(m=m, v=v, t=t)
        return w - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps), config

    right = dlgrade.check("optim.adam", adam)

    def adam(w, dw, config=None):  # without the bias correction
        config = {} if config is None else config
        config.setdefault("learning_rate", 1e-3)
        m = 0.9 * config.get("m", np.zeros_like(w)) + 0.1 * dw
        v = 0.999 * config.get("v", np.zeros_like(w)) + 0.001 * dw * dw
        config.update(m=m, v=v, t=config.get("t", 0) + 1)
        return w - config["learning_rate"] * m / (np.sqrt(v) + 1e-8), config

    wrong = dlgrade.check("optim.adam")
    assert right and not wrong, (right, wrong)
    leaked = sorted(n for n in sys.modules if n.partition(".")[0] in ("dlgrade", "hypothesis", "scipy", "reference"))
    assert not leaked, leaked
    import importlib.util  # nothing but the bundle and NumPy could have been imported here
    assert [importlib.util.find_spec(n) for n in ("dlgrade", "hypothesis", "scipy")] == [None] * 3
''')


def fresh_python(bundle, tmp_path, code, *args):
    """`code` (or -m …) in a Python with the standard library, NumPy and the bundle only: no site-packages (-I -S),
    NumPy through a folder that holds nothing else."""
    only_numpy = tmp_path / "only_numpy"
    only_numpy.mkdir()
    (only_numpy / "numpy").symlink_to(np.__path__[0])
    numpy_libs = Path(np.__path__[0]).parent / "numpy.libs"  # a wheel's shared libraries, beside the package
    if numpy_libs.is_dir():
        (only_numpy / "numpy.libs").symlink_to(numpy_libs)
    prelude = f"import sys; sys.path[:0] = [{str(bundle)!r}, {str(only_numpy)!r}]\n"
    command = [sys.executable, "-I", "-S", "-c", prelude + code, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)


def test_a_student_checks_a_notebook_function_with_only_numpy_and_the_bundle(bundle, tmp_path):
    done = fresh_python(bundle, tmp_path, STUDENT)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "public checks passed: 2 of 2" in out and "grade may differ" in out and "secret" in out
    assert "diagnosis: mistake 'no_bias_correction'" in out
    assert not re.search(r"\ball\b[^.\n]*\bpassed", out, re.IGNORECASE)


def test_a_student_checks_a_notebook_file_from_the_shell(bundle, tmp_path):
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
             for source in ["%matplotlib inline\nimport numpy as np",
                            "def relu_forward(x):\n    return np.maximum(x, 0), x",
                            "raise RuntimeError('a demo cell that fails')",
                            "def relu_backward(dout, cache):\n    return dout * (cache >= 0)"]]
    notebook = tmp_path / "hw.ipynb"
    notebook.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    done = fresh_python(bundle, tmp_path, "import runpy; runpy.run_module('dlgrade_public', run_name='__main__')",
                        str(notebook))
    assert done.returncode == 1, done.stderr  # relu_backward passes the gradient at 0
    out = done.stdout
    assert "cell 3 raised RuntimeError: a demo cell that fails" in out
    assert re.search(r"passed +layers\.relu_forward/oracle", out)
    assert "diagnosis: mistake 'grad_at_zero'" in out
    assert "public checks: 1 of 2 passed, 1 failed" in out and "grade may differ" in out


def test_a_module_that_fails_to_import_costs_only_its_own_checks_and_the_exit_status(bundle, tmp_path):
    folder = tmp_path / "hw"
    folder.mkdir()
    (folder / "optim.py").write_text("def sgd(w, dw, config=None):\n    return w, config\n\n1 / 0\n")
    (folder / "schedules.py").write_text("def time_based_decay(lr0, decay_rate, epoch):\n"
                                         "    return lr0 / (1 + decay_rate * epoch)\n")
    done = fresh_python(bundle, tmp_path, "import runpy; runpy.run_module('dlgrade_public', run_name='__main__')",
                        str(folder))
    assert done.returncode == 1, done.stderr
    assert "ZeroDivisionError" in done.stdout and "not checked: optim" in done.stdout
    assert re.search(r"passed +schedules\.time_based_decay/oracle", done.stdout)


@pytest.mark.parametrize("args, words", [
    (["--out", "FILE"], "exists and is not a folder"),
    (["--out", "DIR", "--profile", "no-such-profile"], "no such file"),
    (["--out", "DIR", "--examples", "-1"], "--examples must be from 0 to 100"),
    (["--out", "DIR", "--examples", "99999999999"], "--examples must be from 0 to 100, not 99999999999"),  # ran on
    (["--out", "DIR", "--profile", "cs231n"], "declares course conventions"),
    (["--out", "DIR", "--profile", "dls"], "grades a course through its course layer"),  # found none of theirs
    (["--out", "DIR", "--profile", "d2l"], "grades a course through its course layer"),
])
def test_export_public_refuses_bad_options_with_a_sentence(args, words, tmp_path, capsys):
    (tmp_path / "FILE").write_text("")
    args = [str(tmp_path / a) if a in ("FILE", "DIR") else a for a in args]
    assert public.main(args) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_a_value_the_check_hands_back_is_the_students_own_in_the_bundle(runtime):
    """A check that feeds what the submission returned into its next call is recorded with a reference to that
    return (not the oracle's value), so the runtime hands the student's own back, as the grader does."""
    def two_steps(ctx):
        w, dw = np.array([1.0, -2.0]), np.array([0.5, 0.5])
        first = ctx.call("optim.sgd", w, dw, {"learning_rate": 0.1}, returns=2)
        second = ctx.call("optim.sgd", first[0], dw, first[1], returns=2)
        ctx.expect(second[0], np.array([0.9, -2.1]), inputs={"w": w, "dw": dw}, label="next_w")
    check = Check("optim.sgd", "two_steps", "two steps", two_steps, 1.0, "float64", "oracle", "", examples=0)
    [example], skipped = public.record(check, quick_profile(), 0)
    assert skipped == 0
    second = example["calls"][1]
    assert second["args"][0] == {"__ref__": [0, ["value", 0]]} and second["args"][2] == {"__ref__": [0, ["value", 1]]}
    received = []

    def sgd(w, dw, config=None):  # keeps its own key in config
        received.append(config)
        lr = config["learning_rate"]
        return w - lr * dw, {"learning_rate": lr, "mine": len(received)}
    recorded = {"function": "optim.sgd", "calls_others": [], "examples": [example]}
    assert runtime._run_check(recorded, lambda function: sgd)[0] == runtime.PASSED
    assert received[1] == {"learning_rate": 0.1, "mine": 1}  # its own config came back, not the oracle's


def test_the_bundle_names_its_profile_without_the_instructor_s_folders(tmp_path):
    """The data goes to every student: a profile given as a file is named by its file name, not by where it lies on
    the instructor's machine (before: the whole path, /home/…/private/…/course.toml)."""
    private = tmp_path / "private" / "grading-2026"
    private.mkdir(parents=True)
    (private / "course.toml").write_text('[layout]\ngraded = ["schedules.step_decay"]\n')
    folder = public.export(tmp_path / "out", profile.load(str(private / "course.toml")), 0, log=lambda text: None)
    with gzip.open(folder / public.DATA, "rt", encoding="utf-8") as file:
        text = file.read()
    assert json.loads(text)["profile"] == "course.toml" and "private" not in text and str(tmp_path) not in text
