"""Keras masks: made by Embedding(mask_zero=True), Masking and compute_mask, passed on by
layers that support masking, given to ``call(..., mask=None)``, and honoured by
GlobalAveragePooling1D, attention and the loss and metrics of fit/evaluate; eagerly, in
Sequential, Functional and subclassed models."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend, layers, ops
from kerasette.graph.masks import get_keras_mask
from kerasette.ops import tape
from tests.gradient_check import assert_gradient_close, numeric_gradient

GOLDENS = np.load(pathlib.Path(__file__).parent / "fixtures" / "keras_attention_goldens.npz")
TOKENS = np.array([[3, 1, 4, 0, 0], [2, 2, 0, 0, 0], [5, 1, 2, 3, 1]])
EXPECTED_MASK = TOKENS != 0


class SeesMask(keras.layers.Layer):
    """A layer of one's own whose call takes ``mask``: records what it was given."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.received = []

    def call(self, inputs, mask=None):
        if inputs.shape[0] == TOKENS.shape[0]:  # not the shape-inference probes
            self.received.append(None if mask is None else backend.to_numpy(mask))
        return inputs


def _check_received(layer):
    assert layer.received, "the layer was not called"
    np.testing.assert_array_equal(layer.received[-1], EXPECTED_MASK)


def test_eager_propagation_through_supporting_layers():
    embedded = keras.layers.Embedding(6, 4, mask_zero=True)(TOKENS)
    np.testing.assert_array_equal(backend.to_numpy(get_keras_mask(embedded)), EXPECTED_MASK)
    dense = keras.layers.Dense(3)(keras.layers.Dropout(0.5)(embedded))
    seer = SeesMask()
    seer(dense)
    _check_received(seer)
    explicit = np.ones_like(EXPECTED_MASK)
    seer(dense, mask=explicit)  # a mask the caller passes wins
    np.testing.assert_array_equal(seer.received[-1], explicit)
    assert get_keras_mask(keras.layers.Embedding(6, 4)(TOKENS)) is None


def test_sequential_functional_and_subclassed_models_pass_masks():
    seq_seer = SeesMask()
    model = keras.Sequential([keras.Input((5,)), keras.layers.Embedding(6, 4, mask_zero=True), seq_seer])
    model.predict(TOKENS, verbose=0)
    _check_received(seq_seer)

    fun_seer = SeesMask()
    inputs = keras.Input((5,))
    outputs = fun_seer(keras.layers.Dense(2)(keras.layers.Embedding(6, 4, mask_zero=True)(inputs)))
    keras.Model(inputs, outputs).predict(TOKENS, verbose=0)
    _check_received(fun_seer)

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.embedding = keras.layers.Embedding(6, 4, mask_zero=True)
            self.seer = SeesMask()

        def call(self, inputs):
            return self.seer(self.embedding(inputs))

    subclassed = Subclassed()
    subclassed(TOKENS)
    _check_received(subclassed.seer)


def test_fast_training_step_passes_masks():
    seer = SeesMask()
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Embedding(6, 4, mask_zero=True), seer, keras.layers.Dense(3)]
    )
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(TOKENS, np.zeros((3, 5)), batch_size=3, epochs=1, shuffle=False, verbose=0)
    _check_received(seer)


def test_compute_mask_of_ones_own_and_a_layer_without_support_drops_it():
    class KeepFirstTwo(keras.layers.Layer):
        def compute_mask(self, inputs, mask=None):
            keep = np.zeros(inputs.shape[:2], bool)
            keep[:, :2] = True
            return backend.to_device(keep, bool)

        def call(self, inputs):
            return inputs * 2

    outputs = KeepFirstTwo()(np.ones((3, 5, 2)))
    assert backend.to_numpy(get_keras_mask(outputs)).tolist() == [[True, True, False, False, False]] * 3

    class NoSupport(keras.layers.Layer):
        def call(self, inputs):
            return inputs + 1

    embedded = keras.layers.Embedding(6, 4, mask_zero=True)(TOKENS)
    assert get_keras_mask(NoSupport()(embedded)) is None


