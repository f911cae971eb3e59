"""The per-step cost of data parallelism past this machine, from a ring all-reduce model.

    python benchmarks/distributed_cost_model.py [--steps 20]

Measures, in one process on this machine, the training step time (batch 128 per process)
of the seed MLP (784-512-10), the MNIST convnet and a 10M-parameter MLP
(784-3072-2560-10), then prints, for N = 1, 8, 64 and 512 processes and links of 25 and
200 Gbit/s, the bandwidth term of a ring all-reduce of the float32 gradients,
``2 (N - 1) / N x gradient bytes / bandwidth``, and its ratio to the measured step. The
latency term, ``2 (N - 1) x alpha`` for a per-hop latency alpha, is printed per
microsecond of alpha: alpha depends on the network and is not measured here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from convnet import keras_api_convnet  # noqa: E402

import kerasette as keras  # noqa: E402

PROCESSES = (1, 8, 64, 512)
LINKS_GBIT = (25, 200)
BATCH = 128


def _mlp(*widths: int):
    layers = [keras.layers.Dense(width, activation="relu") for width in widths]
    return keras.Sequential([keras.Input(shape=(784,)), *layers, keras.layers.Dense(10, activation="softmax")])


MODELS = {
    "seed MLP": (lambda: _mlp(512), (784,)),
    "MNIST convnet": (lambda: keras_api_convnet(keras), (28, 28, 1)),
    "10M-parameter MLP": (lambda: _mlp(3072, 2560), (784,)),
}


def step_seconds(name: str, steps: int) -> tuple[int, float]:
    """Parameters and median seconds per training step (after two warm-up steps)."""
    build, shape = MODELS[name]
    keras.utils.set_random_seed(0)
    model = build()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, *shape), dtype=np.float32)
    y = rng.integers(0, 10, BATCH)
    times = []
    for step in range(steps + 2):
        started = time.perf_counter()
        model.train_on_batch(x, y)
        if step >= 2:
            times.append(time.perf_counter() - started)
    return model.count_params(), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    steps = parser.parse_args().steps
    print(
        f"measured on this machine, one process, batch {BATCH}, BLAS threads {os.environ.get('OPENBLAS_NUM_THREADS')}"
    )
    print("| model | parameters | gradient MB (float32) | measured step ms |")
    print("| --- | --- | --- | --- |")
    measured = {}
    for name in MODELS:
        parameters, seconds = step_seconds(name, steps)
        measured[name] = (parameters, seconds)
        print(f"| {name} | {parameters:,} | {parameters * 4 / 1e6:.2f} | {seconds * 1e3:.2f} |", flush=True)
    print()
    header = " | ".join(f"N={n}: ms (x step) at {link} Gbit/s" for link in LINKS_GBIT for n in PROCESSES[1:])
    print(f"| model | {header} | latency term per us of alpha, N=8 / 64 / 512 |")
    print("| --- " * (2 + len(LINKS_GBIT) * (len(PROCESSES) - 1)) + "|")
    for name, (parameters, seconds) in measured.items():
        cells = []
        for link in LINKS_GBIT:
            for n in PROCESSES[1:]:
                transfer = 2 * (n - 1) / n * parameters * 4 * 8 / (link * 1e9)
                cells.append(f"{transfer * 1e3:.3f} ({transfer / seconds:.3f})")
        latency = " / ".join(f"{2 * (n - 1)} us" for n in PROCESSES[1:])
        print(f"| {name} | {' | '.join(cells)} | {latency} |")
    print("\nN=1 needs no all-reduce: its step is the measured step.")


if __name__ == "__main__":
    main()
