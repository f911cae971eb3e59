"""The figures of TensorFlow's Fashion-MNIST tutorial, drawn from a kerasette model.

Writes, into the output folder:
- ``fashion_train_grid.png``: the first 25 training images with their class names;
- ``fashion_prediction_<i>.png``: test image ``i`` with its predicted class and confidence
  (blue when right, red when wrong) beside a bar chart of the ten probabilities;
- ``fashion_predictions_grid.png``: the first 15 test images and their bar charts;
- ``fashion_history.png``: loss and accuracy per epoch (``kerasette.utils.plot_history``).

Needs matplotlib (``pip install "kerasette[plot]"``).

Run:  python examples/fashion_mnist_figures.py [output folder]
"""

import pathlib
import sys

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import kerasette as keras

class_names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def new_figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def plot_image(axes, predictions_array, true_label, image):
    axes.set_xticks([])
    axes.set_yticks([])
    axes.imshow(image, cmap="binary")
    predicted_label = int(np.argmax(predictions_array))
    color = "blue" if predicted_label == true_label else "red"
    axes.set_xlabel(
        f"{class_names[predicted_label]} {100 * np.max(predictions_array):2.0f}% ({class_names[true_label]})",
        color=color,
    )


def plot_value_array(axes, predictions_array, true_label):
    axes.set_xticks(range(10))
    axes.set_yticks([])
    bars = axes.bar(range(10), predictions_array, color="#777777")
    axes.set_ylim([0, 1])
    bars[int(np.argmax(predictions_array))].set_color("red")
    bars[true_label].set_color("blue")


def main(output: str = "figures", epochs: int = 10, verbose: int = 1) -> list[pathlib.Path]:
    folder = pathlib.Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    (train_images, train_labels), (test_images, test_labels) = keras.datasets.fashion_mnist.load_data()
    train_images, test_images = train_images / 255.0, test_images / 255.0

    written = []
    figure = new_figure(10, 10)
    for i in range(25):
        axes = figure.add_subplot(5, 5, i + 1)
        axes.set_xticks([])
        axes.set_yticks([])
        axes.imshow(train_images[i], cmap="binary")
        axes.set_xlabel(class_names[train_labels[i]])
    written.append(folder / "fashion_train_grid.png")
    figure.savefig(written[-1])

    model = keras.Sequential(
        [
            keras.layers.Flatten(input_shape=(28, 28)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    model.compile(
        optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    history = model.fit(train_images, train_labels, epochs=epochs, verbose=verbose)
    written.append(folder / "fashion_history.png")
    keras.utils.plot_history(history, written[-1])

    probability_model = keras.Sequential([model, keras.layers.Softmax()])
    predictions = probability_model.predict(test_images, verbose=0)

    for i in (0, 12):
        figure = new_figure(6, 3)
        plot_image(figure.add_subplot(1, 2, 1), predictions[i], int(test_labels[i]), test_images[i])
        plot_value_array(figure.add_subplot(1, 2, 2), predictions[i], int(test_labels[i]))
        written.append(folder / f"fashion_prediction_{i}.png")
        figure.savefig(written[-1])

    rows, columns = 5, 3
    figure = new_figure(2 * 2 * columns, 2 * rows)
    for i in range(rows * columns):
        plot_image(
            figure.add_subplot(rows, 2 * columns, 2 * i + 1), predictions[i], int(test_labels[i]), test_images[i]
        )
        plot_value_array(figure.add_subplot(rows, 2 * columns, 2 * i + 2), predictions[i], int(test_labels[i]))
    written.append(folder / "fashion_predictions_grid.png")
    figure.savefig(written[-1])
    for path in written:
        print("wrote", path)
    return written


if __name__ == "__main__":
    main(*sys.argv[1:2])
