"""Data parallelism across processes (kerasette.distribution) against one process.

The end-to-end tests start ``mpiexec -n 2`` and ``-n 3`` (oversubscribed on a 2-core
machine) on tests/distributed_worker.py and compare what every rank ends with to the
same script run as one process: weights after K steps in float64, History, evaluate,
predict, which rank wrote the checkpoints. They need mpi4py and an MPI with ``mpiexec``
(``pip install "kerasette[mpi]"``); they skip without them, and fail instead when
``KERASETTE_REQUIRE_MPI=1`` (set by .ci/run, which installs both).
"""

import functools
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from types import SimpleNamespace

import numpy as np
import pytest

import kerasette as keras
from kerasette.distribution import data_parallel, training_loop
from kerasette.distribution.training_loop import ShardedBatches
from kerasette.trainers.data import Arrays
from kerasette.trainers.epoch_iterator import EpochIterator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKER = os.path.join(ROOT, "tests", "distributed_worker.py")
TIMEOUT = 60


def _mpiexec() -> str:
    launcher = shutil.which("mpiexec")
    missing = [name for name, absent in [("mpi4py", importlib.util.find_spec("mpi4py") is None),
                                         ("mpiexec", launcher is None)] if absent]  # fmt: skip
    if missing:
        if os.environ.get("KERASETTE_REQUIRE_MPI") == "1":
            pytest.fail(f"KERASETTE_REQUIRE_MPI=1 but {' and '.join(missing)} missing: pip install 'kerasette[mpi]'")
        pytest.skip(f"needs {' and '.join(missing)} (pip install 'kerasette[mpi]')")
    return launcher


def _environment() -> dict:
    # One BLAS thread per process: three processes share two cores.
    threads = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    return {**os.environ, **threads, "PYTHONPATH": ROOT}


def _run(case: str, processes: int, folder, **environment) -> subprocess.CompletedProcess:
    """The worker on ``processes`` ranks (1: a plain process, no MPI launcher)."""
    out = os.path.join(folder, case)
    command = [sys.executable, WORKER, case, out]
    if processes > 1:
        command = [_mpiexec(), "-n", str(processes), *command]
    env = {**_environment(), **environment}
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=env)


def _results(folder, case: str, processes: int) -> list[dict]:
    results = []
    for rank in range(processes):
        with np.load(os.path.join(folder, f"{case}.rank{rank}.npz")) as saved:
            weights = [saved[f"arr_{index}"] for index in range(sum(name.startswith("arr_") for name in saved.files))]
            logs = json.loads(str(saved["logs"])) if "logs" in saved.files else None
            predictions = saved["predictions"] if "predictions" in saved.files else None
        results.append({"weights": weights, "logs": logs, "predictions": predictions})
    return results


@functools.cache
def _one_process(case: str, folder: str) -> dict:
    completed = _run(case, 1, folder)
    assert completed.returncode == 0, completed.stderr
    return _results(folder, case, 1)[0]


@pytest.fixture(scope="module")
def reference_folder(tmp_path_factory):
    return str(tmp_path_factory.mktemp("one_process"))


def _train(case: str, processes: int, tmp_path, reference_folder):
    _mpiexec()
    reference = _one_process(case, reference_folder)
    completed = _run(case, processes, tmp_path)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return reference, _results(tmp_path, case, processes)


def _assert_same_weights(expected: list, actual: list, tolerance: float = 1e-10) -> None:
    assert len(expected) == len(actual)
    for want, got in zip(expected, actual):
        np.testing.assert_allclose(got, want, rtol=0, atol=tolerance)


