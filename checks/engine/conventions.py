"""A course's conventions, applied where the grader calls the submission (Context.call).

An existing assignment may place or name the spec's functions differently, or take an argument in
another convention. A profile says so as data (its [layout] and [conventions] tables); this module
translates each call on its way in and its result on its way out, so every check and every oracle
function stays written against the spec alone. Where a convention is not set, the spec's own holds.

    functions      {spec function or module: the submission's}  "losses.softmax_loss" = "layers.softmax_loss"
    dropout_p      "drop" (the spec) or "keep": what a drop probability (dropout_param["p"]) is the probability of
    mode           "optional" (the spec: a param dict without a mode means its default) or "required"
                   (the submission reads param["mode"], so every call carries it)
    channel_shape  {spec forward: "(1, C, 1, 1)"}: gamma and beta go in with that shape, and the
                   backward's dgamma and dbeta come back in the shape the grader gave gamma
    keywords       {spec function: {name: value}}: keyword arguments added to every call
    course_names   {spec function: the course's name}: set by a course's layer (dlgrade.courses), which presents
                   the course's functions under the spec's names in the worker; reports name them
    promises       {spec function: predicate of the spec's args}: what the course's function is promised (a square
                   pooling window); set by a course's layer, an input outside it is not an example

Which functions have a drop probability, a param dict with a mode or per-channel parameters, and where in their
arguments, is the areas' to say (engine.spec); this module holds no name of the spec.
"""
import dataclasses
from dataclasses import dataclass, field

import numpy as np
from hypothesis import reject

from dlgrade.sandbox import Handle

from .spec import DROP_PROBABILITY, MODE_PARAMS

DROPOUT_P = ("drop", "keep")
MODES = ("optional", "required")
CHANNEL_SHAPES = {"(C,)": lambda c: (c,), "(1, C, 1, 1)": lambda c: (1, c, 1, 1)}


@dataclass
class Conventions:
    functions: dict = field(default_factory=dict)
    dropout_p: str = "drop"
    mode: str = "optional"
    channel_shape: dict = field(default_factory=dict)
    keywords: dict = field(default_factory=dict)
    course_names: dict = field(default_factory=dict)  # {spec function: the course's name} (a course's layer)
    promises: dict = field(default_factory=dict)  # {spec function: predicate of its args} (a course's layer)
    course_input: object = None  # (spec function, inputs) -> the inputs as the course's function got them, or None
    _gamma_shapes: dict = field(default_factory=dict, init=False, repr=False)  # cache handle id -> gamma's shape

    def for_check(self):
        """A copy with no remembered caches (handles live as long as one check)."""
        return dataclasses.replace(self)

    def locate(self, function):
        """(module, name) of the spec's "module.function" in the submission."""
        module, _, name = function.partition(".")
        if function in self.functions:
            return tuple(self.functions[function].rsplit(".", 1))
        return self.functions.get(module, module), name

    def describe(self, function):
        """The submission's name for a spec function, with the spec's name when they differ."""
        located = self.course_names.get(function) or ".".join(self.locate(function))
        return function if located == function else f"{located} (the spec's {function})"

    def arguments(self, function, args, kwargs):
        """The (args, kwargs) to send for a call the grader writes in the spec's conventions. An input the course
        does not promise its function (its promise's predicate is false) is no example: the search draws another."""
        if function in self.promises and not self.promises[function](args):
            reject()
        args = list(args)
        if function in DROP_PROBABILITY and self.dropout_p == "keep":
            position, key = DROP_PROBABILITY[function]
            if _has(args, position, key):
                args[position] = {**args[position], key: 1 - args[position][key]}
        if self.mode == "required" and function in MODE_PARAMS:
            position, default = MODE_PARAMS[function].position, MODE_PARAMS[function].default
            if position < len(args) and type(args[position]) is dict and "mode" not in args[position]:
                args[position] = dict(args[position], mode=default)
        shape = self.channel_shape.get(function)
        if shape is not None and len(args) > 2:
            for position in (1, 2):
                if isinstance(args[position], np.ndarray) and args[position].ndim == 1:
                    args[position] = args[position].reshape(CHANNEL_SHAPES[shape](args[position].size))
        return args, {**self.keywords.get(function, {}), **kwargs}

    def result(self, function, args, value):
        """The submission's return value in the spec's conventions (args: as the grader wrote them)."""
        if function in self.channel_shape and type(value) in (tuple, list) and len(value) == 2 \
                and isinstance(value[1], Handle) and isinstance(args[1], np.ndarray):
            self._gamma_shapes[value[1].id] = args[1].shape
        backward_of = function.replace("_backward", "_forward")
        if backward_of in self.channel_shape and len(args) > 1 and isinstance(args[1], Handle) \
                and args[1].id in self._gamma_shapes and type(value) in (tuple, list) and len(value) == 3:
            shape = self._gamma_shapes[args[1].id]
            value = type(value)(_reshaped(v, shape) if i else v for i, v in enumerate(value))
        return value


def _has(args, position, key):
    return position < len(args) and type(args[position]) is dict and key in args[position]


def _reshaped(value, shape):
    if isinstance(value, np.ndarray) and value.size == int(np.prod(shape)):
        return value.reshape(shape)
    return value
