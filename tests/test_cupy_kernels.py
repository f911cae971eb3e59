"""The fused CuPy kernels' element-wise math is the NumPy rules' math, checked without a GPU.

The kernel bodies (``kerasette/backend/cupy_kernel_sources.py``) are CUDA C statements.
Those of the element-wise kernels use a small subset of C (declarations, assignments,
arithmetic, ``sqrt``/``exp``/``tanh``/``fabs``, casts to ``T`` and ``?:``), which
:func:`kernel_translation.evaluate_body` turns into NumPy statements: run on float32 arrays, they must give
bit for bit what the NumPy rules give (NumPy does one rounding per operation, as the
kernels do when compiled with ``--fmad=false``). The row-wise softmax and cross-entropy
kernels have loops and are checked on a GPU only (``test_gpu_kernels.py``).
"""

import numpy as np
import pytest
from kernel_translation import evaluate_body, to_numpy_statement

from kerasette import activations, backend, optimizers
from kerasette.backend import cupy_kernel_sources as sources


def test_the_translation_of_c_is_what_it_claims():
    assert to_numpy_statement("T z = y + b", {"y"}) == "z = (y + b)"
    assert to_numpy_statement("y = z < (T)0 ? (T)0 : z", {"y"}) == "y[...] = np.where(z < 0 , 0 , z)"
    assert to_numpy_statement("const T lr = (T)hyper[2]", set()) == "lr = (T(hyper[2]))"


@pytest.fixture
def numpy_rules(monkeypatch):
    """The optimizers' array-by-array NumPy rules, without the numba kernels."""
    monkeypatch.setattr(backend, "use_fused_kernels", False)


def random_arrays(count, shape=(7, 5), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype("float32") for _ in range(count)]


CASES = [
    ("sgd", optimizers.SGD(learning_rate=0.03), {}, lambda opt, lr: (lr,)),
    ("sgd_momentum", optimizers.SGD(learning_rate=0.03, momentum=0.9), {"m": 0}, lambda opt, lr: (opt.momentum, lr)),
    (
        "sgd_nesterov",
        optimizers.SGD(learning_rate=0.03, momentum=0.9, nesterov=True),
        {"m": 0},
        lambda opt, lr: (opt.momentum, lr),
    ),
    (
        "rmsprop",
        optimizers.RMSprop(learning_rate=0.01),
        {"v": 0},
        lambda opt, lr: (opt.rho, 1 - opt.rho, lr, opt.epsilon),
    ),
    (
        "adam",
        optimizers.Adam(learning_rate=0.01),
        {"m": 0, "v": 1},
        lambda opt, lr: (
            1 - opt.beta_1,
            1 - opt.beta_2,
            lr * np.sqrt(1 - opt.beta_2 ** (opt.iterations + 1)) / (1 - opt.beta_1 ** (opt.iterations + 1)),
            opt.epsilon,
        ),
    ),
]


@pytest.mark.parametrize("graph", [False, True], ids=["scalars-by-value", "scalars-from-device"])
@pytest.mark.parametrize("name, optimizer, slot_positions, scalars_of", CASES, ids=[case[0] for case in CASES])
def test_update_kernels_match_the_numpy_rules_bit_for_bit(
    numpy_rules, name, optimizer, slot_positions, scalars_of, graph
):
    spec = sources.UPDATE_KERNELS[name]
    weights, gradients = random_arrays(2, seed=1)
    optimizer.build([weights])
    slots = optimizer.slots[0]
    for index, slot in enumerate(slots.values()):  # non-zero slots, as after a few steps
        slot[...] = np.abs(random_arrays(1, seed=10 + index)[0])
    kernel_state = {"w": weights.copy(), "g": gradients.copy()}
    for value, kernel_name in zip(slots.values(), spec.outputs[1:]):
        kernel_state[kernel_name] = value.copy()
    optimizer.iterations = 3
    scalars = scalars_of(optimizer, optimizer.learning_rate)
    if graph:
        _, _, body = spec.graph_params()
        namespace = {**kernel_state, "T": np.float32, "hyper": np.array(scalars + (0.0,) * (8 - len(scalars)))}
    else:
        body = spec.body
        namespace = {**kernel_state, **{n: np.float32(v) for n, v in zip(spec.scalars, scalars)}}
    evaluate_body(body, namespace, set(spec.outputs))

    optimizer.update_step(gradients, weights, slots, np.empty_like(weights), optimizer.learning_rate)
    np.testing.assert_array_equal(kernel_state["w"], weights)
    for (slot_name, value), kernel_name in zip(slots.items(), spec.outputs[1:]):
        np.testing.assert_array_equal(kernel_state[kernel_name], value, err_msg=slot_name)


def test_every_kernel_is_tested_and_names_its_arrays_as_the_optimizers_pass_them():
    assert {case[0] for case in CASES} == set(sources.UPDATE_KERNELS)
    for spec in sources.UPDATE_KERNELS.values():
        assert spec.inputs == ("g",) and spec.outputs[0] == "w"


@pytest.mark.parametrize("name", sorted(sources.BIAS_ACTIVATION_BODIES))
def test_bias_activation_bodies_match_bias_then_activation(name):
    pre_activations, bias = random_arrays(1, (6, 4), seed=2)[0] * 4, random_arrays(1, (4,), seed=3)[0]
    pre_activations[0, 0] = np.nan  # a NaN stays NaN, as in the NumPy rules
    kernel_outputs = pre_activations.copy()
    evaluate_body(sources.BIAS_ACTIVATION_BODIES[name], {"y": kernel_outputs, "b": bias}, {"y"})
    expected = pre_activations + bias
    activations.get(name).apply_inplace(expected)
    np.testing.assert_array_equal(kernel_outputs, expected)


@pytest.mark.parametrize("name", sorted(sources.ACTIVATION_GRAD_BODIES))
def test_activation_grad_bodies_match_the_activations_gradients(name):
    outputs = activations.get(name)(random_arrays(1, (6, 4), seed=4)[0] * 3)
    upstream = random_arrays(1, (6, 4), seed=5)[0]
    kernel_grad = upstream.copy()
    evaluate_body(sources.ACTIVATION_GRAD_BODIES[name], {"y": outputs, "grad": kernel_grad}, {"grad"})
    np.testing.assert_array_equal(kernel_grad, activations.get(name).grad_inplace(upstream.copy(), outputs))


def test_a_wrong_body_would_be_caught():
    """The comparison is sharp: a rule with its operations reordered differs in the last bits."""
    rng = np.random.default_rng(0)
    g, v = rng.standard_normal(1000).astype("float32"), np.abs(rng.standard_normal(1000)).astype("float32")
    rho, one_minus_rho = np.float32(0.9), np.float32(1 - 0.9)
    right = {"g": g, "v": v.copy(), "w": np.zeros_like(g), "rho": rho, "one_minus_rho": one_minus_rho}
    right.update(lr=np.float32(0.001), epsilon=np.float32(1e-7))
    wrong = {**right, "v": v.copy(), "w": np.zeros_like(g)}
    evaluate_body(sources.UPDATE_KERNELS["rmsprop"].body, right, {"w", "v"})
    evaluate_body(
        "T nv = v * rho + g * (g * one_minus_rho); v = nv; w = w - g * (lr / sqrt(nv + epsilon));", wrong, {"w", "v"}
    )
    assert not np.array_equal(right["w"], wrong["w"])
