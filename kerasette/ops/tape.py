"""The tape: kerasette's one reverse-mode differentiation engine.

A :class:`Tensor` wraps a backend array and remembers the :class:`Function` that made
it; :func:`gradients` walks those functions from the outputs back, latest generation
first, so that every tensor's gradient is complete before it is passed on (DeZero's
``core.py``, Chainer's ``FunctionNode``). Gradients are kept per walk, never on the
tensors or variables, and a tensor used by several ops receives the sum of their
gradients: a layer called twice, or shared by two models, is differentiated correctly.

Every op is a Function: the element-wise ops of :mod:`kerasette.ops`, and a built-in
layer's whole call, with its hand-written backward pass (``layers/layer_call.py``).

Nothing is recorded unless a recording is active (:class:`GradientTape`, or the trainer's
step): then an op that reads a tensor or a *watched* variable returns a tensor. Outside
it, ops take and return plain backend arrays, so inference pays nothing for the tape.
Which inputs need a gradient follows from reachability alone: an op on constants and
unwatched (frozen) variables is not recorded, so nothing below it is differentiated.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools

from kerasette.backend import xp

# While recording: ``watch`` decides which variables are watched (the trainer's fixed set,
# or "every trainable variable" for a GradientTape), ``watched_ids`` adds explicit ones.
_state = {"recording": False, "watch": None}


def is_recording() -> bool:
    """Whether ops record themselves (inside :func:`recording` or a :class:`GradientTape`)."""
    return _state["recording"]


def watches_trainable(variable) -> bool:
    """The default rule, TensorFlow's: a recording watches every trainable variable it reads."""
    return variable.trainable


@contextlib.contextmanager
def recording(enabled: bool = True, watch=watches_trainable):
    """Within ``with recording():`` ops on tensors and watched variables build the graph
    that :func:`gradients` walks.

    Args:
        enabled: False stops recording inside an enclosing recording.
        watch: ``f(variable) -> bool``: which variables are leaves to differentiate.
    """
    previous = dict(_state)
    _state["recording"], _state["watch"] = enabled, watch
    try:
        yield
    finally:
        _state.update(previous)


class Tensor:
    """A backend array that remembers how it was computed, so a gradient can flow back to it.

    Operators (``+ - * / ** @``, comparisons, unary ``-``, indexing) are the ops of the
    same name. ``data`` is the array; ``grad`` its gradient after :func:`backward`.

    Example:
    >>> from kerasette import ops
    >>> with recording():
    ...     x = Tensor(np.array([1.0, 2.0]))
    ...     y = ops.sum(x * x)
    >>> gradients([y], [x])[0].tolist()
    [2.0, 4.0]
    """

    __slots__ = ("data", "creator", "generation", "consumers", "__weakref__")  # weak: Keras masks (graph/masks.py)
    # NumPy and CuPy arrays defer to the reflected operators below instead of broadcasting
    # over a Tensor as if it were an object.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, data, creator: Function | None = None):
        self.data = data
        self.creator = creator
        self.generation = 0 if creator is None else creator.generation + 1
        # How many recorded ops read this tensor: the trainer fuses a softmax with the
        # cross-entropy's gradient only for an output nothing else reads.
        self.consumers = 0

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

    def __array__(self, dtype=None, copy=None):
        from kerasette import backend

        array = backend.to_numpy(self.data)
        return array if dtype is None else array.astype(dtype)

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
    """The backend array behind a tensor or variable; anything else unchanged."""
    return value.data if isinstance(value, Tensor) else value


class Function:
    """One recorded op: ``forward`` on arrays, ``backward`` from the output's gradient.

    Subclasses keep what ``backward`` needs as attributes in ``forward`` (each call of an
    op is its own Function object, so its saved arrays belong to that call alone).
    ``backward(grad)`` returns one gradient per input (None for an input that needs none);
    ``self.needs[i]`` says whether input ``i`` needs one, so work for constants is skipped.
    ``backward`` owns ``grad``: it may overwrite it.
    """

    def forward(self, *arrays):
        raise NotImplementedError(f"{type(self).__name__} must define forward(*arrays)")

    def backward(self, grad):
        raise NotImplementedError(f"{type(self).__name__} must define backward(grad)")


