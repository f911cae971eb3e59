"""``kerasette.config``: Keras's names for the global settings, each backed by the one
setting in :mod:`kerasette.backend`."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import kerasette
from kerasette import Sequential, backend, config, layers
from kerasette.callbacks import EarlyStopping


def test_config_reads_and_writes_the_backend_s_own_settings():
    assert config.floatx() == backend.floatx() == "float32"
    config.set_floatx("float64")
    try:
        assert backend.floatx() == "float64"
        assert Sequential([layers.Dense(2, input_shape=(3,))]).get_weights()[0].dtype == np.float64
    finally:
        config.set_floatx("float32")
    with pytest.raises(ValueError, match=r"floatx: received 'float8'"):
        config.set_floatx("float8")
    config.set_image_data_format("channels_first")
    try:
        assert backend.image_data_format() == "channels_first"
    finally:
        config.set_image_data_format("channels_last")
    assert config.epsilon() == backend.epsilon() == 1e-7
    config.set_epsilon(1e-7)
    with pytest.raises(ValueError, match=r"epsilon: kerasette supports only Keras's default 1e-07; received 0\.001"):
        config.set_epsilon(1e-3)
    assert config.backend() == backend.name
    assert config.enable_unsafe_deserialization() is None
    assert kerasette.config is config


def _fit_with_messages(verbose: int) -> None:
    model = Sequential([layers.Dense(1, input_shape=(2,), kernel_initializer="zeros")])
    model.compile(optimizer="sgd", loss="mse")
    stop = EarlyStopping(monitor="loss", patience=0, min_delta=10.0, verbose=1)
    model.fit(np.ones((4, 2)), np.ones(4), epochs=3, verbose=verbose, callbacks=[stop])


def test_interactive_logging_off_sends_progress_and_callback_messages_to_the_logger(capsys, caplog):
    assert config.is_interactive_logging_enabled()
    _fit_with_messages(verbose=2)
    printed = capsys.readouterr().out
    assert "Epoch 1/3" in printed and "early stopping" in printed
    config.disable_interactive_logging()
    try:
        assert not config.is_interactive_logging_enabled()
        with caplog.at_level(logging.INFO, logger="kerasette"):
            _fit_with_messages(verbose=2)
        assert capsys.readouterr().out == ""
        logged = [record.getMessage() for record in caplog.records if record.name == "kerasette"]
        assert "Epoch 1/3" in logged and any("early stopping" in message for message in logged)
    finally:
        config.enable_interactive_logging()
    assert config.is_interactive_logging_enabled()
