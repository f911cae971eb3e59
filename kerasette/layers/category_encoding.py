"""CategoryEncoding: integer categories as one-hot, multi-hot or count vectors."""

from __future__ import annotations

from kerasette import backend
from kerasette.layers.preprocessing_layer import PreprocessingLayer
from kerasette.preprocessing import lookup
from kerasette.validation import check_choice, check_int

OUTPUT_MODES = ("one_hot", "multi_hot", "count")


def check_output_mode(output_mode: str, choices: tuple) -> str:
    """``output_mode`` with Keras's deprecated spellings ('binary', 'tf-idf') translated."""
    output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
    return check_choice("output_mode", output_mode, choices)


def refuse_sparse(sparse) -> None:
    """Sparse outputs need TensorFlow's SparseTensor (Keras allows them only on that backend)."""
    if sparse is not False:
        raise ValueError(f"sparse: kerasette has no sparse tensors; expected False; received {sparse!r}")


def encoded_shape(input_shape: tuple, output_mode: str, depth) -> tuple:
    """Keras's output shape of an encoding: one_hot adds an axis (replacing a last axis of 1),
    multi_hot and count replace the last (sample) axis by ``depth``."""
    input_shape = tuple(input_shape)
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
        return input_shape + (depth,)
    return input_shape[:-1] + (depth,)


class CategoryEncoding(PreprocessingLayer):
    """Encodes integer categories in ``[0, num_tokens)``.

    ``multi_hot`` and ``count`` encode each sample (the last axis holds its categories) as
    one vector of length ``num_tokens``; ``one_hot`` encodes every value.

    Args:
        num_tokens: The number of categories; inputs must lie in ``[0, num_tokens)``.
        output_mode: ``'multi_hot'`` (Keras's default), ``'one_hot'`` or ``'count'``.
        sparse: Must be False: kerasette has no sparse tensors.

    Call arguments:
        inputs: Integer categories (rank 1 or 2 for multi_hot and count).
        count_weights: With ``output_mode='count'``, a weight per input value that is added
            instead of 1.

    Unlike Keras, values outside ``[0, num_tokens)`` are refused (Keras counts them
    nowhere or fails inside a backend op, depending on the backend).

    Example:
    >>> CategoryEncoding(num_tokens=4, output_mode='count')(np.array([[0, 1], [2, 2]])).tolist()
    [[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]]

    Reference: Keras ``keras.layers.CategoryEncoding``.
    """

    def __init__(self, num_tokens=None, output_mode: str = "multi_hot", sparse: bool = False, **kwargs):
        super().__init__(**kwargs)
        if num_tokens is None:
            raise ValueError("num_tokens: expected the number of categories (an integer >= 1); received None")
        self.num_tokens = check_int("num_tokens", num_tokens, 1)
        self.output_mode = check_output_mode(output_mode, OUTPUT_MODES)
        refuse_sparse(sparse)
        self.sparse = False

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def call(self, inputs, count_weights=None):
        weights = None
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    f"count_weights: only used with output_mode='count'; layer '{self.name}' has "
                    f"output_mode={self.output_mode!r}"
                )
            weights = lookup.as_floats(count_weights, "count_weights")
        return backend.to_device(self.transform(inputs, weights))

    def transform(self, inputs, weights=None):
        values = lookup.as_integers(inputs, f"CategoryEncoding layer '{self.name}': inputs")
        lookup.check_indices(values, self.num_tokens, f"CategoryEncoding layer '{self.name}': inputs")
        if weights is not None and weights.shape != values.shape:
            raise ValueError(f"count_weights: expected the inputs' shape {values.shape}; received {weights.shape}")
        return lookup.encode(values, self.output_mode, self.num_tokens, backend.floatx(), weights)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode, "sparse": False}
