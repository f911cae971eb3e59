"""The Functional API: graph structure, forward values with known weights, shared layers,
nested models, lists and dicts of inputs and outputs, configs, JSON, cloning, summary and
the errors of bad graphs."""

import json

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend, layers, ops
from kerasette.graph import KerasTensor, inbound_nodes


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session(free_memory=False)


def set_dense(layer, kernel, bias):
    layer.set_weights([np.asarray(kernel, dtype="float32"), np.asarray(bias, dtype="float32")])


def test_input_is_a_symbolic_tensor_with_its_input_layer():
    x = keras.Input(shape=(28, 28), name="image")
    assert isinstance(x, KerasTensor)
    assert (x.shape, x.dtype, x.name) == ((None, 28, 28), "float32", "image")
    layer, node_index, tensor_index = x.keras_history
    assert type(layer) is layers.InputLayer and (node_index, tensor_index) == (0, 0)
    assert keras.Input(batch_shape=(8, 3)).shape == (8, 3)
    assert keras.Input((3,), batch_size=4, dtype="int32").dtype == "int32"
    with pytest.raises(ValueError, match="sparse"):
        keras.Input((3,), sparse=True)


def test_layer_calls_record_nodes_and_layer_input_output():
    x = keras.Input((4,))
    dense = layers.Dense(3)
    y = dense(x)
    assert y.shape == (None, 3) and y.keras_history.operation is dense
    assert dense.input is x and dense.output is y
    node = inbound_nodes(dense)[0]
    assert node.input_tensors == [x] or node.input_tensors[0] is x
    assert node.outputs[0] is y
    z = (y * 2.0 + 1.0)[:, :2]
    assert z.shape == (None, 2)
    assert ops.sum(z, axis=1).shape == (None,)


def test_forward_equals_hand_computation_with_known_weights():
    inputs = keras.Input((2,), name="x")
    hidden = layers.Dense(3, activation="relu", name="hidden")
    output = layers.Dense(1, name="out")
    merged = layers.concatenate([inputs, hidden(inputs)])
    model = keras.Model(inputs, output(merged) * 2.0)
    kernel1, bias1 = [[1.0, -1.0, 0.5], [2.0, 0.0, -1.0]], [0.0, 1.0, 0.5]
    kernel2, bias2 = [[1.0], [2.0], [0.5], [-1.0], [3.0]], [0.25]
    set_dense(hidden, kernel1, bias1)
    set_dense(output, kernel2, bias2)
    x = np.array([[1.0, 2.0], [-1.0, 0.5]])
    h = np.maximum(x @ np.array(kernel1) + bias1, 0)
    expected = 2.0 * (np.concatenate([x, h], axis=1) @ np.array(kernel2) + bias2)
    np.testing.assert_allclose(model(x), expected, rtol=1e-6)
    assert [layer.name for layer in model.layers] == ["x", "hidden", "concatenate", "out"]


def test_shared_layer_uses_the_same_weights_in_both_nodes_and_counts_once():
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    shared = layers.Dense(2, name="shared")
    model = keras.Model([a, b], layers.subtract([shared(a), shared(b)]))
    assert len(inbound_nodes(shared)) == 2
    kernel, bias = np.arange(6.0).reshape(3, 2), np.array([1.0, -1.0])
    set_dense(shared, kernel, bias)
    x, y = np.ones((2, 3)), np.full((2, 3), 2.0)
    np.testing.assert_allclose(model([x, y]), (x @ kernel + bias) - (y @ kernel + bias), rtol=1e-6)
    assert len(model.weights) == 2 and model.count_params() == 8
    assert [layer.name for layer in model.layers].count("shared") == 1


def test_nested_sequential_and_functional_models():
    inner_input = keras.Input((3,))
    inner = keras.Model(inner_input, layers.Dense(2, name="inner_dense")(inner_input), name="inner")
    stack = keras.Sequential([layers.Dense(4, name="stack_dense", input_shape=(2,))], name="stack")
    x = keras.Input((3,))
    model = keras.Model(x, stack(inner(x)), name="outer")
    assert model.output_shape == (None, 4)
    data = np.random.default_rng(1).standard_normal((5, 3)).astype("float32")
    expected = stack(inner(data))
    np.testing.assert_allclose(model(data), expected, rtol=1e-6)
    assert [layer.name for layer in model.layers] == [x.name, "inner", "stack"]
    assert len(model.weights) == 4


