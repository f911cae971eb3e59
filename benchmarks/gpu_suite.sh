#!/usr/bin/env bash
# Verify kerasette's CuPy backend on a GPU machine in one command, and measure it.
#
#   benchmarks/gpu_suite.sh [--dry-run] OUTDIR
#
# Runs from a checkout on a machine with CuPy, PyTorch, NumPy, h5py and tqdm and no network
# (PYTHONPATH=the checkout, nothing installed). Parts, each under its own time limit so the
# whole stays under 8 minutes:
#   1. environment: GPU (nvidia-smi), driver, CUDA, CuPy and PyTorch versions
#   2. gpu tests:   pytest -m gpu with KERASETTE_BACKEND=cupy, on the test files marked gpu
#                   (tests/test_distribution_gpu.py among them: data parallelism's NCCL
#                   all-reduce and broadcast on this GPU, set up for one process without MPI)
#   3. examples:    every examples/*.py (mnist_convnet.py too once it exists) on the GPU, accuracies
#   4. benchmark:   benchmarks/gpu_benchmark.py, kerasette vs PyTorch on this GPU, a markdown table
# Everything goes to OUTDIR: suite.log (all raw output), one log per part, summary.txt,
# benchmark.md and benchmark.json. A failed part does not stop the others; the exit status
# is 1 if any part failed or ran out of time, 2 for bad arguments.
#
# Data: KERASETTE_DATA_DIR, else the first of ./shared/datasets and ../shared/datasets that
# holds mnist/. Overrides: PYTHON, GPU_SUITE_TEST_LIMIT, GPU_SUITE_EXAMPLES_LIMIT,
# GPU_SUITE_EXAMPLE_LIMIT, GPU_SUITE_BENCHMARK_LIMIT (seconds), GPU_SUITE_BENCHMARK_ARGS.
set -uo pipefail

usage() {
    echo "usage: benchmarks/gpu_suite.sh [--dry-run] OUTDIR" >&2
    echo "  OUTDIR: folder for the logs, the summary and the benchmark table (created if missing)" >&2
    exit 2
}

DRY_RUN=0
OUT=""
for argument in "$@"; do
    case "$argument" in
        --dry-run) DRY_RUN=1 ;;
        -h|--help) usage ;;
        -*) echo "gpu_suite.sh: unknown option '$argument'; expected --dry-run" >&2; usage ;;
        *)
            if [ -n "$OUT" ]; then
                echo "gpu_suite.sh: one OUTDIR expected; received '$OUT' and '$argument'" >&2
                usage
            fi
            OUT="$argument"
            ;;
    esac
done
if [ -z "$OUT" ]; then
    echo "gpu_suite.sh: OUTDIR is required" >&2
    usage
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
PYTHON="${PYTHON:-$(command -v python || command -v python3)}"
TEST_LIMIT="${GPU_SUITE_TEST_LIMIT:-140}"
EXAMPLES_LIMIT="${GPU_SUITE_EXAMPLES_LIMIT:-100}"
EXAMPLE_LIMIT="${GPU_SUITE_EXAMPLE_LIMIT:-60}"
BENCHMARK_LIMIT="${GPU_SUITE_BENCHMARK_LIMIT:-180}"
BENCHMARK_ARGS="${GPU_SUITE_BENCHMARK_ARGS:---rounds 1 --frameworks kerasette,kerasette-eager,torch,torch-graphs --timeout 60}"

# -- what would run ---------------------------------------------------------------------------
DATA_DIR="${KERASETTE_DATA_DIR:-}"
if [ -z "$DATA_DIR" ]; then
    for candidate in "$ROOT/shared/datasets" "$ROOT/../shared/datasets"; do
        if [ -d "$candidate/mnist" ]; then
            DATA_DIR="$(cd "$candidate" && pwd)"
            break
        fi
    done
fi
DATA_ERROR=""
if [ -z "$DATA_DIR" ] || [ ! -d "$DATA_DIR/mnist" ]; then
    DATA_ERROR="no MNIST data: set KERASETTE_DATA_DIR to a folder holding mnist/ (and fashion-mnist/), or put the checkout's shared/datasets there (looked in: ${DATA_DIR:-$ROOT/shared/datasets $ROOT/../shared/datasets})"
