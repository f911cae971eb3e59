"""Gradient checks: every layer, activation and loss against central finite differences.

Everything runs in float64 (the ``float64`` fixture) and compares the analytic gradient
with ``(f(x + h) - f(x - h)) / 2h`` through a norm-based relative error that must stay
below 1e-6. Layers are reduced to a scalar through a fixed random projection
``sum(outputs * projection)``, whose gradient the tape gives for ``output_gradients=projection``.
"""

import warnings

import numpy as np
import pytest

from kerasette import backend, losses, optimizers, utils
from kerasette.layers import Activation, Dense, Dropout, Flatten, Softmax
from kerasette.models import Sequential
from kerasette.trainers import Arrays, TrainingPlan
from tests.gradient_check import assert_gradient_close, check_layer, layer_gradients, numeric_gradient

ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "linear"]


def device(array):
    return backend.to_device(np.asarray(array, dtype="float64"), "float64")


def away_from_zero(rng, shape, low=0.1, high=2.0):
    """Values whose magnitude is at least ``low``, so relu's kink is never straddled."""
    return rng.uniform(low, high, size=shape) * rng.choice([-1.0, 1.0], size=shape)


# -- activations ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_layer_gradient(float64, name):
    rng = np.random.default_rng(0)
    check_layer(Activation(name), away_from_zero(rng, (4, 5)), rng)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_dense_activation_gradient(float64, name):
    rng = np.random.default_rng(1)
    layer = Dense(4, activation=name, bias_initializer="random_normal")
    inputs = away_from_zero(rng, (5, 3))
    layer.build((None, 3))
    pre_activations = inputs @ backend.to_numpy(layer.params["kernel"]) + backend.to_numpy(layer.params["bias"])
    assert np.abs(pre_activations).min() > 1e-3, "inputs straddle relu's kink"
    _, params = check_layer(layer, inputs, rng)
    assert set(params) == {"kernel", "bias"}


# -- Dense ---------------------------------------------------------------------------------
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("input_shape", [(6, 3), (2, 4, 3)], ids=["2d", "3d"])
def test_dense_gradients(float64, use_bias, input_shape):
    rng = np.random.default_rng(2)
    layer = Dense(5, use_bias=use_bias, bias_initializer="random_normal")
    grad_inputs, params = check_layer(layer, rng.standard_normal(input_shape), rng)
    assert grad_inputs.shape == input_shape
    assert set(params) == ({"kernel", "bias"} if use_bias else {"kernel"})
    assert params["kernel"].dtype == np.float64


def test_dense_gradients_do_not_depend_on_leftover_state(float64):
    """A second backward on another batch overwrites, rather than accumulates, the gradients."""
    rng = np.random.default_rng(3)
    layer = Dense(3, activation="tanh")
    check_layer(layer, rng.standard_normal((4, 2)), rng)
    check_layer(layer, rng.standard_normal((7, 2)), rng)


# -- Flatten, Softmax, Dropout ---------------------------------------------------------------
def test_flatten_gradient(float64):
    rng = np.random.default_rng(4)
    grad_inputs, _ = check_layer(Flatten(), rng.standard_normal((3, 2, 4, 2)), rng)
    assert grad_inputs.shape == (3, 2, 4, 2)


def test_softmax_layer_gradient(float64):
    rng = np.random.default_rng(5)
    check_layer(Softmax(), 3 * rng.standard_normal((4, 6)), rng)


def test_softmax_layer_gradient_3d(float64):
    rng = np.random.default_rng(6)
    check_layer(Softmax(), rng.standard_normal((2, 3, 4)), rng)


def test_dropout_training_gradient_with_the_same_mask(float64):
    """Re-seeding before every forward pass makes finite differences see the same mask."""
    rng = np.random.default_rng(7)
    layer = Dropout(0.4)
    inputs = device(rng.standard_normal((6, 5)))
    projection = device(rng.standard_normal((6, 5)))

    def forward():
        utils.set_random_seed(99)
        return layer(inputs, training=True)

    def scalar():
        return float((forward() * projection).sum())

    mask = backend.to_numpy(forward() / inputs)
    utils.set_random_seed(99)
    analytic, _ = layer_gradients(layer, inputs, projection)
    analytic = backend.to_numpy(analytic)
    assert_gradient_close(analytic, numeric_gradient(scalar, inputs))
    # The mask really drops some inputs and rescales the rest by 1 / (1 - rate).
    np.testing.assert_allclose(mask[mask != 0], 1 / 0.6)
    assert 0 < (mask == 0).sum() < mask.size
    np.testing.assert_allclose(analytic, backend.to_numpy(projection) * mask, rtol=1e-12)


