"""Learning-rate schedules: the rate as a function of the optimizer's step count.

Any of these can be passed as an optimizer's ``learning_rate``; the optimizer then asks
it for the rate at every step (``schedule(optimizer.iterations)``), and
``optimizer.learning_rate`` reads the rate of the coming step. The formulas are Keras 3's
(``keras/src/optimizers/schedules/learning_rate_schedule.py``), computed in Python floats.
"""

from __future__ import annotations

import math
import numbers

from kerasette import registry
from kerasette.validation import check_bool, check_number

KIND = "learning_rate_schedule"


def _check_step(step) -> float:
    # Keras calls a schedule with its step counter, a 0-d tensor; a 0-d NumPy or CuPy array
    # of a real dtype is read as the number it holds.
    if getattr(step, "shape", None) == () and getattr(getattr(step, "dtype", None), "kind", None) in ("i", "u", "f"):
        step = step.item()
    if isinstance(step, bool) or not isinstance(step, numbers.Real) or not step >= 0:
        raise ValueError(f"step: expected a number >= 0 (the optimizer's step count); received {step!r}")
    return float(step)


def _check_name(name) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(f"name: expected a non-empty string; received {name!r}")
    return name


class LearningRateSchedule:
    """Base class of the schedules: ``schedule(step)`` is the learning rate at ``step``.

    A schedule of your own defines ``__call__(step)`` and ``get_config()``.

    Example:
    >>> class Halving(LearningRateSchedule):
    ...     def __call__(self, step):
    ...         return 0.1 / 2**step
    ...     def get_config(self):
    ...         return {}
    >>> Halving()(3)
    0.0125
    """

    def __call__(self, step) -> float:
        raise NotImplementedError(f"{type(self).__name__} must define __call__(step)")

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} must define get_config()")

    @classmethod
    def from_config(cls, config: dict) -> LearningRateSchedule:
        return cls(**config)

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class _PeriodDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their arguments, their checks, their
    config, and the progress ``step / decay_steps`` (floored with ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        self.initial_learning_rate = check_number("initial_learning_rate", initial_learning_rate, 0)
        self.decay_steps = check_number("decay_steps", decay_steps, 0, low_open=True)
        self.decay_rate = check_number("decay_rate", decay_rate, 0)
        self.staircase = check_bool("staircase", staircase)
        self.name = _check_name(name)

    def _progress(self, step) -> float:
        progress = _check_step(step) / self.decay_steps
        return math.floor(progress) if self.staircase else progress

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


@registry.builtin(KIND)
class ExponentialDecay(_PeriodDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    Args:
        initial_learning_rate: The rate at step 0.
        decay_steps: Positive; the rate is multiplied by ``decay_rate`` every ``decay_steps``.
        decay_rate: The factor per ``decay_steps``.
        staircase: True to decay in whole periods (``floor(step / decay_steps)``).
        name: Name of the schedule.

    Example:
    >>> schedule = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> schedule(0), schedule(10), schedule(20)
    (0.1, 0.05, 0.025)
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step) -> float:
        progress = self._progress(step)
        return self.initial_learning_rate * self.decay_rate**progress


@registry.builtin(KIND)
class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[1]`` up to ``boundaries[1]``, ...

    Args:
        boundaries: Strictly increasing step numbers.
        values: One more rate than there are boundaries.
        name: Name of the schedule.

    Example:
    >>> schedule = PiecewiseConstantDecay(boundaries=[100, 110], values=[1.0, 0.5, 0.1])
    >>> schedule(100), schedule(101), schedule(111)
    (1.0, 0.5, 0.1)
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if not isinstance(boundaries, (list, tuple)) or not isinstance(values, (list, tuple)):
            raise TypeError(f"boundaries, values: expected lists; received {boundaries!r} and {values!r}")
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                f"boundaries: expected one fewer than values ({len(values)}); "
                f"received {len(boundaries)} boundaries {list(boundaries)!r}"
            )
        boundaries = [check_number(f"boundaries[{i}]", value) for i, value in enumerate(boundaries)]
        if any(low >= high for low, high in zip(boundaries, boundaries[1:])):
            raise ValueError(f"boundaries: expected strictly increasing numbers; received {boundaries!r}")
        self.boundaries = boundaries
        self.values = [check_number(f"values[{i}]", value, 0) for i, value in enumerate(values)]
        self.name = _check_name(name)

    def __call__(self, step) -> float:
        step = _check_step(step)
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@registry.builtin(KIND)
class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - step / decay_steps) ** power + end``, ``step`` capped at ``decay_steps``.

    Args:
        initial_learning_rate: The rate at step 0.
        decay_steps: Positive; the steps to reach ``end_learning_rate``.
        end_learning_rate: The final rate.
        power: The power of the polynomial.
        cycle: True to restart the decay over the next multiple of ``decay_steps``
            instead of staying at ``end_learning_rate``.
        name: Name of the schedule.

    Example:
    >>> schedule = PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01)
    >>> round(schedule(5), 10), schedule(50)
    (0.055, 0.01)
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        end_learning_rate=0.0001,
        power=1.0,
        cycle=False,
        name="PolynomialDecay",
    ):
        self.initial_learning_rate = check_number("initial_learning_rate", initial_learning_rate, 0)
        self.decay_steps = check_number("decay_steps", decay_steps, 0, low_open=True)
        self.end_learning_rate = check_number("end_learning_rate", end_learning_rate, 0)
        self.power = check_number("power", power)
        self.cycle = check_bool("cycle", cycle)
        self.name = _check_name(name)

    def __call__(self, step) -> float:
        step = _check_step(step)
        decay_steps = self.decay_steps
        if self.cycle:
            decay_steps *= 1.0 if step == 0 else math.ceil(step / self.decay_steps)
        else:
            step = min(step, decay_steps)
        progress = step / decay_steps
        return (self.initial_learning_rate - self.end_learning_rate) * (1 - progress) ** self.power + (
            self.end_learning_rate
        )

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


