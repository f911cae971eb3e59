"""Nadam: Adam with Nesterov momentum."""

from __future__ import annotations

from kerasette import backend
from kerasette.backend import xp
from kerasette.optimizers.optimizer import Optimizer
from kerasette.validation import check_number

# Keras's (and Dozat's) momentum schedule: u_t = beta_1 * (1 - 0.5 * 0.96**t).
_MOMENTUM_DECAY = 0.96


class Nadam(Optimizer):
    """Adam with Nesterov momentum, following Keras's momentum schedule.

    With ``u_t = beta_1 * (1 - 0.5 * 0.96**t)`` and ``P_t`` the running product of the
    ``beta_1 * (1 - 0.5 * 0.96**s)``, ``s <= t``: ``m += (g - m) * (1 - beta_1)``;
    ``v += (g**2 - v) * (1 - beta_2)``;
    ``m_hat = u_{t+1} * m / (1 - P_t * u_{t+1}) + (1 - u_t) * g / (1 - P_t)``;
    ``w -= lr * m_hat / (sqrt(v / (1 - beta_2**t)) + epsilon)``.

    Args:
        learning_rate: Step size, or a learning-rate schedule.
        beta_1: Decay of the first-moment estimate, in [0, 1).
        beta_2: Decay of the second-moment estimate, in [0, 1).
        epsilon: Added to the square root of the second moment, for numerical stability.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: As for every optimizer
            (see :class:`~kerasette.optimizers.Optimizer`).

    Example:
    >>> w, g = np.array([1.0]), np.array([0.5])
    >>> Nadam(learning_rate=0.1).apply([g], [w]); w.round(6)
    array([0.893721])

    Reference: Dozat, 2015, "Incorporating Nesterov Momentum into Adam".
    """

    slot_names = ("momentum", "velocity")

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
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
        self._momentum_product = (0, 1.0)  # (step, P_step)

    def _momentum_product_at(self, step: int) -> float:
        """``P_step``, multiplied out in Keras's order so that a resumed run gets the same bits."""
        known_step, product = self._momentum_product
        if known_step > step:
            known_step, product = 0, 1.0
        for s in range(known_step + 1, step + 1):
            product = product * self.beta_1 * (1.0 - 0.5 * _MOMENTUM_DECAY**s)
        self._momentum_product = (step, product)
        return product

    def update_step(self, gradient, variable, slot, scratch, learning_rate):
        step = self.update_count + 1
        u_t = self.beta_1 * (1.0 - 0.5 * _MOMENTUM_DECAY**step)
        u_next = self.beta_1 * (1.0 - 0.5 * _MOMENTUM_DECAY ** (step + 1))
        product = self._momentum_product_at(step)
        product_next = product * u_next
        m, v = slot["momentum"], slot["velocity"]
        xp.subtract(gradient, m, out=scratch)
        scratch *= 1 - self.beta_1
        m += scratch
        xp.multiply(gradient, gradient, out=scratch)
        scratch -= v
        scratch *= 1 - self.beta_2
        v += scratch
        # m_hat, built in the gradient's buffer.
        gradient *= 1 - u_t
        gradient /= 1 - product
        xp.multiply(m, u_next, out=scratch)
        scratch /= 1 - product_next
        gradient += scratch
        xp.divide(v, 1 - self.beta_2**step, out=scratch)
        xp.sqrt(scratch, out=scratch)
        scratch += self.epsilon
        gradient *= learning_rate
        gradient /= scratch
        variable -= gradient

    @property
    def variables(self) -> list:
        """As every optimizer's, then (as Keras's Nadam) the momentum product ``P_t`` so far."""
        product = self._momentum_product_at(self.update_count)
        return [*super().variables, xp.asarray(product, dtype=backend.floatx())]

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
