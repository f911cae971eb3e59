"""The array backend: NumPy on the CPU or CuPy on the GPU, picked once at import.

``KERASETTE_BACKEND=numpy|cupy`` (default ``numpy``) chooses the module. Everything
else in kerasette does its array math through :data:`xp` and the helpers here, so the
same model code runs on both.

Weight initialisation and shuffling draw from a host NumPy generator on every backend,
so one seed gives the same initial weights and batch order on the CPU and the GPU;
only dropout masks are drawn on the device.
"""

from __future__ import annotations

import contextlib
import os

import numpy as _np

BACKENDS = ("numpy", "cupy")

name: str = os.environ.get("KERASETTE_BACKEND", "numpy").strip().lower() or "numpy"
if name == "numpy":
    from kerasette.backend import numpy_backend as _impl
elif name == "cupy":
    from kerasette.backend import cupy_backend as _impl
else:
    raise ImportError(
        f"KERASETTE_BACKEND={os.environ.get('KERASETTE_BACKEND')!r} is not a known backend; "
        f"expected one of {', '.join(BACKENDS)}"
    )

# Settings and session state live in config.py, which needs no array module.
from kerasette.backend.config import clear_session as clear_session  # noqa: E402
from kerasette.backend.config import epsilon as epsilon  # noqa: E402
from kerasette.backend.config import get_uid as get_uid  # noqa: E402
from kerasette.backend.config import image_data_format as image_data_format  # noqa: E402
from kerasette.backend.config import set_image_data_format as set_image_data_format  # noqa: E402

xp = _impl.xp
"""The array module (``numpy`` or ``cupy``) that layers, losses and optimizers use."""

_FLOAT_TYPES = ("float16", "float32", "float64")
_floatx = "float32"
_host_rng = _np.random.default_rng()
_device_rng = _impl.make_device_rng(None)


def floatx() -> str:
    """The float dtype of weights and activations, ``'float32'`` unless changed."""
    return _floatx


def set_floatx(value: str) -> None:
    """Set the default float dtype (``'float32'`` or ``'float64'``, as in ``keras.config``).

    Affects layers built afterwards; float64 is what gradient checks use.
    """
    global _floatx
    if value not in _FLOAT_TYPES:
        raise ValueError(f"floatx: received {value!r}; expected one of {', '.join(_FLOAT_TYPES)}")
    _floatx = value


def seed(value: int) -> None:
    """Re-seed the host generator (initialisers, shuffling) and the device one (dropout)."""
    global _host_rng, _device_rng
    _host_rng = _np.random.default_rng(value)
    _device_rng = _impl.make_device_rng(value)


def host_rng() -> _np.random.Generator:
    """The seeded host generator for weight initialisation and shuffling."""
    return _host_rng


def new_host_rng(seed: int) -> _np.random.Generator:
    """A separate host generator, for initialisers and layers given their own seed."""
    return _np.random.default_rng(seed)


def device_rng():
    """The seeded generator on the device, for dropout masks."""
    return _device_rng


def to_device(array, dtype=None):
    """An array on the backend's device (no copy when it already is one of that dtype)."""
    return _impl.to_device(array, dtype)


def to_numpy(array) -> _np.ndarray:
    """A host NumPy array (no copy on the NumPy backend)."""
    return _impl.to_numpy(array)


def is_device_array(value) -> bool:
    """Whether ``value`` is already an array of the backend's module."""
    return isinstance(value, xp.ndarray)


def gather_rows(array, indices, out):
    """Rows ``indices`` of ``array`` copied into the preallocated ``out``."""
    return _impl.gather_rows(array, indices, out)


def scatter_add(target, key, values) -> None:
    """``target[key] += values`` in place, where a repeated index adds once per occurrence."""
    _impl.scatter_add(target, key, values)


use_fused_kernels: bool = os.environ.get("KERASETTE_FUSED", "1").strip() != "0"
"""Whether optimizers may use one-pass kernels (NumPy backend with numba installed).

``KERASETTE_FUSED=0`` turns them off, for debugging; results are the same either way."""


def fused_update(name: str, arrays: tuple, scalars: tuple) -> bool:
    """Apply the one-pass optimizer kernel ``name`` in place if this backend has one.

    Returns False, having changed nothing, when it has none (then the optimizer runs its
    array-by-array rule), so callers need no knowledge of what is installed.
    """
    if not use_fused_kernels:
        return False
    kernels = _impl.fused_kernels()
    return kernels is not None and kernels.run(name, arrays, scalars)


def window_kernels():
    """The compiled convolution and max-pooling loops of this backend (``numpy_windows``),
    or None where it has none or ``KERASETTE_FUSED=0``; layers then use array operations."""
    return _impl.window_kernels() if use_fused_kernels else None


def winograd_kernels():
    """The compiled Winograd F(2x2, 3x3) transforms of this backend (``numpy_winograd``), or
    None where it has none or ``KERASETTE_FUSED=0``."""
    return _impl.winograd_kernels() if use_fused_kernels else None


def recurrent_kernels():
    """The compiled gate kernels of the fused LSTM, GRU and SimpleRNN (``numpy_recurrent``),
    or None where there are none (the GPU, for now) or ``KERASETTE_FUSED=0``: the
    recurrent layers then run their cells step by step on the tape."""
    return _impl.recurrent_kernels() if use_fused_kernels else None


def batch_splitter():
    """What hands each core a slice of a batch (``batch_parallel.BatchSplitter``) on the
    NumPy backend, for the layers that use :func:`window_kernels`; None elsewhere."""
    return _impl.batch_splitter()


def batch_splitting(layers):
    """The context for a loop of training or inference steps through ``layers``: where
    some of them split their batches across the cores (``splits_batch``, with compiled
    window loops), they do so inside it, with BLAS on one thread; elsewhere nothing."""
    if not any(layer.splits_batch for layer in layers) or window_kernels() is None:
        return contextlib.nullcontext()
    splitter = batch_splitter()
    return contextlib.nullcontext() if splitter is None else splitter.scope()


layer_kernels = _impl.fused_layer_kernels() if use_fused_kernels else None
"""One-launch layer and loss kernels (CuPy backend), or None: then layers run their own rules.

Offers ``bias_activation(outputs, bias, name)``, ``activation_grad(grad, outputs, name)``
and ``cross_entropy(kind, targets, probabilities, scale)``; each returns False (or None),
having changed nothing, for arguments it has no kernel for."""
