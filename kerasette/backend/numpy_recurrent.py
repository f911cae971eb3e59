"""The gate kernels of the fused recurrent layers on the NumPy backend, compiled by numba.

One time step of an LSTM, GRU or simple RNN is a matrix product (the previous state
times the recurrent kernel, done by BLAS) and then element-wise work on a few small
arrays: activations, the new state, the masked carry-over. NumPy would make that ten or
more passes with temporaries; each kernel here is one pass. ``recurrence.py`` runs the
loop over time and the matrix products; these kernels see one step.

Conventions (which GPU kernels would share): ``projected`` is the
step's input projection ``x @ kernel + input bias``, ``recurrent`` the product
``h_prev @ recurrent_kernel``; ``mask`` holds 1.0 for a step that counts and 0.0 for a
masked one, where, as in Keras, the states are carried over unchanged and the output
repeats the previous output (or is zero with ``zero_masked``). Backward kernels take the
gradient of the step's output ``grad_y`` and the carried gradients, and write the
gradients of the pre-activations (``grad_gates``; for the GRU also ``grad_recurrent``,
the gradient of ``recurrent``), and the carried gradients for the step before.
Activations are Keras's defaults: tanh and sigmoid (other activations take the tape).

Speed: the C library's ``exp`` and ``tanh`` are scalar calls (about 11 ns each on this
project's CPU), which made the gate kernel of one LSTM step (batch 128, 32 units) cost
more than its matrix product. :func:`_exp` is written so that LLVM vectorizes the loops
instead: the exponential of ``x / 256`` by its Taylor series, squared eight times,
accurate to about 2e-11 relative in float64 (0.9 ns per sigmoid, measured). The loops
are branch-free (the mask multiplies), compiled with ``error_model='numpy'`` (no
division-by-zero check), and run over one row's 1-D slices with few arrays each, all of
which vectorization needs: the LSTM step went from 640 to 125 microseconds with the
activations in loops of their own. Values are computed in float64 and stored in the
arrays' dtype.
"""

import numba

_JIT = {"cache": True, "nogil": True, "fastmath": True, "error_model": "numpy"}


@numba.njit(inline="always", **_JIT)
def _exp(x):
    # Beyond +-80 a sigmoid or tanh is saturated in float32 and float64 alike.
    x = min(max(x, -80.0), 80.0) * (1.0 / 256.0)
    p = 1.0 + x * (1.0 + x * (1 / 2 + x * (1 / 6 + x * (1 / 24 + x * (1 / 120 + x * (1 / 720 + x * (
        1 / 5040 + x * (1 / 40320 + x * (1 / 362880 + x / 3628800)))))))))  # fmt: skip
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    return p * p


@numba.njit(inline="always", **_JIT)
def _sigmoid(x):
    return 1.0 / (1.0 + _exp(-x))


@numba.njit(inline="always", **_JIT)
def _tanh(x):
    return 1.0 - 2.0 / (_exp(2.0 * x) + 1.0)


# Gradients that backpropagation through hundreds of steps shrinks below this are set to
# zero: float32 subnormals (below 1.2e-38) make every operation on them, BLAS's too, about
# a hundred times slower; measured, the IMDB LSTM's weight gradient products took 650 ms
# instead of 30 ms. The change to a gradient is below 1e-30 in absolute value.
_FLUSH_BELOW = 1e-30


@numba.njit(inline="always", **_JIT)
def _flush(x):
    return x if abs(x) >= _FLUSH_BELOW else 0.0


@numba.njit(inline="always", **_JIT)
def _activate(pre_a, pre_b, out, first, last, tanh):
    """``out[j] = sigmoid(pre_a[j] + pre_b[j])`` (or tanh) for ``first <= j < last``: one vectorized loop."""
    if tanh:
        for j in range(first, last):
            out[j] = _tanh(pre_a[j] + pre_b[j])
    else:
        for j in range(first, last):
            out[j] = _sigmoid(pre_a[j] + pre_b[j])


