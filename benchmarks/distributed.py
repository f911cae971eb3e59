"""Data parallelism on this machine: one process with 2 BLAS threads against 2 MPI
ranks with 1 thread each, same model, data, batch size and epochs.

    python benchmarks/distributed.py compare [--epochs-mlp 4] [--epochs-convnet 3]

runs, interleaved in separate processes, for the seed MLP (784-512-10, RMSprop, batch
128) and the MNIST convnet (examples/mnist_convnet.py's network, Adam, batch 128):
one process, then ``mpiexec -n 2``; then the seed MLP in one process on this checkout
against ``--baseline`` (a checkout without kerasette.distribution), to show that one
process pays nothing for it. Each run prints one JSON line (rank 0): epoch times, test
accuracy on the 10,000 test images, and the share of each epoch spent in the collectives
(the gradient all-reduce, including the wait for the slower rank). A summary table of
medians (first epoch excluded) follows. ``run WORKLOAD EPOCHS [--batch-logs]`` is one such run.

    python benchmarks/distributed.py batch-logs [--epochs-mlp 4] [--rounds 2]

times the seed MLP on 2 ranks without and with a callback that reads each batch's logs
(as ``verbose=1``'s progress bar does), alternating: what the per-batch all-reduce of the
metric states costs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from convnet import keras_api_convnet  # the example's network, as benchmarks/convnet.py builds it

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _model(keras, workload: str):
    layers = keras.layers
    if workload == "seed_mlp":
        network = [
            keras.Input(shape=(784,)),
            layers.Dense(512, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
        return keras.Sequential(network), keras.optimizers.RMSprop()
    return keras_api_convnet(keras), keras.optimizers.Adam()


def run(workload: str, epochs: int, batch_logs: bool = False) -> None:
    import kerasette as keras

    distribution = None
    if hasattr(keras, "distribution"):  # absent from a baseline checkout
        distribution = keras.distribution.DataParallel()
        keras.distribution.set_distribution(distribution)
    keras.utils.set_random_seed(1)
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    shape = (-1, 784) if workload == "seed_mlp" else (-1, 28, 28, 1)
    x_train, x_test = x_train.reshape(shape).astype("float32") / 255, x_test.reshape(shape).astype("float32") / 255
    model, optimizer = _model(keras, workload)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    times, shares = [], []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()
            self.communication = distribution.communication_seconds if distribution else 0.0

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.started)
            if distribution is not None:
                shares.append((distribution.communication_seconds - self.communication) / times[-1])

    class ReadsBatchLogs(keras.callbacks.Callback):  # what the progress bar asks of every batch
        def on_train_batch_end(self, batch, logs=None):
            self.last = dict(logs)

    callbacks = [Timer(), ReadsBatchLogs()] if batch_logs else [Timer()]
    model.fit(x_train, y_train, batch_size=128, epochs=epochs, verbose=0, callbacks=callbacks)
    accuracy = model.evaluate(x_test, y_test, batch_size=500, verbose=0)[1]
    processes = distribution.num_processes if distribution else 1
    if distribution is None or distribution.process_id == 0:
        record = {
            "workload": workload,
            "processes": processes,
            "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
            "kerasette": os.path.dirname(os.path.dirname(keras.__file__)),
            "epoch_seconds": [round(t, 3) for t in times],
            "collective_share": [round(s, 4) for s in shares],
            "test_accuracy": round(float(accuracy), 4),
        }
        print(json.dumps(record), flush=True)


def _launch(
    workload: str, epochs: int, processes: int, checkout: str = ROOT, threads: int | None = None, batch_logs=False
) -> dict:
    threads = str(threads or (2 if processes == 1 else 1))
    env = {**os.environ, "PYTHONPATH": checkout, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads}
    command = [sys.executable, os.path.abspath(__file__), "run", workload, str(epochs)]
    command += ["--batch-logs"] if batch_logs else []
    if processes > 1:
        command = ["mpiexec", "-n", str(processes), *command]
    completed = subprocess.run(command, capture_output=True, text=True, env=env, check=True, cwd=checkout)
    line = [text for text in completed.stdout.splitlines() if text.startswith("{")][-1]
    print(line, flush=True)
    return json.loads(line)


def _median_after_first(values: list) -> float:
    return statistics.median(values[1:]) if len(values) > 1 else values[0]


def compare(epochs_mlp: int, epochs_convnet: int, baseline: str | None, baseline_threads: int) -> None:
    rows = []
    for workload, epochs in (("seed_mlp", epochs_mlp), ("mnist_convnet", epochs_convnet)):
        one = _launch(workload, epochs, 1)
        two = _launch(workload, epochs, 2)
        rows.append((workload, one, two))
    print()
    print(
        "| workload | 1 process x 2 threads: epoch s | 2 ranks x 1 thread: epoch s | ratio | accuracy 1 / 2 "
        "| collectives' share of the 2-rank epoch |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for workload, one, two in rows:
        t1, t2 = _median_after_first(one["epoch_seconds"]), _median_after_first(two["epoch_seconds"])
        share = _median_after_first(two["collective_share"])
        accuracies = f"{one['test_accuracy']:.4f} / {two['test_accuracy']:.4f}"
        print(f"| {workload} | {t1:.2f} | {t2:.2f} | {t2 / t1:.2f} | {accuracies} | {share:.1%} |")
    if baseline:
        print()
        label = f"one process ({baseline_threads} BLAS thread(s)), seed_mlp"
        print(f"| {label} | round | epoch s (median after the first) | accuracy |")
        print("| --- | --- | --- | --- |")
        for round_index in range(2):
            for label, checkout in (("baseline (no distribution package)", baseline), ("this checkout", ROOT)):
                result = _launch("seed_mlp", epochs_mlp, 1, checkout, baseline_threads)
                median = _median_after_first(result["epoch_seconds"])
                print(f"| {label} | {round_index} | {median:.3f} | {result['test_accuracy']:.4f} |", flush=True)


def compare_batch_logs(epochs: int, rounds: int) -> None:
    print("| seed_mlp, 2 ranks x 1 thread | round | epoch s (median after the first) | accuracy |")
    print("| --- | --- | --- | --- |")
    for round_index in range(rounds):
        for label, batch_logs in (("no batch hook", False), ("a callback reading each batch's logs", True)):
            result = _launch("seed_mlp", epochs, 2, batch_logs=batch_logs)
            median = _median_after_first(result["epoch_seconds"])
            print(f"| {label} | {round_index} | {median:.3f} | {result['test_accuracy']:.4f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("run")
    one.add_argument("workload", choices=("seed_mlp", "mnist_convnet"))
    one.add_argument("epochs", type=int)
    one.add_argument("--batch-logs", action="store_true", help="add a callback that reads each batch's logs")
    hooks = commands.add_parser("batch-logs")
    hooks.add_argument("--epochs-mlp", type=int, default=4)
    hooks.add_argument("--rounds", type=int, default=2)
    both = commands.add_parser("compare")
    both.add_argument("--epochs-mlp", type=int, default=4)
    both.add_argument("--epochs-convnet", type=int, default=3)
    both.add_argument("--baseline", help="a checkout without kerasette.distribution (e.g. git archive of main)")
    both.add_argument("--baseline-threads", type=int, default=2, help="BLAS threads of the baseline comparison")
    arguments = parser.parse_args()
    if arguments.command == "run":
        run(arguments.workload, arguments.epochs, arguments.batch_logs)
    elif arguments.command == "batch-logs":
        compare_batch_logs(arguments.epochs_mlp, arguments.rounds)
    else:
        compare(arguments.epochs_mlp, arguments.epochs_convnet, arguments.baseline, arguments.baseline_threads)


if __name__ == "__main__":
    main()
