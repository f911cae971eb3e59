"""Lion: steps of fixed size in the direction of the sign of an interpolated momentum."""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.optimizers.optimizer import Optimizer
from kerasette.validation import check_number


class Lion(Optimizer):
    """Evolved sign momentum: every coordinate moves by exactly ``lr``.

    ``w -= lr * sign(beta_1 * m + (1 - beta_1) * g)``; then ``m = beta_2 * m + (1 - beta_2) * g``.

    Args:
        learning_rate: Step size, or a learning-rate schedule (typically 3-10 times
            smaller than Adam's).
        beta_1: Interpolation for the step's direction, in (0, 1].
        beta_2: Decay of the momentum, in [0, 1].
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: As for every optimizer
            (see :class:`~kerasette.optimizers.Optimizer`).

    Example:
    >>> w, g = np.array([1.0, 1.0]), np.array([0.5, -0.001])
    >>> Lion(learning_rate=0.1).apply([g], [w]); w
    array([0.9, 1.1])

    Reference: Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms".
    """

    slot_names = ("momentum",)

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.99,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name, **kwargs)
        # beta_1 = 0 would make Lion sign-SGD, which Keras refuses too.
        self.beta_1 = check_number("beta_1", beta_1, 0, 1, low_open=True)
        self.beta_2 = check_number("beta_2", beta_2, 0, 1)

    def update_step(self, gradient, variable, slot, scratch, learning_rate):
        m = slot["momentum"]
        xp.multiply(m, self.beta_1, out=scratch)
        scratch += gradient * (1.0 - self.beta_1)
        xp.sign(scratch, out=scratch)
        scratch *= learning_rate
        variable -= scratch
        m *= self.beta_2
        gradient *= 1.0 - self.beta_2
        m += gradient

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
