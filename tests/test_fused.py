"""The one-pass optimizer kernels (NumPy backend with numba) match the NumPy rules bit for bit."""

import numpy as np
import pytest

from kerasette import backend, optimizers

pytest.importorskip("numba")
pytestmark = pytest.mark.skipif(backend.name != "numpy", reason="the kernels belong to the NumPy backend")

CASES = [
    lambda: optimizers.RMSprop(learning_rate=0.01),
    lambda: optimizers.Adam(learning_rate=0.01),
    lambda: optimizers.SGD(learning_rate=0.1, momentum=0.9),
    lambda: optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True),
]


def three_steps(make_optimizer, fused: bool, dtype, monkeypatch) -> tuple[list, list]:
    monkeypatch.setattr(backend, "use_fused_kernels", fused)
    rng = np.random.default_rng(3)
    variables = [rng.standard_normal(shape).astype(dtype) for shape in ((300, 70), (70,))]
    optimizer = make_optimizer()
    for _ in range(3):
        gradients = [rng.standard_normal(v.shape).astype(dtype) for v in variables]
        optimizer.apply(gradients, variables)
    return variables, [value for slot in optimizer.slots for value in slot.values()]


@pytest.mark.parametrize("make_optimizer", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_kernels_give_the_numpy_rules_results_exactly(make_optimizer, dtype, monkeypatch):
    fused_variables, fused_slots = three_steps(make_optimizer, True, dtype, monkeypatch)
    numpy_variables, numpy_slots = three_steps(make_optimizer, False, dtype, monkeypatch)
    for fused, plain in zip(fused_variables + fused_slots, numpy_variables + numpy_slots):
        np.testing.assert_array_equal(fused, plain)


def test_the_kernels_are_used_and_leave_non_contiguous_arrays_to_numpy(monkeypatch):
    calls = []
    original = backend.fused_update
    monkeypatch.setattr(backend, "fused_update", lambda *args: calls.append(original(*args)) or calls[-1])
    variable = np.ones((4, 6), dtype="float32")
    optimizers.RMSprop().apply([np.ones((4, 6), dtype="float32")], [variable])
    strided = np.ones((6, 4), dtype="float32").T  # a transposed view is not C-contiguous
    optimizers.RMSprop().apply([np.ones((4, 6), dtype="float32")], [strided])
    assert calls == [True, False]
    np.testing.assert_array_equal(variable, strided)
