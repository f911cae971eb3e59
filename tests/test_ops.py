"""kerasette.ops: values as NumPy computes them, and every gradient against central differences.

Each op is differentiated on the tape in float64 and compared with central finite
differences of a random projection of its output (relative error < 1e-6), for plain
shapes and for broadcast ones.
"""

from __future__ import annotations

import numpy as np
import pytest

from kerasette import GradientTape, ops
from kerasette.ops import Tensor, recording


def tape_gradients(function, arrays, projection):
    tensors = [Tensor(array.copy()) for array in arrays]
    with GradientTape() as tape:
        tape.watch(tensors)
        target = ops.sum(function(*tensors) * projection)
    return tape.gradient(target, tensors, unconnected_gradients="zero")


def numeric_gradients(function, arrays, projection, step=1e-6):
    grads = []
    for index, array in enumerate(arrays):
        grad = np.zeros_like(array)
        for position in np.ndindex(array.shape):
            shifted = [a.copy() for a in arrays]
            shifted[index][position] += step
            upper = float(np.sum(function(*shifted) * projection))
            shifted[index][position] -= 2 * step
            lower = float(np.sum(function(*shifted) * projection))
            grad[position] = (upper - lower) / (2 * step)
        grads.append(grad)
    return grads


def check_gradients(function, *arrays, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    plain = function(*arrays)
    projection = rng.standard_normal(np.shape(plain))
    analytic = tape_gradients(function, arrays, projection)
    numeric = numeric_gradients(function, arrays, projection)
    for index, (got, expected) in enumerate(zip(analytic, numeric)):
        assert got.shape == expected.shape, f"input {index}: gradient shape {got.shape}, expected {expected.shape}"
        scale = max(np.abs(expected).max(), np.abs(got).max(), 1e-3)
        error = np.abs(got - expected).max() / scale
        assert error < 1e-6, f"input {index}: relative error {error:.2e}\n{got}\n{expected}"


rng = np.random.default_rng(42)


def normal(*shape):
    return rng.standard_normal(shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


BINARY = {
    "add": (ops.add, np.add),
    "subtract": (ops.subtract, np.subtract),
    "multiply": (ops.multiply, np.multiply),
    "divide": (ops.divide, np.divide),
    "maximum": (ops.maximum, np.maximum),
    "minimum": (ops.minimum, np.minimum),
}
SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((3, 1), (1, 4))]


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", SHAPE_PAIRS)
def test_binary_ops_values_and_gradients_with_broadcasting(name, shapes):
    op, reference = BINARY[name]
    a, b = positive(*shapes[0]), positive(*shapes[1]) + 0.1
    np.testing.assert_allclose(op(a, b), reference(a, b))
    check_gradients(op, a, b)


@pytest.mark.parametrize("shapes", SHAPE_PAIRS)
def test_power_gradient_in_base_and_exponent(shapes):
    check_gradients(ops.power, positive(*shapes[0]), normal(*shapes[1]))


UNARY = {
    "negative": (ops.negative, np.negative, normal),
    "absolute": (ops.absolute, np.abs, normal),
    "square": (ops.square, np.square, normal),
    "sqrt": (ops.sqrt, np.sqrt, positive),
    "exp": (ops.exp, np.exp, normal),
    "log": (ops.log, np.log, positive),
    "log1p": (ops.log1p, np.log1p, positive),
    "tanh": (ops.tanh, np.tanh, normal),
    "relu": (ops.relu, lambda x: np.maximum(x, 0), normal),
    "sigmoid": (ops.sigmoid, lambda x: 1 / (1 + np.exp(-x)), normal),
    "softplus": (ops.softplus, lambda x: np.log1p(np.exp(x)), normal),
    "expm1": (ops.expm1, np.expm1, normal),
    "sin": (ops.sin, np.sin, normal),
    "cos": (ops.cos, np.cos, normal),
    "reciprocal": (ops.reciprocal, np.reciprocal, positive),
    "rsqrt": (ops.rsqrt, lambda x: 1 / np.sqrt(x), positive),
    "leaky_relu": (ops.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x), normal),
    "relu6": (ops.relu6, lambda x: np.clip(x, 0, 6), lambda *s: 4 * normal(*s)),
    "elu": (ops.elu, lambda x: np.where(x > 0, x, np.expm1(x)), normal),
    "selu": (ops.selu, lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)), normal),
    "gelu": (
        ops.gelu,
        lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
        normal,
    ),
    "silu": (ops.silu, lambda x: x / (1 + np.exp(-x)), normal),
    "softsign": (ops.softsign, lambda x: x / (1 + np.abs(x)), normal),
    "hard_sigmoid": (ops.hard_sigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1), lambda *s: 4 * normal(*s)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ops_values_and_gradients(name):
    op, reference, draw = UNARY[name]
    x = draw(3, 5)
    np.testing.assert_allclose(op(x), reference(x), rtol=1e-12, atol=1e-15)
    check_gradients(op, x)


