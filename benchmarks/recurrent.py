"""The recurrent layers against PyTorch eager: DLwP's IMDB LSTM and a GRU on timeseries windows.

``python benchmarks/recurrent.py [--rounds 3] [--epochs 3] [--batches 20] [--threads 1]
[--workloads imdb_lstm,timeseries_gru]`` trains each workload once per round with each
framework, the two alternating in fresh processes (torch, kerasette, torch, ...), and
prints every epoch time, the median epoch time of each framework (every run's first
epoch left out), the ratio (kerasette / torch; the goal is at most 1.0) and the test
metric of every run. Both frameworks get the same number of threads (``--threads``:
OpenBLAS and OpenMP threads for kerasette, ``torch.set_num_threads`` for PyTorch).

An "epoch" is ``--batches`` batches, not a full data set: the point is the time per
batch, the same for both. The IMDB data are not on this machine, so the IMDB workload
uses a synthetic stand-in of the same shapes: integer sequences of length 500 drawn from
a vocabulary of 10,000, labelled by whether the last 20 tokens hold more words from the
lower half of the vocabulary than from the upper (a rule both models can learn).

- ``imdb_lstm``: ``Embedding(10000, 32)``, ``LSTM(32)``, ``Dense(1, sigmoid)``; rmsprop,
  binary cross-entropy, batch 128 (DLwP's model); metric: test accuracy.
- ``timeseries_gru``: windows of 120 steps of 14 noisy periodic features (the shape of
  DLwP's Jena temperature windows), target the first feature 24 steps after the window;
  ``GRU(32)``, ``Dense(1)``; rmsprop, mse, batch 256; metric: test MAE.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FRAMEWORKS = ("torch", "kerasette")
WORKLOADS = {
    "imdb_lstm": {"batch": 128, "test": 2048},
    "timeseries_gru": {"batch": 256, "test": 2048},
}


def imdb_data(samples: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 10000, size=(samples, 500))
    low = (x[:, -20:] < 5000).sum(axis=1)
    return x, (low > 10).astype("float32")[:, None]


def timeseries_data(samples: int, seed: int):
    rng = np.random.default_rng(seed)
    start = rng.uniform(0, 1000, size=(samples, 1))
    time_axis = start + np.arange(144)
    periods = np.linspace(20, 90, 14)
    series = np.sin(2 * np.pi * time_axis[:, :, None] / periods) + 0.1 * rng.normal(size=(samples, 144, 14))
    return series[:, :120].astype("float32"), series[:, 143, :1].astype("float32")


def data(workload: str, batches: int):
    spec = WORKLOADS[workload]
    make = imdb_data if workload == "imdb_lstm" else timeseries_data
    train = make(spec["batch"] * batches, 0)
    test = make(spec["test"], 1)
    return train, test, spec["batch"]


def run_kerasette(workload: str, epochs: int, batches: int) -> dict:
    import kerasette as keras

    (x, y), (x_test, y_test), batch = data(workload, batches)
    keras.utils.set_random_seed(0)
    if workload == "imdb_lstm":
        model = keras.Sequential(
            [keras.layers.Embedding(10000, 32), keras.layers.LSTM(32), keras.layers.Dense(1, activation="sigmoid")]
        )
        model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    else:
        model = keras.Sequential([keras.Input((120, 14)), keras.layers.GRU(32), keras.layers.Dense(1)])
        model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    times = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0, callbacks=[EpochTimer()])
    _, metric = model.evaluate(x_test, y_test, batch_size=512, verbose=0)
    return {"times": times, "metric": float(metric)}


def run_torch(workload: str, epochs: int, batches: int, threads: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    (x, y), (x_test, y_test), batch = data(workload, batches)

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            if workload == "imdb_lstm":
                self.embedding = torch.nn.Embedding(10000, 32)
                self.recurrent = torch.nn.LSTM(32, 32, batch_first=True)
            else:
                self.embedding = None
                self.recurrent = torch.nn.GRU(14, 32, batch_first=True)
            self.dense = torch.nn.Linear(32, 1)

        def forward(self, inputs):
            if self.embedding is not None:
                inputs = self.embedding(inputs)
            _, state = self.recurrent(inputs)
            last = state[0][-1] if isinstance(state, tuple) else state[-1]
            output = self.dense(last)
            return torch.sigmoid(output) if self.embedding is not None else output

    model = Model()
    # Keras's RMSprop defaults: learning rate 0.001, rho 0.9, epsilon 1e-7.
    optimizer = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
    loss_function = torch.nn.BCELoss() if workload == "imdb_lstm" else torch.nn.MSELoss()
    x, y = torch.tensor(x), torch.tensor(y)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(x))
        for first in range(0, len(x), batch):
            indices = order[first : first + batch]
            optimizer.zero_grad()
            loss = loss_function(model(x[indices]), y[indices])
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
    with torch.no_grad():
        predictions = model(torch.tensor(x_test)).numpy()
    if workload == "imdb_lstm":
        metric = float(((predictions > 0.5) == (y_test > 0.5)).mean())
    else:
        metric = float(np.abs(predictions - y_test).mean())
    return {"times": times, "metric": metric}


def measure(framework: str, workload: str, epochs: int, batches: int, threads: int) -> dict:
    count = str(threads)
    env = {**os.environ, "PYTHONPATH": ROOT, "OMP_NUM_THREADS": count, "OPENBLAS_NUM_THREADS": count}
    command = [sys.executable, os.path.abspath(__file__), "--worker", framework, "--workloads", workload]
    command += ["--epochs", str(epochs), "--batches", str(batches), "--threads", count]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{framework} {workload} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--worker", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    workloads = arguments.workloads.split(",")
    if arguments.worker:
        run = (
            run_kerasette(workloads[0], arguments.epochs, arguments.batches)
            if arguments.worker == "kerasette"
            else run_torch(workloads[0], arguments.epochs, arguments.batches, arguments.threads)
        )
        print(json.dumps(run))
        return
    print(f"threads {arguments.threads}, {arguments.batches} batches per epoch, {arguments.epochs} epochs per run")
    for workload in workloads:
        runs = {framework: [] for framework in FRAMEWORKS}
        for round_index in range(arguments.rounds):
            for framework in FRAMEWORKS:
                run = measure(framework, workload, arguments.epochs, arguments.batches, arguments.threads)
                runs[framework].append(run)
                epochs = ", ".join(f"{seconds:.3f}" for seconds in run["times"])
                print(f"{workload} round {round_index} {framework}: epochs [{epochs}] s; metric {run['metric']:.4f}")
                sys.stdout.flush()
        medians = {}
        for framework in FRAMEWORKS:
            epoch_times = [seconds for run in runs[framework] for seconds in run["times"][1:]]
            medians[framework] = statistics.median(epoch_times)
            metrics = ", ".join(f"{run['metric']:.4f}" for run in runs[framework])
            print(
                f"{workload} {framework:9s} median epoch {medians[framework]:.3f} s over {len(epoch_times)} epochs "
                f"({medians[framework] / arguments.batches * 1000:.1f} ms per batch); test metric {metrics}"
            )
        print(f"{workload} ratio kerasette / torch: {medians['kerasette'] / medians['torch']:.2f}x")


if __name__ == "__main__":
    main()
