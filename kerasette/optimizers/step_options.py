"""Keras 3's optional parts of an optimizer step: gradient accumulation and the exponential
moving average (EMA) of the weights, with Keras's arguments and order
(``keras/src/optimizers/base_optimizer.py``, ``_backend_apply_gradients``).

- ``gradient_accumulation_steps=n``: each call adds its gradients to an accumulator; every
  ``n``-th call updates the weights with the mean of the ``n`` gradients (then clipped and
  weight-decayed as usual) and empties the accumulators. The update rules count updates,
  not calls (``optimizer.update_count``), as Keras's ``optimizer.iterations`` does; the
  learning-rate schedule is asked at the call count, as Keras's is.
- ``use_ema=True``: after every call, ``average = m * average + (1 - m) * weight`` with
  ``m = ema_momentum`` (``average = weight`` at the first update); every
  ``ema_overwrite_frequency`` updates the weights are replaced by their averages, and
  ``finalize_variable_values`` (called at the end of ``fit``) does so too.

Both keep their state as optimizer slots (``'average'``, ``'accumulator'``), so they are
saved and restored with the rest, in Keras's order (before the update rule's slots).
"""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.validation import check_bool, check_number


def check(use_ema, ema_momentum, ema_overwrite_frequency, gradient_accumulation_steps) -> dict:
    """The options, checked as Keras checks them (and a little more: types and ranges)."""
    if gradient_accumulation_steps is not None:
        gradient_accumulation_steps = check_number(
            "gradient_accumulation_steps", gradient_accumulation_steps, 2, integer=True
        )
    if ema_overwrite_frequency is not None:
        ema_overwrite_frequency = check_number("ema_overwrite_frequency", ema_overwrite_frequency, 1, integer=True)
    return {
        "use_ema": check_bool("use_ema", use_ema),
        "ema_momentum": check_number("ema_momentum", ema_momentum, 0, 1),
        "ema_overwrite_frequency": ema_overwrite_frequency,
        "gradient_accumulation_steps": gradient_accumulation_steps,
    }


def slot_names(optimizer) -> tuple[str, ...]:
    """The slots these options add, in Keras's order."""
    accumulates = bool(optimizer.gradient_accumulation_steps)
    return ("ema_average",) * optimizer.use_ema + ("gradient_accumulator",) * accumulates


def accumulate(optimizer, gradients: list) -> bool:
    """Add ``gradients`` to the accumulators; True, with ``gradients`` replaced by the mean of
    the accumulated ones (accumulators emptied), when this call updates the weights."""
    steps = optimizer.gradient_accumulation_steps
    if not steps:
        return True
    for gradient, slot in zip(gradients, optimizer.slots):
        slot["gradient_accumulator"] += gradient
    if (optimizer._step_count + 1) % steps:
        return False
    for gradient, slot in zip(gradients, optimizer.slots):
        xp.divide(slot["gradient_accumulator"], steps, out=gradient)
        slot["gradient_accumulator"][...] = 0
    return True


def update_averages(optimizer, variables: list) -> None:
    """Move each weight's average towards it; every ``ema_overwrite_frequency`` updates,
    replace the weights by their averages."""
    if not optimizer.use_ema:
        return
    momentum = optimizer.ema_momentum if optimizer.update_count != 0 else 0.0
    for variable, slot in zip(variables, optimizer.slots):
        average = slot["ema_average"]
        average *= momentum
        average += (1 - momentum) * variable
    frequency = optimizer.ema_overwrite_frequency
    if frequency and (optimizer.update_count + 1) % frequency == 0:
        overwrite(optimizer, variables)


def overwrite(optimizer, variables: list) -> None:
    """Every weight takes the value of its moving average."""
    for variable, slot in zip(variables, optimizer.slots):
        variable[...] = slot["ema_average"]
