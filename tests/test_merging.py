"""Merging layers, Lambda and Identity: Keras's formulas, shapes, errors, and gradients
checked against central differences in float64."""

import numpy as np
import pytest

import kerasette
import kerasette as keras
from kerasette import layers, ops
from kerasette.ops import tape

RNG = np.random.default_rng(0)


def tape_gradients(function, arrays: list, cotangent) -> list:
    """d sum(function(inputs) * cotangent) / d inputs, through kerasette.GradientTape."""
    tensors = [tape.Tensor(array) for array in arrays]
    with kerasette.GradientTape() as gradient_tape:
        gradient_tape.watch(tensors)
        output = function(tensors)
    return gradient_tape.gradient(output, tensors, output_gradients=[cotangent], unconnected_gradients="zero")


def numeric_gradients(function, arrays: list, cotangent, step: float = 1e-6) -> list:
    grads = []
    for array in arrays:
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + step
            plus = np.sum(np.asarray(function(arrays)) * cotangent)
            array[index] = saved - step
            minus = np.sum(np.asarray(function(arrays)) * cotangent)
            array[index] = saved
            grad[index] = (plus - minus) / (2 * step)
        grads.append(grad)
    return grads


def assert_gradients_match(function, arrays):
    output = np.asarray(function(arrays))
    cotangent = RNG.standard_normal(output.shape)
    analytic = tape_gradients(function, arrays, cotangent)
    numeric = numeric_gradients(function, arrays, cotangent)
    for a, n in zip(analytic, numeric):
        error = np.linalg.norm(np.asarray(a) - n) / max(np.linalg.norm(a) + np.linalg.norm(n), 1e-12)
        assert error < 1e-6, error


def inputs(*shapes):
    return [RNG.standard_normal(shape) for shape in shapes]


def l2_normalize(x, axis):
    return x / np.sqrt(np.maximum(np.sum(x**2, axis=axis, keepdims=True), 1e-12))


ELEMENTWISE = [
    (layers.Add, lambda xs: sum(xs), 3),
    (layers.Subtract, lambda xs: xs[0] - xs[1], 2),
    (layers.Multiply, lambda xs: xs[0] * xs[1] * xs[2], 3),
    (layers.Average, lambda xs: sum(xs) / len(xs), 3),
    (layers.Maximum, lambda xs: np.maximum(np.maximum(xs[0], xs[1]), xs[2]), 3),
    (layers.Minimum, lambda xs: np.minimum(np.minimum(xs[0], xs[1]), xs[2]), 3),
]


@pytest.mark.parametrize("cls, formula, count", ELEMENTWISE, ids=[case[0].__name__ for case in ELEMENTWISE])
def test_elementwise_merges_follow_keras_formula_and_gradient(cls, formula, count):
    arrays = inputs(*[(4, 3)] * count)
    layer = cls()
    np.testing.assert_allclose(layer.call(arrays), formula(arrays), rtol=1e-12)
    assert_gradients_match(layer.call, arrays)


@pytest.mark.parametrize("cls, formula, count", ELEMENTWISE, ids=[case[0].__name__ for case in ELEMENTWISE])
def test_elementwise_merges_in_a_model(cls, formula, count):
    symbolic = [keras.Input((3,)) for _ in range(count)]
    model = keras.Model(symbolic, cls()(symbolic))
    arrays = inputs(*[(5, 3)] * count)
    np.testing.assert_allclose(model(arrays), formula(arrays), rtol=1e-5)


def test_elementwise_broadcasting_as_keras():
    a, b = keras.Input((1, 3)), keras.Input((4, 3))
    assert layers.Add()([a, b]).shape == (None, 4, 3)
    # Keras aligns an input of lower rank after its batch axis: (None, 3) -> (None, 1, 3).
    assert layers.Multiply()([keras.Input((3,)), b]).shape == (None, 4, 3)
    x, y = inputs((2, 3), (2, 4, 3))
    np.testing.assert_allclose(layers.Multiply().call([x, y]), x[:, None, :] * y)
    assert_gradients_match(layers.Multiply().call, [x, y])


def test_concatenate_shapes_values_and_gradient():
    a, b = keras.Input((2, 3)), keras.Input((2, 5))
    assert layers.Concatenate()([a, b]).shape == (None, 2, 8)
    assert layers.concatenate([a, a], axis=1).shape == (None, 4, 3)
    x, y = inputs((3, 2, 3), (3, 2, 5))
    np.testing.assert_array_equal(layers.Concatenate(axis=-1).call([x, y]), np.concatenate([x, y], axis=-1))
    assert_gradients_match(layers.Concatenate(axis=-1).call, [x, y])
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        layers.Concatenate(axis=1)([a, b])


