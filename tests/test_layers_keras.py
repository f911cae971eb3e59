"""The layers used with Dense stacks: ReLU, LeakyReLU, ELU, Rescaling, GaussianNoise,
LayerNormalization, Normalization and Embedding.

Outputs are compared with literals printed by ``tests/fixtures/make_activation_goldens.py``
with real Keras 3.15 (``KERAS_BACKEND=torch``, float64), statistics with NumPy, gradients
with float64 central differences; then configs, save/load round trips, summaries (Keras's
output shapes and parameter counts) and refusals of bad arguments.
"""

import numpy as np
import pytest

from kerasette import Sequential, backend, layers, utils
from kerasette.layers import (
    ELU,
    Dense,
    Embedding,
    GaussianNoise,
    LayerNormalization,
    LeakyReLU,
    Normalization,
    ReLU,
    Rescaling,
)
from kerasette.models import load_model
from tests.gradient_check import assert_gradient_close, check_layer, forward, layer_gradients, numeric_gradient

X = [-6.0, -3.0, -1.5, -0.5, -0.1, 0.0, 0.1, 0.5, 1.5, 3.0, 6.0]

# -- golden values from real Keras (tests/fixtures/make_activation_goldens.py) -----------------
# Printed by tests/fixtures/make_activation_goldens.py with Keras 3.15.1, KERAS_BACKEND=torch, float64.
KERAS_LAYER_OUTPUTS = {
    "ReLU()": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.5, 1.5, 3.0, 6.0],
    "ReLU(max_value=1.0, negative_slope=0.1, threshold=0.5)": [
        -0.65,
        -0.35000000000000003,
        -0.2,
        -0.1,
        -0.06,
        -0.05,
        -0.04000000000000001,
        0.0,
        1.0,
        1.0,
        1.0,
    ],
    "LeakyReLU()": [
        -1.7999999999999996,
        -0.8999999999999998,
        -0.4499999999999999,
        -0.15,
        -0.03,
        0.0,
        0.1,
        0.5,
        1.5,
        3.0,
        6.0,
    ],
    "ELU(alpha=0.7)": [
        -0.6982648734763335,
        -0.6651490521424952,
        -0.5438088878960992,
        -0.2754285382011566,
        -0.06661380737482829,
        0.0,
        0.1,
        0.5,
        1.5,
        3.0,
        6.0,
    ],
    "Rescaling(0.5, offset=-1.0)": [-4.0, -2.5, -1.75, -1.25, -1.05, -1.0, -0.95, -0.75, -0.25, 0.5, 2.0],
}
CUBE = [
    [[2.041, -2.556, 0.418, -0.568], [-0.453, -0.216, -2.02, -0.232], [-0.865, 3.323, 0.226, -0.353]],
    [[-0.281, -0.668, -1.055, -0.391], [0.482, -0.239, 0.958, -0.2], [0.024, 1.546, 0.545, -0.505]],
]
GAMMA = [1.392, 1.085, 0.971, 1.273]
BETA = [-0.244, 1.002, -0.886, -0.292]
KERAS_LAYER_NORM_LAST_AXIS = [
    [
        [1.601281523704529, -0.5552348494529724, -0.5452860593795776, -0.5991539359092712],
        [0.26977410912513733, 1.7447890043258665, -2.553194284439087, 0.5523785352706909],
        [-1.4812779426574707, 2.8273849487304688, -1.0986756086349487, -1.023345708847046],
    ],
    [
        [1.2281440496444702, 0.7519223093986512, -2.3605093955993652, 0.5882274508476257],
        [0.4009634256362915, -0.05929657444357872, 0.4879637360572815, -1.4379305839538574],
        [-0.9390121102333069, 2.6386401653289795, -0.7034753561019897, -1.815920352935791],
    ],
]
KERAS_LAYER_NORM_TWO_AXES = [
    [
        [1.389383316040039, -1.5874274969100954, 0.33840152621269226, -0.3000878095626831],
        [-0.22561897337436676, -0.0721484050154686, -1.24033784866333, -0.08250927925109863],
        [-0.49241167306900024, 2.2195489406585693, 0.21407094597816467, -0.16086344420909882],
    ],
    [
        [-0.3866211473941803, -0.88703054189682, -1.3874398469924927, -0.5288563966751099],
        [0.5999740362167358, -0.3323131501674652, 1.2154645919799805, -0.2818843424320221],
        [0.00775830028578639, 1.9757764339447021, 0.6814360022544861, -0.6762638092041016],
    ],
]
ADAPT_DATA = [
    [1.441, -0.839, 5.275],
    [1.335, -7.656, 8.064],
    [0.52, -5.337, 5.829],
    [1.35, -2.89, 1.771],
    [1.013, -2.105, 9.217],
    [1.374, -1.612, 8.335],
]
KERAS_NORMALIZATION = {
    "axis=-1": [
        [0.8350883285991406, 1.08564479719207, -0.4562703090393992],
        [0.5058160552023312, -1.796863706199689, 0.6598278274121877],
    ],
    "axis=None": [
        [0.01057471754891135, -0.49820184541395074, 0.8661226747417241],
        [-0.01307892967655507, -2.0193991391498414, 1.4884813739098919],
    ],
    "invert": [
        [1.6360563176969687, -5.390696401596069, 19.596780827204388],
        [1.6019325820902983, -21.512587783813476, 26.566168863932294],
    ],
    "given": [
        [0.22050000000000003, -5.678, 22749999.73414129],
        [0.16749999999999998, -19.311999999999998, 50639999.40821604],
    ],
}
KERAS_SUMMARY = [
    ("Embedding", (None, 5, 4), 40),
    ("LayerNormalization", (None, 5, 4), 8),
    ("Dense", (None, 5, 6), 30),
    ("ReLU", (None, 5, 6), 0),
    ("LeakyReLU", (None, 5, 6), 0),
    ("ELU", (None, 5, 6), 0),
    ("GaussianNoise", (None, 5, 6), 0),
    ("Rescaling", (None, 5, 6), 0),
    ("Normalization", (None, 5, 6), 13),
]
KERAS_SUMMARY_TOTALS = (91, 78)

