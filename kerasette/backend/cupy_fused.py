"""Fused CuPy kernels: one kernel where the array-by-array rules launch several.

On a GPU a small training step is bound by kernel launches, not arithmetic: RMSprop's
rule is nine element-wise kernels per weight array, a Dense layer's bias and ReLU two, a
softmax and its cross-entropy about a dozen. These kernels do the same float operations
in the same order in one launch (sources: :mod:`cupy_kernel_sources`), compiled without
FMA contraction so that they round as the unfused path does.

The optimizer kernels are dispatched as the numba ones are on the NumPy backend, through
``backend.fused_update`` (:func:`run`); the layer and loss kernels through
``backend.layer_kernels`` (:data:`LAYER_KERNELS`). Kernels compile at their first call.
"""

from __future__ import annotations

from typing import NamedTuple

import cupy

from kerasette.backend import cupy_kernel_sources as sources
from kerasette.backend import kernel_dispatch


class _UpdatePair(NamedTuple):
    eager: cupy.ElementwiseKernel
    graph: cupy.ElementwiseKernel


def _update_pair(name: str, spec: sources.UpdateKernel) -> _UpdatePair:
    eager_in, eager_out = spec.eager_params()
    graph_in, graph_out, graph_body = spec.graph_params()
    return _UpdatePair(
        cupy.ElementwiseKernel(
            eager_in, eager_out, spec.body, f"kerasette_{name}", no_return=True, options=sources.COMPILE_OPTIONS
        ),
        cupy.ElementwiseKernel(
            graph_in, graph_out, graph_body, f"kerasette_{name}_graph", no_return=True, options=sources.COMPILE_OPTIONS
        ),
    )


UPDATE_KERNELS = {name: _update_pair(name, spec) for name, spec in sources.UPDATE_KERNELS.items()}


def run(name: str, arrays: tuple, scalars: tuple) -> bool:
    """Apply fused optimizer update ``name`` in place (``backend.fused_update``'s contract)."""
    kernel_name, kernel_scalars = kernel_dispatch.kernel_for(name, scalars)
    return kernel_dispatch.run_update(UPDATE_KERNELS, kernel_name, arrays, kernel_scalars)


def _is_float_matrix(array) -> bool:
    return array.ndim == 2 and array.flags.c_contiguous and array.dtype.kind == "f"


class LayerKernels:
    """Bias + activation, activation gradients and softmax + cross-entropy, each one launch.

    Every method returns False (or None) having changed nothing when it has no kernel for
    its arguments; the caller then runs its own array-by-array code.
    """

    def __init__(self):
        options = sources.COMPILE_OPTIONS
        self._bias_activation = {
            name: cupy.ElementwiseKernel("T b", "T y", body, f"kerasette_bias_{name}", no_return=True, options=options)
            for name, body in sources.BIAS_ACTIVATION_BODIES.items()
        }
        self._activation_grad = {
            name: cupy.ElementwiseKernel(
                "T y", "T grad", body, f"kerasette_{name}_grad", no_return=True, options=options
            )
            for name, body in sources.ACTIVATION_GRAD_BODIES.items()
        }
        self._bias_softmax = cupy.ElementwiseKernel(
            "raw T b, int32 width", "raw T y", sources.BIAS_SOFTMAX_ROWS, "kerasette_bias_softmax", no_return=True,
            options=options,
        )  # fmt: skip
        preamble = sources.CROSS_ENTROPY_PREAMBLE
        self._sparse_cross_entropy = cupy.ElementwiseKernel(
            "raw T p, int64 label, int32 width, T scale", "raw T grad, T value", sources.SPARSE_CROSS_ENTROPY_ROWS,
            "kerasette_sparse_cross_entropy", no_return=True, preamble=preamble, options=options,
        )  # fmt: skip
        self._categorical_cross_entropy = cupy.ElementwiseKernel(
            "raw T p, raw T t, int32 width, T scale", "raw T grad, T value", sources.CATEGORICAL_CROSS_ENTROPY_ROWS,
            "kerasette_categorical_cross_entropy", no_return=True, preamble=preamble, options=options,
        )  # fmt: skip

    def bias_activation(self, outputs, bias, activation: str) -> bool:
        """``outputs = activation(outputs + bias)`` in place, for a 2-D ``outputs`` and 1-D ``bias``."""
        if bias is None or not _is_float_matrix(outputs) or bias.dtype != outputs.dtype:
            return False
        if activation == "softmax":
            self._bias_softmax(bias, outputs.shape[1], outputs.reshape(-1), size=outputs.shape[0])
            return True
        kernel = self._bias_activation.get(activation)
        if kernel is None:
            return False
        kernel(bias, outputs)
        return True

    def activation_grad(self, grad, outputs, activation: str) -> bool:
        """``grad`` (dL/dy) overwritten with dL/dz, from the activation's outputs y."""
        kernel = self._activation_grad.get(activation)
        if kernel is None or grad.shape != outputs.shape or grad.dtype != outputs.dtype:
            return False
        kernel(outputs, grad)
        return True

    def cross_entropy(self, kind: str, targets, probabilities, scale: float):
        """Per-sample cross-entropy of softmax ``probabilities`` and its logits gradient times ``scale``.

        Args:
            kind: ``'sparse'`` (integer labels, shape ``(n,)``) or ``'categorical'``
                (targets of the probabilities' shape).

        Returns:
            ``(values, grad)``, or None when these arrays have no kernel.
        """
        if not _is_float_matrix(probabilities):
            return None
        rows, width = probabilities.shape
        values = cupy.empty(rows, dtype=probabilities.dtype)
        grad = cupy.empty_like(probabilities)
        cast = probabilities.dtype.type
        if kind == "sparse" and targets.shape == (rows,) and targets.dtype == "int64":
            self._sparse_cross_entropy(probabilities.reshape(-1), targets, width, cast(scale), grad.reshape(-1), values)
        elif kind == "categorical" and targets.shape == probabilities.shape and targets.dtype == probabilities.dtype:
            targets = cupy.ascontiguousarray(targets)
            self._categorical_cross_entropy(
                probabilities.reshape(-1), targets.reshape(-1), width, cast(scale), grad.reshape(-1), values
            )
        else:
            return None
        return values, grad


LAYER_KERNELS = LayerKernels()
