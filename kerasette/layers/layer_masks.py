"""How ``Layer.__call__`` propagates Keras masks, as Keras 3's ``Layer.__call__`` does.

Before the call: a ``call`` that accepts ``mask`` (one tensor argument) or ``<name>_mask``
(several, as ``MultiHeadAttention``'s ``query_mask``) receives the masks its tensors carry,
unless the caller passed one. After it: a layer that ``supports_masking`` gives its
outputs ``compute_mask(inputs, previous_mask)``, unless its call already set their masks
(as ``Masking`` and ``MultiHeadAttention`` do). A layer that does not support masking
passes none on.
"""

from __future__ import annotations

import inspect

from kerasette.graph import masks
from kerasette.graph.structure import flatten, map_structure


def call_parameters(cls) -> tuple[str, ...]:
    """The names of ``cls.call``'s parameters after ``self``."""
    return tuple(inspect.signature(cls.call).parameters)[1:]


def _is_tensor_argument(value) -> bool:
    return any(hasattr(leaf, "shape") for leaf in flatten(value)) if value is not None else False


def _masks_of(value):
    """The masks of ``value``'s tensors in its structure; None when none carries one."""
    found = map_structure(masks.get_keras_mask, value)
    return None if all(mask is None for mask in flatten(found)) else found


def fill_mask_arguments(layer, inputs, args: tuple, kwargs: dict) -> None:
    """Put the masks the tensor arguments carry into ``kwargs``, as Keras fills ``mask=``."""
    parameters = type(layer).call_parameter_names
    tensors = {name: value for name, value in zip(parameters, (inputs, *args))}
    tensors.update({name: value for name, value in kwargs.items() if name in parameters})
    tensors = {name: value for name, value in tensors.items() if _is_tensor_argument(value)}
    if len(tensors) == 1:
        if "mask" in parameters and kwargs.get("mask") is None:
            kwargs["mask"] = _masks_of(next(iter(tensors.values())))
        return
    for name, value in tensors.items():
        if f"{name}_mask" in parameters and kwargs.get(f"{name}_mask") is None:
            kwargs[f"{name}_mask"] = _masks_of(value)


def before_call(layer, inputs, args: tuple, kwargs: dict) -> tuple:
    """Fill the call's mask arguments; returns ``(the inputs' masks or None, the call's stamp)``,
    the stamp 0 when the layer will set no output masks."""
    previous = _masks_of(inputs) if masks.any_masks() else None
    if type(layer).call_takes_masks and masks.any_masks():
        fill_mask_arguments(layer, inputs, args, kwargs)
    sets_masks = layer.supports_masking and (previous is not None or type(layer).computes_masks)
    return previous, masks.stamp() if sets_masks else 0


def set_output_masks(layer, inputs, outputs, previous, start: int) -> None:
    """Give ``outputs`` the masks of ``layer.compute_mask(inputs, previous)``, except
    outputs whose mask was set during this call (stamped at ``start`` or later)."""
    flat_outputs = flatten(outputs)
    if all(masks.mask_stamp(output) >= start for output in flat_outputs):
        return
    output_masks = layer.compute_mask(inputs, previous)
    flat_masks = flatten(output_masks) if output_masks is not None else [None] * len(flat_outputs)
    for output, mask in zip(flat_outputs, flat_masks):
        if masks.mask_stamp(output) < start:
            masks.set_keras_mask(output, mask)
