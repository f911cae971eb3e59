"""Keras 3's activations: values against real Keras, gradients against finite differences,
the pre-activation copy only where a gradient needs it, and Dense.activation reassignment.

The expected values are literals printed by ``tests/fixtures/make_activation_goldens.py``
with real Keras 3.15 (``KERAS_BACKEND=torch``, float64 inputs), so a test run needs no Keras.
"""

import inspect

import numpy as np
import pytest

from kerasette import Sequential, activations, backend, layers, losses, optimizers
from kerasette.layers import Activation, Dense
from kerasette.trainers import TrainingPlan
from tests.gradient_check import assert_gradient_close, check_layer, forward, numeric_gradient

X = [-6.0, -3.0, -1.5, -0.5, -0.1, 0.0, 0.1, 0.5, 1.5, 3.0, 6.0]
MATRIX = [[1.0, -2.0, 0.5, 3.0], [0.0, 0.25, -1.0, 2.0], [4.0, 1.0, 1.0, -3.0]]

# -- golden values from real Keras (tests/fixtures/make_activation_goldens.py) -----------------
# Printed by tests/fixtures/make_activation_goldens.py with Keras 3.15.1, KERAS_BACKEND=torch, float64.
KERAS_ACTIVATIONS = {
    "relu": ({}, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.5, 1.5, 3.0, 6.0]),
    "relu slope": ({"negative_slope": 0.5}, [-3.0, -1.5, -0.75, -0.25, -0.05, 0.0, 0.1, 0.5, 1.5, 3.0, 6.0]),
    "relu cap": ({"max_value": 1.0}, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.5, 1.0, 1.0, 1.0]),
    "relu threshold": ({"threshold": 0.4}, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.5, 3.0, 6.0]),
    "relu all": (
        {"negative_slope": 0.3, "max_value": 2.0, "threshold": 0.2},
        [-1.86, -0.96, -0.51, -0.21, -0.09000000000000001, -0.06, -0.03, 0.5, 1.5, 2.0, 2.0],
    ),
    "sigmoid": (
        {},
        [
            0.00247262315663477,
            0.04742587317756678,
            0.18242552380635635,
            0.37754066879814546,
            0.47502081252106,
            0.5,
            0.52497918747894,
            0.6224593312018546,
            0.8175744761936437,
            0.9525741268224335,
            0.9975273768433652,
        ],
    ),
    "tanh": (
        {},
        [
            -0.9999877116507955,
            -0.9950547536867304,
            -0.9051482536448664,
            -0.46211715726000974,
            -0.09966799462495582,
            0.0,
            0.09966799462495582,
            0.46211715726000974,
            0.9051482536448664,
            0.9950547536867304,
            0.9999877116507955,
        ],
    ),
    "linear": ({}, [-6.0, -3.0, -1.5, -0.5, -0.1, 0.0, 0.1, 0.5, 1.5, 3.0, 6.0]),
    "elu": (
        {},
        [
            -0.9975212478233336,
            -0.950212931632136,
            -0.7768698398515702,
            -0.3934693402873666,
            -0.09516258196404043,
            0.0,
            0.1,
            0.5,
            1.5,
            3.0,
            6.0,
        ],
    ),
    "elu alpha": (
        {"alpha": 0.5},
        [
            -0.4987606239116668,
            -0.475106465816068,
            -0.3884349199257851,
            -0.1967346701436833,
            -0.04758129098202021,
            0.0,
            0.1,
            0.5,
            1.5,
            3.0,
            6.0,
        ],
    ),
    "selu": (
        {},
        [
            -1.7537414482794558,
            -1.6705687287671116,
            -1.3658143533672527,
            -0.6917581878028713,
            -0.16730527262431394,
            0.0,
            0.10507009873554805,
            0.5253504936777402,
            1.576051481033221,
            3.152102962066442,
            6.304205924132884,
        ],
    ),
    "gelu": (
        {},
        [
            -5.91952587e-09,
            -0.00404969409489031,
            -0.10021080190328704,
            -0.15426876936299344,
            -0.0460172162722971,
            0.0,
            0.0539827837277029,
            0.34573123063700656,
            1.399789198096713,
            2.99595030590511,
            5.999999994080474,
        ],
    ),
    "gelu approximate": (
        {"approximate": True},
        [
            -8.439649e-11,
            -0.00363739208177299,
            -0.10042842301976707,
            -0.15428599017485606,
            -0.04601724895456484,
            0.0,
            0.05398275104543517,
            0.34571400982514394,
            1.3995715769802328,
            2.9963626079182264,
            5.9999999999156035,
        ],
    ),
    "softplus": (
        {},
        [
            0.00247568513773045,
            0.04858735157374206,
            0.2014132779827524,
            0.47407698418010674,
            0.6443966600735709,
            0.6931471805599453,
            0.7443966600735711,
            0.9740769841801067,
            1.7014132779827522,
            3.048587351573742,
            6.002475685137731,
        ],
    ),
    "softsign": (
        {},
        [
            -0.8571428571428571,
            -0.75,
            -0.6,
            -0.3333333333333333,
            -0.09090909090909093,
            0.0,
            0.09090909090909093,
            0.3333333333333333,
            0.6,
            0.75,
            0.8571428571428571,
        ],
    ),
    "silu": (
        {},
        [
            -0.01483573893980865,
            -0.14227761953270035,
            -0.2736382857095345,
            -0.18877033439907273,
            -0.047502081252106,
            0.0,
            0.052497918747894,
            0.3112296656009273,
            1.2263617142904655,
            2.8577223804672998,
            5.985164261060192,
        ],
    ),
    "swish": (
        {},
        [
            -0.01483573893980865,
            -0.14227761953270035,
            -0.2736382857095345,
            -0.18877033439907273,
            -0.047502081252106,
            0.0,
            0.052497918747894,
            0.3112296656009273,
            1.2263617142904655,
            2.8577223804672998,
            5.985164261060192,
        ],
    ),
    "leaky_relu": (
        {},
        [-1.2000000000000002, -0.6000000000000001, -0.30000000000000004, -0.1, -0.02, 0.0, 0.1, 0.5, 1.5, 3.0, 6.0],
    ),
    "leaky_relu slope": (
        {"negative_slope": 0.05},
        [
            -0.30000000000000004,
            -0.15000000000000002,
            -0.07500000000000001,
            -0.025,
            -0.005,
            0.0,
            0.1,
            0.5,
            1.5,
            3.0,
            6.0,
        ],
    ),
    "hard_sigmoid": (
        {},
        [
            0.0,
            0.0,
            0.25,
            0.41666666666666674,
            0.48333333333333334,
            0.5,
            0.5166666666666667,
            0.5833333333333334,
            0.75,
            1.0,
            1.0,
        ],
    ),
    "exponential": (
        {},
        [
            0.00247875217666636,
            0.04978706836786394,
            0.2231301601484298,
            0.6065306597126334,
            0.9048374180359595,
            1.0,
            1.1051709180756477,
            1.6487212707001284,
            4.4816890703380645,
            20.085536923187668,
            403.4287934927351,
        ],
    ),
}
KERAS_SOFTMAX_AXIS_LAST = [
    [0.11055375036173921, 0.00550414712758367, 0.06705423914061147, 0.8168878633700658],
    [0.09959206138768883, 0.12787873812211828, 0.03663787188841495, 0.735891328601778],
    [0.9086894181355717, 0.04524098218587021, 0.04524098218587021, 0.00082861749268805],
]
KERAS_SOFTMAX_AXIS_FIRST = [
    [0.0466126225779739, 0.03270830728083438, 0.3482074278837349, 0.7297362141184152],
    [0.01714782554552039, 0.31032777913499876, 0.0776955791485706, 0.26845495065244657],
    [0.9362395518765058, 0.6569639135841668, 0.5740969929676946, 0.00180883522913829],
]
KERAS_LOG_SOFTMAX_AXIS_LAST = [
    [-2.2022534476793516, -5.202253447679352, -2.7022534476793516, -0.20225344767935172],
    [-2.3066728225110755, -2.0566728225110755, -3.306672822511076, -0.30667282251107536],
    [-0.0957519174068861, -3.095751917406886, -3.095751917406886, -7.095751917406886],
]
KERAS_LOG_SOFTMAX_AXIS_FIRST = [
    [-3.0658839037574293, -3.420126188057514, -1.0549569196419906, -0.31507216066525123],
    [-4.065883903757429, -1.1701261880575138, -2.554956919641991, -1.3150721606652511],
    [-0.06588390375742911, -0.4201261880575138, -0.5549569196419906, -6.315072160665252],
]


