"""SGD: gradient descent, optionally with momentum or Nesterov momentum."""

from __future__ import annotations

from kerasette import backend
from kerasette.optimizers.optimizer import Optimizer
from kerasette.validation import check_bool, check_number


class SGD(Optimizer):
    """Gradient descent, optionally with momentum or Nesterov momentum.

    ``w -= lr * g``; with momentum, ``m = momentum * m - lr * g`` and ``w += m``
    (Nesterov: ``w += momentum * m - lr * g``).

    Args:
        learning_rate: Step size, or a learning-rate schedule.
        momentum: In [0, 1]; 0 is plain gradient descent.
        nesterov: Whether to use Nesterov momentum.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: As for every optimizer
            (see :class:`~kerasette.optimizers.Optimizer`).

    Example:
    >>> w, g = np.array([0.8]), np.array([1.6])
    >>> SGD(learning_rate=0.025).apply([g], [w]); w
    array([0.76])

    Reference: Sutskever et al., 2013, "On the importance of initialization and momentum".
    """

    def __init__(
        self,
        learning_rate=0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name, **kwargs)
        self.momentum = check_number("momentum", momentum, 0, 1)
        self.nesterov = check_bool("nesterov", nesterov)

    def active_slots(self):
        return ("momentum",) if self.momentum > 0 else ()

    def update_step(self, gradient, variable, slot, scratch, learning_rate):
        lr = learning_rate
        if self.momentum and backend.fused_update(
            "sgd_momentum", (variable, gradient, slot["momentum"]), (self.momentum, lr, self.nesterov)
        ):
            return
        if self.momentum == 0:
            # One kernel on the GPU; NumPy's two in-place operations are already one pass each.
            if backend.fused_update("sgd", (variable, gradient), (lr,)):
                return
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