def test_sign_has_a_zero_gradient():
    x = normal(4)
    assert ops.sign(x).tolist() == np.sign(x).tolist()
    check_gradients(ops.sign, x)


def test_clip_passes_gradient_only_inside():
    x = np.array([-2.0, -0.5, 0.3, 0.9, 3.0])
    assert ops.clip(x, -1.0, 1.0).tolist() == [-1.0, -0.5, 0.3, 0.9, 1.0]
    check_gradients(lambda v: ops.clip(v, -1.0, 1.0), x)


def test_where_with_broadcasting():
    condition = np.array([[True, False, True]])
    check_gradients(lambda a, b: ops.where(condition, a, b), normal(2, 3), normal(3))
    assert ops.where(np.array([True, False]), 1.0, 2.0).tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    "shapes", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((4,), (4, 3)), ((3, 4), (4,))]
)
def test_matmul_values_and_gradients(shapes):
    a, b = normal(*shapes[0]), normal(*shapes[1])
    np.testing.assert_allclose(ops.matmul(a, b), np.matmul(a, b))
    check_gradients(ops.matmul, a, b)


def test_matmul_broadcasts_batch_axes():
    check_gradients(ops.matmul, normal(2, 1, 3, 4), normal(3, 4, 2))


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3, 4)), ((2, 3), (4, 3, 2)), ((), (2, 2))])
def test_dot_is_numpys_dot(shapes):
    a, b = normal(*shapes[0]), normal(*shapes[1])
    np.testing.assert_allclose(ops.dot(a, b), np.dot(a, b))
    check_gradients(ops.dot, a, b)


REDUCTIONS = {"sum": (ops.sum, np.sum), "mean": (ops.mean, np.mean), "max": (ops.max, np.max), "min": (ops.min, np.min)}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(name, axis, keepdims):
    op, reference = REDUCTIONS[name]
    x = normal(2, 3, 4)
    np.testing.assert_allclose(op(x, axis=axis, keepdims=keepdims), reference(x, axis=axis, keepdims=keepdims))
    check_gradients(lambda v: op(v, axis=axis, keepdims=keepdims), x)


def test_max_shares_the_gradient_between_ties():
    x = Tensor(np.array([1.0, 3.0, 3.0]))
    with GradientTape() as tape:
        tape.watch(x)
        target = ops.max(x)
    assert tape.gradient(target, x).tolist() == [0.0, 0.5, 0.5]


@pytest.mark.parametrize("op, reference", [(ops.var, np.var), (ops.std, np.std)])
def test_var_and_std(op, reference):
    x = normal(3, 4)
    np.testing.assert_allclose(op(x, axis=1), reference(x, axis=1))
    check_gradients(lambda v: op(v, axis=1), x)


def test_argmax_and_argmin():
    x = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    assert ops.argmax(x, axis=-1).tolist() == [1, 0]
    assert ops.argmin(x, axis=1).tolist() == [0, 1]
    assert int(ops.argmax(x)) == 3


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_log_softmax(axis):
    x = normal(3, 4)
    expected = np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(ops.softmax(x, axis=axis), expected)
    np.testing.assert_allclose(ops.log_softmax(x, axis=axis), np.log(expected))
    check_gradients(lambda v: ops.softmax(v, axis=axis), x)
    check_gradients(lambda v: ops.log_softmax(v, axis=axis), x)


@pytest.mark.parametrize("axis, keepdims", [(None, False), (-1, False), (0, True)])
def test_logsumexp(axis, keepdims):
    x = normal(3, 4)
    expected = np.log(np.exp(x).sum(axis=axis, keepdims=keepdims))
    np.testing.assert_allclose(ops.logsumexp(x, axis=axis, keepdims=keepdims), expected)
    check_gradients(lambda v: ops.logsumexp(v, axis=axis, keepdims=keepdims), x)


def test_shape_ops():
    x = normal(2, 3, 4)
    check_gradients(lambda v: ops.reshape(v, (4, -1)), x)
    check_gradients(lambda v: ops.transpose(v, (2, 0, 1)), x)
    check_gradients(lambda v: ops.transpose(v), x)
    check_gradients(lambda v: ops.moveaxis(v, 0, -1), x)
    check_gradients(lambda v: ops.expand_dims(v, 1), x)
    check_gradients(lambda v: ops.squeeze(v, 1), normal(2, 1, 3))
    assert ops.squeeze(np.ones((1, 2, 1))).shape == (2,)
    assert ops.transpose(x, (2, 0, 1)).shape == (4, 2, 3)
    assert ops.expand_dims(x, -1).shape == (2, 3, 4, 1)


