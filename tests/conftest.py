"""Fixtures shared by the convolution and pooling tests."""

import pytest

from kerasette import backend


@pytest.fixture(params=["compiled", "arrays"])
def window_path(request, monkeypatch):
    """Run the test on the compiled window loops (numba), then on the array formulation
    that the NumPy backend uses without numba and the GPU backend always uses."""
    if request.param == "compiled" and backend._impl.window_kernels() is None:
        pytest.skip("no compiled window loops on this backend (numba missing or GPU)")
    monkeypatch.setattr(backend, "use_fused_kernels", request.param == "compiled")
    return request.param