# -- values ------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", sorted(KERAS_ACTIVATIONS))
def test_activation_values_match_keras(case):
    params, expected = KERAS_ACTIVATIONS[case]
    function = getattr(activations, case.split()[0])
    result = backend.to_numpy(function(np.array(X), **params))
    assert result.dtype == np.float64
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "name, axis, expected",
    [
        ("softmax", -1, "KERAS_SOFTMAX_AXIS_LAST"),
        ("softmax", 0, "KERAS_SOFTMAX_AXIS_FIRST"),
        ("log_softmax", -1, "KERAS_LOG_SOFTMAX_AXIS_LAST"),
        ("log_softmax", 0, "KERAS_LOG_SOFTMAX_AXIS_FIRST"),
    ],
)
def test_softmax_and_log_softmax_over_an_axis_match_keras(name, axis, expected):
    result = backend.to_numpy(getattr(activations, name)(np.array(MATRIX), axis=axis))
    np.testing.assert_allclose(result, globals()[expected], rtol=1e-12, atol=1e-15)


def test_float32_inputs_stay_float32_and_agree_with_keras():
    for name in ("gelu", "silu", "softplus", "elu", "selu"):
        result = backend.to_numpy(getattr(activations, name)(np.array(X, dtype="float32")))
        assert result.dtype == np.float32, name
        np.testing.assert_allclose(result, KERAS_ACTIVATIONS[name][1], rtol=2e-6, atol=1e-7, err_msg=name)


