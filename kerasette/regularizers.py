"""Weight and activity regularizers: L1, L2 and L1L2, by object or by Keras name.

A regularizer maps a weight (or a layer's output) to a penalty added to the training
loss. Penalties are written with ``kerasette.ops``, so that the tape differentiates
them, built-in or of the user's own, with the rest of the step.
"""

from __future__ import annotations

from kerasette import registry
from kerasette.registry import register_builtins
from kerasette.validation import check_number


class Regularizer:
    """Base class: ``regularizer(x)`` is the penalty for ``x``; subclasses define ``__call__``.

    Example:
    >>> from kerasette import ops
    >>> class SumOfSquares(Regularizer):
    ...     def __call__(self, x):
    ...         return 0.5 * ops.sum(ops.square(x))
    >>> float(SumOfSquares()(np.array([1.0, 2.0])))
    2.5
    """

    #: ``gradient(x)``, the penalty's derivative, for regularizers that write it by hand
    gradient = None

    def __call__(self, x):
        return 0.0

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        return cls(**config)


def _factor(argument: str, value) -> float:
    return check_number(argument, 0.0 if value is None else value, 0.0)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x ** 2)``.

    Args:
        l1: L1 factor (``keras.regularizers.L1L2`` defaults it to 0).
        l2: L2 factor (defaults to 0).

    Example:
    >>> float(L1L2(l1=0.1, l2=0.5)(np.array([1.0, -2.0])))
    2.8
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = _factor("l1", l1), _factor("l2", l2)

    def __call__(self, x):
        from kerasette import ops

        penalty = 0.0
        if self.l1:
            penalty = penalty + self.l1 * ops.sum(ops.absolute(x))
        if self.l2:
            penalty = penalty + self.l2 * ops.sum(ops.square(x))
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 * sum(|x|)`` (``keras.regularizers.L1``, ``l1=0.01`` by default).

    >>> float(L1(0.5)(np.array([1.0, -2.0])))
    1.5
    """

    def __init__(self, l1=0.01):
        super().__init__(l1=0.01 if l1 is None else l1)

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum(x ** 2)`` (``keras.regularizers.L2``, ``l2=0.01`` by default).

    >>> float(L2(0.5)(np.array([1.0, -2.0])))
    2.5
    """

    def __init__(self, l2=0.01):
        super().__init__(l2=0.01 if l2 is None else l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


# Keras's lower-case names are the classes themselves.
l1, l2, l1_l2 = L1, L2, L1L2
# Keras 3 knows "l1l2"; "l1_l2" is the name of its function form, accepted too.
register_builtins("regularizer", {"l1": L1, "l2": L2, "l1l2": L1L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2})


def get(identifier):
    """A regularizer from None, a Keras name (``'l2'``), a config dict, an object, a class or a function.

    >>> get('l2').l2, get(None) is None
    (0.01, True)
    """
    return registry.get_callable_object("regularizer", identifier, Regularizer)


def serialize(regularizer):
    """None, or ``{'class_name': ..., 'config': ...}`` that :func:`get` turns back into an equal one."""
    return registry.serialize_callable_object(regularizer)
