"""Side-by-side GPU benchmark: kerasette on CuPy against PyTorch on the same GPU, same run.

Each measurement is a fresh process (``--worker FRAMEWORK WORKLOAD``); the frameworks
alternate within each round. Reported per workload: the median epoch time over every
epoch but each run's first (warm-up, kernel compilation), samples per second, test
accuracy, and kerasette's time divided by each peer's (below 1: kerasette is faster).
Every timed region starts and ends with a device synchronisation.

Frameworks:
    kerasette         KERASETTE_BACKEND=cupy: fused kernels, CUDA-graph steps where the model allows
    kerasette-eager   the same with KERASETTE_CUDA_GRAPHS=0 (fused kernels, step by step)
    torch             PyTorch eager, data resident on the GPU
    torch-graphs      PyTorch with the whole training step captured in a torch.cuda.CUDAGraph
    torch-compile     torch.compile(mode='reduce-overhead'); reported as skipped if it fails offline

Usage (from the repository root, on a GPU machine):
    PYTHONPATH=. python benchmarks/gpu_benchmark.py [--rounds 1] [--markdown table.md] [--json raw.json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FRAMEWORKS = ("kerasette", "kerasette-eager", "torch", "torch-graphs", "torch-compile")
WORKLOADS = {
    # name: (hidden layers, dropout, batch size, epochs); the seed network is Dense 512 relu + Dense 10 softmax
    "seed_b128": ((512,), 0.0, 128, 4),
    "seed_b32": ((512,), 0.0, 32, 3),
    "mnist_mlp": ((512, 512), 0.2, 128, 3),  # examples/mnist_mlp.py's network
    "convnet": (None, 0.5, 128, 3),  # Keras's mnist_convnet, where kerasette has Conv2D
    "predict": ((512,), 0.0, 32, 5),  # repeats of predict over the 10,000 test images
}
TRAIN_SAMPLES, TEST_SAMPLES = 60000, 10000


# -- the parent: rounds, summaries, the table ---------------------------------------------------
def measure(framework: str, workload: str, timeout: float) -> dict:
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    # PyTorch's processes load MNIST through kerasette too, on the NumPy backend: no CuPy there.
    env["KERASETTE_BACKEND"] = "cupy" if framework.startswith("kerasette") else "numpy"
    env["KERASETTE_CUDA_GRAPHS"] = "0" if framework == "kerasette-eager" else "1"
    try:
        completed = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--worker", framework, workload],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"skipped": f"timed out after {timeout:.0f} s"}
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        return {"failed": completed.stderr.strip().splitlines()[-1:] or [f"exit {completed.returncode}"]}
    return json.loads(lines[-1])


def summarise(workload: str, runs: list[dict]) -> dict:
    good = [run for run in runs if "times" in run]
    if not good:
        reasons = {str(run.get("skipped") or run.get("failed")) for run in runs}
        return {"note": "; ".join(sorted(reasons))}
    times = [t for run in good for t in run["times"][1:]]
    median = statistics.median(times)
    samples = TEST_SAMPLES if workload == "predict" else TRAIN_SAMPLES
    summary = {"median_s": median, "samples_per_s": samples / median, "runs": len(good)}
    accuracies = [run["accuracy"] for run in good if "accuracy" in run]
    if accuracies:
        summary["accuracy"] = statistics.median(accuracies)
    notes = {run["note"] for run in good if run.get("note")}
    if notes:
        summary["note"] = "; ".join(sorted(notes))
    return summary


def device_description() -> str:
    parts = []
    try:
        import torch

        parts.append(f"{torch.cuda.get_device_name(0)}; PyTorch {torch.__version__} (CUDA {torch.version.cuda})")
    except Exception as error:  # noqa: BLE001 - a description, never a failure
        parts.append(f"PyTorch unavailable ({error})")
    try:
        import cupy

        parts.append(f"CuPy {cupy.__version__} (CUDA runtime {cupy.cuda.runtime.runtimeGetVersion()})")
    except Exception as error:  # noqa: BLE001
        parts.append(f"CuPy unavailable ({error})")
    return "; ".join(parts)


def table(results: dict, device: str, command: str) -> str:
    lines = [
        f"GPU benchmark, {datetime.date.today()}: {device}",
        f"Command: `{command}`. Median epoch time excluding each run's first (predict: per pass over 10,000 images).",
        "",
        "| workload | framework | median s | samples/s | test accuracy | kerasette ÷ this | note |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for workload, by_framework in results.items():
        summaries = {framework: summarise(workload, runs) for framework, runs in by_framework.items()}
        ours = summaries.get("kerasette", {}).get("median_s")
        for framework, summary in summaries.items():
            if "median_s" not in summary:
                lines.append(f"| {workload} | {framework} | - | - | - | - | {summary['note']} |")
                continue
            accuracy = f"{summary['accuracy']:.4f}" if "accuracy" in summary else "-"
            ratio = "-" if framework == "kerasette" or ours is None else f"{ours / summary['median_s']:.2f}×"
            lines.append(
                f"| {workload} | {framework} | {summary['median_s']:.4f} | {summary['samples_per_s']:,.0f} | "
                f"{accuracy} | {ratio} | {summary.get('note', '')} |"
            )
    return "\n".join(lines)


def write_results(args, results: dict, device: str) -> str:
    measured = {w: {f: runs for f, runs in by.items() if runs} for w, by in results.items()}
    measured = {w: by for w, by in measured.items() if by}
    command = "PYTHONPATH=. python benchmarks/gpu_benchmark.py " + " ".join(sys.argv[1:])
    markdown = table(measured, device, command)
    if args.markdown:
        with open(args.markdown, "w") as handle:
            handle.write(markdown + "\n")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"device": device, "command": command, "results": results}, handle)
    return markdown


def has_convolutions() -> bool:
    """Whether kerasette has the layers of Keras's mnist_convnet (another helper adds them)."""
    import kerasette

    return hasattr(kerasette.layers, "Conv2D") and hasattr(kerasette.layers, "MaxPooling2D")


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--timeout", type=float, default=240, help="seconds per measurement process")
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--json", help="also write every raw measurement to this file")
    parser.add_argument("--worker", nargs=2, metavar=("FRAMEWORK", "WORKLOAD"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name, chosen, known in (("workloads", args.workloads, WORKLOADS), ("frameworks", args.frameworks, FRAMEWORKS)):
        unknown = [item for item in chosen.split(",") if item not in known]
        if unknown:
            parser.error(f"--{name}: unknown {unknown}; expected some of {', '.join(known)}")
    if args.rounds < 1:
        parser.error(f"--rounds: expected at least 1; received {args.rounds}")
    return args


def main(argv=None) -> int:
    args = parse_arguments(argv)
    if args.worker:
        print(json.dumps(run_worker(*args.worker)))
        return 0
    workloads, frameworks = args.workloads.split(","), args.frameworks.split(",")
    if "convnet" in workloads and not has_convolutions():
        print("# convnet: skipped, kerasette.layers has no Conv2D/MaxPooling2D yet", flush=True)
        workloads.remove("convnet")
    device = device_description()
    print(f"# {device}", flush=True)
    results = {w: {f: [] for f in frameworks} for w in workloads}
    for round_index in range(args.rounds):
        for workload in workloads:
            for framework in frameworks:
                run = measure(framework, workload, args.timeout)
                results[workload][framework].append(run)
                shown = {k: v for k, v in run.items() if k != "times"}
                print(f"# round {round_index + 1} {workload} {framework}: {json.dumps(shown)}", flush=True)
                # Written after every measurement, so that a run cut short still leaves its figures.
                markdown = write_results(args, results, device)
    print("\n" + markdown)
    failed = [(w, f) for w in workloads for f in frameworks if f.startswith("kerasette") and w != "convnet"
              and not any("times" in run for run in results[w][f])]  # fmt: skip
    if failed:
        print(f"# kerasette measurements that failed: {failed}", file=sys.stderr)
    return 1 if failed else 0


# -- the workers ------------------------------------------------------------------------------
def load_mnist(flat: bool = True):
    import numpy as np

    from kerasette.datasets import mnist

    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    shape = (784,) if flat else (28, 28, 1)
    scale = lambda images: images.reshape((len(images), *shape)).astype("float32") / 255  # noqa: E731
    return scale(x_train), y_train.astype(np.int64), scale(x_test), y_test.astype(np.int64)


def run_worker(framework: str, workload: str) -> dict:
    hidden, dropout, batch_size, epochs = WORKLOADS[workload]
    if framework.startswith("kerasette"):
        result = run_kerasette(workload, hidden, dropout, batch_size, epochs)
    else:
        from gpu_benchmark_torch import run_torch

        result = run_torch(framework, workload, hidden, dropout, batch_size, epochs, load_mnist(hidden is not None))
    result.update(framework=framework, workload=workload)
    return result


def kerasette_model(keras, hidden, dropout):
    if hidden is None:  # Keras's mnist_convnet
        conv, pool = keras.layers.Conv2D, keras.layers.MaxPooling2D
        return keras.Sequential(
            [
                keras.Input(shape=(28, 28, 1)),
                conv(32, kernel_size=(3, 3), activation="relu"),
                pool(pool_size=(2, 2)),
                conv(64, kernel_size=(3, 3), activation="relu"),
                pool(pool_size=(2, 2)),
                keras.layers.Flatten(),
                keras.layers.Dropout(dropout),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
    model = keras.Sequential([keras.Input(shape=(784,))])
    for units in hidden:
        model.add(keras.layers.Dense(units, activation="relu"))
        if dropout:
            model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(10, activation="softmax"))
    return model


def run_kerasette(workload, hidden, dropout, batch_size, epochs) -> dict:
    import cupy

    import kerasette as keras

    if hidden is None and not (hasattr(keras.layers, "Conv2D") and hasattr(keras.layers, "MaxPooling2D")):
        return {"skipped": "kerasette.layers has no Conv2D/MaxPooling2D yet"}
    synchronize = cupy.cuda.Device().synchronize
    x_train, y_train, x_test, y_test = load_mnist(hidden is not None)
    keras.utils.set_random_seed(0)
    model = kerasette_model(keras, hidden, dropout)
    if workload == "predict":
        times = []
        for _ in range(epochs):
            synchronize()
            start = time.perf_counter()
            model.predict(x_test, batch_size=batch_size, verbose=0)  # returns NumPy: includes the copy back
            times.append(time.perf_counter() - start)
        return {"times": times}
    optimizer = keras.optimizers.Adam() if hidden is None else keras.optimizers.RMSprop()
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    times = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            synchronize()
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            synchronize()
            times.append(time.perf_counter() - self.start)

    from kerasette.trainers import cuda_graph_step

    made = []
    original = cuda_graph_step.train_step_for
    cuda_graph_step.train_step_for = lambda trainer, size: made.append(original(trainer, size)) or made[-1]
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[EpochTimer()])
    _, accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    step = made[-1] if made else None
    note = "eager steps"
    if isinstance(step, cuda_graph_step.CudaGraphTrainStep):
        note = f"graphed {step.graph_steps}/{step.graph_steps + step.eager_steps} steps"
        if step.disabled_because:
            note += f" (off: {step.disabled_because[:80]})"
    elif os.environ.get("KERASETTE_CUDA_GRAPHS") != "0":
        note = f"eager steps: {cuda_graph_step.ineligibility(model) or 'graphs not requested'}"
    return {"times": times, "accuracy": float(accuracy), "note": note}


if __name__ == "__main__":
    sys.exit(main())
