"""AUC(multi_label=True) and curve='PRGAIN' against real Keras 3 (tests/fixtures/make_auc_goldens.py,
the same labels, predictions and weights, two updates each)."""

import importlib.util
import json
from pathlib import Path

import pytest

from kerasette import metrics

FIXTURES = Path(__file__).parent / "fixtures"
GOLDENS = json.loads((FIXTURES / "keras_auc_goldens.json").read_text())
_spec = importlib.util.spec_from_file_location("make_auc_goldens", FIXTURES / "make_auc_goldens.py")
make_auc_goldens = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_auc_goldens)


@pytest.mark.parametrize("key", sorted(GOLDENS))
def test_matches_keras(key):
    name, _, weighted = key.partition("/")
    labels, predictions, weights = make_auc_goldens.data()
    metric = metrics.AUC(**make_auc_goldens.CASES[name])
    for batch in range(2):
        metric.update_state(labels[batch], predictions[batch], sample_weight=weights[batch] if weighted else None)
    assert metric.result() == pytest.approx(GOLDENS[key], rel=1e-5, abs=1e-7)


def test_multi_label_state_is_per_label_and_resets():
    labels, predictions, _ = make_auc_goldens.data()
    metric = metrics.AUC(multi_label=True, num_thresholds=20)
    assert metric.result() == 0.0  # before any update, as Keras's zero counts give
    metric.update_state(labels[0], predictions[0])
    assert metric.true_positives.shape == (20, 3) and metric.num_labels == 3
    first = metric.result()
    metric.reset_state()
    metric.update_state(labels[0], predictions[0])
    assert metric.result() == first
    again = metrics.AUC.from_config(metric.get_config())
    assert again.multi_label and again.num_labels == 3


def test_multi_label_inputs_are_checked():
    metric = metrics.AUC(multi_label=True, num_labels=2)
    with pytest.raises(ValueError, match=r"expected 2 labels \(columns\); received shape \(4, 3\)"):
        metric.update_state([[0, 1, 0]] * 4, [[0.1, 0.2, 0.3]] * 4)
    with pytest.raises(ValueError, match="rank 2"):
        metrics.AUC(multi_label=True).update_state([0, 1], [0.3, 0.6])
    with pytest.raises(ValueError, match="num_labels: is used only with multi_label=True"):
        metrics.AUC(num_labels=3)
