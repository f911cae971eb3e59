"""Layers of one's own, as Keras's guide writes them: build/add_weight/call, trained next to
built-in layers, gradient-checked, saved and loaded back."""

from __future__ import annotations

import numpy as np
import pytest
from data_helpers import require_dataset

import kerasette as keras
from kerasette import backend, layers, ops
from kerasette.datasets import mnist
from kerasette.saving import register_keras_serializable
from tests.gradient_check import assert_gradient_close, forward, layer_gradients, numeric_gradient


class Linear(layers.Layer):
    """The Keras guide's Linear layer."""

    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class AddOne(layers.Layer):
    def call(self, inputs):
        return inputs + 1


def test_a_subclass_call_is_used_not_the_identity():
    assert keras.Sequential([AddOne()])(np.zeros((1, 2))).tolist() == [[1.0, 1.0]]
    assert AddOne()(np.zeros((2, 3))).tolist() == [[1.0] * 3] * 2
    model = keras.Sequential([keras.Input((2,)), AddOne()])
    assert model.predict(np.zeros((3, 2)), verbose=0).tolist() == [[1.0, 1.0]] * 3


def test_weights_created_in_init_as_in_the_first_guide_example():
    class InitLinear(layers.Layer):
        def __init__(self, units=4, input_dim=3):
            super().__init__()
            self.w = self.add_weight(shape=(input_dim, units), initializer="ones", trainable=True)
            self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

    layer = InitLinear()
    assert layer(np.ones((2, 3))).tolist() == [[3.0] * 4] * 2
    assert len(layer.weights) == 2 and len(layer.trainable_weights) == 2


def test_output_shape_is_found_by_running_call():
    model = keras.Sequential([keras.Input((5,)), Linear(3), layers.Dense(2)])
    assert model.layers[0].output_shape == (None, 3)
    assert model.output_shape == (None, 2)
    assert model.layers[0].count_params() == 18


def test_add_weight_keyword_signature_defaults_and_attributes():
    layer = layers.Layer()
    kernel = layer.add_weight(shape=(3, 2))
    assert kernel.shape == (3, 2) and kernel.dtype == np.float32
    assert np.abs(np.asarray(kernel)).max() <= np.sqrt(6 / 5) and np.abs(np.asarray(kernel)).max() > 0  # glorot
    counter = layer.add_weight(name="count", shape=(), initializer="zeros", trainable=False)
    assert list(layer.params) == ["variable", "count"] and layer.count is counter
    assert layer.add_weight(shape=(1,), initializer="ones", name="count").shape == (1,)
    assert list(layer.params) == ["variable", "count", "count_1"]
    assert len(layer.trainable_weights) == 2 and layer.non_trainable_weights == [counter]
    dense = layers.Dense(2, input_shape=(3,))
    dense.build((None, 3))
    dense.kernel.assign(1.0)  # the attribute is the weight itself, writable in place
    assert dense(np.ones((1, 3))).tolist() == [[3.0, 3.0]]
    with pytest.raises(AttributeError, match="no attribute 'kernal'"):
        dense.kernal  # noqa: B018


def test_non_trainable_weights_are_not_trained_but_are_saved(tmp_path):
    @register_keras_serializable(package="TestSubclassing")
    class ScaledLinear(Linear):
        def build(self, input_shape):
            super().build(input_shape)
            self.scale = self.add_weight(shape=(), initializer="ones", trainable=False, name="scale")

        def call(self, inputs):
            return (ops.matmul(inputs, self.w) + self.b) * self.scale

    model = keras.Sequential([keras.Input((3,)), ScaledLinear(2)])
    model.layers[0].scale.assign(2.0)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=2, verbose=0)
    assert float(model.layers[0].scale) == 2.0
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 1
    path = str(tmp_path / "scaled.h5")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert float(loaded.layers[0].scale) == 2.0


