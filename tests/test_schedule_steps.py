"""Learning-rate schedules take the step as Keras passes it: a number or a 0-d array
(Keras calls them with its iteration counter, a 0-d tensor). Values follow Keras 3's
documented formulas."""

import math

import numpy as np
import pytest

from kerasette import backend
from kerasette.optimizers import schedules


@pytest.mark.parametrize("step", [3, 3.0, np.int64(3), np.array(3), np.array(3.0, dtype="float32")])
def test_a_zero_d_array_step_is_read_as_its_number(step):
    decay = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    # Keras: initial_learning_rate * decay_rate ** (step / decay_steps)
    assert decay(step) == pytest.approx(0.1 * 0.5 ** (3 / 10), rel=1e-12)
    cosine = schedules.CosineDecay(0.2, decay_steps=6)
    assert cosine(step) == pytest.approx(0.2 * 0.5 * (1 + math.cos(math.pi * 3 / 6)), rel=1e-12)


def test_a_backend_zero_d_array_is_read_too():
    step = backend.to_device(np.array(4), "int64")
    assert schedules.InverseTimeDecay(0.1, 2, 0.5)(step) == pytest.approx(0.1 / (1 + 0.5 * 4 / 2))


@pytest.mark.parametrize("step", [np.array([3]), np.array(True), np.array(-1), "3"])
def test_other_steps_are_refused_naming_the_argument(step):
    with pytest.raises(ValueError, match="step: expected a number >= 0"):
        schedules.ExponentialDecay(0.1, 10, 0.5)(step)
