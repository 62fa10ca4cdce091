"""Shared test settings: Hypothesis profiles (derandomized in CI), the GPU marker, and tests run as root and as a
normal user (the `account` fixture, the `open_interpreter` marker: tests/accounts.py)."""
import os

import pytest
from hypothesis import HealthCheck, settings

from tests import accounts

settings.register_profile(
    "ci", max_examples=30, derandomize=True, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config, items):
    try:
        import cupy
        has_gpu = cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        has_gpu = False
    if not has_gpu:
        skip = pytest.mark.skip(reason="needs CuPy and a CUDA device")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)


# --- tests run as root and as a normal user (tests/accounts.py) ---

def pytest_configure(config):
    config.addinivalue_line("markers", "open_interpreter: as root, run the test where any account can start the "
                                       "interpreter (tests/accounts.py), e.g. for a worker run as nobody")
    config.addinivalue_line("markers", "delegated_cgroup: the normal-user case runs in a cgroup delegated to the "
                                       "account, as systemd's Delegate=yes gives one (tests/accounts.py)")


@pytest.fixture(params=["root", "normal-user"])
def account(request):
    """Runs the test as root and as a normal user (see pytest_pyfunc_call): 'root' or 'normal-user'."""
    if request.param == "root" and os.geteuid() != 0:
        pytest.skip("the tests run as a normal user: the root case needs root")
    if request.param == "normal-user" and os.geteuid() == 0 and os.environ.get(accounts.INSIDE) is None:
        why = accounts.unavailable()
        if why:
            pytest.skip(f"cannot run as a normal user here: {why}")
    return request.param


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """As root, the normal-user case of a test (and an open_interpreter test) runs in a fresh pytest through
    tests/accounts.py, and passes only if it passed there."""
    if os.geteuid() != 0 or os.environ.get(accounts.INSIDE) is not None:
        return None
    params = getattr(pyfuncitem, "callspec", None) and pyfuncitem.callspec.params
    if params and params.get("account") == "normal-user":
        accounts.rerun(pyfuncitem.nodeid, cgroup=pyfuncitem.get_closest_marker("delegated_cgroup") is not None)
        return True
    if pyfuncitem.get_closest_marker("open_interpreter"):
        if accounts.unavailable():
            pytest.skip(f"cannot open the interpreter to other accounts here: {accounts.unavailable()}")
        accounts.rerun(pyfuncitem.nodeid, as_root=True)
        return True
    return None
