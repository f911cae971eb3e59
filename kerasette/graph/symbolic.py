"""Calling layers and ``kerasette.ops`` on KerasTensors: build, infer the outputs, record a Node.

A layer is built from the shapes of its first call (Keras's deferred build). Its outputs'
shapes come from ``compute_output_shape``, or, for a layer of one's own that does not
define it, from running ``call`` on zeros, as an op's do: twice, with every unknown
dimension (the batch axis, a free sequence length) set to 2 and then to 3, so that an
output dimension that changes between the two runs is unknown too.
"""

from __future__ import annotations

import functools

from kerasette import backend
from kerasette.backend import xp
from kerasette.graph.keras_tensor import KerasTensor, any_symbolic, is_symbolic
from kerasette.graph.node import Node
from kerasette.graph.structure import flatten, map_structure, pack_as

_PROBE_SIZES = (2, 3)


# -- shapes ---------------------------------------------------------------------------------
def is_shape(value) -> bool:
    """Whether ``value`` is one shape (a tuple or list of ints and Nones), not a structure of shapes."""
    return isinstance(value, (tuple, list)) and all(dim is None or isinstance(dim, int) for dim in value)


def map_shapes(function, shapes):
    """``shapes`` (one shape, or a list, tuple or dict of them) with ``function`` applied to each shape."""
    if is_shape(shapes):
        return function(tuple(shapes))
    if isinstance(shapes, dict):
        return {key: map_shapes(function, value) for key, value in shapes.items()}
    return type(shapes)(map_shapes(function, value) for value in shapes)


def flat_shapes(shapes) -> list[tuple]:
    """The shapes in ``shapes`` (one shape, or a list, tuple or dict of them; dicts in key order)."""
    if is_shape(shapes):
        return [tuple(shapes)]
    if isinstance(shapes, dict):
        return [shape for key in sorted(shapes) for shape in flat_shapes(shapes[key])]
    return [shape for item in shapes for shape in flat_shapes(item)]


def shapes_compatible(expected, received) -> bool:
    """Whether ``received`` fits ``expected``, shape by shape in flattened order: same rank,
    equal dimensions wherever both are known; the batch axis is not compared."""
    expected, received = flat_shapes(expected), flat_shapes(received)
    return len(expected) == len(received) and all(
        len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a[1:], b[1:]))
        for a, b in zip(expected, received)
    )


def shape_structure(inputs):
    """The shapes of the KerasTensors in ``inputs``, in the same structure."""
    return map_structure(lambda value: value.shape if isinstance(value, KerasTensor) else None, inputs)


def _describe(value) -> str:
    if isinstance(value, KerasTensor):
        return f"{value.name!r} of shape {value.shape}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {_describe(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_describe(item) for item in value) + "]"
    return repr(value)


# -- layers -----------------------------------------------------------------------------------
def _infers_by_calling(layer) -> bool:
    from kerasette.layers.layer import Layer

    return type(layer).uses_own_call() and type(layer).compute_output_shape is Layer.compute_output_shape


def symbolic_call(layer, *args, **kwargs):
    """``layer(*args, **kwargs)`` on KerasTensors: build the layer if needed, record a Node,
    return the output KerasTensor(s).

    Raises:
        ValueError: The layer is built for inputs of another shape, or cannot take these.
    """
    if "training" in kwargs and kwargs["training"] is None:
        del kwargs["training"]  # as Keras, a call records only the arguments it was given
    inputs = args[0] if args else next(iter(kwargs.values()))
    received = shape_structure(inputs)
    label = f"layer '{layer.name}' ({type(layer).__name__})"
    if not layer.built:
        try:
            layer.build(received)
        except (ValueError, TypeError) as error:
            raise type(error)(f"{label} cannot be built for inputs {_describe(inputs)}: {error}") from error
    elif layer.input_shape is not None and not shapes_compatible(layer.input_shape, received):
        raise ValueError(
            f"{label} was built for inputs of shape {layer.input_shape}; received inputs {_describe(inputs)}. "
            "A layer called again (shared) must receive inputs of the shape it was built for."
        )
    if _infers_by_calling(layer):
        outputs = outputs_by_running(_call_function(layer), args, kwargs)
    else:
        try:
            # A layer whose outputs depend on its call's arguments (MultiHeadAttention's
            # return_attention_scores) says so with ``compute_call_output_shape``.
            call_shape = getattr(layer, "compute_call_output_shape", None)
            output_shapes = (
                call_shape(*shape_structure(list(args)), **kwargs)
                if call_shape
                else layer.compute_output_shape(received)
            )
        except (ValueError, TypeError) as error:
            raise type(error)(f"{label} cannot take inputs {_describe(inputs)}: {error}") from error
        dtype = getattr(layer, "dtype", None) or backend.floatx()
        outputs = _tensors_for(output_shapes, dtype, layer.name)
    Node(layer, args, kwargs, outputs)
    return outputs


