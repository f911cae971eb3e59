"""The base class of every optimizer: learning rate or schedule, step count, slots,
gradient clipping and weight decay, applied in Keras 3's order.

One step (``apply``) does, as ``keras.optimizers.Optimizer`` does: clip the gradients
(``clipnorm``, ``global_clipnorm`` or ``clipvalue``), decay the weights
(``w -= w * weight_decay * lr``), run the subclass's update rule on each variable, then
count the step. The learning rate of a step is read once, before the count moves on.
"""

from __future__ import annotations

import functools
import warnings
from abc import ABC, abstractmethod

from kerasette import backend, registry
from kerasette.backend import xp
from kerasette.distribution import data_parallel, gradient_sync
from kerasette.naming import auto_name
from kerasette.ops.tape import unwrap
from kerasette.optimizers import clipping, schedules, step_options
from kerasette.optimizers.state_variables import KerasState, MirroredScalar, slot_variables
from kerasette.validation import check_number

# Keras options kerasette has no use for; their defaults are accepted so that Keras
# configs load, any other value is refused rather than silently ignored.
_KERAS_ONLY_DEFAULTS = {"loss_scale_factor": None}
_CLIPPING = ("clipnorm", "clipvalue", "global_clipnorm")


def _accept_keras_2_lr(init):
    """Wrap a constructor so that Keras 2's ``lr=`` works, with a warning, as ``learning_rate=``."""

    @functools.wraps(init)
    def init_accepting_lr(self, *args, **kwargs):
        if "lr" in kwargs:
            lr = kwargs.pop("lr")
            if args or "learning_rate" in kwargs:
                given = args[0] if args else kwargs["learning_rate"]
                raise TypeError(
                    f"{type(self).__name__}: received both learning_rate={given!r} and lr={lr!r}; "
                    "lr is Keras 2's name for learning_rate: expected only learning_rate"
                )
            warnings.warn(
                f"{type(self).__name__}: the argument lr is deprecated; use learning_rate={lr!r} instead",
                DeprecationWarning,
                stacklevel=2,
            )
            kwargs["learning_rate"] = lr
        init(self, *args, **kwargs)

    return init_accepting_lr


def _optional_positive(argument: str, value) -> float | None:
    return None if value is None else check_number(argument, value, 0, low_open=True)


