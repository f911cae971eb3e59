"""Reshape, ZeroPadding2D, GlobalAveragePooling2D and GlobalMaxPooling2D: outputs against
NumPy, gradients against float64 central differences, both data formats, summaries
against Keras 3 (``tests/fixtures/make_batch_normalization_fixtures.py``), configs and
refusals."""

import json
import pathlib
import re

import numpy as np
import pytest

from kerasette import Sequential, backend, layers
from kerasette.layers import (
    BatchNormalization,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    Reshape,
    ZeroPadding2D,
)
from tests.gradient_check import check_layer, forward, layer_gradients

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
KERAS_SUMMARY = json.loads((FIXTURES / "keras_batch_normalization.json").read_text())["summary"]
FORMATS = ("channels_last", "channels_first")


def host(array):
    return backend.to_numpy(array)


def device(array):
    return backend.to_device(np.asarray(array, dtype="float64"), "float64")


def images(rng, data_format, batch=2, rows=4, cols=3, channels=2):
    shape = (batch, rows, cols, channels) if data_format == "channels_last" else (batch, channels, rows, cols)
    return rng.standard_normal(shape)


# -- Reshape ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target, expected", [((3, 8), (3, 8)), ((-1, 4), (6, 4)), ((2, -1, 3), (2, 4, 3)), (24, (24,))]
)
def test_reshape_matches_numpy(target, expected):
    inputs = np.arange(48.0).reshape(2, 4, 6)
    layer = Reshape(target)
    outputs = host(layer(inputs))
    assert layer.output_shape == (None,) + expected
    np.testing.assert_array_equal(outputs, inputs.reshape((2,) + expected))


def test_reshape_gradient(float64):
    rng = np.random.default_rng(0)
    grad, _ = check_layer(Reshape((-1, 2)), rng.standard_normal((3, 4, 3)), rng)
    assert grad.shape == (3, 4, 3)


# -- ZeroPadding2D -------------------------------------------------------------------------------------
PADDINGS = {
    "int": (2, ((2, 2), (2, 2))),
    "pair": ((1, 3), ((1, 1), (3, 3))),
    "pairs": (((1, 0), (0, 2)), ((1, 0), (0, 2))),
    "none": (0, ((0, 0), (0, 0))),
}


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("padding", sorted(PADDINGS))
def test_zero_padding_matches_numpy_pad(data_format, padding):
    argument, pairs = PADDINGS[padding]
    rng = np.random.default_rng(1)
    layer = ZeroPadding2D(argument, data_format=data_format)
    assert layer.padding == pairs
    inputs = images(rng, data_format).astype("float32")
    spatial = [(0, 0), *pairs, (0, 0)] if data_format == "channels_last" else [(0, 0), (0, 0), *pairs]
    expected = np.pad(inputs, spatial)
    np.testing.assert_array_equal(host(layer(inputs)), expected)
    assert layer.output_shape == (None,) + expected.shape[1:]
    # The buffer is reused: a second, different batch must leave a clean zero border.
    second = images(rng, data_format, batch=2).astype("float32")
    np.testing.assert_array_equal(host(layer(second)), np.pad(second, spatial))


@pytest.mark.parametrize("data_format", FORMATS)
def test_zero_padding_gradient(float64, data_format):
    rng = np.random.default_rng(2)
    layer = ZeroPadding2D(((1, 2), (0, 1)), data_format=data_format)
    grad, _ = check_layer(layer, images(rng, data_format), rng)
    assert grad.shape == images(rng, data_format).shape


# -- global pooling ---------------------------------------------------------------------------------
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("layer_class, reduce", [(GlobalAveragePooling2D, np.mean), (GlobalMaxPooling2D, np.max)])
def test_global_pooling_matches_numpy(layer_class, reduce, data_format, keepdims):
    inputs = images(np.random.default_rng(3), data_format, batch=3)
    axes = (1, 2) if data_format == "channels_last" else (2, 3)
    layer = layer_class(data_format=data_format, keepdims=keepdims)
    expected = reduce(inputs, axis=axes, keepdims=keepdims)
    np.testing.assert_allclose(host(layer(inputs)), expected, rtol=1e-6)
    assert layer.output_shape == (None,) + expected.shape[1:]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("layer_class", [GlobalAveragePooling2D, GlobalMaxPooling2D])
def test_global_pooling_gradient(float64, layer_class, data_format, keepdims):
    rng = np.random.default_rng(4)
    grad, _ = check_layer(layer_class(data_format=data_format, keepdims=keepdims), images(rng, data_format), rng)
    if layer_class is GlobalMaxPooling2D:  # one position per image and channel gets it all
        axes = (1, 2) if data_format == "channels_last" else (2, 3)
        assert ((grad != 0).sum(axis=axes) == 1).all()


