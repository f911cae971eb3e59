"""BatchSplitter: how conv and pooling layers split a batch across the cores inside fit,
evaluate and predict, with BLAS on one thread there and restored after."""

import multiprocessing
import os
import threading

import numpy as np
import pytest
import threadpoolctl

from kerasette import Sequential, backend, layers
from kerasette.backend.batch_parallel import BatchSplitter

pytestmark = pytest.mark.skipif(
    backend.batch_splitter() is None or backend.window_kernels() is None,
    reason="batches are split only on the NumPy backend with numba",
)


def blas_threads() -> list[int]:
    return [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]


def test_parts_are_contiguous_and_even_inside_a_scope_and_one_piece_outside():
    splitter = BatchSplitter(workers=3, parts_per_worker=1)
    assert splitter.parts(10) == [(0, 10)]
    with splitter.scope():
        assert splitter.parts(10) == [(0, 3), (3, 6), (6, 10)]
        assert splitter.parts(2) == [(0, 1), (1, 2)]  # never an empty part
        assert splitter.parts(1) == [(0, 1)]
    assert splitter.parts(10) == [(0, 10)]
    finer = BatchSplitter(workers=3, parts_per_worker=4)
    with finer.scope():
        assert len(finer.parts(128)) == 12


def test_every_part_runs_once_and_every_thread_takes_parts():
    splitter = BatchSplitter(workers=3, parts_per_worker=2)
    seen = []
    all_running = threading.Barrier(3, timeout=10)  # each thread holds its first part until all have one

    def work(part):
        if len([p for p in seen if p.thread == part.thread]) == 0:
            seen.append(part)
            all_running.wait()
        else:
            seen.append(part)

    with splitter.scope():
        assert splitter.run(12, work) == 6
    assert sorted((part.index, part.first, part.last) for part in seen) == [(i, 2 * i, 2 * i + 2) for i in range(6)]
    assert {part.thread for part in seen} == {0, 1, 2}


def test_a_slow_thread_takes_fewer_parts():
    # The calling thread is held up in its first part until every part has started: the
    # worker takes all the others (a fixed split would have given each thread four).
    splitter = BatchSplitter(workers=2, parts_per_worker=4)
    all_started = threading.Event()
    threads = []

    def work(part):
        threads.append(part.thread)
        if len(threads) == 8:
            all_started.set()
        if part.thread == 0:
            assert all_started.wait(timeout=10)

    with splitter.scope():
        splitter.run(8, work)
    assert threads.count(0) <= 1 and threads.count(1) >= 7


def test_a_split_inside_a_split_runs_in_one_piece():
    splitter = BatchSplitter(workers=2, parts_per_worker=1)
    inner_parts = []

    def work(part):
        inner_parts.append(splitter.run(part.last - part.first, lambda _: None))

    with splitter.scope():
        assert splitter.run(8, work) == 2
    assert inner_parts == [1, 1]


@pytest.mark.parametrize("failing_thread", [0, 1])
def test_an_exception_propagates_once_every_running_part_has_ended(failing_thread):
    splitter = BatchSplitter(workers=2, parts_per_worker=1)
    both_started = threading.Barrier(2, timeout=10)
    failure_raised = threading.Event()
    ended = []

    def work(part):
        both_started.wait()
        if part.thread == failing_thread:
            failure_raised.set()
            raise ValueError(f"thread {part.thread} failed")
        assert failure_raised.wait(timeout=10)
        ended.append(part.thread)

    with splitter.scope(), pytest.raises(ValueError, match=f"thread {failing_thread} failed"):
        splitter.run(2, work)
    assert ended == [1 - failing_thread]  # the other part ran to its end before run returned


def test_a_scope_runs_blas_on_one_thread_and_restores_it():
    before = blas_threads()
    splitter = BatchSplitter(workers=2)
    with splitter.scope():
        assert set(blas_threads()) == {1}
    assert blas_threads() == before


def convnet():
    return Sequential(
        [
            layers.Input(shape=(12, 12, 1)),
            layers.Conv2D(4, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(6, 3, padding="same", activation="relu"),
            layers.Flatten(),
            layers.Dense(3, activation="softmax"),
        ]
    )


def train_a_convnet(monkeypatch, workers):
    splitter = BatchSplitter(workers=workers)
    monkeypatch.setattr(backend._impl, "batch_splitter", lambda: splitter)
    rng = np.random.default_rng(0)
    x = rng.random((48, 12, 12, 1), dtype="float32")
    y = rng.integers(0, 3, 48)
    model = convnet()
    model.set_weights(convnet_weights())
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    return model.get_weights(), model.predict(x, verbose=0)


def convnet_weights():
    rng = np.random.default_rng(1)
    model = convnet()
    return [rng.standard_normal(w.shape).astype("float32") * 0.3 for w in model.get_weights()]


def test_training_split_across_three_threads_matches_one_piece(monkeypatch):
    before = blas_threads()
    whole_weights, whole_predictions = train_a_convnet(monkeypatch, workers=1)
    split_weights, split_predictions = train_a_convnet(monkeypatch, workers=3)
    for whole, split in zip(whole_weights, split_weights):
        np.testing.assert_allclose(split, whole, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(split_predictions, whole_predictions, rtol=1e-4, atol=1e-6)
    assert blas_threads() == before


def test_a_layer_called_outside_fit_runs_in_one_piece(monkeypatch):
    splitter = BatchSplitter(workers=2)
    monkeypatch.setattr(backend._impl, "batch_splitter", lambda: splitter)
    calls = []
    run = splitter.run
    monkeypatch.setattr(splitter, "run", lambda size, work: calls.append(run(size, work)))
    layers.Conv2D(2, 3)(np.ones((4, 5, 5, 1), dtype="float32"))
    assert calls == [1]


def _split_in_a_forked_child(splitter, results):
    with splitter.scope():
        results.put(splitter.run(4, lambda part: None))


@pytest.mark.skipif(not hasattr(os, "register_at_fork"), reason="no fork on this platform")
def test_a_forked_child_starts_its_own_threads():
    splitter = BatchSplitter(workers=2, parts_per_worker=2)
    with splitter.scope():
        assert splitter.run(4, lambda part: None) == 4  # the parent's worker thread is running
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_split_in_a_forked_child, args=(splitter, results))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0 and results.get(timeout=5) == 4
