"""The pytest plugin and parametrize_with_checks on a small fake library (tests/fake_library/): a declared
departure is xfail with its reason, an undeclared one fails, a conforming check passes, an absent function
skips; a declared departure that passes is an unexpected pass that fails the run."""
import json
import os
import subprocess
import sys
from pathlib import Path

FAKE = Path(__file__).with_name("fake_library")
ONLY = ["--dlgrade-only", "schedules.step_decay", "--dlgrade-only", "schedules.exponential_decay",
        "--dlgrade-only", "schedules.power_decay", "--dlgrade-only", "schedules.time_based_decay"]


def pytest_run(tmp_path, *args):
    """pytest in a fresh folder (no test files), the plugin loaded by its pytest11 entry point."""
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "--rootdir", str(tmp_path),
               "-c", str(tmp_path / "none.ini"), *args]
    (tmp_path / "none.ini").write_text("[pytest]\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(FAKE), os.environ.get("PYTHONPATH")])))
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


def test_declared_departure_is_xfail_and_undeclared_fails(tmp_path):
    code, out = pytest_run(tmp_path, "--dlgrade-target", "fakelib_adapter", "--dlgrade-xfails",
                           str(FAKE / "departures.json"), *ONLY)
    assert code == 1, out
    assert "XFAIL dlgrade::schedules.exponential_decay/oracle - fakelib decays by powers of 2" in out
    assert "FAILED dlgrade::schedules.power_decay/oracle" in out
    assert "PASSED dlgrade::schedules.step_decay/oracle" in out
    assert "SKIPPED" in out and "not provided" in out
    assert "replay: python grader.py --target fakelib_adapter --only schedules.power_decay/oracle --seed" in out


def test_a_declared_departure_that_passes_is_an_unexpected_pass(tmp_path):
    xfails = tmp_path / "xfails.json"
    xfails.write_text(json.dumps({"schedules.step_decay/oracle": "thought to depart"}))
    code, out = pytest_run(tmp_path, "--dlgrade-target", "fakelib_adapter", "--dlgrade-xfails", str(xfails),
                           "--dlgrade-only", "schedules.step_decay/oracle")
    assert code == 1, out
    assert "XPASS(strict)" in out and "thought to depart" in out


def test_bad_xfails_file_is_a_usage_error(tmp_path):
    xfails = tmp_path / "xfails.json"
    xfails.write_text(json.dumps({"schedules.no_such/check": "?"}))
    code, out = pytest_run(tmp_path, "--dlgrade-target", "fakelib_adapter", "--dlgrade-xfails", str(xfails))
    assert code == 4, out  # a usage error
    assert "names no check" in out


def test_without_a_target_the_plugin_adds_nothing(tmp_path):
    code, out = pytest_run(tmp_path)
    assert code == 5, out  # no tests collected


def test_parametrize_with_checks(tmp_path):
    (tmp_path / "test_fake.py").write_text(f'''
from dlgrade.testing import parametrize_with_checks

@parametrize_with_checks({str(FAKE / "fakelib_adapter")!r}, only=["schedules.step_decay", "schedules.power_decay"],
                         expected_departures={{"schedules.power_decay/oracle": "one epoch late"}})
def test_fake(check):
    check()
''')
    code, out = pytest_run(tmp_path, str(tmp_path / "test_fake.py"))
    assert code == 0, out
    assert "XFAIL" in out and "one epoch late" in out
    assert "PASSED test_fake.py::test_fake[schedules.step_decay/oracle]" in out