def test_erf_is_exact_to_float64_rounding():
    import math

    from kerasette.activations.erf import erf

    points = np.concatenate([np.linspace(-7, 7, 2801), [1e-300, -1e-12, 5.999, 6.0, 6.001, 40.0]])
    expected = np.array([math.erf(p) for p in points])
    np.testing.assert_allclose(backend.to_numpy(erf(backend.to_device(points))), expected, rtol=4e-16, atol=1e-300)


def test_signatures_and_names_are_keras():
    assert str(inspect.signature(activations.relu)) == "(x, negative_slope=0.0, max_value=None, threshold=0.0)"
    assert str(inspect.signature(activations.softmax)) == "(x, axis=-1)"
    assert str(inspect.signature(activations.elu)) == "(x, alpha=1.0)"
    assert str(inspect.signature(activations.gelu)) == "(x, approximate=False)"
    assert str(inspect.signature(activations.leaky_relu)) == "(x, negative_slope=0.2)"
    assert str(inspect.signature(activations.log_softmax)) == "(x, axis=-1)"
    assert str(inspect.signature(activations.selu)) == "(x)"
    # Keras serializes swish under silu's name.
    assert activations.get("swish") is activations.silu is activations.swish
    assert activations.serialize(activations.swish) == "silu"
    for name in ("elu", "selu", "gelu", "softplus", "softsign", "silu", "leaky_relu", "hard_sigmoid"):
        assert activations.get(name).name == name
        assert activations.get(activations.serialize(activations.get(name))) is activations.get(name)
    assert activations.relu(np.array([-1.0, 2.0]), 0.5).tolist() == [-0.5, 2.0]  # positional, as in Keras


def test_only_gelu_and_silu_need_their_inputs():
    needing = {name for name in activations.__all__ if getattr(getattr(activations, name), "needs_inputs", False)}
    assert needing == {"gelu", "silu", "swish"}


# -- gradients ---------------------------------------------------------------------------------
GRADIENT_CASES = {case: params for case, (params, _) in KERAS_ACTIVATIONS.items()} | {
    "softmax": {},
    "softmax axis": {"axis": 0},
    "log_softmax": {},
    "log_softmax axis": {"axis": 0},
}


def device(array):
    return backend.to_device(np.asarray(array, dtype="float64"), "float64")


def bound_activation(case):
    return getattr(activations, case.split()[0]).with_params(**GRADIENT_CASES[case])


def kink_free_inputs(rng, shape):
    """Inputs at least 0.05 from every kink of the cases (0, 0.2, 0.4, 1, 2 and +-3)."""
    values = rng.uniform(-4, 4, size=shape)
    kinks = np.array([0.0, 0.2, 0.4, 1.0, 2.0, 3.0, -3.0])
    while True:
        close = np.abs(values[..., None] - kinks).min(axis=-1) < 0.05
        if not close.any():
            return values
        values[close] = rng.uniform(-4, 4, size=int(close.sum()))


@pytest.mark.parametrize("case", sorted(GRADIENT_CASES))
def test_activation_layer_gradient(float64, case):
    rng = np.random.default_rng(0)
    check_layer(Activation(bound_activation(case)), kink_free_inputs(rng, (4, 5)), rng)


# Over the batch axis, a softmax ignores Dense's bias (a zero gradient): last-axis cases only.
@pytest.mark.parametrize("case", sorted(case for case in GRADIENT_CASES if "axis" not in case))
def test_dense_activation_gradient(float64, case):
    """Through Dense, which keeps a copy of the pre-activations for gelu and silu only."""
    rng = np.random.default_rng(1)
    layer = Dense(4, activation=None, kernel_initializer="random_normal", bias_initializer="random_normal")
    inputs = rng.standard_normal((6, 3))
    layer.build((None, 3))
    kernel = kink_free_inputs(rng, (3, 4))
    layer.params["kernel"].assign(device(kernel))
    pre_activations = inputs @ kernel + backend.to_numpy(layer.params["bias"])
    layer.activation = bound_activation(case)
    for _ in range(20):  # move the inputs until no pre-activation sits near a kink
        if np.abs(pre_activations[..., None] - np.array([0.0, 0.2, 0.4, 1.0, 2.0, 3.0, -3.0])).min() > 0.02:
            break
        inputs = rng.standard_normal((6, 3))
        pre_activations = inputs @ kernel + backend.to_numpy(layer.params["bias"])
    else:
        pytest.fail("no kink-free inputs found")
    states = []  # the state of each call that ran a backward pass
    backward = layer.backward
    layer.backward = lambda state, grad: (states.append(state), backward(state, grad))[1]
    check_layer(layer, inputs, rng)
    assert states and all(("pre_activations" in state.buffers) == layer.activation.needs_inputs for state in states)


