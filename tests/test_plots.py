"""plot_history and the Fashion-MNIST tutorial's figures (needs matplotlib)."""

import pathlib

import pytest

pytest.importorskip("matplotlib")

from data_helpers import require_dataset  # noqa: E402
from test_seeds import load_example  # noqa: E402

from kerasette.datasets import fashion_mnist  # noqa: E402
from kerasette.utils import plot_history  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_plot_history_draws_training_and_validation_per_quantity(tmp_path):
    logs = {
        "loss": [0.9, 0.5, 0.3],
        "accuracy": [0.6, 0.8, 0.9],
        "val_loss": [1.0, 0.7, 0.6],
        "val_accuracy": [0.5, 0.7, 0.8],
    }
    path = tmp_path / "history.png"
    figure = plot_history(logs, path)
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    titles = [axes.get_title() for axes in figure.axes]
    assert titles == ["loss", "accuracy"]
    loss_axes = figure.axes[0]
    curves = {line.get_label(): list(line.get_ydata()) for line in loss_axes.get_lines()}
    assert curves == {"training": logs["loss"], "validation": logs["val_loss"]}


def test_plot_history_refuses_an_empty_history():
    with pytest.raises(ValueError, match="history"):
        plot_history({})


def test_fashion_tutorial_figures_are_written(tmp_path):
    require_dataset(fashion_mnist.load_data)
    written = load_example("fashion_mnist_figures").main(str(tmp_path), epochs=1, verbose=0)
    names = sorted(pathlib.Path(path).name for path in written)
    assert names == [
        "fashion_history.png",
        "fashion_prediction_0.png",
        "fashion_prediction_12.png",
        "fashion_predictions_grid.png",
        "fashion_train_grid.png",
    ]
    for path in written:
        assert pathlib.Path(path).read_bytes().startswith(PNG_SIGNATURE)
