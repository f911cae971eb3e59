"""Variable: Keras 3's ``keras.Variable``, a named, stateful array that the tape can differentiate.

Every weight of a layer, and the state of optimizers that expose it, is a Variable. Its
value is one backend array, **updated in place** (``assign``, ``assign_add``, the
optimizers' update rules): buffers that hold it and device addresses captured by a CUDA
graph stay valid for the life of the variable.

A Variable is a leaf of the tape (:class:`~kerasette.ops.tape.Tensor`): the ops and the
operators ``+ - * / @ ...`` accept it, and inside a :class:`~kerasette.ops.GradientTape`
(or the trainer's step) a trainable variable is watched, so gradients flow to it. Outside
a recording, arithmetic on a variable gives a plain array.

Example:
>>> v = Variable(np.array([1.0, 2.0]), name='v')
>>> _ = v.assign_add(np.array([1.0, 1.0]))
>>> v.numpy().tolist(), (v * 2).tolist(), v.shape, v.trainable
([2.0, 3.0], [4.0, 6.0], (2,), True)
"""

from __future__ import annotations

from kerasette import backend
from kerasette.ops.tape import Tensor, unwrap
from kerasette.validation import check_bool


class Variable(Tensor):
    """A named array whose value changes in place; a leaf of the tape.

    Args:
        initializer: The initial value (an array or a number), or an initializer (a
            name, an object, or any callable ``f(shape, dtype)``) called with ``shape``.
        shape: The shape; needed when ``initializer`` is not a value.
        dtype: The dtype; floatx when None (a value of another dtype is cast, as in Keras).
        trainable: Whether ``trainable_weights`` lists it and the tape watches it.
        name: A name (``'variable'`` when None).
        constraint: A projection applied after each optimizer update (Keras's argument).
        autocast, aggregation, synchronization: Keras's arguments, accepted at their
            meaningful values for a single process.

    Reference: Keras 3 ``keras.Variable``.
    """

    __slots__ = ("name", "path", "_trainable", "constraint")  # weakly referable through Tensor

    def __init__(
        self,
        initializer,
        shape=None,
        dtype=None,
        trainable: bool = True,
        autocast: bool = True,
        aggregation: str = "none",
        synchronization: str = "auto",
        name: str | None = None,
        constraint=None,
    ):
        from kerasette import constraints, initializers

        if name is None:
            name = "variable"
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"name: expected a non-empty string without '/'; received {name!r}")
        if aggregation not in ("none", "mean", "sum", "only_first_replica"):
            raise ValueError(
                f"aggregation: expected 'none', 'mean', 'sum' or 'only_first_replica'; received {aggregation!r}"
            )
        check_bool("autocast", autocast)
        if callable(initializer) or isinstance(initializer, (str, dict)):
            if shape is None:
                raise ValueError(
                    f"Variable '{name}': shape is required when the initializer is {initializer!r}, not a value"
                )
            shape = (int(shape),) if isinstance(shape, int) else tuple(int(d) for d in shape)
            value = initializers.get(initializer)(shape, dtype or backend.floatx())
        else:
            # As Keras: the value is cast to ``dtype``, floatx when None, and copied.
            value = unwrap(initializer)
            target = dtype or backend.floatx()
            if backend.is_device_array(value):
                value = value.astype(target, copy=True)
            else:
                value = backend.to_device(backend.xp.array(value, dtype=target, copy=True), target)
            if shape is not None and tuple(value.shape) != tuple(shape):
                raise ValueError(
                    f"Variable '{name}': the initial value has shape {tuple(value.shape)}; expected {tuple(shape)}"
                )
        super().__init__(value)
        self.name = name
        self.path = name
        self._trainable = check_bool("trainable", trainable)
        self.constraint = constraints.get(constraint)

    @classmethod
    def holding(cls, array, name: str, path: str | None = None) -> Variable:
        """A non-trainable Variable over ``array`` itself, not a copy: state that other code
        changes in place (an optimizer's slots), seen as a Variable whose ``assign`` changes it."""
        variable = cls.__new__(cls)
        Tensor.__init__(variable, array)
        variable.name, variable.path = name, path or name
        variable._trainable, variable.constraint = False, None
        return variable

    # -- Keras's attributes ---------------------------------------------------------------
    @property
    def value(self):
        """The current value, a backend array (the same array for the variable's life)."""
        return self.data

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = check_bool("trainable", value)

    def numpy(self):
        """A NumPy copy of the value."""
        return backend.to_numpy(self.data).copy()

    def __array__(self, dtype=None, copy=None):
        array = backend.to_numpy(self.data)
        return array if dtype is None else array.astype(dtype)

    # -- in-place updates -------------------------------------------------------------------
    def assign(self, value):
        """Write ``value`` into the variable (same shape), in place; returns the variable."""
        value = unwrap(value)
        if not backend.is_device_array(value):
            value = backend.to_device(backend.xp.asarray(value), self.data.dtype)
        if tuple(getattr(value, "shape", ())) not in ((), tuple(self.data.shape)):
            raise ValueError(
                f"assign to variable '{self.path}': the value has shape {tuple(value.shape)}; "
                f"expected {tuple(self.data.shape)}, the variable's shape"
            )
        self.data[...] = value
        return self

    def assign_add(self, value):
        """``variable += value`` in place; returns the variable."""
        self.data += _as_value(value, self.data.dtype)
        return self

    def assign_sub(self, value):
        """``variable -= value`` in place; returns the variable."""
        self.data -= _as_value(value, self.data.dtype)
        return self

    def __repr__(self) -> str:
        return (
            f"<Variable path={self.path}, shape={tuple(self.data.shape)}, dtype={self.data.dtype}, "
            f"value={backend.to_numpy(self.data)!r}>"
        )


def _as_value(value, dtype):
    value = unwrap(value)
    if backend.is_device_array(value):
        return value
    return backend.to_device(backend.xp.asarray(value), dtype)