@registry.builtin(KIND)
class InverseTimeDecay(_PeriodDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    Args:
        initial_learning_rate: The rate at step 0.
        decay_steps: Positive; how often the decay applies.
        decay_rate: The decay rate.
        staircase: True to decay in whole periods (``floor(step / decay_steps)``).
        name: Name of the schedule.

    Example:
    >>> schedule = InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.5)
    >>> schedule(0), schedule(2)
    (0.1, 0.05)
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step) -> float:
        progress = self._progress(step)
        return self.initial_learning_rate / (1 + self.decay_rate * progress)


@registry.builtin(KIND)
class CosineDecay(LearningRateSchedule):
    """An optional linear warmup, then a cosine decay to ``alpha`` times the starting rate.

    Warmup (when ``warmup_target`` is given) goes linearly from ``initial_learning_rate``
    to ``warmup_target`` over ``warmup_steps``; the decay then goes from that rate ``r``
    as ``r * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)``, where ``s``
    counts the steps since the warmup, capped at ``decay_steps``.

    Args:
        initial_learning_rate: The rate at step 0.
        decay_steps: Positive; the steps the decay lasts.
        alpha: The final rate as a fraction of the rate the decay starts from.
        name: Name of the schedule.
        warmup_target: The rate the warmup reaches; None for no warmup.
        warmup_steps: The steps the warmup lasts.

    Reference: Loshchilov and Hutter, 2016, "SGDR: Stochastic Gradient Descent with Warm Restarts".

    Example:
    >>> schedule = CosineDecay(0.0, decay_steps=10, warmup_target=0.1, warmup_steps=5)
    >>> schedule(0), schedule(5), round(schedule(10), 10), schedule(15)
    (0.0, 0.1, 0.05, 0.0)
    """

    def __init__(
        self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None, warmup_steps=0
    ):
        self.initial_learning_rate = check_number("initial_learning_rate", initial_learning_rate, 0)
        self.decay_steps = check_number("decay_steps", decay_steps, 0, low_open=True)
        self.alpha = check_number("alpha", alpha, 0, 1)
        self.name = _check_name(name)
        self.warmup_target = None if warmup_target is None else check_number("warmup_target", warmup_target, 0)
        self.warmup_steps = check_number("warmup_steps", warmup_steps, 0)

    def _decayed(self, step: float, decay_from: float) -> float:
        cosine = 0.5 * (1.0 + math.cos(math.pi * (step / self.decay_steps)))
        return decay_from * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step) -> float:
        step = _check_step(step)
        if self.warmup_target is None:
            return self._decayed(min(step, self.decay_steps), self.initial_learning_rate)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            rise = self.warmup_target - self.initial_learning_rate
            return rise * (step / self.warmup_steps) + self.initial_learning_rate
        return self._decayed(step - self.warmup_steps, self.warmup_target)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


def serialize(schedule: LearningRateSchedule) -> dict:
    """``{'class_name': ..., 'config': ...}`` of a schedule, which :func:`deserialize` turns back."""
    return registry.serialize(schedule)


def deserialize(config, custom_objects: dict | None = None) -> LearningRateSchedule:
    """A schedule from :func:`serialize`'s dict (or a schedule, returned as it is).

    >>> deserialize(serialize(ExponentialDecay(0.1, 10, 0.5)))(10)
    0.05
    """
    if not isinstance(config, (dict, LearningRateSchedule)):
        raise TypeError(
            f"learning_rate: expected a schedule or its config {{'class_name': ..., 'config': ...}}; "
            f"received {config!r}"
        )
    return registry.deserialize(KIND, "learning_rate", config, LearningRateSchedule, custom_objects)
