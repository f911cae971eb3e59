"""Conv2D and Conv1D: gradients, values against a direct convolution and real Keras 3,
saving, summary and refusals.

Every check runs on both formulations of the NumPy backend: the compiled window loops
(``backend.window_kernels()``, numba) and the array operations used without them (and on
the GPU), selected by the ``window_path`` fixture.
"""

import math

import numpy as np
import pytest
from conv_helpers import FIXTURES, golden_id, keras_goldens

import kerasette
from kerasette import Sequential, backend, layers, losses
from kerasette.layers import Conv1D, Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D, winograd_conv
from kerasette.models import load_model
from kerasette.optimizers import Adam
from kerasette.trainers import TrainingPlan
from tests.gradient_check import check_layer

# Keras refuses strides > 1 together with dilation_rate > 1; every other combination.
STRIDES_DILATIONS_2D = [((1, 1), (1, 1)), ((2, 2), (1, 1)), ((1, 2), (1, 1)), ((1, 1), (2, 2)), ((1, 1), (2, 1))]
STRIDES_DILATIONS_1D = [(1, 1), (2, 1), (3, 1), (1, 2)]


# -- an independent reference: the convolution as its definition ---------------------------
def direct_convolution(inputs, kernel, bias, strides, padding, dilation):
    """Channels-last convolution computed output pixel by output pixel, Keras/TF padding."""
    spatial = inputs.shape[1:-1]
    outputs_size, pads = [], []
    for length, size, stride, rate in zip(spatial, kernel.shape[:-2], strides, dilation):
        span = (size - 1) * rate + 1
        if padding == "valid":
            out = (length - span) // stride + 1
            before = 0
        elif padding == "same":
            out = math.ceil(length / stride)
            before = max((out - 1) * stride + span - length, 0) // 2
        else:  # causal: all the padding before, then a 'valid' convolution
            before = span - 1
            out = (length + before - span) // stride + 1
        outputs_size.append(out)
        pads.append(before)
    outputs = np.zeros((inputs.shape[0], *outputs_size, kernel.shape[-1]))
    for position in np.ndindex(*outputs_size):
        for tap in np.ndindex(*kernel.shape[:-2]):
            source = [p * s + t * d - b for p, s, t, d, b in zip(position, strides, tap, dilation, pads)]
            if all(0 <= index < length for index, length in zip(source, spatial)):
                outputs[(slice(None), *position)] += inputs[(slice(None), *source)] @ kernel[tap]
    return outputs + bias


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides, dilation", STRIDES_DILATIONS_2D)
def test_conv2d_matches_the_direct_convolution(window_path, float64, padding, strides, dilation):
    rng = np.random.default_rng(3)
    layer = Conv2D(
        3, (3, 2), strides=strides, padding=padding, dilation_rate=dilation, bias_initializer="random_normal"
    )
    inputs = rng.standard_normal((2, 7, 6, 2))
    outputs = layer(inputs)
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(
        outputs, direct_convolution(inputs, kernel, bias, strides, padding, dilation), atol=1e-12
    )


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("strides, dilation", STRIDES_DILATIONS_1D)
def test_conv1d_matches_the_direct_convolution(window_path, float64, padding, strides, dilation):
    rng = np.random.default_rng(4)
    layer = Conv1D(3, 3, strides=strides, padding=padding, dilation_rate=dilation, bias_initializer="random_normal")
    inputs = rng.standard_normal((2, 8, 2))
    kernel, bias = (layer.build((None, 8, 2)), layer.get_weights())[1]
    expected = direct_convolution(inputs, kernel, bias, (strides,), padding, (dilation,))
    np.testing.assert_allclose(layer(inputs), expected, atol=1e-12)


