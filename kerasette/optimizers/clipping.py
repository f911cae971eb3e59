"""Gradient clipping as Keras's optimizers do it (``clipnorm``, ``global_clipnorm``,
``clipvalue``), in place on the step's own gradient buffers."""

from __future__ import annotations

import math

from kerasette.backend import xp


def clip_in_place(gradients: list, clipnorm, global_clipnorm, clipvalue) -> None:
    """Clip each gradient to norm ``clipnorm``, all together to norm ``global_clipnorm``, or
    each value to ``[-clipvalue, clipvalue]`` (the first one set)."""
    if clipnorm:
        for gradient in gradients:
            norm = float(xp.sqrt(xp.sum(xp.square(gradient))))
            gradient *= clipnorm
            gradient /= max(norm, clipnorm)
    elif global_clipnorm:
        norm = math.sqrt(sum(float(xp.sum(xp.square(gradient))) for gradient in gradients))
        inverse_norm = math.inf if norm == 0 else 1.0 / norm
        # Keras's form: a NaN or infinite norm makes every gradient NaN.
        scale = global_clipnorm * min(inverse_norm, 1.0 / global_clipnorm) + (norm - norm)
        for gradient in gradients:
            gradient *= scale
    elif clipvalue:
        for gradient in gradients:
            xp.clip(gradient, -clipvalue, clipvalue, out=gradient)
