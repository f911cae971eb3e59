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
from kerasette.graph.structure import map_structure
from kerasette.graph.symbolic import flat_shapes, map_shapes
from kerasette.ops import tape


def takes_training(cls) -> bool:
    """Whether ``cls.call`` accepts ``training`` (by name or through ``**kwargs``)."""
    parameters = inspect.signature(cls.call).parameters
    return "training" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def infer_output_shape(layer, input_shape):
    """The output shape of ``call`` for ``input_shape``, found by running it on one sample of zeros."""
    sample = map_shapes(lambda shape: xp.zeros((1, *shape[1:]), dtype=layer.dtype or backend.floatx()), input_shape)
    arguments = {"training": False} if type(layer).call_takes_training else {}
    with tape.recording(False):
        outputs = layer.call(sample, **arguments)
    layer._call_losses = []
    batch = flat_shapes(input_shape)[0][0]
    return map_structure(lambda array: (batch, *tuple(getattr(tape.unwrap(array), "shape", ()))[1:]), outputs)


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