LAYER_FACTORIES = {
    "ReLU()": lambda: ReLU(),
    "ReLU(max_value=1.0, negative_slope=0.1, threshold=0.5)": lambda: ReLU(
        max_value=1.0, negative_slope=0.1, threshold=0.5
    ),
    "LeakyReLU()": lambda: LeakyReLU(),
    "ELU(alpha=0.7)": lambda: ELU(alpha=0.7),
    "Rescaling(0.5, offset=-1.0)": lambda: Rescaling(0.5, offset=-1.0),
}


def host(array):
    return backend.to_numpy(array)


def device(array):
    return backend.to_device(np.asarray(array, dtype="float64"), "float64")


# -- outputs against Keras -------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(LAYER_FACTORIES))
def test_activation_and_rescaling_layers_match_keras(float64, name):
    result = host(LAYER_FACTORIES[name]()(np.array([X])))
    np.testing.assert_allclose(result[0], KERAS_LAYER_OUTPUTS[name], rtol=1e-12, atol=1e-15)


# Keras computes LayerNormalization and Normalization in float32 even under floatx float64
# (its outputs above carry float32 rounding, and its epsilon 1e-7 is float32's 1.0000000117e-7),
# so those comparisons hold to float32 precision; a wrong epsilon or formula is off by far more.
def test_layer_normalization_matches_keras(float64):
    layer = LayerNormalization()
    layer.build((None, 3, 4))
    layer.set_weights([np.array(GAMMA), np.array(BETA)])
    np.testing.assert_allclose(host(layer(np.array(CUBE))), KERAS_LAYER_NORM_LAST_AXIS, rtol=1e-5, atol=1e-6)
    two_axes = LayerNormalization(axis=[1, 2], epsilon=0.1, center=False)
    np.testing.assert_allclose(host(two_axes(np.array(CUBE))), KERAS_LAYER_NORM_TWO_AXES, rtol=1e-5, atol=1e-6)
    assert [name for name in two_axes.params] == ["gamma"] and two_axes.params["gamma"].shape == (3, 4)


@pytest.mark.parametrize("case", ["axis=-1", "axis=None", "invert"])
def test_normalization_adapt_matches_numpy_and_keras(float64, case):
    data = np.array(ADAPT_DATA)
    layer = {"axis=-1": Normalization(), "axis=None": Normalization(axis=None), "invert": Normalization(invert=True)}[
        case
    ]
    layer.adapt(data)
    reduce = None if case == "axis=None" else 0
    np.testing.assert_allclose(host(layer.params["mean"]), data.mean(axis=reduce), rtol=1e-14)
    np.testing.assert_allclose(host(layer.params["variance"]), data.var(axis=reduce), rtol=1e-14)
    assert float(layer.params["count"][0]) == (18 if case == "axis=None" else 6)
    np.testing.assert_allclose(host(layer(data[:2])), KERAS_NORMALIZATION[case], rtol=1e-6, atol=1e-6)


def test_normalization_with_given_mean_and_variance_matches_keras(float64):
    layer = Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 0.25, 0.0])
    data = np.array(ADAPT_DATA)
    np.testing.assert_allclose(host(layer(data[:2])), KERAS_NORMALIZATION["given"], rtol=1e-6, atol=1e-6)
    assert layer.weights == [] and layer.get_config()["mean"] == [1.0, 2.0, 3.0]


def test_normalization_with_keras_s_adapted_weights_runs():
    """Keras's adapt leaves ``count`` at 0, so its saved weights are (mean, variance, 0).

    Loaded as they are (set_weights here, load_weights from a Keras file), they must be
    used, not refused as "not adapted". Keras's output for the same weights: [[1, 0, -4]].
    """
    layer = Normalization()
    layer.build((None, 3))
    layer.set_weights([np.array([1.0, 2.0, 3.0]), np.array([4.0, 1.0, 0.25]), np.array([0.0])])
    np.testing.assert_allclose(host(layer(np.array([[3.0, 2.0, 1.0]]))), [[1.0, 0.0, -4.0]])


def test_normalization_adapts_over_batches_as_over_the_whole(float64):
    data = np.random.default_rng(0).normal(3.0, 2.0, size=(50, 4))
    whole, batched = Normalization(), Normalization()
    whole.adapt(data)
    batched.adapt(iter([data[:20], data[20:35], data[35:]]))
    for name in ("mean", "variance", "count"):
        np.testing.assert_allclose(host(batched.params[name]), host(whole.params[name]), rtol=1e-13)


def test_embedding_looks_up_rows_and_scatters_gradients(float64):
    layer = Embedding(5, 3, embeddings_initializer="random_normal")
    indices = np.array([[0, 4, 4], [2, 0, 4]])
    outputs = host(layer(indices))
    table = host(layer.params["embeddings"])
    np.testing.assert_array_equal(outputs, table[indices])
    rng = np.random.default_rng(1)
    projection = rng.standard_normal((2, 3, 3))
    grad_inputs, grads = layer_gradients(layer, backend.to_device(indices), device(projection))
    np.testing.assert_array_equal(host(grad_inputs), np.zeros((2, 3)))
    expected = np.zeros((5, 3))
    np.add.at(expected, indices.ravel(), projection.reshape(-1, 3))
    np.testing.assert_allclose(host(grads["embeddings"]), expected, rtol=1e-14)
    assert not expected[[1, 3]].any() and expected[4].any()  # unused rows get nothing, row 4 three parts

    inputs = device(indices)

    def scalar():
        return float((forward(layer, inputs) * device(projection)).sum())

    assert_gradient_close(host(grads["embeddings"]), numeric_gradient(scalar, layer.params["embeddings"]))


