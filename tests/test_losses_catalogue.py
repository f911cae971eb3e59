"""The losses Keras 3 has and kerasette lacked: focal, Dice, Tversky, generalized cross-entropy, Circle.

Expected values are literals printed by real Keras 3.15.1 (``KERAS_BACKEND=numpy``, float32
inputs) for the inputs below, ``keras.losses.<Class>(...)(y_true, y_pred, sample_weight)``
and ``keras.losses.<function>(y_true, y_pred, **kwargs)``; the formulas are those of
keras/src/losses/losses.py. Gradients come from the tape and are checked against central
differences in float64.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import assert_gradient_close, device, numeric_gradient

from kerasette import Sequential, layers, losses, optimizers, utils

BITS = [[0, 1, 1], [1, 0, 0], [1, 1, 0], [0, 0, 1]]
PROBS3 = [[0.2, 0.7, 0.9], [0.6, 0.3, 0.05], [0.5, 0.95, 0.4], [0.1, 0.25, 0.7]]
LOGITS3 = [[-1.2, 0.8, 2.0], [0.4, -0.7, -2.5], [0.1, 3.0, -0.3], [-1.9, -1.1, 0.9]]
ONE_HOT = [[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]]
SEG_T = [[[1, 0], [1, 1]], [[0, 0], [1, 0]], [[1, 1], [0, 0]], [[0, 1], [1, 1]]]
SEG_P = [[[0.9, 0.2], [0.6, 0.8]], [[0.1, 0.3], [0.7, 0.2]], [[0.4, 0.9], [0.2, 0.1]], [[0.3, 0.6], [0.8, 0.5]]]
LABELS = [1, 0, 2, 1]
EMB = [[0.6, 0.8], [1.0, 0.0], [0.0, 1.0], [-0.6, 0.8]]
W = [1.0, 0.5, 2.0, 1.5]

# id: (constructor, y_true, y_pred, sample_weight)
CASES = {
    "bfce": ("BinaryFocalCrossentropy()", BITS, PROBS3, None),
    "bfce_balanced": ("BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3, gamma=1.5)", BITS, PROBS3, W),
    "bfce_logits": ("BinaryFocalCrossentropy(from_logits=True, label_smoothing=0.1)", BITS, LOGITS3, None),
    "bfce_sum": ("BinaryFocalCrossentropy(gamma=0.0, reduction='sum')", BITS, PROBS3, W),
    "cfce": ("CategoricalFocalCrossentropy()", ONE_HOT, PROBS3, None),
    "cfce_logits": (
        "CategoricalFocalCrossentropy(alpha=0.5, gamma=1.0, from_logits=True, label_smoothing=0.2)",
        ONE_HOT,
        LOGITS3,
        W,
    ),
    "dice": ("Dice()", SEG_T, SEG_P, None),
    "dice_weighted": ("Dice()", SEG_T, SEG_P, W),
    "dice_axes": ("Dice(axis=(1, 2))", SEG_T, SEG_P, W),
    "tversky": ("Tversky()", SEG_T, SEG_P, None),
    "tversky_axes": ("Tversky(alpha=0.3, beta=0.7, axis=(1, 2), reduction='sum')", SEG_T, SEG_P, None),
    "gce": ("CategoricalGeneralizedCrossEntropy()", LABELS, PROBS3, None),
    "gce_q": ("CategoricalGeneralizedCrossEntropy(q=0.2)", LABELS, PROBS3, W),
    "circle": ("Circle()", [0, 0, 1, 1], EMB, None),
    "circle_some": ("Circle(gamma=4.0, margin=0.25)", [0, 0, 1, 2], EMB, None),
    "circle_weighted": ("Circle(gamma=10.0, remove_diagonal=False)", [0, 1, 1, 0], EMB, W),
}
KERAS = {
    "bfce": 0.038527,
    "bfce_balanced": 0.039049,
    "bfce_logits": 0.045332,
    "bfce_sum": 1.593228,
    "cfce": 0.13681,
    "cfce_logits": 1.283213,
    "dice": 0.253012,
    "dice_weighted": 0.316265,
    "dice_axes": 0.329673,
    "tversky": 0.253012,
    "tversky_axes": 1.019061,
    "gce": 0.628144,
    "gce_q": 1.019395,
    "circle": 16.973305,
    "circle_some": 2.074014,
    "circle_weighted": 13.523937,
}

# id: (function, y_true, y_pred, kwargs)
FUNCTIONS = {
    "binary_focal_crossentropy": ("binary_focal_crossentropy", BITS, PROBS3, {"apply_class_balancing": True}),
    "categorical_focal_crossentropy": ("categorical_focal_crossentropy", ONE_HOT, LOGITS3, {"from_logits": True}),
    "dice": ("dice", SEG_T, SEG_P, {"axis": (1, 2)}),
    "tversky": ("tversky", SEG_T, SEG_P, {"alpha": 0.6, "beta": 0.4, "axis": (1, 2)}),
    "categorical_generalized_cross_entropy": ("categorical_generalized_cross_entropy", LABELS, PROBS3, {"q": 0.7}),
    "circle": ("circle", [0, 1, 0, 1], EMB, {"gamma": 5.0}),
}
KERAS_FUNCTIONS = {
    "binary_focal_crossentropy": [0.004994, 0.014868, 0.034884, 0.007433],
    "categorical_focal_crossentropy": [0.224675, 0.006401, 0.790728, 0.428475],
    "dice": [0.163636, 0.391304, 0.277778, 0.269231],
    "tversky": [0.178571, 0.375, 0.293478, 0.291045],
    "categorical_generalized_cross_entropy": [0.315634, 0.429474, 0.676353, 0.887244],
    "circle": [1.049693, 13.15298, 1.98736, 14.458577],
}


def floats(values):
    return None if values is None else np.array(values, "float32")


def targets(constructor, values):
    # Integer labels stay integers; the rest are float32, as given to Keras.
    return np.array(values) if "Generalized" in constructor or "Circle" in constructor else floats(values)


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_match_keras(case):
    constructor, y_true, y_pred, sample_weight = CASES[case]
    loss = eval("losses." + constructor)
    value = loss(targets(constructor, y_true), floats(y_pred), sample_weight=floats(sample_weight))
    assert float(value) == pytest.approx(KERAS[case], rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("case", sorted(FUNCTIONS))
def test_functions_match_keras(case):
    name, y_true, y_pred, kwargs = FUNCTIONS[case]
    function = getattr(losses, name)
    values = function(np.array(y_true), floats(y_pred), **kwargs)
    np.testing.assert_allclose(np.asarray(values, dtype="float64"), KERAS_FUNCTIONS[case], rtol=1e-5, atol=1e-6)
    assert type(losses.get(function)) is losses.CLASS_OF_FUNCTION[function]


def test_gamma_0_is_binary_cross_entropy_and_alpha_scales_the_categorical():
    """Focal loss's definition (Lin et al.): gamma 0 leaves the cross-entropy; alpha is a plain factor."""
    y_true, y_pred = floats(BITS), floats(PROBS3)
    focal = losses.BinaryFocalCrossentropy(gamma=0.0)(y_true, y_pred)
    assert float(focal) == pytest.approx(float(losses.BinaryCrossentropy()(y_true, y_pred)), rel=1e-6)
    one_hot = floats(ONE_HOT)
    cce = losses.CategoricalCrossentropy()(one_hot, y_pred)
    assert float(losses.CategoricalFocalCrossentropy(alpha=1.0, gamma=0.0)(one_hot, y_pred)) == pytest.approx(
        float(cce), rel=1e-6
    )


