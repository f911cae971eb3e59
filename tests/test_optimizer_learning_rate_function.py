"""An optimizer's learning rate may be a function of no arguments, called at every step,
as Keras 3 documents ("a callable that takes no arguments and returns the actual value to
use"); one SGD/Adam step is compared with the published update formula."""

import numpy as np
import pytest

import kerasette as keras
from kerasette import optimizers


def test_the_function_is_called_at_every_step():
    rates = iter([0.5, 0.25])
    current = {"rate": None}

    def rate():
        current["rate"] = next(rates)
        return current["rate"]

    optimizer = optimizers.SGD(learning_rate=rate)
    weight, gradient = np.array([1.0, -2.0]), np.array([0.4, 0.2])
    optimizer.apply([gradient], [weight])
    np.testing.assert_allclose(weight, [1.0 - 0.5 * 0.4, -2.0 - 0.5 * 0.2])
    optimizer.apply([gradient], [weight])
    np.testing.assert_allclose(weight, [1.0 - 0.75 * 0.4, -2.0 - 0.75 * 0.2])
    assert optimizer.has_learning_rate_schedule()


def test_adam_with_a_rate_function_matches_the_formula():
    optimizer = optimizers.Adam(learning_rate=lambda: 0.01)
    weight, gradient = np.array([0.5]), np.array([0.3])
    optimizer.apply([gradient], [weight])
    # Keras's Adam, step 1: m = 0.1 g, v = 0.001 g^2, lr_t = lr sqrt(1 - b2) / (1 - b1)
    m, v = 0.1 * 0.3, 0.001 * 0.3**2
    expected = 0.5 - 0.01 * np.sqrt(1 - 0.999) / (1 - 0.9) * m / (np.sqrt(v) + 1e-7)
    np.testing.assert_allclose(weight, [expected], rtol=1e-12)
    assert optimizer.learning_rate == 0.01


def test_a_rate_function_cannot_be_replaced_by_a_number_and_must_give_a_positive_rate():
    optimizer = optimizers.SGD(learning_rate=lambda: 0.1)
    with pytest.raises(TypeError, match="learning_rate"):
        optimizer.learning_rate = 0.2
    bad = optimizers.SGD(learning_rate=lambda: -1.0)
    with pytest.raises(ValueError, match="learning_rate"):
        bad.apply([np.ones(1)], [np.ones(1)])


def test_fit_trains_with_a_rate_function():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=optimizers.SGD(learning_rate=lambda: 0.1), loss="mse")
    x, y = np.array([[1.0, 0.0]], dtype="float32"), np.array([[1.0]], dtype="float32")
    model.fit(x, y, batch_size=1, epochs=1, shuffle=False, verbose=0)
    # d mse / d kernel = 2 (pred - y) x = [-2, 0]; one step of 0.1
    np.testing.assert_allclose(model.layers[0].get_weights()[0].ravel(), [0.2, 0.0], rtol=1e-6)


def test_a_registered_rate_function_is_saved_by_name_and_a_lambda_is_refused(tmp_path):
    @keras.saving.register_keras_serializable(package="Tests")
    def tenth():
        return 0.1

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(learning_rate=tenth), loss="mse")
    model.fit(np.ones((2, 2)), np.ones((2, 1)), verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert loaded.optimizer._learning_rate is tenth and loaded.optimizer.learning_rate == 0.1
    model.compile(optimizer=optimizers.SGD(learning_rate=lambda: 0.1), loss="mse")
    model.fit(np.ones((2, 2)), np.ones((2, 1)), verbose=0)
    with pytest.raises(ValueError, match="cannot be saved: kerasette saves no code"):
        model.save(tmp_path / "lambda.keras")
