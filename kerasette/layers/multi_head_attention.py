"""MultiHeadAttention: Keras 3's layer, computed as one fused op (``attention_op.py``)."""

from __future__ import annotations

from kerasette import constraints, initializers, regularizers
from kerasette.backend import xp
from kerasette.graph import masks
from kerasette.layers import attention_op
from kerasette.layers.layer import Layer, builtin_call, device_inputs
from kerasette.layers.masking import check_sequence_mask
from kerasette.layers.seed_generator import SeedGenerator
from kerasette.ops import tape
from kerasette.validation import check_bool, check_int, check_number


class AttentionProjection(Layer):
    """One of MultiHeadAttention's projections: the weights of Keras's EinsumDense sublayer
    (``query``, ``key``, ``value``, ``attention_output``), computed by the fused op."""

    def __init__(self, name: str, kernel_shape: tuple, bias_shape: tuple | None, settings: dict, dtype=None):
        super().__init__(name=name, dtype=dtype)
        for weight, shape in (("kernel", kernel_shape), ("bias", bias_shape)):
            if shape is not None:
                self.add_weight(
                    name=weight,
                    shape=shape,
                    initializer=initializers.get(settings[f"{weight}_initializer"]),
                    regularizer=settings[f"{weight}_regularizer"],
                    constraint=settings[f"{weight}_constraint"],
                )
        self.built = True

    def arrays(self) -> list:
        return [self.params["kernel"], self.params.get("bias")]


def _feature_shape(value, argument: str, layer) -> tuple:
    shape = tuple(getattr(value, "shape", ()))
    if len(shape) != 3:
        raise ValueError(
            f"MultiHeadAttention layer '{layer.name}': {argument} must have rank 3, (batch, steps, features); "
            f"received shape {shape}"
        )
    return shape


