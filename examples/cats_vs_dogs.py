"""Cats vs dogs from a folder of JPEG files, "Deep Learning with Python" (2nd edition,
section 8.2) style, with only the import changed: ``image_dataset_from_directory``, a
``data_augmentation`` Sequential (RandomFlip, RandomRotation, RandomZoom), Rescaling and a
convnet trained with RMSprop and binary cross-entropy; the best epoch by validation loss is
kept by ModelCheckpoint and evaluated on the test folder.

The folder holds ``train/``, ``validation/`` and ``test/``, each with one subfolder per
class (the book's ``cats_vs_dogs_small``). The convnet is the book's with its last two
convolutions left out when the images are smaller than 76 pixels (they would shrink below
3x3); at the book's 180x180 it is the book's network. The checkpoint keeps the weights
(``.weights.h5``): kerasette does not write Functional models to ``.keras`` files yet.

Run:  python examples/cats_vs_dogs.py cats_vs_dogs_small [--image-size 180] [--epochs 100]

Reference: F. Chollet, Deep Learning with Python, 2nd edition (Manning, 2021), listings 8.6-8.17.
"""

import argparse
import os
import pathlib
import tempfile

import kerasette as keras
from kerasette import layers
from kerasette.utils import image_dataset_from_directory


def main(base_dir, image_size: int = 180, epochs: int = 100, batch_size: int = 32, verbose: int = 1) -> dict:
    """Train on ``base_dir/train``, validate on ``base_dir/validation``; returns the history and test accuracy."""
    new_base_dir = pathlib.Path(base_dir)
    size = (image_size, image_size)
    train_dataset = image_dataset_from_directory(new_base_dir / "train", image_size=size, batch_size=batch_size)
    validation_dataset = image_dataset_from_directory(
        new_base_dir / "validation", image_size=size, batch_size=batch_size
    )
    test_dataset = image_dataset_from_directory(new_base_dir / "test", image_size=size, batch_size=batch_size)

    data_augmentation = keras.Sequential(
        [
            layers.RandomFlip("horizontal"),
            layers.RandomRotation(0.1),
            layers.RandomZoom(0.2),
        ]
    )

    inputs = keras.Input(shape=(image_size, image_size, 3))
    x = data_augmentation(inputs)
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Conv2D(filters=32, kernel_size=3, activation="relu")(x)
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=64, kernel_size=3, activation="relu")(x)
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=128, kernel_size=3, activation="relu")(x)
    if image_size >= 76:
        x = layers.MaxPooling2D(pool_size=2)(x)
        x = layers.Conv2D(filters=256, kernel_size=3, activation="relu")(x)
        x = layers.MaxPooling2D(pool_size=2)(x)
        x = layers.Conv2D(filters=256, kernel_size=3, activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)

    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    with tempfile.TemporaryDirectory() as folder:
        checkpoint = os.path.join(folder, "convnet_from_scratch_with_augmentation.weights.h5")
        callbacks = [
            keras.callbacks.ModelCheckpoint(
                filepath=checkpoint, save_best_only=True, save_weights_only=True, monitor="val_loss"
            )
        ]
        history = model.fit(
            train_dataset, epochs=epochs, validation_data=validation_dataset, callbacks=callbacks, verbose=verbose
        )
        model.load_weights(checkpoint)
    test_loss, test_acc = model.evaluate(test_dataset, verbose=verbose)
    print(f"Test accuracy: {test_acc:.3f}")
    return {"history": history.history, "test_accuracy": test_acc}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_dir", help="folder with train/, validation/ and test/, one subfolder per class")
    parser.add_argument("--image-size", type=int, default=180)
    parser.add_argument("--epochs", type=int, default=100)
    arguments = parser.parse_args()
    main(arguments.base_dir, arguments.image_size, arguments.epochs)
