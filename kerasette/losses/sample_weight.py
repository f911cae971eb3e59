"""Sample weights as Keras takes them: a scalar, one per sample, or one per timestep."""

from __future__ import annotations

from kerasette import backend
from kerasette.validation import check_finite, host_array


def prepare_sample_weight(sample_weight, values_shape, argument: str = "sample_weight"):
    """``sample_weight`` as a finite, non-negative device array that weighs the per-sample values.

    Args:
        sample_weight: None; a scalar (every sample alike); one weight per sample, shape
            ``(n,)`` or ``(n, 1)``; or, for outputs with a time axis, one weight per value,
            the shape of the values (``(n, t)``), optionally with a trailing 1.
        values_shape: Shape of the per-sample values, or just their number ``n``.
        argument: Name of the argument in messages.

    Returns:
        None, or an array of shape ``(n,)`` or ``values_shape``.

    >>> prepare_sample_weight(2.0, 3).tolist()
    [2.0, 2.0, 2.0]
    >>> prepare_sample_weight(np.ones((2, 4, 1)), (2, 4)).shape
    (2, 4)
    """
    if sample_weight is None:
        return None
    if isinstance(values_shape, int):
        values_shape = (values_shape,)
    values_shape = tuple(values_shape)
    per_sample = values_shape[:1]
    weights = host_array(sample_weight, argument).astype(backend.floatx())
    if weights.ndim == 0:
        weights = weights.repeat(values_shape[0])
    if weights.ndim >= 2 and weights.shape[-1] == 1 and weights.shape[:-1] in (per_sample, values_shape):
        weights = weights.reshape(weights.shape[:-1])
    if weights.shape not in (per_sample, values_shape):
        expected = f"a scalar or shape ({values_shape[0]},), one weight per sample"
        if len(values_shape) > 1:
            expected += f", or {values_shape}, one weight per timestep"
        raise ValueError(f"{argument}: expected {expected}; received shape {weights.shape}")
    check_finite(weights, argument)
    if weights.size and weights.min() < 0:
        raise ValueError(f"{argument}: weights must be >= 0; received a minimum of {weights.min()}")
    return backend.to_device(weights)