def test_lists_and_dicts_of_inputs_and_outputs():
    title, body = keras.Input((2,), name="title"), keras.Input((3,), name="body")
    joined = layers.concatenate([title, body])
    priority = layers.Dense(1, name="priority", kernel_initializer="ones")(joined)
    department = layers.Dense(2, name="department", kernel_initializer="ones")(joined)
    as_lists = keras.Model([title, body], [priority, department])
    as_dicts = keras.Model({"title": title, "body": body}, {"priority": priority, "department": department})
    t, b = np.ones((4, 2)), np.ones((4, 3))
    out = as_lists([t, b])
    assert isinstance(out, list) and out[0].shape == (4, 1) and out[1].shape == (4, 2)
    np.testing.assert_allclose(out[0], np.full((4, 1), 5.0))
    named = as_dicts({"title": t, "body": b})
    assert set(named) == {"priority", "department"}
    np.testing.assert_allclose(named["department"], out[1])
    np.testing.assert_allclose(as_lists({"title": t, "body": b})[0], out[0])  # dict by input name
    assert [tensor.name for tensor in as_dicts.inputs] == ["body", "title"]  # sorted keys, as Keras
    assert as_lists.input_shape == [(None, 2), (None, 3)] and as_lists.output_shape == [(None, 1), (None, 2)]
    with pytest.raises(ValueError, match=r"expected a list of 2 inputs \['title', 'body'\]; received 3"):
        as_lists([t, b, b])
    with pytest.raises(
        ValueError, match=r"input 'body' expects shape \(None, 3\); received an array of shape \(4, 2\)"
    ):
        as_lists([t, t])


def test_a_list_of_one_output_comes_out_as_that_output_as_in_keras_3():
    """Keras 3.15 (observed): ``Model([x], [y])`` called, predicted and fitted acts as
    ``Model(x, y)``: call and predict give the array, not a list of one; fit and evaluate
    take x and y as arrays or as lists of one array; a dict of one output stays a dict."""
    inputs = keras.Input((3,))
    outputs = layers.Dense(2, kernel_initializer="ones")(inputs)
    data, targets = np.ones((4, 3)), np.zeros((4, 2))
    for structure in ([outputs], (outputs,)):
        model = keras.Model([inputs], structure)
        assert model(data).shape == (4, 2) and model.predict(data, verbose=0).shape == (4, 2)
        assert model.output_shape == (None, 2) and model.compute_output_shape((None, 3)) == (None, 2)
        for loss in ("mse", ["mse"]):
            model = keras.Model([inputs], structure)  # weights shared: reset them
            model.set_weights([np.ones((3, 2)), np.zeros(2)])
            model.compile(optimizer="sgd", loss=loss)
            assert model.evaluate(data, targets, verbose=0) == pytest.approx(9.0)
            assert model.evaluate([data], [targets], verbose=0) == pytest.approx(9.0)
            first = model.fit([data], [targets], epochs=1, verbose=0).history["loss"]
            assert first == [pytest.approx(9.0)] and model.fit(data, targets, verbose=0).history["loss"][0] < 9.0
    named = keras.Model(inputs, {"scores": outputs})
    assert set(named.predict(data, verbose=0)) == {"scores"}


def test_building_a_model_keeps_frozen_layers_frozen():
    x = keras.Input((3,))
    frozen = layers.Dense(2)
    frozen.trainable = False
    model = keras.Model(x, layers.Dense(1)(frozen(x)))
    assert not frozen.trainable and len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    model.trainable = False
    assert model.trainable_weights == []


def test_model_properties_and_get_layer():
    x = keras.Input((3,), name="x")
    dense = layers.Dense(2, name="d")
    model = keras.models.Model(inputs=x, outputs=dense(x))
    assert isinstance(model, keras.Functional) and isinstance(model, keras.Model)
    assert model.input is x and model.output is dense.output
    assert model.inputs == [x] or model.inputs[0] is x
    assert model.get_layer("d") is dense and model.get_layer(index=1) is dense
    with pytest.raises(ValueError, match=r"no layer named 'e'; the layers are \['x', 'd'\]"):
        model.get_layer("e")
    with pytest.raises(ValueError, match="out of range"):
        model.get_layer(index=5)


