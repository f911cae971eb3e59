"""Reductions: sum, mean, max, min (with ``axis`` and ``keepdims``), var, std, argmax, argmin."""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.ops.tape import Function, apply, unwrap


def _axes(axis, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(a % ndim for a in axes)


def _kept_shape(shape: tuple, axes: tuple) -> tuple:
    """``shape`` with the reduced axes kept as 1, so a reduced gradient broadcasts back."""
    return tuple(1 if index in axes else size for index, size in enumerate(shape))


class _Sum(Function):
    def __init__(self, axis, keepdims: bool, mean: bool = False):
        self.axis, self.keepdims, self.mean = axis, keepdims, mean

    def forward(self, x):
        self.shape = x.shape
        self.axes = _axes(self.axis, x.ndim)
        reduce = xp.mean if self.mean else xp.sum
        return reduce(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, grad):
        grad = grad.reshape(_kept_shape(self.shape, self.axes))
        if self.mean:
            count = 1
            for axis in self.axes:
                count *= self.shape[axis]
            grad = grad / count
        return (xp.broadcast_to(grad, self.shape),)


class _Extreme(Function):
    """max or min; ties share the gradient equally, as TensorFlow and PyTorch do."""

    def __init__(self, axis, keepdims: bool, largest: bool):
        self.axis, self.keepdims, self.largest = axis, keepdims, largest

    def forward(self, x):
        self.x = x
        self.axes = _axes(self.axis, x.ndim)
        reduce = xp.max if self.largest else xp.min
        self.kept = reduce(x, axis=self.axes, keepdims=True)
        return (
            self.kept if self.keepdims else self.kept.reshape([s for i, s in enumerate(x.shape) if i not in self.axes])
        )

    def backward(self, grad):
        chosen = (self.x == self.kept).astype(grad.dtype)
        chosen /= chosen.sum(axis=self.axes, keepdims=True)
        return (chosen * grad.reshape(self.kept.shape),)


def sum(x, axis=None, keepdims: bool = False):  # noqa: A001 - Keras's name
    """Sum over ``axis`` (all axes when None) (``keras.ops.sum``).

    >>> sum(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0).tolist()
    [4.0, 6.0]
    """
    return apply(_Sum(axis, keepdims), x)


def mean(x, axis=None, keepdims: bool = False):
    """Mean over ``axis`` (``keras.ops.mean``)."""
    return apply(_Sum(axis, keepdims, mean=True), x)


def max(x, axis=None, keepdims: bool = False):  # noqa: A001 - Keras's name
    """Largest value over ``axis`` (``keras.ops.max``)."""
    return apply(_Extreme(axis, keepdims, largest=True), x)


def min(x, axis=None, keepdims: bool = False):  # noqa: A001 - Keras's name
    """Smallest value over ``axis`` (``keras.ops.min``)."""
    return apply(_Extreme(axis, keepdims, largest=False), x)


def var(x, axis=None, keepdims: bool = False):
    """Variance (divided by the count) over ``axis`` (``keras.ops.var``).

    >>> var(np.array([1.0, 3.0])).tolist()
    1.0
    """
    from kerasette.ops import arithmetic

    centred = arithmetic.subtract(x, mean(x, axis=axis, keepdims=True))
    return mean(arithmetic.square(centred), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims: bool = False):
    """Standard deviation over ``axis`` (``keras.ops.std``)."""
    from kerasette.ops import arithmetic

    return arithmetic.sqrt(var(x, axis=axis, keepdims=keepdims))


def all(x, axis=None, keepdims: bool = False):  # noqa: A001 - Keras's name
    """Whether every value along ``axis`` is true (``keras.ops.all``)."""
    return xp.all(unwrap(x), axis=axis, keepdims=keepdims)


def any(x, axis=None, keepdims: bool = False):  # noqa: A001 - Keras's name
    """Whether some value along ``axis`` is true (``keras.ops.any``)."""
    return xp.any(unwrap(x), axis=axis, keepdims=keepdims)


def argmax(x, axis=None, keepdims: bool = False):
    """Index of the largest value along ``axis`` (flattened when None); no gradient (``keras.ops.argmax``).

    >>> argmax(np.array([[1.0, 3.0, 2.0]]), axis=-1).tolist()
    [1]
    """
    return xp.argmax(unwrap(x), axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims: bool = False):
    """Index of the smallest value along ``axis``; no gradient (``keras.ops.argmin``)."""
    return xp.argmin(unwrap(x), axis=axis, keepdims=keepdims)
