"""The preprocessing layers in use: inside models (fit and predict on strings), in
Dataset.map, adapt on a Dataset, vocabularies set and read, configs, and the clear errors
for bad input. Keras parity of the outputs is tests/test_text_preprocessing.py."""

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend, layers, utils
from kerasette.utils.dataset import Dataset

POSITIVE = ["good", "great", "fine", "superb", "lovely"]
NEGATIVE = ["bad", "awful", "poor", "dire", "boring"]
NEUTRAL = ["the", "movie", "plot", "actor", "was", "and", "a", "film"]


def reviews(count: int, seed: int):
    """Sentences whose label says whether their sentiment words are positive or negative."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(count):
        label = int(rng.integers(2))
        words = list(rng.choice(POSITIVE if label else NEGATIVE, 2)) + list(rng.choice(NEUTRAL, 4))
        rng.shuffle(words)
        texts.append(" ".join(words).capitalize() + ".")
        labels.append(label)
    return np.array(texts), np.array(labels)


def test_bag_of_words_model_learns_a_synthetic_text_task_through_fit():
    utils.set_random_seed(3)
    x_train, y_train = reviews(400, seed=0)
    x_test, y_test = reviews(200, seed=1)
    vectorizer = layers.TextVectorization(max_tokens=30, output_mode="multi_hot")
    vectorizer.adapt(x_train)
    model = keras.Sequential([vectorizer, layers.Dense(16, activation="relu"), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    before = model.evaluate(x_test, y_test, verbose=0)[1]
    history = model.fit(x_train, y_train, epochs=15, batch_size=32, verbose=0)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert accuracy > 0.95 > before
    predictions = model.predict(x_test[:4], verbose=0)
    assert predictions.shape == (4, 1) and ((predictions > 0.5).ravel() == y_test[:4].astype(bool)).all()


def test_a_functional_model_takes_a_string_input():
    vectorizer = layers.TextVectorization(output_mode="count")
    texts = np.array([["good good movie"], ["bad movie"]])
    vectorizer.adapt(texts)
    inputs = keras.Input(shape=(1,), dtype="string")
    model = keras.Model(inputs, layers.Dense(1, kernel_initializer="ones")(vectorizer(inputs)))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(texts, np.array([1.0, 0.0]), epochs=1, verbose=0)
    counts = backend.to_numpy(vectorizer(texts))
    assert counts.sum(axis=1).tolist() == [3.0, 2.0]
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(model.predict(texts, verbose=0), counts @ kernel + bias, rtol=1e-5)
    with pytest.raises(ValueError, match="dtype: expected a numeric dtype .* or 'string'"):
        keras.Input(shape=(1,), dtype="text")


def test_text_vectorization_in_dataset_map_feeds_fit():
    x, y = reviews(64, seed=2)
    vectorizer = layers.TextVectorization(output_sequence_length=8)
    vectorizer.adapt(Dataset.from_tensor_slices(x).batch(16))
    dataset = Dataset.from_tensor_slices((x, y)).batch(16).map(lambda text, label: (vectorizer(text), label))
    batch, labels = next(iter(dataset))
    assert backend.to_numpy(batch).shape == (16, 8) and labels.shape == (16,)
    model = keras.Sequential([layers.Embedding(vectorizer.vocabulary_size(), 4), layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_adapt_on_an_unbatched_dataset_counts_each_string_as_a_document():
    texts = ["a b", "b c", "c"]
    from_arrays = layers.TextVectorization(output_mode="tf_idf")
    from_arrays.adapt(texts)
    from_dataset = layers.TextVectorization(output_mode="tf_idf")
    from_dataset.adapt(Dataset.from_tensor_slices(np.array(texts)))
    assert from_dataset.get_vocabulary() == from_arrays.get_vocabulary() == ["[UNK]", "c", "b", "a"]
    np.testing.assert_allclose(from_dataset.idf_weights, from_arrays.idf_weights)
    # log(1 + 3 / (1 + 2)) for 'c' and 'b', log(1 + 3 / 2) for 'a'; OOV their mean
    expected = [np.log(2), np.log(2), np.log(2.5)]
    np.testing.assert_allclose(from_arrays.idf_weights, [np.mean(expected)] + expected, rtol=1e-6)


def test_set_vocabulary_and_get_vocabulary_round_trip():
    layer = layers.TextVectorization()
    layer.set_vocabulary(["x", "y"])
    assert layer.get_vocabulary() == ["", "[UNK]", "x", "y"]
    assert layer.get_vocabulary(include_special_tokens=False) == ["x", "y"]
    assert layer.vocabulary_size() == 4
    assert backend.to_numpy(layer(["y x z"])).tolist() == [[3, 2, 1]]
    layer.set_vocabulary(["", "[UNK]", "z"])  # special tokens may lead, in Keras's order
    assert backend.to_numpy(layer(["y x z"])).tolist() == [[1, 1, 2]]


def test_configs_rebuild_equal_layers():
    layer = layers.TextVectorization(max_tokens=10, ngrams=2, output_mode="count", vocabulary=["a", "b", "a b"])
    clone = layers.deserialize({"class_name": "TextVectorization", "config": layer.get_config()})
    text = np.array(["a b c", "b b"])
    np.testing.assert_array_equal(backend.to_numpy(clone(text)), backend.to_numpy(layer(text)))
    for original in (
        layers.StringLookup(vocabulary=["p", "q"], num_oov_indices=2, mask_token="", output_mode="multi_hot"),
        layers.IntegerLookup(vocabulary=[4, 9], invert=True),
        layers.Hashing(num_bins=5, salt=3, output_mode="count"),
        layers.CategoryEncoding(num_tokens=3, output_mode="one_hot"),
    ):
        config = original.get_config()
        assert type(original).from_config(config).get_config() == config


def test_category_encoding_count_weights():
    layer = layers.CategoryEncoding(num_tokens=3, output_mode="count")
    out = layer(np.array([[0, 2, 2]]), count_weights=np.array([[0.5, 1.0, 2.0]]))
    assert backend.to_numpy(out).tolist() == [[0.5, 0.0, 3.0]]


def test_timeseries_windows_train_a_model():
    series = np.sin(np.arange(200) / 5.0).astype("float32")
    dataset = utils.timeseries_dataset_from_array(series[:-5], series[5:], sequence_length=5, batch_size=32)
    model = keras.Sequential([layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    assert np.isfinite(model.fit(dataset, epochs=2, verbose=0).history["loss"][-1])
    shuffled = utils.timeseries_dataset_from_array(
        series, None, sequence_length=5, shuffle=True, seed=1, batch_size=None
    )
    ordered = utils.timeseries_dataset_from_array(series, None, sequence_length=5, batch_size=None)
    as_set = {tuple(window.tolist()) for window in shuffled}
    assert as_set == {tuple(window.tolist()) for window in ordered}
    assert [w.tolist() for w in shuffled] != [w.tolist() for w in ordered]


# -- bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.TextVectorization(output_mode="one_hot"), "output_mode"),
        (lambda: layers.TextVectorization(standardize="upper"), "standardize"),
        (lambda: layers.TextVectorization(split="comma"), "split"),
        (lambda: layers.TextVectorization(ngrams=0), "ngrams"),
        (lambda: layers.TextVectorization(output_mode="count", output_sequence_length=3), "output_sequence_length"),
        (lambda: layers.TextVectorization(sparse=True), "sparse"),
        (lambda: layers.TextVectorization(ragged=True), "ragged"),
        (lambda: layers.TextVectorization(pad_to_max_tokens=True), "pad_to_max_tokens"),
        (lambda: layers.TextVectorization(max_tokens=1), "max_tokens"),
        (lambda: layers.TextVectorization(output_mode="tf_idf", vocabulary=["a"]), "idf_weights"),
        (lambda: layers.StringLookup(vocabulary=["a", "a"]), "repeated"),
        (lambda: layers.StringLookup(vocabulary=["a", "[UNK]"], invert=True), "oov_token"),
        (lambda: layers.StringLookup(vocabulary=["a", ""], mask_token=""), "mask_token"),
        (lambda: layers.StringLookup(invert=True, output_mode="count"), "invert"),
        (lambda: layers.StringLookup(max_tokens=3, vocabulary=["a", "b", "c"]), "max_tokens"),
        (lambda: layers.IntegerLookup(salt=3), "salt"),
        (lambda: layers.IntegerLookup(mask_token="0"), "mask_token"),
        (lambda: layers.CategoryEncoding(), "num_tokens"),
        (lambda: layers.CategoryEncoding(num_tokens=3, sparse=True), "sparse"),
        (lambda: layers.CategoryEncoding(num_tokens=3, output_mode="tf_idf"), "output_mode"),
        (lambda: layers.Hashing(num_bins=0), "num_bins"),
        (lambda: layers.Hashing(num_bins=3, salt=[1, 2, 3]), "salt"),
        (lambda: utils.pad_sequences([[1]], padding="middle"), "padding"),
        (lambda: utils.pad_sequences([[1]], maxlen=-1), "maxlen"),
        (lambda: utils.pad_sequences([1, 2]), "sequences"),
        (lambda: utils.pad_sequences([["a"]], value="x"), "dtype=object"),
        (lambda: utils.timeseries_dataset_from_array(np.arange(10), None, 0), "sequence_length"),
        (lambda: utils.timeseries_dataset_from_array(np.arange(10), None, 2, sampling_rate=10), "sampling_rate"),
        (lambda: utils.timeseries_dataset_from_array(np.arange(10), None, 2, start_index=5, end_index=3), "end_index"),
    ],
)
def test_bad_arguments_are_refused_with_the_argument_named(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_text_vectorization_before_adapt_or_given_numbers_is_refused():
    layer = layers.TextVectorization()
    with pytest.raises(ValueError, match="TextVectorization layer .* no vocabulary yet; call adapt"):
        layer(["some text"])
    layer.adapt(["some text"])
    with pytest.raises(TypeError, match="expected strings; received an array of dtype float64"):
        layer(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="adapt: data: expected strings"):
        layers.TextVectorization().adapt(np.array([[1, 2]]))
    with pytest.raises(ValueError, match=r"shape \(n,\) or \(n, 1\)"):
        layer(np.array([["a", "b"]]))
    with pytest.raises(TypeError, match="adapt: data"):
        layers.TextVectorization().adapt("one string, not a list")
    with pytest.raises(ValueError, match="cannot also adapt"):
        layers.TextVectorization(vocabulary=["a"]).adapt(["a"])


def test_lookup_errors_name_what_is_wrong():
    with pytest.raises(ValueError, match=r"\['zz'\] not in the vocabulary, and num_oov_indices=0"):
        layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(["a", "zz"])
    with pytest.raises(ValueError, match="expected whole numbers; received 1.5"):
        layers.IntegerLookup(vocabulary=[1, 2])(np.array([1.5]))
    with pytest.raises(ValueError, match=r"expected values in \[0, 3\); received 3"):
        layers.CategoryEncoding(num_tokens=3)(np.array([[0, 3]]))
    with pytest.raises(TypeError, match="expected strings"):
        layers.StringLookup(vocabulary=["a"])(np.array([1, 2]))
    multi_hot = layers.StringLookup(output_mode="multi_hot")
    multi_hot.adapt(["a", "b"])
    with pytest.raises(ValueError, match="outputs vectors of 3 indices"):
        multi_hot.adapt(["a", "b", "c"])


def test_a_refused_fit_changes_no_weight():
    vectorizer = layers.TextVectorization(output_mode="multi_hot")
    vectorizer.adapt(["a b", "c"])
    model = keras.Sequential([vectorizer, layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.array(["a", "b c"]), np.array([0.0, 1.0]), verbose=0)
    before = [weight.copy() for weight in model.get_weights()]
    with pytest.raises(TypeError, match="expected strings"):
        model.fit(np.array([1.0, 2.0]), np.array([0.0, 1.0]), verbose=0)
    assert all((a == b).all() for a, b in zip(before, model.get_weights()))
