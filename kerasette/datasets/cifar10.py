"""CIFAR-10 small images, as ``keras.datasets.cifar10``: 50,000 training and 10,000 test
32x32 colour images in 10 classes (airplane, automobile, bird, cat, deer, dog, frog, horse,
ship, truck)."""

from __future__ import annotations

import numpy as np

from .cifar import as_keras_returns, images_and_labels, read_batches

ARCHIVE = "cifar-10-python.tar.gz"
# Keras's published SHA-256 of the archive (keras/src/datasets/cifar10.py).
FILE_HASHES = {ARCHIVE: "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"}
FOLDER = "cifar-10-batches-py"


def load_data():
    """Loads CIFAR-10 from Keras's archive (found as the other datasets' files are).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images ``(50000, 32, 32, 3)`` and
        ``(10000, 32, 32, 3)`` (channels first when ``image_data_format`` is), uint8 labels
        ``(50000, 1)`` and ``(10000, 1)`` in ``[0, 10)``.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = kerasette.datasets.cifar10.load_data()
    assert x_train.shape == (50000, 32, 32, 3) and y_test.shape == (10000, 1)
    ```
    """
    train_members = [f"{FOLDER}/data_batch_{index}" for index in range(1, 6)]
    test_member = f"{FOLDER}/test_batch"
    batches = read_batches("cifar10", ARCHIVE, FILE_HASHES[ARCHIVE], [*train_members, test_member])
    train = [images_and_labels(batches[member], "labels", member) for member in train_members]
    # Keras fills uint8 arrays, so labels are uint8 as the images are.
    x_train = np.concatenate([images for images, _ in train])
    y_train = np.concatenate([labels for _, labels in train]).astype("uint8")
    x_test, y_test = images_and_labels(batches[test_member], "labels", test_member)
    return as_keras_returns(x_train, y_train, x_test, y_test.astype("uint8"))
