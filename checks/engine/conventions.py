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
    renamed        {spec function: {keyword: the course's}}: a keyword argument under the course's name (a
                   class's constructor), or {keyword: {name = …, values = {str(spec value): course value}}}
                   where the course also writes its values differently (a value not listed: not in the course)
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

from .spec import DROP_PROBABILITY, KEEP_WORDS, MODE_PARAMS

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
    renamed: dict = field(default_factory=dict)
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
            if position is None and key in kwargs:  # a keyword argument of its own (a network's constructor)
                kwargs = {**kwargs, key: 1 - kwargs[key]}
            elif position is not None and _has(args, position, key):
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
        return args, {**self.keywords.get(function, {}), **self._renamed(function, kwargs)}

    def _renamed(self, function, kwargs):
        """kwargs under the course's names and in its values (renamed)."""
        renamed = self.renamed.get(function, {})
        sent = {}
        for name, value in kwargs.items():
            course = renamed.get(name, name)
            if type(course) is dict:
                name, value = course["name"], course["values"][str(value)]
            else:
                name = course
            sent[name] = value
        return sent

    def accepts(self, function, keyword, value):
        """The course has the spec's keyword value (a value table of renamed may leave it out)."""
        course = self.renamed.get(function, {}).get(keyword)
        return type(course) is not dict or str(value) in course["values"]

    def keeps(self, function):
        """The course's drop probability of `function` (or of its forward, for a backward) is the probability of
        KEEPING a unit (1 − the spec's)."""
        return _with_drop(function) is not None and self.dropout_p == "keep"

    def p(self, function, p):
        """A probability of dropping a unit as the course writes it: its own `p`."""
        return 1 - p if self.keeps(function) else p

    def dropped(self, function):
        """The drop probability in the course's terms, in words ("p", or "1 − p")."""
        return "1 − p" if self.keeps(function) else "p"

    def kept(self, function):
        """The keep probability in the course's terms, in words ("1 − p", or "p")."""
        return "p" if self.keeps(function) else "1 − p"

    def shown(self, function, inputs):
        """A failing input as the submission received it: its param dicts translated as arguments() sends them."""
        if type(inputs) is not dict:
            return inputs
        shown = dict(inputs)
        shape = self.channel_shape.get(function.replace("_backward", "_forward"))
        for name in ("gamma", "beta"):  # per-channel parameters in the course's shape, (1, C, 1, 1)
            value = inputs.get(name)
            if shape is not None and isinstance(value, np.ndarray) and value.ndim == 1:
                shown[name] = value.reshape(CHANNEL_SHAPES[shape](value.size))
        for name, value in inputs.items():
            if type(value) is not dict or not name.endswith("_param"):
                continue
            if self.keeps(function) and DROP_PROBABILITY[_with_drop(function)][1] in value:
                key = DROP_PROBABILITY[_with_drop(function)][1]
                value = {**value, key: 1 - value[key]}
            forward = function.replace("_backward", "_forward")
            if self.mode == "required" and forward in MODE_PARAMS and "mode" not in value:
                value = dict(value, mode=MODE_PARAMS[forward].default)
            shown[name] = value
        return self._constructor_shown(function, shown)

    def _constructor_shown(self, function, inputs):
        """A constructor's keywords (a network's dropout: DROP_PROBABILITY's position None) as it received them: the
        course's probability, under the course's names and values (renamed)."""
        if DROP_PROBABILITY.get(function, (0,))[0] is not None:
            return inputs
        key = DROP_PROBABILITY[function][1]
        if self.keeps(function) and isinstance(inputs.get(key), (int, float)):
            inputs = {**inputs, key: 1 - inputs[key]}
        renamed, shown = self.renamed.get(function, {}), {}
        for name, value in inputs.items():
            course = renamed.get(name, name)
            if type(course) is dict:
                name, value = course["name"], course["values"].get(str(value), value)
            else:
                name = course
            shown[name] = value
        return shown

    def meaning(self, function):
        """The one sentence a report says where the course's meaning of an argument differs from the spec's."""
        if self.keeps(function):
            key = DROP_PROBABILITY[_with_drop(function)][1]
            course = self.renamed.get(function, {}).get(key, key)
            course = course if type(course) is str else key
            return (f"in this course {course} is the probability of KEEPING a unit (the spec's {key} is the "
                    f"probability of dropping one, 1 − this {course}): the input shown is what your function received")
        return ""

    def mistake_says(self, mistake):
        """What a named mistake says in this course's terms."""
        if self.keeps(mistake.function) and mistake.id in KEEP_WORDS:
            return KEEP_WORDS[mistake.id]
        return mistake.says

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


def _with_drop(function):
    """The spec function whose drop probability `function` takes (itself, or a backward's forward); else None."""
    for candidate in (function, function.replace("_backward", "_forward")):
        if candidate in DROP_PROBABILITY:
            return candidate
    return None


def _has(args, position, key):
    return position < len(args) and type(args[position]) is dict and key in args[position]


def _reshaped(value, shape):
    if isinstance(value, np.ndarray) and value.size == int(np.prod(shape)):
        return value.reshape(shape)
    return value
