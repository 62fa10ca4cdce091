"""The command line refuses what it cannot mean, with the value echoed and a way out, never a traceback:
a misspelt --only gets the closest names, a seed or a percentage out of range is refused, and batch's
--out must be a folder."""
import pytest

from dlgrade import cli
from tests.grading import REFERENCE


def refused(capsys, argv):
    """cli.main's exit status is 2 and stderr says why, without a traceback; stderr."""
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("command", [[str(REFERENCE)], ["batch", str(REFERENCE), "--out", "unused"]])
def test_a_misspelt_selector_gets_a_did_you_mean(capsys, command):
    err = refused(capsys, [*command, "--only", "optim.adma"])
    assert "'optim.adma' names no module" in err and "did you mean" in err and "'optim.adam'" in err


def test_a_selector_like_nothing_gets_no_suggestion(capsys):
    err = refused(capsys, [str(REFERENCE), "--only", "zzzz"])
    assert "'zzzz' names no module" in err and "did you mean" not in err


@pytest.mark.parametrize("option, value, words", [
    ("--seed", "-1", "'-1' is not a seed"),
    ("--seed", "1.5", "'1.5' is not a seed"),
    ("--fail-under", "150", "'150' is not a percentage from 0 to 100"),
    ("--fail-under", "-5", "'-5' is not a percentage"),
    ("--fail-under", "nan", "'nan' is not a percentage"),
])
def test_a_value_out_of_range_is_refused_with_the_value(capsys, option, value, words):
    assert words in refused(capsys, [str(REFERENCE), "--list", "--only", "optim.sgd", f"{option}={value}"])


@pytest.mark.parametrize("option, value", [("--seed", "0"), ("--fail-under", "0"), ("--fail-under", "100")])
def test_the_ends_of_each_range_are_accepted(capsys, option, value):
    assert cli.main([str(REFERENCE), "--list", "--only", "optim.sgd", option, value]) == 0
    assert "optim.sgd" in capsys.readouterr().out


def test_batch_out_naming_a_file_is_refused(tmp_path, capsys):
    existing = tmp_path / "gradebook.csv"
    existing.write_text("student,score\n")
    err = refused(capsys, ["batch", str(REFERENCE), "--out", str(existing), "--trust-submission"])
    assert f"--out {existing}: a file of that name exists" in err and existing.read_text() == "student,score\n"
    err = refused(capsys, ["batch", str(REFERENCE), "--out", str(existing / "out"), "--trust-submission"])
    assert f"--out {existing / 'out'}: cannot make this folder" in err
