"""AdamW: Adam with decoupled weight decay."""

from __future__ import annotations

from kerasette.optimizers.adam import Adam


class AdamW(Adam):
    """Adam with decoupled weight decay: each step first does ``w -= w * weight_decay * lr``.

    The update itself is :class:`Adam`'s; ``weight_decay`` (default 0.004) is required.

    Args:
        learning_rate: Step size, or a learning-rate schedule.
        weight_decay: The decay per unit of learning rate; a number >= 0, not None.
        beta_1, beta_2, epsilon, amsgrad: As for :class:`Adam`.
        clipnorm, clipvalue, global_clipnorm, name: As for every optimizer
            (see :class:`~kerasette.optimizers.Optimizer`).

    Example:
    >>> w, g = np.array([1.0]), np.array([0.5])
    >>> AdamW(learning_rate=0.1, weight_decay=0.5).apply([g], [w]); w.round(6)
    array([0.85])

    Reference: Loshchilov and Hutter, 2019, "Decoupled Weight Decay Regularization".
    """

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
        **kwargs,
    ):
        if weight_decay is None:
            raise ValueError("weight_decay: AdamW expects a number >= 0; received None")
        super().__init__(
            learning_rate,
            beta_1,
            beta_2,
            epsilon,
            amsgrad,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            name=name,
            **kwargs,
        )