def test_tversky_with_equal_weights_is_dice():
    y_true, y_pred = floats(SEG_T), floats(SEG_P)
    assert float(losses.Tversky(alpha=0.5, beta=0.5)(y_true, y_pred)) == pytest.approx(
        float(losses.Dice()(y_true, y_pred)), rel=1e-6
    )


# -- gradients ---------------------------------------------------------------------------------
def gradient_cases(rng):
    n = 4
    bits = rng.integers(0, 2, (n, 3)).astype(float)
    one_hot = np.eye(3)[rng.integers(0, 3, n)]
    embeddings = rng.standard_normal((n, 3))
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    return {
        "bfce": (losses.BinaryFocalCrossentropy(), bits, rng.uniform(0.05, 0.95, (n, 3))),
        "bfce_balanced_smoothed": (
            losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=1.5, label_smoothing=0.1),
            bits,
            rng.uniform(0.05, 0.95, (n, 3)),
        ),
        "bfce_logits_axis1": (
            losses.BinaryFocalCrossentropy(from_logits=True, axis=1),
            rng.integers(0, 2, (n, 3, 2)).astype(float),
            rng.standard_normal((n, 3, 2)),
        ),
        "cfce": (losses.CategoricalFocalCrossentropy(), one_hot, rng.uniform(0.1, 1.0, (n, 3))),
        "cfce_logits_smoothed": (
            losses.CategoricalFocalCrossentropy(from_logits=True, label_smoothing=0.2, gamma=3.0),
            one_hot,
            rng.standard_normal((n, 3)),
        ),
        "dice": (losses.Dice(), bits, rng.uniform(0.0, 1.0, (n, 3))),
        "dice_axis": (losses.Dice(axis=1), bits, rng.uniform(0.0, 1.0, (n, 3))),
        "tversky": (losses.Tversky(alpha=0.3, beta=0.7, axis=(1, 2)), bits[:, :, None], rng.uniform(0, 1, (n, 3, 1))),
        "gce": (losses.CategoricalGeneralizedCrossEntropy(q=0.3), rng.integers(0, 3, n), rng.uniform(0.1, 1, (n, 3))),
        "circle": (losses.Circle(gamma=8.0), np.array([0, 0, 1, 1]), embeddings),
        "circle_sum": (losses.Circle(gamma=4.0, reduction="sum"), np.array([0, 1, 1, 2]), embeddings),
    }