def test_fast_activations_run_their_functions_directly():
    """relu, sigmoid, tanh and softmax keep today's path: no wrapper, no pre-activation copy."""
    for name in ("relu", "sigmoid", "tanh", "softmax"):
        activation = activations.get(name)
        assert not activation.needs_inputs
        assert inspect.isfunction(activation.apply_inplace) and inspect.isfunction(activation.grad_inplace)


# -- Dense.activation reassignment ----------------------------------------------------------------
def test_dense_activation_can_be_reassigned_after_construction():
    layer = Dense(2, activation="relu", kernel_initializer="ones", input_shape=(2,))
    inputs = np.array([[-3.0, 1.0]])
    assert layer(inputs).tolist() == [[0.0, 0.0]]
    layer.activation = None
    assert layer.activation is activations.linear
    assert layer(inputs).tolist() == [[-2.0, -2.0]]
    layer.activation = "elu"
    np.testing.assert_allclose(layer(inputs), np.expm1([[-2.0, -2.0]]))
    layer.activation = activations.gelu
    assert layer.get_config()["activation"] == "gelu"
    with pytest.raises(ValueError, match="activation.*'gelux'.*did you mean 'gelu'"):
        layer.activation = "gelux"
    assert layer.activation is activations.gelu


def test_reassigning_the_last_activation_after_compile_changes_the_training_gradient(float64, monkeypatch):
    """The fused softmax + cross-entropy path follows the activation the model has now."""
    fused = []  # one entry per training step that fused the softmax with the loss
    original_mark = TrainingPlan.mark_logits
    monkeypatch.setattr(
        TrainingPlan, "mark_logits", staticmethod(lambda output: (fused.append(True), original_mark(output))[1])
    )

    def step_fuses(x, y) -> bool:
        fused.clear()
        model.train_on_batch(x, y)
        return bool(fused)

    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((8, 3)), rng.integers(0, 3, size=8)
    model = Sequential([Dense(4, activation="tanh", input_shape=(3,)), Dense(3, activation="softmax")])
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss=loss)
    assert not step_fuses(x, y)  # from_logits: no fusion
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy")
    assert step_fuses(x, y)
    model.layers[-1].activation = "sigmoid"
    kernel = model.layers[-1].params["kernel"]
    before = backend.to_numpy(kernel).copy()

    def scalar():
        return float(losses.SparseCategoricalCrossentropy()(y, forward(model, device(x), training=False)))

    expected = numeric_gradient(scalar, kernel)
    assert not step_fuses(x, y)
    assert_gradient_close((before - backend.to_numpy(kernel)) / 0.1, expected)


# -- bad parameters ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda: activations.elu(np.ones(2), alpha=-1.0), ValueError, "alpha: expected a number >= 0; received -1.0"),
        (lambda: activations.relu(np.ones(2), negative_slope=-0.1), ValueError, "negative_slope.*received -0.1"),
        (lambda: activations.relu(np.ones(2), max_value=-1), ValueError, "max_value.*received -1"),
        (lambda: activations.relu(np.ones(2), threshold=float("nan")), ValueError, "threshold.*received nan"),
        (lambda: activations.leaky_relu(np.ones(2), negative_slope=-2), ValueError, "negative_slope.*received -2"),
        (lambda: activations.gelu(np.ones(2), approximate="yes"), TypeError, "approximate.*'yes'"),
        (lambda: activations.softmax(np.ones(2), axis=0.5), ValueError, "axis.*received 0.5"),
        (lambda: activations.selu(np.ones(2), alpha=2.0), TypeError, "alpha"),
        (lambda: activations.relu.with_params(slope=1.0), TypeError, "relu: unknown parameter 'slope'"),
        (lambda: activations.serialize(activations.relu.with_params(max_value=6.0)), ValueError, "non-default"),
    ],
)
def test_bad_activation_parameters_are_refused(call, error, text):
    with pytest.raises(error, match=text):
        call()


def test_gelu_layer_trains_in_a_model():
    model = Sequential([layers.Dense(8, activation="gelu", input_shape=(3,)), layers.Dense(2, activation="silu")])
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((64, 3)), rng.standard_normal((64, 2))
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first
