"""Special functions: ``erf`` (``keras.ops.erf``), with its gradient ``2 / sqrt(pi) * exp(-x^2)``."""

from __future__ import annotations

import math

from kerasette.backend import xp
from kerasette.ops.tape import Function, apply


class _Erf(Function):
    def forward(self, x):
        # The polynomial erf the exact gelu uses (NumPy has none of its own).
        from kerasette.activations.erf import erf as erf_values

        self.x = x
        return erf_values(x)

    def backward(self, grad):
        return (grad * (2.0 / math.sqrt(math.pi)) * xp.exp(-self.x * self.x),)


def erf(x):
    """The error function, elementwise (``keras.ops.erf``).

    >>> round(float(erf(np.array([0.5]))[0]), 6)
    0.5205
    """
    return apply(_Erf(), x)
