"""Fixtures shared by the convolution and pooling tests, and by the dataset loader tests."""

import pytest

from kerasette import backend
from kerasette.layers import compiled_conv

# Scripts run by hand with real Keras to write fixtures, which import Keras (and run) at module
# level: not test modules, and CI has no Keras, so doctest collection must not import them.
collect_ignore = ["fixtures/make_attention_fixtures.py", "fixtures/make_summary_fixtures.py"]


def _split_batches_in_two(monkeypatch):
    """Inside the yielded context, compiled layers split every batch in two parts (even on
    a one-core machine), as they do inside fit: the per-part arithmetic is what's tested."""
    from kerasette.backend.batch_parallel import BatchSplitter

    splitter = BatchSplitter(workers=2)
    monkeypatch.setattr(backend._impl, "batch_splitter", lambda: splitter)
    return splitter.scope()


@pytest.fixture(params=["patch_major", "compiled", "arrays"])
def window_path(request, monkeypatch):
    """Run the test three ways: convolutions by compiled window loops (numba), each batch
    split in two parts, with the im2col matrix written patch-major (one row per kernel
    tap), then row-major; and by the array formulation that the NumPy backend uses without
    numba and the GPU backend always uses."""
    if request.param != "arrays" and backend._impl.window_kernels() is None:
        pytest.skip("no compiled window loops on this backend (numba missing or GPU)")
    monkeypatch.setattr(backend, "use_fused_kernels", request.param != "arrays")
    monkeypatch.setattr(compiled_conv, "PATCH_MAJOR_CHANNELS", 10**9 if request.param == "patch_major" else 0)
    if request.param == "arrays":
        yield request.param
        return
    with _split_batches_in_two(monkeypatch):
        yield request.param


@pytest.fixture(params=["compiled", "arrays"])
def pooling_path(request, monkeypatch):
    """Run the test on the compiled max-pooling loops (numba, each batch split in two
    parts), then on the array formulation."""
    if request.param == "compiled" and backend._impl.window_kernels() is None:
        pytest.skip("no compiled window loops on this backend (numba missing or GPU)")
    monkeypatch.setattr(backend, "use_fused_kernels", request.param == "compiled")
    if request.param == "arrays":
        yield request.param
        return
    with _split_batches_in_two(monkeypatch):
        yield request.param


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No real data dir, a private cache, no network."""
    monkeypatch.delenv("KERASETTE_DATA_DIR", raising=False)
    monkeypatch.setenv("KERASETTE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERASETTE_OFFLINE", "1")
    return tmp_path