def test_concatenate_and_stack():
    a, b = normal(2, 3), normal(4, 3)
    np.testing.assert_array_equal(ops.concatenate([a, b], axis=0), np.concatenate([a, b]))
    check_gradients(lambda u, v: ops.concatenate([u, v], axis=0), a, b)
    c, d = normal(2, 3), normal(2, 3)
    np.testing.assert_array_equal(ops.stack([c, d], axis=1), np.stack([c, d], axis=1))
    check_gradients(lambda u, v: ops.stack([u, v], axis=1), c, d)


@pytest.mark.parametrize(
    "key", [1, slice(1, 3), (slice(None), 0), (Ellipsis, None), np.array([0, 2, 0]), np.array([True, False, True])]
)
def test_indexing_with_gradient(key):
    x = normal(3, 4)
    np.testing.assert_array_equal(Tensor(x)[key].data, x[key])
    check_gradients(lambda v: v[key], x)


def test_take_and_take_along_axis_with_repeated_indices():
    x = normal(3, 4)
    indices = np.array([[0, 3, 3], [1, 1, 2], [2, 0, 0]])
    np.testing.assert_array_equal(ops.take_along_axis(x, indices, axis=1), np.take_along_axis(x, indices, axis=1))
    check_gradients(lambda v: ops.take_along_axis(v, indices, axis=1), x)
    check_gradients(lambda v: ops.take_along_axis(v, np.array([[0, 2, 2, 1], [2, 2, 0, 0]]), axis=0), x)
    np.testing.assert_array_equal(ops.take(x, np.array([2, 2, 0]), axis=1), np.take(x, [2, 2, 0], axis=1))
    check_gradients(lambda v: ops.take(v, np.array([2, 2, 0]), axis=1), x)
    check_gradients(lambda v: ops.take(v, np.array([5, 5])), x)


def test_ops_without_gradients_and_constructors():
    x = np.array([[-1.5, 0.5], [2.5, -0.2]])
    assert ops.floor(x).tolist() == [[-2.0, 0.0], [2.0, -1.0]] and ops.ceil(x).tolist() == [[-1.0, 1.0], [3.0, -0.0]]
    assert ops.round(x).tolist() == [[-2.0, 0.0], [2.0, -0.0]]
    assert ops.all(x > -2) and not ops.any(x > 3) and ops.any(x > 0, axis=1).tolist() == [True, True]
    assert ops.logical_and(x > 0, x < 1).tolist() == [[False, True], [False, False]]
    assert ops.logical_or(x > 2, ops.logical_not(x < 0)).tolist() == [[False, True], [True, False]]
    assert ops.arange(1, 7, 2).tolist() == [1, 3, 5] and ops.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert ops.full((2,), 3.0).tolist() == [3.0, 3.0] and ops.zeros((1,)).dtype == np.float32


def test_cast_and_conversions():
    x = np.array([1.5, -2.5])
    assert ops.cast(x, "float32").dtype == np.float32
    check_gradients(lambda v: ops.cast(v, "float64") * 2, x)
    assert isinstance(ops.convert_to_numpy(Tensor(x)), np.ndarray)
    assert ops.convert_to_tensor([1, 2], dtype="float64").dtype == np.float64
    assert ops.one_hot(np.array([1, -1, 5]), 3).tolist() == [[0, 1, 0], [0, 0, 0], [0, 0, 0]]
    assert ops.shape(x) == (2,)


def test_stop_gradient_blocks_the_gradient():
    x = Tensor(np.array([2.0]))
    with GradientTape() as tape:
        tape.watch(x)
        target = x * ops.stop_gradient(x)
    assert tape.gradient(target, x).tolist() == [2.0]


def test_operators_on_tensors_are_the_ops():
    a, b = normal(3, 4), normal(4)
    check_gradients(lambda u, v: (-u + v * 2 - 1 / (v * v + 1)) ** 2 @ u.T, a, b)
    check_gradients(lambda u, v: 2.0 - u / 3.0 + abs(v), a, b)
    check_gradients(lambda u: 2.0**u, normal(3))
    with recording():
        t = Tensor(a)
        assert (t > 0).dtype == bool and ((t > 0) == (a > 0)).all()
        assert ((t == t.data) & (t != 1.0) & (t <= a) & (t >= a) & ~(t < a)).all()
        # A NumPy array on the left defers to the tensor instead of broadcasting over it.
        assert type(np.ones(4) + t) is Tensor and type(np.ones((2, 3)) @ Tensor(normal(3, 2))) is Tensor


def test_a_tensor_used_twice_gets_both_gradients():
    check_gradients(lambda u: ops.exp(u) * u + ops.sum(u * u, axis=0), normal(2, 3))


def test_ops_return_plain_arrays_when_not_recording():
    result = ops.relu(ops.matmul(np.ones((2, 3)), np.ones((3, 1))) - 1)
    assert type(result) is np.ndarray and result.tolist() == [[2.0], [2.0]]
    with recording():
        assert type(ops.exp(np.zeros(2))) is np.ndarray  # no tensor among the inputs: nothing recorded
