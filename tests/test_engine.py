"""The one engine: Variables, per-call state, the tape's accumulation, GradientTape, subclassing.

The first tests are the regressions of the one-engine issue, each of which failed silently
before the redesign: a layer called twice, a layer shared between branches, a layer shared
by two models, a subclass of Dense overriding ``call``.
"""

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


def gradients_of(loss_fn, variables):
    with keras.GradientTape() as tape:
        loss = loss_fn()
    return [backend.to_numpy(g) for g in tape.gradient(loss, variables)]


def check_model_gradients(loss_fn, variables):
    """Every variable's tape gradient against central differences of ``loss_fn``."""
    analytic = gradients_of(loss_fn, variables)
    for variable, grad in zip(variables, analytic):
        numeric = numeric_gradient(lambda: float(backend.to_numpy(loss_fn())), variable.data)
        assert_gradient_close(grad, numeric)


class CallsTwice(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.d = layers.Dense(3, activation="tanh")

    def call(self, x):
        return self.d(self.d(x))


def test_a_built_in_layer_called_twice_gets_both_calls_gradients(float64):
    keras.utils.set_random_seed(0)
    layer = CallsTwice()
    x = np.random.default_rng(1).standard_normal((4, 3))
    layer(x)
    check_model_gradients(lambda: ops.sum(layer(x, training=True) ** 2), layer.trainable_weights)
    assert len(layer.trainable_weights) == 2  # the nested Dense's kernel and bias, once


def test_a_layer_shared_between_branches_gets_the_sum_of_its_calls(float64):
    keras.utils.set_random_seed(0)
    shared = layers.Dense(4, activation="relu")
    head = layers.Dense(1)
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))

    def loss():
        return ops.sum(head(shared(a, training=True) * shared(b, training=True)) ** 2)

    loss()
    check_model_gradients(loss, shared.trainable_weights + head.trainable_weights)


