"""Fashion-MNIST dataset of Zalando article images."""

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
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
)

# SHA-256 of the decompressed files as published by their authors; mirrors may
# recompress them, so the gzip bytes themselves are not a stable identity.
FILES_SHA256 = {
    TRAIN_IMAGES: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    TRAIN_LABELS: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    TEST_IMAGES: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    TEST_LABELS: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}


def load_data(path: str | os.PathLike[str] | None = None) -> Dataset:
    """Loads the Fashion-MNIST dataset.

    This is a dataset of 60,000 28x28 grayscale images of 10 fashion
    categories, along with a test set of 10,000 images. This dataset can be
    used as a drop-in replacement for MNIST.

    The classes are:

    | Label | Description |
    |:-----:|-------------|
    |   0   | T-shirt/top |
    |   1   | Trouser     |
    |   2   | Pullover    |
    |   3   | Dress       |
    |   4   | Coat        |
    |   5   | Sandal      |
    |   6   | Shirt       |
    |   7   | Sneaker     |
    |   8   | Bag         |
    |   9   | Ankle boot  |

    The four gzip IDX files are looked up in `path`, then in
    `$KERASETTE_DATA_DIR/fashion-mnist/`, then in the cache
    `$KERASETTE_HOME/datasets/fashion-mnist/` (`KERASETTE_HOME` defaults to
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
          `(60000, 28, 28)`, containing the training data.

        **`y_train`**: `uint8` NumPy array of labels (integers in range 0-9)
          with shape `(60000,)` for the training data.

        **`x_test`**: `uint8` NumPy array of grayscale image data with shape
          `(10000, 28, 28)`, containing the test data.

        **`y_test`**: `uint8` NumPy array of labels (integers in range 0-9)
          with shape `(10000,)` for the test data.

    Raises:
        DatasetError: If a file cannot be found or downloaded, or fails
            verification.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = kerasette.datasets.fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28)
    assert x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,)
    assert y_test.shape == (10000,)
    ```

    License:
        The copyright for Fashion-MNIST is held by Zalando SE.
        Fashion-MNIST is licensed under the [MIT license](
        https://github.com/zalandoresearch/fashion-mnist/blob/master/LICENSE).
    """
    return load_idx_dataset("fashion-mnist", FILES_SHA256, MIRRORS, path, num_train=60000, num_test=10000)