@pytest.mark.parametrize("weighting", ["unweighted", "per_sample"])
@pytest.mark.parametrize("case", sorted(gradient_cases(np.random.default_rng(0))))
def test_loss_gradient(float64, case, weighting):
    rng = np.random.default_rng(30)
    loss, raw_targets, prediction = gradient_cases(rng)[case]
    y_pred = device(prediction)
    sample_weight = None if weighting == "unweighted" else rng.uniform(0.2, 3.0, size=len(prediction))
    prepared = loss.prepare_targets(raw_targets, y_pred.shape)
    weights = loss.prepare_sample_weight(sample_weight, y_pred.shape)

    value, analytic = loss.value_and_gradient(prepared, y_pred.copy(), weights)

    def scalar():
        return float(loss(raw_targets, y_pred, sample_weight=sample_weight))

    assert float(value) == pytest.approx(scalar(), rel=1e-12)
    assert analytic.shape == y_pred.shape
    assert_gradient_close(analytic, numeric_gradient(scalar, y_pred))


# -- names, configs, bad arguments -----------------------------------------------------------------
@pytest.mark.parametrize(
    "loss",
    [
        losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.4, gamma=1.0, from_logits=True),
        losses.CategoricalFocalCrossentropy(alpha=0.5, label_smoothing=0.1, axis=1, reduction="sum"),
        losses.Dice(axis=(1, 2), name="my_dice"),
        losses.Tversky(alpha=0.2, beta=0.8, reduction=None),
        losses.CategoricalGeneralizedCrossEntropy(q=0.25),
        losses.Circle(gamma=10.0, margin=0.3, remove_diagonal=False),
    ],
    ids=lambda loss: type(loss).__name__,
)
def test_configs_round_trip(loss):
    again = losses.get(losses.serialize(loss))
    assert type(again) is type(loss) and again.get_config() == loss.get_config()