def test_training_in_fit_uses_both_calls_of_a_shared_layer(float64):
    """fit's built-in step on a model of one's own that calls one Dense twice, against a step by hand."""
    keras.utils.set_random_seed(0)

    class Twice(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(3, activation="tanh")

        def call(self, x, training=None):
            return self.d(self.d(x))

    model = Twice()
    x = np.random.default_rng(3).standard_normal((8, 3))
    y = np.random.default_rng(4).standard_normal((8, 3))
    model(x)
    before = [w.numpy() for w in model.trainable_weights]
    expected_grads = gradients_of(lambda: ops.mean(ops.square(model(x, training=True) - y)), model.trainable_weights)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for old, grad, new in zip(before, expected_grads, model.trainable_weights):
        np.testing.assert_allclose(new.numpy(), old - 0.1 * grad, rtol=1e-10, atol=1e-12)


class Linear(layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="glorot_uniform")

    def call(self, x):
        return ops.matmul(x, self.w)


def test_a_layer_shared_by_two_models_trains_in_both(float64):
    """The DLwP GAN pattern: fit A, then B that contains A's layer, then A again."""
    keras.utils.set_random_seed(0)
    shared = Linear(name="linear")
    model_a = keras.Sequential([layers.Dense(3, input_shape=(4,)), shared])
    model_b = keras.Sequential([shared])
    model_b.build((None, 3))
    rng = np.random.default_rng(5)
    x_a, y = rng.standard_normal((16, 4)), rng.standard_normal((16, 2))
    x_b = rng.standard_normal((16, 3))
    model_a.compile(optimizer="sgd", loss="mse")
    model_b.compile(optimizer="sgd", loss="mse")
    first_dense = model_a.layers[0].kernel.numpy()
    for model, x in ((model_a, x_a), (model_b, x_b), (model_a, x_a)):
        before = shared.w.numpy()
        model.fit(x, y, epochs=1, verbose=0)
        assert not np.allclose(shared.w.numpy(), before)
    assert not np.allclose(model_a.layers[0].kernel.numpy(), first_dense)
    # The shared layer's gradient through model A is the full one: A's input gradient flows too.
    check_model_gradients(lambda: ops.sum(model_a(x_a, training=True) ** 2), model_a.trainable_weights)


def test_a_subclass_of_dense_overriding_call_is_honoured():
    class ScaledDense(layers.Dense):
        def call(self, x):
            return super().call(x) * 2

    layer = ScaledDense(2, kernel_initializer="ones")
    assert layer(np.array([[1.0, 2.0]])).tolist() == [[6.0, 6.0]]


def test_a_subclass_of_dense_is_differentiated_through_its_call(float64):
    class ScaledDense(layers.Dense):
        def call(self, x):
            return super().call(x) * 2 + ops.sum(self.kernel)

    keras.utils.set_random_seed(0)
    layer = ScaledDense(2, activation="tanh")
    x = np.random.default_rng(6).standard_normal((3, 4))
    layer(x)
    check_model_gradients(lambda: ops.sum(layer(x, training=True) ** 2), layer.trainable_weights)


# -- Variable --------------------------------------------------------------------------------
def test_variable_api_follows_keras():
    v = keras.Variable(np.array([[1.0, 2.0]]), name="w")
    address = v.value
    assert v.name == "w" and v.shape == (1, 2) and v.dtype == "float32" and v.trainable
    v.assign(np.array([[3.0, 4.0]]))
    v.assign_add(np.ones((1, 2)))
    v.assign_sub(np.array([[1.0, 1.0]]))
    assert v.value is address, "updates happen in place"
    assert v.numpy().tolist() == [[3.0, 4.0]]
    assert np.asarray(v).tolist() == [[3.0, 4.0]]
    assert (v + 1).tolist() == [[4.0, 5.0]] and (2 * v).tolist() == [[6.0, 8.0]]
    assert (v > 3.5).tolist() == [[False, True]]
    assert ops.sum(v).item() == 7.0
    with pytest.raises(ValueError, match=r"assign to variable 'w'.*shape \(3,\).*expected \(1, 2\)"):
        v.assign(np.zeros(3))
    initialized = keras.Variable("ones", shape=(2,), dtype="float64", trainable=False)
    assert initialized.numpy().tolist() == [1.0, 1.0] and not initialized.trainable
    with pytest.raises(ValueError, match="shape is required"):
        keras.Variable("zeros")


def test_every_weight_is_a_variable_with_keras_paths():
    dense = layers.Dense(2, name="head")
    dense.build((None, 3))
    assert all(isinstance(w, keras.Variable) for w in dense.weights)
    assert [w.path for w in dense.weights] == ["head/kernel", "head/bias"]
    assert dense.kernel is dense.weights[0]
    dense.kernel.assign(np.ones((3, 2)))
    assert dense(np.ones((1, 3))).tolist() == [[3.0, 3.0]]
    assert layers.Dense(2, use_bias=False).bias is None


def test_freezing_a_layer_freezes_its_variables_but_not_the_statistics():
    bn = layers.BatchNormalization()
    bn.build((None, 3))
    assert [w.trainable for w in bn.weights] == [True, True, False, False]
    bn.trainable = False
    assert [w.trainable for w in bn.weights] == [False] * 4 and bn.trainable_weights == []
    bn.trainable = True
    assert [w.trainable for w in bn.weights] == [True, True, False, False]


# -- GradientTape ----------------------------------------------------------------------------
def test_gradient_tape_structures_persistence_and_watch():
    w = keras.Variable(np.array([1.0, 2.0]), dtype="float64")
    frozen = keras.Variable(np.array([3.0]), dtype="float64", trainable=False)
    with keras.GradientTape(persistent=True) as tape:
        tape.watch(frozen)
        y = ops.sum(w * w) + ops.sum(frozen * 2.0)
    grads = tape.gradient(y, {"w": w, "frozen": [frozen]})
    assert grads["w"].tolist() == [2.0, 4.0] and grads["frozen"][0].tolist() == [2.0]
    assert tape.gradient(y, [w])[0].tolist() == [2.0, 4.0]  # persistent: a second call works
    unused = keras.Variable(np.zeros(2))
    assert tape.gradient(y, [unused]) == [None]
    assert tape.gradient(y, [unused], unconnected_gradients="zero")[0].tolist() == [0.0, 0.0]
    with keras.GradientTape() as once:
        z = ops.sum(w)
    once.gradient(z, [w])
    with pytest.raises(RuntimeError, match="only once"):
        once.gradient(z, [w])
    with pytest.raises(TypeError, match=r"sources\[0\] is a ndarray"):
        keras.GradientTape().gradient(z, [np.zeros(2)])


def test_nested_tapes_as_in_a_gan_step():
    a = keras.Variable(np.array([2.0]), dtype="float64")
    b = keras.Variable(np.array([3.0]), dtype="float64")
    with keras.GradientTape() as tape_a, keras.GradientTape() as tape_b:
        loss_a = ops.sum(a * b)
        loss_b = ops.sum(b * b)
    assert tape_a.gradient(loss_a, [a])[0].tolist() == [3.0]
    assert tape_b.gradient(loss_b, [b])[0].tolist() == [6.0]


def test_nothing_is_recorded_outside_a_tape():
    w = keras.Variable(np.array([1.0]))
    assert type(ops.multiply(w, 2.0)) is np.ndarray
    dense = layers.Dense(1)
    assert type(dense(np.ones((1, 2)))) is np.ndarray


def test_a_tensor_read_by_two_ops_owns_each_gradient(float64):
    """add's backward hands one array to both inputs; a built-in layer on each branch
    overwrites its gradient in place, which must not leak into the other branch."""
    keras.utils.set_random_seed(0)
    left, right = layers.Dense(3, activation="relu"), layers.Dense(3, activation="sigmoid")
    x = np.random.default_rng(7).standard_normal((4, 2))
    left(x), right(x)
    check_model_gradients(
        lambda: ops.sum((left(x, training=True) + right(x, training=True)) ** 2),
        left.trainable_weights + right.trainable_weights,
    )


# -- Model subclassing and steps of one's own ------------------------------------------------
class MLP(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [layers.Dense(8, activation="relu"), layers.Dense(8, activation="relu")]
        self.heads = {"out": layers.Dense(3, activation="softmax")}

    def call(self, inputs, training=None):
        for block in self.blocks:
            inputs = block(inputs)
        return self.heads["out"](inputs)


def test_a_subclassed_model_tracks_lists_and_dicts_of_layers_and_trains():
    keras.utils.set_random_seed(0)
    model = MLP()
    rng = np.random.default_rng(8)
    x, y = rng.standard_normal((64, 4)).astype("float32"), rng.integers(0, 3, 64)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert len(model.layers) == 3 and len(model.weights) == 6
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(x, verbose=0).shape == (64, 3)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert 0 <= accuracy <= 1 and loss > 0
    lines = []
    model.summary(print_fn=lines.append)
    assert any("dense" in line for line in lines) and "Total params: 139" in lines[-4]


def test_save_and_load_weights_of_a_subclassed_model(tmp_path):
    keras.utils.set_random_seed(0)
    model, twin = MLP(), MLP()
    x = np.random.default_rng(9).standard_normal((5, 4)).astype("float32")
    model(x), twin(x)
    model.save_weights(tmp_path / "mlp.weights.h5")
    twin.load_weights(tmp_path / "mlp.weights.h5")
    np.testing.assert_array_equal(model.predict(x, verbose=0), twin.predict(x, verbose=0))


class CustomStep(keras.Model):
    """Keras's "customizing what happens in fit" recipe, with a loss tracker of its own."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(1)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.steps_seen = 0

    def call(self, inputs, training=None):
        return self.dense(inputs)

    def train_step(self, data):
        x, y = data
        self.steps_seen += 1
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = ops.mean(ops.square(y_pred - y))
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply(grads, self.trainable_weights)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    @property
    def metrics(self):
        return [self.loss_tracker]


def test_a_custom_train_step_trains_and_logs_what_it_returns():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(10)
    x = rng.standard_normal((128, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32") + 0.3
    model = CustomStep()
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    history = model.fit(x, y, batch_size=32, epochs=20, verbose=0)
    assert model.steps_seen == 80
    assert history.history["loss"][-1] < 0.01 < history.history["loss"][0]
    np.testing.assert_allclose(model.dense.kernel.numpy().ravel(), [1.0, -2.0, 0.5], atol=0.05)


def test_super_train_step_and_compute_loss_work_for_sequential_and_subclass():
    class Counting(keras.Sequential):
        calls = 0

        def train_step(self, data):
            Counting.calls += 1
            return super().train_step(data)

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(11)
    x, y = rng.standard_normal((32, 3)).astype("float32"), rng.integers(0, 2, 32)
    model = Counting([layers.Dense(2, activation="softmax", input_shape=(3,))])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert Counting.calls == 4 and set(history.history) == {"loss", "accuracy"}

    class ComputeLoss(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2, activation="softmax")

        def call(self, inputs, training=None):
            return self.dense(inputs)

        def train_step(self, data):
            x, y = data
            with keras.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(x, y, y_pred)
            self.optimizer.apply(tape.gradient(loss, self.trainable_weights), self.trainable_weights)
            return self.compute_metrics(x, y, y_pred)

    keras.utils.set_random_seed(0)
    custom = ComputeLoss()
    custom.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    custom(x[:1])
    reference = keras.Sequential([layers.Dense(2, activation="softmax", input_shape=(3,))])
    reference.set_weights(custom.get_weights())
    reference.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    custom.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    reference.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for mine, theirs in zip(custom.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


def test_a_custom_training_loop_outside_fit():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.Dense(4, activation="tanh", input_shape=(2,)), layers.Dense(1)])
    optimizer = keras.optimizers.Adam(0.05)
    rng = np.random.default_rng(12)
    x = rng.standard_normal((64, 2)).astype("float32")
    y = np.sin(x[:, :1]) + x[:, 1:] ** 2
    losses = []
    for _ in range(150):
        with keras.GradientTape() as tape:
            loss = ops.mean(ops.square(model(x, training=True) - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_weights), model.trainable_weights))
        losses.append(float(loss))
    assert losses[-1] < 0.2 * losses[0]
    assert optimizer.iterations == 150


def test_regularization_and_add_loss_gradients_reach_the_weights_in_fit(float64):
    """fit's step differentiates the compiled loss and every loss the layers add, together."""

    class Penalized(layers.Layer):
        def call(self, x):
            self.add_loss(0.5 * ops.sum(x**2))
            return x

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            layers.Dense(3, kernel_regularizer="l2", activity_regularizer="l1", input_shape=(2,)),
            Penalized(),
            layers.Dense(1),
        ]
    )
    rng = np.random.default_rng(13)
    x, y = rng.standard_normal((6, 2)), rng.standard_normal((6, 1))

    def total_loss():
        outputs = model(x, training=True)
        return ops.mean(ops.square(outputs - y)) + sum(model.losses)

    check_model_gradients(total_loss, model.trainable_weights)
    expected = gradients_of(total_loss, model.trainable_weights)
    before = [w.numpy() for w in model.trainable_weights]
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, batch_size=6, epochs=1, shuffle=False, verbose=0)
    for old, grad, new in zip(before, expected, model.trainable_weights):
        np.testing.assert_allclose(new.numpy(), old - 0.1 * grad, rtol=1e-10, atol=1e-12)


