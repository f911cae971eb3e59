"""Merging layers: several inputs of one model joined into one tensor.

``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum`` and ``Minimum`` combine
their inputs element by element, broadcasting as Keras does (an input of lower rank gets
axes of length 1 after its batch axis); ``Concatenate`` joins them along an axis; ``Dot``
takes dot products of two inputs sample by sample. Each ``call`` is written with
``kerasette.ops``, so the tape differentiates it. The functions ``add``, ``subtract``,
... apply a new layer of the class to a list of inputs, as ``keras.layers.add`` does.

Example:
>>> import kerasette as keras
>>> a, b = keras.Input((3,)), keras.Input((3,))
>>> Add()([a, b]).shape, Concatenate()([a, b]).shape, Dot(axes=1)([a, b]).shape
((None, 3), (None, 6), (None, 1))
"""

from __future__ import annotations

import functools

from kerasette import ops
from kerasette.backend import xp
from kerasette.graph import is_symbolic
from kerasette.layers.layer import Layer
from kerasette.ops import tape
from kerasette.registry import register_builtins


def _is_shape(value) -> bool:
    return isinstance(value, (tuple, list)) and all(dim is None or isinstance(dim, int) for dim in value)


class Merge(Layer):
    """Base of the layers that merge a list of inputs; ``_merge(inputs)`` computes the result.

    Args:
        **kwargs: Layer arguments (``name``, ``dtype``, ...).
    """

    #: how many inputs the layer takes: (at least, at most)
    input_count = (1, None)

    def _check_input_shapes(self, input_shape) -> list[tuple]:
        if not isinstance(input_shape, (list, tuple)) or not input_shape or not all(map(_is_shape, input_shape)):
            raise ValueError(
                f"layer '{self.name}' ({type(self).__name__}) should be called on a list of inputs; "
                f"received inputs of shape {input_shape}"
            )
        least, most = self.input_count
        if len(input_shape) < least or (most is not None and len(input_shape) > most):
            expected = f"exactly {least}" if least == most else f"at least {least}"
            raise ValueError(
                f"layer '{self.name}' ({type(self).__name__}) should be called on {expected} inputs; "
                f"received {len(input_shape)}: {list(input_shape)}"
            )
        return [tuple(shape) for shape in input_shape]

    def build(self, input_shape) -> None:
        self.compute_output_shape(input_shape)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"layer '{self.name}' ({type(self).__name__}) should be called on a list of inputs; "
                f"received {type(inputs).__name__}"
            )
        return self._merge(list(inputs))

    def compute_mask(self, inputs, previous_mask=None):
        """Keras 3's merge of masks: a position is kept where any input keeps it; no mask
        at all when an input has none (Add, Subtract, Multiply, Average, Maximum, Minimum)."""
        if not isinstance(previous_mask, (list, tuple)) or any(mask is None for mask in previous_mask):
            return None
        merged = previous_mask[0]
        for mask in previous_mask[1:]:
            merged = xp.logical_or(merged, mask)
        return merged


def _broadcast_shape(shape1, shape2, layer) -> tuple:
    """Keras's ``_compute_elemwise_op_output_shape``: two per-sample shapes, right-aligned."""
    if len(shape1) < len(shape2):
        shape1, shape2 = shape2, shape1
    if not shape2:
        return tuple(shape1)
    output = list(shape1[: len(shape1) - len(shape2)])
    for a, b in zip(shape1[len(shape1) - len(shape2) :], shape2):
        if a is None or b is None:
            output.append(None)
        elif a == 1 or b == 1:
            output.append(b if a == 1 else a)
        elif a != b:
            raise ValueError(
                f"layer '{layer.name}' ({type(layer).__name__}): inputs have incompatible shapes; "
                f"received per-sample shapes {tuple(shape1)} and {tuple(shape2)}"
            )
        else:
            output.append(a)
    return tuple(output)


class _ElementwiseMerge(Merge):
    """A merge element by element, with Keras's broadcasting."""

    def compute_output_shape(self, input_shape) -> tuple:
        shapes = self._check_input_shapes(input_shape)
        output = shapes[0][1:]
        for shape in shapes[1:]:
            output = _broadcast_shape(output, shape[1:], self)
        batch_sizes = {shape[0] for shape in shapes} - {None}
        return (batch_sizes.pop() if len(batch_sizes) == 1 else None, *output)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            return super().call(inputs)
        ranks = [len(ops.shape(value)) for value in inputs]
        # Keras's alignment: an input of lower rank gets axes of length 1 after its batch axis.
        inputs = list(inputs)
        for index, rank in enumerate(ranks):
            for _ in range(max(ranks) - rank):
                inputs[index] = ops.expand_dims(inputs[index], 1)
        return self._merge(inputs)


