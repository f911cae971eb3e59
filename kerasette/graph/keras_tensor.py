"""KerasTensor: a symbolic tensor, the shape and dtype of a value not computed yet.

``keras.Input`` returns one; calling a layer or a ``kerasette.ops`` function on
KerasTensors records a :class:`~kerasette.graph.node.Node` and returns new ones. Each
remembers the call that made it in ``keras_history``: ``(operation, node_index,
tensor_index)``, the operation's ``node_index``-th call and which of its outputs.
"""

from __future__ import annotations

import collections

KerasHistory = collections.namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])


class KerasTensor:
    """A symbolic tensor: ``shape`` (``None`` where unknown, the batch axis first), ``dtype``, ``name``.

    Operators (``+ - * / ** @``, comparisons, unary ``-``, ``abs``, indexing) are the
    ``kerasette.ops`` of the same name, recorded in the graph.

    Example:
    >>> x = KerasTensor((None, 3), name='x')
    >>> x
    <KerasTensor shape=(None, 3), dtype=float32, name=x>
    >>> (x * 2)[:, :2].shape
    (None, 2)
    """

    # NumPy defers to the reflected operators below instead of treating this as an object.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, shape, dtype=None, sparse: bool = False, name: str | None = None, keras_history=None):
        from kerasette import backend

        self.shape = tuple(None if dim is None else int(dim) for dim in shape)
        self.dtype = str(dtype or backend.floatx())
        self.sparse = bool(sparse)
        self.name = name
        self.keras_history = keras_history

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"{self!r} is symbolic: it has no values until the model runs. Use it to build a model "
            "(keras.Model(inputs, outputs)) and call the model on arrays, or apply kerasette.ops to it."
        )

    def __bool__(self) -> bool:
        raise TypeError(f"{self!r} is symbolic: its truth value is unknown until the model runs")

    def __len__(self) -> int:
        if not self.shape or self.shape[0] is None:
            raise TypeError(f"{self!r}: len() needs a known first dimension; received shape {self.shape}")
        return self.shape[0]

    def __iter__(self):
        raise TypeError(f"{self!r} is symbolic and cannot be iterated; index it instead (x[0], x[:, 1])")

    __hash__ = object.__hash__

    @property
    def T(self):
        return _ops().transpose(self)

    def reshape(self, *shape):
        return _ops().reshape(self, shape[0] if len(shape) == 1 else shape)

    def __getitem__(self, key):
        return _ops().getitem(self, key)

    def __neg__(self):
        return _ops().negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops().absolute(self)

    def __add__(self, other):
        return _ops().add(self, other)

    def __radd__(self, other):
        return _ops().add(other, self)

    def __sub__(self, other):
        return _ops().subtract(self, other)

    def __rsub__(self, other):
        return _ops().subtract(other, self)

    def __mul__(self, other):
        return _ops().multiply(self, other)

    def __rmul__(self, other):
        return _ops().multiply(other, self)

    def __truediv__(self, other):
        return _ops().divide(self, other)

    def __rtruediv__(self, other):
        return _ops().divide(other, self)

    def __pow__(self, other):
        return _ops().power(self, other)

    def __rpow__(self, other):
        return _ops().power(other, self)

    def __matmul__(self, other):
        return _ops().matmul(self, other)

    def __rmatmul__(self, other):
        return _ops().matmul(other, self)

    def __eq__(self, other):
        return _ops().equal(self, other)

    def __ne__(self, other):
        return _ops().not_equal(self, other)

    def __lt__(self, other):
        return _ops().less(self, other)

    def __le__(self, other):
        return _ops().less_equal(self, other)

    def __gt__(self, other):
        return _ops().greater(self, other)

    def __ge__(self, other):
        return _ops().greater_equal(self, other)


def _ops():
    # kerasette.ops wraps its functions with the graph (it imports this package), so the
    # operators look the ops up when used.
    from kerasette import ops

    return ops


def is_symbolic(value) -> bool:
    """Whether ``value`` is a KerasTensor or a list, tuple or dict holding one (at any depth)."""
    kind = type(value)
    if kind is KerasTensor:
        return True
    if kind is list or kind is tuple:
        return any(is_symbolic(item) for item in value)
    if kind is dict:
        return any(is_symbolic(item) for item in value.values())
    return False


def any_symbolic(args: tuple, kwargs: dict) -> bool:
    """Whether any positional or keyword argument holds a KerasTensor."""
    return any(is_symbolic(value) for value in args) or any(is_symbolic(value) for value in kwargs.values())