def check_layer_gradients(layer, x, seed=0):
    """Weight and input gradients of ``layer`` (all its weights, those of the layers inside
    it included) against central differences (float64)."""
    x = backend.to_device(np.asarray(x, dtype="float64"), "float64")
    projection = backend.to_device(np.random.default_rng(seed).standard_normal(forward(layer, x).shape), "float64")
    weights = {weight.path: weight for weight in layer.weights}
    assert weights, "a layer without weights checks nothing here"
    grad_input, grads = layer_gradients(layer, x, projection, weights=weights)
    grad_input = backend.to_numpy(grad_input).copy()
    grads = {path: backend.to_numpy(grad).copy() for path, grad in grads.items()}

    def objective():
        return float((forward(layer, x, training=False) * projection).sum())

    for path, weight in weights.items():
        assert_gradient_close(grads[path], numeric_gradient(objective, weight))
    assert_gradient_close(grad_input, numeric_gradient(objective, x))


def test_custom_layer_gradients_match_central_differences(float64):
    class Mixed(layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 3), initializer="random_normal", name="kernel")
            self.gain = self.add_weight(shape=(3,), initializer="ones", name="gain")

        def call(self, inputs):
            hidden = ops.tanh(inputs @ self.kernel) * self.gain
            return ops.softmax(hidden + ops.square(inputs[:, :1]))

    keras.utils.set_random_seed(3)
    check_layer_gradients(Mixed(), np.random.default_rng(0).standard_normal((4, 5)))


