"""The fused recurrent op: a whole LSTM, GRU or SimpleRNN sequence as one op of the tape.

Forward: the input projection of every time step in one matrix product, then per step
one matrix product with the recurrent kernel and one compiled gate kernel (numba on the
CPU: ``backend.recurrent_kernels()``; the GPU has none yet and runs the cells on the
tape), which also applies the mask. The activated gates and the states of every step are kept, so the
backward pass (backpropagation through time, written by hand) is again one matrix
product and one kernel per step, and three large products at the end: the kernel's and
the recurrent kernel's gradients and the input's.

Internally the arrays are time-major (``(time, batch, ...)``), so one step's rows are
contiguous for BLAS and the kernels. The rows of a batch are independent, so inside
``fit``, ``evaluate`` and ``predict`` on the CPU (``backend.batch_splitting``, BLAS on one
thread) each core runs the whole time loop for its share of the rows: one matrix
product of a step (batch 128, 32 units) is too small for BLAS's threads to pay, and
they cost far more than they gain when the machine is busy. The large products are
split by rows the same way.

The op returns one array: the outputs (all steps or the last), followed by the final
states when ``return_state`` (the layer slices them apart on the tape), so that every
gradient arrives in one backward call.
"""

from __future__ import annotations

import dataclasses

from kerasette import backend
from kerasette.backend import xp
from kerasette.ops import tape


@dataclasses.dataclass(frozen=True)
class Plan:
    """What one call computes, fixed before it runs.

    ``kind``: 'lstm', 'gru' or 'simple'; ``units``; ``return_sequences``,
    ``return_state``, ``go_backwards``, ``zero_masked`` (Keras's ``zero_output_for_mask``).
    """

    kind: str
    units: int
    return_sequences: bool
    return_state: bool
    go_backwards: bool
    zero_masked: bool

    @property
    def state_count(self) -> int:
        return 2 if self.kind == "lstm" else 1

    @property
    def saved_gates(self) -> int:
        """Blocks of ``units`` kept per step: LSTM's four gates, GRU's three and the
        recurrent candidate, none for the simple RNN (its state is enough)."""
        return {"lstm": 4, "gru": 4, "simple": 0}[self.kind]