def test_global_max_pooling_splits_the_gradient_among_ties(float64):
    inputs = np.array([[[[1.0], [3.0]], [[3.0], [0.0]]]])  # (1, 2, 2, 1): two maxima
    layer = GlobalMaxPooling2D()
    layer.build((None, 2, 2, 1))
    grad = host(layer_gradients(layer, device(inputs), device([[4.0]]))[0])
    np.testing.assert_array_equal(grad[0, :, :, 0], [[0.0, 2.0], [2.0, 0.0]])


# -- models, summaries, configs ---------------------------------------------------------------------
def summary_model():
    return Sequential(
        [
            layers.Input(shape=(28, 28)),
            Reshape((28, 28, 1)),
            ZeroPadding2D(2),
            BatchNormalization(),
            Reshape((-1, 64)),
            BatchNormalization(axis=1),
            Reshape((16, 8, 8)),
            GlobalMaxPooling2D(keepdims=True),
            GlobalAveragePooling2D(data_format="channels_first"),
            BatchNormalization(),
        ]
    )


def test_summary_shapes_and_parameter_counts_match_keras():
    model = summary_model()
    rows = [[type(layer).__name__, list(layer.output_shape), layer.count_params()] for layer in model.layers]
    assert rows == KERAS_SUMMARY["rows"]
    lines = []
    model.summary(print_fn=lines.append)
    total, trainable = KERAS_SUMMARY["total"], KERAS_SUMMARY["trainable"]
    counts = [line.split(" (")[0] for line in lines[-3:]]
    assert counts == [
        f" Total params: {total:,}",
        f" Trainable params: {trainable:,}",
        f" Non-trainable params: {total - trainable:,}",
    ]
    # Keras's default names: zero_padding2d, global_max_pooling2d (a counter suffix after the first).
    for layer, base in zip(model.layers[1:], ["zero_padding2d", "batch_normalization"]):
        assert re.fullmatch(rf"{base}(_\d+)?", layer.name), layer.name
    assert re.fullmatch(r"global_max_pooling2d(_\d+)?", model.layers[6].name)


