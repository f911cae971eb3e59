"""MNIST handwritten digits dataset."""

import os

from .files import (
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    Dataset,
    load_idx_dataset,
)

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

# SHA-256 of the decompressed files as published by their authors; mirrors may
# recompress them, so the gzip bytes themselves are not a stable identity.
FILES_SHA256 = {
    TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}


def load_data(path: str | os.PathLike[str] | None = None) -> Dataset:
    """Loads the MNIST dataset.

    This is a dataset of 60,000 28x28 grayscale images of the 10 digits,
    along with a test set of 10,000 images.
    More info can be found at the
    [MNIST homepage](http://yann.lecun.com/exdb/mnist/).

    The four gzip IDX files are looked up in `path`, then in
    `$KERASETTE_DATA_DIR/mnist/`, then in the cache
    `$KERASETTE_HOME/datasets/mnist/` (`KERASETTE_HOME` defaults to
    `~/.kerasette`). Missing files are downloaded into the cache unless
    `KERASETTE_OFFLINE=1`. Every file is verified against the SHA-256 of its
    decompressed content.

    Args:
        path: Directory holding `train-images-idx3-ubyte.gz`,
            `train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz` and
            `t10k-labels-idx1-ubyte.gz`. Searched first when given.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        **`x_train`**: `uint8` NumPy array of grayscale image data with shape
          `(60000, 28, 28)`, containing the training data. Pixel values range
          from 0 to 255.

        **`y_train`**: `uint8` NumPy array of digit labels (integers in range
          0-9) with shape `(60000,)` for the training data.

        **`x_test`**: `uint8` NumPy array of grayscale image data with shape
          `(10000, 28, 28)`, containing the test data. Pixel values range
          from 0 to 255.

        **`y_test`**: `uint8` NumPy array of digit labels (integers in range
          0-9) with shape `(10000,)` for the test data.

    Raises:
        DatasetError: If a file cannot be found or downloaded, or fails
            verification.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = kerasette.datasets.mnist.load_data()
    assert x_train.shape == (60000, 28, 28)
    assert x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,)
    assert y_test.shape == (10000,)
    ```

    License:
        Yann LeCun and Corinna Cortes hold the copyright of MNIST dataset,
        which is a derivative work from original NIST datasets.
        MNIST dataset is made available under the terms of the
        [Creative Commons Attribution-Share Alike 3.0 license.](
        https://creativecommons.org/licenses/by-sa/3.0/)
    """
    return load_idx_dataset("mnist", FILES_SHA256, MIRRORS, path, num_train=60000, num_test=10000)
