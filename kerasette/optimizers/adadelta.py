"""Adadelta: steps scaled by running averages of squared gradients and squared updates."""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.optimizers.optimizer import Optimizer
from kerasette.validation import check_number


class Adadelta(Optimizer):
    """Steps whose size comes from running averages of past gradients and past updates.

    ``G = rho * G + (1 - rho) * g**2``; ``d = -sqrt(D + epsilon) * g / sqrt(G + epsilon)``;
    ``D = rho * D + (1 - rho) * d**2``; ``w += lr * d``.

    Args:
        learning_rate: Step size, or a learning-rate schedule (Keras's default 0.001;
            the paper's method corresponds to 1.0).
        rho: Decay of the running averages, in [0, 1).
        epsilon: Added inside the square roots, for numerical stability.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: As for every optimizer
            (see :class:`~kerasette.optimizers.Optimizer`).

    Example:
    >>> w, g = np.array([1.0]), np.array([0.5])
    >>> Adadelta(learning_rate=1.0, rho=0.75, epsilon=0.25).apply([g], [w]); w.round(6)
    array([0.552786])

    Reference: Zeiler, 2012, "ADADELTA: An Adaptive Learning Rate Method".
    """

    slot_names = ("accumulated_grad", "accumulated_delta_var")

    def __init__(
        self,
        learning_rate=0.001,
        rho: float = 0.95,
        epsilon: float = 1e-7,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name, **kwargs)
        self.rho = check_number("rho", rho, 0, 1, high_open=True)
        self.epsilon = check_number("epsilon", epsilon, 0)

    def update_step(self, gradient, variable, slot, scratch, learning_rate):
        rho = self.rho
        squared_gradients, squared_updates = slot["accumulated_grad"], slot["accumulated_delta_var"]
        squared_gradients *= rho
        xp.multiply(gradient, gradient, out=scratch)
        scratch *= 1 - rho
        squared_gradients += scratch
        # delta = -(sqrt(D + eps) * g) / sqrt(G + eps); the gradient's buffer holds the denominator.
        xp.add(squared_updates, self.epsilon, out=scratch)
        xp.sqrt(scratch, out=scratch)
        scratch *= gradient
        xp.add(squared_gradients, self.epsilon, out=gradient)
        xp.sqrt(gradient, out=gradient)
        xp.divide(scratch, gradient, out=scratch)
        xp.negative(scratch, out=scratch)
        squared_updates *= rho
        xp.multiply(scratch, scratch, out=gradient)
        gradient *= 1 - rho
        squared_updates += gradient
        scratch *= learning_rate
        variable += scratch

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
