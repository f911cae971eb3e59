"""Where the small Functional ResNet's training step goes (cProfile), and how much of it
runs split across the cores.

Usage (from the repository root):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/profile_resnet.py [--steps 30] [--top 25]
        [--timed 0]

Builds ``functional_resnet`` of ``benchmarks/resnet.py`` (Adam, categorical cross-entropy,
accuracy), fits one warm-up epoch of ``--steps`` batches of 128 real MNIST images, then
times epochs of the same batches: first counting the wall time spent inside the batch
splitter's parallel sections (the convolutions and pooling) per kind of layer, then under
cProfile, printing the functions with the most time of their own. cProfile sees the
calling thread only: with two threads it shows about half of the split work; run with
``OPENBLAS_NUM_THREADS=1`` for all of it on one thread.
"""

import argparse
import collections
import cProfile
import os
import pstats
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # this folder's benchmarks, the checkout's kerasette
from convnet import BATCH_SIZE, load_mnist  # noqa: E402
from resnet import functional_resnet  # noqa: E402

import kerasette as keras  # noqa: E402
from kerasette import backend  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--timed", type=int, default=0, help="plain epochs to time first")
    args = parser.parse_args()
    x_train, y_train, _, _ = load_mnist(BATCH_SIZE * args.steps)
    targets = keras.utils.to_categorical(y_train, 10)
    keras.utils.set_random_seed(0)
    model = functional_resnet(keras)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])

    def epoch() -> float:
        start = time.perf_counter()
        model.fit(x_train, targets, batch_size=BATCH_SIZE, epochs=1, verbose=0)
        return (time.perf_counter() - start) / args.steps * 1e3

    epoch()
    if args.timed:
        print("ms per step, plain epochs:", [round(epoch(), 1) for _ in range(args.timed)])
    splitter = backend.batch_splitter()
    inside = collections.Counter()
    run = splitter.run

    def timed_run(size, work):
        start = time.perf_counter()
        parts = run(size, work)
        inside[f"{work.__code__.co_filename.split('/')[-1]} {work.__qualname__.split('.<locals>')[0]}"] += (
            time.perf_counter() - start
        )
        return parts

    splitter.run = timed_run
    step = epoch()
    splitter.run = run
    split = sum(inside.values()) / args.steps * 1e3
    print(f"step {step:.1f} ms: {split:.1f} ms in split sections, {step - split:.1f} ms outside them")
    for name, seconds in inside.most_common():
        print(f"  {seconds / args.steps * 1e3:6.1f} ms  {name}")
    profiler = cProfile.Profile()
    profiler.enable()
    epoch()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
