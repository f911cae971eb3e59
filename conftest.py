"""Shared fixtures for tests and doctests: a fresh seed per test, float64 for gradient
checks, NumPy as `np` in doctests, and GPU tests skipped where no GPU backend is active."""

import importlib.util

import numpy as np
import pytest

from kerasette import backend, utils

# Modules of optional parts fail to import by design where their package is missing.
collect_ignore = (
    [] if backend.name == "cupy" else ["kerasette/backend/cupy_backend.py", "kerasette/backend/cupy_fused.py"]
)
if importlib.util.find_spec("numba") is None:
    collect_ignore.append("kerasette/backend/numpy_fused.py")


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same random state, so failures reproduce."""
    utils.set_random_seed(1234)
    yield


@pytest.fixture
def float64():
    """Compute in float64 for finite-difference gradient checks; restore afterwards."""
    previous = backend.floatx()
    backend.set_floatx("float64")
    yield
    backend.set_floatx(previous)


def pytest_collection_modifyitems(config, items):
    """GPU tests skip, with the reason, where CuPy or a GPU is missing."""
    if backend.name == "cupy":
        return
    reason = "needs KERASETTE_BACKEND=cupy with CuPy and a CUDA GPU"
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace["np"] = np
    return doctest_namespace
