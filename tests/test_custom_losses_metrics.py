"""Losses and metrics of one's own, written with kerasette.ops: compile(loss=fn), Loss.call,
metric functions and Metric subclasses, checked against the built-ins and hand computations."""

from __future__ import annotations

import numpy as np
import pytest
from data_helpers import require_dataset

import kerasette as keras
from kerasette import layers, losses, metrics, ops
from kerasette.datasets import mnist
from kerasette.saving import register_keras_serializable


def my_mse(y_true, y_pred):
    return ops.mean(ops.square(y_pred - y_true), axis=-1)


class ProbabilityCrossentropy(losses.Loss):
    """Categorical cross-entropy on probabilities, clipped as Keras clips them."""

    def call(self, y_true, y_pred):
        probabilities = ops.clip(y_pred, 1e-7, 1 - 1e-7)
        return -ops.sum(y_true * ops.log(probabilities), axis=-1)


@pytest.fixture(scope="module")
def mnist_subset():
    (x_train, y_train), _ = require_dataset(mnist.load_data)
    x = x_train[:2048].reshape(-1, 784).astype("float32") / 255
    return x, keras.utils.to_categorical(y_train[:2048], 10)


def train_curve(loss, x, y, sample_weight=None):
    keras.utils.set_random_seed(11)
    model = keras.Sequential(
        [keras.Input((784,)), layers.Dense(32, activation="relu"), layers.Dense(10, activation="softmax")]
    )
    model.compile(optimizer="rmsprop", loss=loss)
    history = model.fit(x, y, batch_size=128, epochs=3, verbose=0, sample_weight=sample_weight)
    return np.array(history.history["loss"]), model.get_weights()


def test_a_loss_function_gives_the_builtin_training_curve(mnist_subset):
    x, y = mnist_subset
    builtin, builtin_weights = train_curve("mse", x, y)
    custom, custom_weights = train_curve(my_mse, x, y)
    np.testing.assert_allclose(custom, builtin, rtol=1e-6)
    for mine, theirs in zip(custom_weights, builtin_weights):
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-6)


def test_a_loss_subclass_gives_the_builtin_cross_entropy_curve(mnist_subset):
    x, y = mnist_subset
    builtin, _ = train_curve("categorical_crossentropy", x, y)
    custom, _ = train_curve(ProbabilityCrossentropy(), x, y)
    # The built-in takes the fused p - y gradient; the tape goes through clip, log and softmax.
    np.testing.assert_allclose(custom, builtin, rtol=1e-5)


def test_sample_weights_weigh_a_custom_loss_as_the_builtin():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((96, 5)).astype("float32"), rng.standard_normal((96, 3)).astype("float32")
    weights = rng.uniform(0, 2, 96)

    def curve(loss):
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input((5,)), layers.Dense(3)])
        model.compile(optimizer="sgd", loss=loss)
        return model.fit(x, y, batch_size=32, epochs=2, verbose=0, sample_weight=weights).history["loss"]

    np.testing.assert_allclose(curve(my_mse), curve("mse"), rtol=1e-6)


def test_loss_subclass_name_reduction_and_direct_call():
    loss = ProbabilityCrossentropy()
    assert loss.name == "probability_crossentropy"
    y_true, y_pred = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[0.5, 0.5], [0.25, 0.75]])
    expected = [-np.log(0.5), -np.log(0.25)]
    assert float(loss(y_true, y_pred)) == pytest.approx(np.mean(expected), rel=1e-6)
    summed = ProbabilityCrossentropy(reduction="sum")
    assert float(summed(y_true, y_pred)) == pytest.approx(np.sum(expected), rel=1e-6)
    value, grad = summed.value_and_gradient(y_true.astype("float32"), y_pred.astype("float32"))
    np.testing.assert_allclose(grad, [[0.0, -2.0], [-4.0, 0.0]], rtol=1e-6)
    weighted = ProbabilityCrossentropy(reduction="mean_with_sample_weight")
    assert float(weighted(y_true, y_pred, sample_weight=[3.0, 1.0])) == pytest.approx(
        (3 * expected[0] + expected[1]) / 4, rel=1e-6
    )


def test_a_custom_loss_may_take_integer_labels():
    def sparse_nll(y_true, y_pred):
        picked = ops.sum(ops.one_hot(y_true, 3) * ops.log(y_pred), axis=-1)
        return -picked

    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss=sparse_nll)
    labels = np.array([0, 1, 2, 1])
    x = np.random.default_rng(0).standard_normal((4, 4))
    expected = keras.losses.SparseCategoricalCrossentropy()(labels, model.predict(x, verbose=0))
    assert model.evaluate(x, labels, verbose=0) == pytest.approx(float(expected), rel=1e-5)


def test_a_metric_function_is_logged_under_its_name_with_its_value():
    def mean_abs_difference(y_true, y_pred):
        return ops.mean(ops.absolute(y_true - y_pred), axis=-1)

    model = keras.Sequential([keras.Input((2,)), layers.Dense(2, kernel_initializer="ones")])
    model.compile(optimizer="sgd", loss="mse", metrics=[mean_abs_difference])
    x, y = np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([[0.0, 0.0], [1.0, 3.0]])
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    # predictions [[3, 3], [1, 1]]: |d| = [[3, 3], [0, 2]] -> per sample 3 and 1 -> 2
    assert set(result) == {"loss", "mean_abs_difference"}
    assert result["mean_abs_difference"] == pytest.approx(2.0)
    history = model.fit(x, y, epochs=1, verbose=0)
    assert "mean_abs_difference" in history.history


class CategoricalTruePositives(metrics.Metric):
    """The Keras guide's metric, in kerasette's replace-the-state style."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), initializer="zeros", name="true_positives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted = ops.argmax(y_pred, axis=1)
        values = ops.cast(ops.equal(ops.cast(y_true, "int32"), ops.cast(predicted, "int32")), "float32")
        if sample_weight is not None:
            values = ops.multiply(values, ops.cast(sample_weight, "float32"))
        self.true_positives = self.true_positives + ops.sum(values)

    def result(self):
        return self.true_positives


def test_a_metric_subclass_written_with_ops_equals_a_hand_count():
    rng = np.random.default_rng(3)
    x, labels = rng.standard_normal((50, 4)).astype("float32"), rng.integers(0, 3, 50)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=[CategoricalTruePositives()])
    expected = float(np.sum(model.predict(x, verbose=0).argmax(axis=1) == labels))
    logs = model.evaluate(x, labels, batch_size=16, verbose=0, return_dict=True)
    assert logs["categorical_true_positives"] == expected
    metric = CategoricalTruePositives()
    metric.update_state(labels[:10], model.predict(x[:10], verbose=0))
    metric.update_state(labels[10:], model.predict(x[10:], verbose=0))
    assert float(metric.result()) == expected
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_a_model_with_a_registered_loss_function_saves_and_loads(tmp_path):
    @register_keras_serializable(package="TestCustomLosses")
    def scaled_mse(y_true, y_pred):
        return 2.0 * ops.mean(ops.square(y_pred - y_true), axis=-1)

    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss=scaled_mse)
    x, y = np.ones((4, 3)), np.zeros((4, 1))
    model.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / "loss.h5")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.loss.name == "scaled_mse"
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-6)