def build_branchy_model():
    image = keras.Input((4,), name="image")
    meta = keras.Input((2,), name="meta")
    shared = layers.Dense(3, activation="tanh", name="shared")
    left = shared(image)
    right = layers.Dense(3, name="project")(layers.concatenate([image[:, :2], meta]))
    summed = layers.Add(name="sum")([left, shared(layers.concatenate([ops.tanh(right) * 2.0, image[:, :1]]))])
    outputs = {"score": layers.Dense(1, name="score")(summed), "scaled": summed * 0.5}
    return keras.Model({"image": image, "meta": meta}, outputs, name="branchy")


def test_get_config_from_config_gives_the_same_predictions():
    model = build_branchy_model()
    config = model.get_config()
    shared = next(entry for entry in config["layers"] if entry["name"] == "shared")
    assert len(shared["inbound_nodes"]) == 2
    argument = shared["inbound_nodes"][0]["args"][0]
    assert argument["class_name"] == "__keras_tensor__" and argument["config"]["keras_history"] == ["image", 0, 0]
    assert config["input_layers"] == {"image": ["image", 0, 0], "meta": ["meta", 0, 0]}
    json.dumps(config)  # JSON-ready
    restored = keras.Functional.from_config(config)
    restored.set_weights(model.get_weights())
    data = {"image": np.random.default_rng(2).standard_normal((3, 4)), "meta": np.ones((3, 2))}
    for key, value in model(data).items():
        np.testing.assert_allclose(restored(data)[key], value, rtol=1e-6)
    assert [layer.name for layer in restored.layers] == [layer.name for layer in model.layers]


def test_to_json_and_model_from_json():
    model = build_branchy_model()
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Functional"
    restored = keras.models.model_from_json(text)
    assert restored.get_config() == model.get_config()
    sequential = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    as_json = json.dumps({"class_name": "Sequential", "config": sequential.get_config()})
    assert keras.models.model_from_json(as_json).output_shape == (None, 2)


def test_clone_model_has_new_weights_and_the_same_structure():
    model = build_branchy_model()
    clone = keras.models.clone_model(model)
    assert clone.get_config() == model.get_config()
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    assert not all(np.array_equal(a, b) for a, b in zip(clone.get_weights(), model.get_weights()))
    clone.set_weights(model.get_weights())
    data = {"image": np.ones((2, 4)), "meta": np.ones((2, 2))}
    np.testing.assert_allclose(clone(data)["score"], model(data)["score"], rtol=1e-6)
    sequential = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="only")])
    copy = keras.models.clone_model(sequential)
    assert copy.layers[0] is not sequential.layers[0] and copy.output_shape == (None, 2)


def test_summary_has_connected_to_column():
    model = build_branchy_model()
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Connected to" in lines[2]
    assert "shared[0][0]" in text and "shared[1][0]" in text and "image[0][0]" in text
    from summary_models import summary_rows

    sum_row = next(row for row in summary_rows(lines) if row[0] == "sum (Add)")
    assert sum_row[3].startswith("shared[0][0], ")
    assert f"Total params: {model.count_params():,}" in text


def test_calling_a_built_layer_on_the_wrong_shape_names_layer_and_shapes():
    dense = layers.Dense(2, name="fixed")
    dense(keras.Input((3,)))
    with pytest.raises(
        ValueError, match=r"layer 'fixed' \(Dense\) was built for inputs of shape \(None, 3\); received"
    ):
        dense(keras.Input((4,), name="wide"))


def test_disconnected_and_unused_inputs_are_refused():
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    out = layers.Dense(1)(layers.add([a, b]))
    with pytest.raises(
        ValueError,
        match="Graph disconnected: the outputs need .*name=b>, which is not among the model's inputs \\['a'\\]",
    ):
        keras.Model(a, out)
    with pytest.raises(ValueError, match=r"input <KerasTensor .*name=c> is not connected to any output"):
        keras.Model([a, b, keras.Input((3,), name="c")], out)
    with pytest.raises(TypeError, match="every value must be a KerasTensor"):
        keras.Model(a, np.ones(3))


def test_duplicate_layer_names_are_refused():
    x = keras.Input((3,))
    y = layers.Dense(2, name="twin")(layers.Dense(3, name="twin")(x))
    with pytest.raises(ValueError, match="the name 'twin' is used 2 times"):
        keras.Model(x, y)


def test_sequential_keeps_taking_input():
    model = keras.Sequential([keras.Input((5,)), layers.Dense(2)])
    assert model.output_shape == (None, 2) and model.predict(np.ones((3, 5)), verbose=0).shape == (3, 2)
