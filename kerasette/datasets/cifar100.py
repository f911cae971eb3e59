"""CIFAR-100 small images, as ``keras.datasets.cifar100``: 50,000 training and 10,000 test
32x32 colour images in 100 fine classes grouped in 20 coarse ones."""

from __future__ import annotations

from .cifar import as_keras_returns, images_and_labels, read_batches

ARCHIVE = "cifar-100-python.tar.gz"
# Keras's published SHA-256 of the archive (keras/src/datasets/cifar100.py).
FILE_HASHES = {ARCHIVE: "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"}
FOLDER = "cifar-100-python"


def load_data(label_mode="fine"):
    """Loads CIFAR-100 from Keras's archive (found as the other datasets' files are).

    Args:
        label_mode: ``'fine'`` (100 classes) or ``'coarse'`` (20 superclasses).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images ``(50000, 32, 32, 3)`` and
        ``(10000, 32, 32, 3)`` (channels first when ``image_data_format`` is), integer labels
        ``(50000, 1)`` and ``(10000, 1)``.

    Example:

    ```python
    (x_train, y_train), _ = kerasette.datasets.cifar100.load_data(label_mode='coarse')
    assert y_train.max() == 19
    ```
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f"label_mode: expected 'fine' or 'coarse'; received {label_mode!r}")
    members = [f"{FOLDER}/train", f"{FOLDER}/test"]
    batches = read_batches("cifar100", ARCHIVE, FILE_HASHES[ARCHIVE], members)
    (x_train, y_train), (x_test, y_test) = (
        images_and_labels(batches[member], f"{label_mode}_labels", member) for member in members
    )
    return as_keras_returns(x_train, y_train, x_test, y_test)
