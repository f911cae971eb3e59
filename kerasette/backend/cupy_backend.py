"""The CuPy backend: arrays live on the current CUDA device.

Host/device copies are explicit: :func:`to_device` and :func:`to_numpy` are the only
places data crosses, so an accidental implicit conversion inside a training step fails
(CuPy refuses it) instead of silently copying every batch.
"""

try:
    import cupy as xp
except ImportError as error:  # pragma: no cover - depends on the machine
    raise ImportError(
        "KERASETTE_BACKEND='cupy' needs CuPy, which is not installed "
        f'({error}); install it with: pip install "kerasette[gpu]", '
        "or choose one of: numpy, cupy"
    ) from error

try:
    _device_count = xp.cuda.runtime.getDeviceCount()
except Exception as error:  # pragma: no cover - CUDA driver errors vary
    raise ImportError(
        f"KERASETTE_BACKEND='cupy' needs a CUDA GPU, but CuPy cannot reach one ({error}); choose one of: numpy, cupy"
    ) from error
if _device_count < 1:  # pragma: no cover
    raise ImportError("KERASETTE_BACKEND='cupy' needs a CUDA GPU and none was found; choose one of: numpy, cupy")


def make_device_rng(seed):
    return xp.random.default_rng(seed)


def to_device(array, dtype=None):
    return xp.asarray(array, dtype=dtype)


def to_numpy(array):
    return xp.asnumpy(array)


def gather_rows(array, indices, out):
    """``array[indices]`` written into ``out`` on the device."""
    return xp.take(array, indices, axis=0, out=out)


def fused_kernels():
    """The fused optimizer kernels (:mod:`cupy_fused`), compiled at their first call."""
    from kerasette.backend import cupy_fused

    return cupy_fused


def scatter_add(target, key, values):
    """``target[key] += values``, adding once per repeated index (the gradient of indexing)."""
    import cupyx

    cupyx.scatter_add(target, key, values)


def window_kernels():
    """No compiled window loops on the GPU: layers use their im2col/col2im formulation."""
    return None


def winograd_kernels():
    """None: on the GPU convolutions are im2col and one matrix product."""
    return None


def batch_splitter():
    """None: the GPU runs a whole batch in each kernel."""
    return None


def recurrent_kernels():
    """None: the GPU has no fused gate kernels yet, so recurrent layers run their cells on the tape."""
    return None


def fused_layer_kernels():
    """Bias + activation, activation gradients, softmax + cross-entropy in one launch each."""
    from kerasette.backend import cupy_fused

    return cupy_fused.LAYER_KERNELS
