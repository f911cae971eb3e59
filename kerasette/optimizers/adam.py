"""Adam: adaptive moment estimation."""

from __future__ import annotations

import math

from kerasette import backend
from kerasette.backend import xp
from kerasette.optimizers.optimizer import Optimizer
from kerasette.validation import check_bool, check_number


class Adam(Optimizer):
    """Adaptive moment estimation.

    ``m += (g - m) * (1 - beta_1)``; ``v += (g**2 - v) * (1 - beta_2)``;
    ``w -= m * alpha / (sqrt(v) + epsilon)`` with
    ``alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)`` (amsgrad: use the running
    maximum of ``v``).

    Args:
        learning_rate: Step size, or a learning-rate schedule.
        beta_1: Decay of the first-moment estimate, in [0, 1).
        beta_2: Decay of the second-moment estimate, in [0, 1).
        epsilon: Added to the square root of the second moment, for numerical stability.
        amsgrad: Whether to use the running maximum of the second moment (AMSGrad).
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: As for every optimizer
            (see :class:`~kerasette.optimizers.Optimizer`).

    Example:
    >>> w, g = np.array([1.0]), np.array([0.5])
    >>> Adam(learning_rate=0.1).apply([g], [w]); w.round(6)
    array([0.9])

    Reference: Kingma and Ba, 2014, "Adam: A Method for Stochastic Optimization".
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name, **kwargs)
        self.beta_1 = check_number("beta_1", beta_1, 0, 1, high_open=True)
        self.beta_2 = check_number("beta_2", beta_2, 0, 1, high_open=True)
        self.epsilon = check_number("epsilon", epsilon, 0)
        self.amsgrad = check_bool("amsgrad", amsgrad)

    def active_slots(self):
        return ("momentum", "velocity") + (("velocity_hat",) if self.amsgrad else ())

    def update_step(self, gradient, variable, slot, scratch, learning_rate):
        step = self.update_count + 1
        alpha = learning_rate * math.sqrt(1 - self.beta_2**step) / (1 - self.beta_1**step)
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
