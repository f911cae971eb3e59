"""Neural-network ops: relu, sigmoid, softplus, softmax, log_softmax, logsumexp, one_hot.

Softmax and its relatives subtract the maximum first, so large inputs neither overflow
nor lose their gradient.
"""

from __future__ import annotations

from kerasette import backend
from kerasette.backend import xp
from kerasette.ops.tape import Function, apply, unwrap


class _Relu(Function):
    def forward(self, x):
        self.y = xp.maximum(x, 0)
        return self.y

    def backward(self, grad):
        return (grad * (self.y > 0),)


def relu(x):
    """``max(x, 0)``; gradient 0 at 0 (``keras.ops.relu``).

    >>> relu(np.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    return apply(_Relu(), x)


class _Sigmoid(Function):
    def forward(self, x):
        # The tanh form never overflows, unlike 1 / (1 + exp(-x)) for large negative x.
        self.y = 0.5 * (xp.tanh(0.5 * x) + 1)
        return self.y

    def backward(self, grad):
        return (grad * self.y * (1 - self.y),)


def sigmoid(x):
    """``1 / (1 + exp(-x))`` (``keras.ops.sigmoid``).

    >>> sigmoid(np.array([0.0])).tolist()
    [0.5]
    """
    return apply(_Sigmoid(), x)


class _Softplus(Function):
    def forward(self, x):
        self.x = x
        return xp.logaddexp(x, 0)

    def backward(self, grad):
        return (grad * 0.5 * (xp.tanh(0.5 * self.x) + 1),)


def softplus(x):
    """``log(1 + exp(x))``, stable for large ``|x|`` (``keras.ops.softplus``)."""
    return apply(_Softplus(), x)


class _Softmax(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        shifted = xp.exp(x - x.max(axis=self.axis, keepdims=True))
        self.y = shifted / shifted.sum(axis=self.axis, keepdims=True)
        return self.y

    def backward(self, grad):
        y = self.y
        return (y * (grad - (grad * y).sum(axis=self.axis, keepdims=True)),)


def softmax(x, axis: int = -1):
    """``exp(x) / sum(exp(x))`` along ``axis`` (``keras.ops.softmax``).

    >>> softmax(np.array([[0.0, 0.0]])).tolist()
    [[0.5, 0.5]]
    """
    return apply(_Softmax(axis), x)


class _LogSoftmax(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        shifted = x - x.max(axis=self.axis, keepdims=True)
        self.y = shifted - xp.log(xp.exp(shifted).sum(axis=self.axis, keepdims=True))
        return self.y

    def backward(self, grad):
        return (grad - xp.exp(self.y) * grad.sum(axis=self.axis, keepdims=True),)


def log_softmax(x, axis: int = -1):
    """``x - logsumexp(x)`` along ``axis`` (``keras.ops.log_softmax``)."""
    return apply(_LogSoftmax(axis), x)


class _LogSumExp(Function):
    def __init__(self, axis, keepdims: bool):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.x = x
        largest = x.max(axis=self.axis, keepdims=True)
        self.kept = largest + xp.log(xp.exp(x - largest).sum(axis=self.axis, keepdims=True))
        return self.kept if self.keepdims else self.kept.squeeze(axis=self.axis)

    def backward(self, grad):
        return (grad.reshape(self.kept.shape) * xp.exp(self.x - self.kept),)


def logsumexp(x, axis=None, keepdims: bool = False):
    """``log(sum(exp(x)))`` over ``axis``, computed without overflow (``keras.ops.logsumexp``).

    >>> round(float(logsumexp(np.array([1000.0, 1000.0]))), 4)
    1000.6931
    """
    return apply(_LogSumExp(axis, keepdims), x)


class _Activation(Function):
    """A built-in activation's in-place forward and hand-written gradient, as an op."""

    def __init__(self, activation):
        self.activation = activation

    def forward(self, x):
        self.x = x
        self.y = self.activation.apply_inplace(x.astype(x.dtype, copy=True))
        return self.y

    def backward(self, grad):
        grad = grad.astype(grad.dtype, copy=True)
        if self.activation.needs_inputs:
            return (self.activation.grad_inplace(grad, self.y, self.x),)
        return (self.activation.grad_inplace(grad, self.y),)


def activation(function, x):
    """``function`` (a ``kerasette.activations`` object) applied to ``x`` as a recorded op."""
    return apply(_Activation(function), x)


def _builtin_activation(name: str, **params):
    from kerasette import activations

    function = activations.get(name)
    return function.with_params(**params) if params else function


def leaky_relu(x, negative_slope: float = 0.2):
    """``x`` where positive, ``negative_slope * x`` elsewhere (``keras.ops.leaky_relu``)."""
    return activation(_builtin_activation("leaky_relu", negative_slope=negative_slope), x)


def relu6(x):
    """``min(max(x, 0), 6)`` (``keras.ops.relu6``)."""
    return activation(_builtin_activation("relu", max_value=6.0), x)


def elu(x, alpha: float = 1.0):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere (``keras.ops.elu``)."""
    return activation(_builtin_activation("elu", alpha=alpha), x)


def selu(x):
    """The scaled elu of Klambauer et al. (``keras.ops.selu``)."""
    return activation(_builtin_activation("selu"), x)


def gelu(x, approximate: bool = True):
    """The Gaussian error linear unit; the tanh approximation by default, as ``keras.ops.gelu``."""
    return activation(_builtin_activation("gelu", approximate=approximate), x)


def silu(x):
    """``x * sigmoid(x)`` (``keras.ops.silu``, also ``swish``)."""
    return activation(_builtin_activation("silu"), x)


swish = silu


def softsign(x):
    """``x / (1 + |x|)`` (``keras.ops.softsign``)."""
    return activation(_builtin_activation("softsign"), x)


def hard_sigmoid(x):
    """``relu6(x + 3) / 6`` (``keras.ops.hard_sigmoid``)."""
    return activation(_builtin_activation("hard_sigmoid"), x)


def one_hot(x, num_classes: int, axis: int = -1, dtype=None):
    """Integer labels as one-hot vectors along ``axis`` (``keras.ops.one_hot``); -1 and
    out-of-range labels give zeros, as in Keras.

    >>> one_hot(np.array([0, 2]), 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    labels = xp.asarray(unwrap(x)).astype("int64")
    encoded = (labels[..., None] == xp.arange(num_classes)).astype(dtype or backend.floatx())
    return encoded if axis == -1 else xp.moveaxis(encoded, -1, axis)
