"""The CuPy backend computes what the NumPy backend computes.

Run on a GPU machine with ``KERASETTE_BACKEND=cupy python -m pytest -m gpu``. Each case
trains the same small model, from the same seed and data, once per backend in a fresh
process (the backend is fixed at import) and compares losses and final weights.
Dropout masks are drawn on the device, so the compared models use no dropout.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.gpu

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAINING_SCRIPT = """
import json, sys
import numpy as np
import kerasette as keras
loss, optimizer, activation, out_path = sys.argv[1:5]
keras.utils.set_random_seed(7)
rng = np.random.default_rng(7)
x = rng.standard_normal((512, 20)).astype('float32')
labels = rng.integers(0, 4, 512)
targets = {'sparse_categorical_crossentropy': labels,
           'categorical_crossentropy': keras.utils.to_categorical(labels, 4),
           'mse': keras.utils.to_categorical(labels, 4),
           'binary_crossentropy': keras.utils.to_categorical(labels, 4)}[loss]
model = keras.Sequential([keras.layers.Dense(32, activation='relu', input_shape=(20,)),
                          keras.layers.Dense(16, activation='tanh'),
                          keras.layers.Dense(4, activation=activation)])
model.compile(optimizer=optimizer, loss=loss, metrics=['accuracy'])
history = model.fit(x, targets, batch_size=64, epochs=3, verbose=0, validation_split=0.25)
np.savez(out_path, *model.get_weights(), predictions=model.predict(x, verbose=0))
with open(out_path + '.json', 'w') as handle:
    json.dump(history.history, handle)
"""


def train(backend: str, tmp_path, *arguments) -> tuple[list, dict]:
    out_path = str(tmp_path / f"{backend}.npz")
    env = {**os.environ, "KERASETTE_BACKEND": backend, "PYTHONPATH": ROOT}
    subprocess.run([sys.executable, "-c", TRAINING_SCRIPT, *arguments, out_path], env=env, check=True)
    with np.load(out_path, allow_pickle=False) as saved:
        arrays = [saved[name] for name in saved.files]
    with open(out_path + ".json") as handle:
        return arrays, json.load(handle)


@pytest.mark.parametrize(
    "loss, activation",
    [
        ("sparse_categorical_crossentropy", "softmax"),
        ("categorical_crossentropy", "softmax"),
        ("mse", "linear"),
        ("binary_crossentropy", "sigmoid"),
    ],
)
@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adam"])
def test_numpy_and_cupy_backends_train_alike(tmp_path, loss, activation, optimizer):
    numpy_arrays, numpy_history = train("numpy", tmp_path, loss, optimizer, activation)
    cupy_arrays, cupy_history = train("cupy", tmp_path, loss, optimizer, activation)
    for ours, theirs in zip(numpy_arrays, cupy_arrays):
        np.testing.assert_allclose(theirs, ours, rtol=1e-3, atol=1e-4)
    for key, values in numpy_history.items():
        np.testing.assert_allclose(cupy_history[key], values, rtol=1e-3, atol=1e-4)


def test_predict_returns_host_arrays_and_evaluate_floats():
    import kerasette as keras

    model = keras.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=(5,))])
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = np.ones((10, 5), dtype="float32"), np.zeros(10)
    assert isinstance(model.predict(x, verbose=0), np.ndarray)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert isinstance(loss, float) and isinstance(accuracy, float)
