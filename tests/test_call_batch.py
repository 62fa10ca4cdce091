"""Calls in one round trip (Sandbox.call_batch, ctx.call_many): the same answers as one call each, in order,
and a failing call ends the batch where it failed. The wire's nesting bound holds on its fast path."""
import numpy as np
import pytest

from dlgrade.checks.engine.context import Context
from dlgrade.checks.policy import profile
from dlgrade.sandbox import ErrorKind, Sandbox, SandboxError, protocol, resolve

SOURCE = '''
import numpy as np
def double(x):
    return 2 * x
def picky(x):
    if x < 0:
        raise ValueError("negative")
    return x
def foreign(x):
    return object() if x else 1
'''


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submission")
    (folder / "mod.py").write_text(SOURCE)
    limits = profile.load()
    with Sandbox(resolve(folder), call_timeout=limits.call_timeout, import_timeout=limits.import_timeout) as sandbox:
        yield sandbox


def test_a_batch_answers_like_single_calls(box):
    inputs = [np.arange(3.0), np.ones((2, 2)), np.array([-1.5])]
    replies = box.call_batch("mod", "double", [((x,), {}) for x in inputs])
    for x, reply in zip(inputs, replies):
        np.testing.assert_array_equal(reply.value, box.call("mod", "double", (x,)).value)


def test_a_failing_call_ends_the_batch(box):
    calls_before = box.calls
    replies = box.call_batch("mod", "picky", [((1,), {}), ((-1,), {}), ((2,), {})])
    assert [r.value for r in replies[:1]] == [1] and len(replies) == 2
    assert isinstance(replies[1], SandboxError) and replies[1].kind is ErrorKind.EXCEPTION
    assert "negative" in str(replies[1]) and box.calls == calls_before + 3


def test_a_value_that_is_not_plain_data_fails_its_own_call(box):
    first, second = box.call_batch("mod", "foreign", [((0,), {}), ((1,), {})])
    assert first.value == 1 and second.kind is ErrorKind.BAD_RETURN


def test_a_missing_function_is_missing(box):
    [reply] = box.call_batch("mod", "absent", [((1,), {})])
    assert reply.kind is ErrorKind.MISSING


def test_call_many_raises_where_the_failing_call_would(box):
    ctx = Context(box, "mod.picky", None, 1, 0)
    answers = ctx.call_many("mod.picky", [(1,), (-1,)])
    assert next(answers) == 1
    with pytest.raises(SandboxError, match="negative"):
        next(answers)


def test_nesting_is_bounded_whether_or_not_the_brackets_are_counted_out():
    deep = ("[" * 200 + "1" + "]" * 200).encode()
    with pytest.raises(protocol.ProtocolError, match="nested deeper"):
        protocol.decode(deep, [])
    wide = ("[" + ",".join(["[]"] * 300) + "]").encode()  # many brackets, two levels
    assert protocol.decode(wide, []) == [[]] * 300
    assert protocol.decode(b"[[1]]", []) == [[1]]
