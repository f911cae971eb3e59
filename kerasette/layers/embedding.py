"""Embedding: turns integer indices into dense vectors, rows of a trained table."""

from __future__ import annotations

from kerasette import backend, constraints, initializers, regularizers
from kerasette.backend import xp
from kerasette.layers.layer import Layer
from kerasette.ops import tape
from kerasette.validation import check_bool, check_number


class Embedding(Layer):
    """Looks up row ``i`` of an ``(input_dim, output_dim)`` table for each index ``i``.

    Inputs are whole numbers in ``[0, input_dim)`` (of any numeric dtype, since models
    carry floats); anything else is refused with the offending value, where Keras would
    silently clip or fail deep inside the backend. The gradient adds each output's
    gradient into the row it came from; indices themselves get a zero gradient.

    Args:
        input_dim: Size of the vocabulary: the largest index plus one, >= 1.
        output_dim: Length of each vector, >= 1.
        embeddings_initializer: Initializer of the table (Keras's default 'uniform':
            uniform in [-0.05, 0.05]).
        embeddings_regularizer: Penalty on the table added to the training loss.
        embeddings_constraint: Projection of the table after each update.
        mask_zero: Whether index 0 is padding: the output then carries a mask, False
            where the index is 0, that the layers after it honour (as Keras, index 0
            still has a row in the table, so ``input_dim`` counts it).
        weights: The initial table, an ``(input_dim, output_dim)`` array (or a list holding
            it), as Keras: the layer is then built at once.

    Example:
    >>> layer = Embedding(3, 2, embeddings_initializer='ones')
    >>> layer(np.array([[0, 2, 2]])).shape
    (1, 3, 2)

    Reference: Keras ``keras.layers.Embedding``.
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero: bool = False,
        weights=None,
        **kwargs,
    ):
        kwargs.pop("input_length", None)  # Keras 2's argument; Keras 3 ignores it too
        super().__init__(**kwargs)
        self.input_dim = check_number("input_dim", input_dim, 1, integer=True)
        self.output_dim = check_number("output_dim", output_dim, 1, integer=True)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = check_bool("mask_zero", mask_zero)
        self.supports_masking = self.mask_zero
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        if weights is not None:
            self.build((None,))
            self.set_weights(weights if isinstance(weights, list) else [weights])

    def build(self, input_shape):
        self.add_weight(
            name="embeddings",
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def compute_mask(self, inputs, previous_mask=None):
        return tape.unwrap(inputs) != 0 if self.mask_zero else None

    def _indices(self, inputs):
        if inputs.dtype.kind in "iu":
            indices = inputs
        else:
            indices = inputs.astype(xp.int64)
            if not bool((indices == inputs).all()):
                bad = inputs[indices != inputs].ravel()[0]
                raise ValueError(
                    f"Embedding layer '{self.name}': inputs must be whole numbers (indices); received {float(bad)!r}"
                )
        if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= self.input_dim):
            raise ValueError(
                f"Embedding layer '{self.name}': indices must lie in [0, {self.input_dim}) (input_dim="
                f"{self.input_dim}); received values from {int(indices.min())} to {int(indices.max())}"
            )
        return indices

    def forward(self, state, inputs, training=False):
        indices = self._indices(inputs)
        outputs = state.buffer("outputs", inputs.shape + (self.output_dim,), self.params["embeddings"].data.dtype)
        xp.take(self.params["embeddings"].data, indices, axis=0, out=outputs)
        if state.records:
            state.indices_used, state.input_shape = indices, inputs.shape
        return outputs

    def backward(self, state, grad_output):
        grad_embeddings = state.gradient(self.params["embeddings"])
        grad_embeddings[...] = 0
        # Rows used several times in the batch receive the sum of their gradients.
        backend.scatter_add(grad_embeddings, state.indices_used.ravel(), grad_output.reshape(-1, self.output_dim))
        if not state.need_input_grad:
            return None
        return xp.zeros(state.input_shape, dtype=grad_output.dtype)

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        }
