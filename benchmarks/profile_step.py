"""Where one epoch of the seed network's training goes, by function (cProfile).

Usage (from the repository root):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/profile_step.py [--batch-size 128]

Trains one warm-up epoch, then profiles one epoch of the seed network (784-512-10,
RMSprop, sparse categorical cross-entropy) on the real MNIST training set and prints the
functions that take the most time of their own.
"""

import argparse
import cProfile
import pstats

import kerasette as keras
from kerasette.datasets import mnist


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    (x_train, y_train), _ = mnist.load_data()
    x_train = x_train.reshape(60000, 784).astype("float32") / 255
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=1, verbose=0)
    profiler = cProfile.Profile()
    profiler.enable()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=1, verbose=0)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
