"""MultiHeadAttention, Attention and AdditiveAttention against real Keras 3's outputs
(goldens from tests/fixtures/make_attention_fixtures.py) and central differences in float64."""

from __future__ import annotations

import contextlib
import pathlib

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend
from kerasette.graph.masks import get_keras_mask, set_keras_mask
from kerasette.ops import tape
from tests.gradient_check import assert_gradient_close, numeric_gradient

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
GOLDENS = np.load(FIXTURES / "keras_attention_goldens.npz")


def _set_keras_weights(layer, prefix):
    for index, weight in enumerate(layer.weights):
        weight.assign(GOLDENS[f"{prefix}/w{index}"])


def _device(name, mask=None):
    array = backend.to_device(GOLDENS[name], "float32")
    if mask is not None:
        set_keras_mask(array, backend.to_device(GOLDENS[mask], bool))
    return array


MHA_CASES = {
    "mha_plain": ({}, {}),
    "mha_key": ({}, {"key": "key"}),
    "mha_scores": ({}, {"key": "key", "return_attention_scores": True}),
    "mha_masks": ({}, {"masks": True, "return_attention_scores": True}),
    "mha_attention_mask": ({}, {"attention_mask": "attention_mask", "return_attention_scores": True}),
    "mha_options": ({"value_dim": 3, "output_shape": 5, "use_bias": False}, {"key": "key"}),
}


@pytest.mark.parametrize("case", sorted(MHA_CASES))
def test_multi_head_attention_matches_keras(case):
    options, call = MHA_CASES[case]
    call = dict(call)
    masked = call.pop("masks", False)
    query = _device("query", "query_mask" if masked else None)
    value = _device("value", "value_mask" if masked else None)
    for name in ("key", "attention_mask"):
        if name in call:
            call[name] = backend.to_device(GOLDENS[call[name]], "float32" if name == "key" else bool)
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, **options)
    layer(query, value, key=call.get("key"))  # build
    _set_keras_weights(layer, case)
    outputs = layer(query, value, **call)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    for index, output in enumerate(outputs):
        np.testing.assert_allclose(backend.to_numpy(output), GOLDENS[f"{case}/out{index}"], atol=1e-5, rtol=1e-5)
    if masked:  # as Keras: the output carries the query's mask
        np.testing.assert_array_equal(backend.to_numpy(get_keras_mask(outputs[0])), GOLDENS["query_mask"])


