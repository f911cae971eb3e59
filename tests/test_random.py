"""``kerasette.random``: Keras's seeding rules, and each distribution checked by its moments
and ranges on enough draws that a wrong formula fails (tolerances are several standard
errors wide, and the draws are seeded, so the test is deterministic)."""

from __future__ import annotations

import numpy as np
import pytest

from kerasette import backend, ops, random, utils

N = 200_000


def host(array):
    return backend.to_numpy(array)


def test_seed_none_draws_from_the_global_generator_that_set_random_seed_seeds():
    utils.set_random_seed(7)
    first = [host(random.normal((4,))), host(random.uniform((4,))), host(random.randint((4,), 0, 100))]
    utils.set_random_seed(7)
    again = [host(random.normal((4,))), host(random.uniform((4,))), host(random.randint((4,), 0, 100))]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(host(random.normal((4,))), first[0])  # the generator moved on


def test_an_int_seed_repeats_and_a_seed_generator_moves_on_reproducibly():
    np.testing.assert_array_equal(host(random.normal((5,), seed=3)), host(random.normal((5,), seed=3)))
    assert not np.array_equal(host(random.normal((5,), seed=3)), host(random.normal((5,), seed=4)))
    seeds, same_seeds = random.SeedGenerator(42), random.SeedGenerator(seed=42)
    draws = [host(random.uniform((5,), seed=seeds)) for _ in range(2)]
    assert not np.array_equal(draws[0], draws[1])
    np.testing.assert_array_equal(draws, [host(random.uniform((5,), seed=same_seeds)) for _ in range(2)])
    with pytest.raises(TypeError, match=r"seed: expected None, an integer >= 0 or a SeedGenerator; received 'a'"):
        random.normal((2,), seed="a")


def test_normal_uniform_and_truncated_normal_have_keras_s_distributions():
    values = host(random.normal((N,), mean=2.0, stddev=3.0, seed=0))
    assert values.dtype == np.float32
    assert abs(values.mean() - 2.0) < 0.05 and abs(values.std() - 3.0) < 0.05
    values = host(random.uniform((N,), minval=-1.0, maxval=3.0, dtype="float64", seed=0))
    assert values.dtype == np.float64 and values.min() >= -1.0 and values.max() < 3.0
    assert abs(values.mean() - 1.0) < 0.02 and abs(values.var() - 16 / 12) < 0.02
    values = host(random.truncated_normal((N,), mean=1.0, stddev=2.0, seed=0))
    assert values.min() >= 1.0 - 4.0 and values.max() <= 1.0 + 4.0
    # A standard normal cut at +-2 has standard deviation 0.8796 (Keras's initialisers divide by it).
    assert abs(values.mean() - 1.0) < 0.02 and abs(values.std() - 2.0 * 0.87962566) < 0.02
    with pytest.raises(ValueError, match=r"maxval: expected a number above minval=1\.0; received 1\.0"):
        random.uniform((2,), 1.0, 1.0)
    with pytest.raises(ValueError, match=r"dtype: expected a float dtype; received 'int32'"):
        random.normal((2,), dtype="int32")


def test_randint_draws_every_integer_of_the_half_open_range_equally():
    values = host(random.randint((N,), 2, 7, seed=0))
    assert values.dtype == np.int32
    counts = np.bincount(values, minlength=7)
    assert counts[:2].sum() == 0 and np.all(np.abs(counts[2:] / N - 0.2) < 0.01)
    assert host(random.randint((3,), 0, 5, dtype="int64", seed=0)).dtype == np.int64
    with pytest.raises(ValueError, match=r"maxval: expected an integer >= 3; received 2"):
        random.randint((2,), 2, 2)


def test_dropout_zeroes_rate_of_the_entries_scales_the_rest_and_passes_gradients():
    inputs = np.ones((400, 500), "float32")
    outputs = host(random.dropout(inputs, 0.3, seed=0))
    assert abs((outputs == 0).mean() - 0.3) < 0.01
    np.testing.assert_allclose(outputs[outputs != 0], 1 / 0.7, rtol=1e-6)
    shared = host(random.dropout(np.ones((50, 8)), 0.5, noise_shape=(None, 1), seed=1))
    assert all(len(set(row)) == 1 for row in shared) and 0 < (shared[:, 0] == 0).sum() < 50
    with ops.recording():
        tensor = ops.Tensor(np.ones((3, 4)))
        dropped = random.dropout(tensor, 0.5, seed=2)
        (grad,) = ops.gradients([ops.sum(dropped)], [tensor])
    np.testing.assert_array_equal(host(grad), host(dropped.data))  # d(sum(x * mask))/dx = mask
    with pytest.raises(ValueError, match=r"rate: expected a number in \[0, 1\); received 1\.0"):
        random.dropout(inputs, 1.0)


def test_shuffle_permutes_along_the_axis():
    x = np.arange(12).reshape(3, 4)
    rows, columns = host(random.shuffle(x, seed=0)), host(random.shuffle(x, axis=1, seed=0))
    assert sorted(map(tuple, rows)) == sorted(map(tuple, x)) and not np.array_equal(host(random.shuffle(x, seed=1)), x)
    assert sorted(map(tuple, columns.T)) == sorted(map(tuple, x.T))
    with pytest.raises(ValueError, match=r"axis: expected an integer in \[-2, 1\]; received 2"):
        random.shuffle(x, axis=2)


def test_categorical_draws_classes_with_softmax_probabilities():
    probabilities = np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])
    with np.errstate(divide="ignore"):
        logits = np.log(probabilities) + 3.0  # softmax is shift-invariant
    samples = host(random.categorical(logits, 50_000, seed=0))
    assert samples.shape == (2, 50_000) and samples.dtype == np.int32
    for row, expected in zip(samples, probabilities):
        np.testing.assert_allclose(np.bincount(row, minlength=3) / 50_000, expected, atol=0.01)
    with pytest.raises(ValueError, match=r"logits: expected shape \(batch, classes\); received shape \(3,\)"):
        random.categorical(np.zeros(3), 1)