def test_model_of_every_layer_trains_saves_and_loads(tmp_path):
    from kerasette.models import load_model

    rng = np.random.default_rng(5)
    x, y = rng.uniform(0, 1, size=(64, 28, 28)), rng.integers(0, 10, size=64)
    model = Sequential([*summary_model().layers, layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    path = tmp_path / "shapes.h5"
    model.save(path)
    restored = load_model(path)
    assert [layer.get_config() for layer in restored.layers] == [layer.get_config() for layer in model.layers]
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize(
    "layer",
    [
        Reshape((2, -1)),
        ZeroPadding2D(((1, 2), (3, 4)), data_format="channels_first"),
        GlobalAveragePooling2D(keepdims=True),
        GlobalMaxPooling2D(data_format="channels_first"),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip(layer):
    config = layer.get_config()
    rebuilt = layers.deserialize({"class_name": type(layer).__name__, "config": config})
    assert type(rebuilt) is type(layer) and rebuilt.get_config() == config


def test_keras_defaults():
    assert ZeroPadding2D().padding == ((1, 1), (1, 1)) and ZeroPadding2D().data_format == "channels_last"
    assert ZeroPadding2D(data_format=None).data_format == "channels_last"
    pooling = GlobalAveragePooling2D()
    assert (pooling.data_format, pooling.keepdims) == ("channels_last", False)


# -- refusals ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda: Reshape((2, -1, -1)), ValueError, r"target_shape: .*at most one -1.*\(2, -1, -1\)"),
        (lambda: Reshape((0, 4)), ValueError, r"target_shape.*received \(0, 4\)"),
        (lambda: Reshape((-2, 4)), ValueError, r"target_shape.*received \(-2, 4\)"),
        (lambda: Reshape(()), ValueError, r"target_shape.*received \(\)"),
        (lambda: Reshape("3x4"), TypeError, "target_shape: expected a tuple of integers; received '3x4'"),
        (lambda: Reshape((2.5, 4)), TypeError, "target_shape.*2.5"),
        (lambda: Reshape((5, 5))(np.ones((2, 24))), ValueError, r"\(5, 5\) cannot hold the 24 values.*product is 24"),
        (lambda: Reshape((5, -1))(np.ones((2, 24))), ValueError, r"\(5, -1\) cannot hold the 24 values"),
        (lambda: ZeroPadding2D(-1), ValueError, "padding: expected sizes >= 0; received -1"),
        (lambda: ZeroPadding2D(((1, -2), (0, 0))), ValueError, r"padding.*received \(\(1, -2\), \(0, 0\)\)"),
        (lambda: ZeroPadding2D((1, 2, 3)), TypeError, r"padding: expected an int.*received \(1, 2, 3\)"),
        (lambda: ZeroPadding2D(1.5), TypeError, "padding.*1.5"),
        (lambda: ZeroPadding2D(data_format="NHWC"), ValueError, "data_format: expected 'channels_last' or "),
        (lambda: ZeroPadding2D()(np.ones((2, 3, 3))), ValueError, r"expected inputs of rank 4.*\(None, 3, 3\)"),
        (
            lambda: GlobalAveragePooling2D()(np.ones((2, 0, 3, 1))),
            ValueError,
            r"positive; received shape \(None, 0, 3, 1\)",
        ),
        (lambda: ZeroPadding2D()(np.ones((2, 3, 3, 0))), ValueError, "positive"),
        (lambda: Reshape((-1,))(np.ones((2, 0))), ValueError, r"Reshape layer .*positive"),
        (lambda: GlobalAveragePooling2D(data_format="nchw"), ValueError, "data_format.*received 'nchw'"),
        (lambda: GlobalMaxPooling2D(keepdims="yes"), TypeError, "keepdims.*'yes'"),
        (lambda: GlobalMaxPooling2D()(np.ones((2, 3))), ValueError, r"GlobalMaxPooling2D.*rank 4.*rank 2"),
        (
            lambda: GlobalAveragePooling2D(data_format="channels_first")(np.ones((2, 3, 4, 5, 6))),
            ValueError,
            r"\(batch, channels, rows, cols\); received shape \(None, 3, 4, 5, 6\)",
        ),
    ],
)
def test_bad_arguments_are_refused(call, error, text):
    with pytest.raises(error, match=text):
        call()


def test_mismatched_model_is_refused_when_built():
    with pytest.raises(ValueError, match=r"Reshape layer .*\(3, 3\) cannot hold the 4 values"):
        Sequential([layers.Input(shape=(6,)), layers.Dense(4), Reshape((3, 3))])
    model = Sequential([layers.Dense(4), Reshape((3, 3))])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"cannot hold the 4 values"):
        model.fit(np.ones((2, 6)), np.ones((2, 3, 3)), verbose=0)


@pytest.mark.gpu
@pytest.mark.parametrize("data_format", FORMATS)
def test_gpu_matches_numpy(data_format):
    """On the CuPy backend, forward and backward of each layer against host NumPy."""
    rng = np.random.default_rng(6)
    inputs = images(rng, data_format).astype("float32")
    axes = (1, 2) if data_format == "channels_last" else (2, 3)
    x = backend.to_device(inputs, "float32")
    padding = ZeroPadding2D(((1, 0), (2, 1)), data_format=data_format)
    padding.build((None,) + inputs.shape[1:])
    padded = host(forward(padding, x, training=True))
    spatial = [(0, 0), (1, 0), (2, 1), (0, 0)] if data_format == "channels_last" else [(0, 0), (0, 0), (1, 0), (2, 1)]
    np.testing.assert_array_equal(padded, np.pad(inputs, spatial))
    grad = layer_gradients(padding, x, backend.to_device(padded, "float32"))[0]
    np.testing.assert_array_equal(host(grad), inputs)
    for layer_class, reduce in [(GlobalAveragePooling2D, np.mean), (GlobalMaxPooling2D, np.max)]:
        layer = layer_class(data_format=data_format)
        layer.build((None,) + inputs.shape[1:])
        np.testing.assert_allclose(host(forward(layer, x, training=True)), reduce(inputs, axis=axes), rtol=1e-6)
        grad = host(layer_gradients(layer, x, backend.to_device(np.ones((2, 2), "float32"), "float32"))[0])
        np.testing.assert_allclose(grad.sum(axis=axes), np.ones((2, 2)), rtol=1e-6)


def test_summary_keeps_its_columns_for_long_layer_names():
    from kerasette import Input, Sequential
    from kerasette.layers import BatchNormalization, Dense, GlobalAveragePooling2D

    model = Sequential([Input((4, 4, 2)), BatchNormalization(), GlobalAveragePooling2D(), Dense(3)])
    lines = []
    model.summary(print_fn=lines.append)
    rows = [line for line in lines if "(None" in line]
    assert len(rows) == 3
    # Every output shape starts in the same column, after at least one space.
    starts = {row.index("(None") for row in rows}
    assert len(starts) == 1 and all(row[row.index("(None") - 1] == " " for row in rows)
