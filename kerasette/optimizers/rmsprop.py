"""RMSprop: the gradient divided by a running root-mean-square of recent gradients."""

from __future__ import annotations

from kerasette import backend
from kerasette.backend import xp
from kerasette.optimizers.optimizer import Optimizer
from kerasette.validation import check_bool, check_number


class RMSprop(Optimizer):
    """Divides the gradient by a running root-mean-square of recent gradients.

    ``v = rho * v + (1 - rho) * g**2``; ``w -= lr * g / sqrt(v + epsilon)``
    (centered: subtract the squared running mean of ``g`` from ``v``; momentum:
    accumulate the increments).

    Args:
        learning_rate: Step size, or a learning-rate schedule.
        rho: Decay of the running mean of squared gradients, in [0, 1).
        momentum: In [0, 1]; 0 for none.
        epsilon: Added inside the square root, for numerical stability.
        centered: Whether to normalise by the estimated variance instead of the second moment.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: As for every optimizer
            (see :class:`~kerasette.optimizers.Optimizer`).

    Example:
    >>> w, g = np.array([1.0]), np.array([2.0])
    >>> RMSprop(learning_rate=0.1).apply([g], [w]); w.round(6)
    array([0.683772])

    Reference: Hinton, 2012, Neural Networks for Machine Learning, lecture 6e.
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name, **kwargs)
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

    def update_step(self, gradient, variable, slot, scratch, learning_rate):
        velocity = slot["velocity"]
        if not (self.centered or self.momentum) and backend.fused_update(
            "rmsprop", (variable, gradient, velocity), (self.rho, 1 - self.rho, learning_rate, self.epsilon)
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
        gradient *= learning_rate
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