class MultiHeadAttention(Layer):
    """Multi-head attention as in "Attention Is All You Need" (Keras 3's layer).

    Each of ``num_heads`` heads projects the query, key and value, computes
    ``softmax(q k^T / sqrt(key_dim))`` over the value's steps (masked steps excluded) and
    takes the weighted sum of the projected values; the heads' results are projected back
    to the query's features (or ``output_shape``).

    Args:
        num_heads: Number of heads.
        key_dim: Size of each head for query and key.
        value_dim: Size of each head for value; ``key_dim`` when None.
        dropout: Dropout rate on the attention probabilities while training.
        use_bias: Whether the projections have biases.
        output_shape: Size of the last output axis (an int or a 1-tuple); the query's features when None.
        attention_axes: Axes attention is over; only None or ``(1,)`` (the steps of rank-3
            inputs) are supported.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        kernel_constraint, bias_constraint: For the four projections' kernels and biases.
        seed: Seed of the dropout.
        **kwargs: Base layer arguments (``name``, ``activity_regularizer``, ...).

    Call arguments: ``query (B, T, Dq)``, ``value (B, S, Dv)``, ``key (B, S, Dk)`` (the value
    when None), ``query_mask``/``value_mask``/``key_mask`` (filled from the inputs' Keras
    masks), ``attention_mask (B, T, S)``, ``return_attention_scores``, ``training``,
    ``use_causal_mask``. Attention scores returned are values only: no gradient flows back
    through them.

    Example:
    >>> layer = MultiHeadAttention(num_heads=2, key_dim=4)
    >>> layer(np.ones((1, 3, 8)), np.ones((1, 5, 8))).shape
    (1, 3, 8)

    Reference: Keras ``keras.layers.MultiHeadAttention``.
    """

    supports_masking = True
    # Inside fit, evaluate and predict each core takes a slice of the batch (BLAS on one thread).
    splits_batch = True

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape=None,
        attention_axes=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.num_heads = check_number("num_heads", num_heads, 1, integer=True)
        self.key_dim = check_number("key_dim", key_dim, 1, integer=True)
        self.value_dim = self.key_dim if value_dim is None else check_number("value_dim", value_dim, 1, integer=True)
        self.dropout = check_number("dropout", dropout, 0, 1, high_open=True)
        self.use_bias = check_bool("use_bias", use_bias)
        if isinstance(output_shape, (list, tuple)):
            if len(output_shape) != 1:
                raise ValueError(f"output_shape: only an int or a 1-tuple is supported; received {output_shape!r}")
            output_shape = output_shape[0]
        self.output_shape_argument = None if output_shape is None else check_int("output_shape", output_shape, 1)
        if attention_axes not in (None, 1, (1,), [1], -2, (-2,), [-2]):
            raise ValueError(
                f"attention_axes: only None or (1,) (the steps of rank-3 inputs) are supported; "
                f"received {attention_axes!r}"
            )
        self.attention_axes = None if attention_axes is None else (1,)
        self.settings = {
            "kernel_initializer": initializers.get(kernel_initializer),
            "bias_initializer": initializers.get(bias_initializer),
            "kernel_regularizer": regularizers.get(kernel_regularizer),
            "bias_regularizer": regularizers.get(bias_regularizer),
            "kernel_constraint": constraints.get(kernel_constraint),
            "bias_constraint": constraints.get(bias_constraint),
        }
        self.seed = seed
        self._random = SeedGenerator(seed)

    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            raise TypeError(f"MultiHeadAttention layer '{self.name}': expected query and value; received no value")
        if not self.built:
            self.build(
                _feature_shape(query, "query", self),
                _feature_shape(value, "value", self),
                None if key is None else _feature_shape(key, "key", self),
            )
        return super().__call__(query, value, key, **kwargs)

    def build(self, query_shape, value_shape=None, key_shape=None):
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        heads, bias = self.num_heads, self.use_bias
        self.query_dense = AttentionProjection(
            "query", (query_shape[-1], heads, self.key_dim), (heads, self.key_dim) if bias else None, self.settings
        )
        self.key_dense = AttentionProjection(
            "key", (key_shape[-1], heads, self.key_dim), (heads, self.key_dim) if bias else None, self.settings
        )
        self.value_dense = AttentionProjection(
            "value", (value_shape[-1], heads, self.value_dim), (heads, self.value_dim) if bias else None, self.settings
        )
        output_dim = self.output_shape_argument or query_shape[-1]
        self.output_dense = AttentionProjection(
            "attention_output", (heads, self.value_dim, output_dim), (output_dim,) if bias else None, self.settings
        )
        self.value_shape, self.key_shape = tuple(value_shape), tuple(key_shape)
        super().build(tuple(query_shape))

    def build_shapes(self) -> dict:
        """The shapes the layer was built for, by the names of :meth:`build`'s arguments."""
        return {"query_shape": self.input_shape, "value_shape": self.value_shape, "key_shape": self.key_shape}

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return tuple(query_shape[:-1]) + (self.output_shape_argument or query_shape[-1],)

    def compute_call_output_shape(self, query_shape, value_shape=None, key_shape=None, **call_arguments):
        """The output shape, and the scores' ``(batch, heads, T, S)`` with ``return_attention_scores``."""
        outputs = self.compute_output_shape(query_shape)
        if not call_arguments.get("return_attention_scores"):
            return outputs
        value_steps = (value_shape or query_shape)[1]
        return outputs, (query_shape[0], self.num_heads, query_shape[1], value_steps)

    def _check_inputs(self, query, value, key):
        _feature_shape(query, "query", self)
        for argument, array, built in (("value", value, self.value_shape), ("key", key, self.key_shape)):
            shape = _feature_shape(array, argument, self)
            if shape[-1] != built[-1] or shape[0] != query.shape[0]:
                raise ValueError(
                    f"MultiHeadAttention layer '{self.name}': {argument} must have shape (batch={query.shape[0]}, "
                    f"steps, {built[-1]}) (built for {argument} features {built[-1]}); received {shape}"
                )
        if key.shape[1] != value.shape[1]:
            raise ValueError(
                f"MultiHeadAttention layer '{self.name}': key and value must have the same number of steps; "
                f"received key {tuple(key.shape)} and value {tuple(value.shape)}"
            )
        if query.shape[-1] != self.input_shape[-1]:
            raise ValueError(
                f"MultiHeadAttention layer '{self.name}': query must have {self.input_shape[-1]} features "
                f"(built for {self.input_shape}); received {tuple(query.shape)}"
            )

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask):
        batch, steps, value_steps = query.shape[0], query.shape[1], value.shape[1]
        query_mask = check_sequence_mask(self, query_mask, (batch, steps), "query_mask")
        value_mask = check_sequence_mask(self, value_mask, (batch, value_steps), "value_mask")
        key_mask = check_sequence_mask(self, key_mask, (batch, value_steps), "key_mask")
        if attention_mask is not None:
            attention_mask = xp.asarray(tape.unwrap(attention_mask))
            if attention_mask.ndim != 3 or attention_mask.shape[1:] != (steps, value_steps):
                raise ValueError(
                    f"MultiHeadAttention layer '{self.name}': attention_mask must have shape (batch, {steps}, "
                    f"{value_steps}) (batch, query steps, value steps); received {tuple(attention_mask.shape)}"
                )
            attention_mask = attention_mask.astype(bool, copy=False)
        causal = check_bool("use_causal_mask", use_causal_mask)
        mask = attention_op.combined_mask(
            query_mask, value_mask, key_mask, attention_mask, causal, (steps, value_steps)
        )
        return query_mask, mask

    @builtin_call
    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
    ):
        value = device_inputs(value)
        key = value if key is None else device_inputs(key)
        self._check_inputs(query, value, key)
        query_mask, mask = self._attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
        )
        dropout_mask = None
        if training and self.dropout > 0:
            shape = (query.shape[0], self.num_heads, query.shape[1], value.shape[1])
            uniform = self._random.generator().random(shape, dtype=query.dtype)
            dropout_mask = (uniform >= self.dropout) * (1.0 / (1.0 - self.dropout))
        op = attention_op.MultiHeadAttentionOp(mask, dropout_mask, tape.is_recording())
        weights = [
            array
            for part in (self.query_dense, self.key_dense, self.value_dense, self.output_dense)
            for array in part.arrays()
        ]
        outputs = tape.apply(op, query, value, key, *weights)
        if query_mask is not None:
            masks.set_keras_mask(outputs, query_mask)
        if check_bool("return_attention_scores", return_attention_scores):
            return outputs, op.probabilities
        return outputs

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": self.output_shape_argument,
            "attention_axes": self.attention_axes,
            "kernel_initializer": initializers.serialize(self.settings["kernel_initializer"]),
            "bias_initializer": initializers.serialize(self.settings["bias_initializer"]),
            "kernel_regularizer": regularizers.serialize(self.settings["kernel_regularizer"]),
            "bias_regularizer": regularizers.serialize(self.settings["bias_regularizer"]),
            "kernel_constraint": constraints.serialize(self.settings["kernel_constraint"]),
            "bias_constraint": constraints.serialize(self.settings["bias_constraint"]),
            "seed": self.seed,
        }