def test_dropout_inference_is_identity(float64):
    rng = np.random.default_rng(8)
    layer = Dropout(0.5)
    inputs = device(rng.standard_normal((4, 3)))
    outputs = layer(inputs, training=False)
    np.testing.assert_array_equal(backend.to_numpy(outputs), backend.to_numpy(inputs))
    projection = device(rng.standard_normal((4, 3)))
    grad, _ = layer_gradients(layer, inputs, projection, training=False)
    np.testing.assert_array_equal(backend.to_numpy(grad), backend.to_numpy(projection))


# -- losses ----------------------------------------------------------------------------------
def one_hot(labels, classes):
    return np.eye(classes)[labels]


def loss_case(name, rng, n=5, classes=4):
    """A loss, its raw targets and a prediction that keeps away from the probability clip."""
    labels = rng.integers(0, classes, size=n)
    logits = rng.standard_normal((n, classes))
    positive = rng.uniform(0.1, 1.0, size=(n, classes))
    bits = rng.integers(0, 2, size=(n, 3)).astype(float)
    return {
        "categorical_logits": (losses.CategoricalCrossentropy(from_logits=True), one_hot(labels, classes), logits),
        "categorical_probs": (losses.CategoricalCrossentropy(), one_hot(labels, classes), positive),
        "categorical_soft_targets": (
            losses.CategoricalCrossentropy(),
            rng.dirichlet(np.ones(classes), size=n),
            positive,
        ),
        "sparse_logits": (losses.SparseCategoricalCrossentropy(from_logits=True), labels, logits),
        "sparse_probs": (losses.SparseCategoricalCrossentropy(), labels, positive),
        "binary_logits": (losses.BinaryCrossentropy(from_logits=True), bits, rng.standard_normal((n, 3))),
        "binary_probs": (losses.BinaryCrossentropy(), bits, rng.uniform(0.05, 0.95, size=(n, 3))),
        "binary_soft_targets": (
            losses.BinaryCrossentropy(),
            rng.uniform(0, 1, size=(n, 3)),
            rng.uniform(0.05, 0.95, size=(n, 3)),
        ),
        "mse": (losses.MeanSquaredError(), rng.standard_normal((n, 3)), rng.standard_normal((n, 3))),
        "categorical_logits_smoothed": (
            losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2),
            one_hot(labels, classes),
            logits,
        ),
        "categorical_probs_smoothed": (
            losses.CategoricalCrossentropy(label_smoothing=0.1),
            one_hot(labels, classes),
            positive,
        ),
        "binary_logits_smoothed": (
            losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2),
            bits,
            rng.standard_normal((n, 3)),
        ),
        "binary_probs_smoothed": (
            losses.BinaryCrossentropy(label_smoothing=0.3),
            bits,
            rng.uniform(0.05, 0.95, size=(n, 3)),
        ),
    }[name]


