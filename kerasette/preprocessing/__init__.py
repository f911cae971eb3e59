"""``keras.preprocessing``: Keras 2's ``image.ImageDataGenerator`` and the image utilities."""

from kerasette.preprocessing import image

__all__ = ["image"]
