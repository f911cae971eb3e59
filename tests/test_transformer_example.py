"""keras-io's "Text classification with Transformer" (examples/text_classification_transformer.py)
runs end to end and learns: on IMDB when its file is present, else on the documented
synthetic stand-in; and the pieces it relies on (pad_sequences, TokenAndPositionEmbedding
with ops.arange) behave as Keras's."""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
import pytest

import kerasette as keras

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "text_classification_transformer.py"


def load_example():
    spec = importlib.util.spec_from_file_location("text_classification_transformer", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_learns_above_chance():
    keras.utils.set_random_seed(1)
    accuracy, source = load_example().main(epochs=2, train_samples=640, val_samples=320, verbose=0)
    assert accuracy > 0.7, f"validation accuracy {accuracy} on the {source}"


def test_synthetic_stand_in_has_imdbs_layout():
    (x_train, y_train), (x_test, y_test) = load_example().synthetic_imdb(num_words=500, train_size=6, test_size=4)
    assert x_train.dtype == object and x_train.shape == (6,) and x_test.shape == (4,)
    assert all(review[0] == 1 and 3 <= min(review[1:]) and max(review) < 500 for review in x_train)
    assert set(np.unique(np.concatenate([y_train, y_test]))) <= {0, 1}


def test_token_and_position_embedding_adds_the_rows_of_both_tables():
    layer = load_example().TokenAndPositionEmbedding(maxlen=4, vocab_size=10, embed_dim=3)
    tokens = np.array([[0, 5, 9, 2]])
    outputs = keras.ops.convert_to_numpy(layer(tokens))
    tables = [layer.token_emb.embeddings.numpy(), layer.pos_emb.embeddings.numpy()]
    np.testing.assert_allclose(outputs[0], tables[0][[0, 5, 9, 2]] + tables[1][:4], rtol=1e-6)


@pytest.mark.parametrize(
    "arguments, expected",
    [
        ({}, [[1, 2, 3], [0, 0, 4], [0, 0, 0]]),
        ({"maxlen": 2}, [[2, 3], [0, 4], [0, 0]]),
        ({"maxlen": 2, "truncating": "post", "padding": "post"}, [[1, 2], [4, 0], [0, 0]]),
        ({"value": -1, "padding": "post"}, [[1, 2, 3], [4, -1, -1], [-1, -1, -1]]),
    ],
)
def test_pad_sequences_as_keras(arguments, expected):
    sequences = [[1, 2, 3], [4], []]
    padded = keras.utils.pad_sequences(sequences, **arguments)
    assert padded.tolist() == expected and padded.dtype == np.int32


def test_pad_sequences_refuses_bad_arguments():
    with pytest.raises(ValueError, match="padding"):
        keras.utils.pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="maxlen"):
        keras.utils.pad_sequences([[1]], maxlen=-1)
    with pytest.raises(ValueError, match=r"sequences\[1\]"):
        keras.utils.pad_sequences([[1], 2])