class MLPBlock(layers.Layer):
    """The Keras guide's composition: layers held in attributes, built-in ones among them."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.linear_1 = Linear(6)
        self.dense = layers.Dense(4, activation="tanh")
        self.linear_2 = Linear(2)

    def call(self, inputs):
        x = keras.activations.relu(self.linear_1(inputs))
        return self.linear_2(self.dense(x) + x[:, :4])


def test_nested_layers_join_the_outer_layer_and_are_differentiated(float64):
    keras.utils.set_random_seed(4)
    block = MLPBlock()
    x = np.random.default_rng(1).standard_normal((3, 5))
    assert block(x).shape == (3, 2)
    assert [weight.path for weight in block.weights] == [
        f"{block.linear_1.name}/variable",
        f"{block.linear_1.name}/variable_1",
        f"{block.dense.name}/kernel",
        f"{block.dense.name}/bias",
        f"{block.linear_2.name}/variable",
        f"{block.linear_2.name}/variable_1",
    ]
    assert block.weights[2] is block.dense.kernel  # shared, not copied
    check_layer_gradients(block, x)


def test_a_composite_layer_trains_saves_and_loads(tmp_path):
    keras.utils.set_random_seed(6)
    model = keras.Sequential([keras.Input((5,)), MLPBlock(name="block")])
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((64, 5)).astype("float32"), rng.standard_normal((64, 2)).astype("float32")
    losses = model.fit(x, y, epochs=4, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    path = str(tmp_path / "block.h5")
    model.save(path)
    loaded = keras.saving.load_model(path, custom_objects={"MLPBlock": MLPBlock, "Linear": Linear})
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_user_dense_trains_exactly_like_the_builtin_dense():
    class UserDense(layers.Layer):
        def __init__(self, units, activation=None, **kwargs):
            super().__init__(**kwargs)
            self.units, self.activation = units, keras.activations.get(activation)

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

        def call(self, inputs):
            return self.activation(ops.matmul(inputs, self.kernel) + self.bias)

    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((64, 6)).astype("float32"), rng.integers(0, 3, 64)

    def train(dense):
        keras.utils.set_random_seed(5)
        model = keras.Sequential(
            [keras.Input((6,)), dense(8, activation="relu"), layers.Dense(3, activation="softmax")]
        )
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
        history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False)
        return history.history["loss"], model.get_weights()

    builtin_losses, builtin_weights = train(layers.Dense)
    user_losses, user_weights = train(UserDense)
    np.testing.assert_allclose(user_losses, builtin_losses, rtol=1e-6)
    for user, builtin in zip(user_weights, builtin_weights):
        np.testing.assert_allclose(user, builtin, rtol=1e-5, atol=1e-6)


def test_a_custom_layer_passes_gradients_between_builtin_layers():
    class Scale(layers.Layer):
        def build(self, input_shape):
            self.factor = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="factor")

        def call(self, inputs, training=None):
            return inputs * self.factor

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(4), Scale(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    before = [w.copy() for w in model.get_weights()]
    model.fit(np.ones((8, 4)), np.full((8, 1), 3.0), epochs=1, verbose=0)
    after = model.get_weights()
    assert all(not np.array_equal(b, a) for b, a in zip(before, after))  # the first Dense learned too


def test_add_loss_in_call_joins_the_loss_and_its_gradient():
    class Penalized(layers.Layer):
        def call(self, inputs):
            self.add_loss(ops.sum(ops.square(inputs)) * 0.5)
            return inputs

    model = keras.Sequential([keras.Input((2,)), layers.Dense(2, kernel_initializer="ones"), Penalized()])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    x, y = np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]])
    logged = model.train_on_batch(x, y)
    # outputs [1, 1] before the update: mse 0, added loss 0.5 * 2 = 1
    assert logged == pytest.approx(1.0)
    # d(added)/d(outputs) = outputs = [1, 1]; kernel row 0 gets 1 each, bias 1 each: 1 - 0.1
    np.testing.assert_allclose(model.layers[0].kernel, [[0.9, 0.9], [1.0, 1.0]], rtol=1e-6)


def test_custom_layer_saves_and_loads_with_identical_predictions(tmp_path):
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((4,)), Linear(3, name="linear"), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    x = np.random.default_rng(0).standard_normal((10, 4)).astype("float32")
    model.fit(x, np.eye(2)[np.arange(10) % 2], epochs=1, verbose=0)
    path = str(tmp_path / "custom.h5")
    model.save(path)
    with pytest.raises(ValueError, match="custom_objects"):
        keras.saving.load_model(path)
    loaded = keras.saving.load_model(path, custom_objects={"Linear": Linear})
    assert type(loaded.layers[0]) is Linear and loaded.layers[0].units == 3
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    loaded.fit(x, np.eye(2)[np.arange(10) % 2], epochs=1, verbose=0)  # the optimizer state came back too


def test_registered_custom_layer_loads_without_custom_objects(tmp_path):
    @register_keras_serializable(package="TestSubclassing")
    class Offset(layers.Layer):
        def __init__(self, offset=1.0, **kwargs):
            super().__init__(**kwargs)
            self.offset = offset

        def build(self, input_shape):
            self.shift = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="shift")

        def call(self, inputs):
            return inputs + self.shift + self.offset

        def get_config(self):
            return {**super().get_config(), "offset": self.offset}

    model = keras.Sequential([keras.Input((2,)), Offset(2.0)])
    model.layers[0].shift.assign([0.5, -0.5])
    path = str(tmp_path / "offset.h5")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.predict(np.zeros((1, 2)), verbose=0).tolist() == [[2.5, 1.5]]


def test_a_custom_linear_layer_trains_on_mnist():
    (x_train, y_train), (x_test, y_test) = require_dataset(mnist.load_data)
    x_train = x_train[:6000].reshape(-1, 784).astype("float32") / 255
    x_test = x_test[:2000].reshape(-1, 784).astype("float32") / 255
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), Linear(64), layers.ReLU(), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train[:6000], batch_size=128, epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    _, accuracy = model.evaluate(x_test, y_test[:2000], verbose=0)
    assert accuracy > 0.8


def test_a_model_of_builtin_layers_records_one_op_per_layer_and_nothing_in_inference(monkeypatch):
    """Built-in layers are one op each on the tape of a training step (their hand-written
    passes, not element-wise ops), and evaluate and predict record nothing at all."""
    from kerasette.ops import tape

    model = keras.Sequential(
        [keras.Input((4,)), layers.Dense(8, activation="relu", kernel_regularizer="l2"), layers.Dense(3, "softmax")]
    )
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    recorded = []  # the type of the op behind each recorded tensor (variables have none)
    original_init = tape.Tensor.__init__

    def spy(self, data, creator=None):
        if creator is not None:
            recorded.append(type(creator).__name__)
        original_init(self, data, creator)

    monkeypatch.setattr(tape.Tensor, "__init__", spy)
    model.fit(np.ones((16, 4)), np.zeros(16), batch_size=16, epochs=1, verbose=0)
    assert recorded.count("LayerCall") == 2  # one step, two built-in layers, one op each
    recorded.clear()
    model.evaluate(np.ones((4, 4)), np.zeros(4), verbose=0)
    model.predict(np.ones((4, 4)), verbose=0)
    assert recorded == []


def test_model_layers_stay_the_direct_layers_after_training():
    """The training plan caches every layer below the model; that cache is not one of its layers."""

    class WithBlock(keras.Model):
        def __init__(self):
            super().__init__()
            self.block = keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.Dense(4)])
            self.head = keras.layers.Dense(1)

        def call(self, inputs):
            return self.head(self.block(inputs))

    model = WithBlock()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 3), "float32"), np.ones((8, 1), "float32"), epochs=1, verbose=0)
    assert model.layers == [model.block, model.head]


class _TwoHeads(keras.Model):
    """A subclassed model of two outputs, as a list or (``as_dict``) a dict."""

    def __init__(self, as_dict: bool = False):
        super().__init__()
        self.as_dict = as_dict
        self.first = layers.Dense(2, kernel_initializer="ones")
        self.second = layers.Dense(1, kernel_initializer="ones", bias_initializer="ones")

    def call(self, inputs):
        first, second = self.first(inputs), self.second(inputs)
        return {"second": second, "first": first} if self.as_dict else [first, second]


def test_predict_gives_a_subclassed_model_outputs_in_its_own_structure():
    """As Keras: one array per output in the structure ``call`` returns, from arrays in
    batches (the last one shorter) and from a generator alike."""
    data = np.arange(15, dtype="float32").reshape(5, 3)
    sums = data.sum(axis=1, keepdims=True)
    listed = _TwoHeads().predict(data, batch_size=2, verbose=0)
    assert isinstance(listed, list) and len(listed) == 2
    np.testing.assert_allclose(listed[0], np.hstack([sums, sums]))
    np.testing.assert_allclose(listed[1], sums + 1)
    named = _TwoHeads(as_dict=True).predict(iter([data[:2], data[2:]]), verbose=0)
    assert sorted(named) == ["first", "second"]
    np.testing.assert_allclose(named["second"], sums + 1)


def _functional_twin(heads: _TwoHeads):
    inputs = keras.Input((3,))
    return keras.Model(inputs, [heads.first(inputs), heads.second(inputs)])


@pytest.mark.parametrize(
    "compile_arguments, names",
    [
        # Keras 3.15's names (observed) for a subclassed model's list of outputs: each output's loss after
        # the loss given, its metrics by their own names.
        ({"loss": ["mse", "mae"], "loss_weights": [1.0, 0.5]}, ["loss", "mse_loss", "mae_loss"]),
        (
            {"loss": ["mse", "mae"], "metrics": [["mae", "mse"], ["accuracy"]]},
            ["loss", "mse_loss", "mae_loss", "mae", "mse", "accuracy"],
        ),
        ({"loss": "mse"}, ["loss", "mse_loss", "mse_loss_1"]),  # Keras logs the two as one 'mse_loss'
    ],
)
def test_a_subclassed_model_of_two_outputs_trains_as_its_functional_twin(compile_arguments, names):
    """Compiled per output (or one loss for both), the subclassed model is compiled once its
    first data show its outputs, and trains and evaluates exactly as a Functional model of
    the same layers (whose multi-output training is checked against Keras)."""
    rng = np.random.default_rng(2)
    data, targets = rng.normal(size=(12, 3)), [rng.normal(size=(12, 2)), rng.normal(size=(12, 1))]
    subclassed = _TwoHeads()
    subclassed.compile(optimizer="sgd", **compile_arguments)
    history = subclassed.fit(data, targets, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    assert list(history) == names
    twin_heads = _TwoHeads()
    twin = _functional_twin(twin_heads)
    twin.compile(optimizer="sgd", **compile_arguments)
    twin_history = twin.fit(data, targets, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    for name, twin_name in zip(names, twin_history):  # the twin's names are its layers' (dense_..._loss)
        np.testing.assert_allclose(history[name], twin_history[twin_name], rtol=1e-6)
    for ours, theirs in zip(subclassed.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    evaluated = subclassed.evaluate(data, targets, verbose=0, return_dict=True)
    assert list(evaluated) == names
    with pytest.raises(ValueError, match=r"y: expected one entry per output \(2"):
        subclassed.fit(data, [targets[0]] * 3, verbose=0)
