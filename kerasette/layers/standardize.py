"""The arithmetic that LayerNormalization and GroupNormalization share: standardizing
values over some axes, its gradient, and the learned scale and offset that follow.

>>> values = np.array([[1.0, 3.0]])
>>> out = np.empty_like(values)
>>> inverse_std = standardize(values, (1,), 0.0, out)
>>> out.tolist(), inverse_std.tolist()
([[-1.0, 1.0]], [[1.0]])
"""

from __future__ import annotations

from kerasette.backend import xp


def standardize(values, axes: tuple, epsilon: float, out):
    """Writes ``(values - mean) / sqrt(variance + epsilon)`` over ``axes`` into ``out``;
    returns ``1 / sqrt(variance + epsilon)``, with the reduced axes kept."""
    xp.subtract(values, values.mean(axis=axes, keepdims=True), out=out)
    variance = (out * out).mean(axis=axes, keepdims=True)
    inverse_std = 1 / xp.sqrt(variance + epsilon)
    out *= inverse_std
    return inverse_std


def standardize_gradient(grad, normalized, inverse_std, axes: tuple):
    """The gradient through :func:`standardize`, in place of ``grad``: the mean and the
    variance depend on the values too, so ``inverse_std * (g - mean(g) - normalized *
    mean(g * normalized))``."""
    projection = (grad * normalized).mean(axis=axes, keepdims=True)
    grad -= grad.mean(axis=axes, keepdims=True)
    grad -= normalized * projection
    grad *= inverse_std
    return grad


def scale_and_shift(layer, state, normalized):
    """``normalized * gamma + beta`` (each when the layer has it), broadcast to
    ``layer._broadcast_shape``, in the call's output buffer."""
    outputs = state.buffer("outputs", normalized.shape, normalized.dtype)
    outputs[...] = normalized
    if layer.scale:
        outputs *= layer.params["gamma"].data.reshape(layer._broadcast_shape)
    if layer.center:
        outputs += layer.params["beta"].data.reshape(layer._broadcast_shape)
    return outputs