def test_multi_head_attention_causal_matches_keras():
    inputs = _device("self_input")
    layer = keras.layers.MultiHeadAttention(num_heads=3, key_dim=2)
    layer(inputs, inputs)
    _set_keras_weights(layer, "mha_causal")
    outputs, scores = layer(inputs, inputs, use_causal_mask=True, return_attention_scores=True)
    np.testing.assert_allclose(backend.to_numpy(outputs), GOLDENS["mha_causal/out0"], atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(backend.to_numpy(scores), GOLDENS["mha_causal/out1"], atol=1e-5, rtol=1e-5)
    assert np.all(backend.to_numpy(scores)[:, :, 0, 1:] == 0)  # the first step sees only itself


ATTENTION_CASES = {
    "att_dot": (keras.layers.Attention, {}, {}, ("a_query", "a_value")),
    "att_scale_concat": (
        keras.layers.Attention,
        {"use_scale": True, "score_mode": "concat"},
        {"return_attention_scores": True},
        ("a_query", "a_value", "a_key"),
    ),
    "att_masks": (keras.layers.Attention, {"use_scale": True}, {"return_attention_scores": True, "masks": True}, None),
    "att_causal": (keras.layers.Attention, {}, {"use_causal_mask": True}, ("a_query", "a_value")),
    "add_plain": (keras.layers.AdditiveAttention, {}, {}, ("a_query", "a_value", "a_key")),
    "add_masks": (
        keras.layers.AdditiveAttention,
        {"use_scale": False},
        {"return_attention_scores": True, "masks": True},
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(ATTENTION_CASES))
def test_attention_layers_match_keras(case):
    cls, options, call, names = ATTENTION_CASES[case]
    call = dict(call)
    if call.pop("masks", False):  # the masks travel with the inputs, as Keras masks
        inputs = [_device("a_query", "query_mask"), _device("a_value", "value_mask")]
    else:
        inputs = [_device(name) for name in names]
    layer = cls(**options)
    layer(inputs)
    _set_keras_weights(layer, case)
    outputs = layer(inputs, **call)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    for index, output in enumerate(outputs):
        np.testing.assert_allclose(backend.to_numpy(output), GOLDENS[f"{case}/out{index}"], atol=1e-5, rtol=1e-5)


def _check_gradients(layer, arrays, call=None):
    """Every input's and weight's gradient of sum(outputs * projection) against central differences."""
    call = call or {}
    rng = np.random.default_rng(0)
    projection = None

    def loss():
        outputs = tape.unwrap(layer(*arrays, **call, training=False))
        return float((backend.to_numpy(outputs) * projection).sum())

    with tape.recording():
        tensors = [tape.Tensor(array) for array in arrays]
        outputs = layer(*tensors, **call, training=False)
        projection = rng.normal(size=outputs.shape)
        sources = [*tensors, *layer.trainable_weights]
        analytic = tape.gradients([outputs], sources, [backend.to_device(projection, "float64")])
    for array, grad in zip([*arrays, *(w.data for w in layer.trainable_weights)], analytic):
        numeric = numeric_gradient(loss, array)
        if np.linalg.norm(numeric) < 1e-8:  # the key's bias: softmax ignores a shift shared by a row
            assert np.linalg.norm(backend.to_numpy(grad)) < 1e-8
        else:
            assert_gradient_close(grad, numeric)


@pytest.mark.parametrize("masked", [False, True])
def test_multi_head_attention_gradients(float64, masked):
    rng = np.random.default_rng(1)
    query = backend.to_device(rng.normal(size=(2, 3, 4)), "float64")
    value = backend.to_device(rng.normal(size=(2, 5, 3)), "float64")
    key = backend.to_device(rng.normal(size=(2, 5, 2)), "float64")
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2, output_shape=3, dtype="float64")
    layer(query, value, key)
    for weight in layer.weights:  # non-zero biases, so that their gradients are checked
        weight.assign(rng.normal(size=weight.shape) * 0.5)
    call = {}
    if masked:
        call = {"attention_mask": rng.random((2, 3, 5)) > 0.4, "use_causal_mask": True}
        call["attention_mask"][:, :, 0] = True
    _check_gradients(layer, [query, value, key], call)


@pytest.mark.parametrize(
    "cls, options",
    [
        (keras.layers.Attention, {"use_scale": True}),
        (keras.layers.Attention, {"score_mode": "concat", "use_scale": True}),
        (keras.layers.AdditiveAttention, {}),
    ],
)
def test_attention_gradients(float64, cls, options):
    rng = np.random.default_rng(2)
    arrays = [backend.to_device(rng.normal(size=shape), "float64") for shape in ((2, 3, 4), (2, 5, 4), (2, 5, 4))]
    layer = cls(**options, dtype="float64")
    layer(arrays)
    for weight in layer.weights:
        weight.assign(rng.normal(size=weight.shape))

    class ListCall:  # the layer takes its inputs as one list
        trainable_weights = layer.trainable_weights

        def __call__(self, *inputs, **kwargs):
            return layer(list(inputs), **kwargs)

    _check_gradients(ListCall(), arrays, {"use_causal_mask": True})


BAD_CALLS = [
    (lambda layer, q, v: layer(q, v[:, :, :2]), "value must have shape"),
    (lambda layer, q, v: layer(q, v, attention_mask=np.ones((2, 3, 3), bool)), "attention_mask must have shape"),
    (lambda layer, q, v: layer(q, v, query_mask=np.ones((2, 4), bool)), "query_mask must have shape"),
    (lambda layer, q, v: layer(q, v, value_mask=np.ones((3, 5), bool)), "value_mask must have shape"),
    (lambda layer, q, v: layer(q[0], v), "query must have rank 3"),
    (lambda layer, q, v: layer(q, v, key=v[:, :2]), "same number of steps"),
]


@pytest.mark.parametrize("bad_call, message", BAD_CALLS)
def test_multi_head_attention_refuses_bad_inputs(bad_call, message):
    query, value = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 3), "float32")
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=2)
    layer(query, value)
    before = [weight.numpy().copy() for weight in layer.weights]
    with pytest.raises(ValueError, match=message):
        bad_call(layer, query, value)
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(before, layer.weights))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: keras.layers.MultiHeadAttention(num_heads=0, key_dim=2), "num_heads"),
        (lambda: keras.layers.MultiHeadAttention(num_heads=2, key_dim=2, dropout=1.5), "dropout"),
        (lambda: keras.layers.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(1, 2)), "attention_axes"),
        (lambda: keras.layers.Attention(score_mode="cosine"), "score_mode"),
        (lambda: keras.layers.Attention()([np.ones((1, 2, 3))]), "list"),
        (lambda: keras.layers.Attention()([np.ones((1, 2, 3)), np.ones((1, 2, 4))]), "same last dimension"),
    ],
)
def test_bad_attention_arguments_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_split_batch_gives_the_same_outputs_and_gradients():
    """Inside fit each core takes a slice of the batch: the same numbers as in one piece."""
    splitter = backend.batch_splitter()
    if splitter is None or splitter.workers == 1:
        pytest.skip("this backend or machine does not split batches (one core, or CuPy)")
    rng = np.random.default_rng(3)
    query = backend.to_device(rng.normal(size=(9, 4, 6)), "float32")
    value = backend.to_device(rng.normal(size=(9, 5, 6)), "float32")
    mask = rng.random((9, 4, 5)) > 0.3
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.0)
    layer(query, value)
    results = []
    for split in (False, True):
        with splitter.scope() if split else contextlib.nullcontext():
            assert (len(splitter.parts(9)) > 1) == split
            with tape.recording():
                watched = [tape.Tensor(query), tape.Tensor(value)]
                outputs = layer(*watched, attention_mask=mask)
                grads = tape.gradients([outputs], [*watched, *layer.trainable_weights])
        results.append([backend.to_numpy(tape.unwrap(outputs)), *map(backend.to_numpy, grads)])
    for one_piece, split in zip(*results):
        np.testing.assert_allclose(split, one_piece, rtol=1e-5, atol=1e-6)


def _mha_model():
    inputs = keras.Input((4, 6))
    outputs = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, name="mha")(inputs, inputs)
    return keras.Model(inputs, outputs)


def test_multi_head_attention_loads_keras_weights():
    model = _mha_model()
    model.load_weights(str(FIXTURES / "keras_mha.weights.h5"))
    predictions = model.predict(GOLDENS["self_input"], verbose=0)
    np.testing.assert_allclose(predictions, GOLDENS["saved/predictions"], atol=1e-5, rtol=1e-5)


def _datasets(path) -> dict:
    import h5py

    found = {}
    with h5py.File(path, "r") as file:
        file.visititems(lambda name, item: found.update({name: item[()]}) if isinstance(item, h5py.Dataset) else None)
    return found


def test_multi_head_attention_weights_written_as_keras_reads_them(tmp_path):
    """The file kerasette writes has the layout of the one Keras loaded (``kerasette_mha.weights.h5``,
    by tests/fixtures/make_attention_fixtures.py) and gives Keras's predictions back."""
    model = _mha_model()
    for index, weight in enumerate(model.weights):
        weight.assign(GOLDENS[f"written/w{index}"])
    path = tmp_path / "mha.weights.h5"
    model.save_weights(str(path))
    written, read_by_keras = _datasets(path), _datasets(FIXTURES / "kerasette_mha.weights.h5")
    assert sorted(written) == sorted(read_by_keras)
    assert any(name.endswith("query_dense/vars/0") for name in written)
    for name, array in read_by_keras.items():
        np.testing.assert_array_equal(written[name], array)
    reloaded = _mha_model()
    reloaded.load_weights(str(path))
    predictions = reloaded.predict(GOLDENS["self_input"], verbose=0)
    np.testing.assert_allclose(predictions, GOLDENS["written/keras_predictions"], atol=1e-5, rtol=1e-5)


