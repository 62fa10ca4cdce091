"""A submission's class, as the course's networks need it: built in the worker and kept there (a Handle), its dict
attributes' entries set and a method called (Sandbox.call with target and assign, one call or a batch); a module of a
subpackage (classifiers/fc_net.py) is found by its dotted name. The worker knows nothing of networks."""
import numpy as np
import pytest

from dlgrade.checks.policy import profile
from dlgrade.sandbox import ErrorKind, Handle, Sandbox, SandboxError, resolve

MODEL = '''
import numpy as np
from ..helpers import scale

class Model:
    def __init__(self, width, factor=1.0):
        self.params = {"w": np.ones(width)}
        self.factor = factor
    def loss(self, x):
        return scale(self.factor) * float(self.params["w"] @ x)
    def broken(self, x):
        raise ValueError("no")
'''


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submission")
    (folder / "classifiers").mkdir()
    (folder / "classifiers" / "__init__.py").write_text("")
    (folder / "classifiers" / "model.py").write_text(MODEL)
    (folder / "helpers.py").write_text("def scale(f):\n    return 2 * f\n")
    limits = profile.load()
    with Sandbox(resolve(folder), call_timeout=limits.call_timeout, import_timeout=limits.import_timeout) as sandbox:
        yield sandbox


def test_a_kept_instance_has_its_params_set_and_its_method_called(box):
    model = box.call("classifiers.model", "Model", (3,), {"factor": 0.5}, keep=[-1]).value
    assert isinstance(model, Handle)
    x = np.array([1.0, 2.0, 3.0])
    assert box.call("classifiers.model", "Model.loss", (x,), target=model).value == 6.0
    w = np.array([0.0, 1.0, -1.0])
    assert box.call("classifiers.model", "Model.loss", (x,), target=model, assign={"params": {"w": w}}).value == -1.0
    replies = box.call_batch("classifiers.model", "Model.loss", [((x,), {})] * 2, target=model,
                             assigns=[{"params": {"w": np.ones(3)}}, {"params": {"w": 2 * np.ones(3)}}])
    assert [r.value for r in replies] == [6.0, 12.0]


def test_a_method_that_raises_or_is_absent_or_an_attribute_that_is_no_dict_is_the_submissions_error(box):
    model = box.call("classifiers.model", "Model", (2,), keep=[-1]).value
    for method, assign, says in (("Model.broken", None, "no"), ("Model.fit", None, "fit"),
                                 ("Model.loss", {"factor": {"a": 1}}, "does not support item assignment")):
        with pytest.raises(SandboxError) as raised:
            box.call("classifiers.model", method, (np.ones(2),), target=model, assign=assign)
        assert raised.value.kind is ErrorKind.EXCEPTION and says in str(raised.value)


def test_a_missing_module_of_a_subpackage_is_missing(box):
    with pytest.raises(SandboxError) as raised:
        box.functions("classifiers.cnn")
    assert raised.value.kind is ErrorKind.MISSING
