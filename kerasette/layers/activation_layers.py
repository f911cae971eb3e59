"""ReLU, LeakyReLU and ELU: activation layers whose parameters live in their configs."""

from __future__ import annotations

import warnings

from kerasette import activations
from kerasette.layers.activation import Activation
from kerasette.layers.layer import Layer


class _ParametrizedActivation(Activation):
    """An :class:`Activation` whose function has parameters; its config holds them, not a name."""

    def __init__(self, function: activations.ActivationFunction, params: dict, **kwargs):
        super().__init__(function.with_params(**params), **kwargs)
        self._param_names = tuple(params)

    def get_config(self):
        params = {name: self.activation.params[name] for name in self._param_names}
        return {**Layer.get_config(self), **params}


class ReLU(_ParametrizedActivation):
    """Rectified linear unit: ``x`` above ``threshold`` (else ``negative_slope * (x -
    threshold)``), capped at ``max_value``.

    Args:
        max_value: The largest output, a number >= 0; None for no cap.
        negative_slope: Slope below the threshold, a number >= 0.
        threshold: Inputs at or below it are damped, a number >= 0.

    Example:
    >>> ReLU(max_value=6.0)(np.array([[-1.0, 3.0, 8.0]])).tolist()
    [[0.0, 3.0, 6.0]]
    >>> ReLU(negative_slope=0.5, threshold=1.0)(np.array([[-1.0, 3.0]])).tolist()
    [[-1.0, 3.0]]

    Reference: Keras ``keras.layers.ReLU``.
    """

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0, **kwargs):
        params = {"max_value": max_value, "negative_slope": negative_slope, "threshold": threshold}
        super().__init__(activations.relu, params, **kwargs)


class LeakyReLU(_ParametrizedActivation):
    """``x`` for positive inputs, ``negative_slope * x`` otherwise.

    Args:
        negative_slope: Slope for negative inputs, a number >= 0 (Keras 3's default 0.3;
            ``alpha``, Keras 2's name, is accepted with a warning, as Keras does).

    Example:
    >>> LeakyReLU()(np.array([[-1.0, 2.0]])).round(6).tolist()
    [[-0.3, 2.0]]

    Reference: Keras ``keras.layers.LeakyReLU``.
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU: argument `alpha` is deprecated; use `negative_slope` instead", stacklevel=2)
        super().__init__(activations.leaky_relu, {"negative_slope": negative_slope}, **kwargs)


class ELU(_ParametrizedActivation):
    """Exponential linear unit: ``x`` for positive inputs, ``alpha * (exp(x) - 1)`` otherwise.

    Args:
        alpha: Scale of the negative part, a number >= 0 (Keras's ELU is defined for
            alpha > 0; a negative alpha would turn the negative part positive).

    Example:
    >>> ELU(alpha=2.0)(np.array([[0.0, 1.0]])).tolist()
    [[0.0, 1.0]]

    Reference: Keras ``keras.layers.ELU``; Clevert et al., 2016.
    """

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(activations.elu, {"alpha": alpha}, **kwargs)
