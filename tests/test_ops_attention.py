"""The ops a Transformer block of one's own adds to kerasette.ops: einsum and erf, values
against NumPy/math and gradients against central differences in float64."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kerasette import backend, ops
from tests.test_ops import check_gradients, normal

EQUATIONS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("abc,cde->abde", [(2, 3, 4), (4, 2, 3)]),  # EinsumDense's query projection
    ("aecd,abcd->acbe", [(2, 5, 2, 3), (2, 4, 2, 3)]),  # MultiHeadAttention's scores
    ("acbe,aecd->abcd", [(2, 2, 4, 5), (2, 5, 2, 3)]),  # and its weighted sum
    ("ij->j", [(3, 4)]),
    ("ij,j", [(3, 4), (4,)]),  # implicit output
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("ij,kl->ijkl", [(2, 3), (2, 2)]),
    ("bi,bj->b", [(3, 4), (3, 2)]),  # an index summed over one operand alone
]


@pytest.mark.parametrize("equation, shapes", EQUATIONS)
def test_einsum_values_and_gradients(equation, shapes):
    arrays = [normal(*shape) for shape in shapes]
    np.testing.assert_allclose(backend.to_numpy(ops.einsum(equation, *arrays)), np.einsum(equation, *arrays))
    check_gradients(lambda *values: ops.einsum(equation, *values), *arrays)


def test_einsum_refuses_a_wrong_operand_count():
    with pytest.raises(ValueError, match="names 2 operands; received 1"):
        ops.einsum("ij,jk->ik", np.ones((2, 2)))
    with pytest.raises(TypeError, match="subscripts as a string"):
        ops.einsum(3, np.ones(2))


def test_erf_values_and_gradient():
    x = np.array([-2.5, -1.0, -0.1, 0.0, 0.3, 1.7, 4.0])
    np.testing.assert_allclose(backend.to_numpy(ops.erf(x)), [math.erf(v) for v in x], rtol=1e-12, atol=1e-15)
    check_gradients(ops.erf, normal(3, 4))