@pytest.mark.parametrize("golden", keras_goldens(("Conv2D", "Conv1D")), ids=golden_id)
def test_conv_matches_keras(window_path, golden):
    case, inputs, weights, expected = golden
    layer = getattr(layers, case["layer"])(**case["arguments"])
    layer.build((None, *inputs.shape[1:]))
    layer.set_weights(weights)
    outputs = layer(inputs)
    assert outputs.shape == expected.shape
    np.testing.assert_allclose(outputs, expected, rtol=1e-4, atol=1e-5)
    assert layer.compute_output_shape((None, *inputs.shape[1:])) == (None, *expected.shape[1:])


# -- gradients -----------------------------------------------------------------------------
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides, dilation", STRIDES_DILATIONS_2D)
def test_conv2d_gradients(window_path, float64, data_format, padding, strides, dilation):
    rng = np.random.default_rng(5)
    shape = (2, 6, 5, 2) if data_format == "channels_last" else (2, 2, 6, 5)
    layer = Conv2D(
        3,
        (3, 2),
        strides=strides,
        padding=padding,
        dilation_rate=dilation,
        data_format=data_format,
        bias_initializer="random_normal",
    )
    grad_inputs, params = check_layer(layer, rng.standard_normal(shape), rng)
    assert grad_inputs.shape == shape
    assert params["kernel"].shape == (3, 2, 2, 3)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("strides, dilation", STRIDES_DILATIONS_1D)
def test_conv1d_gradients(window_path, float64, data_format, padding, strides, dilation):
    rng = np.random.default_rng(6)
    shape = (2, 7, 2) if data_format == "channels_last" else (2, 2, 7)
    layer = Conv1D(
        3,
        3,
        strides=strides,
        padding=padding,
        dilation_rate=dilation,
        data_format=data_format,
        bias_initializer="random_normal",
    )
    grad_inputs, params = check_layer(layer, rng.standard_normal(shape), rng)
    assert grad_inputs.shape == shape
    assert params["kernel"].shape == (3, 2, 3)


# Softmax runs along the last axis, which channels-first puts on the width: a per-channel
# bias then cancels out of it and its gradient is zero, so that case has no check.
ACTIVATION_CASES = [
    (activation, use_bias, data_format)
    for activation in ("relu", "linear", "tanh", "gelu", "softmax")
    for use_bias in (False, True)
    for data_format in ("channels_last", "channels_first")
    if not (activation == "softmax" and use_bias and data_format == "channels_first")
]


@pytest.mark.parametrize("activation, use_bias, data_format", ACTIVATION_CASES)
def test_conv2d_activation_gradients(window_path, float64, activation, use_bias, data_format):
    # relu and linear with a bias take the compiled bias-and-activation passes; the
    # others (and no bias) the activation's own rules.
    rng = np.random.default_rng(7)
    layer = Conv2D(
        3,
        2,
        padding="same",
        activation=activation,
        use_bias=use_bias,
        data_format=data_format,
        bias_initializer="random_normal",
    )
    inputs = rng.uniform(0.1, 1.0, (2, 4, 3, 2)) * rng.choice([-1.0, 1.0], (2, 4, 3, 2))
    _, params = check_layer(layer, inputs, rng)
    assert set(params) == ({"kernel", "bias"} if use_bias else {"kernel"})


# 3x3 kernels of stride 1 on 8 or more channels take Winograd's F(2x2, 3x3) on the compiled
# path: odd and even output sizes (the last tile overhangs), both paddings and layouts.
@pytest.mark.parametrize("shape", [(2, 5, 4, 8), (1, 4, 7, 9)])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("activation, data_format", [("relu", "channels_last"), ("linear", "channels_first")])
def test_winograd_convolutions_match_the_direct_convolution_and_their_gradients(
    window_path, float64, shape, padding, activation, data_format, monkeypatch
):
    rng = np.random.default_rng(10)
    layer = Conv2D(
        4, 3, padding=padding, activation=activation, data_format=data_format, bias_initializer="random_normal"
    )
    inputs = rng.standard_normal(shape)
    layer_inputs = inputs if data_format == "channels_last" else inputs.transpose(0, 3, 1, 2)
    winograd_calls = []
    winograd_forward = winograd_conv.forward

    def counting_forward(*args, **kwargs):
        winograd_calls.append(1)
        return winograd_forward(*args, **kwargs)

    monkeypatch.setattr(winograd_conv, "forward", counting_forward)
    outputs = backend.to_numpy(layer(layer_inputs))
    assert bool(winograd_calls) == (window_path != "arrays")
    kernel, bias = layer.get_weights()
    expected = direct_convolution(inputs, kernel, bias, (1, 1), padding, (1, 1))
    expected = np.maximum(expected, 0) if activation == "relu" else expected
    if data_format == "channels_first":
        expected = expected.transpose(0, 3, 1, 2)
    np.testing.assert_allclose(outputs, expected, atol=1e-12)
    check_layer(layer, layer_inputs, rng)