def test_embedding_default_initializer_is_keras_uniform():
    """Keras's 'uniform': RandomUniform(-0.05, 0.05)."""
    config = Embedding(1000, 20).get_config()["embeddings_initializer"]
    assert config == {"class_name": "RandomUniform", "config": {"minval": -0.05, "maxval": 0.05}}
    layer = Embedding(1000, 20)
    layer.build((None, 2))
    weights = layer.get_weights()[0]
    assert -0.05 <= weights.min() < -0.045 and 0.045 < weights.max() < 0.05


# -- gradients --------------------------------------------------------------------------------------
GRADIENT_LAYERS = {
    "ReLU()": lambda: ReLU(),
    "ReLU(6, 0.2, 0.3)": lambda: ReLU(max_value=6.0, negative_slope=0.2, threshold=0.3),
    "ReLU(max_value=0)": lambda: ReLU(max_value=0.0, negative_slope=0.4),
    "LeakyReLU()": lambda: LeakyReLU(),
    "ELU()": lambda: ELU(),
    "Rescaling": lambda: Rescaling(-2.5, offset=0.3),
    "LayerNormalization": lambda: LayerNormalization(
        beta_initializer="random_normal", gamma_initializer="random_normal"
    ),
    "LayerNormalization-no-center": lambda: LayerNormalization(center=False, gamma_initializer="random_normal"),
    "LayerNormalization-no-scale": lambda: LayerNormalization(scale=False, epsilon=0.5),
    "LayerNormalization-two-axes": lambda: LayerNormalization(axis=(-2, -1), gamma_initializer="random_normal"),
}


def kink_free(rng, shape):
    values = rng.uniform(-4, 8, size=shape)
    kinks = np.array([0.0, 0.3, 6.0])
    close = np.abs(values[..., None] - kinks).min(axis=-1) < 0.05
    values[close] += 0.1
    return values


@pytest.mark.parametrize("name", sorted(GRADIENT_LAYERS))
def test_layer_gradients(float64, name):
    rng = np.random.default_rng(2)
    shape = (3, 4, 5) if "two-axes" in name else (4, 5)
    check_layer(GRADIENT_LAYERS[name](), kink_free(rng, shape), rng)


@pytest.mark.parametrize("invert", [False, True])
def test_normalization_gradient(float64, invert):
    """Inputs only: the mean and variance are statistics, not trained, so they get no gradient."""
    rng = np.random.default_rng(3)
    layer = Normalization(axis=-1, invert=invert)
    layer.adapt(rng.normal(2.0, 3.0, size=(20, 5)))
    inputs = device(rng.standard_normal((4, 5)))
    projection = device(rng.standard_normal((4, 5)))

    def scalar():
        return float((forward(layer, inputs, training=True) * projection).sum())

    analytic, _ = layer_gradients(layer, inputs, projection, weights={})
    assert_gradient_close(host(analytic), numeric_gradient(scalar, inputs))


def test_gaussian_noise_adds_seeded_noise_in_training_only(float64):
    rng = np.random.default_rng(4)
    inputs = rng.standard_normal((500, 8))
    layer = GaussianNoise(0.3, seed=5)
    np.testing.assert_array_equal(host(layer(inputs)), inputs)
    noise = host(layer(inputs, training=True)) - inputs
    assert abs(noise.std() - 0.3) < 0.01 and abs(noise.mean()) < 0.01
    assert not np.array_equal(noise, host(layer(inputs, training=True)) - inputs)  # fresh noise each step
    again = GaussianNoise(0.3, seed=5)
    np.testing.assert_array_equal(host(again(inputs, training=True)) - inputs, noise)
    projection = rng.standard_normal((500, 8))
    grad_inputs, _ = layer_gradients(layer, device(inputs), device(projection))
    np.testing.assert_array_equal(host(grad_inputs), projection)


