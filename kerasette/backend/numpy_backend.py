"""The NumPy backend: arrays live in host memory and are handed over as they are."""

import importlib.util
from functools import cache

import numpy as xp


def make_device_rng(seed):
    return xp.random.default_rng(seed)


def to_device(array, dtype=None):
    return xp.asarray(array, dtype=dtype)


def to_numpy(array):
    return xp.asarray(array)


def gather_rows(array, indices, out):
    """``array[indices]`` written into ``out`` without a temporary copy."""
    # mode='clip' skips NumPy's defensive buffering of ``out``; indices are in range.
    return xp.take(array, indices, axis=0, out=out, mode="clip")


@cache
def fused_kernels():
    """The numba-compiled one-pass optimizer kernels, or None without numba."""
    if importlib.util.find_spec("numba") is None:
        return None
    from kerasette.backend import numpy_fused

    return numpy_fused


def scatter_add(target, key, values):
    """``target[key] += values``, adding once per repeated index (the gradient of indexing)."""
    kernels = scatter_kernels()
    whole_rows = (
        kernels is not None
        and isinstance(key, xp.ndarray)
        and key.ndim == 1
        and key.dtype.kind in "iu"
        and target.ndim == 2
        and values.shape == (key.shape[0], target.shape[1])
        and values.dtype == target.dtype
        and target.flags.c_contiguous
    )
    # The compiled loop does not check bounds: an index out of range goes to np.add.at, which raises.
    if whole_rows and key.size and 0 <= key.min() and key.max() < target.shape[0]:
        kernels.add_rows(target, key, xp.ascontiguousarray(values))
    else:
        xp.add.at(target, key, values)


@cache
def scatter_kernels():
    """The numba-compiled row scatter (Embedding's backward), or None without numba."""
    if importlib.util.find_spec("numba") is None:
        return None
    from kerasette.backend import numpy_scatter

    return numpy_scatter


@cache
def window_kernels():
    """The numba-compiled convolution and max-pooling loops, or None without numba."""
    if importlib.util.find_spec("numba") is None:
        return None
    from kerasette.backend import numpy_windows

    return numpy_windows


@cache
def winograd_kernels():
    """The numba-compiled Winograd F(2x2, 3x3) transforms, or None without numba."""
    if importlib.util.find_spec("numba") is None:
        return None
    from kerasette.backend import numpy_winograd

    return numpy_winograd


@cache
def recurrent_kernels():
    """The numba-compiled gate kernels of the fused recurrent layers, or None without numba."""
    if importlib.util.find_spec("numba") is None:
        return None
    from kerasette.backend import numpy_recurrent

    return numpy_recurrent


def fused_layer_kernels():
    """None: on the CPU, NumPy's in-place operations are the layer path (numba gains little there)."""
    return None


@cache
def batch_splitter():
    """Splits the compiled convolution and pooling work of a batch across the cores."""
    from kerasette.backend.batch_parallel import BatchSplitter

    return BatchSplitter()
