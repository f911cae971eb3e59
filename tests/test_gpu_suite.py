"""benchmarks/gpu_suite.sh, the one-command GPU verification: what can be checked without a GPU.

Its syntax, its argument handling, what its dry run says it would run, and how it reports
parts that fail or run out of time (with a stand-in for Python that fails or sleeps).
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "benchmarks" / "gpu_suite.sh"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None or shutil.which("timeout") is None, reason="needs bash")


def run_suite(*arguments, env=None, timeout=120):
    return subprocess.run(
        ["bash", str(SUITE), *arguments],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


def test_the_script_parses():
    assert subprocess.run(["bash", "-n", str(SUITE)], capture_output=True).returncode == 0


@pytest.mark.parametrize(
    "arguments, message",
    [
        ((), "OUTDIR is required"),
        (("one", "two"), "one OUTDIR expected; received 'one' and 'two'"),
        (("--fast", "out"), "unknown option '--fast'; expected --dry-run"),
    ],
)
def test_bad_arguments_are_refused_with_the_usage(arguments, message):
    result = run_suite(*arguments)
    assert result.returncode == 2
    assert message in result.stderr and "usage: benchmarks/gpu_suite.sh [--dry-run] OUTDIR" in result.stderr


def test_the_dry_run_names_every_part_and_creates_nothing(tmp_path):
    out = tmp_path / "never-made"
    result = run_suite("--dry-run", str(out), env={"KERASETTE_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for part in ("1. environment", "2. gpu tests", "3. examples", "4. benchmark"):
        assert part in text
    test_line = next(line for line in text.splitlines() if line.startswith("2. gpu tests"))
    assert "KERASETTE_BACKEND=cupy" in test_line and "-m gpu" in test_line
    # Every test file marked gpu, the slow subprocess one last.
    assert test_line.endswith("tests/test_gpu.py") and "tests/test_gpu_graphs.py" in test_line
    assert "tests/test_gpu_kernels.py" in test_line and "tests/test_properties.py" not in test_line
    for example in sorted((ROOT / "examples").glob("*.py")):
        assert f"examples/{example.name}" in text
    assert f"--markdown {out}/benchmark.md" in text and "gpu_benchmark.py" in text
    assert "error: no MNIST data: set KERASETTE_DATA_DIR" in text  # tmp_path holds no mnist/
    assert not out.exists()


def test_the_data_folder_is_found_or_named_in_the_error(tmp_path):
    (tmp_path / "mnist").mkdir()
    result = run_suite("--dry-run", str(tmp_path / "out"), env={"KERASETTE_DATA_DIR": str(tmp_path)})
    assert f"data: {tmp_path}" in result.stdout and "error:" not in result.stdout


def test_failed_and_timed_out_parts_are_reported_and_the_rest_still_runs(tmp_path):
    slow_python = tmp_path / "slow-python"
    slow_python.write_text("#!/bin/sh\nsleep 3\n")
    slow_python.chmod(0o755)
    (tmp_path / "data" / "mnist").mkdir(parents=True)
    out = tmp_path / "out"
    limits = {"GPU_SUITE_TEST_LIMIT": "1", "GPU_SUITE_EXAMPLES_LIMIT": "1", "GPU_SUITE_BENCHMARK_LIMIT": "1"}
    result = run_suite(
        str(out), env={"PYTHON": str(slow_python), "KERASETTE_DATA_DIR": str(tmp_path / "data"), **limits}
    )
    assert result.returncode == 1
    summary = (out / "summary.txt").read_text()
    assert "1-environment: ok" in summary  # the stand-in exits 0 after 3 s, within 30
    assert "2-gpu-tests: TIMED OUT after 1 s" in summary
    assert "not run: the examples' 1 s were used up" in summary
    assert "4-benchmark: TIMED OUT after 1 s" in summary
    assert "failed parts: 2-gpu-tests" in summary
    assert (out / "suite.log").read_text().count("=====") >= 6
    assert (out / "2-gpu-tests.log").exists() and (out / "4-benchmark.log").exists()
