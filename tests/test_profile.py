"""Grading profiles: the default is complete, and a broken course profile is refused with a clear reason."""
import pytest

from dlgrade.checks.engine import runner
from dlgrade.checks.engine.registry import REGISTRY
from dlgrade.checks.policy import profile


def test_the_default_profile_gives_points_to_every_checked_function():
    default = profile.load()
    functions = {c.function for c in REGISTRY}
    assert set(default.points) <= functions
    shares = runner.function_points(default, REGISTRY)
    assert all(shares[c.id] > 0 for c in REGISTRY if not c.optional)
    assert all(shares[c.id] == 0 for c in REGISTRY if c.optional)  # a note, never scored
    assert sum(shares[c.id] for c in REGISTRY if c.function == "optim.lion") == 3.5  # its checks' weights
    assert default.accepted("optim.adam") == {"eps_inside"} and default.dtype == "float64"


@pytest.mark.parametrize("text, words", [
    ('[settings]\ncheck_budget = 0\n', "must be a positive number"),
    ('[settings]\nseed = -1\n', "must be a non-negative number"),
    ('[settings]\ndtype = "float16"\n', "dtype must be one of"),
    ('[settings]\nshow_expected = 1\n', "true or false"),
    ('[settings]\nspeed = 2\n', "unknown setting 'speed'"),
    ('[grading]\n', "unknown section"),
    ('[points]\n"optim.adamm" = 3\n', "not a graded function"),
    ('[accept]\n"optim.adam" = ["bias_correction"]\n', "no documented variant"),
    ('[max_examples]\n"optim.adam" = 0\n', "positive integer"),
    ('[max_examples]\n"optim.adam/trajectry" = 5\n', "not a check"),
    ('points = [\n', "not valid TOML"),
])
def test_a_broken_profile_is_refused(tmp_path, text, words):
    path = tmp_path / "course.toml"
    path.write_text(text)
    with pytest.raises(profile.ProfileError, match=words):
        profile.load(path)


def test_a_course_profile_overlays_the_default(tmp_path):
    path = tmp_path / "course.toml"
    path.write_text('[settings]\nmax_examples = 50\n[points]\n"optim.sgd" = 7\n')
    course = profile.load(path)
    assert course.max_examples == 50 and course.points["optim.sgd"] == 7
    assert course.points["optim.adam"] == profile.load().points["optim.adam"] and course.seed == 0


def test_max_examples_by_check_id_old_or_new(tmp_path):
    path = tmp_path / "course.toml"
    path.write_text('[max_examples]\n"optim.adam/trajectory" = 7\n"optim.sgd: teacher-forced trajectory" = 9\n')
    course = profile.load(path)
    by_id = {c.id: c for c in REGISTRY}
    assert course.max_examples_for(by_id["optim.adam/trajectory"]) == 7
    assert course.max_examples_for(by_id["optim.sgd/trajectory"]) == 9  # the old prose id, read as the id now
