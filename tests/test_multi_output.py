"""Models of several inputs and outputs in training: compile's per-output losses, weights and
metrics, Keras's log names, lists and dicts of arrays, and the errors for what does not fit."""

from __future__ import annotations

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend, layers, ops
from tests.gradient_check import assert_gradient_close, numeric_gradient


@pytest.fixture
def float64():
    backend.set_floatx("float64")
    yield
    backend.set_floatx("float32")


def two_heads():
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    hidden = layers.concatenate([layers.Dense(5, activation="tanh", name="shared")(a), b])
    classes = layers.Dense(3, activation="softmax", name="cls")(hidden)
    value = layers.Dense(1, name="reg")(hidden)
    return keras.Model([a, b], [classes, value])


def data(rng, n=8):
    return rng.standard_normal((n, 4)), rng.standard_normal((n, 3)), rng.integers(0, 3, n), rng.standard_normal((n, 1))


def test_the_step_trains_the_weighted_sum_of_the_output_losses(float64):
    keras.utils.set_random_seed(0)
    model = two_heads()
    xa, xb, labels, values = data(np.random.default_rng(0))

    def total():
        classes, value = model([xa, xb], training=True)
        return keras.losses.SparseCategoricalCrossentropy()(labels, classes) + 0.5 * keras.losses.MeanSquaredError()(
            values, value
        )

    with keras.GradientTape() as tape:
        loss = total()
    expected = [backend.to_numpy(g) for g in tape.gradient(loss, model.trainable_weights)]
    for variable, grad in zip(model.trainable_weights, expected):
        assert_gradient_close(grad, numeric_gradient(lambda: float(total()), variable))
    before = [w.numpy() for w in model.trainable_weights]
    model.compile(
        optimizer=keras.optimizers.SGD(0.1), loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5]
    )
    model.fit([xa, xb], [labels, values], batch_size=8, epochs=1, shuffle=False, verbose=0)
    for old, grad, new in zip(before, expected, model.trainable_weights):
        np.testing.assert_allclose(new.numpy(), old - 0.1 * grad, rtol=1e-10, atol=1e-12)


def test_logs_evaluate_and_predict_follow_keras_names_and_structures():
    keras.utils.set_random_seed(0)
    model = two_heads()
    xa, xb, labels, values = data(np.random.default_rng(1), 32)
    model.compile(
        optimizer="adam",
        loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
        metrics={"cls": ["accuracy"], "reg": ["mae"]},
    )
    history = model.fit({"a": xa, "b": xb}, {"cls": labels, "reg": values}, epochs=2, verbose=0, validation_split=0.25)
    assert list(history.history) == [
        "loss", "cls_loss", "reg_loss", "cls_accuracy", "reg_mae",
        "val_loss", "val_cls_loss", "val_reg_loss", "val_cls_accuracy", "val_reg_mae",
    ]  # fmt: skip
    results = model.evaluate([xa, xb], [labels, values], verbose=0, return_dict=True)
    np.testing.assert_allclose(results["loss"], results["cls_loss"] + results["reg_loss"], rtol=1e-5)
    classes, value = model.predict([xa, xb], verbose=0)
    assert classes.shape == (32, 3) and value.shape == (32, 1)
    mae = float(np.mean(np.abs(value - values)))
    np.testing.assert_allclose(results["reg_mae"], mae, rtol=1e-5)


def test_an_output_without_a_loss_is_not_trained_towards_anything():
    keras.utils.set_random_seed(0)
    model = two_heads()
    xa, xb, labels, _ = data(np.random.default_rng(2))
    model.compile(optimizer="sgd", loss={"cls": "sparse_categorical_crossentropy"})
    reg_kernel = model.get_layer("reg").kernel.numpy()
    history = model.fit([xa, xb], {"cls": labels}, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.get_layer("reg").kernel.numpy(), reg_kernel)
    assert set(history.history) == {"loss", "cls_loss"}


