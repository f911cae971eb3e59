"""BatchNormalization: outputs and moving statistics against the published formulas and
real Keras 3, gradients against float64 central differences, which weights the optimizer
trains, training on MNIST, files (kerasette's and Keras's ``.weights.h5``) and refusals.

Keras's values come from ``tests/fixtures/make_batch_normalization_fixtures.py`` (Keras
3.15, ``KERAS_BACKEND=torch``). Keras casts BatchNormalization's inputs to float32 even
under floatx float64, so its values hold to float32 precision; a wrong epsilon, momentum
or an unbiased variance is off by far more (1e-4 and beyond).
"""

import json
import pathlib

import numpy as np
import pytest
from data_helpers import require_dataset

import kerasette
from kerasette import Sequential, backend, layers, utils
from kerasette.datasets import mnist
from kerasette.layers import BatchNormalization, Dense
from kerasette.models import load_model
from kerasette.ops import tape
from tests.gradient_check import assert_gradient_close, forward, layer_gradients, numeric_gradient

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
KERAS = json.loads((FIXTURES / "keras_batch_normalization.json").read_text())
CASES = ("features", "channels_last", "channels_first")


def host(array):
    return backend.to_numpy(array)


def device(array):
    return backend.to_device(np.asarray(array, dtype="float64"), "float64")


def by_hand(inputs, axis, gamma, beta, mean, variance, epsilon):
    """The published formula: gamma * (x - mean) / sqrt(variance + epsilon) + beta, per channel."""
    shape = [1] * inputs.ndim
    shape[axis] = -1
    return (inputs - mean.reshape(shape)) / np.sqrt(variance.reshape(shape) + epsilon) * gamma.reshape(
        shape
    ) + beta.reshape(shape)


def layer_for(case):
    golden = KERAS[case]
    inputs = np.array(golden["inputs"])
    layer = BatchNormalization(axis=golden["axis"], momentum=golden["momentum"], epsilon=golden["epsilon"])
    layer.build((None,) + inputs.shape[1:])
    layer.set_weights([np.array(w) for w in golden["weights"]])
    return layer, inputs, golden


# -- outputs and moving statistics -------------------------------------------------------------
@pytest.mark.parametrize("case", CASES)
def test_training_and_inference_follow_the_published_formulas(float64, case):
    layer, inputs, golden = layer_for(case)
    axis = golden["axis"] % inputs.ndim
    reduced = tuple(d for d in range(inputs.ndim) if d != axis)
    gamma, beta, moving_mean, moving_variance = (np.array(w) for w in golden["weights"])
    batch_mean, batch_variance = inputs.mean(axis=reduced), inputs.var(axis=reduced)  # biased, as Keras
    momentum, epsilon = golden["momentum"], golden["epsilon"]

    training = host(layer(inputs, training=True))
    np.testing.assert_allclose(training, by_hand(inputs, axis, gamma, beta, batch_mean, batch_variance, epsilon), 1e-12)
    new_mean = moving_mean * momentum + batch_mean * (1 - momentum)
    new_variance = moving_variance * momentum + batch_variance * (1 - momentum)
    np.testing.assert_allclose(host(layer.params["moving_mean"]), new_mean, rtol=1e-13)
    np.testing.assert_allclose(host(layer.params["moving_variance"]), new_variance, rtol=1e-13)

    statistics = [w.copy() for w in layer.get_weights()[2:]]
    inference = host(layer(inputs))
    np.testing.assert_allclose(inference, by_hand(inputs, axis, gamma, beta, new_mean, new_variance, epsilon), 1e-12)
    for before, after in zip(statistics, layer.get_weights()[2:], strict=True):
        np.testing.assert_array_equal(before, after)  # inference changes nothing