def _tensors_for(shapes, dtype, name):
    if is_shape(shapes):
        return KerasTensor(shapes, dtype=dtype, name=name)
    return map_shapes(lambda shape: KerasTensor(shape, dtype=dtype, name=name), shapes)


def _call_function(layer):
    def call(*args, **kwargs):
        if getattr(type(layer), "call_takes_training", False):
            kwargs.setdefault("training", False)
        return layer.call(*args, **kwargs)

    return call


def outputs_by_running(function, args, kwargs, name: str | None = None):
    """The outputs of ``function`` on KerasTensors, found by running it on zeros (see the module doc)."""
    from kerasette.ops import tape

    runs = []
    for size in _PROBE_SIZES:

        def zeros(value, size=size):
            if not isinstance(value, KerasTensor):
                return value
            return xp.zeros(tuple(size if dim is None else dim for dim in value.shape), dtype=value.dtype)

        with tape.recording(False):
            runs.append(function(*map_structure(zeros, args), **map_structure(zeros, kwargs)))
    first, second = runs
    name = name or getattr(function, "__name__", None)

    def spec(a, b):
        a, b = xp.asarray(tape.unwrap(a)), xp.asarray(tape.unwrap(b))
        if a.ndim != b.ndim:
            raise ValueError(f"{name}: the rank of its output depends on the input's unknown dimensions")
        shape = tuple(x if x == y else None for x, y in zip(a.shape, b.shape))
        return KerasTensor(shape, dtype=str(a.dtype), name=name)

    return pack_as(first, [spec(a, b) for a, b in zip(flatten(first), flatten(second))])


# -- ops --------------------------------------------------------------------------------------
def class_name_of(function) -> str:
    """The Keras class name of an op function: ``add`` -> ``'Add'``, ``log_softmax`` -> ``'LogSoftmax'``."""
    return "".join(part.capitalize() for part in function.__name__.split("_"))


class Operation:
    """A ``kerasette.ops`` function called on KerasTensors: the operation of a Node, run
    again on arrays (or tape tensors) when the model runs.

    Its name is unique like a layer's (``add``, ``add_1``, ...), since configs name
    operations; its ``class_name`` is the function's name in Keras's spelling (``Add``).
    """

    def __init__(self, function, name: str | None = None):
        self.function = function
        if name is None:
            index = backend.get_uid(function.__name__) - 1
            name = function.__name__ if index == 0 else f"{function.__name__}_{index}"
        self.name = name

    @property
    def class_name(self) -> str:
        return class_name_of(self.function)

    def __call__(self, *args, **kwargs):
        if not any_symbolic(args, kwargs):
            return self.function(*args, **kwargs)
        try:
            outputs = outputs_by_running(self.function, args, kwargs, name=self.name)
        except (ValueError, TypeError, IndexError) as error:
            raise type(error)(
                f"ops.{self.function.__name__} cannot take arguments {_describe(list(args))}: {error}"
            ) from error
        Node(self, args, kwargs, outputs)
        return outputs

    def get_config(self) -> dict:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"<Operation {self.function.__name__} name={self.name!r}>"


def symbolic_op(function, args: tuple, kwargs: dict):
    """``function(*args, **kwargs)`` on KerasTensors: a Node of a new :class:`Operation`."""
    return Operation(function)(*args, **kwargs)


def records_symbolic_calls(function):
    """``function`` (a ``kerasette.ops`` function), recording a Node when given KerasTensors."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        for value in args:
            if is_symbolic(value):
                return symbolic_op(function, args, kwargs)
        if kwargs and any(is_symbolic(value) for value in kwargs.values()):
            return symbolic_op(function, args, kwargs)
        return function(*args, **kwargs)

    return wrapper
