"""Matrix products: ``matmul``, ``dot`` and ``einsum``, with the gradients a dense layer needs.

The common case, a batch of rows (or of sequences) times a 2-D kernel, takes the kernel
gradient as one matrix product over the flattened rows, the way the built-in ``Dense``
does, so a dense layer written with ops costs the same products as the built-in one.
"""

from __future__ import annotations

import string

from kerasette.backend import xp
from kerasette.ops.tape import Function, apply, sum_to_shape


class _MatMul(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return xp.matmul(a, b)

    def backward(self, grad):
        a, b = self.a, self.b
        grad_a = grad_b = None
        if a.ndim >= 2 and b.ndim == 2:
            if self.needs[0]:
                grad_a = xp.matmul(grad, b.T)
            if self.needs[1]:
                grad_b = xp.matmul(a.reshape(-1, a.shape[-1]).T, grad.reshape(-1, grad.shape[-1]))
            return grad_a, grad_b
        # Vectors become matrices for the products, then lose the added axis again.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        grad2 = grad
        if b.ndim == 1:
            grad2 = xp.expand_dims(grad2, -1)
        if a.ndim == 1:
            grad2 = xp.expand_dims(grad2, -2)
        if self.needs[0]:
            grad_a = sum_to_shape(xp.matmul(grad2, xp.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if self.needs[1]:
            grad_b = sum_to_shape(xp.matmul(xp.swapaxes(a2, -1, -2), grad2), b2.shape).reshape(b.shape)
        return grad_a, grad_b


def matmul(x1, x2):
    """The matrix product, batched over leading axes with broadcasting (``keras.ops.matmul``).

    >>> matmul(np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]])).tolist()
    [[11.0]]
    """
    return apply(_MatMul(), x1, x2)


def dot(x1, x2):
    """NumPy's ``dot`` (``keras.ops.dot``): products of scalars, vectors and matrices; for N-D
    arrays, a sum over the last axis of ``x1`` and the second-to-last of ``x2``.

    >>> dot(np.array([1.0, 2.0]), np.array([3.0, 4.0])).tolist()
    11.0
    """
    from kerasette.ops import arithmetic, shape_ops

    ndim1, ndim2 = len(getattr(x1, "shape", ())), len(getattr(x2, "shape", ()))
    if ndim1 == 0 or ndim2 == 0:
        return arithmetic.multiply(x1, x2)
    if ndim2 <= 2:
        return matmul(x1, x2)
    # x1 (..., k) . x2 (..., k, m): x2's contracted axis first, the rest flattened.
    shape2 = tuple(x2.shape)
    moved = shape_ops.moveaxis(x2, -2, 0)
    flat = shape_ops.reshape(moved, (shape2[-2], -1))
    product = matmul(x1, flat)
    return shape_ops.reshape(product, tuple(x1.shape[:-1]) + shape2[:-2] + shape2[-1:])


def _explicit_subscripts(equation: str, shapes: list) -> tuple[list[str], str]:
    """Each operand's subscripts and the output's, with ``...`` spelled out as letters and
    the output of an implicit equation (no ``->``) made explicit, as NumPy defines it."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    operands = inputs.split(",")
    if len(operands) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} names {len(operands)} operands; received {len(shapes)}")
    unused = [letter for letter in string.ascii_letters if letter not in equation]
    widest = max((len(shape) - len(term.replace("...", "")) for term, shape in zip(operands, shapes)), default=0)
    ellipsis = "".join(unused[:widest])
    operands = [
        term.replace("...", ellipsis[len(ellipsis) - (len(shape) - len(term) + 3) :]) if "..." in term else term
        for term, shape in zip(operands, shapes)
    ]
    if not arrow:
        letters = "".join(operands)
        output = ellipsis + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ellipsis))
    return operands, output.replace("...", ellipsis)


class _Einsum(Function):
    def __init__(self, equation: str):
        self.equation = equation

    def forward(self, *operands):
        self.operands = operands
        self.terms, self.output = _explicit_subscripts(self.equation, [o.shape for o in operands])
        return xp.einsum(f"{','.join(self.terms)}->{self.output}", *operands)

    def backward(self, grad):
        grads = []
        for index, (term, operand) in enumerate(zip(self.terms, self.operands)):
            if not self.needs[index]:
                grads.append(None)
                continue
            others = [(t, o) for i, (t, o) in enumerate(zip(self.terms, self.operands)) if i != index]
            present = set(self.output).union(*(set(t) for t, _ in others))
            # An index only this operand has was summed over it alone: its gradient is broadcast back.
            kept = "".join(c for c in dict.fromkeys(term) if c in present)
            equation = ",".join([self.output, *(t for t, _ in others)]) + "->" + kept
            partial = xp.einsum(equation, grad, *(o for _, o in others))
            if kept != term:
                if len(set(term)) != len(term):
                    raise NotImplementedError(f"einsum: no gradient for a repeated index summed alone ({term!r})")
                sizes = dict(zip(term, operand.shape))
                shape = tuple(sizes[c] if c in kept else 1 for c in term)
                order = sorted(range(len(kept)), key=lambda i: term.index(kept[i]))
                partial = xp.broadcast_to(partial.transpose(order).reshape(shape), operand.shape).copy()
            elif len(set(term)) != len(term):
                raise NotImplementedError(f"einsum: no gradient through a diagonal ({term!r})")
            grads.append(partial)
        return tuple(grads)


def einsum(subscripts: str, *operands):
    """Einstein summation (``keras.ops.einsum``): NumPy's equations, ``...`` and implicit
    outputs included; differentiable in every operand.

    >>> einsum('ij,jk->ik', np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]])).tolist()
    [[11.0]]
    """
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: expected the subscripts as a string; received {type(subscripts).__name__}")
    return apply(_Einsum(subscripts), *operands)