def test_a_frozen_statistic_watched_explicitly_has_no_gradient():
    bn = layers.BatchNormalization()
    x = np.random.default_rng(14).standard_normal((4, 3)).astype("float32")
    bn(x)
    with keras.GradientTape() as tape:
        tape.watch(bn.weights)
        y = ops.sum(bn(x, training=True))
    grads = tape.gradient(y, bn.weights)
    assert grads[0] is not None and grads[1] is not None and grads[2:] == [None, None]


@pytest.mark.parametrize(
    "loss_fn",
    [
        lambda y, p: ops.mean(keras.losses.binary_crossentropy(y, p)),
        lambda y, p: ops.sum(keras.losses.binary_crossentropy(y, p) * np.arange(1.0, 5.0)),
        lambda y, p: keras.losses.CategoricalCrossentropy()(y, p),
        lambda y, p: keras.losses.MeanSquaredError()(y, p, sample_weight=np.array([1.0, 0.0, 2.0, 0.5])),
        lambda y, p: ops.sum(keras.losses.MeanAbsoluteError(reduction="none")(y, p)),
    ],
    ids=["bce-function-mean", "bce-function-weighted-sum", "cce-object", "mse-sample-weight", "mae-none"],
)
def test_built_in_losses_are_differentiable_inside_a_gradient_tape(float64, loss_fn):
    rng = np.random.default_rng(15)
    y = np.eye(3)[rng.integers(0, 3, 4)]
    logits = keras.Variable(rng.standard_normal((4, 3)), dtype="float64")

    def loss():
        return loss_fn(y, ops.softmax(logits))

    check_model_gradients(loss, [logits])


