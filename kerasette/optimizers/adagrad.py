"""Adagrad: per-parameter steps scaled by the sum of all past squared gradients."""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.optimizers.optimizer import Optimizer
from kerasette.validation import check_number


class Adagrad(Optimizer):
    """Steps that shrink with the sum of each parameter's squared gradients.

    ``a += g**2``; ``w -= lr * g / sqrt(a + epsilon)``, with ``a`` starting at
    ``initial_accumulator_value``.

    Args:
        learning_rate: Step size, or a learning-rate schedule.
        initial_accumulator_value: Starting value of the accumulators, >= 0.
        epsilon: Added inside the square root, for numerical stability.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: As for every optimizer
            (see :class:`~kerasette.optimizers.Optimizer`).

    Example:
    >>> w, g = np.array([1.0]), np.array([0.3])
    >>> Adagrad(learning_rate=0.1, epsilon=0.0).apply([g], [w]); w.round(6)
    array([0.931175])

    Reference: Duchi et al., 2011, "Adaptive Subgradient Methods for Online Learning and
    Stochastic Optimization".
    """

    slot_names = ("accumulator",)

    def __init__(
        self,
        learning_rate=0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name, **kwargs)
        self.initial_accumulator_value = check_number("initial_accumulator_value", initial_accumulator_value, 0)
        self.epsilon = check_number("epsilon", epsilon, 0)

    def initial_slot_value(self, slot_name):
        return self.initial_accumulator_value

    def update_step(self, gradient, variable, slot, scratch, learning_rate):
        accumulator = slot["accumulator"]
        xp.multiply(gradient, gradient, out=scratch)
        accumulator += scratch
        xp.add(accumulator, self.epsilon, out=scratch)
        xp.sqrt(scratch, out=scratch)
        gradient *= learning_rate
        gradient /= scratch
        variable -= gradient

    def get_config(self):
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }
