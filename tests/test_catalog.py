"""grader.py --list and --explain: a check's pieces found in one step; check ids short, stable and ASCII."""
import re

import dlgrade.checks  # noqa: F401  (fills the registry)
from dlgrade import cli
from dlgrade.checks.engine import runner
from dlgrade.checks.engine.registry import ID_LENGTH, REGISTRY


def test_list_honours_only_and_gives_each_checks_pieces(capsys):
    assert cli.main(["--list", "--only", "optim.adamax"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("optim.adamax  (3 pts; mistakes and variants: eps_in_denominator, no_bias_correction")
    checks = [line for line in lines if line.startswith("  optim.adamax/")]
    assert len(checks) == 4 and all("checks/areas/optim.py:" in line and "tol " in line for line in checks)
    assert "tol adaptive (rtol=1e-06, atol=1e-08)" in checks[1] and "20 examples" in checks[1]


def test_a_check_of_fixed_cases_says_so(capsys):
    assert cli.main(["--list", "--only", "sgd_exercise.predict"]) == 0
    out = capsys.readouterr().out
    assert "the textbook exercise\t" in out and "fixed cases" in out


def test_explain_prints_the_oracle_tolerance_and_mistakes(capsys):
    assert cli.main(["--explain", "optim.lion/trajectory"]) == 0
    out = capsys.readouterr().out
    assert "oracle: reference/optim.py:" in out and "sign(c)" in out
    assert "rule: defaults {'learning_rate': 0.0001" in out and "tolerance: row 'float64'" in out
    assert "mistake 'update_before_sign'" in out and "mistake 'decay_without_lr'" in out


def test_an_unknown_selector_is_a_usage_error(capsys):
    assert cli.main(["--explain", "optim.adamx"]) == 2
    assert "'optim.adamx' names no module, function or check" in capsys.readouterr().err


def test_check_ids_are_unique_short_ascii_slugs():
    ids = [c.id for c in REGISTRY]
    assert len(ids) == len(set(ids))
    # a function is named as in Python (a class: net.FullyConnectedNet), its checks' slugs in lower case
    assert [i for i in ids if not re.fullmatch(r"[a-z0-9_]+\.[A-Za-z0-9_]+/[a-z0-9_-]+", i) or len(i) > ID_LENGTH] == []
    assert len({c.prose_id for c in REGISTRY}) == len(ids)  # each old id still names one check
    assert "optim.adam/trajectory" in ids and "layers.batchnorm_backward/oracle" in ids


def test_one_slug_per_kind_of_check_across_generated_functions():
    """Checks generated from a table (one per optimizer rule) share their slugs: the id follows the data."""
    for rule in ("sgd", "adam", "lion"):
        assert {c.slug for c in REGISTRY if c.function == f"optim.{rule}"} >= {"first_step", "trajectory",
                                                                               "zero_learning_rate"}


def test_an_old_prose_id_still_selects_its_check_with_a_note(capsys):
    assert cli.main(["--explain", "optim.lion: teacher-forced trajectory"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("optim.lion/trajectory — teacher-forced trajectory\n")
    assert "'optim.lion: teacher-forced trajectory' is the old id of check optim.lion/trajectory" in captured.err
    assert [c.id for c in runner.select(["optim.adam: teacher-forced trajectory"])] == ["optim.adam/trajectory"]
    assert runner.unknown_selectors(["optim.adam: teacher-forced trajectory", "optim.adam: no such"]) == \
        ["optim.adam: no such"]