# -- Functional models on the engine -----------------------------------------------------------
def residual_model():
    inputs = keras.Input(shape=(4,), name="x")
    shared = layers.Dense(4, activation="tanh", name="shared")
    hidden = shared(inputs)
    again = shared(hidden)  # the same layer twice in one graph
    merged = layers.Add()([inputs, again])
    outputs = layers.Dense(3, activation="softmax", name="out")(merged)
    return keras.Model(inputs, outputs)


def test_a_functional_model_with_a_shared_layer_has_exact_gradients(float64):
    keras.utils.set_random_seed(0)
    model = residual_model()
    rng = np.random.default_rng(16)
    x, y = rng.standard_normal((6, 4)), np.eye(3)[rng.integers(0, 3, 6)]
    assert len(model.trainable_weights) == 4
    check_model_gradients(
        lambda: keras.losses.CategoricalCrossentropy()(y, model(x, training=True)), model.trainable_weights
    )


def test_a_functional_model_trains_with_the_built_in_step_like_its_gradients_say(float64):
    keras.utils.set_random_seed(0)
    model = residual_model()
    rng = np.random.default_rng(17)
    x, labels = rng.standard_normal((8, 4)), rng.integers(0, 3, 8)
    expected = gradients_of(
        lambda: keras.losses.SparseCategoricalCrossentropy()(labels, model(x, training=True)), model.trainable_weights
    )
    before = [w.numpy() for w in model.trainable_weights]
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, labels, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for old, grad, new in zip(before, expected, model.trainable_weights):
        np.testing.assert_allclose(new.numpy(), old - 0.1 * grad, rtol=1e-10, atol=1e-12)
    assert set(history.history) == {"loss", "accuracy"}
    assert model.predict(x, verbose=0).shape == (8, 3)
    assert len(model.evaluate(x, labels, verbose=0)) == 2