class Add(_ElementwiseMerge):
    """Sum of the inputs (``keras.layers.Add``).

    >>> Add()._merge([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])]).tolist()
    [[4.0, 6.0]]
    """

    def _merge(self, inputs):
        return functools.reduce(ops.add, inputs)


class Subtract(_ElementwiseMerge):
    """The first input minus the second (``keras.layers.Subtract``)."""

    input_count = (2, 2)

    def _merge(self, inputs):
        return ops.subtract(inputs[0], inputs[1])


class Multiply(_ElementwiseMerge):
    """Product of the inputs, element by element (``keras.layers.Multiply``)."""

    def _merge(self, inputs):
        return functools.reduce(ops.multiply, inputs)


class Average(_ElementwiseMerge):
    """Mean of the inputs, element by element (``keras.layers.Average``)."""

    def _merge(self, inputs):
        return ops.divide(functools.reduce(ops.add, inputs), float(len(inputs)))


class Maximum(_ElementwiseMerge):
    """Largest of the inputs, element by element (``keras.layers.Maximum``)."""

    def _merge(self, inputs):
        return functools.reduce(ops.maximum, inputs)


class Minimum(_ElementwiseMerge):
    """Smallest of the inputs, element by element (``keras.layers.Minimum``)."""

    def _merge(self, inputs):
        return functools.reduce(ops.minimum, inputs)


