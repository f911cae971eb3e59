"""model.export(path, format="onnx"): the file, run in onnxruntime, gives predict's outputs
(within 1e-5) for the seed MLP and the MNIST convnet trained on MNIST, for Functional models
with merges, nested models and every supported layer and activation; unsupported layers are
refused by name before anything is written."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason='onnx is an optional extra: pip install "kerasette[onnx]"')
ort = pytest.importorskip("onnxruntime", reason='onnxruntime is an optional extra: pip install "kerasette[onnx]"')

from data_helpers import require_dataset  # noqa: E402

import kerasette as keras  # noqa: E402
from kerasette import layers  # noqa: E402
from kerasette.datasets import mnist  # noqa: E402


def mnist_convnet():
    """The benchmark's copy of examples/mnist_convnet.py's model (benchmarks/convnet.py)."""
    spec = importlib.util.spec_from_file_location("convnet", Path(__file__).parents[1] / "benchmarks" / "convnet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.keras_api_convnet(keras)


def run_onnx(path, inputs: list[np.ndarray]) -> list[np.ndarray]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [entry.name for entry in session.get_inputs()]
    return session.run(None, dict(zip(names, inputs)))


def assert_same_as_predict(model, inputs, tmp_path, atol=1e-5):
    inputs = inputs if isinstance(inputs, list) else [inputs]
    path = tmp_path / f"{model.name}.onnx"
    model.export(path, format="onnx")
    expected = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    expected = expected if isinstance(expected, list) else [expected]
    got = run_onnx(path, inputs)
    assert len(got) == len(expected)
    for ours, theirs in zip(got, expected):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=atol)
    return path


@pytest.fixture(scope="module")
def mnist_images():
    (x_train, y_train), (x_test, _) = require_dataset(mnist.load_data)
    return x_train[:1024].astype("float32") / 255, y_train[:1024], x_test[:256].astype("float32") / 255


def test_seed_mlp_trained_on_mnist(mnist_images, tmp_path):
    x_train, y_train, x_test = mnist_images
    keras.utils.set_random_seed(0)
    # examples/mnist_mlp.py's model
    model = keras.Sequential(
        [
            layers.Dense(512, activation="relu", input_shape=(784,)),
            layers.Dropout(0.2),
            layers.Dense(512, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(loss="sparse_categorical_crossentropy", optimizer="rmsprop")
    model.fit(x_train.reshape(-1, 784), y_train, epochs=1, batch_size=128, verbose=0)
    path = assert_same_as_predict(model, x_test.reshape(-1, 784), tmp_path)
    graph = onnx.load(str(path)).graph
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert [node.op_type for node in graph.node].count("MatMul") == 3


def test_mnist_convnet_trained_on_mnist(mnist_images, tmp_path):
    x_train, y_train, x_test = mnist_images
    keras.utils.set_random_seed(1)
    model = mnist_convnet()  # examples/mnist_convnet.py's model
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    model.fit(x_train[:512, :, :, None], y_train[:512], epochs=1, batch_size=128, verbose=0)
    assert_same_as_predict(model, x_test[:, :, :, None], tmp_path)


def test_functional_model_with_merges_and_a_nested_model(tmp_path):
    keras.utils.set_random_seed(2)
    image = keras.Input((12, 12, 3), name="image")
    scalars = keras.Input((6,), name="scalars")
    x = layers.Rescaling(1 / 4, offset=-0.5)(image)
    x = layers.ZeroPadding2D(((1, 0), (2, 1)))(x)
    x = layers.Conv2D(5, 3, strides=2, padding="same", activation="gelu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.AveragePooling2D(3, strides=1, padding="same")(x)
    pooled = layers.GlobalAveragePooling2D()(x)
    peak = layers.GlobalMaxPooling2D()(x)
    tower = keras.Sequential([layers.Dense(5, activation="tanh"), layers.LayerNormalization()], name="tower")
    s = tower(scalars)
    joined = layers.concatenate([pooled, peak, s])
    mixed = layers.add([layers.Dense(5)(joined), s, pooled])
    mixed = layers.Average()([mixed, layers.Multiply()([s, pooled, peak])])
    mixed = layers.Maximum()([mixed, layers.Minimum()([s, peak])])
    mixed = layers.subtract([mixed, s])
    similarity = layers.Dot(axes=1, normalize=True)([mixed, s])
    scores = layers.Dense(3, activation="softmax", name="scores")(mixed)
    model = keras.Model([image, scalars], [scores, similarity], name="two_inputs")
    rng = np.random.default_rng(0)
    # Moving statistics away from 0 and 1, as after training.
    norm = [layer for layer in model.layers if isinstance(layer, layers.BatchNormalization)][0]
    norm.set_weights([rng.uniform(0.5, 2, 5), rng.normal(size=5), rng.normal(size=5), rng.uniform(0.5, 2, 5)])
    inputs = [rng.uniform(0, 4, (7, 12, 12, 3)).astype("float32"), rng.normal(size=(7, 6)).astype("float32")]
    path = assert_same_as_predict(model, inputs, tmp_path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [entry.name for entry in session.get_inputs()] == ["image", "scalars"]
    assert [entry.name for entry in session.get_outputs()] == model.output_names


def test_sequence_layers_embedding_conv1d_reshape(tmp_path):
    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [
            keras.Input((10,)),
            layers.Embedding(20, 4),
            layers.Conv1D(6, 3, padding="causal", dilation_rate=2, activation="relu"),
            layers.Conv1D(6, 2, strides=2, padding="same"),
            layers.MaxPooling1D(2, padding="same"),
            layers.AveragePooling1D(2, strides=1),
            layers.Reshape((-1, 2)),
            layers.LayerNormalization(axis=[1, 2]),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )
    tokens = np.random.default_rng(1).integers(0, 20, (5, 10)).astype("float32")
    assert_same_as_predict(model, tokens, tmp_path)


def test_normalization_adapted_and_inverted(tmp_path):
    rng = np.random.default_rng(5)
    data = rng.normal(3.0, 2.0, size=(64, 5)).astype("float32")
    scale = keras.layers.Normalization()
    scale.adapt(data)
    back = keras.layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 0.0, 1e-16], invert=True)
    model = keras.Sequential([keras.Input((5,)), scale, layers.Dense(3), back])
    assert_same_as_predict(model, data[:10], tmp_path)
    unadapted = keras.Sequential([keras.Input((5,)), keras.layers.Normalization(name="raw")])
    with pytest.raises(ValueError, match="Normalization layer 'raw' has neither been adapted"):
        unadapted.export(tmp_path / "raw.onnx", format="onnx")
    assert not (tmp_path / "raw.onnx").exists()


@pytest.mark.parametrize(
    "activation",
    [
        "relu",
        "sigmoid",
        "tanh",
        "softmax",
        "linear",
        "elu",
        "selu",
        "gelu",
        "softplus",
        "softsign",
        "silu",
        "leaky_relu",
        "hard_sigmoid",
        "exponential",
        "log_softmax",
        layers.ReLU(max_value=1.5, negative_slope=0.3, threshold=0.2),
        layers.ReLU(max_value=6.0),
        layers.LeakyReLU(0.1),
        layers.ELU(0.7),
        layers.Softmax(),
        layers.Activation(keras.activations.gelu.with_params(approximate=True)),
    ],
    ids=str,
)
def test_every_activation(activation, tmp_path):
    keras.utils.set_random_seed(4)
    layer = activation if isinstance(activation, layers.Layer) else layers.Activation(activation)
    model = keras.Sequential([keras.Input((8,)), layers.Dense(8), layer, layers.Dense(3, activation=None)])
    inputs = np.random.default_rng(2).normal(scale=2, size=(6, 8)).astype("float32")
    assert_same_as_predict(model, inputs, tmp_path)


class Doubling(layers.Layer):
    def call(self, inputs):
        return inputs * 2


def test_unsupported_layers_are_refused_by_name_before_writing(tmp_path):
    inputs = keras.Input((4,))
    x = Doubling(name="doubling")(inputs)
    x = layers.Lambda(lambda t: t + 1, name="plus_one")(x)
    x = keras.ops.abs(x)
    model = keras.Model(inputs, layers.Dense(2)(x))
    path = tmp_path / "model.onnx"
    with pytest.raises(ValueError) as error:
        model.export(path, format="onnx")
    message = str(error.value)
    assert "doubling (Doubling)" in message and "plus_one (Lambda)" in message and "absolute (op absolute)" in message
    assert "Dense" not in message
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_a_subclassed_layer_of_a_supported_class_is_refused(tmp_path):
    class MyDense(layers.Dense):
        def call(self, inputs):
            return super().call(inputs) * 3

    model = keras.Sequential([keras.Input((3,)), MyDense(2, name="mine")])
    with pytest.raises(ValueError, match=r"mine \(MyDense\): no ONNX conversion"):
        model.export(tmp_path / "model.onnx", format="onnx")


def test_bad_export_arguments(tmp_path):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="format='tf_saved_model' is not written by kerasette; expected format='onnx'"):
        model.export(tmp_path / "model")
    with pytest.raises(ValueError, match="expected no input_signature"):
        model.export(tmp_path / "model.onnx", format="onnx", input_signature=[(None, 3)])
    with pytest.raises(ValueError, match="is not built"):
        keras.Sequential([layers.Dense(2)]).export(tmp_path / "model.onnx", format="onnx")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_replaced_whole(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"old")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    model.export(path, format="onnx")
    onnx.checker.check_model(onnx.load(str(path)))
    assert [entry.name for entry in tmp_path.iterdir()] == ["model.onnx"]


def _trained_a_little(model, x, y):
    """A step of training, so that no weight is left at its initial value (zero biases)."""
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    model.fit(x, y, epochs=1, batch_size=len(x), verbose=0)
    return model


@pytest.mark.parametrize(
    "recurrent",
    [
        lambda: layers.LSTM(5),
        lambda: layers.LSTM(5, return_sequences=True, use_bias=False),
        lambda: layers.GRU(4),
        lambda: layers.GRU(4, reset_after=False, return_sequences=True),
        lambda: layers.SimpleRNN(3, return_sequences=True),
    ],
    ids=["lstm", "lstm-sequences-no-bias", "gru", "gru-reset-before-sequences", "simple-rnn-sequences"],
)
def test_recurrent_layers(recurrent, tmp_path):
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    tokens = rng.integers(1, 20, size=(6, 9)).astype("int32")
    model = keras.Sequential([keras.Input((9,), dtype="int32"), layers.Embedding(20, 6), recurrent(), layers.Dense(2)])
    target = rng.normal(size=(6, 9, 2) if model.layers[1].return_sequences else (6, 2)).astype("float32")
    _trained_a_little(model, tokens, target)
    assert_same_as_predict(model, tokens, tmp_path)


def test_recurrent_options_onnx_lacks_and_masks_are_refused(tmp_path):
    for layer, reason in [
        (layers.LSTM(3, go_backwards=True), "go_backwards=True"),
        (layers.GRU(3, activation="relu"), "default activations"),
    ]:
        model = keras.Sequential([keras.Input((4, 2)), layer])
        with pytest.raises(ValueError, match=reason):
            model.export(tmp_path / "model.onnx", format="onnx")
    masked = keras.Sequential([keras.Input((4,)), layers.Embedding(5, 2, mask_zero=True), layers.LSTM(3)])
    with pytest.raises(ValueError, match="mask_zero=True"):
        masked.export(tmp_path / "model.onnx", format="onnx")
    assert list(tmp_path.iterdir()) == []
