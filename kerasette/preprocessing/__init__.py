"""``keras.preprocessing``: Keras 2's ``image.ImageDataGenerator`` and the image utilities; and
the host-side (NumPy) work of the text preprocessing layers: text handling (``text``),
vocabularies, lookups and encodings (``lookup``), and TensorFlow's string hashes
(``fingerprint``)."""

from kerasette.preprocessing import image

__all__ = ["image"]
