"""The fused recurrent op: a whole LSTM, GRU or SimpleRNN sequence as one op of the tape.

Forward: the input projection of every time step in one matrix product, then per step
one matrix product with the recurrent kernel and one compiled gate kernel (numba on the
CPU, a CuPy element-wise kernel on the GPU: ``backend.recurrent_kernels()``), which also
applies the mask. The activated gates and the states of every step are kept, so the
backward pass (backpropagation through time, written by hand) is again one matrix
product and one kernel per step, and three large products at the end: the kernel's and
the recurrent kernel's gradients and the input's.

Internally the arrays are time-major (``(time, batch, ...)``), so one step's slice is
contiguous for BLAS and the kernels. The op returns one array: the outputs (all steps
or the last), followed by the final states when ``return_state`` (the layer slices them
apart on the tape), so that every gradient arrives in one backward call.
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
    def gate_count(self) -> int:
        return {"lstm": 4, "gru": 3, "simple": 1}[self.kind]


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
        plan, state, kernels = self.plan, self.state, backend.recurrent_kernels()
        count = plan.state_count
        initial, (kernel, recurrent_kernel), bias = arrays[:count], arrays[count : count + 2], arrays[count + 2 :]
        batch, steps, _ = sequences.shape
        units, dtype = plan.units, sequences.dtype
        inputs = self._time_major(sequences)
        if self.input_mask is not None:
            inputs = inputs * self.input_mask
        projected = state.buffer("projected", (steps, batch, kernel.shape[1]), dtype)
        xp.matmul(inputs.reshape(steps * batch, -1), kernel, out=projected.reshape(steps * batch, -1))
        input_bias, recurrent_bias = self._biases(bias, dtype)
        if input_bias is not None:
            projected += input_bias
        mask = self._step_mask(steps, batch, dtype)
        states = [state.buffer(f"states{k}", (steps + 1, batch, units), dtype) for k in range(count)]
        for k in range(count):
            states[k][0] = initial[k]
        outputs = state.buffer("outputs", (steps, batch, units), dtype)
        zeros = state.buffer("zeros", (batch, units), dtype)
        zeros[...] = 0
        gates = state.buffer("gates", (steps, batch, units * (4 if plan.kind == "gru" else plan.gate_count)), dtype)
        recurrent = state.buffer("recurrent", (batch, recurrent_kernel.shape[1]), dtype)
        dropped = self._dropped_states(states[0], steps)
        zero_masked = plan.zero_masked
        h = states[0]
        for t in range(steps):
            if self.recurrent_mask is not None:
                xp.multiply(h[t], self.recurrent_mask, out=dropped[t])
            xp.matmul(dropped[t], recurrent_kernel, out=recurrent)
            y_prev = outputs[t - 1] if t else zeros
            if plan.kind == "lstm":
                c = states[1]
                kernels.lstm_forward(
                    projected[t], recurrent, c[t], h[t], y_prev, mask[t], zero_masked, gates[t], c[t + 1], h[t + 1],
                    outputs[t],
                )  # fmt: skip
            elif plan.kind == "gru":
                kernels.gru_forward(
                    projected[t], recurrent, recurrent_bias, h[t], y_prev, mask[t], zero_masked, gates[t], h[t + 1],
                    outputs[t],
                )  # fmt: skip
            else:
                kernels.simple_forward(projected[t], recurrent, h[t], y_prev, mask[t], zero_masked, h[t + 1], outputs[t])
        self.final_states = [s[steps].copy() for s in states]
        if state.records:
            state.saved = (inputs, mask, states, outputs, gates, dropped, kernel, recurrent_kernel, bias)
            state.shape = sequences.shape
        return self._pack(outputs, [s[steps] for s in states])

    def _time_major(self, sequences):
        """The sequences as ``(time, batch, features)``, in the order they are processed."""
        inputs = sequences.transpose(1, 0, 2)
        return xp.ascontiguousarray(inputs[::-1] if self.plan.go_backwards else inputs)

    def _biases(self, bias, dtype):
        """(input bias or None, recurrent bias): only the GRU has a recurrent bias (a row of zeros without bias)."""
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
        plan, state, kernels = self.plan, self.state, backend.recurrent_kernels()
        inputs, mask, states, outputs, gates, dropped, kernel, recurrent_kernel, bias = state.saved
        steps, batch = mask.shape
        units, dtype, count = plan.units, grad.dtype, plan.state_count
        grad_outputs, grad_finals = self._unpack(grad, steps, batch)
        carry = state.buffer("carry", (count + 1, batch, units), dtype)
        carry[...] = 0
        for k, final in enumerate(grad_finals):
            carry[k] = final
        grad_h_rec = state.buffer("grad_h_rec", (batch, units), dtype)
        grad_h_rec[...] = 0
        grad_gates = state.buffer("grad_gates", (steps, batch, kernel.shape[1]), dtype)
        grad_recurrent = (
            state.buffer("grad_recurrent", grad_gates.shape, dtype) if plan.kind == "gru" else grad_gates
        )
        zeros = state.buffer("zeros", (batch, units), dtype)
        zeros[...] = 0
        recurrent_mask = self.recurrent_mask if self.recurrent_mask is not None else state.buffer("ones", (batch, units), dtype)
        if self.recurrent_mask is None:
            recurrent_mask[...] = 1
        h, zero_masked = states[0], plan.zero_masked
        for t in reversed(range(steps)):
            grad_y = grad_outputs[t] if plan.return_sequences else grad_outputs if t == steps - 1 else zeros
            if plan.kind == "lstm":
                c = states[1]
                kernels.lstm_backward(
                    gates[t], c[t], c[t + 1], mask[t], zero_masked, grad_y, grad_h_rec, recurrent_mask, carry,
                    grad_gates[t],
                )  # fmt: skip
            elif plan.kind == "gru":
                kernels.gru_backward(
                    gates[t], h[t], mask[t], zero_masked, grad_y, grad_h_rec, recurrent_mask, carry, grad_gates[t],
                    grad_recurrent[t],
                )  # fmt: skip
            else:
                kernels.simple_backward(h[t + 1], mask[t], zero_masked, grad_y, grad_h_rec, recurrent_mask, carry, grad_gates[t])
            xp.matmul(grad_recurrent[t], recurrent_kernel.T, out=grad_h_rec)
        return (
            self._grad_sequences(grad_gates, kernel) if self.needs[0] else None,
            *self._grad_initial(grad_h_rec, recurrent_mask, carry),
            *self._grad_weights(inputs, dropped, grad_gates, grad_recurrent, bias),
        )

    def _unpack(self, grad, steps: int, batch: int):
        """The gradient of the outputs (time-major for all steps, else of the last) and of each final state."""
        plan = self.plan
        if not plan.return_state:
            outputs, finals = grad, []
        else:
            length = steps if plan.return_sequences else 1
            outputs = grad[:, :length] if plan.return_sequences else grad[:, 0]
            finals = [grad[:, length + k] for k in range(plan.state_count)]
        if plan.return_sequences:
            outputs = xp.ascontiguousarray(outputs.transpose(1, 0, 2))
        return xp.ascontiguousarray(outputs), finals

    def _grad_sequences(self, grad_gates, kernel):
        steps, batch, _ = grad_gates.shape
        grad_inputs = (grad_gates.reshape(steps * batch, -1) @ kernel.T).reshape(steps, batch, -1)
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
            inputs.reshape(steps * batch, -1).T @ flat_gates if needs[0] else None,
            dropped[:steps].reshape(steps * batch, -1).T @ flat_recurrent if needs[1] else None,
        ]
        if bias:
            if not needs[2]:
                grads.append(None)
            elif self.plan.kind == "gru":
                grads.append(xp.stack([flat_gates.sum(axis=0), flat_recurrent.sum(axis=0)]))
            else:
                grads.append(flat_gates.sum(axis=0))
        return grads