def test_layers_in_nested_lists_tuples_and_dicts_are_tracked():
    class Nested(keras.Model):
        def __init__(self):
            super().__init__()
            self.pairs = [(layers.Dense(2), layers.Dense(2)), (layers.Dense(2), layers.Dense(2))]
            self.table = {"head": [layers.Dense(1)]}

        def call(self, x, training=None):
            for first, second in self.pairs:
                x = second(first(x))
            return self.table["head"][0](x)

    model = Nested()
    model(np.ones((1, 3)))
    assert len(model.trainable_weights) == 10


def test_a_functional_model_round_trips_through_keras_and_weights_files_and_json(tmp_path):
    keras.utils.set_random_seed(0)
    model, twin = residual_model(), residual_model()
    x = np.random.default_rng(18).standard_normal((3, 4)).astype("float32")
    model.save(tmp_path / "model.keras")
    np.testing.assert_array_equal(
        keras.models.load_model(tmp_path / "model.keras").predict(x, verbose=0), model.predict(x, verbose=0)
    )
    with pytest.raises(
        ValueError, match=r"save_model: .*model\.h5.* is a Functional.*HDF5 model format for Sequential"
    ):
        model.save(tmp_path / "model.h5")
    assert not (tmp_path / "model.h5").exists()
    model.save_weights(tmp_path / "model.weights.h5")
    twin.load_weights(tmp_path / "model.weights.h5")
    np.testing.assert_array_equal(model.predict(x, verbose=0), twin.predict(x, verbose=0))
    rebuilt = keras.models.model_from_json(model.to_json())
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in model.layers]


def test_a_metric_of_ones_own_in_keras_style_updates_its_variable_in_place():
    """Keras's documented recipe: add_variable, then assign_add in update_state."""

    class BinaryTruePositives(keras.metrics.Metric):
        def __init__(self, name="binary_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), initializer="zeros", name="true_positives")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_true = ops.cast(y_true, "bool")
            y_pred = ops.cast(y_pred, "bool")
            values = ops.cast(ops.logical_and(ops.equal(y_true, True), ops.equal(y_pred, True)), self.dtype)
            if sample_weight is not None:
                values = values * ops.cast(sample_weight, self.dtype)
            self.true_positives.assign_add(ops.sum(values))

        def result(self):
            return self.true_positives

    metric = BinaryTruePositives()
    metric.update_state([0, 1, 1, 1], [0, 1, 0, 0])
    assert float(metric.result()) == 1.0  # Keras's documented value
    assert isinstance(metric.true_positives, keras.Variable) and metric.variables == [metric.true_positives]
    metric.reset_state()
    assert float(metric.result()) == 0.0
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(2,))])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=[BinaryTruePositives()])
    x = np.random.default_rng(19).random((32, 2))
    y = (x[:, :1] > 0.5).astype("float32")
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    # Every prediction is nonzero, so (cast to bool, as Keras does) the count is the positives of y.
    assert history.history["binary_true_positives"] == [float(y.sum())] * 2
    assert model.evaluate(x, y, verbose=0)[1] == float(y.sum())


def test_a_loss_of_ones_own_is_differentiable_inside_a_gradient_tape(float64):
    class MeanFourth(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return ops.mean((y_pred - y_true) ** 4, axis=-1)

    rng = np.random.default_rng(20)
    y = rng.standard_normal((4, 3))
    prediction = keras.Variable(rng.standard_normal((4, 3)), dtype="float64")
    check_model_gradients(lambda: MeanFourth()(y, prediction * 1.0), [prediction])