def test_conv2d_relu_keeps_nan_as_numpy_maximum_does(window_path):
    layer = Conv2D(2, 1, activation="relu", kernel_initializer="ones", bias_initializer="zeros")
    inputs = np.array([np.nan, -1.0, 2.0], dtype="float32").reshape(1, 1, 3, 1)
    outputs = backend.to_numpy(layer(inputs))[0, 0]
    np.testing.assert_array_equal(outputs, [[np.nan, np.nan], [0.0, 0.0], [2.0, 2.0]])


def test_first_layer_skips_its_input_gradient_and_softmax_takes_logit_gradients(window_path, float64):
    rng = np.random.default_rng(8)
    layer = Conv2D(3, 2, activation="softmax", bias_initializer="random_normal")
    inputs = rng.standard_normal((2, 4, 4, 2))
    layer(inputs)
    assert layer.ends_in_softmax
    # Spy on the hand-written backward pass: what it was asked for, and what it returned.
    seen = []
    backward = layer.backward

    def spy(state, grad):
        flags = (state.need_input_grad, state.need_weight_grads, state.grad_is_logits)
        result = backward(state, grad)
        seen.append((flags, result))
        return result

    layer.backward = spy
    grad = rng.standard_normal((2, 3, 3, 3))
    with kerasette.GradientTape() as gradient_tape:
        # The inputs are a plain array, as a first layer's are: nothing asks for their gradient.
        outputs = layer(backend.to_device(inputs), training=True)
    assert TrainingPlan.fuses_softmax(outputs, losses.CategoricalCrossentropy())
    TrainingPlan.mark_logits(outputs)  # what the fused softmax + cross-entropy step does
    (grad_kernel,) = gradient_tape.gradient(outputs, [layer.kernel], output_gradients=[backend.to_device(grad)])
    assert len(seen) == 1
    (need_input_grad, need_weight_grads, grad_is_logits), grad_inputs = seen[0]
    assert (need_input_grad, need_weight_grads, grad_is_logits) == (False, True, True)
    assert grad_inputs is None
    # With grad_is_logits the gradient is taken as dL/dlogits: the kernel gradient is
    # then the plain correlation of inputs and grad.
    columns = np.stack([inputs[:, i : i + 3, j : j + 3, :] for i in range(2) for j in range(2)], axis=3)
    expected = np.einsum("nhwkc,nhwf->kcf", columns, grad).reshape(2, 2, 2, 3)
    np.testing.assert_allclose(backend.to_numpy(grad_kernel), expected, atol=1e-12)


# -- models: training, saving, summary, Keras files ----------------------------------------
def mnist_convnet():
    return Sequential(
        [
            Input(shape=(28, 28, 1)),
            Conv2D(32, kernel_size=(3, 3), activation="relu"),
            MaxPooling2D(pool_size=(2, 2)),
            Conv2D(64, kernel_size=(3, 3), activation="relu"),
            MaxPooling2D(pool_size=(2, 2)),
            Flatten(),
            Dropout(0.5),
            Dense(10, activation="softmax"),
        ]
    )


