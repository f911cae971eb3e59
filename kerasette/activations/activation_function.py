"""ActivationFunction: an activation as layers use it, in place and with its own gradient."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

from kerasette import backend
from kerasette.backend import xp
from kerasette.ops import nn, tape


class ActivationFunction:
    """An activation with an in-place forward pass and a hand-written gradient.

    Most derivatives can be written through the activation's *output* ``y = f(z)``, so a
    layer keeps one array per step. Those that cannot (gelu, silu) set ``needs_inputs``:
    their gradient also receives the pre-activations, which a layer then keeps for them
    alone.

    Keyword parameters (relu's ``negative_slope``, elu's ``alpha``, softmax's ``axis``)
    are read from ``apply_inplace``'s signature, so calling the object has Keras's
    signature, ``relu(x, negative_slope=0.0, max_value=None, threshold=0.0)``.

    Args:
        name: The Keras name of the activation.
        apply_inplace: ``apply_inplace(z, **params)`` overwrites pre-activations ``z``
            with ``f(z)`` and returns them.
        grad_inplace: ``grad_inplace(grad, y, **params)``, or ``grad_inplace(grad, y, z,
            **params)`` when ``needs_inputs``: overwrites ``dL/dy`` with ``dL/dz`` and
            returns it.
        needs_inputs: Whether the gradient needs the pre-activations ``z``.
        check_params: ``check_params(**params)`` raises ValueError or TypeError for
            parameter values the activation refuses.

    Example:
    >>> from kerasette.activations import relu
    >>> relu.grad_inplace(np.array([1.0, 1.0]), relu(np.array([-2.0, 3.0]))).tolist()
    [0.0, 1.0]
    >>> relu(np.array([-2.0, 3.0]), max_value=2.5).tolist()
    [0.0, 2.5]
    """

    def __init__(
        self,
        name: str,
        apply_inplace: Callable,
        grad_inplace: Callable,
        *,
        needs_inputs: bool = False,
        check_params: Callable | None = None,
        params: dict | None = None,
    ):
        self.name = name
        self.needs_inputs = needs_inputs
        self._functions = (apply_inplace, grad_inplace)
        self._check_params = check_params
        defaults = {
            parameter.name: parameter.default
            for parameter in list(inspect.signature(apply_inplace).parameters.values())[1:]
        }
        self.params = {**defaults, **(params or {})}
        bound = {key: value for key, value in self.params.items() if value != defaults[key]}
        # Defaults stay unbound, so relu, sigmoid, tanh and softmax run their functions directly.
        self.apply_inplace = functools.partial(apply_inplace, **bound) if bound else apply_inplace
        self.grad_inplace = functools.partial(grad_inplace, **bound) if bound else grad_inplace
        self.__signature__ = inspect.Signature(
            [inspect.Parameter("x", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
            + [
                inspect.Parameter(key, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=value)
                for key, value in defaults.items()
            ]
        )

    def with_params(self, **params) -> ActivationFunction:
        """This activation with some keyword parameters fixed (``relu.with_params(max_value=6.0)``).

        Returns ``self`` when nothing changes; refuses unknown names and bad values.
        """
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            expected = ", ".join(self.params) or "no parameters"
            raise TypeError(f"{self.name}: unknown parameter {unknown[0]!r}; expected {expected}")
        if self._check_params is not None:
            self._check_params(**{**self.params, **params})
        if all(self.params[key] == value for key, value in params.items()):
            return self
        return ActivationFunction(
            self.name,
            *self._functions,
            needs_inputs=self.needs_inputs,
            check_params=self._check_params,
            params={**self.params, **params},
        )

    @property
    def has_default_params(self) -> bool:
        """Whether every keyword parameter has its default, so the name alone describes it."""
        return self.apply_inplace is self._functions[0]

    def __call__(self, x, *args, **kwargs):
        params = self.__signature__.bind(x, *args, **kwargs).arguments
        del params["x"]
        activation = self.with_params(**params) if params else self
        if isinstance(x, tape.Tensor):
            if tape.is_recording():
                # Recording: an op with this activation's own gradient.
                return nn.activation(activation, x)
            x = x.data
        x = xp.asarray(x)
        # Integer and boolean inputs compute in floatx, as in Keras; the in-place rules need floats.
        dtype = x.dtype if x.dtype.kind == "f" else backend.floatx()
        return activation.apply_inplace(xp.array(x, dtype=dtype, copy=True))

    def __repr__(self) -> str:
        changed = "" if self.has_default_params else f" {self.params}"
        return f"<activation {self.name}{changed}>"
