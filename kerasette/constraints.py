"""Weight constraints, applied to a weight after each optimizer update (Keras's formulas).

``MaxNorm``, ``UnitNorm`` and ``MinMaxNorm`` rescale the norm of each slice along
``axis`` (0 by default: for a Dense kernel of shape ``(inputs, units)``, each unit's
incoming weights); ``NonNeg`` zeroes negative weights.
"""

from __future__ import annotations

import functools

from kerasette import registry
from kerasette.backend import xp
from kerasette.ops.tape import unwrap
from kerasette.registry import register_builtins
from kerasette.validation import check_number

#: Keras's ``backend.epsilon()``, which the norm constraints add to the norm they divide by
EPSILON = 1e-7


def _norms(w, axis):
    return xp.sqrt(xp.sum(xp.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: ``constraint(w)`` returns the projected weight (``w`` itself here).

    Example:
    >>> class Halve(Constraint):
    ...     def __call__(self, w):
    ...         return w / 2
    >>> Halve()(np.array([2.0])).tolist()
    [1.0]
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__call__" in cls.__dict__:
            # A constraint projects a weight's value: a Variable given to it is read as its array.
            project = cls.__dict__["__call__"]
            cls.__call__ = functools.wraps(project)(lambda self, w: project(self, unwrap(w)))

    def __call__(self, w):
        return unwrap(w)

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Constraint:
        return cls(**config)


class MaxNorm(Constraint):
    """Norms along ``axis`` scaled down to at most ``max_value``: ``w * clip(n, 0, max) / (eps + n)``.

    >>> MaxNorm(1.0)(np.array([[3.0], [4.0]])).round(6).tolist()
    [[0.6], [0.8]]
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = check_number("max_value", max_value, 0)
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        return w * (xp.clip(norms, 0, self.max_value) / (EPSILON + norms))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Negative weights set to zero.

    >>> NonNeg()(np.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """

    def __call__(self, w):
        return xp.maximum(w, 0)


class UnitNorm(Constraint):
    """Norms along ``axis`` scaled to one: ``w / (eps + n)``."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (EPSILON + _norms(w, self.axis))

    def get_config(self) -> dict:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Norms along ``axis`` moved into ``[min_value, max_value]`` at ``rate``:
    ``w * (rate * clip(n, min, max) + (1 - rate) * n) / (eps + n)``."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = check_number("min_value", min_value, 0)
        self.max_value = check_number("max_value", max_value, self.min_value)
        self.rate = check_number("rate", rate, 0, 1)
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = self.rate * xp.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (EPSILON + norms))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
register_builtins(
    "constraint",
    {cls.__name__: cls for cls in (MaxNorm, NonNeg, UnitNorm, MinMaxNorm)}
    | {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm},
)


def get(identifier):
    """A constraint from None, a Keras name (``'max_norm'``), a config, an object, a class or a function.

    >>> type(get('non_neg')).__name__, get(None) is None
    ('NonNeg', True)
    """
    return registry.get_callable_object("constraint", identifier, Constraint)


def serialize(constraint):
    """None, or ``{'class_name': ..., 'config': ...}`` that :func:`get` turns back into an equal one."""
    return registry.serialize_callable_object(constraint)