@pytest.mark.parametrize(
    "name, cls",
    [
        ("binary_focal_crossentropy", losses.BinaryFocalCrossentropy),
        ("categorical_focal_crossentropy", losses.CategoricalFocalCrossentropy),
        ("dice", losses.Dice),
        ("tversky", losses.Tversky),
        ("categorical_generalized_cross_entropy", losses.CategoricalGeneralizedCrossEntropy),
        ("circle", losses.Circle),
        ("Dice", losses.Dice),
    ],
)
def test_names_resolve_as_in_keras(name, cls):
    assert type(losses.get(name)) is cls


@pytest.mark.parametrize(
    "make, error, argument, received",
    [
        (lambda: losses.BinaryFocalCrossentropy(alpha=1.5), ValueError, "alpha", "1.5"),
        (lambda: losses.BinaryFocalCrossentropy(gamma=-1.0), ValueError, "gamma", "-1.0"),
        (lambda: losses.BinaryFocalCrossentropy(from_logits="yes"), TypeError, "from_logits", "'yes'"),
        (lambda: losses.CategoricalFocalCrossentropy(label_smoothing=1.0), ValueError, "label_smoothing", "1.0"),
        (lambda: losses.CategoricalFocalCrossentropy(axis=None), TypeError, "axis", "None"),
        (lambda: losses.Dice(axis="x"), TypeError, "axis", "'x'"),
        (lambda: losses.Tversky(alpha="a"), ValueError, "alpha", "'a'"),
        (lambda: losses.CategoricalGeneralizedCrossEntropy(q=1.0), ValueError, "q", "1.0"),
        (lambda: losses.CategoricalGeneralizedCrossEntropy(q=0), ValueError, "q", "0"),
        (lambda: losses.Circle(gamma=0), ValueError, "gamma", "0"),
        (lambda: losses.Dice(reduction="avg"), ValueError, "reduction", "'avg'"),
        (
            lambda: losses.CategoricalGeneralizedCrossEntropy()(np.array([0, 3]), floats(PROBS3[:2])),
            ValueError,
            "y",
            "3",
        ),
        (lambda: losses.BinaryFocalCrossentropy()(np.array([[2.0]]), np.array([[0.5]])), ValueError, "y", "2"),
        (lambda: losses.Circle()(np.array([0, 1, 0]), floats(EMB)), ValueError, "y", "(3,)"),
    ],
)
def test_bad_arguments_are_refused_clearly(make, error, argument, received):
    with pytest.raises(error) as raised:
        make()
    message = str(raised.value)
    assert message.startswith(argument) and received in message


# -- end to end ---------------------------------------------------------------------------------
def classification_data(samples=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, 4)).astype("float32")
    labels = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int64") + (x[:, 2] > 1).astype("int64")
    return x, labels


@pytest.mark.parametrize(
    "loss, activation, units, target_kind",
    [
        ("binary_focal_crossentropy", "sigmoid", 1, "binary"),
        ("categorical_focal_crossentropy", "softmax", 3, "one_hot"),
        ("dice", "sigmoid", 3, "one_hot"),
        ("tversky", "sigmoid", 3, "one_hot"),
        ("categorical_generalized_cross_entropy", "softmax", 3, "labels"),
    ],
)
def test_compiled_by_name_fit_lowers_the_loss_and_agrees_with_evaluate(loss, activation, units, target_kind):
    x, labels = classification_data()
    y = {"binary": (labels > 0).astype("float32")[:, None], "one_hot": np.eye(3)[labels], "labels": labels}
    y = y[target_kind]
    utils.set_random_seed(0)
    model = Sequential([layers.Input((4,)), layers.Dense(8, activation="tanh"), layers.Dense(units, activation)])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.05), loss=loss, metrics=["accuracy"])
    history = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    evaluated = model.evaluate(x, y, batch_size=64, verbose=0)
    by_hand = losses.get(loss)(y, model.predict(x, verbose=0))
    assert evaluated[0] == pytest.approx(float(by_hand), rel=1e-5)
