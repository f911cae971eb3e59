"""The error function on backend arrays, which NumPy lacks and exact gelu needs.

erf is a Taylor polynomial of degree 10 around the nearest of the centres 0, 1/16, ...,
6. Its coefficients come from Python's ``math.erf`` and from the derivatives
``erf^(k)(c) = 2/sqrt(pi) * (-1)^(k-1) * H_(k-1)(c) * exp(-c^2)`` (``H`` the Hermite
polynomials); within 1/32 of a centre the remainder is below 1e-19, so the result is
correct to float64 rounding. Beyond 6, erf is 1 in float64.
"""

from __future__ import annotations

import math

from kerasette.backend import xp

_STEPS_PER_UNIT = 16
_LIMIT = 6.0
_DEGREE = 10
_tables: dict = {}


def _taylor_coefficients() -> list[list[float]]:
    """Row ``k`` holds the ``k``-th Taylor coefficient at every centre."""
    columns = []
    for index in range(int(_LIMIT * _STEPS_PER_UNIT) + 1):
        centre = index / _STEPS_PER_UNIT
        gaussian = 2.0 / math.sqrt(math.pi) * math.exp(-centre * centre)
        column = [math.erf(centre)]
        hermite_before, hermite = 0.0, 1.0  # H_(k-2) and H_(k-1), from H_0 = 1
        factorial = 1.0
        for k in range(1, _DEGREE + 1):
            factorial *= k
            column.append(gaussian * (-1) ** (k - 1) * hermite / factorial)
            hermite_before, hermite = hermite, 2 * centre * hermite - 2 * (k - 1) * hermite_before
        columns.append(column)
    return [list(row) for row in zip(*columns)]


def erf(x):
    """``erf(x)`` elementwise, in the dtype of ``x`` (a new array).

    >>> [round(float(v), 12) for v in erf(np.array([-1.0, 0.0, 0.5, 7.0]))]
    [-0.84270079295, 0.0, 0.520499877813, 1.0]
    """
    table = _tables.get(x.dtype)
    if table is None:
        table = _tables[x.dtype] = xp.asarray(_taylor_coefficients(), dtype=x.dtype)
    magnitude = xp.minimum(xp.abs(x), _LIMIT)
    nearest = xp.rint(magnitude * _STEPS_PER_UNIT)
    offset = magnitude - nearest / _STEPS_PER_UNIT
    nearest = nearest.astype(xp.intp)
    result = table[_DEGREE][nearest]
    for k in range(_DEGREE - 1, -1, -1):
        result *= offset
        result += table[k][nearest]
    return xp.copysign(result, x, out=result)