@numba.njit(**_JIT)
def lstm_forward(projected, recurrent, c_prev, h_prev, y_prev, mask, zero_masked, gates, c_out, h_out, y_out):
    """Gates i, f, c, o (Keras's order) activated into ``gates``; the new c, h and output."""
    batch, units = c_prev.shape
    kept_output = 0.0 if zero_masked else 1.0
    for b in range(batch):
        gate = gates[b]
        _activate(projected[b], recurrent[b], gate, 0, 2 * units, False)
        _activate(projected[b], recurrent[b], gate, 2 * units, 3 * units, True)
        _activate(projected[b], recurrent[b], gate, 3 * units, 4 * units, False)
        keep = 1.0 if mask[b] != 0.0 else 0.0
        drop = 1.0 - keep
        c_old, h_old, y_old, c_new, h_new, y_new = c_prev[b], h_prev[b], y_prev[b], c_out[b], h_out[b], y_out[b]
        for u in range(units):
            c = gate[units + u] * c_old[u] + gate[u] * gate[2 * units + u]
            h = gate[3 * units + u] * _tanh(c)
            c_new[u] = keep * c + drop * c_old[u]
            h_new[u] = keep * h + drop * h_old[u]
            y_new[u] = keep * h + drop * kept_output * y_old[u]


@numba.njit(**_JIT)
def lstm_backward(gates, c_prev, c_new, mask, zero_masked, grad_y, grad_h_rec, recurrent_mask, carry, grad_gates):
    """One step back. ``carry`` holds (grad of h beyond the recurrent product, grad of c,
    grad of the previous output) and is updated in place to the step before."""
    batch, units = c_prev.shape
    kept_output = 0.0 if zero_masked else 1.0
    for b in range(batch):
        keep = 1.0 if mask[b] != 0.0 else 0.0
        drop = 1.0 - keep
        gate, grad_gate, c_old, c_now = gates[b], grad_gates[b], c_prev[b], c_new[b]
        grad_up, grad_rec, dropped = grad_y[b], grad_h_rec[b], recurrent_mask[b]
        carry_h, carry_c, carry_y = carry[0, b], carry[1, b], carry[2, b]
        for u in range(units):
            grad_output = grad_up[u] + carry_y[u]
            grad_state = _flush(grad_rec[u] * dropped[u] + carry_h[u])
            grad_h = keep * (grad_state + grad_output)
            i, f, g, o = gate[u], gate[units + u], gate[2 * units + u], gate[3 * units + u]
            tanh_c = _tanh(c_now[u])
            grad_c = keep * (carry_c[u] + grad_h * o * (1.0 - tanh_c * tanh_c))
            grad_gate[u] = _flush(grad_c * g * i * (1.0 - i))
            grad_gate[units + u] = _flush(grad_c * c_old[u] * f * (1.0 - f))
            grad_gate[2 * units + u] = _flush(grad_c * i * (1.0 - g * g))
            grad_gate[3 * units + u] = _flush(grad_h * tanh_c * o * (1.0 - o))
            carry_h[u] = _flush(drop * grad_state)
            carry_c[u] = _flush(grad_c * f + drop * carry_c[u])
            carry_y[u] = _flush(drop * kept_output * grad_output)


@numba.njit(**_JIT)
def gru_forward(projected, recurrent, recurrent_bias, h_prev, y_prev, mask, zero_masked, gates, h_out, y_out):
    """GRU with ``reset_after=True``: z, r and the candidate into ``gates``, with the
    recurrent part of the candidate (before the reset gate) in the fourth block."""
    batch, units = h_prev.shape
    kept_output = 0.0 if zero_masked else 1.0
    for b in range(batch):
        gate, pre, rec = gates[b], projected[b], recurrent[b]
        for j in range(2 * units):
            gate[j] = _sigmoid(pre[j] + rec[j] + recurrent_bias[j])
        # The reset gate is computed again rather than read back from ``gate``: a loop that reads
        # and writes one array at offsets LLVM cannot tell apart is not vectorized (200 -> 75-130 us a step).
        for u in range(units):
            recurrent_h = rec[2 * units + u] + recurrent_bias[2 * units + u]
            r = _sigmoid(pre[units + u] + rec[units + u] + recurrent_bias[units + u])
            gate[3 * units + u] = recurrent_h
            gate[2 * units + u] = _tanh(pre[2 * units + u] + r * recurrent_h)
        keep = 1.0 if mask[b] != 0.0 else 0.0
        drop = 1.0 - keep
        h_old, y_old, h_new, y_new = h_prev[b], y_prev[b], h_out[b], y_out[b]
        for u in range(units):
            z = gate[u]
            h = z * h_old[u] + (1.0 - z) * gate[2 * units + u]
            h_new[u] = keep * h + drop * h_old[u]
            y_new[u] = keep * h + drop * kept_output * y_old[u]