fi

# The in-process tests first; test_gpu.py (two fresh processes per case) last.
mapfile -t GPU_TEST_FILES < <(grep -l "pytest.mark.gpu" tests/test_*.py | sort | grep -v "^tests/test_gpu.py$";
                              grep -l "pytest.mark.gpu" tests/test_gpu.py 2>/dev/null)
HAVE_MATPLOTLIB=0
if "$PYTHON" -c "import matplotlib" >/dev/null 2>&1; then
    HAVE_MATPLOTLIB=1
fi
EXAMPLES=()
SKIPPED_EXAMPLES=()
for example in examples/*.py; do
    if grep -q "^from matplotlib\|^import matplotlib" "$example" && [ "$HAVE_MATPLOTLIB" = 0 ]; then
        SKIPPED_EXAMPLES+=("$example (needs matplotlib)")
    else
        EXAMPLES+=("$example")
    fi
done

GPU_ENV=(env "PYTHONPATH=$ROOT" KERASETTE_BACKEND=cupy "KERASETTE_DATA_DIR=$DATA_DIR" MPLBACKEND=Agg)
# -p no:cacheprovider: no .pytest_cache in the checkout; the doctests of kerasette/ are
# left to the CPU suite (they pass NumPy arrays to the model), so only test files are named.
TEST_COMMAND=("${GPU_ENV[@]}" "$PYTHON" -m pytest -m gpu -p no:cacheprovider -o addopts=-ra -q --durations=10 "${GPU_TEST_FILES[@]}")
read -r -a BENCHMARK_ARG_LIST <<< "$BENCHMARK_ARGS"
BENCHMARK_COMMAND=("${GPU_ENV[@]}" "$PYTHON" benchmarks/gpu_benchmark.py "${BENCHMARK_ARG_LIST[@]}"
                   --markdown "$OUT/benchmark.md" --json "$OUT/benchmark.json")

if [ "$DRY_RUN" = 1 ]; then
    echo "gpu_suite.sh --dry-run: would write to $OUT (python: $PYTHON)"
    echo "1. environment (limit 30 s): nvidia-smi; python -c (driver, CUDA, CuPy, PyTorch versions)"
    echo "2. gpu tests (limit ${TEST_LIMIT} s): ${TEST_COMMAND[*]}"
    echo "3. examples (limit ${EXAMPLE_LIMIT} s each, ${EXAMPLES_LIMIT} s in all), run in $OUT/examples-workdir:"
    for example in "${EXAMPLES[@]}"; do
        echo "   ${GPU_ENV[*]} $PYTHON $ROOT/$example"
    done
    for skipped in "${SKIPPED_EXAMPLES[@]}"; do
        echo "   skipped: $skipped"
    done
    echo "4. benchmark (limit ${BENCHMARK_LIMIT} s): ${BENCHMARK_COMMAND[*]}"
    echo "data: ${DATA_DIR:-none}"
    if [ -n "$DATA_ERROR" ]; then
        echo "error: $DATA_ERROR"
    fi
    exit 0
fi

# -- running --------------------------------------------------------------------------------------
mkdir -p "$OUT/examples-workdir" || exit 2
OUT="$(cd "$OUT" && pwd)"
SUITE_LOG="$OUT/suite.log"
SUMMARY="$OUT/summary.txt"
: > "$SUITE_LOG"
: > "$SUMMARY"
FAILED_PARTS=()
SUITE_START=$SECONDS

note() {
    echo "$*" | tee -a "$SUITE_LOG"
}

# run_part NAME LIMIT COMMAND...: run under a time limit, output to the console, its log and suite.log.
run_part() {
    local name="$1" limit="$2"
    shift 2
    local start=$SECONDS
    note "===== $name (limit ${limit} s): $*"
    timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$OUT/$name.log" | tee -a "$SUITE_LOG"
    local rc=${PIPESTATUS[0]}
    local status="ok"
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        status="TIMED OUT after ${limit} s"
    elif [ "$rc" != 0 ]; then
        status="FAILED (exit $rc)"
    fi
    [ "$status" = ok ] || FAILED_PARTS+=("$name")
    echo "$name: $status, $((SECONDS - start)) s" >> "$SUMMARY"
    note "===== $name: $status, $((SECONDS - start)) s"
    return 0
}

fail_part() {
    FAILED_PARTS+=("$1")
    echo "$1: FAILED: $2" >> "$SUMMARY"
    note "===== $1: FAILED: $2"
}

note "kerasette GPU suite, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

# 1. environment
run_part 1-environment 30 bash -c '
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
        nvidia-smi | head -n 4
    else
        echo "nvidia-smi: not found"
    fi
    "$0" - <<EOF
import platform, sys
print("python", platform.python_version())
import numpy; print("numpy", numpy.__version__)
try:
    import cupy
    runtime = cupy.cuda.runtime
    print("cupy", cupy.__version__, "CUDA runtime", runtime.runtimeGetVersion(), "driver", runtime.driverGetVersion())
    print("device 0:", runtime.getDeviceProperties(0)["name"].decode())
except Exception as error:
    print("cupy: unavailable:", error); sys.exit(1)
try:
    import torch
    print("torch", torch.__version__, "CUDA", torch.version.cuda, "device", torch.cuda.get_device_name(0))
except Exception as error:
    print("torch: unavailable:", error)
EOF' "$PYTHON"
{ echo "--- environment"; cat "$OUT/1-environment.log"; } >> "$SUMMARY"

# 2. gpu tests
if [ "${#GPU_TEST_FILES[@]}" = 0 ]; then
    fail_part 2-gpu-tests "no test file carries pytest.mark.gpu"
else
    run_part 2-gpu-tests "$TEST_LIMIT" "${TEST_COMMAND[@]}"
    grep -E "^(FAILED|ERROR)|[0-9]+ (passed|failed)" "$OUT/2-gpu-tests.log" | tail -n 30 >> "$SUMMARY"
fi

# 3. examples
if [ -n "$DATA_ERROR" ]; then
    fail_part 3-examples "$DATA_ERROR"
else
    EXAMPLES_START=$SECONDS
    for example in "${EXAMPLES[@]}"; do
        name="3-example-$(basename "$example" .py)"
        left=$((EXAMPLES_LIMIT - (SECONDS - EXAMPLES_START)))
        if [ "$left" -lt 5 ]; then
            fail_part "$name" "not run: the examples' ${EXAMPLES_LIMIT} s were used up"
            continue
        fi
        limit=$((left < EXAMPLE_LIMIT ? left : EXAMPLE_LIMIT))
        run_part "$name" "$limit" env -C "$OUT/examples-workdir" "${GPU_ENV[@]}" "$PYTHON" "$ROOT/$example"
        grep -iE "accuracy|test_acc" "$OUT/$name.log" | grep -v "^Epoch\|━\|\[=" | tail -n 3 | sed 's/^/    /' >> "$SUMMARY"
    done
    for skipped in "${SKIPPED_EXAMPLES[@]}"; do
        echo "3-example: skipped $skipped" >> "$SUMMARY"
    done
fi

# 4. benchmark
if [ -n "$DATA_ERROR" ]; then
    fail_part 4-benchmark "$DATA_ERROR"
else
    run_part 4-benchmark "$BENCHMARK_LIMIT" "${BENCHMARK_COMMAND[@]}"
    if [ -f "$OUT/benchmark.md" ]; then
        { echo "--- benchmark"; cat "$OUT/benchmark.md"; } >> "$SUMMARY"
    fi
fi

echo "total: $((SECONDS - SUITE_START)) s; failed parts: ${FAILED_PARTS[*]:-none}" >> "$SUMMARY"
note "===== summary ($SUMMARY)"
cat "$SUMMARY"
[ "${#FAILED_PARTS[@]}" = 0 ]
