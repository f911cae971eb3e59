"""The convolutional examples, shortened, reach sensible accuracies on the real data.

These train on the real MNIST and Fashion-MNIST files (KERASETTE_DATA_DIR); they skip
without the data and fail when KERASETTE_REQUIRE_DATA=1. The full runs (15 and 5 epochs
on all 60,000 images, >= 99% test accuracy) are measured outside the suite; these
shortened ones (one epoch on a few thousand images, 2,000 test images) check that the
examples run end to end and learn.
"""

import importlib.util
import pathlib

from data_helpers import require_dataset

from kerasette.datasets import fashion_mnist, mnist

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_keras_mnist_convnet_learns_from_six_thousand_images():
    require_dataset(mnist.load_data)
    accuracy = load_example("mnist_convnet").main(epochs=1, train_samples=6000, test_samples=2000, verbose=0)
    assert accuracy >= 0.75  # 0.81 measured with the suite's seed (42 steps of batch 128)


def test_deep_learning_with_python_convnet_learns_from_four_thousand_images():
    require_dataset(mnist.load_data)
    accuracy = load_example("dlwp_convnet").main(epochs=1, train_samples=4000, test_samples=2000, verbose=0)
    assert accuracy >= 0.75  # 0.84 measured with the suite's seed


def test_fashion_mnist_cnn_learns_from_six_thousand_images():
    require_dataset(fashion_mnist.load_data)
    accuracy = load_example("fashion_mnist_cnn").main(epochs=1, train_samples=6000, test_samples=1000, verbose=0)
    assert accuracy >= 0.70  # 0.78 measured with the suite's seed
