"""Activations against plain NumPy formulas; initialisers' shapes, ranges and statistics.

The statistical checks draw a few hundred thousand values and allow a few percent of
error: far more than sampling noise, far less than a wrong variance formula (a factor
of 2, or a truncated normal without Keras's 0.8796 correction) would produce.
"""

import json
import math
import warnings
from contextlib import contextmanager

import numpy as np
import pytest

from kerasette import activations, backend, initializers, utils

TRUNCATED_STDDEV = 0.87962566103423978  # std of a unit normal truncated to [-2, 2]


@contextmanager
def strict_floating_point():
    """Overflow, division by zero and invalid operations raise; so does any warning.

    Underflow stays allowed: exp of a very negative number flushing to 0 is the correct
    result, not an error.
    """
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        yield


def host(array):
    return backend.to_numpy(array)


# -- activations ------------------------------------------------------------------------------
MODERATE = np.array([[-3.0, -0.5, 0.0, 0.25, 2.0], [1.5, -1.0, 4.0, -2.5, 0.1]])
EXTREME = np.array([-1e30, -1000.0, -100.0, -30.0, 0.0, 30.0, 100.0, 1000.0, 1e30])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_activation_values_match_numpy(dtype):
    x = MODERATE.astype(dtype)
    expected = {
        "relu": np.maximum(MODERATE, 0),
        "sigmoid": 1 / (1 + np.exp(-MODERATE)),
        "tanh": np.tanh(MODERATE),
        "softmax": np.exp(MODERATE) / np.exp(MODERATE).sum(axis=-1, keepdims=True),
        "linear": MODERATE,
    }
    rtol = 1e-6 if dtype == "float32" else 1e-13
    for name, values in expected.items():
        result = getattr(activations, name)(backend.to_device(x))
        assert result.dtype == np.dtype(dtype), name
        np.testing.assert_allclose(host(result), values, rtol=rtol, atol=rtol, err_msg=name)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_is_exact_and_quiet_for_large_inputs(dtype):
    x = EXTREME.astype(dtype)
    with strict_floating_point():
        result = host(activations.sigmoid(backend.to_device(x)))
    # Python floats, one at a time: e^x / (1 + e^x) below zero cannot overflow.
    expected = [math.exp(v) / (1 + math.exp(v)) if v < 0 else 1 / (1 + math.exp(-v)) for v in EXTREME]
    # float32 results this small are subnormal and carry few significant digits.
    np.testing.assert_allclose(result, expected, rtol=1e-6, atol=1e-40 if dtype == "float32" else 1e-300)
    assert result[0] == 0.0 and result[-1] == 1.0 and result[4] == 0.5


@pytest.mark.parametrize("name", ["relu", "tanh", "softmax", "linear"])
def test_other_activations_are_quiet_for_large_inputs(name):
    x = np.stack([EXTREME, -EXTREME[::-1] * 0.5]).astype("float32")
    with strict_floating_point():
        result = host(getattr(activations, name)(backend.to_device(x)))
    assert np.isfinite(result).all()


def test_softmax_over_the_last_axis_and_shift_invariant():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4))
    result = host(activations.softmax(backend.to_device(x)))
    np.testing.assert_allclose(result.sum(axis=-1), np.ones((2, 3)), rtol=1e-12)
    np.testing.assert_allclose(result, np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True), rtol=1e-12)
    with strict_floating_point():
        shifted = host(activations.softmax(backend.to_device(x + 1000.0)))
    np.testing.assert_allclose(shifted, result, rtol=1e-9)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "softmax", "linear"])
def test_calling_an_activation_leaves_its_input_alone(name):
    x = backend.to_device(MODERATE.copy())
    getattr(activations, name)(x)
    np.testing.assert_array_equal(host(x), MODERATE)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softmax"])
def test_activations_accept_integer_inputs_as_keras_does(name):
    """Keras returns floatx values for integer arrays and lists; they must not fail inside NumPy."""
    expected = {
        "sigmoid": 1 / (1 + np.exp(-np.array([[0.0, 1.0, -2.0]]))),
        "tanh": np.tanh(np.array([[0.0, 1.0, -2.0]])),
        "softmax": np.exp([[0.0, 1.0, -2.0]]) / np.exp([[0.0, 1.0, -2.0]]).sum(),
    }[name]
    for x in (np.array([[0, 1, -2]]), [[0, 1, -2]]):
        result = getattr(activations, name)(x)
        assert result.dtype == np.float32
        np.testing.assert_allclose(host(result), expected, rtol=1e-6)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "softmax", "linear"])
def test_get_and_serialize(name):
    activation = activations.get(name)
    assert activation is getattr(activations, name)
    assert activation.name == name
    assert activations.get(activation) is activation
    assert activations.get(activations.serialize(activation)) is activation


