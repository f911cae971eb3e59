"""Ops that convert arrays: convert_to_tensor, convert_to_numpy, cast, stop_gradient, shape."""

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
