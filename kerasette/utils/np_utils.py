"""Keras 2's ``keras.utils.np_utils`` path, kept for the programs written for it.

``from keras.utils.np_utils import to_categorical`` is how Keras 2 books import the
function; it is the same :func:`kerasette.utils.to_categorical`.

>>> to_categorical([1], num_classes=2).tolist()
[[0.0, 1.0]]
"""

from kerasette.utils import to_categorical

__all__ = ["to_categorical"]