def test_get_none_is_linear():
    assert activations.get(None) is activations.linear


@pytest.mark.parametrize(
    "name, suggestion", [("rleu", "relu"), ("sigmod", "sigmoid"), ("softmx", "softmax"), ("tanhh", "tanh")]
)
def test_unknown_activation_suggests_the_nearest_name(name, suggestion):
    with pytest.raises(ValueError, match=f"activation.*{name!r}.*did you mean {suggestion!r}"):
        activations.get(name)


def test_unknown_activation_without_close_name_lists_the_choices():
    with pytest.raises(ValueError, match="activation.*'swishy_thing'.*relu.*sigmoid") as error:
        activations.get("swishy_thing")
    assert "did you mean" not in str(error.value)


def test_activation_of_the_wrong_type_is_refused():
    with pytest.raises(TypeError, match="activation"):
        activations.get(3)


# -- initialisers: plain values -------------------------------------------------------------------
ALL_NAMES = [
    "zeros",
    "ones",
    "constant",
    "random_normal",
    "random_uniform",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "variance_scaling",
]


@pytest.mark.parametrize("name", ALL_NAMES)
@pytest.mark.parametrize("shape", [(3,), (4, 5), (2, 3, 4, 5)])
def test_shapes_and_dtypes(name, shape):
    initializer = initializers.get(name)
    default = initializer(shape)
    assert default.shape == shape and default.dtype == np.float32
    assert initializer(list(shape), "float64").dtype == np.float64
    assert backend.is_device_array(default)


def test_float64_floatx_is_the_default_dtype(float64):
    assert initializers.get("glorot_uniform")((3, 2)).dtype == np.float64


def test_zeros_ones_constant():
    np.testing.assert_array_equal(host(initializers.get("zeros")((2, 3))), np.zeros((2, 3)))
    np.testing.assert_array_equal(host(initializers.get("ones")((2, 3))), np.ones((2, 3)))
    np.testing.assert_array_equal(host(initializers.Constant(0.25)((4,))), np.full(4, 0.25))
    np.testing.assert_array_equal(host(initializers.Constant(-3)((2, 2), "float64")), np.full((2, 2), -3.0))


def test_random_normal_statistics():
    values = host(initializers.RandomNormal(mean=1.0, stddev=2.0)((200_000,), "float64"))
    assert values.mean() == pytest.approx(1.0, abs=0.03)
    assert values.std() == pytest.approx(2.0, rel=0.02)


def test_random_normal_defaults_are_keras():
    values = host(initializers.get("random_normal")((200_000,), "float64"))
    assert values.mean() == pytest.approx(0.0, abs=1e-3)
    assert values.std() == pytest.approx(0.05, rel=0.02)


def test_random_uniform_bounds_and_statistics():
    values = host(initializers.RandomUniform(minval=-3.0, maxval=5.0)((200_000,), "float64"))
    assert values.min() >= -3.0 and values.max() < 5.0
    assert values.min() < -2.99 and values.max() > 4.99
    assert values.mean() == pytest.approx(1.0, abs=0.03)
    assert values.var() == pytest.approx(64 / 12, rel=0.02)
    default = host(initializers.get("random_uniform")((100_000,), "float64"))
    assert default.min() >= -0.05 and default.max() < 0.05 and default.max() > 0.049


# -- initialisers: variance scaling -----------------------------------------------------------------
# (shape, fan_in, fan_out): a dense kernel and a convolution kernel (receptive field 3x3)
SHAPES = [((400, 600), 400, 600), ((3, 3, 64, 128), 576, 1152)]


@pytest.mark.parametrize("shape, fan_in, fan_out", SHAPES)
def test_glorot_uniform_bounds_and_variance(shape, fan_in, fan_out):
    values = host(initializers.get("glorot_uniform")(shape, "float64"))
    limit = math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(values).max() <= limit
    assert np.abs(values).max() > 0.99 * limit
    assert values.var() == pytest.approx(2 / (fan_in + fan_out), rel=0.03)
    assert abs(values.mean()) < 0.02 * limit


@pytest.mark.parametrize("shape, fan_in, fan_out", SHAPES)
def test_he_uniform_bounds_and_variance(shape, fan_in, fan_out):
    values = host(initializers.get("he_uniform")(shape, "float64"))
    limit = math.sqrt(6 / fan_in)
    assert np.abs(values).max() <= limit
    assert np.abs(values).max() > 0.99 * limit
    assert values.var() == pytest.approx(2 / fan_in, rel=0.03)


