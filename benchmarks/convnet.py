"""Keras's MNIST convnet, epoch time side by side: kerasette against PyTorch eager (and Keras 3).

The network of ``examples/mnist_convnet.py`` (Conv2D 32 - MaxPooling - Conv2D 64 -
MaxPooling - Flatten - Dropout 0.5 - Dense 10 softmax; 34,826 parameters), Adam with
Keras's defaults, categorical cross-entropy, batch 128, on the real MNIST training set,
in every framework: kerasette; PyTorch eager with ``torch.nn.Conv2d`` (same layers,
Glorot-uniform kernels and zero biases, ``CrossEntropyLoss`` on logits, the same Adam);
Keras 3 on PyTorch where installed. Each measurement runs in its own process, the
frameworks alternate within each round, and all use the same number of threads.
Reported: the median epoch time over every epoch but each run's first, test accuracy,
and kerasette's time divided by each other's (below 1: kerasette is faster).

Usage (from the repository root):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/convnet.py [--rounds 2] [--epochs 3]

``--train-samples N`` trains on the first N images only (a quick check that it runs).
``--baseline DIR`` adds ``kerasette-baseline``: the same model on the kerasette found in ``DIR``
(a ``git worktree`` of an earlier commit), to show that a change made nothing slower.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
THREADS = 2
BATCH_SIZE = 128
BASELINE: str | None = None  # --baseline: a checkout of an earlier kerasette


def load_mnist(train_samples: int | None):
    from kerasette.datasets import mnist

    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    scale = lambda images: images.reshape(len(images), 28, 28, 1).astype("float32") / 255  # noqa: E731
    return (
        scale(x_train[:train_samples]),
        y_train[:train_samples].astype("int64"),
        scale(x_test),
        y_test.astype("int64"),
    )


def keras_api_convnet(keras):
    """The example's model through the Keras API of ``keras`` (kerasette or Keras 3)."""
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )


def run_keras_api(keras, data, epochs: int) -> dict:
    """kerasette and Keras 3 alike: the example's model through the Keras API."""
    x_train, y_train, x_test, y_test = data
    keras.utils.set_random_seed(0)
    model = keras_api_convnet(keras)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    epoch_times = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_times.append(time.perf_counter() - self.start)

    targets = keras.utils.to_categorical(y_train, 10)
    model.fit(x_train, targets, batch_size=BATCH_SIZE, epochs=epochs, verbose=0, callbacks=[EpochTimer()])
    _, accuracy = model.evaluate(x_test, keras.utils.to_categorical(y_test, 10), batch_size=1000, verbose=0)
    return {"times": epoch_times, "accuracy": float(accuracy)}


def run_torch(data, epochs: int) -> dict:
    import torch

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    x_train, y_train, x_test, y_test = (torch.from_numpy(array) for array in data)
    # PyTorch's convolutions take channels first.
    x_train, x_test = x_train.permute(0, 3, 1, 2).contiguous(), x_test.permute(0, 3, 1, 2).contiguous()
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Dropout(0.5),
        torch.nn.Linear(1600, 10),
    )
    for module in model:
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
            torch.nn.init.xavier_uniform_(module.weight)
            torch.nn.init.zeros_(module.bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)  # Keras's epsilon
    loss_fn = torch.nn.CrossEntropyLoss()
    epoch_times = []
    for _ in range(epochs):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(len(x_train))
        for first in range(0, len(x_train), BATCH_SIZE):
            batch = order[first : first + BATCH_SIZE]
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
        epoch_times.append(time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
    return {"times": epoch_times, "accuracy": accuracy}


def worker(framework: str, epochs: int, train_samples: int | None) -> None:
    data = load_mnist(train_samples)
    if framework in ("kerasette", "kerasette-baseline"):
        import kerasette

        result = run_keras_api(kerasette, data, epochs)
    elif framework == "keras":
        os.environ["KERAS_BACKEND"] = "torch"
        import keras
        import torch

        torch.set_num_threads(THREADS)
        result = run_keras_api(keras, data, epochs)
    else:
        result = run_torch(data, epochs)
    print(json.dumps({"framework": framework, **result}))


def measure(framework: str, epochs: int, train_samples: int | None) -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": (BASELINE if framework == "kerasette-baseline" else ROOT)
        + os.pathsep
        + os.environ.get("PYTHONPATH", ""),
        "OMP_NUM_THREADS": str(THREADS),
        "OPENBLAS_NUM_THREADS": str(THREADS),
        "NUMBA_NUM_THREADS": str(THREADS),
    }
    command = [sys.executable, os.path.abspath(__file__), "--worker", framework, "--epochs", str(epochs)]
    if train_samples:
        command += ["--train-samples", str(train_samples)]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{framework} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3, help="per run; the first is a warm-up")
    parser.add_argument("--train-samples", type=int, default=None)
    parser.add_argument("--frameworks", default="kerasette,torch,keras", help="comma-separated; keras where installed")
    parser.add_argument("--baseline", default=None, help="a checkout of an earlier kerasette to compare with")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.epochs, args.train_samples)
        return
    global BASELINE
    BASELINE = os.path.abspath(args.baseline) if args.baseline else None
    frameworks = [name for name in args.frameworks.split(",") if name != "keras" or importlib.util.find_spec("keras")]
    if BASELINE:
        frameworks.insert(1, "kerasette-baseline")
    if "kerasette" not in frameworks:
        parser.error(f"--frameworks: expected a list that includes kerasette; received {args.frameworks!r}")
    runs = {framework: [] for framework in frameworks}
    for round_number in range(args.rounds):
        for framework in frameworks:
            result = measure(framework, args.epochs, args.train_samples)
            runs[framework].append(result)
            print(
                f"round {round_number + 1} {framework}: epochs {[round(t, 2) for t in result['times']]} s, "
                f"accuracy {result['accuracy']:.4f}",
                flush=True,
            )
    medians = {name: statistics.median(t for run in found for t in run["times"][1:]) for name, found in runs.items()}
    print(f"\nmnist_convnet, batch {BATCH_SIZE}, {THREADS} threads, median epoch (first epoch of each run excluded):")
    for name in frameworks:
        accuracy = statistics.median(run["accuracy"] for run in runs[name])
        ratio = medians["kerasette"] / medians[name]
        print(f"  {name:18s} {medians[name]:7.2f} s   accuracy {accuracy:.4f}   kerasette / {name} = {ratio:.2f}x")


if __name__ == "__main__":
    main()
