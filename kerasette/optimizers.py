"""Optimizers: SGD (with momentum and Nesterov), RMSprop and Adam, with Keras's defaults.

Each optimizer keeps per-variable state ("slots") and applies one update rule in place.
The rules follow Keras 3's ``update_step`` formulas exactly, written with ``out=`` so
that one step allocates as little as possible.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

from kerasette import backend, registry
from kerasette.backend import xp
from kerasette.registry import deserialize, register_builtins
from kerasette.validation import check_bool, check_number


class Optimizer(ABC):
    """Base class: holds the learning rate, the step count and the slots.

    Args:
        learning_rate: Step size; readable and settable as ``optimizer.learning_rate``.
        name: Name of the optimizer.

    Example:
    >>> optimizer = SGD(learning_rate=0.1)
    >>> optimizer.learning_rate = 0.05
    >>> w = np.array([1.0]); optimizer.apply([np.array([2.0])], [w]); w, optimizer.iterations
    (array([0.9]), 1)
    """

    slot_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: float, name: str):
        self.learning_rate = learning_rate
        self.name = name
        self.iterations = 0
        self.slots: list[dict[str, object]] = []
        self._built_for: list[int] = []

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = check_number("learning_rate", value, 0, low_open=True)

    def build(self, variables: list) -> None:
        """Create zeroed slots for each variable (once; kept across ``fit`` calls)."""
        self.slots = [{name: xp.zeros_like(variable) for name in self.active_slots()} for variable in variables]
        # Work space for the update rules, so a step allocates nothing; not state.
        self._scratch = [xp.empty_like(variable) for variable in variables]
        # Slots belong to these very arrays: other variables, even as many, get fresh ones.
        self._built_for = [id(variable) for variable in variables]

    def active_slots(self) -> tuple[str, ...]:
        return self.slot_names

    def apply(self, gradients: list, variables: list) -> None:
        """Update every variable in place from its gradient, and count the step."""
        if self._built_for != [id(variable) for variable in variables]:
            self.build(variables)
        for gradient, variable, slot, scratch in zip(gradients, variables, self.slots, self._scratch):
            self.update_step(gradient, variable, slot, scratch)
        self.iterations += 1

    @abstractmethod
    def update_step(self, gradient, variable, slot: dict, scratch) -> None:
        """Apply the update rule to one variable.

        ``gradient`` may be overwritten; ``scratch`` is work space of the variable's shape.
        """

    def get_config(self) -> dict:
        return {"name": self.name, "learning_rate": self.learning_rate}

    @classmethod
    def from_config(cls, config: dict) -> Optimizer:
        return cls(**config)


class SGD(Optimizer):
    """Gradient descent, optionally with momentum or Nesterov momentum.

    ``w -= lr * g``; with momentum, ``m = momentum * m - lr * g`` and ``w += m``
    (Nesterov: ``w += momentum * m - lr * g``).

    Example:
    >>> import numpy as np
    >>> w, g = np.array([0.8]), np.array([1.6])
    >>> SGD(learning_rate=0.025).apply([g], [w]); w
    array([0.76])

    Reference: Sutskever et al., 2013, "On the importance of initialization and momentum".
    """

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False, name: str = "SGD"):
        super().__init__(learning_rate, name)
        self.momentum = check_number("momentum", momentum, 0, 1)
        self.nesterov = check_bool("nesterov", nesterov)

    def active_slots(self):
        return ("momentum",) if self.momentum > 0 else ()

    def update_step(self, gradient, variable, slot, scratch):
        lr = self.learning_rate
        if self.momentum and backend.fused_update(
            "sgd_momentum", (variable, gradient, slot["momentum"]), (self.momentum, lr, self.nesterov)
        ):
            return
        if self.momentum == 0:
            gradient *= lr
            variable -= gradient
            return
        m = slot["momentum"]
        m *= self.momentum
        gradient *= lr
        m -= gradient
        if self.nesterov:
            variable += self.momentum * m
            variable -= gradient
        else:
            variable += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """Divides the gradient by a running root-mean-square of recent gradients.

    ``v = rho * v + (1 - rho) * g**2``; ``w -= lr * g / sqrt(v + epsilon)``
    (centered: subtract the squared running mean of ``g`` from ``v``; momentum:
    accumulate the increments).

    Example:
    >>> import numpy as np
    >>> w, g = np.array([1.0]), np.array([2.0])
    >>> RMSprop(learning_rate=0.1).apply([g], [w]); w.round(6)
    array([0.683772])

    Reference: Hinton, 2012, Neural Networks for Machine Learning, lecture 6e.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        name: str = "RMSprop",
    ):
        super().__init__(learning_rate, name)
        self.rho = check_number("rho", rho, 0, 1, high_open=True)
        self.momentum = check_number("momentum", momentum, 0, 1)
        self.epsilon = check_number("epsilon", epsilon, 0)
        self.centered = check_bool("centered", centered)

    def active_slots(self):
        return (
            ("velocity",)
            + (("momentum",) if self.momentum > 0 else ())
            + (("average_gradient",) if self.centered else ())
        )

    def update_step(self, gradient, variable, slot, scratch):
        velocity = slot["velocity"]
        if not (self.centered or self.momentum) and backend.fused_update(
            "rmsprop", (variable, gradient, velocity), (self.rho, 1 - self.rho, self.learning_rate, self.epsilon)
        ):
            return
        velocity *= self.rho
        xp.multiply(gradient, gradient, out=scratch)
        scratch *= 1 - self.rho
        velocity += scratch
        if self.centered:
            average = slot["average_gradient"]
            average *= self.rho
            average += (1 - self.rho) * gradient
            xp.multiply(average, average, out=scratch)
            xp.subtract(velocity, scratch, out=scratch)
            scratch += self.epsilon
        else:
            xp.add(velocity, self.epsilon, out=scratch)
        xp.sqrt(scratch, out=scratch)
        gradient *= self.learning_rate
        gradient /= scratch
        if self.momentum > 0:
            momentum = slot["momentum"]
            momentum *= self.momentum
            momentum += gradient
            variable -= momentum
        else:
            variable -= gradient

    def get_config(self):
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }


class Adam(Optimizer):
    """Adaptive moment estimation.

    ``m += (g - m) * (1 - beta_1)``; ``v += (g**2 - v) * (1 - beta_2)``;
    ``w -= m * alpha / (sqrt(v) + epsilon)`` with
    ``alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)`` (amsgrad: use the running
    maximum of ``v``).

    Example:
    >>> import numpy as np
    >>> w, g = np.array([1.0]), np.array([0.5])
    >>> Adam(learning_rate=0.1).apply([g], [w]); w.round(6)
    array([0.9])

    Reference: Kingma and Ba, 2014, "Adam: A Method for Stochastic Optimization".
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        name: str = "adam",
    ):
        super().__init__(learning_rate, name)
        self.beta_1 = check_number("beta_1", beta_1, 0, 1, high_open=True)
        self.beta_2 = check_number("beta_2", beta_2, 0, 1, high_open=True)
        self.epsilon = check_number("epsilon", epsilon, 0)
        self.amsgrad = check_bool("amsgrad", amsgrad)

    def active_slots(self):
        return ("momentum", "velocity") + (("velocity_hat",) if self.amsgrad else ())

    def update_step(self, gradient, variable, slot, scratch):
        step = self.iterations + 1
        alpha = self.learning_rate * math.sqrt(1 - self.beta_2**step) / (1 - self.beta_1**step)
        m, v = slot["momentum"], slot["velocity"]
        if not self.amsgrad and backend.fused_update(
            "adam", (variable, gradient, m, v), (1 - self.beta_1, 1 - self.beta_2, alpha, self.epsilon)
        ):
            return
        xp.subtract(gradient, m, out=scratch)
        scratch *= 1 - self.beta_1
        m += scratch
        xp.multiply(gradient, gradient, out=scratch)
        scratch -= v
        scratch *= 1 - self.beta_2
        v += scratch
        if self.amsgrad:
            xp.maximum(slot["velocity_hat"], v, out=slot["velocity_hat"])
            v = slot["velocity_hat"]
        xp.sqrt(v, out=scratch)
        scratch += self.epsilon
        xp.divide(m, scratch, out=scratch)
        scratch *= alpha
        variable -= scratch

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }


_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}
register_builtins("optimizer", _BY_NAME)


def get(identifier) -> Optimizer:
    """An optimizer from a Keras name (``'rmsprop'``) or an object.

    >>> get('rmsprop').learning_rate
    0.001
    """
    return deserialize("optimizer", "optimizer", identifier, Optimizer, case_sensitive=False)


def serialize(identifier) -> dict:
    """``{'class_name': ..., 'config': ...}`` of an optimizer, which :func:`get` turns back into an equal one."""
    return registry.serialize(identifier)
