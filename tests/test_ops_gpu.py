"""kerasette.ops and user layers, losses and regularizers on the CuPy backend.

Run on a GPU machine with ``KERASETTE_BACKEND=cupy python -m pytest -m gpu``: the tape's
gradients on the device against central differences on the device (float64), and a
user Dense and a user loss training exactly as the built-in ones do there.
"""

from __future__ import annotations

import numpy as np
import pytest

import kerasette as keras
from kerasette import GradientTape, backend, layers, ops
from kerasette.ops import Tensor

pytestmark = pytest.mark.gpu


def device_gradient_error(function, *host_arrays):
    xp = backend.xp
    arrays = [xp.asarray(a, dtype="float64") for a in host_arrays]
    projection = xp.asarray(np.random.default_rng(0).standard_normal(function(*arrays).shape))
    tensors = [Tensor(a.copy()) for a in arrays]
    with GradientTape() as tape:
        tape.watch(tensors)
        target = ops.sum(function(*tensors) * projection)
    grads = tape.gradient(target, tensors, unconnected_gradients="zero")
    worst = 0.0
    for index, grad in enumerate(grads):
        numeric = np.zeros(host_arrays[index].shape)
        for position in np.ndindex(numeric.shape):
            shifted = [a.copy() for a in arrays]
            shifted[index][position] += 1e-6
            upper = float(xp.sum(function(*shifted) * projection))
            shifted[index][position] -= 2e-6
            lower = float(xp.sum(function(*shifted) * projection))
            numeric[position] = (upper - lower) / 2e-6
        got = backend.to_numpy(grad)
        worst = max(worst, np.abs(got - numeric).max() / max(np.abs(numeric).max(), 1e-3))
    return worst


@pytest.mark.parametrize(
    "function, shapes",
    [
        (lambda a, b: ops.matmul(a, b) + ops.square(b[0]), ((3, 4), (4, 2))),
        (lambda a, b: ops.softmax(a * b) - ops.log_softmax(a, axis=0), ((3, 4), (4,))),
        (lambda a, b: ops.where(a > 0, ops.exp(a), b) / (1 + ops.abs(b)), ((2, 3), (1, 3))),
        (lambda a, b: ops.max(a, axis=1) + ops.logsumexp(b, axis=0), ((3, 4), (2, 3))),
        (
            lambda a, b: a[np.array([0, 0, 2])] * ops.take_along_axis(b, np.array([[1], [1], [0]]), axis=1),
            ((3, 2), (3, 2)),
        ),
        (lambda a, b: ops.concatenate([ops.relu(a), ops.sigmoid(b)], axis=0), ((2, 3), (1, 3))),
    ],
)
def test_tape_gradients_on_the_device_match_central_differences(function, shapes):
    rng = np.random.default_rng(1)
    host_arrays = [rng.standard_normal(shape) for shape in shapes]
    assert device_gradient_error(function, *host_arrays) < 1e-6


def test_ops_return_device_arrays_and_convert_to_numpy_gives_host_arrays():
    result = ops.matmul(backend.to_device(np.ones((2, 3))), backend.to_device(np.ones((3, 1))))
    assert backend.is_device_array(result)
    assert isinstance(ops.convert_to_numpy(result), np.ndarray)


def test_a_user_dense_and_a_user_loss_train_like_the_builtins_on_the_device():
    class UserDense(layers.Layer):
        def __init__(self, units, activation=None, **kwargs):
            super().__init__(**kwargs)
            self.units, self.activation = units, keras.activations.get(activation)

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

        def call(self, inputs):
            return self.activation(ops.matmul(inputs, self.kernel) + self.bias)

    def my_mse(y_true, y_pred):
        return ops.mean(ops.square(y_pred - y_true), axis=-1)

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((128, 8)).astype("float32"), rng.standard_normal((128, 2)).astype("float32")

    def curve(dense, loss):
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((8,)), dense(16, activation="relu"), layers.Dense(2)])
        model.compile(optimizer="adam", loss=loss)
        return model.fit(x, y, batch_size=32, epochs=3, verbose=0, shuffle=False).history["loss"]

    builtin = curve(layers.Dense, "mse")
    np.testing.assert_allclose(curve(UserDense, "mse"), builtin, rtol=1e-5)
    np.testing.assert_allclose(curve(layers.Dense, my_mse), builtin, rtol=1e-5)


def test_regularizers_and_constraints_on_the_device():
    model = keras.Sequential(
        [
            keras.Input((3,)),
            layers.Dense(2, kernel_regularizer="l2", activity_regularizer="l1", kernel_constraint="non_neg"),
        ]
    )
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 3), "float32"), np.zeros((8, 2), "float32"), epochs=2, verbose=0)
    kernel = backend.to_numpy(model.layers[0].kernel)
    assert (kernel >= 0).all()
    assert all(float(value) >= 0 for value in model.layers[0].losses)