def test_summary_shows_keras_shapes_and_parameter_counts():
    model = mnist_convnet()
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    rows = [line.strip("│ ").replace(" │ ", "  ").split() for line in lines if "(None," in line]
    # Layer names depend on how many layers earlier tests made; types, shapes and counts do not.
    assert [(row[1], " ".join(row[2:-1]), row[-1]) for row in rows] == [
        ("(Conv2D)", "(None, 26, 26, 32)", "320"),
        ("(MaxPooling2D)", "(None, 13, 13, 32)", "0"),
        ("(Conv2D)", "(None, 11, 11, 64)", "18,496"),
        ("(MaxPooling2D)", "(None, 5, 5, 64)", "0"),
        ("(Flatten)", "(None, 1600)", "0"),
        ("(Dropout)", "(None, 1600)", "0"),
        ("(Dense)", "(None, 10)", "16,010"),
    ]
    assert rows[0][0].startswith("conv2d") and rows[1][0].startswith("max_pooling2d")
    assert "Total params: 34,826" in text  # Keras's figure for its MNIST convnet


def test_keras_weights_file_of_the_mnist_convnet_loads_and_predicts_as_keras(window_path):
    model = mnist_convnet()
    model.load_weights(FIXTURES / "keras_convnet.weights.h5")
    predictions = model.predict(np.load(FIXTURES / "keras_convnet_inputs.npy"), verbose=0)
    np.testing.assert_allclose(predictions, np.load(FIXTURES / "keras_convnet_predictions.npy"), atol=1e-5)


