"""grader.py --list and --explain: a check's pieces found in one step."""
from dlgrade import cli


def test_list_honours_only_and_gives_each_checks_pieces(capsys):
    assert cli.main(["--list", "--only", "optim.adamax"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("optim.adamax  (3 pts; mistakes and variants: eps_in_denominator, no_bias_correction")
    checks = [line for line in lines if line.startswith("  optim.adamax: ")]
    assert len(checks) == 4 and all("checks/areas/optim.py:" in line and "tol " in line for line in checks)
    assert "tol adaptive (rtol=1e-06, atol=1e-08)" in checks[1] and "20 examples" in checks[1]


def test_a_check_of_fixed_cases_says_so(capsys):
    assert cli.main(["--list", "--only", "sgd_exercise.predict"]) == 0
    out = capsys.readouterr().out
    assert "the textbook exercise\t" in out and "fixed cases" in out


def test_explain_prints_the_oracle_tolerance_and_mistakes(capsys):
    assert cli.main(["--explain", "optim.lion: teacher-forced trajectory"]) == 0
    out = capsys.readouterr().out
    assert "oracle: reference/optim.py:" in out and "sign(c)" in out
    assert "rule: defaults {'learning_rate': 0.0001" in out and "tolerance: row 'float64'" in out
    assert "mistake 'update_before_sign'" in out and "mistake 'decay_without_lr'" in out


def test_an_unknown_selector_is_a_usage_error(capsys):
    assert cli.main(["--explain", "optim.adamx"]) == 2
    assert "'optim.adamx' names no module, function or check" in capsys.readouterr().err
