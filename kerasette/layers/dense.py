"""Dense: the fully connected layer, ``activation(inputs @ kernel + bias)``."""

from __future__ import annotations

from kerasette import activations, backend, constraints, initializers, regularizers
from kerasette.backend import xp
from kerasette.layers.activation_attribute import ActivationAttribute
from kerasette.layers.layer import Layer
from kerasette.validation import check_bool, check_number


class Dense(ActivationAttribute, Layer):
    """A densely connected layer applied to the last axis of its inputs.

    Args:
        units: Number of outputs.
        activation: Activation name or function; None means linear. May be reassigned
            after construction (``layer.activation = 'gelu'``), as in Keras.
        use_bias: Whether to add a bias vector.
        kernel_initializer: Initializer of the ``(input_dim, units)`` kernel.
        bias_initializer: Initializer of the ``(units,)`` bias.
        kernel_regularizer: Penalty on the kernel added to the loss (``'l2'``, ``L1L2(...)``).
        bias_regularizer: Penalty on the bias.
        activity_regularizer: Penalty on the outputs, divided by the batch size.
        kernel_constraint: Projection of the kernel after each update (``'max_norm'``, ...).
        bias_constraint: Projection of the bias after each update.
        **kwargs: Base layer arguments (``name``, ``input_shape``, ...).

    Example:
    >>> layer = Dense(2, activation='relu', kernel_initializer='ones', input_shape=(3,))
    >>> layer(np.array([[1.0, -2.0, 0.5]])).tolist()
    [[0.0, 0.0]]

    Reference: Keras ``keras.layers.Dense``.
    """

    supports_masking = True  # as Keras: the mask passes through unchanged

    def __init__(
        self,
        units: int,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = check_number("units", units, 1, integer=True)
        self.activation = activation
        self.use_bias = check_bool("use_bias", use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(
                f"Dense layer '{self.name}': expected inputs with a feature axis, "
                f"shape (batch, ..., features); received {input_shape}"
            )
        self.add_weight(
            name="kernel",
            shape=(input_shape[-1], self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    @property
    def bias(self):
        """The bias Variable, or None without one (as Keras)."""
        return self.params.get("bias")

    def forward(self, state, inputs, training=False):
        flat_inputs = inputs.reshape(-1, inputs.shape[-1])
        outputs = state.buffer("outputs", (flat_inputs.shape[0], self.units))
        xp.matmul(flat_inputs, self.params["kernel"].data, out=outputs)
        activation = self._activation
        bias = self.params["bias"].data if self.use_bias else None
        # On the GPU, bias and activation in one launch (backend.layer_kernels is None on the CPU).
        fused = (
            backend.layer_kernels is not None
            and self.use_bias
            and activation.has_default_params
            and not activation.needs_inputs
            and backend.layer_kernels.bias_activation(outputs, bias, activation.name)
        )
        if self.use_bias and not fused:
            outputs += bias
        if state.records:
            state.inputs, state.outputs = flat_inputs, outputs
            # Only activations whose derivative the output does not determine (gelu, silu)
            # cost a copy of the pre-activations.
            if activation.needs_inputs:
                state.pre_activations = state.buffer("pre_activations", outputs.shape, outputs.dtype)
                state.pre_activations[...] = outputs
            state.activation = activation
        if not fused:
            activation.apply_inplace(outputs)
        return outputs.reshape(inputs.shape[:-1] + (self.units,))

    def backward(self, state, grad_output):
        grad = grad_output.reshape(-1, self.units)
        if not state.grad_is_logits:
            # The activation of the forward pass, even if it was reassigned since.
            activation = state.activation
            if activation.needs_inputs:
                grad = activation.grad_inplace(grad, state.outputs, state.pre_activations)
            elif not (
                backend.layer_kernels is not None
                and activation.has_default_params
                and backend.layer_kernels.activation_grad(grad, state.outputs, activation.name)
            ):
                grad = activation.grad_inplace(grad, state.outputs)
        kernel = self.params["kernel"]
        if state.need_weight_grads:
            xp.matmul(state.inputs.T, grad, out=state.gradient(kernel))
            if self.use_bias:
                grad.sum(axis=0, out=state.gradient(self.params["bias"]))
        if not state.need_input_grad:
            return None
        grad_inputs = state.buffer("grad_inputs", state.inputs.shape)
        xp.matmul(grad, kernel.data.T, out=grad_inputs)
        return grad_inputs.reshape(grad_output.shape[:-1] + (state.inputs.shape[-1],))

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
