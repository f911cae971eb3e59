"""Ops that make or convert arrays: convert_to_tensor, convert_to_numpy, cast, zeros, ones."""

from __future__ import annotations

from kerasette import backend
from kerasette.backend import xp
from kerasette.ops.tape import Function, Tensor, apply, unwrap


def convert_to_tensor(x, dtype=None):
    """``x`` as a backend array (a tensor passes unchanged unless cast) (``keras.ops.convert_to_tensor``).

    Floats stay in their dtype; give ``dtype`` to choose one.

    >>> convert_to_tensor([1, 2], dtype='float32').dtype.name
    'float32'
    """
    if isinstance(x, Tensor):
        return x if dtype is None else cast(x, dtype)
    return backend.to_device(x, dtype)


def convert_to_numpy(x):
    """``x`` as a NumPy array, on every backend (``keras.ops.convert_to_numpy``).

    >>> type(convert_to_numpy([1.0])).__name__
    'ndarray'
    """
    return backend.to_numpy(unwrap(x) if backend.is_device_array(unwrap(x)) else backend.to_device(unwrap(x)))


class _Cast(Function):
    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.input_dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, grad):
        # Only floats carry a gradient; a cast to or from integers passes none.
        if self.input_dtype.kind != "f" or grad.dtype.kind != "f":
            return (None,)
        return (grad.astype(self.input_dtype),)


def cast(x, dtype):
    """``x`` in ``dtype`` (``keras.ops.cast``).

    >>> cast(np.array([1.7]), 'int32').tolist()
    [1]
    """
    return apply(_Cast(xp.dtype(dtype)), x if isinstance(x, Tensor) else xp.asarray(x))


class _StopGradient(Function):
    def forward(self, x):
        return x

    def backward(self, grad):
        return (None,)


def stop_gradient(variable):
    """The same values, through which no gradient flows (``keras.ops.stop_gradient``)."""
    return apply(_StopGradient(), variable)


def shape(x) -> tuple:
    """The shape of ``x`` as a tuple of ints (``keras.ops.shape``)."""
    return tuple(unwrap(x).shape) if hasattr(unwrap(x), "shape") else ()


def zeros(shape, dtype=None):
    """An array of zeros, of floatx unless ``dtype`` is given (``keras.ops.zeros``)."""
    return xp.zeros(shape, dtype or backend.floatx())


def ones(shape, dtype=None):
    """An array of ones, of floatx unless ``dtype`` is given (``keras.ops.ones``)."""
    return xp.ones(shape, dtype or backend.floatx())


def full(shape, fill_value, dtype=None):
    """An array of ``fill_value``, of floatx unless ``dtype`` is given (``keras.ops.full``)."""
    return xp.full(shape, fill_value, dtype or backend.floatx())


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in ``[start, stop)`` (``keras.ops.arange``).

    >>> arange(3).tolist()
    [0, 1, 2]
    """
    return xp.arange(start, stop, step, dtype=dtype) if stop is not None else xp.arange(start, dtype=dtype)


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's names
    """A matrix with ones on diagonal ``k`` (``keras.ops.eye``)."""
    return xp.eye(N, M, k, dtype=dtype or backend.floatx())


def zeros_like(x, dtype=None):
    """Zeros of the shape (and dtype) of ``x`` (``keras.ops.zeros_like``)."""
    return xp.zeros_like(unwrap(x), dtype=dtype)


def ones_like(x, dtype=None):
    """Ones of the shape (and dtype) of ``x`` (``keras.ops.ones_like``)."""
    return xp.ones_like(unwrap(x), dtype=dtype)
