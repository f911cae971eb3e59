"""Attention (Luong-style, dot or concat scores) and AdditiveAttention (Bahdanau-style).

Both compute ``softmax(scores(query, key)) @ value`` with Keras 3's masks: the value's mask
(and a causal mask) removes steps from the softmax, the query's mask zeroes the outputs of
padded query steps and is the outputs' mask. Written with :mod:`kerasette.ops`, so the tape
differentiates them.
"""

from __future__ import annotations

from kerasette import ops
from kerasette.backend import xp
from kerasette.layers.layer import Layer
from kerasette.layers.masking import check_sequence_mask
from kerasette.layers.seed_generator import SeedGenerator
from kerasette.ops import tape
from kerasette.validation import check_bool, check_choice, check_number

# Keras subtracts this from masked scores before the softmax.
_MASKED_SCORE_OFFSET = 1.0e9


class BaseDenseAttention(Layer):
    """What Attention and AdditiveAttention share: inputs, masks, softmax, dropout, config."""

    supports_masking = True

    def __init__(self, use_scale: bool = False, dropout: float = 0.0, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = check_bool("use_scale", use_scale)
        self.dropout = check_number("dropout", dropout, 0, 1, high_open=True)
        self.seed = seed
        self._random = SeedGenerator(seed)

    def _check_inputs(self, inputs, mask=None) -> None:
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            raise ValueError(
                f"{name} layer '{self.name}': inputs must be a list [query, value] or [query, value, key]; "
                f"received {type(inputs).__name__}{'' if not isinstance(inputs, (list, tuple)) else len(inputs)}"
            )
        if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
            raise ValueError(
                f"{name} layer '{self.name}': mask must be a list [query_mask, value_mask]; received {mask!r}"
            )

    def build(self, input_shape):
        self._check_inputs(input_shape)
        shapes = [tuple(shape) for shape in input_shape]
        for argument, shape in zip(("query", "value", "key"), shapes):
            if len(shape) != 3:
                raise ValueError(
                    f"{type(self).__name__} layer '{self.name}': {argument} must have rank 3 "
                    f"(batch, steps, dim); received shape {shape}"
                )
        if shapes[0][-1] != shapes[-1][-1]:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': query and key must have the same last dimension; "
                f"received query {shapes[0]} and key {shapes[-1]}"
            )
        self.build_weights(shapes[0][-1])
        super().build(shapes)

    def build_weights(self, dim: int) -> None:
        """Create the layer's weights for query features of size ``dim``."""

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def compute_call_output_shape(self, input_shape, return_attention_scores=False, **call_arguments):
        """The output shape, and the scores' ``(batch, Tq, Tv)`` with ``return_attention_scores``."""
        outputs = self.compute_output_shape(input_shape)
        if not return_attention_scores:
            return outputs
        return outputs, (input_shape[0][0], input_shape[0][1], input_shape[1][1])

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None or previous_mask[0] is None:
            return None
        return tape.unwrap(previous_mask[0])

    def scores(self, query, key):
        raise NotImplementedError(f"{type(self).__name__} must define scores(query, key)")

    def call(self, inputs, mask=None, training=False, return_attention_scores=False, use_causal_mask=False):
        self._check_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        batch, query_steps, value_steps = query.shape[0], query.shape[1], value.shape[1]
        query_mask = check_sequence_mask(self, mask[0], (batch, query_steps), "mask[0]") if mask else None
        value_mask = check_sequence_mask(self, mask[1], (batch, value_steps), "mask[1]") if mask else None
        scores = self.scores(query, key)
        keep = None if value_mask is None else value_mask[:, None, :]
        if check_bool("use_causal_mask", use_causal_mask):
            causal = xp.tril(xp.ones((query_steps, value_steps), dtype=bool))[None]
            keep = causal if keep is None else keep & causal
        if keep is not None:
            scores = ops.where(keep, scores, scores - _MASKED_SCORE_OFFSET)
        weights = ops.softmax(scores, axis=-1)
        used = weights
        if training and self.dropout > 0:
            uniform = self._random.generator().random(tuple(weights.shape), dtype=weights.dtype)
            used = weights * ((uniform >= self.dropout) / (1.0 - self.dropout)).astype(weights.dtype)
        outputs = ops.matmul(used, value)
        if query_mask is not None:
            outputs = ops.where(query_mask[:, :, None], outputs, 0.0)
        if return_attention_scores:
            return outputs, weights
        return outputs

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale, "dropout": self.dropout, "seed": self.seed}


class Attention(BaseDenseAttention):
    """Dot-product attention (Luong-style): scores ``query @ key^T`` (times ``scale``), or
    with ``score_mode='concat'`` ``concat_score_weight * sum(tanh(scale * (q + k)))``.

    Args:
        use_scale: Whether to learn a scalar ``scale`` for the scores (initially 1).
        score_mode: ``'dot'`` or ``'concat'``.
        dropout: Dropout rate on the attention weights while training.
        seed: Seed of the dropout.

    Call: ``inputs=[query, value]`` or ``[query, value, key]``, ``mask=[query_mask,
    value_mask]`` (filled from the inputs' Keras masks), ``return_attention_scores``,
    ``training``, ``use_causal_mask``.

    Example:
    >>> Attention()([np.ones((1, 2, 3)), np.ones((1, 4, 3))]).shape
    (1, 2, 3)

    Reference: Keras ``keras.layers.Attention``.
    """

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0, seed=None, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, **kwargs)
        self.score_mode = check_choice("score_mode", score_mode, ("dot", "concat"))

    def build_weights(self, dim: int) -> None:
        if self.use_scale:
            self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.add_weight(name="concat_score_weight", shape=(), initializer="ones")

    def scores(self, query, key):
        scale = self.params.get("scale")
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.transpose(key, (0, 2, 1)))
            return scores if scale is None else scores * scale
        summed = ops.expand_dims(query, -2) + ops.expand_dims(key, -3)
        if scale is not None:
            summed = scale * summed
        return self.params["concat_score_weight"] * ops.sum(ops.tanh(summed), axis=-1)

    def get_config(self):
        return {**super().get_config(), "score_mode": self.score_mode}


class AdditiveAttention(BaseDenseAttention):
    """Additive attention (Bahdanau-style): scores ``sum(scale * tanh(query + key))`` over
    the features, with a learned ``scale`` vector when ``use_scale`` (the default).

    Args:
        use_scale: Whether to learn the ``(dim,)`` ``scale`` (glorot-uniform initialised).
        dropout: Dropout rate on the attention weights while training.
        seed: Seed of the dropout.

    Example:
    >>> AdditiveAttention()([np.ones((1, 2, 3)), np.ones((1, 4, 3))]).shape
    (1, 2, 3)

    Reference: Keras ``keras.layers.AdditiveAttention``.
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, seed=None, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, **kwargs)

    def build_weights(self, dim: int) -> None:
        if self.use_scale:
            self.add_weight(name="scale", shape=(dim,), initializer="glorot_uniform")

    def scores(self, query, key):
        summed = ops.tanh(ops.expand_dims(query, -2) + ops.expand_dims(key, -3))
        scale = self.params.get("scale")
        return ops.sum(summed if scale is None else scale * summed, axis=-1)
