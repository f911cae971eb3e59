"""MultiHeadAttention's computation as one op of the tape, forward and backward by hand.

Four projections and the attention between them are batched matrix products: the query,
key and value projections (each a ``(features, heads * dim)`` product over all positions),
the scores ``q k^T`` per head, the masked softmax, the weighted sum of values, and the
output projection. The softmax probabilities (and the dropout mask) are kept for the
backward pass, so it is again only matrix products and one softmax gradient.

Shapes: query ``(B, T, Dq)``, key ``(B, S, Dk)``, value ``(B, S, Dv)``; kernels
``(D, N, H)`` and biases ``(N, H)`` as Keras's EinsumDense sublayers hold them; the
output kernel ``(N, Hv, Do)`` and bias ``(Do,)``.
"""

from __future__ import annotations

from kerasette import backend
from kerasette.backend import xp
from kerasette.ops.tape import Function

# Keras's ``Softmax`` with a mask puts this in place of masked scores, then zeroes their
# probabilities, so a row masked entirely gives zeros (and no gradient).
LARGE_NEGATIVE = -1e9


def combined_mask(query_mask, value_mask, key_mask, attention_mask, causal: bool, steps: tuple):
    """Keras's ``_compute_attention_mask``: the AND of ``query_mask[:, :, None]``,
    ``value_mask[:, None, :]``, ``key_mask[:, None, :]``, a lower-triangular causal mask and
    ``attention_mask``; None when there is none. ``steps`` is ``(T, S)``."""
    mask = None
    parts = []
    if query_mask is not None:
        parts.append(query_mask[:, :, None])
    if value_mask is not None:
        parts.append(value_mask[:, None, :])
    if key_mask is not None:
        parts.append(key_mask[:, None, :])
    if causal:
        parts.append(xp.tril(xp.ones(steps, dtype=bool))[None])
    if attention_mask is not None:
        parts.append(attention_mask)
    for part in parts:
        mask = part if mask is None else mask & part
    return mask


def _project(inputs, kernel, bias):
    """``inputs (B, L, D)`` times ``kernel (D, N, H)`` plus ``bias (N, H)``, as ``(B, N, L, H)``."""
    batch, length, _ = inputs.shape
    heads, dim = kernel.shape[1:]
    flat = inputs.reshape(batch * length, -1) @ kernel.reshape(kernel.shape[0], heads * dim)
    if bias is not None:
        flat += bias.reshape(-1)
    # Contiguous per head, so that the batched products below run as BLAS calls.
    return xp.ascontiguousarray(flat.reshape(batch, length, heads, dim).transpose(0, 2, 1, 3))


def _project_backward(inputs, kernel, grad, needs: tuple):
    """Gradients of :func:`_project` for ``grad (B, N, L, H)``: inputs, kernel, bias (None where not needed)."""
    batch, length, _ = inputs.shape
    flat_grad = grad.transpose(0, 2, 1, 3).reshape(batch * length, -1)
    flat_kernel = kernel.reshape(kernel.shape[0], -1)
    grad_inputs = (flat_grad @ flat_kernel.T).reshape(inputs.shape) if needs[0] else None
    grad_kernel = (inputs.reshape(batch * length, -1).T @ flat_grad).reshape(kernel.shape) if needs[1] else None
    grad_bias = flat_grad.sum(axis=0).reshape(kernel.shape[1:]) if needs[2] else None
    return grad_inputs, grad_kernel, grad_bias


def _run_split(size: int, work) -> None:
    """``work(first, last, index)`` over slices of the batch: on every core inside fit,
    evaluate and predict (``backend.batch_splitter``), else in one piece."""
    splitter = backend.batch_splitter()
    if splitter is None:
        work(0, size, 0)
    else:
        splitter.run(size, lambda part: work(part.first, part.last, part.index))


