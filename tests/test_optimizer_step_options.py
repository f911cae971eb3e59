"""Optimizer gradient accumulation and moving average of the weights (EMA) against real
Keras 3: the weights after each of 7 calls, the optimizer's variables (Keras's order) and
finalize_variable_values, for SGD with momentum, Adam and Nadam
(tests/fixtures/make_optimizer_step_option_goldens.py)."""

from pathlib import Path

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend, optimizers

GOLDENS = np.load(Path(__file__).parent / "fixtures" / "keras_optimizer_step_options.npz")
OPTIONS = {
    "accumulate": {"gradient_accumulation_steps": 3},
    "ema": {"use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 3},
    "both": {"use_ema": True, "ema_momentum": 0.8, "gradient_accumulation_steps": 2},
}
OPTIMIZERS = {
    "sgd": lambda **options: optimizers.SGD(learning_rate=0.1, momentum=0.5, **options),
    "adam": lambda **options: optimizers.Adam(learning_rate=0.05, **options),
    "nadam": lambda **options: optimizers.Nadam(learning_rate=0.05, **options),
}


@pytest.mark.parametrize("option", sorted(OPTIONS))
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_steps_variables_and_finalize_match_keras(name, option):
    key = f"{name}/{option}"
    optimizer = OPTIMIZERS[name](**OPTIONS[option])
    variable = backend.to_device(GOLDENS["initial"].copy(), "float32")
    for step, gradient in enumerate(GOLDENS["gradients"]):
        optimizer.apply([backend.to_device(gradient, "float32")], [variable])
        np.testing.assert_allclose(backend.to_numpy(variable), GOLDENS[f"{key}/steps"][step], rtol=2e-5, atol=1e-6)
    assert optimizer.update_count == int(GOLDENS[f"{key}/iterations"])
    keras_variables = [GOLDENS[f"{key}/variables/{index}"] for index in range(len(optimizer.variables))]
    assert f"{key}/variables/{len(optimizer.variables)}" not in GOLDENS
    for ours, theirs in zip(optimizer.variables, keras_variables):
        np.testing.assert_allclose(backend.to_numpy(ours), theirs, rtol=2e-5, atol=1e-6)
    optimizer.finalize_variable_values([variable])
    np.testing.assert_allclose(backend.to_numpy(variable), GOLDENS[f"{key}/finalized"], rtol=2e-5, atol=1e-6)


def test_fit_ends_with_the_averaged_weights_and_saves_the_slots(tmp_path):
    x = np.random.default_rng(0).standard_normal((8, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    optimizer = optimizers.Adam(0.1, use_ema=True, ema_momentum=0.5, gradient_accumulation_steps=2)
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    averages = [backend.to_numpy(slot["ema_average"]) for slot in optimizer.slots]
    for weight, average in zip(model.get_weights(), averages):
        np.testing.assert_array_equal(weight, average)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert loaded.optimizer.use_ema and loaded.optimizer.gradient_accumulation_steps == 2
    for ours, again in zip(optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(backend.to_numpy(ours), backend.to_numpy(again))


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"gradient_accumulation_steps": 1}, "gradient_accumulation_steps"),
        ({"ema_momentum": 1.5}, "ema_momentum"),
        ({"use_ema": "yes"}, "use_ema"),
        ({"ema_overwrite_frequency": 0}, "ema_overwrite_frequency"),
        ({"loss_scale_factor": 128.0}, "loss_scale_factor"),
    ],
)
def test_bad_options_are_refused_naming_them(arguments, message):
    with pytest.raises((TypeError, ValueError), match=message):
        optimizers.Adam(**arguments)