LOSS_CASES = [
    "categorical_logits",
    "categorical_probs",
    "categorical_soft_targets",
    "sparse_logits",
    "sparse_probs",
    "binary_logits",
    "binary_probs",
    "binary_soft_targets",
    "mse",
    "categorical_logits_smoothed",
    "categorical_probs_smoothed",
    "binary_logits_smoothed",
    "binary_probs_smoothed",
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("case", LOSS_CASES)
def test_loss_gradient(float64, case, weighted):
    rng = np.random.default_rng(10)
    loss, raw_targets, prediction = loss_case(case, rng)
    y_pred = device(prediction)
    sample_weight = rng.uniform(0.2, 3.0, size=len(prediction)) if weighted else None
    targets = loss.prepare_targets(raw_targets, y_pred.shape)
    weights = losses.prepare_sample_weight(sample_weight, y_pred.shape[0])

    value, analytic = loss.value_and_gradient(targets, y_pred.copy(), weights)

    def scalar():
        return float(loss(raw_targets, y_pred, sample_weight=sample_weight))

    assert float(value) == pytest.approx(scalar(), rel=1e-12)
    assert analytic.shape == y_pred.shape
    assert_gradient_close(analytic, numeric_gradient(scalar, y_pred))


@pytest.mark.parametrize("case", ["categorical_probs_smoothed", "binary_probs_smoothed"])
def test_label_smoothing_changes_the_loss(float64, case):
    """Smoothing is applied at all (otherwise the smoothed gradient checks prove nothing new)."""
    rng = np.random.default_rng(11)
    loss, raw_targets, prediction = loss_case(case, rng)
    plain = type(loss)()
    assert abs(float(loss(raw_targets, prediction)) - float(plain(raw_targets, prediction))) > 1e-3


# -- the fused softmax + cross-entropy path ----------------------------------------------------
FUSED_CASES = {
    "categorical": lambda labels: (losses.CategoricalCrossentropy(), one_hot(labels, 5)),
    "categorical_smoothed": lambda labels: (losses.CategoricalCrossentropy(label_smoothing=0.1), one_hot(labels, 5)),
    "categorical_unnormalised_targets": lambda labels: (
        losses.CategoricalCrossentropy(),
        np.random.default_rng(9).uniform(0, 1, size=(6, 5)),
    ),
    "sparse": lambda labels: (losses.SparseCategoricalCrossentropy(), labels),
}


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("case", sorted(FUSED_CASES))
def test_fused_softmax_cross_entropy_gradient(float64, case, weighted):
    rng = np.random.default_rng(12)
    loss, raw_targets = FUSED_CASES[case](rng.integers(0, 5, size=6))
    assert loss.fuses_with_softmax
    logits = device(2 * rng.standard_normal((6, 5)))
    sample_weight = rng.uniform(0.2, 3.0, size=6) if weighted else None
    weights = losses.prepare_sample_weight(sample_weight, 6)
    targets = loss.prepare_targets(raw_targets, logits.shape)
    softmax = Softmax()
    probabilities = softmax(logits, training=True).copy()

    _, fused = loss.value_and_gradient(targets, probabilities.copy(), weights, through_softmax=True)

    def scalar():
        return float(loss(raw_targets, Softmax()(logits), sample_weight=sample_weight))

    assert_gradient_close(fused, numeric_gradient(scalar, logits))

    _, grad_probabilities = loss.value_and_gradient(targets, probabilities.copy(), weights)
    general, _ = layer_gradients(softmax, logits, grad_probabilities)
    np.testing.assert_allclose(backend.to_numpy(fused), backend.to_numpy(general), rtol=1e-9, atol=1e-12)


# -- whole models ------------------------------------------------------------------------------
def check_model(model, loss, inputs, raw_targets, sample_weight=None) -> bool:
    """The parameter gradients of one training step against finite differences of the loss;
    returns whether the step fused the softmax with the loss."""
    model.compile(optimizer=optimizers.SGD(learning_rate=0.5), loss=loss)
    model.build((None,) + inputs.shape[1:])
    features = device(inputs)
    targets = loss.prepare_targets(raw_targets, (len(inputs),) + tuple(model.output_shape[1:]))
    weights = losses.prepare_sample_weight(sample_weight, len(inputs))

    fused = []
    original_mark = TrainingPlan.mark_logits
    TrainingPlan.mark_logits = staticmethod(lambda output: (fused.append(True), original_mark(output)))
    try:
        _, _, grads = model._forward_backward(features, targets, weights)
    finally:
        TrainingPlan.mark_logits = staticmethod(original_mark)
    analytic = [backend.to_numpy(grad).copy() for grad in grads]

    def scalar():
        return float(loss(raw_targets, model.predict_on_batch(features), sample_weight=sample_weight))

    numeric = [numeric_gradient(scalar, variable) for variable in model.training_plan().variables]
    assert len(analytic) == len(model.trainable_weights) > 0
    for analytic_grad, numeric_grad in zip(analytic, numeric):
        assert_gradient_close(analytic_grad, numeric_grad)

    # The real training step applies exactly these gradients: w -= 0.5 * g with plain SGD.
    before = model.get_weights()
    model._train_step(Arrays(features, targets, weights))
    for old, new, analytic_grad in zip(before, model.get_weights(), analytic, strict=True):
        np.testing.assert_allclose((old - new) / 0.5, analytic_grad, rtol=1e-9, atol=1e-13)
    return bool(fused)


@pytest.mark.parametrize("loss_name", ["categorical", "sparse", "categorical_from_logits_model"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
def test_sequential_parameter_gradients(float64, loss_name, weighted):
    rng = np.random.default_rng(13)
    inputs = rng.standard_normal((8, 4))
    labels = rng.integers(0, 3, size=8)
    final_activation = "linear" if loss_name == "categorical_from_logits_model" else "softmax"
    model = Sequential(
        [
            Dense(6, activation="relu", bias_initializer="random_normal"),
            Dropout(0.0),
            Dense(3, activation=final_activation),
        ]
    )
    loss, targets = {
        "categorical": (losses.CategoricalCrossentropy(), one_hot(labels, 3)),
        "sparse": (losses.SparseCategoricalCrossentropy(), labels),
        "categorical_from_logits_model": (losses.CategoricalCrossentropy(from_logits=True), one_hot(labels, 3)),
    }[loss_name]
    sample_weight = rng.uniform(0.5, 2.0, size=8) if weighted else None
    fused = check_model(model, loss, inputs, targets, sample_weight)
    assert fused == (final_activation == "softmax")


def test_nested_sequential_parameter_gradients(float64):
    rng = np.random.default_rng(14)
    inner = Sequential([Dense(5, activation="tanh", bias_initializer="random_normal"), Dense(4, activation="sigmoid")])
    model = Sequential([Flatten(), inner, Dropout(0.0), Dense(3, activation="softmax")])
    inputs = rng.standard_normal((6, 2, 3))
    check_model(model, losses.SparseCategoricalCrossentropy(), inputs, rng.integers(0, 3, size=6))


def test_nested_sequential_ending_in_softmax_uses_the_fused_path(float64):
    """A nested model whose last layer is a softmax passes the logits gradient down to it."""
    rng = np.random.default_rng(15)
    model = Sequential([Dense(4, activation="tanh"), Sequential([Dense(3), Softmax()])])
    inputs = rng.standard_normal((5, 2))
    assert check_model(model, losses.CategoricalCrossentropy(), inputs, one_hot(rng.integers(0, 3, size=5), 3))


def test_regression_model_gradients(float64):
    rng = np.random.default_rng(16)
    model = Sequential([Dense(5, activation="sigmoid"), Dense(2)])
    check_model(model, losses.MeanSquaredError(), rng.standard_normal((7, 3)), rng.standard_normal((7, 2)))


# -- numeric stability in float32 ---------------------------------------------------------------
@pytest.mark.parametrize("magnitude", [1e4, 1e30])
def test_softmax_stays_finite_for_huge_logits(magnitude):
    assert backend.floatx() == "float32"
    logits = np.array([[magnitude, -magnitude, 0.0], [-magnitude, -magnitude, magnitude]], dtype="float32")
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        probabilities = backend.to_numpy(Softmax()(logits))
    np.testing.assert_array_equal(probabilities, [[1, 0, 0], [0, 0, 1]])


@pytest.mark.parametrize("magnitude", [1e4, 1e30])
@pytest.mark.parametrize(
    "variant",
    ["categorical_logits", "categorical_probs", "sparse_logits", "sparse_probs", "binary_logits", "binary_probs"],
)
def test_cross_entropy_stays_finite_for_huge_logits(variant, magnitude):
    """Every cross-entropy gives the right finite loss and finite gradients, wrong or right."""
    assert backend.floatx() == "float32"
    logits = np.array([[magnitude, -magnitude, 0.0], [-magnitude, 0.0, magnitude]], dtype="float32")
    labels = np.array([1, 2])  # the first sample is confidently wrong, the second confidently right
    kind, form = variant.split("_")
    from_logits = form == "logits"
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        if kind == "binary":
            loss = losses.BinaryCrossentropy(from_logits=from_logits)
            raw_targets = one_hot(labels, 3)
            y_pred = logits if from_logits else Activation("sigmoid")(logits)
        else:
            loss = (losses.CategoricalCrossentropy if kind == "categorical" else losses.SparseCategoricalCrossentropy)(
                from_logits=from_logits
            )
            raw_targets = one_hot(labels, 3) if kind == "categorical" else labels
            y_pred = logits if from_logits else Softmax()(logits)
        y_pred = backend.to_device(y_pred)
        value = float(loss(raw_targets, y_pred))
        targets = loss.prepare_targets(raw_targets, y_pred.shape)
        gradients = [loss.value_and_gradient(targets, y_pred.copy())[1]]
        if loss.fuses_with_softmax:
            gradients.append(loss.value_and_gradient(targets, y_pred.copy(), through_softmax=True)[1])
    for gradient in gradients:
        assert np.isfinite(backend.to_numpy(gradient)).all()
    log2, clipped = np.log(2.0), -np.log(1e-7)
    if from_logits:
        # Only the wrong sample costs much: the gap between its top logit and the labelled one.
        expected = (2 * magnitude + 2 * log2) / 6 if kind == "binary" else 2 * magnitude / 2
    else:
        # Probabilities clip at about 1e-7, so a confidently wrong prediction costs about -log(1e-7);
        # binary outputs of 0.5 (logit 0) cost log(2) each, and binary losses average over 3 outputs.
        expected = (2 * clipped + 2 * log2) / 6 if kind == "binary" else clipped / 2
    assert np.isfinite(value)
    assert value == pytest.approx(float(expected), rel=1e-3 if from_logits else 1e-2)