def test_masking_layer_zeroes_masked_steps_and_masks_them():
    inputs = np.array([[[1.0, 2.0], [0.0, 0.0], [0.0, 3.0]]])
    outputs = keras.layers.Masking(mask_value=0.0)(inputs)
    assert backend.to_numpy(get_keras_mask(outputs)).tolist() == [[True, False, True]]
    padded = keras.layers.Masking(mask_value=3.0)(np.array([[[3.0, 3.0], [1.0, 3.0]]]))
    assert backend.to_numpy(padded).tolist() == [[[0.0, 0.0], [1.0, 3.0]]]
    with pytest.raises((TypeError, ValueError), match="mask_value"):
        keras.layers.Masking(mask_value="zero")


def test_global_average_pooling_1d_with_mask_matches_keras():
    inputs = backend.to_device(GOLDENS["pooled_input"], "float32")
    pooled = keras.layers.GlobalAveragePooling1D()(inputs, mask=GOLDENS["value_mask"])
    np.testing.assert_allclose(backend.to_numpy(pooled), GOLDENS["gap_masked/out0"], atol=1e-6)
    assert get_keras_mask(pooled) is None  # as Keras: the mask ends here
    channels_first = keras.layers.GlobalAveragePooling1D(data_format="channels_first", keepdims=True)
    unmasked = channels_first(np.arange(6.0).reshape(1, 2, 3))
    assert backend.to_numpy(unmasked).tolist() == [[[1.0], [4.0]]]
    maxed = keras.layers.GlobalMaxPooling1D()(np.array([[[1.0, 5.0], [3.0, 2.0]]]))
    assert backend.to_numpy(maxed).tolist() == [[3.0, 5.0]]


@pytest.mark.parametrize("cls", [keras.layers.GlobalAveragePooling1D, keras.layers.GlobalMaxPooling1D])
def test_global_pooling_1d_gradients(float64, cls):
    rng = np.random.default_rng(0)
    inputs = backend.to_device(rng.normal(size=(2, 5, 3)), "float64")
    call = {"mask": GOLDENS["value_mask"]} if cls is keras.layers.GlobalAveragePooling1D else {}
    layer = cls()
    projection = backend.to_device(rng.normal(size=(2, 3)), "float64")
    with tape.recording():
        watched = tape.Tensor(inputs)
        (analytic,) = tape.gradients([layer(watched, **call)], [watched], [projection])

    def loss():
        return float((backend.to_numpy(layer(inputs, **call)) * backend.to_numpy(projection)).sum())

    assert_gradient_close(analytic, numeric_gradient(loss, inputs))


def test_bad_masks_are_refused():
    with pytest.raises(ValueError, match=r"mask must have shape \(2, 5\)"):
        keras.layers.GlobalAveragePooling1D()(np.ones((2, 5, 3)), mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="rank 3"):
        keras.layers.GlobalAveragePooling1D()(np.ones((2, 5)))


def _masked_model():
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Embedding(6, 4, mask_zero=True), keras.layers.Dense(3, activation="softmax")]
    )
    for index, weight in enumerate(model.weights):
        weight.assign(GOLDENS[f"masked_model/w{index}"])
    return model


def test_evaluate_turns_the_output_mask_into_sample_weights_as_keras():
    model = _masked_model()
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    results = model.evaluate(GOLDENS["tokens"], GOLDENS["labels"], verbose=0)
    np.testing.assert_allclose(results, GOLDENS["masked_model/evaluate"], rtol=1e-6)


