"""The CUDA C of kerasette's fused CuPy kernels, as plain strings (no CuPy needed to read them).

Each element-wise body does the float operations of the NumPy rule it replaces, in the
same order, so that with FMA contraction off (``--fmad=false``) its results match the
array-by-array CuPy path. Kept apart from :mod:`cupy_fused` so that the CPU test suite can
check the element-wise bodies against the NumPy rules (``tests/test_cupy_kernels.py``
evaluates them with NumPy) without a GPU.

An optimizer kernel is an :class:`UpdateKernel`: its scalars are passed by value in eager
steps, and read from a small device array (``hyper``) inside a captured CUDA graph, whose
launches cannot take new arguments (see :mod:`kerasette.trainers.cuda_graph_step`).
"""

from __future__ import annotations

from typing import NamedTuple

COMPILE_OPTIONS = ("--fmad=false",)
"""No fused multiply-add: the fused kernels round as the one-operation-per-kernel path does."""


class UpdateKernel(NamedTuple):
    """One optimizer update rule as an element-wise kernel.

    Attributes:
        inputs: Array inputs besides the scalars (``'g'``, the gradient).
        outputs: Arrays updated in place, in the order the optimizer passes them after the gradient.
        scalars: Names of the scalar hyper-parameters, in the order the optimizer passes them.
        body: The CUDA C statements for one element.
    """

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    scalars: tuple[str, ...]
    body: str

    def eager_params(self) -> tuple[str, str]:
        """(in_params, out_params) with the scalars passed by value."""
        inputs = ", ".join(f"T {name}" for name in self.inputs + self.scalars)
        return inputs, ", ".join(f"T {name}" for name in self.outputs)

    def graph_params(self) -> tuple[str, str, str]:
        """(in_params, out_params, body) with the scalars read from ``hyper``, a device array."""
        inputs = ", ".join([*(f"T {name}" for name in self.inputs), "raw float64 hyper"])
        prologue = "".join(f"const T {name} = (T)hyper[{k}]; " for k, name in enumerate(self.scalars))
        return inputs, ", ".join(f"T {name}" for name in self.outputs), prologue + self.body


# The optimizer rules: the arrays come in the order (variable, gradient, slots...) in which
# the optimizers call ``backend.fused_update``; ``w`` is the variable, ``g`` the gradient.
UPDATE_KERNELS = {
    # sgd.py, momentum 0: gradient *= lr; variable -= gradient
    "sgd": UpdateKernel(("g",), ("w",), ("lr",), "w = w - g * lr;"),
    # sgd.py: m *= momentum; gradient *= lr; m -= gradient; variable += m
    "sgd_momentum": UpdateKernel(
        ("g",), ("w", "m"), ("momentum", "lr"), "T step = g * lr; T nm = m * momentum - step; m = nm; w = w + nm;"
    ),
    # sgd.py, nesterov: ... variable += momentum * m; variable -= gradient
    "sgd_nesterov": UpdateKernel(
        ("g",),
        ("w", "m"),
        ("momentum", "lr"),
        "T step = g * lr; T nm = m * momentum - step; m = nm; w = (w + momentum * nm) - step;",
    ),
    # rmsprop.py (not centered, no momentum)
    "rmsprop": UpdateKernel(
        ("g",),
        ("w", "v"),
        ("rho", "one_minus_rho", "lr", "epsilon"),
        "T nv = v * rho + (g * g) * one_minus_rho; v = nv; w = w - (g * lr) / sqrt(nv + epsilon);",
    ),
    # adam.py (no amsgrad); alpha folds in the bias corrections of the step
    "adam": UpdateKernel(
        ("g",),
        ("w", "m", "v"),
        ("one_minus_beta_1", "one_minus_beta_2", "alpha", "epsilon"),
        "T nm = m + (g - m) * one_minus_beta_1; T nv = v + (g * g - v) * one_minus_beta_2; "
        "m = nm; v = nv; w = w - (nm / (sqrt(nv) + epsilon)) * alpha;",
    ),
}

# Dense's ``outputs += bias`` then the activation, one element at a time (bias broadcast
# over rows). The bodies follow activations/piecewise.py and smooth.py; a NaN stays NaN.
BIAS_ACTIVATION_BODIES = {
    "linear": "y = y + b;",
    "relu": "T z = y + b; y = z < (T)0 ? (T)0 : z;",
    "sigmoid": "T z = y + b; T e = exp(-fabs(z)); y = (z >= (T)0 ? (T)1 : e) / ((T)1 + e);",
    "tanh": "y = tanh(y + b);",
}

# The activations' gradients written through their outputs y: grad = dL/dy in, dL/dz out.
ACTIVATION_GRAD_BODIES = {
    "relu": "grad = grad * (y > (T)0 ? (T)1 : (T)0);",
    "sigmoid": "grad = grad * (y * ((T)1 - y));",
    "tanh": "grad = grad * ((T)1 - y * y);",
}

# One thread per row of a C-contiguous (rows, width) array: softmax(y + b) in place, as
# activations/softmax.py does it (subtract the row maximum, exp, divide by the row sum).
BIAS_SOFTMAX_ROWS = """
const ptrdiff_t base = i * width;
T top = y[base] + b[0];
for (int j = 1; j < width; ++j) {
    const T z = y[base + j] + b[j];
    top = (z > top || z != z) ? z : top;
}
T total = 0;
for (int j = 0; j < width; ++j) {
    const T e = exp((y[base + j] + b[j]) - top);
    y[base + j] = e;
    total += e;
}
for (int j = 0; j < width; ++j) {
    y[base + j] = y[base + j] / total;
}
"""

_CLIP = "(q < (T)EPSILON ? (T)EPSILON : (q > (T)(1.0 - EPSILON) ? (T)(1.0 - EPSILON) : q))"

# One thread per row: the per-sample cross-entropy of probabilities p (normalised and
# clipped as losses/cross_entropy.py does) and the gradient with respect to the logits of
# the softmax that made p, already scaled by 1 / batch size (Loss.value_and_gradient).
SPARSE_CROSS_ENTROPY_ROWS = """
const ptrdiff_t base = i * width;
T total = 0;
for (int j = 0; j < width; ++j) total += p[base + j];
const T q = p[base + label] / total;
value = -log(CLIP);
for (int j = 0; j < width; ++j) {
    grad[base + j] = (p[base + j] - (j == label ? (T)1 : (T)0)) * scale;
}
""".replace("CLIP", _CLIP)

CATEGORICAL_CROSS_ENTROPY_ROWS = """
const ptrdiff_t base = i * width;
T total = 0;
T target_total = 0;
for (int j = 0; j < width; ++j) {
    total += p[base + j];
    target_total += t[base + j];
}
T sum = 0;
for (int j = 0; j < width; ++j) {
    const T q = p[base + j] / total;
    sum += t[base + j] * log(CLIP);
}
value = -sum;
for (int j = 0; j < width; ++j) {
    grad[base + j] = (p[base + j] * target_total - t[base + j]) * scale;
}
""".replace("CLIP", _CLIP)

CROSS_ENTROPY_PREAMBLE = "#define EPSILON 1e-7\n"
"""Keras's clip of probabilities before the log, as losses/cross_entropy.py's EPSILON."""
