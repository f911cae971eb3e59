"""FTRL-Proximal: follow the regularized leader, with L1 and L2 regularisation."""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.optimizers.optimizer import Optimizer
from kerasette.validation import check_number


class Ftrl(Optimizer):
    """FTRL-Proximal, as used for large sparse linear models.

    With ``n`` the accumulated squared gradients, ``z`` the linear term, ``p = -learning_rate_power``:
    ``n' = n + g**2``; ``z += g + 2 * l2_shrinkage * w - (n'**p - n**p) / lr * w``;
    ``w = (clip(z, -l1, l1) - z) / (n'**p / lr + 2 * (l2 + beta / (2 * lr)))``; ``n = n'``.

    Args:
        learning_rate: Step size, or a learning-rate schedule.
        learning_rate_power: <= 0; how the step shrinks as gradients accumulate.
        initial_accumulator_value: Starting value of ``n``, >= 0.
        l1_regularization_strength: >= 0.
        l2_regularization_strength: >= 0.
        l2_shrinkage_regularization_strength: >= 0; an L2 penalty on the gradient instead of the weights.
        beta: >= 0; added to the L2 strength as ``beta / (2 * lr)``.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: As for every optimizer
            (see :class:`~kerasette.optimizers.Optimizer`).

    Example:
    >>> w, g = np.array([0.0]), np.array([0.5])
    >>> Ftrl(learning_rate=0.1, initial_accumulator_value=0.0).apply([g], [w]); w.round(6)
    array([-0.1])

    Reference: McMahan et al., 2013, "Ad Click Prediction: a View from the Trenches".
    """

    slot_names = ("accumulator", "linear")

    def __init__(
        self,
        learning_rate=0.001,
        learning_rate_power: float = -0.5,
        initial_accumulator_value: float = 0.1,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        l2_shrinkage_regularization_strength: float = 0.0,
        beta: float = 0.0,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name, **kwargs)
        self.learning_rate_power = check_number("learning_rate_power", learning_rate_power, high=0)
        self.initial_accumulator_value = check_number("initial_accumulator_value", initial_accumulator_value, 0)
        self.l1_regularization_strength = check_number("l1_regularization_strength", l1_regularization_strength, 0)
        self.l2_regularization_strength = check_number("l2_regularization_strength", l2_regularization_strength, 0)
        self.l2_shrinkage_regularization_strength = check_number(
            "l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength, 0
        )
        self.beta = check_number("beta", beta, 0)

    def initial_slot_value(self, slot_name):
        return self.initial_accumulator_value if slot_name == "accumulator" else 0.0

    def update_step(self, gradient, variable, slot, scratch, learning_rate):
        accumulator, linear = slot["accumulator"], slot["linear"]
        power = -self.learning_rate_power
        l2 = self.l2_regularization_strength + self.beta / (2.0 * learning_rate)
        new_accumulator = accumulator + xp.square(gradient)
        grown = xp.power(new_accumulator, power)
        # z += (g + 2 * l2_shrinkage * w) - ((n'**p - n**p) / lr) * w
        xp.power(accumulator, power, out=scratch)
        xp.subtract(grown, scratch, out=scratch)
        scratch /= learning_rate
        scratch *= variable
        gradient += 2 * self.l2_shrinkage_regularization_strength * variable
        gradient -= scratch
        linear += gradient
        grown /= learning_rate
        grown += 2 * l2
        l1 = self.l1_regularization_strength
        xp.clip(linear, -l1, l1, out=scratch)
        scratch -= linear
        xp.divide(scratch, grown, out=variable)
        accumulator[...] = new_accumulator

    def get_config(self):
        return {
            **super().get_config(),
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        }