def test_fit_ignores_the_targets_of_masked_steps():
    labels = GOLDENS["labels"]
    other = labels.copy()
    other[GOLDENS["tokens"] == 0] = 2  # differs only where the mask is False
    trained = []
    for targets in (labels, other):
        model = _masked_model()
        model.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
        history = model.fit(GOLDENS["tokens"], targets, batch_size=3, epochs=2, shuffle=False, verbose=0)
        trained.append(([weight.numpy() for weight in model.weights], history.history["loss"]))
    for first, second in zip(trained[0][0], trained[1][0]):
        np.testing.assert_array_equal(first, second)
    assert trained[0][1] == trained[1][1]
    assert trained[0][0][1].tolist() != GOLDENS["masked_model/w1"].tolist()  # it did train


def test_attention_reads_masks_from_its_inputs():
    embedded = keras.layers.Embedding(6, 4, mask_zero=True)(TOKENS)
    attended = keras.layers.MultiHeadAttention(num_heads=2, key_dim=2)(embedded, embedded)
    np.testing.assert_array_equal(backend.to_numpy(get_keras_mask(attended)), EXPECTED_MASK)
    outputs, scores = keras.layers.Attention()([embedded, embedded], return_attention_scores=True)
    assert np.all(backend.to_numpy(scores)[~EXPECTED_MASK[:, None, :].repeat(5, 1)] < 1e-6)
    assert np.all(backend.to_numpy(ops.sum(outputs, axis=-1))[~EXPECTED_MASK] == 0)


def test_a_loss_called_on_a_masked_output_weighs_masked_steps_zero():
    model = _masked_model()
    predictions = model(GOLDENS["tokens"])
    loss = keras.losses.SparseCategoricalCrossentropy()(GOLDENS["labels"], predictions)
    np.testing.assert_allclose(float(loss), GOLDENS["masked_model/evaluate"][0], rtol=1e-6)


def test_a_train_step_of_ones_own_uses_the_mask_as_keras():
    class OwnStep(keras.Sequential):
        def train_step(self, data):
            x, y = data
            with keras.GradientTape() as gradient_tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(x, y, y_pred)
            variables = self.trainable_weights
            self.optimizer.apply(gradient_tape.gradient(loss, variables), variables)
            return self.compute_metrics(x, y, y_pred)

    labels = GOLDENS["labels"]
    other = labels.copy()
    other[GOLDENS["tokens"] == 0] = 1
    trained = []
    for targets in (labels, other):
        model = OwnStep([keras.Input((5,)), keras.layers.Embedding(6, 4, mask_zero=True), keras.layers.Dense(3)])
        model.layers[-1].activation = "softmax"
        for index, weight in enumerate(model.weights):
            weight.assign(GOLDENS[f"masked_model/w{index}"])
        model.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(GOLDENS["tokens"], targets, batch_size=3, epochs=2, shuffle=False, verbose=0)
        trained.append(([weight.numpy() for weight in model.weights], history.history["accuracy"]))
    for first, second in zip(trained[0][0], trained[1][0]):
        np.testing.assert_allclose(first, second, rtol=1e-6)
    assert trained[0][1] == trained[1][1]
    np.testing.assert_allclose(trained[0][1][0], GOLDENS["masked_model/evaluate"][1], rtol=1e-6)


@pytest.mark.parametrize("case, mask", [("softmax_masked", "softmax_mask"), ("softmax_row_masked", "softmax_row_mask")])
def test_softmax_with_a_mask_matches_keras(case, mask):
    outputs = keras.layers.Softmax()(GOLDENS["softmax_input"], mask=GOLDENS[mask])
    np.testing.assert_allclose(backend.to_numpy(outputs), GOLDENS[f"{case}/out0"], atol=1e-6)


