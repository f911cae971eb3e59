"""MaxPooling2D, AveragePooling2D, MaxPooling1D, AveragePooling1D: gradients, values
against real Keras 3 and hand computations, ties, configs and refusals.

Max pooling runs on both NumPy formulations (the ``pooling_path`` fixture): the compiled
window loops and the array operations.
"""

import numpy as np
import pytest
from conv_helpers import golden_id, keras_goldens

from kerasette import Sequential, backend, layers
from kerasette.layers import AveragePooling1D, AveragePooling2D, Input, MaxPooling1D, MaxPooling2D, layer_call
from tests.gradient_check import check_layer, forward, layer_gradients

# Disjoint windows (strides >= pool size, with and without gaps) and overlapping ones.
POOLS_2D = [((2, 2), None), ((3, 2), None), ((2, 2), (3, 3)), ((3, 3), (2, 1)), ((2, 2), (1, 1))]
POOLS_1D = [(2, None), (3, None), (3, 2), (2, 1)]


def distinct_values(rng, shape):
    """Inputs whose values differ by at least 0.01, so that a finite-difference step
    never changes which input of a window is the maximum."""
    values = rng.permutation(np.prod(shape)).reshape(shape) * 0.01
    return values - values.mean()


@pytest.mark.parametrize("golden", keras_goldens(("MaxPooling2D", "AveragePooling2D", "MaxPooling1D")), ids=golden_id)
def test_pooling_matches_keras(pooling_path, golden):
    case, inputs, _, expected = golden
    layer = getattr(layers, case["layer"])(**case["arguments"])
    outputs = layer(inputs)
    assert outputs.shape == expected.shape
    np.testing.assert_allclose(outputs, expected, rtol=1e-6, atol=1e-6)
    assert layer.compute_output_shape((None, *inputs.shape[1:])) == (None, *expected.shape[1:])


@pytest.mark.parametrize("mode", [MaxPooling2D, AveragePooling2D])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("pool_size, strides", POOLS_2D)
def test_pooling2d_gradients(pooling_path, float64, mode, data_format, padding, pool_size, strides):
    rng = np.random.default_rng(1)
    shape = (2, 7, 5, 2) if data_format == "channels_last" else (2, 2, 7, 5)
    layer = mode(pool_size, strides=strides, padding=padding, data_format=data_format)
    grad_inputs, params = check_layer(layer, distinct_values(rng, shape), rng)
    assert grad_inputs.shape == shape and params == {}


@pytest.mark.parametrize("mode", [MaxPooling1D, AveragePooling1D])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("pool_size, strides", POOLS_1D)
def test_pooling1d_gradients(pooling_path, float64, mode, data_format, padding, pool_size, strides):
    rng = np.random.default_rng(2)
    shape = (2, 7, 3) if data_format == "channels_last" else (2, 3, 7)
    layer = mode(pool_size, strides=strides, padding=padding, data_format=data_format)
    grad_inputs, _ = check_layer(layer, distinct_values(rng, shape), rng)
    assert grad_inputs.shape == shape


@pytest.mark.parametrize("shape, padding", [((2, 8, 6, 3), "valid"), ((2, 7, 5, 3), "valid"), ((2, 7, 5, 3), "same")])
def test_max_pooling_backward_rewrites_every_input_gradient(pooling_path, shape, padding):
    # The compiled loop skips zeroing when 2x2 windows tile the input (8x6 'valid', 7x5
    # 'same'): a buffer left over from the previous step must not leak into the next.
    rng = np.random.default_rng(9)
    layer = MaxPooling2D(2, padding=padding)
    inputs = backend.to_device(distinct_values(rng, shape).astype("float32"))
    outputs = forward(layer, inputs, training=True)
    grad = rng.standard_normal(outputs.shape).astype("float32")

    def step():
        # Like a training step: the call reuses the state (and buffers) of the previous step's call.
        with layer_call.reusing_states():
            return layer_gradients(layer, inputs, backend.to_device(grad.copy()), weights={})[0]

    first = step()
    expected = backend.to_numpy(first).copy()
    first[...] = np.nan
    second = step()
    assert backend.xp.shares_memory(first, second)  # the same buffer, so the NaNs were there to leak
    second = backend.to_numpy(second)
    np.testing.assert_array_equal(second, expected)
    assert np.count_nonzero(expected) == grad.size  # each window's gradient at one input