def _split_rows(rows: int, work) -> None:
    """``work(first, last)`` over ``range(rows)``: one share per core inside a batch-splitting
    scope (``backend.batch_splitting``), else all rows at once."""
    splitter = backend.batch_splitter()
    if splitter is None:
        work(0, rows)
        return
    workers = splitter.workers
    # One part per worker (parts of ``range(workers)``), so a time loop runs once per core.
    splitter.run(workers, lambda part: work(rows * part.first // workers, rows * part.last // workers))


def _matmul(a, b, out) -> None:
    """``out = a @ b`` for 2-D ``a``, split by rows."""

    def rows(first, last):
        xp.matmul(a[first:last], b, out=out[first:last])

    _split_rows(a.shape[0], rows)


def _transposed_matmul(a, b):
    """``a.T @ b`` for tall ``a`` and ``b``: partial products of row blocks, added."""
    partials = []

    def rows(first, last):
        if last > first:
            partials.append(a[first:last].T @ b[first:last])

    _split_rows(a.shape[0], rows)
    return sum(partials[1:], partials[0])


class Recurrence(tape.Function):
    """Inputs: ``(sequences, *initial_states, kernel, recurrent_kernel[, bias])``; the
    mask and dropout masks are constants given to the constructor.

    ``mask``: ``(batch, time)`` booleans or None; ``input_mask``: ``(batch, features)``
    dropout scales shared by every step, or None; ``recurrent_mask``: ``(batch, units)``.
    """

    def __init__(self, plan: Plan, state, mask=None, input_mask=None, recurrent_mask=None):
        self.plan, self.state = plan, state
        self.mask, self.input_mask, self.recurrent_mask = mask, input_mask, recurrent_mask

    # -- forward --------------------------------------------------------------------
    def forward(self, sequences, *arrays):
        plan, state = self.plan, self.state
        count = plan.state_count
        initial, (kernel, recurrent_kernel), bias = arrays[:count], arrays[count : count + 2], arrays[count + 2 :]
        batch, steps, _ = sequences.shape
        units, dtype = plan.units, sequences.dtype
        inputs = self._time_major(sequences)
        if self.input_mask is not None:
            inputs *= self.input_mask
        projected = state.buffer("projected", (steps, batch, kernel.shape[1]), dtype)
        _matmul(inputs.reshape(steps * batch, -1), kernel, projected.reshape(steps * batch, -1))
        input_bias, recurrent_bias = self._biases(bias, dtype)
        if input_bias is not None:
            projected += input_bias
        states = [state.buffer(f"states{k}", (steps + 1, batch, units), dtype) for k in range(count)]
        for k in range(count):
            states[k][0] = initial[k]
        run = _Run(
            mask=self._step_mask(steps, batch, dtype),
            states=states,
            outputs=state.buffer("outputs", (steps, batch, units), dtype),
            gates=state.buffer("gates", (steps, batch, units * plan.saved_gates), dtype),
            dropped=self._dropped_states(states[0], steps),
            zeros=self._zeros("zeros", (batch, units), dtype),
            recurrent=state.buffer("recurrent", (batch, recurrent_kernel.shape[1]), dtype),
        )
        _split_rows(
            batch, lambda first, last: self._forward_rows(run, projected, recurrent_kernel, recurrent_bias, first, last)
        )
        self.final_states = [s[steps].copy() for s in states]
        if state.records:
            state.run, state.inputs, state.weights = run, inputs, (kernel, recurrent_kernel, bias)
        return self._pack(run.outputs, [s[steps] for s in states])

    def _forward_rows(self, run, projected, recurrent_kernel, recurrent_bias, first, last) -> None:
        """The time loop for batch rows ``[first, last)``."""
        kernels, plan = backend.recurrent_kernels(), self.plan
        rows = slice(first, last)
        h, c, y, gates, mask = run.states[0], run.states[-1], run.outputs, run.gates, run.mask
        recurrent, zero_masked = run.recurrent[rows], plan.zero_masked
        for t in range(projected.shape[0]):
            if self.recurrent_mask is not None:
                xp.multiply(h[t, rows], self.recurrent_mask[rows], out=run.dropped[t, rows])
            xp.matmul(run.dropped[t, rows], recurrent_kernel, out=recurrent)
            y_prev = y[t - 1, rows] if t else run.zeros[rows]
            step = (projected[t, rows], recurrent)
            if plan.kind == "lstm":
                kernels.lstm_forward(
                    *step, c[t, rows], h[t, rows], y_prev, mask[t, rows], zero_masked, gates[t, rows],
                    c[t + 1, rows], h[t + 1, rows], y[t, rows],
                )  # fmt: skip
            elif plan.kind == "gru":
                kernels.gru_forward(
                    *step, recurrent_bias, h[t, rows], y_prev, mask[t, rows], zero_masked, gates[t, rows],
                    h[t + 1, rows], y[t, rows],
                )  # fmt: skip
            else:
                kernels.simple_forward(
                    *step, h[t, rows], y_prev, mask[t, rows], zero_masked, h[t + 1, rows], y[t, rows]
                )

    def _time_major(self, sequences):
        """A copy of the sequences as ``(time, batch, features)``, in the order they are processed."""
        inputs = sequences.transpose(1, 0, 2)
        return xp.array(inputs[::-1] if self.plan.go_backwards else inputs, order="C")

    def _biases(self, bias, dtype):
        """(input bias or None, recurrent bias): only the GRU has a recurrent bias (zeros without bias)."""
        if not bias:
            recurrent = xp.zeros(3 * self.plan.units, dtype) if self.plan.kind == "gru" else None
            return None, recurrent
        if self.plan.kind == "gru":
            return bias[0][0], bias[0][1]
        return bias[0], None

    def _step_mask(self, steps: int, batch: int, dtype):
        """``(time, batch)`` of 1.0 and 0.0, in processing order."""
        mask = self.state.buffer("mask", (steps, batch), dtype)
        if self.mask is None:
            mask[...] = 1
        else:
            step_mask = self.mask.T
            mask[...] = step_mask[::-1] if self.plan.go_backwards else step_mask
        return mask

    def _zeros(self, key: str, shape: tuple, dtype):
        zeros = self.state.buffer(key, shape, dtype)
        zeros[...] = 0
        return zeros

    def _dropped_states(self, h, steps: int):
        """Where each step's recurrent product reads its state: the states themselves, or
        with recurrent dropout a separate array of the dropped states."""
        if self.recurrent_mask is None:
            return h
        return self.state.buffer("dropped", (steps, *h.shape[1:]), h.dtype)

    def _pack(self, outputs, final_states):
        """``(batch, time, units)`` or ``(batch, units)``, then the final states on the time axis."""
        plan = self.plan
        if not plan.return_state:
            return outputs.transpose(1, 0, 2).copy() if plan.return_sequences else outputs[-1].copy()
        parts = [outputs.transpose(1, 0, 2) if plan.return_sequences else outputs[-1][:, None]]
        parts += [final[:, None] for final in final_states]
        return xp.concatenate(parts, axis=1)

    # -- backward -------------------------------------------------------------------
    def backward(self, grad):
        plan, state = self.plan, self.state
        run, inputs, (kernel, recurrent_kernel, bias) = state.run, state.inputs, state.weights
        steps, batch = run.mask.shape
        units, dtype, count = plan.units, grad.dtype, plan.state_count
        grad_outputs, grad_finals = self._unpack(grad, steps)
        carry = self._zeros("carry", (count + 1, batch, units), dtype)
        for k, final in enumerate(grad_finals):
            carry[k] = final
        grad_h_rec = self._zeros("grad_h_rec", (batch, units), dtype)
        grad_gates = state.buffer("grad_gates", (steps, batch, kernel.shape[1]), dtype)
        grad_recurrent = state.buffer("grad_recurrent", grad_gates.shape, dtype) if plan.kind == "gru" else grad_gates
        recurrent_mask = self.recurrent_mask
        if recurrent_mask is None:
            recurrent_mask = state.buffer("ones", (batch, units), dtype)
            recurrent_mask[...] = 1
        grads = _Grads(grad_outputs, carry, grad_h_rec, grad_gates, grad_recurrent, recurrent_mask)
        _split_rows(batch, lambda first, last: self._backward_rows(run, grads, recurrent_kernel, first, last))
        return (
            self._grad_sequences(grad_gates, kernel) if self.needs[0] else None,
            *self._grad_initial(grad_h_rec, recurrent_mask, carry),
            *self._grad_weights(inputs, run.dropped, grad_gates, grad_recurrent, bias),
        )

    def _backward_rows(self, run, grads, recurrent_kernel, first, last) -> None:
        """Backpropagation through time for batch rows ``[first, last)``."""
        kernels, plan = backend.recurrent_kernels(), self.plan
        rows = slice(first, last)
        h, c, gates, mask, zero_masked = run.states[0], run.states[-1], run.gates, run.mask, plan.zero_masked
        grad_h_rec, carry, dropped = grads.grad_h_rec[rows], grads.carry[:, rows], grads.recurrent_mask[rows]
        grad_gates, grad_recurrent = grads.grad_gates, grads.grad_recurrent
        steps = mask.shape[0]
        for t in reversed(range(steps)):
            if plan.return_sequences:
                grad_y = grads.outputs[t, rows]
            else:
                grad_y = grads.outputs[rows] if t == steps - 1 else run.zeros[rows]
            if plan.kind == "lstm":
                kernels.lstm_backward(
                    gates[t, rows], c[t, rows], c[t + 1, rows], mask[t, rows], zero_masked, grad_y, grad_h_rec,
                    dropped, carry, grad_gates[t, rows],
                )  # fmt: skip
            elif plan.kind == "gru":
                kernels.gru_backward(
                    gates[t, rows], h[t, rows], mask[t, rows], zero_masked, grad_y, grad_h_rec, dropped, carry,
                    grad_gates[t, rows], grad_recurrent[t, rows],
                )  # fmt: skip
            else:
                kernels.simple_backward(
                    h[t + 1, rows], mask[t, rows], zero_masked, grad_y, grad_h_rec, dropped, carry, grad_gates[t, rows]
                )
            xp.matmul(grad_recurrent[t, rows], recurrent_kernel.T, out=grad_h_rec)

    def _unpack(self, grad, steps: int):
        """The gradient of the outputs (time-major for all steps, else of the last) and of each final state."""
        plan = self.plan
        if not plan.return_state:
            outputs, finals = grad, []
        else:
            length = steps if plan.return_sequences else 1
            outputs = grad[:, :length] if plan.return_sequences else grad[:, 0]
            finals = [grad[:, length + k] for k in range(plan.state_count)]
        if plan.return_sequences:
            outputs = outputs.transpose(1, 0, 2)
        return xp.ascontiguousarray(outputs), finals

    def _grad_sequences(self, grad_gates, kernel):
        steps, batch, _ = grad_gates.shape
        grad_inputs = xp.empty((steps, batch, kernel.shape[0]), dtype=grad_gates.dtype)
        _matmul(grad_gates.reshape(steps * batch, -1), kernel.T, grad_inputs.reshape(steps * batch, -1))
        if self.input_mask is not None:
            grad_inputs *= self.input_mask
        if self.plan.go_backwards:
            grad_inputs = grad_inputs[::-1]
        return xp.ascontiguousarray(grad_inputs.transpose(1, 0, 2))

    def _grad_initial(self, grad_h_rec, recurrent_mask, carry) -> list:
        """The gradients of the initial states: h through the first recurrent product and
        what masked steps carried; c what the cell state carried."""
        grads = [grad_h_rec * recurrent_mask + carry[0]]
        if self.plan.kind == "lstm":
            grads.append(carry[1].copy())
        return [grad if needed else None for grad, needed in zip(grads, self.needs[1:])]

    def _grad_weights(self, inputs, dropped, grad_gates, grad_recurrent, bias) -> list:
        steps, batch, _ = grad_gates.shape
        needs = self.needs[1 + self.plan.state_count :]
        flat_gates = grad_gates.reshape(steps * batch, -1)
        flat_recurrent = grad_recurrent.reshape(steps * batch, -1)
        grads = [
            _transposed_matmul(inputs.reshape(steps * batch, -1), flat_gates) if needs[0] else None,
            _transposed_matmul(dropped[:steps].reshape(steps * batch, -1), flat_recurrent) if needs[1] else None,
        ]
        if bias:
            if not needs[2]:
                grads.append(None)
            elif self.plan.kind == "gru":
                grads.append(xp.stack([flat_gates.sum(axis=0), flat_recurrent.sum(axis=0)]))
            else:
                grads.append(flat_gates.sum(axis=0))
        return grads


@dataclasses.dataclass
class _Run:
    """What the forward pass keeps, time-major: the step mask, the states (one more step
    than the inputs), the outputs, the saved gates, where the recurrent products read
    the states, a row of zeros (the output before the first step), and a work array."""

    mask: object
    states: list
    outputs: object
    gates: object
    dropped: object
    zeros: object
    recurrent: object


@dataclasses.dataclass
class _Grads:
    """The backward pass's arrays: the outputs' gradient, the carried gradients, the
    gradient of the state through the last recurrent product, the gates' gradients
    (input side and, for the GRU, recurrent side) and the recurrent dropout scales."""

    outputs: object
    carry: object
    grad_h_rec: object
    grad_gates: object
    grad_recurrent: object
    recurrent_mask: object