@pytest.mark.parametrize("name", ["he_normal", "glorot_normal"])
@pytest.mark.parametrize("shape, fan_in, fan_out", SHAPES)
def test_truncated_normal_initializers(name, shape, fan_in, fan_out):
    values = host(initializers.get(name)(shape, "float64"))
    variance = 2 / fan_in if name == "he_normal" else 2 / (fan_in + fan_out)
    # Keras draws N(0, s) with s = sqrt(variance) / 0.8796 and keeps |x| <= 2 s, which
    # leaves exactly the wanted variance.
    bound = 2 * math.sqrt(variance) / TRUNCATED_STDDEV
    assert np.abs(values).max() <= bound
    assert np.abs(values).max() > 0.98 * bound
    assert values.var() == pytest.approx(variance, rel=0.03)
    assert abs(values.mean()) < 0.02 * math.sqrt(variance)
    # Truncated at 2 s, a normal keeps 28.5% of its mass beyond one s (untruncated: 31.7%).
    beyond_one = float((np.abs(values) > bound / 2).mean())
    assert 0.275 < beyond_one < 0.295


@pytest.mark.parametrize("mode, expected_n", [("fan_in", 400), ("fan_out", 600), ("fan_avg", 500)])
def test_variance_scaling_modes(mode, expected_n):
    values = host(initializers.VarianceScaling(scale=3.0, mode=mode, distribution="uniform")((400, 600), "float64"))
    assert values.var() == pytest.approx(3.0 / expected_n, rel=0.03)


def test_variance_scaling_refuses_unknown_options():
    with pytest.raises(ValueError, match="mode.*'fan_ni'.*did you mean 'fan_in'"):
        initializers.VarianceScaling(mode="fan_ni")
    with pytest.raises(ValueError, match="distribution.*'normal'"):
        initializers.VarianceScaling(distribution="normal")


# -- seeding ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cls",
    [
        initializers.GlorotUniform,
        initializers.GlorotNormal,
        initializers.HeNormal,
        initializers.HeUniform,
        initializers.RandomNormal,
        initializers.RandomUniform,
    ],
)
def test_seeded_initializers_are_reproducible(cls):
    first = host(cls(seed=3)((20, 30)))
    second = host(cls(seed=3)((20, 30)))
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, host(cls(seed=4)((20, 30))))
    # A seed of its own makes the initialiser independent of the global generator.
    utils.set_random_seed(11)
    np.testing.assert_array_equal(host(cls(seed=3)((20, 30))), first)


def test_global_seed_makes_unseeded_initializers_reproducible():
    initializer = initializers.get("glorot_uniform")
    utils.set_random_seed(5)
    first, second = host(initializer((10, 10))), host(initializer((10, 10)))
    assert not np.array_equal(first, second)
    utils.set_random_seed(5)
    np.testing.assert_array_equal(host(initializer((10, 10))), first)
    np.testing.assert_array_equal(host(initializer((10, 10))), second)


# -- lookup and serialisation ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "snake, camel",
    [
        ("zeros", "Zeros"),
        ("ones", "Ones"),
        ("constant", "Constant"),
        ("random_normal", "RandomNormal"),
        ("random_uniform", "RandomUniform"),
        ("glorot_uniform", "GlorotUniform"),
        ("glorot_normal", "GlorotNormal"),
        ("he_uniform", "HeUniform"),
        ("he_normal", "HeNormal"),
        ("variance_scaling", "VarianceScaling"),
    ],
)
def test_get_by_snake_and_camel_case(snake, camel):
    by_snake, by_camel = initializers.get(snake), initializers.get(camel)
    assert type(by_snake) is type(by_camel) is getattr(initializers, camel)
    assert by_snake.get_config() == by_camel.get_config()


def test_get_passes_objects_through():
    initializer = initializers.HeNormal(seed=1)
    assert initializers.get(initializer) is initializer


def test_unknown_initializer_suggests_the_nearest_name():
    with pytest.raises(ValueError, match="initializer.*'glorot_unifrom'.*did you mean 'glorot_uniform'"):
        initializers.get("glorot_unifrom")
    with pytest.raises(TypeError, match="initializer"):
        initializers.get(1.5)


@pytest.mark.parametrize(
    "initializer",
    [
        initializers.Zeros(),
        initializers.Ones(),
        initializers.Constant(0.5),
        initializers.RandomNormal(mean=1.0, stddev=0.3, seed=4),
        initializers.RandomUniform(-1.0, 3.0, seed=2),
        initializers.GlorotUniform(seed=7),
        initializers.GlorotNormal(seed=9),
        initializers.HeNormal(seed=1),
        initializers.HeUniform(seed=6),
        initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=1),
    ],
    ids=lambda initializer: type(initializer).__name__,
)
def test_serialize_get_round_trip(initializer):
    description = initializers.serialize(initializer)
    restored = initializers.get(json.loads(json.dumps(description)))
    assert type(restored) is type(initializer)
    assert restored.get_config() == initializer.get_config()
    np.testing.assert_array_equal(host(restored((6, 5))), host(initializer((6, 5))))