@pytest.mark.parametrize("normalize", [False, True])
def test_dot_matches_keras_batch_dot(normalize):
    x, y = inputs((4, 3), (4, 3))
    layer = layers.Dot(axes=1, normalize=normalize)
    xn, yn = (l2_normalize(x, 1), l2_normalize(y, 1)) if normalize else (x, y)
    np.testing.assert_allclose(layer.call([x, y]), np.sum(xn * yn, axis=1, keepdims=True), rtol=1e-12)
    assert_gradients_match(layer.call, [x, y])
    # Sequences: (batch, 2, 3) . (batch, 3, 5) over axes (2, 1) -> (batch, 2, 5).
    x, y = inputs((2, 2, 3), (2, 3, 5))
    layer = layers.Dot(axes=(2, 1), normalize=normalize)
    xn, yn = (l2_normalize(x, 2), l2_normalize(y, 1)) if normalize else (x, y)
    np.testing.assert_allclose(layer.call([x, y]), np.einsum("bij,bjk->bik", xn, yn), rtol=1e-12)
    assert_gradients_match(layer.call, [x, y])
    assert layer([keras.Input((2, 3)), keras.Input((3, 5))]).shape == (None, 2, 5)


def test_function_forms_make_a_layer_of_the_class():
    a, b = keras.Input((3,)), keras.Input((3,))
    for function, cls in [
        (layers.add, layers.Add),
        (layers.subtract, layers.Subtract),
        (layers.multiply, layers.Multiply),
        (layers.average, layers.Average),
        (layers.maximum, layers.Maximum),
        (layers.minimum, layers.Minimum),
        (layers.concatenate, layers.Concatenate),
        (layers.dot, layers.Dot),
    ]:
        output = function([a, b])
        assert type(output.keras_history.operation) is cls
    x, y = inputs((2, 3), (2, 3))
    np.testing.assert_allclose(layers.add([x, y]), x + y)


def test_merge_errors_name_layer_received_and_expected():
    a, b = keras.Input((3,)), keras.Input((4,))
    with pytest.raises(ValueError, match=r"incompatible shapes; received per-sample shapes \(3,\) and \(4,\)"):
        layers.Add(name="joint")([a, b])
    with pytest.raises(ValueError, match="should be called on exactly 2 inputs; received 3"):
        layers.Subtract()([a, a, a])
    with pytest.raises(ValueError, match="should be called on a list of inputs"):
        layers.Add()(a)
    with pytest.raises(ValueError, match="axis values 3 != 4"):
        layers.Dot(axes=1)([a, b])
    with pytest.raises(TypeError, match="axes: expected an int or a pair of ints"):
        layers.Dot(axes="last")


def test_merge_configs_round_trip():
    for layer in [layers.Concatenate(axis=1), layers.Dot(axes=(1, 2), normalize=True), layers.Add()]:
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config


def test_lambda_and_identity():
    x = keras.Input((3,))
    squared = layers.Lambda(lambda t: ops.square(t) * 2)(x)
    summed = layers.Lambda(lambda t, axis: ops.sum(t, axis=axis, keepdims=True), arguments={"axis": 1})(x)
    same = layers.Identity()(x)
    assert squared.shape == (None, 3) and summed.shape == (None, 1) and same.shape == (None, 3)
    model = keras.Model(x, [squared, summed, same])
    data = inputs((4, 3))[0]
    results = model(data)
    np.testing.assert_allclose(results[0], 2 * data**2, rtol=1e-6)
    np.testing.assert_allclose(results[1], data.sum(axis=1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(results[2], data, rtol=1e-6)
    assert_gradients_match(lambda xs: layers.Lambda(lambda t: ops.tanh(t) * t).call(xs[0]), inputs((2, 3)))


def test_lambda_code_is_not_loaded_in_safe_mode():
    config = layers.Lambda(lambda t: t * 3).get_config()
    with pytest.raises(ValueError, match="refused in safe mode"):
        layers.Lambda.from_config(config)
    with layers.SafeModeScope(False):
        restored = layers.Lambda.from_config(config)
    assert restored.call(np.array([2.0])).tolist() == [6.0]
