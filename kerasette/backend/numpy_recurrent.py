"""The gate kernels of the fused recurrent layers on the NumPy backend, compiled by numba.

One time step of an LSTM, GRU or simple RNN is a matrix product (the previous state
times the recurrent kernel, done by BLAS) and then element-wise work on a few small
arrays: activations, the new state, the masked carry-over. NumPy would make that ten or
more passes with temporaries; each kernel here is one pass. ``recurrence.py`` runs the
loop over time and the matrix products; these kernels see one step.

Conventions shared with the CuPy kernels (``cupy_recurrent.py``): ``projected`` is the
step's input projection ``x @ kernel + input bias``, ``recurrent`` the product
``h_prev @ recurrent_kernel``; ``mask`` holds 1.0 for a step that counts and 0.0 for a
masked one, where, as in Keras, the states are carried over unchanged and the output
repeats the previous output (or is zero with ``zero_masked``). Backward kernels take the
gradient of the step's output ``grad_y`` and the carried gradients, and write the
gradients of the pre-activations (``grad_gates``; for the GRU also ``grad_recurrent``,
the gradient of ``recurrent``), and the carried gradients for the step before.
Activations are Keras's defaults: tanh and sigmoid (other activations take the tape).
"""

import math

import numba


@numba.njit(cache=True, nogil=True, inline="always")
def _sigmoid(value):
    return 1.0 / (1.0 + math.exp(-value))


@numba.njit(cache=True, nogil=True)
def lstm_forward(projected, recurrent, c_prev, h_prev, y_prev, mask, zero_masked, gates, c_out, h_out, y_out):
    """Gates i, f, c, o (Keras's order) activated into ``gates``; the new c, h and output."""
    batch, units = c_prev.shape
    for b in range(batch):
        for u in range(units):
            i = _sigmoid(projected[b, u] + recurrent[b, u])
            f = _sigmoid(projected[b, units + u] + recurrent[b, units + u])
            g = math.tanh(projected[b, 2 * units + u] + recurrent[b, 2 * units + u])
            o = _sigmoid(projected[b, 3 * units + u] + recurrent[b, 3 * units + u])
            gates[b, u], gates[b, units + u], gates[b, 2 * units + u], gates[b, 3 * units + u] = i, f, g, o
            if mask[b] != 0.0:
                c = f * c_prev[b, u] + i * g
                c_out[b, u] = c
                h_out[b, u] = y_out[b, u] = o * math.tanh(c)
            else:
                c_out[b, u], h_out[b, u] = c_prev[b, u], h_prev[b, u]
                y_out[b, u] = 0.0 if zero_masked else y_prev[b, u]


@numba.njit(cache=True, nogil=True)
def lstm_backward(gates, c_prev, c_new, mask, zero_masked, grad_y, grad_h_rec, recurrent_mask, carry, grad_gates):
    """One step back. ``carry`` holds (grad of h beyond the recurrent product, grad of c,
    grad of the previous output) and is updated in place to the step before."""
    batch, units = c_prev.shape
    for b in range(batch):
        counted = mask[b] != 0.0
        for u in range(units):
            grad_output = grad_y[b, u] + carry[2, b, u]
            grad_h = grad_h_rec[b, u] * recurrent_mask[b, u] + carry[0, b, u]
            if not counted:
                carry[0, b, u] = grad_h
                carry[2, b, u] = 0.0 if zero_masked else grad_output
                for k in range(4):
                    grad_gates[b, k * units + u] = 0.0
                continue
            i, f, g, o = gates[b, u], gates[b, units + u], gates[b, 2 * units + u], gates[b, 3 * units + u]
            grad_h += grad_output
            tanh_c = math.tanh(c_new[b, u])
            grad_c = carry[1, b, u] + grad_h * o * (1.0 - tanh_c * tanh_c)
            grad_gates[b, u] = grad_c * g * i * (1.0 - i)
            grad_gates[b, units + u] = grad_c * c_prev[b, u] * f * (1.0 - f)
            grad_gates[b, 2 * units + u] = grad_c * i * (1.0 - g * g)
            grad_gates[b, 3 * units + u] = grad_h * tanh_c * o * (1.0 - o)
            carry[0, b, u], carry[1, b, u], carry[2, b, u] = 0.0, grad_c * f, 0.0


