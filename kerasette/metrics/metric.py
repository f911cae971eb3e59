"""Metric: the base class of metrics, with Keras's state-variable protocol.

A metric keeps its running state in variables (``add_variable``), accumulates into them
with ``update_state`` and computes its value from them with ``result``. The variables
live on the device, so the GPU only has to catch up when a result is read.

Updates *replace* a variable (``self.total = self.total + x``) rather than writing into
it, so a list of references (:attr:`Metric.variables`) is a snapshot that later batches
leave alone: :class:`~kerasette.callbacks.LazyLogs` keeps one per batch and computes the
value only if a callback reads it (:meth:`Metric.stateless_result`).
"""

from __future__ import annotations

from kerasette import backend, initializers
from kerasette.backend import xp
from kerasette.naming import auto_name
from kerasette.validation import host_array
from kerasette.variables import Variable

FLOAT_DTYPES = ("float16", "float32", "float64")


def check_dtype(dtype) -> str:
    """A float dtype name; ``None`` means floatx, as in Keras."""
    if dtype is None:
        return backend.floatx()
    try:
        name = xp.dtype(dtype).name
    except (TypeError, ValueError):
        name = None
    if name not in FLOAT_DTYPES:
        raise ValueError(f"dtype: expected one of {', '.join(map(repr, FLOAT_DTYPES))}; received {dtype!r}")
    return name


def to_array(value, argument: str, float_dtype: str | None = None):
    """A device array of ``value``; host input is checked first (numbers only, named in errors).

    Device arrays pass unchecked: the trainer hands over arrays it has already checked,
    and reading them back to check them would stall the GPU every batch.
    """
    if backend.is_device_array(value):
        return value
    if backend.name == "numpy" and isinstance(value, xp.number):
        return value  # a NumPy scalar (the loss of a batch) is already where NumPy computes
    value = host_array(value, argument)
    if float_dtype is not None and value.dtype.kind == "f":
        return backend.to_device(value, float_dtype)
    return backend.to_device(value)


def divide_no_nan(numerator, denominator):
    """``numerator / denominator``, 0 where the denominator is 0 (``keras.ops.divide_no_nan``)."""
    empty = denominator == 0
    return xp.where(empty, 0, numerator / xp.where(empty, 1, denominator)).astype(numerator.dtype)


def python_value(value):
    """A result as Python: a float for one value, a NumPy array for several."""
    if getattr(value, "ndim", 0) == 0:
        return float(value)
    return backend.to_numpy(value)


class Metric:
    """Base class of metrics: state variables, ``update_state``, ``result``, ``reset_state``.

    Subclasses create their state with :meth:`add_variable` in ``__init__``, update it in
    ``update_state`` and compute their value from it in ``result``. A metric of one's own gets
    a :class:`~kerasette.Variable` from ``add_variable`` and may update it in place, as Keras
    documents (``self.total.assign_add(ops.sum(x))``), or replace it (``self.total = self.total + x``);
    the package's own metrics replace their state, so that the trainer's per-batch logs are
    snapshots at no cost.

    Args:
        dtype: Float dtype of the state and the result; defaults to floatx.
        name: Name in logs; defaults to the class name in snake case, made unique
            (``'auc'``, then ``'auc_1'``; ``backend.clear_session`` starts again), as in Keras.

    Example:
    >>> class Total(Metric):
    ...     def __init__(self, name=None, dtype=None):
    ...         super().__init__(dtype=dtype, name=name)
    ...         self.total = self.add_variable(shape=(), initializer='zeros', name='total')
    ...     def update_state(self, values):
    ...         self.total = self.total + np.sum(values)
    ...     def result(self):
    ...         return float(self.total)
    >>> metric = Total(name='total')
    >>> metric.update_state([1.0, 2.0]); metric.update_state([3.0])
    >>> metric.result(), [float(v) for v in metric.variables]
    (6.0, [6.0])
    >>> metric.reset_state(); metric.result()
    0.0
    """

    def __init__(self, dtype=None, name: str | None = None):
        if name is None:
            name = auto_name(type(self).__name__)
        elif not isinstance(name, str) or not name:
            raise TypeError(f"name: expected a non-empty string; received {name!r}")
        self.name = name
        self.dtype = check_dtype(dtype)
        # variable name -> (shape, dtype); the values themselves are attributes of that name
        self._variable_specs: dict[str, tuple] = {}

    def add_variable(self, shape, initializer, dtype=None, name: str | None = None):
        """Create a state variable, kept as the attribute ``name``, and return its value.

        Args:
            shape: Shape of the variable (``()`` for a scalar).
            initializer: Initializer name or object (``'zeros'``).
            dtype: Float dtype; defaults to the metric's.
            name: Attribute name; ``'variable'``, ``'variable_1'``... when omitted.
        """
        dtype = self.dtype if dtype is None else check_dtype(dtype)
        if name is None:
            name = "variable" + (f"_{len(self._variable_specs)}" if self._variable_specs else "")
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"name: expected a Python identifier for the variable; received {name!r}")
        if name in self._variable_specs or name in ("name", "dtype", "variables"):
            raise ValueError(f"name: {type(self).__name__} already has an attribute {name!r}")
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        value = initializers.get(initializer)(shape, dtype)
        if not type(self).__module__.startswith("kerasette."):
            # A metric of one's own, written for Keras, updates its state in place
            # (``self.total.assign_add(...)``): it gets a Variable, reset in place too.
            value = Variable(value, dtype=dtype, trainable=False, name=name)
            self.__dict__.setdefault("_state_variables", {})[name] = value
        self._variable_specs[name] = (shape, dtype)
        setattr(self, name, value)
        return value

    def add_weight(self, shape=(), initializer=None, dtype=None, name: str | None = None):
        """Keras's older name for :meth:`add_variable` (zeros when no initializer is given)."""
        return self.add_variable(shape, initializer or "zeros", dtype, name)

    @property
    def variables(self) -> list:
        """The current values of the state variables, in the order they were added."""
        return [getattr(self, name) for name in self._variable_specs]

    def update_state(self, *args, **kwargs) -> None:
        """Accumulate one batch into the state variables."""
        raise NotImplementedError(f"{type(self).__name__} must define update_state")

    def result(self):
        """The value of the metric from the state so far."""
        raise NotImplementedError(f"{type(self).__name__} must define result")

    def reset_state(self) -> None:
        """Every state variable back to zeros, as Keras does between epochs."""
        state_variables = self.__dict__.get("_state_variables", {})
        for name, (shape, dtype) in self._variable_specs.items():
            if name in state_variables:
                setattr(self, name, state_variables[name].assign(xp.zeros(shape, dtype)))
            else:
                setattr(self, name, xp.zeros(shape, dtype))

    def stateless_result(self, metric_variables: list):
        """The result that the state ``metric_variables`` (an earlier :attr:`variables`) gives."""
        names = list(self._variable_specs)
        if len(metric_variables) != len(names):
            raise ValueError(
                f"metric_variables: expected {len(names)} values, one per variable of {self.name!r}; "
                f"received {len(metric_variables)}"
            )
        current = self.variables
        try:
            for name, value in zip(names, metric_variables, strict=True):
                setattr(self, name, value)
            return self.result()
        finally:
            for name, value in zip(names, current, strict=True):
                setattr(self, name, value)

    def __call__(self, *args, **kwargs):
        """``update_state`` then ``result``, as Keras's ``metric(y_true, y_pred)``."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"