def test_save_and_load_round_trip_of_a_conv_model(tmp_path):
    rng = np.random.default_rng(9)
    model = Sequential(
        [
            Input(shape=(9, 8, 2)),
            Conv2D(4, (3, 2), strides=(2, 1), padding="SAME", activation="relu", bias_initializer="ones"),
            layers.AveragePooling2D(2, padding="same"),
            Conv2D(3, 2, dilation_rate=2, data_format="channels_last", use_bias=False),
            Flatten(),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    x = rng.standard_normal((16, 9, 8, 2)).astype("float32")
    model.fit(x, rng.standard_normal((16, *model.output_shape[1:])).astype("float32"), epochs=1, verbose=0)
    model.save(tmp_path / "conv.keras")
    restored = load_model(tmp_path / "conv.keras")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    first = restored.layers[0]
    assert (first.padding, first.strides, first.kernel_size) == ("same", (2, 1), (3, 2))
    assert restored.layers[2].dilation_rate == (2, 2) and not restored.layers[2].use_bias


def test_config_round_trip_keeps_every_argument():
    layer = Conv1D(5, 4, strides=2, padding="Causal", data_format="channels_first", activation="tanh", name="c")
    config = layer.get_config()
    assert config["padding"] == "causal" and config["kernel_size"] == [4] and config["activation"] == "tanh"
    again = layers.deserialize({"class_name": "Conv1D", "config": config})
    assert again.get_config() == config
    assert Conv2D(2, 3).get_config()["data_format"] == "channels_last"


def test_conv_model_learns_a_separable_pattern(window_path):
    """Horizontal against vertical bars: a tiny convnet separates them within a few epochs."""
    rng = np.random.default_rng(10)
    images = rng.normal(0, 0.1, (200, 8, 8, 1)).astype("float32")
    labels = rng.integers(0, 2, 200)
    for image, label in zip(images, labels):
        line = rng.integers(1, 7)
        if label:
            image[line, :, 0] += 1
        else:
            image[:, line, 0] += 1
    model = Sequential([Input(shape=(8, 8, 1)), Conv2D(4, 3, activation="relu"), MaxPooling2D(), Flatten()])
    model.add(Dense(2, activation="softmax"))
    model.compile(optimizer=Adam(0.02), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(images, labels, epochs=10, batch_size=20, verbose=0)
    assert history.history["accuracy"][-1] > 0.95


# -- refusals ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Conv2D(0, 3), r"filters: expected an integer >= 1; received 0"),
        (lambda: Conv2D(2.5, 3), r"filters: expected an integer >= 1; received 2.5"),
        (lambda: Conv2D(-4, 3), r"filters.*received -4"),
        (lambda: Conv2D(4, 0), r"kernel_size: expected an integer >= 1 or a tuple of 2 integers >= 1; received 0"),
        (lambda: Conv2D(4, (3,)), r"kernel_size.*tuple of 2.*received \(3,\)"),
        (lambda: Conv2D(4, (3, -1)), r"kernel_size.*received \(3, -1\)"),
        (lambda: Conv2D(4, 3, strides=0), r"strides.*received 0"),
        (lambda: Conv2D(4, 3, dilation_rate=(1, 0)), r"dilation_rate.*received \(1, 0\)"),
        (lambda: Conv2D(4, 3, padding="full"), r"padding: expected one of 'valid', 'same'; received 'full'"),
        (lambda: Conv2D(4, 3, padding="causal"), r"padding: expected one of 'valid', 'same'; received 'causal'"),
        (lambda: Conv1D(4, 3, padding="full"), r"padding: expected one of 'valid', 'same', 'causal'"),
        (lambda: Conv2D(4, 3, data_format="NHWC"), r"data_format: expected one of 'channels_last', 'channels_first'"),
        (lambda: Conv2D(4, 3, strides=2, dilation_rate=2), r"strides=\(2, 2\) with dilation_rate=\(2, 2\)"),
        (lambda: Conv2D(4, 3, groups=2), r"groups: expected 1"),
    ],
)
def test_bad_arguments_are_refused_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "layer, input_shape, message",
    [
        (lambda: Conv2D(4, 3), (None, 28, 28), r"expected inputs of rank 4.*received shape \(None, 28, 28\)"),
        (lambda: Conv1D(4, 3), (None, 28, 28, 1), r"expected inputs of rank 3"),
        (lambda: Conv2D(4, 5), (None, 3, 9, 1), r"kernel_size=\(5, 5\).*larger than the input's spatial size \(3, 9\)"),
        (lambda: Conv2D(4, 3, dilation_rate=3), (None, 6, 6, 1), r"dilation_rate=\(3, 3\) is larger"),
        (
            lambda: Conv1D(4, 4, data_format="channels_first"),
            (None, 8, 3),
            r"larger than the input's spatial size \(3,\)",
        ),
    ],
)
def test_bad_input_shapes_are_refused_at_build_before_any_weight_exists(layer, input_shape, message):
    layer = layer()
    with pytest.raises(ValueError, match=message):
        layer.build(input_shape)
    assert not layer.built and layer.params == {}


def test_a_kernel_larger_than_the_input_is_fine_with_same_padding():
    assert Conv2D(2, 5, padding="same")(np.ones((1, 3, 3, 1))).shape == (1, 3, 3, 2)


def test_a_model_refuses_a_conv_layer_that_does_not_fit_and_keeps_its_weights():
    model = Sequential([Input(shape=(4, 4, 1)), Conv2D(2, 3)])
    before = model.get_weights()
    with pytest.raises(ValueError, match="larger than the input"):
        model.add(Conv2D(2, 3))
    assert len(model.layers) == 1
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


# -- GPU -----------------------------------------------------------------------------------
@pytest.mark.gpu
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv2d_on_the_gpu_matches_the_direct_convolution_and_its_gradients(float64, padding):
    rng = np.random.default_rng(12)
    layer = Conv2D(3, 3, strides=(2, 1), padding=padding, bias_initializer="random_normal")
    inputs = rng.standard_normal((2, 7, 6, 2))
    kernel, bias = (layer.build((None, 7, 6, 2)), layer.get_weights())[1]
    expected = direct_convolution(inputs, kernel, bias, (2, 1), padding, (1, 1))
    np.testing.assert_allclose(backend.to_numpy(layer(inputs)), expected, atol=1e-12)
    check_layer(layer, inputs, rng)
