"""Side-by-side CPU benchmarks of kerasette against PyTorch eager and Keras 3 (torch backend).

Each measurement runs in its own process (``worker.py``); the frameworks alternate within
each round so that drifts in machine speed hit all of them alike. Reported per workload:
the median epoch time over every epoch but each run's first (warm-up), samples per second,
test accuracy, peak memory, and kerasette's time divided by each other's (below 1: kerasette is faster).

Usage (from the repository root):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/run_benchmarks.py [--rounds 3] [--baseline DIR]

``--baseline DIR`` adds ``kerasette-baseline``: the same workloads on the kerasette found in
``DIR`` (e.g. a ``git worktree`` of an earlier commit), to show a change made nothing slower.

A peer that is not installed is reported as skipped, never estimated.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FRAMEWORKS = ("kerasette", "kerasette-baseline", "kerasette-numpy", "torch", "keras")
BASELINE: str | None = None  # --baseline: a checkout of an earlier kerasette to compare with
TRAIN_SAMPLES, TEST_SAMPLES = 60000, 10000


def installed(framework: str) -> bool:
    if framework == "kerasette-baseline":
        return BASELINE is not None
    if framework == "kerasette":
        return importlib.util.find_spec("numba") is not None  # else it is kerasette-numpy again
    return framework == "kerasette-numpy" or importlib.util.find_spec(framework) is not None


def measure(framework: str, workload: str) -> dict:
    source = BASELINE if framework == "kerasette-baseline" else ROOT
    env = {
        **os.environ,
        "PYTHONPATH": source + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "OMP_NUM_THREADS": "2",
        "OPENBLAS_NUM_THREADS": "2",
    }
    completed = subprocess.run(
        [sys.executable, os.path.join(HERE, "worker.py"), framework, workload],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{framework} {workload} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def summarise(workload: str, runs: list[dict]) -> dict:
    if workload in ("predict", "import"):
        times = [t for run in runs for t in (run["times"][1:] if workload == "predict" else run["times"])]
    else:
        times = [t for run in runs for t in run["times"][1:]]
    median = statistics.median(times)
    samples = TEST_SAMPLES if workload == "predict" else TRAIN_SAMPLES
    summary = {
        "median_s": median,
        "samples_per_s": samples / median if workload != "import" else None,
        "peak_memory_mb": max(run["peak_memory_mb"] for run in runs),
    }
    accuracies = [run["accuracy"] for run in runs if "accuracy" in run]
    if accuracies:
        summary["accuracy"] = statistics.median(accuracies)
    return summary


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    blas = ""
    try:
        import numpy  # noqa: F401
        from threadpoolctl import threadpool_info

        blas = ", ".join(
            f"{info['internal_api']} {info.get('architecture', '')} kernels"
            for info in threadpool_info()
            if info["user_api"] == "blas"
        )
    except ImportError:
        pass
    return f"{cpu}, {os.cpu_count()} cores" + (f"; NumPy BLAS: {blas}" if blas else "")


def versions() -> str:
    parts = [f"Python {platform.python_version()}"]
    for name in ("numpy", "numba", "torch", "keras"):
        try:
            module = __import__(name) if name != "keras" else None  # keras needs KERAS_BACKEND first
            version = (
                module.__version__
                if module
                else subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        "import os; os.environ['KERAS_BACKEND']='torch'; import keras; print(keras.__version__)",
                    ],
                    capture_output=True,
                    text=True,
                ).stdout.strip()
            )
            parts.append(f"{name} {version}")
        except ImportError:
            parts.append(f"{name} not installed")
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workloads", default="seed_b128,seed_b32,mnist_mlp,predict,import")
    parser.add_argument("--baseline", help="a checkout of an earlier kerasette, run as kerasette-baseline")
    parser.add_argument(
        "--frameworks", default=",".join(FRAMEWORKS), help="comma-separated, among " + ", ".join(FRAMEWORKS)
    )
    args = parser.parse_args()
    global BASELINE
    BASELINE = os.path.abspath(args.baseline) if args.baseline else None
    workloads = args.workloads.split(",")
    available = [f for f in FRAMEWORKS if installed(f) and f in args.frameworks.split(",")]
    print(f"# {datetime.date.today()} on {machine_description()}")
    print(f"# {versions()}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    if BASELINE:
        commit = subprocess.run(["git", "-C", BASELINE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        print(f"# kerasette-baseline: {BASELINE} at commit {commit.stdout.strip() or 'unknown'}")
    for framework in FRAMEWORKS:
        if framework not in available:
            reason = "not installed" if installed(framework) is False else "not in --frameworks"
            print(f"# {framework}: skipped ({reason})")
    results: dict[str, dict[str, list]] = {w: {f: [] for f in available} for w in workloads}
    for round_index in range(args.rounds):
        for workload in workloads:
            for framework in available:
                results[workload][framework].append(measure(framework, workload))
        print(f"# round {round_index + 1}/{args.rounds} done", flush=True)

    print("\n| workload | framework | median s | samples/s | test accuracy | peak MB | kerasette ÷ this |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for workload in workloads:
        summaries = {f: summarise(workload, runs) for f, runs in results[workload].items()}
        ours = (summaries["kerasette"] if "kerasette" in summaries else summaries["kerasette-numpy"])["median_s"]
        for framework, summary in summaries.items():
            accuracy = f"{summary['accuracy']:.4f}" if "accuracy" in summary else "-"
            rate = f"{summary['samples_per_s']:,.0f}" if summary["samples_per_s"] else "-"
            ratio = f"{ours / summary['median_s']:.2f}×" if framework != "kerasette" else "-"
            print(
                f"| {workload} | {framework} | {summary['median_s']:.4f} | {rate} | {accuracy} | "
                f"{summary['peak_memory_mb']:.0f} | {ratio} |"
            )
    print("\nraw:", json.dumps(results))


if __name__ == "__main__":
    main()
