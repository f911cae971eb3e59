"""Fixtures shared by the convolution and pooling tests."""

import pytest

from kerasette import backend
from kerasette.layers import base_conv


@pytest.fixture(params=["patch_major", "compiled", "arrays"])
def window_path(request, monkeypatch):
    """Run the test three ways: convolutions by compiled window loops (numba) with the
    im2col matrix written patch-major (one row per kernel tap), then row-major; and by the
    array formulation that the NumPy backend uses without numba and the GPU backend
    always uses."""
    if request.param != "arrays" and backend._impl.window_kernels() is None:
        pytest.skip("no compiled window loops on this backend (numba missing or GPU)")
    monkeypatch.setattr(backend, "use_fused_kernels", request.param != "arrays")
    monkeypatch.setattr(base_conv, "PATCH_MAJOR_CHANNELS", 10**9 if request.param == "patch_major" else 0)
    return request.param


@pytest.fixture(params=["compiled", "arrays"])
def pooling_path(request, monkeypatch):
    """Run the test on the compiled max-pooling loops (numba), then on the array formulation."""
    if request.param == "compiled" and backend._impl.window_kernels() is None:
        pytest.skip("no compiled window loops on this backend (numba missing or GPU)")
    monkeypatch.setattr(backend, "use_fused_kernels", request.param == "compiled")
    return request.param
