"""A small residual network on MNIST, epoch time side by side: kerasette's Functional model,
the same layers as a subclassed kerasette Model, and PyTorch eager.

The network: Conv2D 32 (3x3, relu) - MaxPooling 2 - two residual blocks, each
``relu(x + Conv2D 32 (3x3 same) (Conv2D 32 (3x3 same, relu) (x)))`` - GlobalAveragePooling -
Dense 10 softmax; Adam with Keras's defaults, categorical cross-entropy, batch 128, on the real
MNIST training set (or its first ``--train-samples`` images, the same for every framework).
PyTorch gets the same layers, Glorot-uniform kernels and zero biases, ``CrossEntropyLoss`` on
logits and the same Adam. Each measurement runs in its own process, the frameworks alternate
within each round, and all use the same number of threads. Reported: the median epoch time over
every epoch but each run's first, test accuracy, and kerasette's time divided by each other's.

Usage (from the repository root):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/resnet.py [--rounds 2] [--epochs 3]

``--baseline DIR`` adds ``kerasette-baseline``: the Functional model on the kerasette found in
``DIR`` (a checkout of an earlier commit), to show a change's effect in the same run.
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
sys.path.insert(0, HERE)
from convnet import BATCH_SIZE, THREADS, load_mnist  # noqa: E402

FRAMEWORKS = ("kerasette-functional", "kerasette-subclassed", "torch")
BLOCKS = 2
BASELINE: str | None = None  # --baseline: a checkout of an earlier kerasette


def functional_resnet(keras):
    layers = keras.layers
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    for _ in range(BLOCKS):
        y = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
        y = layers.Conv2D(32, 3, padding="same")(y)
        x = layers.Activation("relu")(layers.Add()([x, y]))
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def subclassed_resnet(keras):
    layers = keras.layers

    class ResNet(keras.Model):
        def __init__(self):
            super().__init__()
            self.stem = layers.Conv2D(32, 3, activation="relu")
            self.pool = layers.MaxPooling2D(2)
            self.blocks = [
                (layers.Conv2D(32, 3, padding="same", activation="relu"), layers.Conv2D(32, 3, padding="same"))
                for _ in range(BLOCKS)
            ]
            self.adds = [layers.Add() for _ in range(BLOCKS)]
            self.relus = [layers.Activation("relu") for _ in range(BLOCKS)]
            self.head = [layers.GlobalAveragePooling2D(), layers.Dense(10, activation="softmax")]

        def call(self, inputs, training=None):
            x = self.pool(self.stem(inputs))
            for (first, second), add, relu in zip(self.blocks, self.adds, self.relus):
                x = relu(add([x, second(first(x))]))
            for layer in self.head:
                x = layer(x)
            return x

    return ResNet()


def run_kerasette(kind: str, data, epochs: int) -> dict:
    import kerasette as keras

    x_train, y_train, x_test, y_test = data
    keras.utils.set_random_seed(0)
    model = functional_resnet(keras) if kind == "functional" else subclassed_resnet(keras)
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
    return {"times": epoch_times, "accuracy": float(accuracy), "params": model.count_params()}


def run_torch(data, epochs: int) -> dict:
    import torch

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    x_train, y_train, x_test, y_test = (torch.from_numpy(array) for array in data)
    x_train, x_test = x_train.permute(0, 3, 1, 2).contiguous(), x_test.permute(0, 3, 1, 2).contiguous()

    class ResNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = torch.nn.Conv2d(1, 32, 3)
            self.blocks = torch.nn.ModuleList(
                torch.nn.ModuleList([torch.nn.Conv2d(32, 32, 3, padding=1), torch.nn.Conv2d(32, 32, 3, padding=1)])
                for _ in range(BLOCKS)
            )
            self.head = torch.nn.Linear(32, 10)

        def forward(self, x):
            x = torch.nn.functional.max_pool2d(torch.relu(self.stem(x)), 2)
            for first, second in self.blocks:
                x = torch.relu(x + second(torch.relu(first(x))))
            return self.head(x.mean(dim=(2, 3)))

    model = ResNet()
    for module in model.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
            torch.nn.init.xavier_uniform_(module.weight)
            torch.nn.init.zeros_(module.bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
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
    return {"times": epoch_times, "accuracy": accuracy, "params": sum(p.numel() for p in model.parameters())}


def worker(framework: str, epochs: int, train_samples: int | None) -> None:
    data = load_mnist(train_samples)
    if framework == "torch":
        result = run_torch(data, epochs)
    else:
        result = run_kerasette("subclassed" if framework == "kerasette-subclassed" else "functional", data, epochs)
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
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS), help="comma-separated")
    parser.add_argument("--baseline", default=None, help="a checkout of an earlier kerasette to compare with")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.epochs, args.train_samples)
        return
    frameworks = args.frameworks.split(",")
    if args.baseline:
        global BASELINE
        BASELINE = os.path.abspath(args.baseline)
        frameworks.insert(1, "kerasette-baseline")
    runs = {framework: [] for framework in frameworks}
    for round_number in range(args.rounds):
        for framework in frameworks:
            result = measure(framework, args.epochs, args.train_samples)
            runs[framework].append(result)
            print(
                f"round {round_number + 1} {framework}: epochs {[round(t, 2) for t in result['times']]} s, "
                f"accuracy {result['accuracy']:.4f}, {result['params']} parameters",
                flush=True,
            )
    medians = {name: statistics.median(t for run in found for t in run["times"][1:]) for name, found in runs.items()}
    samples = args.train_samples or 60000
    print(f"\nresnet ({BLOCKS} blocks), {samples} images, batch {BATCH_SIZE}, {THREADS} threads, median epoch:")
    reference = frameworks[0]
    for name in frameworks:
        accuracy = statistics.median(run["accuracy"] for run in runs[name])
        ratio = medians[reference] / medians[name]
        print(f"  {name:22s} {medians[name]:7.2f} s   accuracy {accuracy:.4f}   {reference} / {name} = {ratio:.2f}x")


if __name__ == "__main__":
    main()
