"""Property-based tests (hypothesis) of layers, softmax, losses and ``to_categorical``.

Shapes, dtypes and values are drawn at random; every property is checked against a
float64 NumPy reference or an invariant that any correct implementation keeps:

- layers give the output shape ``compute_output_shape`` promises, and the reference values,
  for any valid input shape and any numeric input dtype;
- softmax rows are finite, in [0, 1] and sum to 1 for any finite float32 logits, up to
  +-3.4e38;
- losses are finite, >= 0 and match the reference for valid targets and predictions,
  with logits up to +-1e30; their gradients are finite;
- ``to_categorical`` round-trips (argmax gives the labels back) and refuses labels
  outside [0, num_classes).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kerasette import activations, backend, layers, losses, utils

FLOAT32_MAX = float(np.finfo(np.float32).max)
MAX_EXAMPLES = 60
PROFILE = settings(max_examples=MAX_EXAMPLES, deadline=None)

NUMERIC_DTYPES = ["bool", "int8", "uint8", "int16", "int32", "int64", "float16", "float32", "float64"]
ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "softmax": lambda z: (
        np.exp(z - z.max(-1, keepdims=True)) / np.exp(z - z.max(-1, keepdims=True)).sum(-1, keepdims=True)
    ),
}


def sample_shapes(max_extra_axes: int = 2):
    """(batch, *middle axes, features) with small sizes."""
    return hnp.array_shapes(min_dims=2, max_dims=2 + max_extra_axes, min_side=1, max_side=5)


def moderate_floats(shape):
    return hnp.arrays(np.float64, shape, elements=st.floats(-10, 10, allow_nan=False))


def float32_logits(bound: float = FLOAT32_MAX, max_rows: int = 4, max_classes: int = 8):
    shapes = st.tuples(st.integers(1, max_rows), st.integers(1, max_classes))
    bound = float(np.float32(bound))
    elements = st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=32)
    return shapes.flatmap(lambda shape: hnp.arrays(np.float32, shape, elements=elements))


# -- layers ------------------------------------------------------------------------------------------


@PROFILE
@given(data=st.data(), units=st.integers(1, 6), activation=st.sampled_from(sorted(ACTIVATIONS)))
def test_dense_output_shape_and_values_for_any_input_shape(data, units, activation):
    shape = data.draw(sample_shapes())
    inputs = data.draw(moderate_floats(shape))
    layer = layers.Dense(units, activation=activation, bias_initializer="glorot_uniform")

    outputs = layer(inputs)

    assert outputs.shape == shape[:-1] + (units,)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + outputs.shape[1:]
    kernel, bias = (w.astype(np.float64) for w in layer.get_weights())
    expected = ACTIVATIONS[activation](inputs.astype(np.float32).astype(np.float64) @ kernel + bias)
    np.testing.assert_allclose(backend.to_numpy(outputs), expected, rtol=1e-4, atol=1e-5)


@PROFILE
@given(shape=sample_shapes(3))
def test_flatten_keeps_the_batch_axis_and_every_value(shape):
    inputs = np.arange(math.prod(shape), dtype=np.float32).reshape(shape)
    outputs = backend.to_numpy(layers.Flatten()(inputs))
    assert outputs.shape == (shape[0], math.prod(shape[1:]))
    np.testing.assert_array_equal(outputs, inputs.reshape(shape[0], -1))


@PROFILE
@given(data=st.data(), rate=st.floats(0.0, 0.95))
def test_dropout_is_identity_at_inference_and_zeroes_or_rescales_in_training(data, rate):
    inputs = data.draw(moderate_floats(data.draw(sample_shapes()))).astype(np.float32)
    layer = layers.Dropout(rate)
    np.testing.assert_array_equal(backend.to_numpy(layer(inputs)), inputs)

    outputs = backend.to_numpy(layer(inputs, training=True))
    assert outputs.shape == inputs.shape
    kept = outputs != 0
    np.testing.assert_allclose(outputs[kept], inputs[kept] / np.float32(1 - rate), rtol=1e-6)


@PROFILE
@given(data=st.data(), dtype=st.sampled_from(NUMERIC_DTYPES))
def test_layers_accept_every_numeric_dtype_and_compute_in_floatx(data, dtype):
    shape = data.draw(sample_shapes(max_extra_axes=0))
    elements = st.booleans() if dtype == "bool" else st.integers(0, 100) if dtype[0] in "iu" else st.floats(-8, 8)
    inputs = data.draw(hnp.arrays(dtype, shape, elements=elements))
    dense = layers.Dense(3)
    for layer in (dense, layers.Activation("tanh"), layers.Softmax(), layers.Flatten()):
        outputs = backend.to_numpy(layer(inputs))
        reference = backend.to_numpy(layer(inputs.astype(np.float32)))
        assert outputs.dtype == np.float32
        np.testing.assert_array_equal(outputs, reference)


@pytest.mark.parametrize("dtype", ["U3", "S3", "complex64", "object", "datetime64[s]"])
def test_models_refuse_non_numeric_dtypes(dtype):
    from kerasette import Sequential

    model = Sequential([layers.Dense(2, input_shape=(3,))])
    with pytest.raises(TypeError, match="x: expected numbers"):
        model.predict(np.zeros((2, 3)).astype(dtype), verbose=0)


# -- softmax ------------------------------------------------------------------------------------------


@PROFILE
@given(logits=float32_logits())
@example(logits=np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], np.float32))
@example(logits=np.array([[FLOAT32_MAX, -FLOAT32_MAX, 0.0], [-3e38, 3e38, 3e38]], np.float32))
def test_softmax_rows_are_finite_probabilities_for_any_finite_logits(logits):
    with np.errstate(over="ignore"):  # max - (-max) overflows to -inf, whose exp is exactly 0
        for probabilities in (activations.softmax(logits), layers.Softmax()(logits)):
            probabilities = backend.to_numpy(probabilities)
            assert probabilities.shape == logits.shape
            assert np.isfinite(probabilities).all()
            assert ((probabilities >= 0) & (probabilities <= 1)).all()
            np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, atol=1e-5)
            largest = probabilities[np.arange(len(logits)), logits.argmax(axis=-1)]
            np.testing.assert_array_equal(largest, probabilities.max(axis=-1))


# -- losses -------------------------------------------------------------------------------------------


def log_softmax64(logits):
    z = logits.astype(np.float64)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


# Keras clips probabilities to [1e-7, 1 - 1e-7] in the float32 it computes in; so does the reference.
EPSILON, ONE_MINUS_EPSILON = np.float32(1e-7), np.float32(1 - 1e-7)


def clipped(probabilities):
    p = probabilities / probabilities.sum(axis=-1, keepdims=True)
    return np.clip(p, EPSILON, ONE_MINUS_EPSILON).astype(np.float64)


def bce_logits64(targets, logits):
    z = logits.astype(np.float64)
    return (np.maximum(z, 0) - z * targets + np.log1p(np.exp(-np.abs(z)))).mean(axis=-1)


def bce_probabilities64(targets, probabilities):
    p = np.clip(probabilities, EPSILON, ONE_MINUS_EPSILON).astype(np.float64)
    return -(targets * np.log(p) + (1 - targets) * np.log(1 - p)).mean(axis=-1)


LOGIT_BOUNDS = st.sampled_from([10.0, 1e4, 1e30])


@st.composite
def loss_problems(draw):
    """(loss, y_true, y_pred, float64 reference loss) for a random valid problem."""
    kind = draw(
        st.sampled_from(
            [
                "cce_logits",
                "cce_probabilities",
                "scce_logits",
                "scce_probabilities",
                "bce_logits",
                "bce_probabilities",
                "mse",
            ]
        )
    )
    logits = draw(float32_logits(bound=draw(LOGIT_BOUNDS), max_rows=5))
    n, classes = logits.shape
    probabilities = backend.to_numpy(activations.softmax(np.clip(logits, -50, 50)))
    labels = draw(hnp.arrays(np.int64, n, elements=st.integers(0, classes - 1)))
    soft = draw(hnp.arrays(np.float64, (n, classes), elements=st.floats(0, 1)))
    soft = np.where(soft.sum(-1, keepdims=True) > 0, soft, 1.0)
    soft = soft / soft.sum(-1, keepdims=True)
    one_hot = np.eye(classes)[labels]
    targets = draw(st.sampled_from([one_hot, soft]))
    rows = np.arange(n)
    if kind == "cce_logits":
        reference = -(targets * log_softmax64(logits)).sum(-1)
        return losses.CategoricalCrossentropy(from_logits=True), targets, logits, reference
    if kind == "cce_probabilities":
        reference = -(targets * np.log(clipped(probabilities))).sum(-1)
        return losses.CategoricalCrossentropy(), targets, probabilities, reference
    if kind == "scce_logits":
        reference = -log_softmax64(logits)[rows, labels]
        return losses.SparseCategoricalCrossentropy(from_logits=True), labels, logits, reference
    if kind == "scce_probabilities":
        reference = -np.log(clipped(probabilities))[rows, labels]
        return losses.SparseCategoricalCrossentropy(), labels, probabilities, reference
    if kind == "bce_logits":
        return losses.BinaryCrossentropy(from_logits=True), soft, logits, bce_logits64(soft, logits)
    if kind == "bce_probabilities":
        sigmoid = backend.to_numpy(activations.sigmoid(np.clip(logits, -50, 50)))
        return losses.BinaryCrossentropy(), soft, sigmoid, bce_probabilities64(soft, sigmoid)
    predictions = np.clip(logits, -1e4, 1e4)
    return losses.MeanSquaredError(), soft, predictions, ((predictions.astype(np.float64) - soft) ** 2).mean(-1)


@PROFILE
@given(problem=loss_problems())
def test_losses_are_finite_non_negative_and_match_the_float64_reference(problem):
    loss, y_true, y_pred, per_sample_reference = problem
    value = float(loss(y_true, y_pred))
    assert math.isfinite(value)
    assert value >= 0
    reference = per_sample_reference.mean()
    assert value == pytest.approx(reference, rel=1e-4, abs=1e-5)

    targets = loss.prepare_targets(y_true, y_pred.shape)
    _, gradient = loss.value_and_gradient(targets, backend.to_device(y_pred, backend.floatx()))
    assert np.isfinite(backend.to_numpy(gradient)).all()


HUGE = np.array([[3e38, -3e38, 0.0]], np.float32)
HUGE_LOSSES = {
    "cce": (
        lambda one_hot: losses.CategoricalCrossentropy(from_logits=True)(one_hot, HUGE),
        lambda one_hot: -(one_hot * log_softmax64(HUGE)).sum(),
    ),
    "scce": (
        lambda one_hot: losses.SparseCategoricalCrossentropy(from_logits=True)(one_hot.argmax(-1), HUGE),
        lambda one_hot: -(one_hot * log_softmax64(HUGE)).sum(),
    ),
    "bce": (
        lambda one_hot: losses.BinaryCrossentropy(from_logits=True)(one_hot, HUGE),
        lambda one_hot: bce_logits64(one_hot, HUGE)[0],
    ),
}


@pytest.mark.parametrize(
    "loss, target",
    [
        ("cce", 0),
        ("cce", 1),
        ("cce", 2),
        ("scce", 0),
        ("scce", 1),
        ("scce", 2),
        ("bce", 0),
        ("bce", 1),
        ("bce", 2),
    ],
)
def test_cross_entropy_on_logits_near_the_float32_limit_is_never_nan(loss, target):
    """Logits of +-3e38: the loss is finite wherever its true value fits in float32, else saturates."""
    one_hot = np.eye(3)[[target]]
    compute, reference = HUGE_LOSSES[loss]
    with np.errstate(over="ignore", invalid="ignore"):  # the point is what comes out, not the warnings
        value = float(compute(one_hot))
    expected = reference(one_hot)
    assert not math.isnan(value)
    if expected <= FLOAT32_MAX:
        assert value == pytest.approx(expected, rel=1e-6, abs=1e-6)
    else:
        assert value >= FLOAT32_MAX


# -- to_categorical -------------------------------------------------------------------------------


@st.composite
def labelled(draw):
    """(labels, num_classes) with every label in [0, num_classes), in a random dtype and shape."""
    num_classes = draw(st.integers(1, 12))
    dtype = draw(st.sampled_from(["uint8", "int16", "int32", "int64", "float32", "float64"]))
    shape = draw(
        st.one_of(hnp.array_shapes(min_dims=1, max_dims=2, max_side=6), st.integers(1, 6).map(lambda n: (n, 1)))
    )
    labels = draw(hnp.arrays(dtype, shape, elements=st.integers(0, num_classes - 1)))
    return labels, num_classes


@PROFILE
@given(problem=labelled(), give_num_classes=st.booleans())
def test_to_categorical_round_trips(problem, give_num_classes):
    labels, num_classes = problem
    squeezed = labels.reshape(labels.shape[:-1]) if labels.ndim > 1 and labels.shape[-1] == 1 else labels
    expected_classes = num_classes if give_num_classes else int(labels.max()) + 1

    one_hot = utils.to_categorical(labels, num_classes if give_num_classes else None)

    assert one_hot.shape == squeezed.shape + (expected_classes,)
    assert one_hot.dtype == np.float32
    assert set(np.unique(one_hot)) <= {0.0, 1.0}
    np.testing.assert_array_equal(one_hot.sum(axis=-1), 1.0)
    np.testing.assert_array_equal(one_hot.argmax(axis=-1), squeezed.astype(np.int64))


@PROFILE
@given(problem=labelled(), excess=st.integers(0, 1000), data=st.data())
def test_to_categorical_refuses_labels_not_below_num_classes(problem, excess, data):
    labels, num_classes = problem
    labels = labels.astype(np.int64)
    position = data.draw(st.tuples(*(st.integers(0, side - 1) for side in labels.shape)))
    labels[position] = num_classes + excess
    with pytest.raises(ValueError, match=f"label {num_classes + excess}, outside \\[0, {num_classes}\\)"):
        utils.to_categorical(labels, num_classes)


@PROFILE
@given(problem=labelled(), negative=st.integers(-1000, -1))
def test_to_categorical_refuses_negative_labels(problem, negative):
    labels, num_classes = problem
    labels = labels.astype(np.int64)
    labels.flat[-1] = negative
    with pytest.raises(ValueError, match=f"negative label {labels.min()}"):
        utils.to_categorical(labels, num_classes)
