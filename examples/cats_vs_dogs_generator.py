"""Cats vs dogs with Keras 2's ``ImageDataGenerator.flow_from_directory``, "Deep Learning
with Python" (1st edition, section 5.2) style, with only the import changed: images read
from folders and augmented on the fly (rotation, shifts, shear, zoom, horizontal flips,
rescaling), a Sequential convnet with dropout, RMSprop(lr=1e-4) and binary cross-entropy.

The folder holds ``train/``, ``validation/`` and ``test/``, each with one subfolder per
class. As in Keras 2.1+, ``model.fit`` takes the generators (the book's ``fit_generator``
is gone from Keras 3). The convnet is the book's, with its last convolution block left out
when the images are smaller than 48 pixels; at the book's 150x150 it is the book's network.

Run:  python examples/cats_vs_dogs_generator.py cats_vs_dogs_small [--image-size 150] [--epochs 100]

Reference: F. Chollet, Deep Learning with Python (Manning, 2017), listings 5.5-5.14.
"""

import argparse
import os

from kerasette import layers, models, optimizers
from kerasette.preprocessing.image import ImageDataGenerator


def main(
    base_dir, image_size: int = 150, epochs: int = 100, batch_size: int = 32, lr: float = 1e-4, verbose: int = 1
) -> dict:
    """Train on ``base_dir/train``, validate on ``base_dir/validation``; returns the history and
    test accuracy. ``lr`` is RMSprop's learning rate (the book's 1e-4 by default)."""
    train_dir = os.path.join(base_dir, "train")
    validation_dir = os.path.join(base_dir, "validation")
    test_dir = os.path.join(base_dir, "test")

    model = models.Sequential()
    model.add(layers.Conv2D(32, (3, 3), activation="relu", input_shape=(image_size, image_size, 3)))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation="relu"))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(128, (3, 3), activation="relu"))
    model.add(layers.MaxPooling2D((2, 2)))
    if image_size >= 48:
        model.add(layers.Conv2D(128, (3, 3), activation="relu"))
        model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Flatten())
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(512, activation="relu"))
    model.add(layers.Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer=optimizers.RMSprop(lr=lr), metrics=["acc"])

    train_datagen = ImageDataGenerator(
        rescale=1.0 / 255,
        rotation_range=40,
        width_shift_range=0.2,
        height_shift_range=0.2,
        shear_range=0.2,
        zoom_range=0.2,
        horizontal_flip=True,
    )
    test_datagen = ImageDataGenerator(rescale=1.0 / 255)
    size = (image_size, image_size)
    train_generator = train_datagen.flow_from_directory(
        train_dir, target_size=size, batch_size=batch_size, class_mode="binary"
    )
    validation_generator = test_datagen.flow_from_directory(
        validation_dir, target_size=size, batch_size=batch_size, class_mode="binary"
    )
    history = model.fit(train_generator, epochs=epochs, validation_data=validation_generator, verbose=verbose)

    test_generator = test_datagen.flow_from_directory(test_dir, target_size=size, batch_size=20, class_mode="binary")
    test_loss, test_acc = model.evaluate(test_generator, verbose=verbose)
    print(f"Test accuracy: {test_acc:.3f}")
    return {"history": history.history, "test_accuracy": test_acc}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_dir", help="folder with train/, validation/ and test/, one subfolder per class")
    parser.add_argument("--image-size", type=int, default=150)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-4)
    arguments = parser.parse_args()
    main(arguments.base_dir, arguments.image_size, arguments.epochs, lr=arguments.lr)
