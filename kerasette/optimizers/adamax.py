"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.optimizers.optimizer import Optimizer
from kerasette.validation import check_number


class Adamax(Optimizer):
    """A variant of Adam based on the infinity norm.

    ``m += (g - m) * (1 - beta_1)``; ``u = max(beta_2 * u, |g|)``;
    ``w -= lr * m / ((1 - beta_1**t) * (u + epsilon))``.

    Args:
        learning_rate: Step size, or a learning-rate schedule.
        beta_1: Decay of the first-moment estimate, in [0, 1).
        beta_2: Decay of the infinity norm, in [0, 1).
        epsilon: Added to the norm, for numerical stability.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: As for every optimizer
            (see :class:`~kerasette.optimizers.Optimizer`).

    Example:
    >>> w, g = np.array([1.0]), np.array([0.5])
    >>> Adamax(learning_rate=0.1, epsilon=0.0).apply([g], [w]); w.round(6)
    array([0.9])

    Reference: Kingma and Ba, 2014, "Adam: A Method for Stochastic Optimization", section 7.
    """

    slot_names = ("momentum", "norm")

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

    def update_step(self, gradient, variable, slot, scratch, learning_rate):
        m, u = slot["momentum"], slot["norm"]
        xp.subtract(gradient, m, out=scratch)
        scratch *= 1 - self.beta_1
        m += scratch
        u *= self.beta_2
        xp.abs(gradient, out=scratch)
        xp.maximum(u, scratch, out=u)
        xp.add(u, self.epsilon, out=scratch)
        scratch *= 1 - self.beta_1 ** (self.update_count + 1)
        xp.multiply(m, learning_rate, out=gradient)
        gradient /= scratch
        variable -= gradient

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
