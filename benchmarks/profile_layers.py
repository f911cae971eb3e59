"""Where a training step of Keras's MNIST convnet goes, layer by layer.

Usage (from the repository root):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE KERASETTE_DATA_DIR=../shared/datasets \
        python benchmarks/profile_layers.py [--samples 12800] [--epochs 3]

Trains the network of ``examples/mnist_convnet.py`` (batch 128, Adam) on the first
``--samples`` MNIST images: one warm-up epoch, then ``--epochs`` timed ones. Prints the
milliseconds of each training step, and the median time of each layer's forward and
backward pass over the timed epochs (wall-clock around each call, so the figures include
the waits for the other cores' share of a split batch).
"""

from __future__ import annotations

import argparse
import collections
import statistics
import time

from convnet import keras_api_convnet

import kerasette as keras
from kerasette.datasets import mnist


def timed(times: dict, layer, pass_name: str):
    """Wraps ``layer``'s forward or backward so that each call's duration is recorded."""
    method = getattr(layer, pass_name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        result = method(*args, **kwargs)
        times[(layer.name, pass_name)].append(time.perf_counter() - start)
        return result

    setattr(layer, pass_name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=12800)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    (x_train, y_train), _ = mnist.load_data()
    x = x_train[: args.samples].reshape(-1, 28, 28, 1).astype("float32") / 255
    y = keras.utils.to_categorical(y_train[: args.samples], 10)
    keras.utils.set_random_seed(0)
    model = keras_api_convnet(keras)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    times = collections.defaultdict(list)
    for layer in model.layers:
        timed(times, layer, "forward")
        timed(times, layer, "backward")
    steps = -(-len(x) // 128)
    for epoch in range(args.epochs):
        start = time.perf_counter()
        model.fit(x, y, batch_size=128, epochs=1, verbose=0)
        print(f"epoch {epoch + 1}: {(time.perf_counter() - start) / steps * 1000:.2f} ms per training step")
    print("median ms per call:")
    for (name, pass_name), durations in times.items():
        print(f"  {name:22s} {pass_name:8s} {statistics.median(durations) * 1000:6.2f}")
    total = sum(statistics.median(durations) for durations in times.values())
    print(f"  sum of the medians: {total * 1000:.2f}")


if __name__ == "__main__":
    main()