def test_normalization_weights_are_not_trained():
    rng = np.random.default_rng(6)
    x = rng.normal(5.0, 2.0, size=(64, 3)).astype("float32")
    y = (x.sum(axis=1) > 15).astype("float32")
    norm = Normalization()
    norm.adapt(x)
    model = Sequential([layers.Input(shape=(3,)), norm, Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    before = [w.copy() for w in norm.get_weights()]
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    for old, new in zip(before, norm.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert norm.trainable_weights == [] and len(norm.non_trainable_weights) == 3
    assert len(model.training_plan().variables) == 2


# -- configs, files, summaries --------------------------------------------------------------------
def all_new_layers():
    norm = Normalization()
    norm.adapt(np.random.default_rng(7).normal(1.0, 2.0, size=(30, 6)))
    return [
        layers.Input(shape=(5,)),
        Embedding(10, 4),
        LayerNormalization(beta_initializer="random_normal"),
        layers.Flatten(),
        Dense(6),
        ReLU(max_value=6.0),
        LeakyReLU(),
        ELU(alpha=0.5),
        GaussianNoise(0.1, seed=3),
        Rescaling(2.0, offset=0.5),
        norm,
        Dense(3, activation="gelu"),
        layers.Activation("selu"),
        Dense(3, activation="softmax"),
    ]


@pytest.mark.parametrize("index", range(1, 14))
def test_get_config_from_config_round_trip(index):
    layer = all_new_layers()[index]
    config = layer.get_config()
    rebuilt = type(layer).from_config(config)
    assert rebuilt.get_config() == config
    assert layers.deserialize({"class_name": type(layer).__name__, "config": config}).get_config() == config


def test_model_with_every_new_layer_saves_and_loads(tmp_path):
    utils.set_random_seed(8)
    model = Sequential(all_new_layers())
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(9)
    x, y = rng.integers(0, 10, size=(40, 5)), rng.integers(0, 3, size=40)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "model.h5"
    model.save(path)
    restored = load_model(path)
    assert [type(layer).__name__ for layer in restored.layers] == [type(layer).__name__ for layer in model.layers]
    for saved, loaded in zip(model.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(saved, loaded)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    norm = restored.layers[9]
    assert isinstance(norm, Normalization) and float(norm.get_weights()[2][0]) == 30  # adapted, and saved so


def test_summary_shapes_and_parameter_counts_match_keras():
    model = Sequential(
        [
            layers.Input(shape=(5,)),
            Embedding(10, 4),
            LayerNormalization(),
            Dense(6),
            ReLU(max_value=6.0),
            LeakyReLU(),
            ELU(),
            GaussianNoise(0.1),
            Rescaling(2.0),
            Normalization(),
        ]
    )
    lines = []
    model.summary(print_fn=lines.append)
    rows = [(type(layer).__name__, layer.output_shape, layer.count_params()) for layer in model.layers]
    assert rows == KERAS_SUMMARY
    from summary_models import summary_rows

    printed = [(row[0].rsplit(" (", 1)[1].rstrip(")"), row[1], row[2]) for row in summary_rows(lines)]
    assert printed == [(name, str(shape), f"{count:,}") for name, shape, count in KERAS_SUMMARY]
    total, trainable = KERAS_SUMMARY_TOTALS
    counts = [line.split(" (")[0] for line in lines[-3:]]
    assert counts == [
        f" Total params: {total:,}",
        f" Trainable params: {trainable:,}",
        f" Non-trainable params: {total - trainable:,}",
    ]


# -- bad input --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda: ELU(alpha=-1.0), ValueError, "alpha: expected a number >= 0; received -1.0"),
        (lambda: ReLU(max_value=-1.0), ValueError, "max_value.*received -1.0"),
        (lambda: ReLU(negative_slope=-0.5), ValueError, "negative_slope.*received -0.5"),
        (lambda: ReLU(threshold=-0.5), ValueError, "threshold.*received -0.5"),
        (lambda: LeakyReLU(negative_slope=-0.1), ValueError, "negative_slope.*received -0.1"),
        (lambda: LeakyReLU(negative_slope=None), ValueError, "negative_slope.*received None"),
        (lambda: Rescaling("2"), ValueError, "scale.*received '2'"),
        (lambda: Rescaling(1.0, offset=float("inf")), ValueError, "offset.*received inf"),
        (lambda: GaussianNoise(-0.1), ValueError, r"stddev: expected a number in \[0, 1\]; received -0.1"),
        (lambda: GaussianNoise(1.5), ValueError, "stddev.*received 1.5"),
        (lambda: GaussianNoise(0.1, seed=-1), ValueError, "seed.*-1"),
        (lambda: LayerNormalization(epsilon=0), ValueError, "epsilon.*received 0"),
        (lambda: LayerNormalization(axis="last"), TypeError, "axis.*'last'"),
        (lambda: LayerNormalization(center="yes"), TypeError, "center.*'yes'"),
        (lambda: LayerNormalization(beta_regularizer="l3"), ValueError, "regularizer: unknown name 'l3'"),
        (lambda: LayerNormalization(axis=0).build((None, 3)), ValueError, "axis 0 .*feature axes"),
        (lambda: Normalization(mean=[1.0]), ValueError, "mean, variance: expected both.*variance=None"),
        (lambda: Normalization(mean=[1.0, 2.0], variance=[1.0]), ValueError, r"shapes \(2,\) and \(1,\)"),
        (lambda: Normalization(mean=[1.0], variance=[-1.0]), ValueError, r"variance.*\[-1.0\]"),
        (lambda: Normalization(axis="x"), TypeError, "axis.*'x'"),
        (lambda: Normalization()(np.ones((2, 3))), ValueError, "neither been adapted nor given mean"),
        (lambda: Normalization(mean=1.0, variance=1.0).adapt(np.ones((2, 3))), ValueError, "adapt.*nothing to adapt"),
        (lambda: Normalization().adapt([]), ValueError, "adapt: received an empty iterable"),
        (lambda: Normalization().adapt(3), TypeError, "adapt.*int"),
        (lambda: Normalization().adapt(np.array([[1.0, np.nan]])), ValueError, "adapt.*NaN"),
        (lambda: Embedding(0, 4), ValueError, "input_dim: expected an integer >= 1; received 0"),
        (lambda: Embedding(-3, 4), ValueError, "input_dim.*received -3"),
        (lambda: Embedding(10, 2.5), ValueError, "output_dim.*received 2.5"),
        (lambda: Embedding(10, 4, mask_zero="yes"), TypeError, "mask_zero"),
        (lambda: Embedding(10, 4)(np.array([[1, 10]])), ValueError, r"\[0, 10\).*from 1 to 10"),
        (lambda: Embedding(10, 4)(np.array([[-1, 3]])), ValueError, r"\[0, 10\).*from -1 to 3"),
        (lambda: Embedding(10, 4)(np.array([[1.5, 3]])), ValueError, "whole numbers.*1.5"),
    ],
)
def test_bad_arguments_are_refused(call, error, text):
    with pytest.raises(error, match=text):
        call()


def test_out_of_range_index_in_fit_changes_nothing():
    model = Sequential([layers.Input(shape=(3,)), Embedding(5, 2), layers.Flatten(), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = np.array([[0, 1, 2], [3, 4, 0]]), np.zeros((2, 1))
    model.fit(x, y, verbose=0)
    before, iterations = model.get_weights(), model.optimizer.iterations
    with pytest.raises(ValueError, match=r"Embedding layer '.*': indices must lie in \[0, 5\).*to 7"):
        model.fit(np.array([[0, 1, 7]]), np.zeros((1, 1)), verbose=0)
    for old, new in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)
    assert model.optimizer.iterations == iterations