def needs_gradient(value) -> bool:
    """Whether ``value`` is differentiated in the current recording: a recorded tensor,
    or a variable the recording watches."""
    if type(value) is Tensor:
        return True
    return isinstance(value, Tensor) and value.creator is None and _state["watch"](value)


def apply(function: Function, *inputs):
    """Run ``function`` on ``inputs``; record it and return a Tensor when an input needs a gradient."""
    output = function.forward(*[value.data if isinstance(value, Tensor) else value for value in inputs])
    if not _state["recording"]:
        return output
    needs = tuple(needs_gradient(value) for value in inputs)
    if not any(needs):
        return output
    function.inputs = inputs
    function.needs = needs
    function.generation = max(value.generation for value, needed in zip(inputs, needs) if needed)
    for value, needed in zip(inputs, needs):
        if needed:
            value.consumers += 1
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


def gradients(outputs: list, sources: list, output_gradients: list | None = None, owned: bool = False) -> list:
    """The gradient of the sum of ``outputs`` with respect to each of ``sources``.

    Args:
        outputs: Tensors to differentiate (a loss and the losses layers added, say).
            Entries that are not tensors (constants) contribute nothing.
        sources: Tensors or variables; None is returned for one no output depends on.
        output_gradients: The gradient of each output, in order; ones for an output
            without one (None, or past the end of the list).
        owned: Whether the caller hands ``output_gradients`` over to be overwritten;
            otherwise they are copied first.
    """
    seeds = list(output_gradients or [])
    if len(seeds) > len(outputs):
        raise ValueError(f"output_gradients: expected at most one per output ({len(outputs)}); received {len(seeds)}")
    seeds += [None] * (len(outputs) - len(seeds))  # outputs without one get ones
    # id -> (tensor, gradient); the tensor is held so that its id cannot be reused.
    totals: dict[int, tuple] = {}
    kept = {id(source) for source in sources}
    order = itertools.count()
    pending: list = []
    scheduled: set[int] = set()

    def add(tensor, grad) -> None:
        entry = totals.get(id(tensor))
        totals[id(tensor)] = (tensor, grad if entry is None else entry[1] + grad)
        creator = tensor.creator
        if creator is not None and id(creator) not in scheduled:
            scheduled.add(id(creator))
            heapq.heappush(pending, (-creator.generation, next(order), tensor))

    for output, seed in zip(outputs, seeds):
        if not isinstance(output, Tensor):
            continue
        if seed is None:
            seed = xp.ones_like(output.data)
        elif not owned:
            seed = xp.array(unwrap(seed), dtype=output.data.dtype, copy=True)
        add(output, seed)
    while pending:
        _, _, tensor = heapq.heappop(pending)
        function = tensor.creator
        if id(tensor) in kept:
            grad = totals[id(tensor)][1].copy()  # the source keeps its own; backward may overwrite
        else:
            grad = totals.pop(id(tensor))[1]  # complete once passed on: free it early
        input_grads = function.backward(grad)
        handed_out: set[int] = set()
        for value, needed, input_grad in zip(function.inputs, function.needs, input_grads):
            if not needed or input_grad is None:
                continue
            if id(input_grad) in handed_out:
                input_grad = input_grad.copy()  # each input owns its gradient (add's are one array)
            handed_out.add(id(input_grad))
            add(value, input_grad)
    return [totals[id(source)][1] if id(source) in totals else None for source in sources]


# Bound at the end: the operator methods above use the ops, which build on this module.
from kerasette.ops import arithmetic, linear_algebra, reductions, shape_ops  # noqa: E402