def _assert_same_logs(expected: dict, actual: dict, test_batches: bool = True) -> None:
    assert expected["history"].keys() == actual["history"].keys()
    for name, values in expected["history"].items():
        np.testing.assert_allclose(actual["history"][name], values, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(actual["evaluate"], expected["evaluate"], rtol=1e-12, atol=1e-12)
    # What a callback's batch-end hook (and the progress bar) sees: global values, batch by batch.
    if not test_batches:
        expected, actual = ({"batches": [b for b in logs["batches"] if b[0] == "train"]} for logs in (expected, actual))
    assert [(kind, batch) for kind, batch, _ in actual["batches"]] == [
        (kind, batch) for kind, batch, _ in expected["batches"]
    ]
    for (kind, batch, want), (_, _, got) in zip(expected["batches"], actual["batches"]):
        assert got.keys() == want.keys(), (kind, batch)
        for name in want:
            np.testing.assert_allclose(got[name], want[name], rtol=1e-12, atol=1e-12, err_msg=f"{kind} {batch} {name}")


@pytest.mark.parametrize(
    "case, processes",
    [("dense", 2), ("dense", 3), ("convnet", 3), ("bn_sync", 3), ("generator", 3), ("own_shards", 3), ("tape", 3)],
)
def test_n_processes_train_as_one_process(case, processes, tmp_path, reference_folder):
    """Same weights after 2 epochs of 3-4 steps (batch 20 split 6/7/7, a shorter last batch),
    same History, evaluate and predict, on every rank; checkpoints written by rank 0 alone."""
    if case == "convnet":
        from data_helpers import require_dataset

        require_dataset(keras.datasets.mnist.load_data)
    reference, ranks = _train(case, processes, tmp_path, reference_folder)
    for rank in ranks:
        _assert_same_weights(reference["weights"], rank["weights"])
        if case == "tape":
            continue
        # own_shards evaluates each rank's own rows, in other batches than one process: only training's compared.
        _assert_same_logs(reference["logs"], rank["logs"], test_batches=case != "own_shards")
        if case != "own_shards":  # there each rank predicts what it was given
            np.testing.assert_allclose(rank["predictions"], reference["predictions"], rtol=0, atol=1e-12)
    if case != "tape":
        assert reference["logs"]["written"] == ["epoch1.weights.h5", "epoch2.weights.h5"]
        assert [rank["logs"]["written"] for rank in ranks] == [reference["logs"]["written"]] + [[]] * (processes - 1)


def test_batch_normalization_keeps_per_process_statistics_by_default(tmp_path, reference_folder):
    """synchronized=False (Keras's default) normalizes each process's rows with their own
    statistics, so training differs from one process; the moving statistics (averaged
    over processes each step) and all other weights stay identical on every rank."""
    reference, ranks = _train("bn_local", 2, tmp_path, reference_folder)
    for rank in ranks[1:]:
        _assert_same_weights(ranks[0]["weights"], rank["weights"], tolerance=0)
    difference = max(np.abs(a - b).max() for a, b in zip(reference["weights"], ranks[0]["weights"]))
    assert difference > 1e-4


def test_a_failing_process_ends_the_job_naming_it(tmp_path):
    started = time.monotonic()
    completed = _run("raise", 3, tmp_path)
    elapsed = time.monotonic() - started
    assert completed.returncode != 0
    assert elapsed < 30
    assert "process 1 of 3 raised RuntimeError: deliberate failure at step 2" in completed.stderr


def _steps(folder, case: str, processes: int) -> list[list[str]]:
    """The steps each rank finished, as ``'epoch batch'`` lines."""
    steps = []
    for rank in range(processes):
        with open(os.path.join(folder, f"{case}.rank{rank}.steps")) as lines:
            steps.append(lines.read().split("\n")[:-1])
    return steps


def test_ctrl_c_on_one_process_stops_every_process_after_the_same_step(tmp_path):
    """Ctrl-C during step 2's callbacks on rank 1 is seen at the end of step 3, as in one
    process; every rank finishes step 3 and none starts step 4."""
    completed = _run("interrupt", 3, tmp_path)
    assert completed.returncode != 0
    assert "KeyboardInterrupt: process 1 of 3 was interrupted; every process stops after this step" in completed.stderr
    assert _steps(tmp_path, "interrupt", 3) == [["0 0", "0 1", "0 2", "0 3"]] * 3


def test_stop_training_on_one_process_stops_every_process(tmp_path):
    _mpiexec()
    completed = _run("stop", 3, tmp_path)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert _steps(tmp_path, "stop", 3) == [["0 0", "0 1", "0 2"]] * 3
    ranks = _results(tmp_path, "stop", 3)
    for rank in ranks:
        assert len(rank["logs"]["history"]["loss"]) == 1
        _assert_same_weights(ranks[0]["weights"], rank["weights"], tolerance=0)


def test_a_process_that_catches_its_error_and_leaves_does_not_hang_the_others(tmp_path):
    """Rank 1 catches the exception fit raised and ends normally; the others, waiting in the
    step's all-reduce, end the job once KERASETTE_DISTRIBUTION_TIMEOUT (3 s here) has passed."""
    started = time.monotonic()
    completed = _run("caught", 3, tmp_path, KERASETTE_DISTRIBUTION_TIMEOUT="3")
    assert completed.returncode != 0
    assert time.monotonic() - started < 30
    assert "waited more than 3 s in an all-reduce: another process failed or stopped taking part" in completed.stderr


def test_the_collective_timeout_is_checked(monkeypatch):
    from kerasette.distribution import faults

    monkeypatch.setenv("KERASETTE_DISTRIBUTION_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="KERASETTE_DISTRIBUTION_TIMEOUT: expected a number of seconds >= 0"):
        faults.collective_timeout()
    monkeypatch.setenv("KERASETTE_DISTRIBUTION_TIMEOUT", "0")
    assert faults.collective_timeout() == 0


def test_a_process_that_dies_ends_the_job(tmp_path):
    """A rank that exits at once (no exception: killed, out of memory) is noticed by mpiexec,
    which stops the others waiting for it in the all-reduce and fails (with the dead rank's
    status, or 9 where it reports the others it killed)."""
    started = time.monotonic()
    completed = _run("die", 3, tmp_path)
    assert completed.returncode in (3, 9)
    assert time.monotonic() - started < 30
    assert all(len(steps) <= 3 for steps in _steps(tmp_path, "die", 3))


def test_processes_that_built_different_models_are_refused(tmp_path):
    completed = _run("mismatch", 2, tmp_path)
    assert completed.returncode != 0
    assert (
        "process 1 differs from process 0 at entry 0: process 0 has 'variable dense/kernel: shape (6, 4), "
        "dtype float64', process 1 has 'variable dense/kernel: shape (6, 5), dtype float64'"
    ) in completed.stderr
    assert not os.path.exists(os.path.join(tmp_path, "epoch1.weights.h5"))


ONE_PROCESS_SCRIPT = """
import sys
import numpy as np
import kerasette as keras
def train(distributed):
    keras.utils.set_random_seed(5)
    if distributed:
        keras.distribution.set_distribution(keras.distribution.DataParallel())
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2, activation='softmax')])
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    x = np.random.default_rng(0).normal(size=(40, 3)); y = (x[:, 0] > 0).astype(int)
    history = model.fit(x, y, batch_size=8, epochs=2, validation_split=0.25, verbose=0)
    return model.get_weights(), history.history
plain, distributed = train(False), train(True)
assert all(np.array_equal(a, b) for a, b in zip(plain[0], distributed[0]))
assert plain[1] == distributed[1]
print('mpi4py' in sys.modules)
"""


def test_one_process_without_mpi_is_unchanged_and_never_imports_mpi4py():
    environment = {key: value for key, value in _environment().items() if not key.startswith(("PMI_", "OMPI_"))}
    completed = subprocess.run(
        [sys.executable, "-c", ONE_PROCESS_SCRIPT], capture_output=True, text=True, timeout=TIMEOUT, env=environment
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "False"


# -- in this process: arguments and the sharding of batches ---------------------------------
def test_arguments_are_checked():
    assert keras.distribution.list_devices() == ["cpu:0"]
    assert keras.distribution.list_devices("gpu") == []
    with pytest.raises(ValueError, match="device_type: expected None, 'cpu' or 'gpu'; received 'tpu'"):
        keras.distribution.list_devices("tpu")
    with pytest.raises(ValueError, match="job_addresses: .*expected None.*received '10.0.0.1:1234'"):
        keras.distribution.initialize(job_addresses="10.0.0.1:1234")
    with pytest.raises(ValueError, match="process_id: this process is rank 0 of 1; received 1"):
        keras.distribution.initialize(process_id=1)
    with pytest.raises(ValueError, match=r"devices: expected None or one device per process of this job, \['cpu:0'\]"):
        keras.distribution.DataParallel(devices=["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match="device_mesh: .*expected None"):
        keras.distribution.DataParallel(device_mesh="mesh")
    with pytest.raises(TypeError, match="auto_shard_dataset: expected True or False"):
        keras.distribution.DataParallel(auto_shard_dataset="yes")
    with pytest.raises(TypeError, match="value: expected a DataParallel or None; received str"):
        keras.distribution.set_distribution("data_parallel")


def test_environment_variables_are_checked(monkeypatch):
    monkeypatch.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "two")
    with pytest.raises(ValueError, match="KERAS_DISTRIBUTION_NUM_PROCESSES .*expected an integer; received 'two'"):
        keras.distribution.initialize()


def test_scope_sets_and_restores_the_distribution():
    distribution = keras.distribution.DataParallel()
    assert keras.distribution.distribution() is None
    with distribution.scope():
        assert keras.distribution.distribution() is distribution
        assert data_parallel.active() is None  # one process: nothing to do
    assert keras.distribution.distribution() is None


def _sharded(rank: int, size: int, samples: int, batch_size: int, training: bool):
    distribution = SimpleNamespace(process_id=rank, num_processes=size, gradient_share=None)
    iterator = EpochIterator(Arrays(np.arange(float(samples))[:, None]), batch_size)
    batches = ShardedBatches(iterator, distribution, training)
    taken = []
    for step, batch in batches:
        taken.append((step, batch.features.ravel().tolist(), distribution.gradient_share))
    return batches, taken


def test_each_rank_takes_its_contiguous_rows_weighted_by_its_share():
    batches, taken = _sharded(rank=2, size=3, samples=13, batch_size=10, training=True)
    assert batches.steps == 2
    assert taken == [(0, [6.0, 7.0, 8.0, 9.0], 0.4), (1, [12.0], 1 / 3)]
    rows = [row for rank in range(3) for _, part, _ in _sharded(rank, 3, 13, 10, False)[1] for row in part]
    assert sorted(rows) == [float(row) for row in range(13)]


def test_a_training_batch_smaller_than_the_world_is_refused():
    with pytest.raises(ValueError, match="batch 1 has 2 sample\\(s\\), too few to give each of the 3 processes"):
        _sharded(rank=0, size=3, samples=12, batch_size=10, training=True)
    _, taken = _sharded(rank=2, size=3, samples=12, batch_size=10, training=False)
    assert [step for step, _, _ in taken] == [0, 1]  # evaluation: the rank with no rows skips


def test_a_loss_that_is_not_a_mean_over_the_batch_is_refused_before_training(monkeypatch):
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss=keras.losses.MeanSquaredError(reduction="sum"))
    before = [weight.copy() for weight in model.get_weights()]
    distribution = keras.distribution.DataParallel()
    monkeypatch.setattr(training_loop, "active", lambda: distribution)  # as if under mpiexec
    with pytest.raises(
        ValueError, match="loss: MeanSquaredError with reduction='sum' cannot be split across processes"
    ):
        model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