@pytest.mark.parametrize(
    "compile_args, fit_args, error, pattern",
    [
        ({"loss": {"clss": "mse"}}, None, ValueError, r"loss: \['clss'\] name no output.*\['cls', 'reg'\]"),
        ({"loss": ["mse"]}, None, ValueError, r"loss: expected one entry per output \(2"),
        ({"loss": ["mse", "mse"], "loss_weights": [1.0]}, None, ValueError, "loss_weights"),
        ({"loss": ["mse", "mse"]}, "missing-input", ValueError, r"missing \['b'\]"),
        ({"loss": ["sparse_categorical_crossentropy", "mse"]}, "missing-target", ValueError, r"y\['reg'\]"),
    ],
)
def test_what_does_not_fit_is_refused_before_anything_changes(compile_args, fit_args, error, pattern):
    keras.utils.set_random_seed(0)
    model = two_heads()
    xa, xb, labels, values = data(np.random.default_rng(3))
    before = [w.numpy() for w in model.weights]
    with pytest.raises(error, match=pattern):
        model.compile(optimizer="sgd", **compile_args)
        if fit_args == "missing-input":
            model.fit({"a": xa}, [labels, values], verbose=0)
        else:
            model.fit([xa, xb], {"cls": labels}, verbose=0)
    for old, new in zip(before, model.weights):
        np.testing.assert_array_equal(old, new.numpy())


def test_a_subclassed_model_returning_a_pair_trains_with_a_step_of_its_own():
    class TwoOut(keras.Model):
        def __init__(self):
            super().__init__()
            self.a, self.b = layers.Dense(2), layers.Dense(1)

        def call(self, x, training=None):
            return self.a(x), self.b(x)

        def train_step(self, data):
            x, (ya, yb) = data[0], data[1]
            with keras.GradientTape() as tape:
                pa, pb = self(x, training=True)
                loss = ops.mean(ops.square(pa - ya)) + ops.mean(ops.square(pb - yb))
            self.optimizer.apply(tape.gradient(loss, self.trainable_weights), self.trainable_weights)
            return {"loss": loss}

    keras.utils.set_random_seed(0)
    model = TwoOut()
    x = np.random.default_rng(4).standard_normal((16, 3)).astype("float32")
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    losses = [model.train_step((x, (x[:, :2], x[:, 2:]))) for _ in range(30)]
    assert float(losses[-1]["loss"]) < 0.5 * float(losses[0]["loss"])


def test_compute_loss_of_a_model_of_several_outputs_is_the_weighted_sum_the_built_in_step_trains(float64):
    keras.utils.set_random_seed(0)
    model = two_heads()
    xa, xb, labels, values = data(np.random.default_rng(5))
    model.compile(optimizer="sgd", loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5])
    with keras.GradientTape() as tape:
        y_pred = model([xa, xb], training=True)
        loss = model.compute_loss(y=[labels, values], y_pred=y_pred)
    classes, value = (backend.to_numpy(ops.convert_to_numpy(p)) for p in y_pred)
    expected = float(keras.losses.SparseCategoricalCrossentropy()(labels, classes)) + 0.5 * float(
        keras.losses.MeanSquaredError()(values, value)
    )
    np.testing.assert_allclose(float(loss), expected, rtol=1e-10)
    grads = tape.gradient(loss, model.trainable_weights)
    batch = model._prepare([xa, xb], [labels, values])
    _, _, step_grads = model._forward_backward(batch.features, batch.targets, batch.weights)
    for mine, builtin in zip(grads, step_grads):
        np.testing.assert_allclose(backend.to_numpy(mine), backend.to_numpy(builtin), rtol=1e-10, atol=1e-12)


def test_a_dict_of_inputs_for_a_model_without_named_inputs_is_refused():
    model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    before = [w.numpy() for w in model.weights]
    with pytest.raises(ValueError, match=r"x: a dict of inputs \(keys \['a'\]\) needs a Functional model"):
        model.fit({"a": np.ones((4, 2))}, np.ones((4, 1)), verbose=0)
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(before, model.weights))