def test_softmax_with_a_mask_gradient(float64):
    rng = np.random.default_rng(4)
    inputs = backend.to_device(rng.normal(size=(2, 3, 4)), "float64")
    mask = GOLDENS["softmax_mask"]
    layer = keras.layers.Softmax()
    projection = backend.to_device(rng.normal(size=(2, 3, 4)), "float64")
    with tape.recording():
        watched = tape.Tensor(inputs)
        (analytic,) = tape.gradients([layer(watched, mask=mask)], [watched], [projection])

    def loss():
        return float((backend.to_numpy(layer(inputs, mask=mask)) * backend.to_numpy(projection)).sum())

    assert_gradient_close(analytic, numeric_gradient(loss, inputs))
    with pytest.raises(ValueError, match="broadcastable"):
        layer(inputs, mask=np.ones((2, 3), bool))


def test_a_nested_sequential_passes_the_mask_it_is_given_to_its_layers():
    """As Keras 3's Sequential.call: the mask its inputs carry reaches the first layer that
    takes one (here a masked mean over the two real steps of each sequence)."""
    keras.utils.set_random_seed(0)
    tokens = np.array([[3, 5, 0, 0], [2, 0, 0, 0]], dtype="int32")
    embedding = layers.Embedding(8, 3, mask_zero=True)
    inputs = keras.Input((4,), dtype="int32")
    nested = keras.Model(inputs, keras.Sequential([layers.GlobalAveragePooling1D()])(embedding(inputs)))
    table = embedding.embeddings.numpy()
    np.testing.assert_allclose(
        nested.predict(tokens, verbose=0), [(table[3] + table[5]) / 2, table[2]], rtol=0, atol=1e-6
    )


def test_merge_layers_combine_masks_as_keras_3():
    """Keras 3.15's ``Merge.compute_mask``: None when any input has no mask, else the OR of
    the masks; ``Concatenate``'s: every mask spread over its input (all True where there
    is none), joined along ``axis``, kept where any entry of the last axis is; ``Dot``: none.
    (Values as Keras 3.15 gives them for these inputs.)"""
    tokens, others = np.array([[1, 2, 0, 0], [3, 0, 0, 0]]), np.array([[0, 2, 0, 5], [3, 0, 0, 0]])
    embed = layers.Embedding(10, 3, mask_zero=True)
    masked, also_masked, plain = embed(tokens), embed(others), layers.Embedding(10, 3)(tokens)
    assert get_keras_mask(layers.Add()([masked, plain])) is None
    for merge in (layers.Add(), layers.Subtract(), layers.Multiply(), layers.Average(), layers.Maximum()):
        expected = [[True, True, False, True], [True, False, False, False]]
        np.testing.assert_array_equal(backend.to_numpy(get_keras_mask(merge([masked, also_masked]))), expected)
    joined = get_keras_mask(layers.Concatenate()([masked, plain]))
    np.testing.assert_array_equal(backend.to_numpy(joined), np.ones((2, 4), dtype=bool))
    np.testing.assert_array_equal(
        backend.to_numpy(get_keras_mask(layers.Concatenate(axis=1)([masked, also_masked]))),
        [[True, True, False, False, False, True, False, True], [True, False, False, False, True, False, False, False]],
    )
    assert get_keras_mask(layers.Dot(axes=2)([masked, also_masked])) is None


def test_a_mask_through_add_reaches_the_pooling_after_it():
    """Token and position embeddings added, as Keras text models do: the padding stays
    masked, so the average pools the real steps only (each row's own count)."""
    tokens = keras.Input(shape=(4,), dtype="int32")
    words = layers.Embedding(10, 3, mask_zero=True, embeddings_initializer="uniform")(tokens)
    again = layers.Embedding(10, 3, mask_zero=True, embeddings_initializer="uniform")(tokens)
    pooled = layers.GlobalAveragePooling1D()(layers.Add()([words, again]))
    model = keras.Model(tokens, pooled)
    batch = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    summed = model.layers[1].embeddings.numpy()[batch] + model.layers[2].embeddings.numpy()[batch]
    expected = np.stack([summed[0, :2].mean(axis=0), summed[1, :1].mean(axis=0)])
    np.testing.assert_allclose(model.predict(batch, verbose=0), expected, rtol=1e-6)