@numba.njit(**_JIT)
def gru_backward(
    gates, h_prev, mask, zero_masked, grad_y, grad_h_rec, recurrent_mask, carry, grad_gates, grad_recurrent
):
    """One step back; ``carry`` holds (grad of h beyond the recurrent product, grad of the previous output)."""
    batch, units = h_prev.shape
    kept_output = 0.0 if zero_masked else 1.0
    for b in range(batch):
        keep = 1.0 if mask[b] != 0.0 else 0.0
        drop = 1.0 - keep
        gate, grad_gate, grad_rec_gate, h_old = gates[b], grad_gates[b], grad_recurrent[b], h_prev[b]
        grad_up, grad_rec, dropped, carry_h, carry_y = (
            grad_y[b],
            grad_h_rec[b],
            recurrent_mask[b],
            carry[0, b],
            carry[1, b],
        )
        for u in range(units):
            grad_output = grad_up[u] + carry_y[u]
            grad_state = _flush(grad_rec[u] * dropped[u] + carry_h[u])
            grad_h = keep * (grad_state + grad_output)
            z, r = gate[u], gate[units + u]
            candidate, recurrent_h = gate[2 * units + u], gate[3 * units + u]
            grad_candidate = grad_h * (1.0 - z) * (1.0 - candidate * candidate)
            grad_z = grad_h * (h_old[u] - candidate) * z * (1.0 - z)
            grad_r = grad_candidate * recurrent_h * r * (1.0 - r)
            grad_gate[u] = _flush(grad_z)
            grad_gate[units + u] = _flush(grad_r)
            grad_gate[2 * units + u] = _flush(grad_candidate)
            grad_rec_gate[u] = _flush(grad_z)
            grad_rec_gate[units + u] = _flush(grad_r)
            grad_rec_gate[2 * units + u] = _flush(grad_candidate * r)
            carry_h[u] = _flush(grad_h * z + drop * grad_state)
            carry_y[u] = _flush(drop * kept_output * grad_output)


@numba.njit(**_JIT)
def simple_forward(projected, recurrent, h_prev, y_prev, mask, zero_masked, h_out, y_out):
    """``h = tanh(x @ kernel + bias + h_prev @ recurrent_kernel)``."""
    batch, units = h_prev.shape
    kept_output = 0.0 if zero_masked else 1.0
    for b in range(batch):
        h_new = h_out[b]
        _activate(projected[b], recurrent[b], h_new, 0, units, True)
        keep = 1.0 if mask[b] != 0.0 else 0.0
        drop = 1.0 - keep
        h_old, y_old, y_new = h_prev[b], y_prev[b], y_out[b]
        for u in range(units):
            h = h_new[u]
            h_new[u] = keep * h + drop * h_old[u]
            y_new[u] = keep * h + drop * kept_output * y_old[u]


@numba.njit(**_JIT)
def simple_backward(h_new, mask, zero_masked, grad_y, grad_h_rec, recurrent_mask, carry, grad_gates):
    """One step back; ``carry`` as in :func:`gru_backward`."""
    batch, units = h_new.shape
    kept_output = 0.0 if zero_masked else 1.0
    for b in range(batch):
        keep = 1.0 if mask[b] != 0.0 else 0.0
        drop = 1.0 - keep
        h_now, grad_gate, grad_up, grad_rec, dropped = (
            h_new[b],
            grad_gates[b],
            grad_y[b],
            grad_h_rec[b],
            recurrent_mask[b],
        )
        carry_h, carry_y = carry[0, b], carry[1, b]
        for u in range(units):
            grad_output = grad_up[u] + carry_y[u]
            grad_state = _flush(grad_rec[u] * dropped[u] + carry_h[u])
            h = h_now[u]
            grad_gate[u] = _flush(keep * (grad_state + grad_output) * (1.0 - h * h))
            carry_h[u] = _flush(drop * grad_state)
            carry_y[u] = _flush(drop * kept_output * grad_output)
