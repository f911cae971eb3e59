"""The recurrent examples: keras-io's addition_rnn (which needs no data) trains briefly
and beats the best constant guess; DLwP's IMDB LSTM runs when its data are here."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import pathlib

import numpy as np
import pytest

from kerasette import utils
from kerasette.datasets import imdb

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def run_example(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    with contextlib.redirect_stdout(io.StringIO()):
        spec.loader.exec_module(module)
    return module


def test_addition_rnn_learns_above_the_best_constant_guess(monkeypatch):
    monkeypatch.setenv("ADDITION_RNN_TRAINING_SIZE", "3000")
    monkeypatch.setenv("ADDITION_RNN_DIGITS", "2")
    monkeypatch.setenv("ADDITION_RNN_EPOCHS", "9")
    np.random.seed(0)
    module = run_example("addition_rnn")
    y_train, y_val = module.y_train.argmax(axis=-1), module.y_val.argmax(axis=-1)
    # The best constant answer: each position's most frequent character in training.
    constant = np.array([np.bincount(column, minlength=12).argmax() for column in y_train.T])
    constant_accuracy = float((y_val == constant).mean())
    predicted = module.model.predict(module.x_val, verbose=0).argmax(axis=-1)
    accuracy = float((predicted == y_val).mean())
    assert accuracy > constant_accuracy + 0.1, (accuracy, constant_accuracy)


def test_imdb_lstm_example_when_the_data_are_here(monkeypatch):
    if not hasattr(utils, "pad_sequences"):
        pytest.skip("keras.utils.pad_sequences is not in this kerasette yet (another part of issue 20)")
    try:
        imdb.load_data(num_words=100)
    except Exception as error:  # the IMDB files are not on this machine
        pytest.skip(f"IMDB data unavailable: {error}")
    monkeypatch.setenv("IMDB_LSTM_EPOCHS", "1")
    module = run_example("imdb_lstm")
    assert module.history.history["val_acc"][-1] > 0.75
