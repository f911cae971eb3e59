"""Ops that move values without changing them: reshape, transpose, axes, joins, indexing."""

from __future__ import annotations

import itertools

from kerasette import backend
from kerasette.backend import xp
from kerasette.ops.tape import Function, apply


class _Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, grad):
        return (grad.reshape(self.input_shape),)


def reshape(x, newshape):
    """``x`` with the shape ``newshape`` (one -1 allowed) (``keras.ops.reshape``).

    >>> reshape(np.arange(6.0), (2, -1)).shape
    (2, 3)
    """
    return apply(_Reshape(tuple(newshape) if isinstance(newshape, (list, tuple)) else newshape), x)


class _Transpose(Function):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        self.axes = tuple(reversed(range(x.ndim))) if self.axes is None else tuple(a % x.ndim for a in self.axes)
        return xp.transpose(x, self.axes)

    def backward(self, grad):
        return (xp.transpose(grad, tuple(sorted(range(len(self.axes)), key=self.axes.__getitem__))),)


def transpose(x, axes=None):
    """``x`` with its axes permuted (reversed when None) (``keras.ops.transpose``)."""
    return apply(_Transpose(axes), x)


def moveaxis(x, source, destination):
    """``x`` with axis ``source`` moved to ``destination`` (``keras.ops.moveaxis``)."""
    ndim = len(x.shape)
    order = [axis for axis in range(ndim) if axis != source % ndim]
    order.insert(destination % ndim, source % ndim)
    return transpose(x, order)


def expand_dims(x, axis):
    """``x`` with a new axis of length 1 at ``axis`` (``keras.ops.expand_dims``).

    >>> expand_dims(np.ones(3), 0).shape
    (1, 3)
    """
    shape = list(x.shape)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    ndim = len(shape) + len(axes)
    for a in sorted(a % ndim for a in axes):
        shape.insert(a, 1)
    return reshape(x, tuple(shape))


def squeeze(x, axis=None):
    """``x`` without its axes of length 1 (only ``axis`` when given) (``keras.ops.squeeze``)."""
    shape = tuple(x.shape)
    if axis is None:
        return reshape(x, tuple(size for size in shape if size != 1))
    axes = {a % len(shape) for a in (axis if isinstance(axis, (tuple, list)) else (axis,))}
    for a in axes:
        if shape[a] != 1:
            raise ValueError(f"axis: cannot squeeze axis {a} of length {shape[a]} (shape {shape})")
    return reshape(x, tuple(size for index, size in enumerate(shape) if index not in axes))


class _Concatenate(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, *arrays):
        self.ends = list(itertools.accumulate(a.shape[self.axis] for a in arrays))
        return xp.concatenate(arrays, axis=self.axis)

    def backward(self, grad):
        return tuple(xp.split(grad, self.ends[:-1], axis=self.axis))


def concatenate(xs, axis: int = 0):
    """The arrays ``xs`` joined along an existing axis (``keras.ops.concatenate``).

    >>> concatenate([np.ones((1, 2)), np.zeros((1, 2))], axis=0).shape
    (2, 2)
    """
    return apply(_Concatenate(axis), *xs)


def stack(x, axis: int = 0):
    """The arrays ``x`` joined along a new axis (``keras.ops.stack``).

    >>> stack([np.ones(2), np.zeros(2)], axis=1).tolist()
    [[1.0, 0.0], [1.0, 0.0]]
    """
    return concatenate([expand_dims(item, axis) for item in x], axis=axis)


class _GetItem(Function):
    def __init__(self, key):
        self.key = key

    def forward(self, x):
        self.shape, self.dtype = x.shape, x.dtype
        return x[self.key]

    def backward(self, grad):
        grad_x = xp.zeros(self.shape, self.dtype)
        backend.scatter_add(grad_x, self.key, grad)
        return (grad_x,)


class _TakeAlongAxis(Function):
    def __init__(self, indices, axis):
        self.indices, self.axis = indices, axis

    def forward(self, x):
        self.shape, self.dtype = x.shape, x.dtype
        return xp.take_along_axis(x, self.indices, axis=self.axis)

    def backward(self, grad):
        grad_x = xp.zeros(self.shape, self.dtype)
        axis = self.axis % len(self.shape)
        # Index arrays for every axis: the given indices along ``axis``, the positions elsewhere.
        positions = list(xp.indices(self.indices.shape, sparse=True))
        positions[axis] = self.indices
        backend.scatter_add(grad_x, tuple(positions), grad)
        return (grad_x,)


def take_along_axis(x, indices, axis=None):
    """Values of ``x`` at ``indices`` along ``axis`` (``keras.ops.take_along_axis``), with a gradient.

    >>> take_along_axis(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1], [0]]), axis=1).tolist()
    [[2.0], [3.0]]
    """
    indices = xp.asarray(indices.data if hasattr(indices, "creator") else indices)
    if axis is None:
        return take_along_axis(reshape(x, (-1,)), indices.reshape(-1), axis=0)
    return apply(_TakeAlongAxis(indices, axis), x)


def take(x, indices, axis=None):
    """Values of ``x`` at ``indices`` (along ``axis``; of the flattened ``x`` when None) (``keras.ops.take``).

    >>> take(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1, 1]), axis=0).tolist()
    [[3.0, 4.0], [3.0, 4.0]]
    """
    if axis is None:
        return getitem(reshape(x, (-1,)), indices)
    ndim = len(x.shape)
    return getitem(x, (slice(None),) * (axis % ndim) + (indices,))


def getitem(x, key):
    """``x[key]``: slices, integers, ``None``, boolean masks and index arrays, with a gradient."""
    if isinstance(key, tuple):
        key = tuple(_index(k) for k in key)
    else:
        key = _index(key)
    return apply(_GetItem(key), x)


def _index(key):
    """One part of an index: a tensor's array, a host index array moved to the device."""
    if hasattr(key, "creator"):
        key = key.data
    if hasattr(key, "dtype") and not backend.is_device_array(key):
        key = backend.to_device(key)
    return key