class MultiHeadAttentionOp(Function):
    """Inputs: query, value, key, then each projection's kernel and bias (query, key, value,
    output; biases may be None). Output: ``(B, T, Do)``. After ``forward``, ``probabilities``
    holds the attention scores ``(B, N, T, S)`` (before dropout), as Keras returns them.

    Each slice of the batch is computed on its own (on its own core inside ``fit``); the
    weights' gradients are summed over the slices."""

    def __init__(self, mask, dropout_mask, keep_for_backward: bool):
        self.mask, self.dropout_mask, self.keep = mask, dropout_mask, keep_for_backward

    def forward(self, query, value, key, *weights):
        batch, steps, value_steps = query.shape[0], query.shape[1], value.shape[1]
        heads, value_dim, output_dim = weights[6].shape
        self.probabilities = xp.empty((batch, heads, steps, value_steps), dtype=query.dtype)
        outputs = xp.empty((batch, steps, output_dim), dtype=query.dtype)
        saved = {}

        def work(first, last, index):
            part = slice(first, last)
            mask = None if self.mask is None else self.mask[part] if self.mask.shape[0] > 1 else self.mask
            dropout = None if self.dropout_mask is None else self.dropout_mask[part]
            outputs[part], saved[index] = self._forward_part(
                query[part], value[part], key[part], weights, mask, dropout, self.probabilities[part]
            )

        _run_split(batch, work)
        if self.keep:
            self.saved = (query, value, key, weights, saved)
        return outputs

    def _forward_part(self, query, value, key, weights, mask, dropout, probabilities):
        q_kernel, q_bias, k_kernel, k_bias, v_kernel, v_bias, o_kernel, o_bias = weights
        scale = 1.0 / float(q_kernel.shape[-1]) ** 0.5
        q = _project(query, q_kernel, q_bias)
        q *= scale
        k = _project(key, k_kernel, k_bias)
        v = _project(value, v_kernel, v_bias)
        scores = xp.matmul(q, k.transpose(0, 1, 3, 2), out=probabilities)
        keep = None if mask is None else mask[:, None]
        if keep is not None:
            scores[...] = xp.where(keep, scores, LARGE_NEGATIVE)
        scores -= scores.max(axis=-1, keepdims=True)
        xp.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        if keep is not None:
            scores *= keep
        used = probabilities if dropout is None else probabilities * dropout
        context = used @ v  # (b, N, T, Hv)
        batch, heads, steps, value_dim = context.shape
        flat_context = context.transpose(0, 2, 1, 3).reshape(batch * steps, heads * value_dim)
        outputs = flat_context @ o_kernel.reshape(heads * value_dim, -1)
        if o_bias is not None:
            outputs += o_bias
        return outputs.reshape(batch, steps, -1), (scale, q, k, v, used, flat_context)

    def backward(self, grad):
        query, value, key, weights, saved = self.saved
        grad_inputs = [
            xp.zeros_like(array) if needed else None for array, needed in zip((query, value, key), self.needs)
        ]
        partials = {}

        def work(first, last, index):
            part = slice(first, last)
            dropout = None if self.dropout_mask is None else self.dropout_mask[part]
            inputs = (query[part], value[part], key[part])
            found = self._backward_part(grad[part], inputs, weights, saved[index], dropout, self.probabilities[part])
            for target, value_grad in zip(grad_inputs, found[:3]):
                if target is not None:
                    target[part] = value_grad
            partials[index] = found[3:]

        _run_split(grad.shape[0], work)
        weight_grads = [None] * 8
        for found in partials.values():
            weight_grads = [a if b is None else b if a is None else a + b for a, b in zip(weight_grads, found)]
        return (*grad_inputs, *weight_grads)

    def _backward_part(self, grad, inputs, weights, saved, dropout, probabilities):
        query, value, key = inputs
        q_kernel, q_bias, k_kernel, k_bias, v_kernel, v_bias, o_kernel, o_bias = weights
        scale, q, k, v, used, flat_context = saved
        needs = self.needs
        batch, heads, steps, value_dim = v.shape[0], v.shape[1], q.shape[2], v.shape[3]
        flat_grad = grad.reshape(batch * steps, -1)
        grad_o_kernel = (flat_context.T @ flat_grad).reshape(o_kernel.shape) if needs[9] else None
        grad_o_bias = flat_grad.sum(axis=0) if o_bias is not None and needs[10] else None
        grad_context = (flat_grad @ o_kernel.reshape(heads * value_dim, -1).T).reshape(batch, steps, heads, value_dim)
        grad_context = xp.ascontiguousarray(grad_context.transpose(0, 2, 1, 3))
        grad_v = used.transpose(0, 1, 3, 2) @ grad_context
        grad_used = grad_context @ v.transpose(0, 1, 3, 2)
        if dropout is not None:
            grad_used *= dropout
        # The softmax's gradient, in place: p * (g - sum(g * p)).
        grad_scores = grad_used
        row = (grad_scores * probabilities).sum(axis=-1, keepdims=True)
        grad_scores -= row
        grad_scores *= probabilities
        grad_q = grad_scores @ k
        grad_q *= scale
        grad_k = grad_scores.transpose(0, 1, 3, 2) @ q
        q_grads = _project_backward(query, q_kernel, grad_q, (needs[0], needs[3], q_bias is not None and needs[4]))
        v_grads = _project_backward(value, v_kernel, grad_v, (needs[1], needs[7], v_bias is not None and needs[8]))
        k_grads = _project_backward(key, k_kernel, grad_k, (needs[2], needs[5], k_bias is not None and needs[6]))
        return (
            q_grads[0],
            v_grads[0],
            k_grads[0],
            q_grads[1],
            q_grads[2],
            k_grads[1],
            k_grads[2],
            v_grads[1],
            v_grads[2],
            grad_o_kernel,
            grad_o_bias,
        )