def test_average_pooling_with_same_padding_averages_real_inputs_only():
    images = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    outputs = AveragePooling2D(2, padding="same")(images)[0, :, :, 0]
    # Windows [[1,2],[4,5]], [[3],[6]], [[7,8]], [[9]]: padding is not counted.
    np.testing.assert_array_equal(outputs, [[3.0, 4.5], [7.5, 9.0]])


def test_max_pooling_gradient_goes_to_the_first_of_tied_maxima(pooling_path):
    layer = MaxPooling2D(2)
    inputs = backend.to_device(np.array([[[[1.0], [3.0]], [[3.0], [2.0]]]], dtype="float32"))
    grad, _ = layer_gradients(layer, inputs, backend.to_device(np.ones((1, 1, 1, 1), dtype="float32")))
    # As TensorFlow and PyTorch: one input gets the whole gradient, the first in row order.
    np.testing.assert_array_equal(backend.to_numpy(grad)[0, :, :, 0], [[0.0, 1.0], [0.0, 0.0]])


def test_max_pooling_with_same_padding_never_picks_the_padding(pooling_path):
    inputs = -np.arange(1.0, 10.0).reshape(1, 3, 3, 1)  # all negative: zeros would win
    outputs = MaxPooling2D(2, padding="same")(inputs)[0, :, :, 0]
    np.testing.assert_array_equal(outputs, [[-1.0, -3.0], [-7.0, -9.0]])


def test_pooling_defaults_and_config_round_trip():
    layer = MaxPooling2D()
    assert (layer.pool_size, layer.strides, layer.padding, layer.data_format) == (
        (2, 2),
        (2, 2),
        "valid",
        "channels_last",
    )
    assert MaxPooling1D().pool_size == (2,) and MaxPooling1D(3, strides=1).strides == (1,)
    config = AveragePooling2D((3, 2), strides=1, padding="SAME", data_format="channels_first", name="p").get_config()
    assert config == {
        "name": "p",
        "trainable": True,
        "pool_size": [3, 2],
        "strides": [1, 1],
        "padding": "same",
        "data_format": "channels_first",
    }
    again = layers.deserialize({"class_name": "AveragePooling2D", "config": config})
    assert again.get_config() == config


def test_pooling_in_a_model_reports_keras_shapes():
    model = Sequential([Input(shape=(9, 4)), MaxPooling1D(2, padding="same"), AveragePooling1D(3, strides=1)])
    assert model.output_shape == (None, 3, 4)
    assert model.count_params() == 0


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: MaxPooling2D(0), r"pool_size: expected an integer >= 1 or a tuple of 2 integers >= 1; received 0"),
        (lambda: MaxPooling2D((2, 2, 2)), r"pool_size.*received \(2, 2, 2\)"),
        (lambda: MaxPooling2D(2, strides=-1), r"strides.*received -1"),
        (lambda: MaxPooling2D(2.5), r"pool_size.*received 2.5"),
        (lambda: AveragePooling2D(2, padding="causal"), r"padding: expected one of 'valid', 'same'; received 'causal'"),
        (lambda: MaxPooling1D(2, data_format="NWC"), r"data_format: expected one of"),
    ],
)
def test_bad_arguments_are_refused_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "layer, input_shape, message",
    [
        (lambda: MaxPooling2D(), (None, 28, 28), r"expected inputs of rank 4.*received shape \(None, 28, 28\)"),
        (lambda: MaxPooling1D(), (None, 28, 28, 1), r"expected inputs of rank 3"),
        (
            lambda: MaxPooling2D(3),
            (None, 2, 8, 1),
            r"pool_size=\(3, 3\) is larger than the input's spatial size \(2, 8\)",
        ),
    ],
)
def test_bad_input_shapes_are_refused_at_build(layer, input_shape, message):
    layer = layer()
    with pytest.raises(ValueError, match=message):
        layer.build(input_shape)
    assert not layer.built


def test_a_window_larger_than_the_input_is_fine_with_same_padding():
    assert MaxPooling2D(4, padding="same")(np.ones((1, 2, 3, 1))).shape == (1, 1, 1, 1)


@pytest.mark.gpu
@pytest.mark.parametrize("mode", [MaxPooling2D, AveragePooling2D])
def test_pooling_on_the_gpu_gradients(float64, mode):
    rng = np.random.default_rng(3)
    check_layer(mode(3, strides=2, padding="same"), distinct_values(rng, (2, 7, 5, 2)), rng)