class Optimizer(KerasState, ABC):
    """Base class: holds the learning rate, the step count, the slots and the gradient options.

    Args:
        learning_rate: Step size (a positive float), a
            :class:`~kerasette.optimizers.schedules.LearningRateSchedule`, or a function of
            no arguments returning the rate (called at every step, as in Keras);
            ``optimizer.learning_rate`` reads the rate of the coming step.
        weight_decay: If set, every step first shrinks each weight by
            ``weight * weight_decay * learning_rate``.
        clipnorm: If set, each gradient is rescaled to an L2 norm of at most this.
        clipvalue: If set, each gradient is clipped to ``[-clipvalue, clipvalue]``.
        global_clipnorm: If set, all gradients are rescaled together so that their
            joint L2 norm is at most this. Only one of the three clipping options may be set.
        use_ema, ema_momentum, ema_overwrite_frequency: Keep an exponential moving average
            of the weights (see :mod:`~kerasette.optimizers.step_options`).
        gradient_accumulation_steps: Update every this many calls, with the mean gradient.
        loss_scale_factor: Only None (kerasette's training step does not scale the loss).
        name: Name of the optimizer; by default the class name in snake case, made unique as
            Keras does (``'adam'``, then ``'adam_1'``; ``'rm_sprop'`` for RMSprop).

    Keras 2's ``lr=`` is accepted, with a DeprecationWarning, for ``learning_rate=``.

    Example:
    >>> from kerasette.optimizers import SGD
    >>> optimizer = SGD(learning_rate=0.1, clipvalue=1.0)
    >>> optimizer.learning_rate = 0.05
    >>> w, g = np.array([1.0]), np.array([2.0])
    >>> optimizer.apply([g], [w]); w, g, int(optimizer.iterations)
    (array([0.95]), array([2.]), 1)
    """

    slot_names: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _accept_keras_2_lr(cls.__init__)

    def __init__(
        self,
        learning_rate,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        gradient_accumulation_steps: int | None = None,
        loss_scale_factor: float | None = None,
        **kwargs,
    ):
        self._refuse_unknown_arguments({**kwargs, "loss_scale_factor": loss_scale_factor})
        options = step_options.check(use_ema, ema_momentum, ema_overwrite_frequency, gradient_accumulation_steps)
        self.use_ema, self.ema_momentum = options["use_ema"], options["ema_momentum"]
        self.ema_overwrite_frequency = options["ema_overwrite_frequency"]
        self.gradient_accumulation_steps = options["gradient_accumulation_steps"]
        clipping = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        if sum(value is not None for value in clipping.values()) > 1:
            received = ", ".join(f"{key}={value!r}" for key, value in clipping.items())
            raise ValueError(f"only one of clipnorm, clipvalue and global_clipnorm can be set; received {received}")
        self.clipnorm = _optional_positive("clipnorm", clipnorm)
        self.clipvalue = _optional_positive("clipvalue", clipvalue)
        self.global_clipnorm = _optional_positive("global_clipnorm", global_clipnorm)
        self.weight_decay = None if weight_decay is None else check_number("weight_decay", weight_decay, 0)
        if name is None:
            name = auto_name(type(self).__name__)
        if not isinstance(name, str) or not name:
            raise TypeError(f"name: expected a non-empty string; received {name!r}")
        self.name = name
        self._learning_rate = None
        self.learning_rate = learning_rate
        # The step count the update rules read, and Keras's Variable of it (state_variables).
        self._step_count = 0
        self._iterations = MirroredScalar(0, "int64", "iteration", name, self._set_step_count)
        self.slots: list[dict[str, object]] = []
        self._slot_variables: list = []
        self._variables: list = []
        self._built_for: list[int] = []
        self._slots_by_id: dict[int, tuple] = {}

    def _refuse_unknown_arguments(self, kwargs: dict) -> None:
        unknown = {key: value for key, value in kwargs.items() if key not in _KERAS_ONLY_DEFAULTS}
        if unknown:
            raise TypeError(
                f"{type(self).__name__}: unexpected argument(s) {unknown!r}; expected the arguments of "
                f"keras.optimizers.{type(self).__name__}"
            )
        unsupported = {key: value for key, value in kwargs.items() if value != _KERAS_ONLY_DEFAULTS[key]}
        if unsupported:
            raise ValueError(
                f"{type(self).__name__}: {unsupported!r} is not supported by kerasette; expected "
                + ", ".join(f"{key}={_KERAS_ONLY_DEFAULTS[key]!r}" for key in unsupported)
            )

    # -- state ---------------------------------------------------------------------------------
    def build(self, variables: list) -> None:
        """Create the slots of each variable (once; kept across ``fit`` calls).

        A variable this optimizer has updated before keeps its slots, as in Keras, whose
        optimizer state outlives a change of the trainable set (freeze a layer, recompile
        with the same optimizer, unfreeze it again).
        """
        named, variables = variables, [unwrap(variable) for variable in variables]
        self.slots = [self._known_slots(variable) or self._new_slots(variable) for variable in variables]
        self._slot_variables = slot_variables(self, named, self.slots)
        # The variables are kept with their slots, so that their ids cannot be reused.
        self._slots_by_id.update({id(v): (v, slot) for v, slot in zip(variables, self.slots)})
        # Work space for the update rules, so a step allocates nothing; not state.
        self._scratch = [xp.empty_like(variable) for variable in variables]
        self._variables = list(variables)
        # Slots belong to these very arrays: other variables, even as many, get fresh ones.
        self._built_for = [id(variable) for variable in variables]

    def _known_slots(self, variable) -> dict | None:
        known = self._slots_by_id.get(id(variable))
        if known is None or known[0] is not variable:
            return None
        slots = known[1]
        return slots if all(s.shape == variable.shape and s.dtype == variable.dtype for s in slots.values()) else None

    def _new_slots(self, variable) -> dict:
        return {name: xp.full_like(variable, self.initial_slot_value(name)) for name in self.state_slots()}

    def state_slots(self) -> tuple[str, ...]:
        """Every slot a variable gets: the EMA's and accumulation's (Keras builds them first),
        then the update rule's."""
        return step_options.slot_names(self) + self.active_slots()

    @property
    def update_count(self) -> int:
        """Updates made so far: the calls, or with ``gradient_accumulation_steps`` the calls
        divided by it (Keras's ``optimizer.iterations``; the update rules count these)."""
        steps = self.gradient_accumulation_steps
        return self._step_count // steps if steps else self._step_count

    def finalize_variable_values(self, variables: list) -> None:
        """With ``use_ema``, set the variables to their moving averages (Keras calls this at
        the end of ``fit``); otherwise nothing."""
        if self.use_ema and self._built_for == [id(unwrap(variable)) for variable in variables]:
            step_options.overwrite(self, [unwrap(variable) for variable in variables])

    def active_slots(self) -> tuple[str, ...]:
        return self.slot_names

    def initial_slot_value(self, slot_name: str) -> float:
        """The value slot ``slot_name`` starts from; zero unless a subclass says otherwise."""
        return 0.0

    @property
    def built(self) -> bool:
        """Whether the optimizer has its slots, made for the variables of its first ``apply``."""
        return bool(self._built_for)

    # -- one step ------------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars) -> MirroredScalar:
        """``apply`` from ``(gradient, variable)`` pairs, as ``zip(grads, model.trainable_weights)``;
        returns ``iterations``, as Keras does."""
        pairs = list(grads_and_vars)
        if not all(isinstance(pair, (tuple, list)) and len(pair) == 2 for pair in pairs):
            raise TypeError(f"grads_and_vars: expected (gradient, variable) pairs; received {pairs!r}")
        if pairs:
            self.apply([gradient for gradient, _ in pairs], [variable for _, variable in pairs])
        return self.iterations

    def apply(self, grads: list, trainable_variables: list | None = None) -> None:
        """Update every variable in place from its gradient, and count the step.

        The gradients are left as they were given; a variable whose gradient is None (it
        did not take part in the loss) is left alone, as in Keras. Without
        ``trainable_variables`` the variables the optimizer was built for are updated.
        Variables with a ``constraint`` are projected after the update.
        """
        grads = list(grads)
        if trainable_variables is None:
            if not self._built_for:
                raise ValueError(
                    "trainable_variables: the optimizer is not built yet; expected the variables, "
                    "optimizer.apply(grads, trainable_variables), or optimizer.build(variables) first"
                )
            trainable_variables = self._variables
        variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(
                f"grads: expected one gradient per variable ({len(variables)}); received {len(grads)} gradients"
            )
        for index, (gradient, variable) in enumerate(zip(grads, variables)):
            if not backend.is_device_array(unwrap(variable)):
                raise TypeError(
                    f"trainable_variables[{index}]: expected a Variable or an array; received {type(variable).__name__}"
                )
            if gradient is not None and tuple(getattr(gradient, "shape", ())) != tuple(variable.shape):
                raise ValueError(
                    f"grads[{index}]: expected a gradient of shape {tuple(variable.shape)}; "
                    f"received {getattr(gradient, 'shape', type(gradient).__name__)}"
                )
        missing = [getattr(v, "path", f"variable {i}") for i, (g, v) in enumerate(zip(grads, variables)) if g is None]
        if missing:
            # Keras's warning: a variable the loss does not depend on is not updated.
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss; they are left unchanged",
                UserWarning,
                stacklevel=2,
            )
        pairs = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not pairs:
            return
        # Copies in the variables' dtypes, which the update may then overwrite.
        owned = [xp.array(backend.to_device(unwrap(g)), dtype=v.dtype, copy=True) for g, v in pairs]
        self.apply_consuming_gradients(owned, [v for _, v in pairs])

    def apply_consuming_gradients(self, gradients: list, variables: list) -> None:
        """``apply`` for callers whose gradient buffers are rewritten every step (the trainer).

        The gradients must be arrays of the variables' shapes and dtypes; they are used as
        work space and hold nothing useful afterwards. Nothing is checked: this is the fast path.
        No variables (a model without trainable weights) is no step, as in Keras. Under a
        :class:`~kerasette.distribution.DataParallel` of several processes, the gradients
        are first averaged across them (:mod:`~kerasette.distribution.gradient_sync`).
        """
        if not variables:
            return
        constrained = [variable for variable in variables if getattr(variable, "constraint", None) is not None]
        named, variables = variables, [unwrap(variable) for variable in variables]
        distribution = data_parallel.active()
        if self._built_for != [id(variable) for variable in variables]:
            self.build(named)
            if distribution is not None:
                # ChainerMN's multi-node optimizer: same model everywhere, rank 0's weights.
                gradient_sync.synchronize(distribution, named, self, "optimizer.apply")
        if distribution is not None:
            gradient_sync.average_gradients(distribution, gradients)
        if step_options.accumulate(self, gradients):
            if self.clipnorm or self.global_clipnorm or self.clipvalue:
                clipping.clip_in_place(gradients, self.clipnorm, self.global_clipnorm, self.clipvalue)
            learning_rate = self.learning_rate
            if self.weight_decay:
                for variable, scratch in zip(variables, self._scratch):
                    xp.multiply(variable, self.weight_decay, out=scratch)
                    scratch *= learning_rate
                    variable -= scratch
            for gradient, variable, slot, scratch in zip(gradients, variables, self.slots, self._scratch):
                self.update_step(gradient, variable, slot, scratch, learning_rate)
        step_options.update_averages(self, variables)
        self._step_count += 1
        self._iterations.set_quietly(self._step_count)
        for variable in constrained:
            variable.assign(variable.constraint(variable.data))

    @abstractmethod
    def update_step(self, gradient, variable, slot: dict, scratch, learning_rate: float) -> None:
        """Apply the update rule to one variable.

        ``gradient`` may be overwritten; ``scratch`` is work space of the variable's shape.
        """

    # -- configuration ---------------------------------------------------------------------------
    def get_config(self) -> dict:
        return {
            "name": self.name,
            "learning_rate": self._serialized_learning_rate(),
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": None,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    def _serialized_learning_rate(self):
        rate = self._learning_rate
        if isinstance(rate, schedules.LearningRateSchedule):
            return schedules.serialize(rate)
        if not callable(rate):
            return rate
        # A function is saved by its registered name, as Keras does; kerasette saves no code,
        # so an unregistered function (a lambda) cannot be (Keras writes its bytecode).
        name = registry.get_registered_name(rate)
        if registry.get_registered_object(name) is not rate:
            raise ValueError(
                f"learning_rate: the function {rate!r} cannot be saved: kerasette saves no code; expected a function "
                "registered with keras.saving.register_keras_serializable, or a LearningRateSchedule"
            )
        return name

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Optimizer:
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"], custom_objects)
        elif isinstance(config.get("learning_rate"), str):  # a registered function's name
            name = config["learning_rate"]
            config["learning_rate"] = registry.get_registered_object(name, custom_objects)
            if not callable(config["learning_rate"]):
                raise ValueError(f"learning_rate: no registered function named {name!r}")
        return cls(**config)
