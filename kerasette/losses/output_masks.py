"""An output's Keras mask as sample weights for its loss and metrics, as Keras 3 uses it
(``keras.losses.loss.apply_mask``): in a loss called on a masked output, and in ``fit`` and
``evaluate``.

For the loss, masked steps weigh 0 and the others ``total / valid`` under the mean
reductions, so the loss is the mean over the unmasked steps only; metrics receive the
mask itself (0 or 1) as weights. A sample weight given to ``fit`` multiplies both.
"""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.graph.masks import get_keras_mask
from kerasette.ops import tape

_MEAN_REDUCTIONS = ("sum_over_batch_size", "mean")


def _times_weight(mask, sample_weight):
    if sample_weight is None:
        return mask
    weight = tape.unwrap(sample_weight)
    weight = weight.reshape(weight.shape[:1] + (1,) * (mask.ndim - 1)) if weight.ndim < mask.ndim else weight
    return mask * weight.reshape(mask.shape) if weight.size == mask.size else mask * weight


def loss_weights_and_mask(output, sample_weight, loss) -> tuple:
    """``(weights for the loss, the mask as 0/1 weights or None)`` of ``output``; the loss's
    weights are ``sample_weight`` when the output carries no mask."""
    mask = get_keras_mask(output)
    if mask is None:
        return sample_weight, None
    metric_mask = xp.asarray(tape.unwrap(mask)).astype(tape.unwrap(output).dtype)
    loss_mask = metric_mask
    if loss is not None and getattr(loss, "reduction", None) in _MEAN_REDUCTIONS:
        valid = float(metric_mask.sum())
        loss_mask = metric_mask * (metric_mask.size / valid if valid else 0.0)
    return _times_weight(loss_mask, sample_weight), metric_mask


def metric_weights(mask, sample_weight):
    """The weights of a weighted metric: the sample weights, times the mask if there is one."""
    return sample_weight if mask is None else _times_weight(mask, sample_weight)


def as_weights(mask) -> dict:
    """The keyword arguments that give an unweighted metric the mask: none without one, so
    that a metric of one's own without ``sample_weight`` still works on unmasked outputs."""
    return {} if mask is None else {"sample_weight": mask}
