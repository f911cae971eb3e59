"""BatchSplitter: how conv and pooling layers split a batch across the cores inside fit,
evaluate and predict, with BLAS on one thread there and restored after."""

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
    splitter = BatchSplitter(workers=3)
    assert splitter.parts(10) == [(0, 10)]
    with splitter.scope():
        assert splitter.parts(10) == [(0, 3), (3, 6), (6, 10)]
        assert splitter.parts(2) == [(0, 1), (1, 2)]  # never an empty part
        assert splitter.parts(1) == [(0, 1)]
    assert splitter.parts(10) == [(0, 10)]


def test_run_uses_a_thread_per_part_and_returns_when_all_are_done():
    splitter = BatchSplitter(workers=3)
    seen = {}
    all_running = threading.Barrier(3, timeout=10)  # the parts run at the same time

    def work(part, first, last):
        all_running.wait()
        seen[part] = (first, last, threading.get_ident())

    with splitter.scope():
        assert splitter.run(9, work) == 3
    assert [seen[part][:2] for part in range(3)] == [(0, 3), (3, 6), (6, 9)]
    assert seen[0][2] == threading.get_ident()
    assert len({ident for _, _, ident in seen.values()}) == 3


def test_a_split_inside_a_worker_runs_in_one_piece():
    splitter = BatchSplitter(workers=2)
    inner_parts = []

    def work(part, first, last):
        inner_parts.append(splitter.run(last - first, lambda *_: None))

    with splitter.scope():
        splitter.run(8, work)
    assert sorted(inner_parts) == [1, 2]  # the calling thread splits again; the worker does not


@pytest.mark.parametrize("failing_part", [0, 1])
def test_an_exception_propagates_after_every_part_has_finished(failing_part):
    splitter = BatchSplitter(workers=2)
    finished = []

    def work(part, first, last):
        if part == failing_part:
            raise ValueError(f"part {part} failed")
        threading.Event().wait(0.05)
        finished.append(part)

    with splitter.scope(), pytest.raises(ValueError, match=f"part {failing_part} failed"):
        splitter.run(4, work)
    assert finished == [1 - failing_part]


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
    model.set_weights([w for w in convnet_weights()])
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
