"""The seed network with the built-in Dense against a Dense written by the user with ops.

``python benchmarks/custom_dense.py [--rounds 3] [--epochs 4]`` trains the seed network
(Dense 512 relu + Dense 10 softmax, RMSprop, batch 128, sparse categorical cross-entropy,
real MNIST) once per round with each kind of Dense, the two alternating in fresh
processes, and prints the median epoch time of each (the first epoch of every run left
out), their ratio (user / built-in; the goal is at most 1.5) and the test accuracies.

The user Dense is what a Keras user writes: ``add_weight`` in ``build`` and
``activation(ops.matmul(inputs, kernel) + bias)`` in ``call``; it trains through the tape.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KINDS = ("builtin", "user")


def user_dense_class(keras):
    from kerasette import ops

    class UserDense(keras.layers.Layer):
        def __init__(self, units, activation=None, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.activation = keras.activations.get(activation)

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros")

        def call(self, inputs):
            return self.activation(ops.matmul(inputs, self.kernel) + self.bias)

    return UserDense


def worker(kind: str, epochs: int) -> dict:
    """One training run in this process; returns epoch times and test accuracy."""
    import kerasette as keras
    from kerasette.datasets import mnist

    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train.reshape(-1, 784).astype("float32") / 255
    x_test = x_test.reshape(-1, 784).astype("float32") / 255
    dense = keras.layers.Dense if kind == "builtin" else user_dense_class(keras)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), dense(512, activation="relu"), dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    times = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    model.fit(x_train, y_train, batch_size=128, epochs=epochs, verbose=0, callbacks=[EpochTimer()])
    _, accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    return {"times": times, "accuracy": float(accuracy)}


def measure(kind: str, epochs: int) -> dict:
    env = {**os.environ, "PYTHONPATH": ROOT, "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2"}
    completed = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--worker", kind, "--epochs", str(epochs)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--worker", choices=KINDS, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        print(json.dumps(worker(arguments.worker, arguments.epochs)))
        return
    runs = {kind: [] for kind in KINDS}
    for _ in range(arguments.rounds):
        for kind in KINDS:
            runs[kind].append(measure(kind, arguments.epochs))
    medians = {}
    for kind in KINDS:
        epoch_times = [t for run in runs[kind] for t in run["times"][1:]]
        medians[kind] = statistics.median(epoch_times)
        accuracies = ", ".join(f"{run['accuracy']:.4f}" for run in runs[kind])
        print(
            f"{kind:8s} median epoch {medians[kind]:.3f} s over {len(epoch_times)} epochs; test accuracy {accuracies}"
        )
    print(f"ratio user / builtin: {medians['user'] / medians['builtin']:.2f}x")


if __name__ == "__main__":
    main()
