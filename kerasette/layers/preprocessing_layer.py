"""The base of the host-side preprocessing layers (text, lookups, hashing, encoding).

These layers turn strings or categories into numbers before a model's first weight: they
have no gradient and no weights, and they work on host arrays (NumPy), as Keras runs them
with ``tf.strings`` on the CPU whatever the backend. They receive their inputs as given
(``takes_host_inputs``: strings stay strings instead of being cast to floatx), so they work
as a model's first layer (``predict`` on an array of strings), alone, and in
``Dataset.map``. Their numeric outputs go to the backend's device; string outputs (an
inverted lookup) stay NumPy arrays.
"""

from __future__ import annotations

from kerasette import backend
from kerasette.layers.layer import Layer
from kerasette.preprocessing import text


class PreprocessingLayer(Layer):
    """A layer computed on the host by :meth:`transform`; subclasses define it and
    ``compute_output_shape``."""

    takes_host_inputs = True
    #: the dtype of a Keras InputLayer feeding this layer (None: the float type)
    input_dtype: str | None = None

    def call(self, inputs):
        outputs = self.transform(inputs)
        return outputs if outputs.dtype.kind in "OUS" else backend.to_device(outputs)

    def __call__(self, inputs, *args, **kwargs):
        # A list of strings is one batch (not a structure of inputs, as for other layers).
        if isinstance(inputs, (list, tuple, str, bytes)):
            inputs = text.as_batch(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def transform(self, inputs):
        """The layer's outputs, a host (NumPy) array, for host or device ``inputs``."""
        raise NotImplementedError(f"{type(self).__name__} defines no transform")

    def refresh_output_shape(self) -> None:
        """Recompute the output shape of a built layer (its width follows the vocabulary)."""
        if self.built:
            self.output_shape = self.compute_output_shape(self.input_shape)