def test_functional_models_with_attention_scores():
    query, value = keras.Input((4, 6)), keras.Input((5, 6))
    outputs, scores = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)(
        query, value, return_attention_scores=True
    )
    assert outputs.shape == (None, 4, 6) and scores.shape == (None, 2, 4, 5)
    attended, weights = keras.layers.Attention()([query, value], return_attention_scores=True)
    assert attended.shape == (None, 4, 6) and weights.shape == (None, 4, 5)
    model = keras.Model([query, value], [outputs, scores, attended, weights])
    results = model.predict([np.ones((2, 4, 6)), np.ones((2, 5, 6))], verbose=0)
    assert [r.shape for r in results] == [(2, 4, 6), (2, 2, 4, 5), (2, 4, 6), (2, 4, 5)]
    np.testing.assert_allclose(results[1].sum(axis=-1), 1.0, rtol=1e-6)


@pytest.mark.parametrize(
    "make",
    [
        lambda: keras.layers.MultiHeadAttention(2, 4, value_dim=3, output_shape=5, dropout=0.1, use_bias=False),
        lambda: keras.layers.Attention(use_scale=True, score_mode="concat", dropout=0.2),
        lambda: keras.layers.AdditiveAttention(use_scale=False),
        lambda: keras.layers.Masking(mask_value=1.0),
        lambda: keras.layers.GlobalAveragePooling1D(data_format="channels_first", keepdims=True),
        lambda: keras.layers.Embedding(5, 2, mask_zero=True),
    ],
)
def test_configs_round_trip(make):
    layer = make()
    config = layer.get_config()
    rebuilt = keras.layers.deserialize({"class_name": type(layer).__name__, "config": config})
    assert type(rebuilt) is type(layer) and rebuilt.get_config() == config


def test_dropout_only_while_training():
    rng = np.random.default_rng(5)
    query = backend.to_device(rng.normal(size=(2, 6, 4)), "float32")
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=2, dropout=0.5, seed=3)
    inference = backend.to_numpy(layer(query, query))
    np.testing.assert_array_equal(inference, backend.to_numpy(layer(query, query, training=False)))
    trained, scores = layer(query, query, training=True, return_attention_scores=True)
    assert not np.allclose(backend.to_numpy(trained), inference)
    np.testing.assert_allclose(backend.to_numpy(scores).sum(axis=-1), 1.0, rtol=1e-5)  # scores before dropout
    attention = keras.layers.Attention(dropout=0.5, seed=3)
    np.testing.assert_array_equal(
        backend.to_numpy(attention([query, query])), backend.to_numpy(attention([query, query], training=False))
    )
    assert not np.allclose(backend.to_numpy(attention([query, query], training=True)), attention([query, query]))


def _archive(path) -> tuple[dict, dict]:
    """A ``.keras`` archive's layer configs (by name, with their build configs) and its weight datasets' shapes."""
    import io
    import json
    import zipfile

    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        weights = io.BytesIO(archive.read("model.weights.h5"))
    layers = {entry["name"]: (entry["class_name"], entry.get("build_config")) for entry in config["config"]["layers"]}
    return layers, {name: np.shape(array) for name, array in _datasets(weights).items()}


def test_attention_layers_in_keras_archives_both_ways(tmp_path):
    """A Functional model with MultiHeadAttention, Attention and AdditiveAttention in a
    ``.keras`` file (tests/fixtures/make_attention_model_fixtures.py): Keras's loads and
    predicts as Keras did; the one kerasette writes has the layout of the file Keras 3
    loaded and predicted from (scalar weights stay scalars, MultiHeadAttention's build
    shapes by name)."""
    from tests.fixtures.make_attention_model_fixtures import trained

    expected = np.load(FIXTURES / "keras_attention_model.npz")
    inputs = [expected["x0"], expected["x1"]]
    model = keras.saving.load_model(str(FIXTURES / "keras_attention_model.keras"))
    np.testing.assert_allclose(model.predict(inputs, verbose=0), expected["predictions"], atol=1e-5, rtol=1e-5)
    ours, _ = trained(keras)
    path = tmp_path / "attention.keras"
    ours.save(str(path))
    read_by_keras = FIXTURES / "kerasette_attention_model.keras"
    assert _archive(path) == _archive(read_by_keras)
    assert _archive(path)[1]["layers/attention/vars/0"] == ()
    keras_predictions = np.load(FIXTURES / "kerasette_attention_model.npz")["keras"]
    reloaded = keras.saving.load_model(str(read_by_keras))
    np.testing.assert_allclose(reloaded.predict(inputs, verbose=0), keras_predictions, atol=1e-5, rtol=1e-5)
