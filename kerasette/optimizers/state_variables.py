"""An optimizer's state as Keras 3's Variables: ``optimizer.iterations`` and ``optimizer.variables``.

Keras keeps an optimizer's step count, learning rate and slots (momentums, ...) as
Variables. kerasette's update rules read the step count and the rate as Python numbers
every step (reading a scalar on the GPU would make each step wait for the device) and
change the slot arrays in place. The Variables here show that state without a second
copy that could drift from it:

- :class:`MirroredScalar`: a scalar Variable whose ``assign`` also sets the number the
  optimizer reads, and which the optimizer updates when that number changes;
- :func:`slot_variables`: Variables holding the slot arrays themselves;
- :class:`KerasState`: the optimizer's ``learning_rate``, ``iterations`` and ``variables``
  built on them (a base of :class:`~kerasette.optimizers.Optimizer`).
"""

from __future__ import annotations

from kerasette import backend
from kerasette.ops.tape import unwrap
from kerasette.optimizers import schedules
from kerasette.validation import check_number
from kerasette.variables import Variable


class MirroredScalar(Variable):
    """A scalar Variable kept equal to a number the optimizer reads as Python; its value is
    a host (NumPy) array on every backend.

    Args:
        value: The initial number.
        dtype: The Variable's dtype (``'int64'`` for the step count).
        name: Its name; its path is ``<optimizer name>/<name>``, as Keras's.
        optimizer_name: The optimizer's name.
        on_assign: Called with the new number (a Python int or float) after every
            ``assign``, ``assign_add`` or ``assign_sub``.

    Example:
    >>> seen = []
    >>> step = MirroredScalar(0, 'int64', 'iteration', 'adam', seen.append)
    >>> _ = step.assign_add(2); step.set_quietly(5)
    >>> seen, int(step), step.path
    ([2], 5, 'adam/iteration')
    """

    __slots__ = ("_on_assign",)

    def __init__(self, value, dtype: str, name: str, optimizer_name: str, on_assign):
        super().__init__(value, dtype=dtype, trainable=False, name=name)
        # Kept in host memory on every backend: the optimizer writes it each step, and a
        # device write there would be baked into a CUDA graph's replays with its first value.
        self.data = backend.to_numpy(self.data).copy()
        self.path = f"{optimizer_name}/{name}"
        self._on_assign = on_assign

    def _set(self, number) -> MirroredScalar:
        self.data[...] = number
        self._on_assign(self.data.item())
        return self

    def assign(self, value):
        return self._set(backend.to_numpy(unwrap(value)))

    def assign_add(self, value):
        return self._set(self.data + backend.to_numpy(unwrap(value)))

    def assign_sub(self, value):
        return self._set(self.data - backend.to_numpy(unwrap(value)))

    def set_quietly(self, number) -> None:
        """The optimizer's own change of the number: written into the Variable, no callback."""
        self.data[...] = number


def slot_variables(optimizer, variables: list, slots: list[dict]) -> list[Variable]:
    """Variables over each variable's slot arrays, named as Keras names them
    (``<optimizer>/<variable path with _>_<slot>``, as ``adam/dense_kernel_momentum``)."""
    found = []
    for index, (variable, slot) in enumerate(zip(variables, slots)):
        label = getattr(variable, "path", None) or f"variable_{index}"
        for slot_name, array in slot.items():
            name = f"{label.replace('/', '_')}_{slot_name}"
            found.append(Variable.holding(array, name, f"{optimizer.name}/{name}"))
    return found


class KerasState:
    """The learning rate, step count and ``variables`` of an optimizer, as Keras 3 shows them.

    The optimizer sets ``_learning_rate`` (through :attr:`learning_rate`), ``_step_count``,
    ``_iterations`` (a :class:`MirroredScalar` calling ``_set_step_count``),
    ``name`` and ``_slot_variables``.
    """

    # -- learning rate ----------------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        """The rate of the coming step (a schedule is asked at the current step count, a
        function of no arguments is called, as in Keras)."""
        if self.has_learning_rate_schedule():
            return self._scheduled_rate()
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self._set_learning_rate(value)
        rate_variable = self.__dict__.get("_rate_variable")
        if rate_variable is not None and not self.has_learning_rate_schedule():
            rate_variable.set_quietly(self._learning_rate)

    def _set_learning_rate(self, value) -> None:
        if callable(value):  # a LearningRateSchedule, or Keras's function of no arguments
            self._learning_rate = value
            return
        if self.has_learning_rate_schedule():
            raise TypeError(
                f"learning_rate: this optimizer's rate comes from the schedule {self._learning_rate!r}, so it "
                f"cannot be set to {value!r}; expected a LearningRateSchedule, or create the optimizer with a "
                "float learning_rate to set the rate yourself (as LearningRateScheduler and ReduceLROnPlateau do)"
            )
        self._learning_rate = check_number("learning_rate", value, 0, low_open=True)

    def has_learning_rate_schedule(self) -> bool:
        """Whether the rate comes from a schedule or a function (and so cannot be set to a number)."""
        return callable(self._learning_rate)

    def _scheduled_rate(self) -> float:
        schedule = self._learning_rate
        step = self._step_count
        rate = schedule(step) if isinstance(schedule, schedules.LearningRateSchedule) else schedule()
        return check_number(f"learning_rate: {self._learning_rate!r} at step {step}", rate, 0)

    # -- the step count --------------------------------------------------------------------------
    @property
    def iterations(self) -> MirroredScalar:
        """Keras's ``optimizer.iterations``: the steps applied so far, a Variable (int64)."""
        return self._iterations

    @iterations.setter
    def iterations(self, value) -> None:
        self._iterations.assign(int(value))

    def _set_step_count(self, count) -> None:
        self._step_count = int(count)

    @property
    def variables(self) -> list:
        """Keras's ``optimizer.variables``: the step count, the learning rate (unless it comes
        from a schedule), then each variable's slots in turn; Variables over the optimizer's
        own state, so ``assign`` to one changes it."""
        if self.has_learning_rate_schedule():
            return [self._iterations, *self._slot_variables]
        if "_rate_variable" not in self.__dict__:
            self._rate_variable = MirroredScalar(
                self._learning_rate, backend.floatx(), "learning_rate", self.name, self._set_learning_rate
            )
        return [self._iterations, self._rate_variable, *self._slot_variables]
