"""Gradescope's results.json as course policy: what students see when (the profile's [gradescope]), Markdown
whose code blocks hold what the submission wrote, tests numbered and tagged, one test per missing function, and
replay lines without the grading machine's paths. Reports are built by hand: these are the writer's rules."""
import dataclasses
import shlex

import pytest

from dlgrade.checks.engine.runner import CheckResult, Report
from dlgrade.checks.engine.status import Status
from dlgrade.checks.policy import profile
from dlgrade.grading import parse_args, replay_prefix
from dlgrade.reporting import gradescope


def result(check_id, role, status=Status.PASSED, summary="", details=None, score=None):
    function = check_id.partition("/")[0]
    return CheckResult(check_id, function, "property" if role != "textbook" else "exercise", "its doc", status,
                       1.0 if score is None and status is Status.PASSED else 0.0, 1.0, summary, details or {},
                       replay=f"python grader.py hw.ipynb --only {check_id} --seed 7", seed=7, role=role)


ADAM_WRONG = result("optim.adam/trajectory", "values", Status.FAILED, "w differs at step 3",
                    {"input": {"w": "[1.0, 2.0]"}, "expected": "[0.9]", "got": "[0.8]",
                     "diagnosis": "mistake 'no_bias_correction': …", "mistake": "optim.adam:no_bias_correction"})
MISSING = [result(f"layers.relu_forward/{slug}", role, Status.MISSING, "the submission has no function relu_forward")
           for slug, role in (("values", "values"), ("dtype", "relation"), ("worked", "textbook"))]


def report(results, secret=False, **policy):
    shown = dict(profile.load().gradescope, **policy)
    return Report("hw.ipynb", "course.toml", 7, results, ["cell 3: ValueError at hw.ipynb[cell 3]:2"], 1.0, 10, 0,
                  secret_search=secret, gradescope=shown)


@pytest.mark.parametrize("secret, textbook, searched", [(False, "visible", "visible"),
                                                         (True, "visible", "after_due_date")])
def test_each_check_has_the_visibility_the_profile_gives_its_role(secret, textbook, searched):
    checks = [result("optim.sgd/worked", "textbook"), result("optim.sgd/values", "values"),
              result("optim.sgd/zero_lr", "relation")]
    results = gradescope(report(checks, secret))
    assert [t["visibility"] for t in results["tests"]] == [textbook, searched, searched]
    assert results["visibility"] == "visible" and results["stdout_visibility"] == "hidden"


def test_a_course_hides_the_secret_search_and_the_total():
    checks = [result("optim.sgd/worked", "textbook"), result("optim.sgd/values", "values")]
    results = gradescope(report(checks, True, total="after_published", **{"secret_search": "hidden"}))
    assert [t["visibility"] for t in results["tests"]] == ["visible", "hidden"]
    assert results["visibility"] == "after_published"


def test_markdown_puts_the_counterexample_in_a_code_block_and_tags_the_named_mistake():
    results = gradescope(report([result("optim.adam/first_step", "values"), ADAM_WRONG]))
    assert results["output_format"] == results["test_output_format"] == "md"
    [_, wrong] = results["tests"]
    lines = wrong["output"].splitlines()
    assert lines[0] == "```text" and lines[-1] == "```" and "got: [0.8]" in lines
    assert wrong["number"] == "1.2" and wrong["status"] == "failed"
    assert wrong["tags"] == ["module:optim", "function:optim.adam", "kind:property", "role:values",
                             "mistake:optim.adam:no_bias_correction"]
    assert "```text\nsearch:" not in results["output"] and "cell 3: ValueError" in results["output"]
    plain = gradescope(report([ADAM_WRONG], output_format="text"))
    assert plain["test_output_format"] == "text" and "```" not in plain["tests"][0]["output"]


def test_a_missing_function_is_one_test_not_one_per_check():
    results = gradescope(report([result("optim.adam/first_step", "values"), *MISSING]))
    names = [t["name"] for t in results["tests"]]
    assert names == ["optim.adam/first_step", "layers.relu_forward — missing (3 checks)"]
    missing = results["tests"][1]
    assert missing["max_score"] == 3.0 and missing["score"] == 0.0 and missing["number"] == "2.1"
    assert "no function relu_forward" in missing["output"] and missing["visibility"] == "visible"
    one_failing = gradescope(report([ADAM_WRONG, dataclasses.replace(ADAM_WRONG, id="optim.adam/other")]))
    assert len(one_failing["tests"]) == 2  # failures with a counterexample each stay apart


@pytest.mark.parametrize("table, words", [
    ({"secret_search": "later"}, "secret_search must be one of"),
    ({"output_format": "html"}, "output_format must be one of"),
    ({"shown": "visible"}, "unknown [gradescope] key"),
])
def test_a_wrong_visibility_policy_is_refused_with_the_key(tmp_path, table, words):
    course = tmp_path / "course.toml"
    course.write_text("[gradescope]\n" + "".join(f'{k} = "{v}"\n' for k, v in table.items()))
    with pytest.raises(profile.ProfileError, match=words.replace("[", r"\[")):
        profile.load(course)


def test_the_replay_line_names_the_students_copy_not_the_autograders_folders():
    graded = parse_args(["/autograder/submission", "--profile", "/autograder/source/course.toml",
                         "--replay-path", "hw.ipynb"])
    assert shlex.split(replay_prefix(graded)) == ["python", "grader.py", "hw.ipynb", "--profile", "course.toml"]
    assert "/autograder" not in replay_prefix(graded)
    as_given = parse_args(["/autograder/submission"])
    assert "/autograder/submission" in replay_prefix(as_given)