@numba.njit(cache=True, nogil=True)
def gru_forward(projected, recurrent, recurrent_bias, h_prev, y_prev, mask, zero_masked, gates, h_out, y_out):
    """GRU with ``reset_after=True``: z, r and the candidate into ``gates``, with the
    recurrent part of the candidate (before the reset gate) in the fourth block."""
    batch, units = h_prev.shape
    for b in range(batch):
        for u in range(units):
            z = _sigmoid(projected[b, u] + recurrent[b, u] + recurrent_bias[u])
            r = _sigmoid(projected[b, units + u] + recurrent[b, units + u] + recurrent_bias[units + u])
            recurrent_h = recurrent[b, 2 * units + u] + recurrent_bias[2 * units + u]
            candidate = math.tanh(projected[b, 2 * units + u] + r * recurrent_h)
            gates[b, u], gates[b, units + u] = z, r
            gates[b, 2 * units + u], gates[b, 3 * units + u] = candidate, recurrent_h
            if mask[b] != 0.0:
                h_out[b, u] = y_out[b, u] = z * h_prev[b, u] + (1.0 - z) * candidate
            else:
                h_out[b, u] = h_prev[b, u]
                y_out[b, u] = 0.0 if zero_masked else y_prev[b, u]


@numba.njit(cache=True, nogil=True)
def gru_backward(
    gates, h_prev, mask, zero_masked, grad_y, grad_h_rec, recurrent_mask, carry, grad_gates, grad_recurrent
):
    """One step back; ``carry`` holds (grad of h beyond the recurrent product, grad of the previous output)."""
    batch, units = h_prev.shape
    for b in range(batch):
        counted = mask[b] != 0.0
        for u in range(units):
            grad_output = grad_y[b, u] + carry[1, b, u]
            grad_h = grad_h_rec[b, u] * recurrent_mask[b, u] + carry[0, b, u]
            if not counted:
                carry[0, b, u] = grad_h
                carry[1, b, u] = 0.0 if zero_masked else grad_output
                for k in range(3):
                    grad_gates[b, k * units + u] = grad_recurrent[b, k * units + u] = 0.0
                continue
            z, r = gates[b, u], gates[b, units + u]
            candidate, recurrent_h = gates[b, 2 * units + u], gates[b, 3 * units + u]
            grad_h += grad_output
            grad_candidate = grad_h * (1.0 - z) * (1.0 - candidate * candidate)
            grad_z = grad_h * (h_prev[b, u] - candidate) * z * (1.0 - z)
            grad_r = grad_candidate * recurrent_h * r * (1.0 - r)
            grad_gates[b, u] = grad_recurrent[b, u] = grad_z
            grad_gates[b, units + u] = grad_recurrent[b, units + u] = grad_r
            grad_gates[b, 2 * units + u] = grad_candidate
            grad_recurrent[b, 2 * units + u] = grad_candidate * r
            carry[0, b, u], carry[1, b, u] = grad_h * z, 0.0


@numba.njit(cache=True, nogil=True)
def simple_forward(projected, recurrent, h_prev, y_prev, mask, zero_masked, h_out, y_out):
    """``h = tanh(x @ kernel + bias + h_prev @ recurrent_kernel)``."""
    batch, units = h_prev.shape
    for b in range(batch):
        for u in range(units):
            if mask[b] != 0.0:
                h_out[b, u] = y_out[b, u] = math.tanh(projected[b, u] + recurrent[b, u])
            else:
                h_out[b, u] = h_prev[b, u]
                y_out[b, u] = 0.0 if zero_masked else y_prev[b, u]


@numba.njit(cache=True, nogil=True)
def simple_backward(h_new, mask, zero_masked, grad_y, grad_h_rec, recurrent_mask, carry, grad_gates):
    """One step back; ``carry`` as in :func:`gru_backward`."""
    batch, units = h_new.shape
    for b in range(batch):
        counted = mask[b] != 0.0
        for u in range(units):
            grad_output = grad_y[b, u] + carry[1, b, u]
            grad_h = grad_h_rec[b, u] * recurrent_mask[b, u] + carry[0, b, u]
            if not counted:
                carry[0, b, u] = grad_h
                carry[1, b, u] = 0.0 if zero_masked else grad_output
                grad_gates[b, u] = 0.0
                continue
            h = h_new[b, u]
            grad_gates[b, u] = (grad_h + grad_output) * (1.0 - h * h)
            carry[0, b, u], carry[1, b, u] = 0.0, 0.0