class Concatenate(Merge):
    """The inputs joined along ``axis`` (``keras.layers.Concatenate``).

    Args:
        axis: The axis to join along; every other axis must match.

    >>> Concatenate()._merge([np.ones((1, 2)), np.zeros((1, 1))]).tolist()
    [[1.0, 1.0, 0.0]]
    """

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeError(f"axis: expected an int; received {axis!r}")
        self.axis = axis

    def compute_output_shape(self, input_shape) -> tuple:
        shapes = self._check_input_shapes(input_shape)
        rank = len(shapes[0])
        if not -rank <= self.axis < rank or any(len(shape) != rank for shape in shapes):
            raise ValueError(
                f"layer '{self.name}' (Concatenate) with axis={self.axis} needs inputs of one rank that has "
                f"that axis; received shapes {shapes}"
            )
        axis = self.axis % rank
        output = list(shapes[0])
        for shape in shapes[1:]:
            for index, (a, b) in enumerate(zip(output, shape)):
                if index == axis:
                    output[index] = None if a is None or b is None else a + b
                elif a is not None and b is not None and a != b and index != 0:
                    raise ValueError(
                        f"layer '{self.name}' (Concatenate) requires inputs with matching shapes except for "
                        f"the concatenation axis {self.axis}; received shapes {shapes}"
                    )
                elif a is None:
                    output[index] = b
        return tuple(output)

    def _merge(self, inputs):
        return ops.concatenate(inputs, axis=self.axis)

    def compute_mask(self, inputs, previous_mask=None):
        """Keras 3's: each input's mask spread over its shape (all True where it has none),
        joined along ``axis``, then kept where any entry of the last axis is."""
        if not isinstance(previous_mask, (list, tuple)) or all(mask is None for mask in previous_mask):
            return None
        spread = []
        for value, mask in zip(inputs, previous_mask):
            shape = tape.unwrap(value).shape
            if mask is None:
                spread.append(xp.ones(shape, dtype=bool))
            else:
                mask = xp.asarray(mask, dtype=bool)
                spread.append(xp.broadcast_to(mask[..., None], shape) if mask.ndim < len(shape) else mask)
        return xp.any(xp.concatenate(spread, axis=self.axis), axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


def _l2_normalize(x, axis: int):
    """Keras's ``l2_normalize``: ``x / sqrt(max(sum(x**2), 1e-12))`` along ``axis``."""
    squares = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.multiply(x, ops.rsqrt(ops.maximum(squares, 1e-12)))


def batch_dot(x1, x2, axes: tuple[int, int]):
    """Dot products of ``x1`` and ``x2`` sample by sample, summing over ``axes`` (one axis of
    each); the result has ``x1``'s other axes, then ``x2``'s (a (batch, 1) column when none)."""
    shape1, shape2 = tuple(ops.shape(x1)), tuple(ops.shape(x2))
    # (batch, rest1..., k) @ (batch, k, rest2...) as one batched matrix product.
    left = ops.moveaxis(x1, axes[0], -1)
    right = ops.moveaxis(x2, axes[1], 1)
    rest1 = tuple(size for index, size in enumerate(shape1) if index not in (0, axes[0]))
    rest2 = tuple(size for index, size in enumerate(shape2) if index not in (0, axes[1]))
    batch, depth = shape1[0], shape1[axes[0]]
    product = ops.matmul(ops.reshape(left, (batch, -1, depth)), ops.reshape(right, (batch, depth, -1)))
    return ops.reshape(product, (batch, *rest1, *rest2) if rest1 or rest2 else (batch, 1))


class Dot(Merge):
    """Dot products of two inputs sample by sample (``keras.layers.Dot``).

    Args:
        axes: The axis of both inputs to sum over (an int), or one axis of each (a pair).
        normalize: Whether to L2-normalize both inputs along ``axes`` first (the result is
            then the cosine similarity).

    >>> Dot(axes=1)._merge([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])]).tolist()
    [[11.0]]
    """

    input_count = (2, 2)

    def __init__(self, axes, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        valid_pair = isinstance(axes, (list, tuple)) and len(axes) == 2 and all(isinstance(a, int) for a in axes)
        if not (isinstance(axes, int) and not isinstance(axes, bool)) and not valid_pair:
            raise TypeError(f"axes: expected an int or a pair of ints; received {axes!r}")
        self.axes = axes if isinstance(axes, int) else tuple(axes)
        self.normalize = bool(normalize)

    def _axes_for(self, rank1: int, rank2: int) -> tuple[int, int]:
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        axes = (pair[0] % rank1, pair[1] % rank2)
        if 0 in axes:
            raise ValueError(f"layer '{self.name}' (Dot): axes={self.axes!r} names the batch axis; expected others")
        return axes

    def compute_output_shape(self, input_shape) -> tuple:
        shape1, shape2 = self._check_input_shapes(input_shape)
        axes = self._axes_for(len(shape1), len(shape2))
        size1, size2 = shape1[axes[0]], shape2[axes[1]]
        if size1 is not None and size2 is not None and size1 != size2:
            raise ValueError(
                f"layer '{self.name}' (Dot): incompatible input shapes, axis values {size1} != {size2}; "
                f"received shapes {shape1} and {shape2} with axes={self.axes!r}"
            )
        rest1 = [size for index, size in enumerate(shape1) if index != axes[0]]
        rest2 = [size for index, size in enumerate(shape2) if index not in (0, axes[1])]
        output = rest1 + rest2
        return tuple(output if len(output) > 1 else output + [1])

    def _merge(self, inputs):
        x1, x2 = inputs
        axes = self._axes_for(len(ops.shape(x1)), len(ops.shape(x2)))
        if self.normalize:
            x1, x2 = _l2_normalize(x1, axes[0]), _l2_normalize(x2, axes[1])
        return batch_dot(x1, x2, axes)

    def compute_mask(self, inputs, previous_mask=None):
        return None  # as Keras 3: a dot product keeps no mask

    def get_config(self) -> dict:
        axes = self.axes if isinstance(self.axes, int) else list(self.axes)
        return {**super().get_config(), "axes": axes, "normalize": self.normalize}


def _merge_function(cls, doc: str):
    def apply(inputs, **kwargs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{cls.__name__.lower()}: expected a list of inputs; received {type(inputs).__name__}")
        layer = cls(**kwargs)
        return layer(inputs) if is_symbolic(inputs) else layer.call(inputs)

    apply.__name__ = apply.__qualname__ = cls.__name__.lower()
    apply.__doc__ = doc
    return apply


add = _merge_function(Add, "``keras.layers.add``: the sum of ``inputs`` by a new ``Add`` layer.")
subtract = _merge_function(Subtract, "``keras.layers.subtract``: ``inputs[0] - inputs[1]`` by a new ``Subtract``.")
multiply = _merge_function(Multiply, "``keras.layers.multiply``: the product of ``inputs`` by a new ``Multiply``.")
average = _merge_function(Average, "``keras.layers.average``: the mean of ``inputs`` by a new ``Average`` layer.")
maximum = _merge_function(Maximum, "``keras.layers.maximum``: the largest of ``inputs`` by a new ``Maximum``.")
minimum = _merge_function(Minimum, "``keras.layers.minimum``: the smallest of ``inputs`` by a new ``Minimum``.")


def concatenate(inputs, axis: int = -1, **kwargs):
    """``keras.layers.concatenate``: ``inputs`` joined along ``axis`` by a new ``Concatenate`` layer."""
    return _merge_function(Concatenate, "")(inputs, axis=axis, **kwargs)


def dot(inputs, axes=-1, normalize: bool = False, **kwargs):
    """``keras.layers.dot``: dot products of two ``inputs`` by a new ``Dot`` layer."""
    return _merge_function(Dot, "")(inputs, axes=axes, normalize=normalize, **kwargs)


register_builtins(
    "layer", {cls.__name__: cls for cls in (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot)}
)
