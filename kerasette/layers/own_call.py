"""What a layer of one's own needs around its ``call``: its signature, its build, its output shape.

A layer of one's own (Keras's subclassing) defines ``call(inputs, training=None)`` with
:mod:`kerasette.ops` and weights from ``add_weight``; the tape differentiates it like any
other op. Its ``build`` (if any) makes the weights; after it, the base build records the
shapes, found by running ``call`` once on a sample of zeros, as Keras traces it.
"""

from __future__ import annotations

import inspect

from kerasette import backend
from kerasette.backend import xp
from kerasette.ops import tape


def takes_training(cls) -> bool:
    """Whether ``cls.call`` accepts ``training`` (by name or through ``**kwargs``)."""
    parameters = inspect.signature(cls.call).parameters
    return "training" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def infer_output_shape(layer, input_shape):
    """The output shape of ``call`` for ``input_shape``, found by running it on one sample of zeros."""
    sample = map_shapes(
        input_shape, lambda shape: xp.zeros((1,) + tuple(shape[1:]), dtype=layer.dtype or backend.floatx())
    )
    arguments = {"training": False} if type(layer).call_takes_training else {}
    with tape.recording(False):
        outputs = layer.call(sample, **arguments)
    layer._call_losses = []
    return map_arrays(
        outputs, lambda array: (input_batch(input_shape),) + tuple(getattr(tape.unwrap(array), "shape", ())[1:])
    )


def is_shape(value) -> bool:
    return isinstance(value, tuple) and all(d is None or isinstance(d, int) for d in value)


def input_batch(input_shape):
    while not is_shape(input_shape):
        input_shape = next(iter(input_shape.values())) if isinstance(input_shape, dict) else input_shape[0]
    return input_shape[0] if input_shape else None


def map_shapes(structure, function):
    """``function`` applied to each shape (a tuple of ints/None) in a list or dict of shapes."""
    if is_shape(structure):
        return function(structure)
    if isinstance(structure, dict):
        return {key: map_shapes(value, function) for key, value in structure.items()}
    return [map_shapes(value, function) for value in structure]


def map_arrays(structure, function):
    """``function`` applied to each array or tensor in a list, tuple or dict of them."""
    if isinstance(structure, dict):
        return {key: map_arrays(value, function) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_arrays(value, function) for value in structure)
    return function(structure)


def completing_build(user_build, base_build):
    """A layer's own ``build``, then ``base_build`` (what Keras's base build records:
    shapes and ``built``), once, after the outermost build."""

    def build(self, input_shape):
        if self.__dict__.get("_in_user_build"):
            return user_build(self, input_shape)
        self._in_user_build = True
        try:
            user_build(self, input_shape)
        finally:
            self._in_user_build = False
        base_build(self, input_shape)

    build.__name__, build.__qualname__, build.__doc__ = user_build.__name__, user_build.__qualname__, user_build.__doc__
    return build
