"""The tape: reverse-mode automatic differentiation over :mod:`kerasette.ops`.

A :class:`Tensor` wraps a backend array and remembers the :class:`Function` that made
it; ``backward`` walks those functions from the outputs back, latest generation first,
so that every tensor's gradient is complete before it is passed on (DeZero's
``core.py``, Chainer's ``FunctionNode``).

Nothing is recorded unless :func:`recording` is active: then an op given a tensor
returns a tensor. Outside it, ops take and return plain backend arrays, so a model with
no layer or loss of the user's own pays nothing for the tape.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools

from kerasette.backend import xp

_state = {"recording": False}


def is_recording() -> bool:
    """Whether ops record themselves (inside :func:`recording`)."""
    return _state["recording"]


@contextlib.contextmanager
def recording(enabled: bool = True):
    """Within ``with recording():`` ops on tensors build the graph that :func:`backward` walks."""
    previous = _state["recording"]
    _state["recording"] = enabled
    try:
        yield
    finally:
        _state["recording"] = previous


class Tensor:
    """A backend array that remembers how it was computed, so a gradient can flow back to it.

    Operators (``+ - * / ** @``, comparisons, unary ``-``, indexing) are the ops of the
    same name. ``data`` is the array; ``grad`` its gradient after :func:`backward`.

    Example:
    >>> from kerasette import ops
    >>> with recording():
    ...     x = Tensor(np.array([1.0, 2.0]))
    ...     y = ops.sum(x * x)
    >>> backward([y]); x.grad.tolist()
    [2.0, 4.0]
    """

    __slots__ = ("data", "grad", "creator", "generation")
    # NumPy and CuPy arrays defer to the reflected operators below instead of broadcasting
    # over a Tensor as if it were an object.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, data, creator: Function | None = None):
        self.data = data
        self.grad = None
        self.creator = creator
        self.generation = 0 if creator is None else creator.generation + 1

    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)
    size = property(lambda self: self.data.size)

    def __len__(self) -> int:
        return len(self.data)

    def numpy(self):
        """The values as a NumPy array (a copy on the GPU)."""
        from kerasette import backend

        return backend.to_numpy(self.data)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    def __repr__(self) -> str:
        return f"<Tensor shape={tuple(self.data.shape)} dtype={self.data.dtype}>\n{self.data!r}"

    __hash__ = object.__hash__

    @property
    def T(self):
        return shape_ops.transpose(self)

    # NumPy's method spellings of a few ops, which loss functions written for arrays use.
    def sum(self, axis=None, keepdims: bool = False):
        return reductions.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims: bool = False):
        return reductions.mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims: bool = False):
        return reductions.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims: bool = False):
        return reductions.min(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        return shape_ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes):
        return shape_ops.transpose(self, (axes[0] if len(axes) == 1 else axes) or None)

    def __getitem__(self, key):
        return shape_ops.getitem(self, key)

    def __neg__(self):
        return arithmetic.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return arithmetic.absolute(self)

    def __add__(self, other):
        return arithmetic.add(self, other)

    def __radd__(self, other):
        return arithmetic.add(other, self)

    def __sub__(self, other):
        return arithmetic.subtract(self, other)

    def __rsub__(self, other):
        return arithmetic.subtract(other, self)

    def __mul__(self, other):
        return arithmetic.multiply(self, other)

    def __rmul__(self, other):
        return arithmetic.multiply(other, self)

    def __truediv__(self, other):
        return arithmetic.divide(self, other)

    def __rtruediv__(self, other):
        return arithmetic.divide(other, self)

    def __pow__(self, other):
        return arithmetic.power(self, other)

    def __rpow__(self, other):
        return arithmetic.power(other, self)

    def __matmul__(self, other):
        return linear_algebra.matmul(self, other)

    def __rmatmul__(self, other):
        return linear_algebra.matmul(other, self)

    def __eq__(self, other):
        return arithmetic.equal(self, other)

    def __ne__(self, other):
        return arithmetic.not_equal(self, other)

    def __lt__(self, other):
        return arithmetic.less(self, other)

    def __le__(self, other):
        return arithmetic.less_equal(self, other)

    def __gt__(self, other):
        return arithmetic.greater(self, other)

    def __ge__(self, other):
        return arithmetic.greater_equal(self, other)


def unwrap(value):
    """The backend array behind a tensor; anything else unchanged."""
    return value.data if type(value) is Tensor else value


class Function:
    """One recorded op: ``forward`` on arrays, ``backward`` from the output's gradient.

    Subclasses keep what ``backward`` needs as attributes in ``forward``.
    ``backward(grad)`` returns one gradient per input (None for an input that needs none);
    ``self.needs[i]`` says whether input ``i`` is a tensor, so work for constants is skipped.
    """

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError


def apply(function: Function, *inputs):
    """Run ``function`` on ``inputs``; record it and return a Tensor when a tensor is among them."""
    if not _state["recording"]:
        return function.forward(*[value.data if type(value) is Tensor else value for value in inputs])
    needs = tuple(type(value) is Tensor for value in inputs)
    output = function.forward(*[value.data if type(value) is Tensor else value for value in inputs])
    if not any(needs):
        return output
    function.inputs = inputs
    function.needs = needs
    function.generation = max(value.generation for value in inputs if type(value) is Tensor)
    return Tensor(output, function)


def sum_to_shape(grad, shape: tuple):
    """``grad`` summed over the axes that broadcasting added or stretched, back to ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + index for index, size in enumerate(shape) if size == 1 and grad.shape[extra + index] != 1
    )
    summed = grad.sum(axis=axes, keepdims=True) if axes else grad
    return summed.reshape(shape)


def backward(outputs: list, grads: list | None = None) -> None:
    """Accumulate into ``.grad`` of every tensor the ``outputs`` depend on.

    Args:
        outputs: Tensors to differentiate (several are summed: a layer's output and the
            losses it added).
        grads: The gradient of each output (ones when omitted). They are read, never
            written.
    """
    grads = grads or [None] * len(outputs)
    order = itertools.count()
    pending: list = []
    seen: set[int] = set()

    def schedule(tensor: Tensor) -> None:
        creator = tensor.creator
        if creator is not None and id(creator) not in seen:
            seen.add(id(creator))
            heapq.heappush(pending, (-creator.generation, next(order), tensor))

    for output, grad in zip(outputs, grads):
        if type(output) is not Tensor:
            continue
        grad = xp.ones_like(output.data) if grad is None else grad
        output.grad = grad if output.grad is None else output.grad + grad
        schedule(output)
    while pending:
        _, _, tensor = heapq.heappop(pending)
        function = tensor.creator
        input_grads = function.backward(tensor.grad)
        for value, needed, grad in zip(function.inputs, function.needs, input_grads):
            if not needed or grad is None:
                continue
            if value.grad is None:
                value.grad = grad
            else:
                value.grad = value.grad + grad
            schedule(value)
        # An intermediate gradient is complete once passed on; free it early.
        tensor.grad = None


# Bound at the end: the operator methods above use the ops, which build on this module.
from kerasette.ops import arithmetic, linear_algebra, reductions, shape_ops  # noqa: E402
