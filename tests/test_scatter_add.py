"""backend.scatter_add: rows added into a table by index (Embedding's backward pass)."""

import numpy as np
import pytest

from kerasette import backend


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rows_with_repeated_indices_add_as_numpy_add_at(dtype):
    rng = np.random.default_rng(0)
    indices = rng.integers(0, 50, size=300)
    indices[:20] = 7  # one row many times
    values = rng.normal(size=(300, 6)).astype(dtype)
    expected = np.zeros((50, 6), dtype)
    np.add.at(expected, indices, values)
    table = backend.to_device(np.zeros((50, 6), dtype))
    backend.scatter_add(table, backend.to_device(indices), backend.to_device(values))
    np.testing.assert_allclose(backend.to_numpy(table), expected, rtol=1e-6 if dtype == "float32" else 1e-12)


def test_other_keys_and_an_index_out_of_range():
    table = backend.to_device(np.zeros((3, 2)))
    backend.scatter_add(table, (backend.to_device(np.array([0, 0, 2])), backend.to_device(np.array([1, 1, 0]))), 1.0)
    np.testing.assert_array_equal(backend.to_numpy(table), [[0, 2], [0, 0], [1, 0]])
    with pytest.raises(IndexError):
        backend.scatter_add(table, backend.to_device(np.array([3])), backend.to_device(np.ones((1, 2))))
