"""``keras.ops``'s array-creation ops: values and dtypes as Keras 3.15.1 (torch backend)
gives them for the same calls, and triu/tril's gradient."""

from __future__ import annotations

import numpy as np
import pytest

from kerasette import backend, ops


def host(array):
    return backend.to_numpy(array)


@pytest.mark.parametrize(
    "make, dtype",
    [
        (lambda: ops.array([1, 2]), "int32"),
        (lambda: ops.array([1.0, 2]), "float32"),
        (lambda: ops.array([True]), "bool"),
        (lambda: ops.array(3), "int32"),
        (lambda: ops.array(np.ones(2)), "float64"),
        (lambda: ops.array(np.ones(2, "int64")), "int64"),
        (lambda: ops.array(np.ones(2, "float16")), "float16"),
        (lambda: ops.array([1, 2], dtype="float64"), "float64"),
        (lambda: ops.zeros(2), "float32"),
        (lambda: ops.ones((2, 3)), "float32"),
        (lambda: ops.full((2,), 3), "float32"),
        (lambda: ops.full((2,), True), "float32"),
        (lambda: ops.full((2,), 3, dtype="int32"), "int32"),
        (lambda: ops.zeros_like(np.ones(2, "int32")), "int32"),
        (lambda: ops.ones_like(np.ones(2)), "float64"),
        (lambda: ops.full_like(np.ones(2), 7, dtype="int32"), "int32"),
        (lambda: ops.arange(3), "int32"),
        (lambda: ops.arange(np.int64(3)), "int32"),
        (lambda: ops.arange(0, 5, 0.5), "float32"),
        (lambda: ops.arange(2, 3.0), "float32"),
        (lambda: ops.arange(3, dtype="float64"), "float64"),
        (lambda: ops.linspace(0, 1, 3), "float32"),
        (lambda: ops.linspace(0, 4, 3, dtype="int32"), "int32"),
        (lambda: ops.eye(2, 3, k=1), "float32"),
        (lambda: ops.identity(2, dtype="int32"), "int32"),
        (lambda: ops.tri(3, k=-1), "float32"),
    ],
)
def test_creation_ops_give_keras_s_dtypes(make, dtype):
    assert host(make()).dtype == np.dtype(dtype)


def test_creation_ops_give_keras_s_values():
    assert host(ops.full_like(np.ones(2, "int32"), 2.5)).tolist() == [2, 2]
    assert host(ops.arange(1, 7, 2)).tolist() == [1, 3, 5] and host(ops.arange(0, 2, 0.5)).tolist() == [0, 0.5, 1, 1.5]
    values, step = ops.linspace(0, 10, 5, endpoint=False, retstep=True)
    assert host(values).tolist() == [0, 2, 4, 6, 8] and step == 2.0
    assert host(ops.linspace(0, 4, 3, dtype="int32")).tolist() == [0, 2, 4]
    assert host(ops.linspace(np.zeros(2), np.ones(2), 3, axis=1)).tolist() == [[0, 0.5, 1], [0, 0.5, 1]]
    assert host(ops.eye(2, 3, k=1)).tolist() == [[0, 1, 0], [0, 0, 1]]
    assert host(ops.identity(2, dtype="int32")).tolist() == [[1, 0], [0, 1]]
    assert host(ops.tri(3, k=-1)).tolist() == [[0, 0, 0], [1, 0, 0], [1, 1, 0]] and ops.tri(2, 3).shape == (2, 3)
    assert host(ops.triu(np.ones((3, 3)), k=1)).tolist() == [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
    batched = host(ops.tril(np.ones((2, 3, 3)), k=-1))
    assert batched.shape == (2, 3, 3) and batched[1].tolist() == [[0, 0, 0], [1, 0, 0], [1, 1, 0]]
    assert ops.zeros((2, 0)).shape == (2, 0)


@pytest.mark.parametrize("op", [ops.triu, ops.tril])
def test_triu_and_tril_pass_the_gradient_of_the_entries_they_keep(op):
    x = np.arange(1.0, 10.0).reshape(3, 3)
    projection = np.arange(9.0).reshape(3, 3) + 0.5
    with ops.recording():
        tensor = ops.Tensor(x.copy())
        (grad,) = ops.gradients([ops.sum(op(tensor, k=1) * projection)], [tensor])
    # d/dx sum(mask * x * p) = mask * p, the mask being op(ones).
    np.testing.assert_array_equal(host(grad), host(op(np.ones((3, 3)), k=1)) * projection)


def test_creation_ops_refuse_bad_arguments_naming_them():
    with pytest.raises(ValueError, match=r"step: expected a non-zero number; received 0"):
        ops.arange(0, 3, 0)
    with pytest.raises(ValueError, match=r"num: expected an integer >= 0; received -1"):
        ops.linspace(0, 1, -1)
    with pytest.raises(ValueError, match=r"x: triu expected an array of rank 2 or more; received shape \(3,\)"):
        ops.triu(np.ones(3))
    with pytest.raises(ValueError, match=r"k: expected a finite integer; received 0\.5"):
        ops.tril(np.ones((2, 2)), k=0.5)
