"""Ops that make arrays (``keras.ops.array``, ``zeros``, ``arange``, ``eye``, ``tri``, ...).

They return backend arrays (NumPy or CuPy), with Keras 3's dtypes: floats default to
floatx and Python integers to int32 (``arange(3)`` is int32, ``arange(3.0)`` float32);
an array passed in keeps its dtype. ``triu`` and ``tril`` record themselves on the tape,
their gradient being the same mask applied to the output's gradient.

Example:
>>> arange(3).dtype.name, arange(3.0).dtype.name, linspace(0, 1, 3).tolist()
('int32', 'float32', [0.0, 0.5, 1.0])
>>> tril(ones((2, 2))).tolist()
[[1.0, 0.0], [1.0, 1.0]]
"""

from __future__ import annotations

import numbers

from kerasette import backend
from kerasette.backend import xp
from kerasette.ops.tape import Function, apply, unwrap
from kerasette.validation import check_number


def _float_or_given(dtype):
    return xp.dtype(dtype or backend.floatx())


def _is_integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def array(x, dtype=None):
    """``x`` as a backend array (``keras.ops.array``): an array keeps its dtype; Python
    integers become int32 and Python floats floatx, as in Keras.

    >>> array([1, 2]).dtype.name, array([1.5]).dtype.name, array(np.ones(2)).dtype.name
    ('int32', 'float32', 'float64')
    """
    x = unwrap(x)
    if dtype is not None or backend.is_device_array(x) or hasattr(x, "dtype"):
        return backend.to_device(x, dtype)
    converted = backend.to_device(x)
    kind = converted.dtype.kind
    standard = "int32" if kind in "iu" else backend.floatx() if kind == "f" else converted.dtype
    return converted.astype(standard, copy=False)


def zeros(shape, dtype=None):
    """An array of zeros, of floatx unless ``dtype`` is given (``keras.ops.zeros``)."""
    return xp.zeros(shape, _float_or_given(dtype))


def ones(shape, dtype=None):
    """An array of ones, of floatx unless ``dtype`` is given (``keras.ops.ones``)."""
    return xp.ones(shape, _float_or_given(dtype))


def full(shape, fill_value, dtype=None):
    """An array of ``fill_value``, of floatx unless ``dtype`` is given (``keras.ops.full``)."""
    return xp.full(shape, unwrap(fill_value), _float_or_given(dtype))


def zeros_like(x, dtype=None):
    """Zeros of the shape (and dtype, unless ``dtype`` is given) of ``x`` (``keras.ops.zeros_like``)."""
    return xp.zeros_like(backend.to_device(unwrap(x)), dtype=dtype)


def ones_like(x, dtype=None):
    """Ones of the shape (and dtype, unless ``dtype`` is given) of ``x`` (``keras.ops.ones_like``)."""
    return xp.ones_like(backend.to_device(unwrap(x)), dtype=dtype)


def full_like(x, fill_value, dtype=None):
    """``fill_value`` in the shape (and dtype, unless ``dtype`` is given) of ``x`` (``keras.ops.full_like``).

    >>> full_like(np.ones(2, 'int32'), 2.5).tolist()
    [2, 2]
    """
    return xp.full_like(backend.to_device(unwrap(x)), unwrap(fill_value), dtype=dtype)


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in ``[start, stop)`` (``keras.ops.arange``); int32 when every
    bound is an integer, else floatx, unless ``dtype`` is given.

    >>> arange(3).tolist(), arange(1, 2, 0.5).tolist()
    ([0, 1, 2], [1.0, 1.5])
    """
    step = 1 if step is None else step
    bounds = [value for value in (start, stop, step) if value is not None]
    for name, value in zip(("start", "stop", "step"), (start, stop, step)):
        if value is not None:
            check_number(name, value)
    if step == 0:
        raise ValueError("step: expected a non-zero number; received 0")
    if dtype is None:
        dtype = "int32" if all(_is_integer(value) for value in bounds) else backend.floatx()
    if stop is None:
        start, stop = 0, start
    return xp.arange(start, stop, step, dtype=dtype)


def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False, dtype=None, axis: int = 0):
    """``num`` evenly spaced values from ``start`` to ``stop`` (``keras.ops.linspace``), of
    floatx unless ``dtype`` is given; with ``retstep``, also the spacing.

    >>> linspace(0, 10, 5, endpoint=False, retstep=True)[1]
    2.0
    """
    num = check_number("num", num, 0, integer=True)
    result = xp.linspace(
        unwrap(start), unwrap(stop), num, endpoint=endpoint, retstep=retstep, dtype=_float_or_given(dtype), axis=axis
    )
    return (result[0], float(result[1])) if retstep else result


def eye(N, M=None, k: int = 0, dtype=None):  # noqa: N803 - Keras's names
    """A matrix with ones on diagonal ``k`` (``keras.ops.eye``)."""
    return xp.eye(N, M, k, dtype=_float_or_given(dtype))


def identity(n: int, dtype=None):
    """The ``n`` x ``n`` identity matrix (``keras.ops.identity``)."""
    return xp.identity(n, dtype=_float_or_given(dtype))


def tri(N, M=None, k: int = 0, dtype=None):  # noqa: N803 - Keras's names
    """Ones at and below diagonal ``k``, zeros above (``keras.ops.tri``).

    >>> tri(2, 3).tolist()
    [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]
    """
    return xp.tri(N, M, k, dtype=_float_or_given(dtype))


class _Triangle(Function):
    """``triu`` or ``tril`` of the last two axes; the gradient keeps the same entries."""

    def __init__(self, keep, k: int):
        self.keep, self.k = keep, k

    def forward(self, x):
        return self.keep(x, self.k)

    def backward(self, grad):
        return (self.keep(grad, self.k),)


def _triangle(keep, name: str, x, k: int):
    k = check_number("k", k, integer=True)
    if getattr(unwrap(x), "ndim", 0) < 2:
        raise ValueError(f"x: {name} expected an array of rank 2 or more; received shape {xp.shape(unwrap(x))}")
    return apply(_Triangle(keep, k), x if hasattr(unwrap(x), "ndim") else backend.to_device(x))


def triu(x, k: int = 0):
    """``x`` with the entries below diagonal ``k`` of its last two axes set to 0 (``keras.ops.triu``).

    >>> triu(np.ones((2, 2))).tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    return _triangle(xp.triu, "triu", x, k)


def tril(x, k: int = 0):
    """``x`` with the entries above diagonal ``k`` of its last two axes set to 0 (``keras.ops.tril``)."""
    return _triangle(xp.tril, "tril", x, k)
