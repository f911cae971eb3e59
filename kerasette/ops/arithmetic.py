"""Element-wise ops with broadcasting: arithmetic, powers, exp/log, clip, where, comparisons.

Each op is a :class:`~kerasette.ops.tape.Function` with a hand-written gradient; an
input that was broadcast receives its gradient summed back to its own shape.
Comparisons return boolean arrays and pass no gradient.
"""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.ops.tape import Function, apply, sum_to_shape


def _shape(value) -> tuple:
    return tuple(getattr(value, "shape", ()))


class _Binary(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return self.compute(a, b)

    def backward(self, grad):
        grad_a = sum_to_shape(self.grad_a(grad), _shape(self.a)) if self.needs[0] else None
        grad_b = sum_to_shape(self.grad_b(grad), _shape(self.b)) if self.needs[1] else None
        return grad_a, grad_b


class _Add(_Binary):
    compute = staticmethod(xp.add)

    def grad_a(self, grad):
        return grad

    grad_b = grad_a


class _Subtract(_Binary):
    compute = staticmethod(xp.subtract)

    def grad_a(self, grad):
        return grad

    def grad_b(self, grad):
        return -grad


class _Multiply(_Binary):
    compute = staticmethod(xp.multiply)

    def grad_a(self, grad):
        return grad * self.b

    def grad_b(self, grad):
        return grad * self.a


class _Divide(_Binary):
    compute = staticmethod(xp.true_divide)

    def grad_a(self, grad):
        return grad / self.b

    def grad_b(self, grad):
        return -grad * self.a / (self.b * self.b)


class _Power(_Binary):
    def compute(self, a, b):
        self.output = xp.power(a, b)
        return self.output

    def grad_a(self, grad):
        return grad * self.b * xp.power(self.a, self.b - 1)

    def grad_b(self, grad):
        return grad * self.output * xp.log(self.a)


class _Maximum(_Binary):
    compute = staticmethod(xp.maximum)

    def grad_a(self, grad):
        return grad * (self.a >= self.b)

    def grad_b(self, grad):
        return grad * (self.a < self.b)


class _Minimum(_Binary):
    compute = staticmethod(xp.minimum)

    def grad_a(self, grad):
        return grad * (self.a <= self.b)

    def grad_b(self, grad):
        return grad * (self.a > self.b)


def add(x1, x2):
    """``x1 + x2`` with broadcasting (``keras.ops.add``).

    >>> add(np.array([1.0, 2.0]), 1).tolist()
    [2.0, 3.0]
    """
    return apply(_Add(), x1, x2)


def subtract(x1, x2):
    """``x1 - x2`` (``keras.ops.subtract``)."""
    return apply(_Subtract(), x1, x2)


def multiply(x1, x2):
    """``x1 * x2`` (``keras.ops.multiply``)."""
    return apply(_Multiply(), x1, x2)


def divide(x1, x2):
    """``x1 / x2`` (``keras.ops.divide``)."""
    return apply(_Divide(), x1, x2)


true_divide = divide


def power(x1, x2):
    """``x1 ** x2`` (``keras.ops.power``); the gradient for ``x2`` needs ``x1 > 0``."""
    return apply(_Power(), x1, x2)


def maximum(x1, x2):
    """Element-wise maximum; where equal, the gradient goes to ``x1`` (``keras.ops.maximum``)."""
    return apply(_Maximum(), x1, x2)


def minimum(x1, x2):
    """Element-wise minimum; where equal, the gradient goes to ``x1`` (``keras.ops.minimum``)."""
    return apply(_Minimum(), x1, x2)


class _Unary(Function):
    """``y = f(x)``; ``derivative(x, y)`` is ``dy/dx`` element-wise."""

    def forward(self, x):
        self.x = x
        self.y = self.compute(x)
        return self.y

    def backward(self, grad):
        return (grad * self.derivative(self.x, self.y),)


def _unary(name: str, compute, derivative, doc: str):
    cls = type(
        f"_{name.title()}", (_Unary,), {"compute": staticmethod(compute), "derivative": staticmethod(derivative)}
    )

    def op(x):
        return apply(cls(), x)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


negative = _unary("negative", xp.negative, lambda x, y: -1, "``-x`` (``keras.ops.negative``).")
absolute = _unary(
    "absolute", xp.absolute, lambda x, y: xp.sign(x), "``|x|``; gradient 0 at 0 (``keras.ops.absolute``)."
)
abs = absolute  # noqa: A001 - Keras's name
square = _unary("square", xp.square, lambda x, y: 2 * x, "``x * x`` (``keras.ops.square``).")
sqrt = _unary("sqrt", xp.sqrt, lambda x, y: 0.5 / y, "Square root (``keras.ops.sqrt``).")
exp = _unary("exp", xp.exp, lambda x, y: y, "``e ** x`` (``keras.ops.exp``).")
log = _unary("log", xp.log, lambda x, y: 1 / x, "Natural logarithm (``keras.ops.log``).")
log1p = _unary("log1p", xp.log1p, lambda x, y: 1 / (1 + x), "``log(1 + x)`` (``keras.ops.log1p``).")
sign = _unary("sign", xp.sign, lambda x, y: 0, "-1, 0 or 1; gradient 0 (``keras.ops.sign``).")
tanh = _unary("tanh", xp.tanh, lambda x, y: 1 - y * y, "Hyperbolic tangent (``keras.ops.tanh``).")
expm1 = _unary("expm1", xp.expm1, lambda x, y: y + 1, "``exp(x) - 1`` (``keras.ops.expm1``).")
sin = _unary("sin", xp.sin, lambda x, y: xp.cos(x), "Sine (``keras.ops.sin``).")
cos = _unary("cos", xp.cos, lambda x, y: -xp.sin(x), "Cosine (``keras.ops.cos``).")
reciprocal = _unary("reciprocal", xp.reciprocal, lambda x, y: -y * y, "``1 / x`` (``keras.ops.reciprocal``).")
rsqrt = _unary("rsqrt", lambda x: 1 / xp.sqrt(x), lambda x, y: -0.5 * y / x, "``1 / sqrt(x)`` (``keras.ops.rsqrt``).")


class _Clip(Function):
    def forward(self, x, x_min, x_max):
        self.inside = (x >= x_min) & (x <= x_max)
        return xp.clip(x, x_min, x_max)

    def backward(self, grad):
        return grad * self.inside, None, None


def clip(x, x_min, x_max):
    """``x`` limited to ``[x_min, x_max]``; no gradient outside (``keras.ops.clip``).

    >>> clip(np.array([-1.0, 0.5, 2.0]), 0.0, 1.0).tolist()
    [0.0, 0.5, 1.0]
    """
    return apply(_Clip(), x, x_min, x_max)


class _Where(Function):
    def forward(self, condition, x1, x2):
        self.condition, self.shapes = condition, (_shape(x1), _shape(x2))
        return xp.where(condition, x1, x2)

    def backward(self, grad):
        zero = xp.zeros((), grad.dtype)
        grad_x1 = sum_to_shape(xp.where(self.condition, grad, zero), self.shapes[0]) if self.needs[1] else None
        grad_x2 = sum_to_shape(xp.where(self.condition, zero, grad), self.shapes[1]) if self.needs[2] else None
        return None, grad_x1, grad_x2


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` holds, else ``x2`` (``keras.ops.where``); alone, the indices where it holds.

    >>> where(np.array([True, False]), np.array([1.0, 2.0]), 0.0).tolist()
    [1.0, 0.0]
    """
    from kerasette.ops.tape import unwrap

    if x1 is None and x2 is None:
        return xp.nonzero(unwrap(condition))
    return apply(_Where(), unwrap(condition), x1, x2)


def _comparison(name: str, compute):
    def op(x1, x2):
        from kerasette.ops.tape import unwrap

        return compute(unwrap(x1), unwrap(x2))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Element-wise ``{name}`` as a boolean array, no gradient (``keras.ops.{name}``)."
    return op


def _no_gradient(name: str, compute, doc: str):
    def op(x):
        from kerasette.ops.tape import unwrap

        return compute(unwrap(x))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{doc}, no gradient (``keras.ops.{name}``)."
    return op


floor = _no_gradient("floor", xp.floor, "Largest integer not above ``x``")
ceil = _no_gradient("ceil", xp.ceil, "Smallest integer not below ``x``")
round = _no_gradient("round", xp.round, "Nearest integer, halves to even")  # noqa: A001 - Keras's name
logical_not = _no_gradient("logical_not", xp.logical_not, "Element-wise not")
equal = _comparison("equal", xp.equal)
not_equal = _comparison("not_equal", xp.not_equal)
less = _comparison("less", xp.less)
less_equal = _comparison("less_equal", xp.less_equal)
greater = _comparison("greater", xp.greater)
greater_equal = _comparison("greater_equal", xp.greater_equal)
logical_and = _comparison("logical_and", xp.logical_and)
logical_or = _comparison("logical_or", xp.logical_or)