@pytest.mark.parametrize("case", CASES)
def test_training_and_inference_match_keras(float64, case):
    layer, inputs, golden = layer_for(case)
    np.testing.assert_allclose(host(layer(inputs, training=True)), golden["training_outputs"], rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(host(layer.params["moving_mean"]), golden["moving_mean"], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(host(layer.params["moving_variance"]), golden["moving_variance"], rtol=1e-6)
    np.testing.assert_allclose(host(layer(inputs)), golden["inference_outputs"], rtol=1e-5, atol=2e-6)


def test_frozen_layer_normalizes_with_moving_statistics_and_keeps_them(float64):
    """As Keras: ``trainable=False`` means inference mode, even with ``training=True``."""
    layer, inputs, golden = layer_for("channels_first")
    layer.trainable = False
    before = layer.get_weights()
    frozen = host(layer(inputs, training=True))
    np.testing.assert_allclose(frozen, by_hand(inputs, 1, *before, golden["epsilon"]), rtol=1e-12)
    for old, new in zip(before, layer.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


def test_center_and_scale_false_leave_out_beta_and_gamma(float64):
    inputs = np.random.default_rng(1).normal(3.0, 2.0, size=(8, 3))
    layer = BatchNormalization(center=False, scale=False, epsilon=0.5)
    outputs = host(layer(inputs, training=True))
    np.testing.assert_allclose(outputs, (inputs - inputs.mean(0)) / np.sqrt(inputs.var(0) + 0.5), rtol=1e-12)
    assert list(layer.params) == ["moving_mean", "moving_variance"] and layer.trainable_weights == []
    assert BatchNormalization(center=False).count_params() == 0  # unbuilt
    only_scale = BatchNormalization(center=False)
    only_scale.build((None, 3))
    assert list(only_scale.params) == ["gamma", "moving_mean", "moving_variance"]


# -- gradients --------------------------------------------------------------------------------------
GRADIENT_CASES = {
    "2d": ((5, 3), -1, {}),
    "4d-channels_last": ((3, 2, 3, 4), -1, {}),
    "4d-channels_last-wide-rows": ((8, 4, 4, 2), -1, {}),  # viewed as (1, 256 * 2)
    "4d-channels_first": ((3, 4, 2, 3), 1, {}),
    "3d-middle-axis": ((2, 3, 4), -2, {}),
    "no-center": ((5, 3), -1, {"center": False}),
    "no-scale": ((3, 2, 2, 3), 1, {"scale": False, "epsilon": 0.1}),
}


def check_batch_normalization(layer, inputs, rng, training):
    """d sum(outputs * projection) / d inputs, gamma and beta (the statistics get none)."""
    inputs = device(inputs)
    if not layer.built:
        layer.build((None,) + tuple(inputs.shape[1:]))
    projection = device(rng.standard_normal(inputs.shape))

    def scalar():
        return float((forward(layer, inputs, training=training) * projection).sum())

    trained = [name for name in ("gamma", "beta") if name in layer.params]
    # gamma and beta are watched even when the layer is frozen (their gradients exist all the same).
    watched = {name: layer.params[name] for name in trained}
    analytic, grads = layer_gradients(layer, inputs, projection, training, watched)
    analytic, grads = host(analytic).copy(), {name: host(grad).copy() for name, grad in grads.items()}
    assert_gradient_close(analytic, numeric_gradient(scalar, inputs))
    assert sorted(grads) == sorted(trained)
    for name in trained:
        assert_gradient_close(grads[name], numeric_gradient(scalar, layer.params[name]))
    # The statistics are never differentiated: a tape watching what the call reads gives them none.
    statistics = [layer.params["moving_mean"], layer.params["moving_variance"]]
    with kerasette.GradientTape() as gradient_tape:
        watched = tape.Tensor(inputs)
        gradient_tape.watch(watched)
        outputs = layer(watched, training=training)
    assert gradient_tape.gradient(outputs, statistics, output_gradients=[projection]) == [None, None]


@pytest.mark.parametrize("mode", ["training", "inference", "frozen"])
@pytest.mark.parametrize("case", sorted(GRADIENT_CASES))
def test_gradients(float64, case, mode):
    shape, axis, kwargs = GRADIENT_CASES[case]
    rng = np.random.default_rng(2)
    layer = BatchNormalization(axis=axis, beta_initializer="random_normal", gamma_initializer="random_normal", **kwargs)
    layer.build((None,) + shape[1:])
    channels = shape[axis]
    layer.params["moving_mean"].assign(device(rng.normal(size=channels)))
    layer.params["moving_variance"].assign(device(rng.uniform(0.5, 2.0, size=channels)))
    if mode == "frozen":
        layer.trainable = False
    check_batch_normalization(layer, rng.normal(1.0, 2.0, size=shape), rng, training=mode != "inference")


def test_input_gradient_of_training_mode_sums_to_zero_per_channel(float64):
    """The batch mean removes any per-channel shift, so the input gradient has none."""
    rng = np.random.default_rng(3)
    layer = BatchNormalization(axis=1)
    layer.build((None, 3, 5, 5))
    grad, _ = layer_gradients(
        layer, device(rng.standard_normal((4, 3, 5, 5))), device(rng.standard_normal((4, 3, 5, 5))), weights={}
    )
    grad = host(grad)
    np.testing.assert_allclose(grad.sum(axis=(0, 2, 3)), 0, atol=1e-12)


# -- weights, training, summary -------------------------------------------------------------------
def test_weights_in_keras_order_and_only_gamma_beta_trainable():
    layer = BatchNormalization()
    layer.build((None, 8, 8, 64))
    names = list(layer.params)
    assert names == ["gamma", "beta", "moving_mean", "moving_variance"]
    weights = layer.weights
    assert [id(w) for w in layer.trainable_weights] == [id(w) for w in weights[:2]]
    assert [id(w) for w in layer.non_trainable_weights] == [id(w) for w in weights[2:]]
    assert layer.count_params() == 256
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4


def test_summary_counts_moving_statistics_as_non_trainable():
    model = Sequential([layers.Input(shape=(8, 8, 64)), BatchNormalization()])
    lines = []
    model.summary(print_fn=lines.append)
    from summary_models import summary_rows

    [row] = summary_rows(lines)
    assert row[0].endswith("(BatchNormalization)") and row[1:] == ["(None, 8, 8, 64)", "256"]
    assert lines[-3:] == [
        " Total params: 256 (1.00 KB)",
        " Trainable params: 128 (512.00 B)",
        " Non-trainable params: 128 (512.00 B)",
    ]


def test_fit_updates_gamma_beta_by_optimizer_and_statistics_by_momentum():
    rng = np.random.default_rng(4)
    x = rng.normal(2.0, 3.0, size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 2)).astype("float32")
    first = Dense(3, kernel_initializer="ones", bias_initializer="ones")
    norm = BatchNormalization(momentum=0.9)
    model = Sequential([layers.Input(shape=(4,)), first, norm, Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    assert len(model.training_plan().variables) == 6  # 2 Dense x (kernel, bias) + gamma + beta
    batch = x @ np.ones((4, 3), dtype="float32") + 1  # what the normalization layer sees
    model.train_on_batch(x, y)
    np.testing.assert_allclose(host(norm.params["moving_mean"]), 0.1 * batch.mean(0), rtol=1e-5)
    np.testing.assert_allclose(host(norm.params["moving_variance"]), 0.9 + 0.1 * batch.var(0), rtol=1e-5)
    assert not np.array_equal(host(norm.params["gamma"]), np.ones(3))  # SGD moved it

    norm.trainable = False
    model.compile(optimizer="sgd", loss="mse")
    before = norm.get_weights()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    for old, new in zip(before, norm.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


def test_dense_batch_normalization_trains_on_mnist_and_survives_save_and_load(tmp_path):
    (x_train, y_train), (x_test, y_test) = require_dataset(mnist.load_data)
    x_train = x_train[:12000].reshape(-1, 784).astype("float32") / 255
    x_test = x_test.reshape(-1, 784).astype("float32") / 255
    utils.set_random_seed(0)
    model = Sequential(
        [
            layers.Input(shape=(784,)),
            Dense(128, use_bias=False),
            BatchNormalization(),
            layers.Activation("relu"),
            Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train[:12000], batch_size=128, epochs=2, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    # About 0.93 (the same model without BatchNormalization: about 0.918); evaluation
    # runs on the moving statistics, so broken ones fail here.
    assert accuracy >= 0.92
    norm = model.layers[1]
    moving_mean, moving_variance = norm.get_weights()[2:]
    assert np.abs(moving_mean).max() > 0.05 and np.abs(moving_variance - 1).max() > 0.05  # statistics were learned

    path = tmp_path / "bn.h5"
    model.save(path)
    restored = load_model(path)
    for saved, loaded in zip(model.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(saved, loaded)
    np.testing.assert_array_equal(restored.predict(x_test, verbose=0), model.predict(x_test, verbose=0))
    assert len(restored.trainable_weights) == 5 and len(restored.non_trainable_weights) == 2
    weights_path = tmp_path / "bn.weights.h5"
    model.save_weights(weights_path)
    fresh = Sequential.from_config(model.get_config())
    fresh.load_weights(weights_path)
    np.testing.assert_array_equal(fresh.predict(x_test, verbose=0), model.predict(x_test, verbose=0))


def test_keras_weights_file_loads_with_moving_statistics():
    """A Keras 3 ``save_weights`` file of a model of this family predicts as Keras did."""
    model = Sequential(
        [
            layers.Input(shape=(6, 6, 2)),
            layers.ZeroPadding2D(((1, 0), (0, 2))),
            BatchNormalization(momentum=0.8),
            layers.Reshape((8, 7, 2)),
            BatchNormalization(axis=1, momentum=0.7),
            layers.GlobalAveragePooling2D(),
            Dense(4, activation="softmax"),
        ]
    )
    model.load_weights(FIXTURES / "keras_bn_model.weights.h5")
    moving_variance = model.layers[1].get_weights()[3]
    assert np.abs(moving_variance - 1).max() > 0.1  # trained statistics, not the initial ones
    inputs = np.load(FIXTURES / "keras_bn_model_inputs.npy")
    expected = np.load(FIXTURES / "keras_bn_model_predictions.npy")
    np.testing.assert_allclose(model.predict(inputs, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_legacy_keras_h5_model_loads_with_its_layers_and_statistics():
    """``model.save('m.h5')`` by Keras 3: the layers rebuilt from the config, weights in Keras's order."""
    model = load_model(FIXTURES / "keras_bn_model_legacy.h5", compile=False)
    names = [type(layer).__name__ for layer in model.layers]
    assert names == [
        "ZeroPadding2D",
        "BatchNormalization",
        "Reshape",
        "BatchNormalization",
        "GlobalAveragePooling2D",
        "Dense",
    ]
    norm = model.layers[3]
    assert (norm.axis, norm.momentum, norm.epsilon) == (1, 0.7, 1e-3) and model.layers[0].padding == ((1, 0), (0, 2))
    inputs = np.load(FIXTURES / "keras_bn_model_inputs.npy")
    expected = np.load(FIXTURES / "keras_bn_model_predictions.npy")
    np.testing.assert_allclose(model.predict(inputs, verbose=0), expected, rtol=1e-5, atol=1e-6)


# -- configuration and refusals -----------------------------------------------------------------------
def test_config_round_trip_and_keras_defaults():
    layer = BatchNormalization()
    assert (layer.axis, layer.momentum, layer.epsilon, layer.center, layer.scale) == (-1, 0.99, 1e-3, True, True)
    config = BatchNormalization(axis=1, momentum=0.9, epsilon=0.01, gamma_initializer="random_normal").get_config()
    rebuilt = layers.deserialize({"class_name": "BatchNormalization", "config": config})
    assert isinstance(rebuilt, BatchNormalization) and rebuilt.get_config() == config
    assert config["moving_variance_initializer"] == {"class_name": "Ones", "config": {}}


@pytest.mark.parametrize(
    "call, error, text",
    [
        (
            lambda: BatchNormalization(momentum=1.5),
            ValueError,
            r"momentum: expected a number in \[0, 1\]; received 1.5",
        ),
        (lambda: BatchNormalization(momentum=-0.1), ValueError, "momentum.*received -0.1"),
        (lambda: BatchNormalization(epsilon=0), ValueError, "epsilon: expected a positive finite number; received 0"),
        (lambda: BatchNormalization(epsilon=-1e-3), ValueError, "epsilon.*received -0.001"),
        (lambda: BatchNormalization(axis="channels"), TypeError, "axis.*'channels'"),
        (lambda: BatchNormalization(center="no"), TypeError, "center.*'no'"),
        (lambda: BatchNormalization(gamma_regularizer="l3"), ValueError, "regularizer: unknown name 'l3'"),
        (lambda: BatchNormalization(renorm=True), ValueError, "renorm.*only False"),
        (lambda: BatchNormalization(axis=0).build((None, 3)), ValueError, "axis 0 must name a channel axis"),
        (lambda: BatchNormalization(axis=4).build((None, 3, 3, 2)), ValueError, r"axis 4 .*\(None, 3, 3, 2\)"),
        (lambda: BatchNormalization().build((None,)), ValueError, "channel axis"),
        (
            lambda: BatchNormalization().build((None, 4, 0)),
            ValueError,
            r"sizes .* positive; received shape \(None, 4, 0\)",
        ),
        (lambda: BatchNormalization()(np.ones((0, 3)), training=True), ValueError, "at least one sample"),
    ],
)
def test_bad_arguments_are_refused(call, error, text):
    with pytest.raises(error, match=text):
        call()


def test_wrong_inputs_are_refused_before_the_statistics_change():
    layer = BatchNormalization()
    layer(np.ones((2, 3)), training=True)
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r"built for inputs of shape \(None, 3\); received \(2, 4\)"):
        layer(np.ones((2, 4)), training=True)
    with pytest.raises(ValueError, match="weight 2 has shape"):
        layer.set_weights([np.ones(3), np.ones(3), np.ones(4), np.ones(3)])
    for old, new in zip(before, layer.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


@pytest.mark.gpu
@pytest.mark.parametrize("case", CASES)
def test_gpu_matches_the_formulas(case):
    """On the CuPy backend: forward, statistics and input gradient against host NumPy."""
    layer, inputs, golden = layer_for(case)
    axis = golden["axis"] % inputs.ndim
    reduced = tuple(d for d in range(inputs.ndim) if d != axis)
    gamma, beta, moving_mean, moving_variance = (np.array(w) for w in golden["weights"])
    x = backend.to_device(inputs.astype("float32"), "float32")
    outputs = host(forward(layer, x, training=True))
    mean, variance = inputs.mean(axis=reduced), inputs.var(axis=reduced)
    np.testing.assert_allclose(outputs, by_hand(inputs, axis, gamma, beta, mean, variance, golden["epsilon"]), 1e-4)
    momentum = golden["momentum"]
    np.testing.assert_allclose(host(layer.params["moving_mean"]), moving_mean * momentum + mean * (1 - momentum), 1e-5)
    ones = backend.to_device(np.ones(inputs.shape, "float32"), "float32")
    grad = host(layer_gradients(layer, x, ones, weights={})[0])
    np.testing.assert_allclose(grad, 0, atol=1e-4)  # a constant upstream gradient is removed by the batch mean


# -- masks ------------------------------------------------------------------------------------------
MASKED = np.load(FIXTURES / "keras_masked_batch_normalization.npz")
MASKED_CASES = {"default": {}, "momentum_no_center": {"momentum": 0.5, "center": False}, "axis_1": {"axis": 1}}


@pytest.mark.parametrize("case", sorted(MASKED_CASES))
def test_a_mask_weighs_the_batch_statistics_as_keras(case):
    """Keras 3.15 (tests/fixtures/make_masked_batch_normalization_fixtures.py): training with
    a mask normalizes every position with the unmasked positions' mean and variance, and
    the moving statistics follow those."""
    layer = BatchNormalization(**MASKED_CASES[case])
    layer.build(MASKED["inputs"].shape)
    layer.set_weights([MASKED[f"{case}/before_{index}"] for index in range(len(layer.weights))])
    outputs = layer(MASKED["inputs"], training=True, mask=MASKED["mask"])
    np.testing.assert_allclose(host(outputs), MASKED[f"{case}/outputs"], atol=1e-5, rtol=1e-5)
    for index, weight in enumerate(layer.get_weights()):
        np.testing.assert_allclose(weight, MASKED[f"{case}/after_{index}"], atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("axis", [-1, 1])
def test_masked_batch_statistics_gradients(float64, axis):
    rng = np.random.default_rng(4)
    layer = BatchNormalization(axis=axis, beta_initializer="random_normal", gamma_initializer="random_normal")
    inputs = device(rng.normal(1.0, 2.0, size=(3, 4, 5)))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0], [1, 0, 1, 0]], dtype=bool)
    projection = device(rng.standard_normal((3, 4, 5)))
    layer(inputs, training=True, mask=mask)

    def scalar():
        return float(host(layer(inputs, training=True, mask=mask) * projection).sum())

    watched = tape.Tensor(inputs)
    with kerasette.GradientTape() as gradient_tape:
        gradient_tape.watch([watched, layer.params["gamma"], layer.params["beta"]])
        outputs = layer(watched, training=True, mask=mask)
    grads = gradient_tape.gradient(
        outputs, [watched, layer.params["gamma"], layer.params["beta"]], output_gradients=[projection]
    )
    assert_gradient_close(grads[0], numeric_gradient(scalar, inputs))
    assert_gradient_close(grads[1], numeric_gradient(scalar, layer.params["gamma"]))
    assert_gradient_close(grads[2], numeric_gradient(scalar, layer.params["beta"]))


def test_a_mask_passes_through_and_a_wrong_one_is_refused():
    from kerasette.graph.masks import get_keras_mask

    embedded = layers.Embedding(10, 4, mask_zero=True)(np.array([[1, 2, 0], [3, 0, 0]]))
    normalized = BatchNormalization()(embedded, training=True)
    np.testing.assert_array_equal(host(get_keras_mask(normalized)), [[True, True, False], [True, False, False]])
    with pytest.raises(ValueError, match=r"mask must have shape \(2, 3\).*received a mask of shape \(2, 3, 4\)"):
        BatchNormalization()(np.ones((2, 3, 4)), training=True, mask=np.ones((2, 3, 4), dtype=bool))
