"""The backend: choosing it, keeping NumPy/CuPy out of the model code, its helpers, seeding.

Backend selection happens once at import, so those cases run ``import kerasette`` in a
fresh interpreter with the environment variable set.
"""

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import kerasette
from kerasette import backend, utils
from kerasette.layers import Dense, Dropout
from kerasette.models import Sequential

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = REPO_ROOT / "kerasette"


def import_kerasette(backend_name: str | None, code: str = "import kerasette"):
    env = {key: value for key, value in os.environ.items() if key != "KERASETTE_BACKEND"}
    env["PYTHONPATH"] = str(REPO_ROOT)
    if backend_name is not None:
        env["KERASETTE_BACKEND"] = backend_name
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )


# -- choosing the backend -----------------------------------------------------------------
def test_unknown_backend_is_refused_with_the_choices():
    result = import_kerasette("bogus")
    assert result.returncode != 0
    assert "bogus" in result.stderr
    assert "numpy" in result.stderr and "cupy" in result.stderr
    assert "KERASETTE_BACKEND" in result.stderr


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="CuPy is importable here")
def test_cupy_backend_without_cupy_fails_with_a_clear_message():
    result = import_kerasette("cupy")
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "ImportError" in message
    assert "CuPy" in message or "cupy" in message
    assert "numpy" in message and "cupy" in message


def test_default_backend_is_numpy():
    code = "from kerasette import backend; print(backend.name, backend.xp.__name__, backend.floatx())"
    result = import_kerasette(None, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["numpy", "numpy", "float32"]


def test_numpy_backend_can_be_named_explicitly():
    result = import_kerasette("numpy", "from kerasette import backend; print(backend.name)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "numpy"


# -- NumPy and CuPy stay behind the backend ---------------------------------------------------
def backend_free_modules() -> list[Path]:
    names = ["initializers"]
    packages = ["activations", "layers", "losses", "metrics", "optimizers", "models", "callbacks", "trainers"]
    # trainers/data.py checks what users pass on the host, as saving/ and utils.py do.
    host_side = {PACKAGE / "trainers" / "data.py"}
    modules = [path for package in packages for path in sorted((PACKAGE / package).glob("*.py"))]
    return [path for path in modules if path not in host_side] + [PACKAGE / f"{name}.py" for name in names]


def array_module_imports(path: Path) -> list[str]:
    """Every ``import numpy``/``import cupy`` (or from-import of them) in a file, as text."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        found += [f"line {node.lineno}: {module}" for module in modules if module.split(".")[0] in ("numpy", "cupy")]
    return found


def test_model_code_does_not_import_numpy_or_cupy():
    modules = backend_free_modules()
    assert len(modules) >= 14 and all(path.exists() for path in modules)
    offenders = {
        str(path.relative_to(REPO_ROOT)): imports for path in modules if (imports := array_module_imports(path))
    }
    assert not offenders, f"array math must go through kerasette.backend.xp: {offenders}"


def test_the_import_check_catches_every_spelling(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "import os\nimport numpy as np\nfrom numpy.random import default_rng\n"
        "import cupy\nfrom kerasette.backend import xp\nfrom . import numpy\n"
        "def f():\n    import numpy.linalg\n"
    )
    assert array_module_imports(source) == [
        "line 2: numpy",
        "line 3: numpy.random",
        "line 4: cupy",
        "line 8: numpy.linalg",
    ]


# -- helpers ----------------------------------------------------------------------------------
def test_to_device_and_to_numpy_round_trip():
    host = np.arange(6, dtype="int64").reshape(2, 3)
    on_device = backend.to_device(host, "float64")
    assert isinstance(on_device, backend.xp.ndarray)
    assert on_device.dtype == np.float64 and on_device.shape == (2, 3)
    back = backend.to_numpy(on_device)
    assert type(back) is np.ndarray
    np.testing.assert_array_equal(back, host)
    assert backend.to_device([[1, 2]], "float32").dtype == np.float32
    assert backend.to_numpy(backend.to_device([0.5, 1.5])).tolist() == [0.5, 1.5]


def test_to_device_keeps_the_dtype_when_none_is_given():
    assert backend.to_device(np.zeros(3, dtype="float32")).dtype == np.float32
    assert backend.to_device(np.zeros(3, dtype="int32")).dtype == np.int32


def test_is_device_array():
    assert backend.is_device_array(backend.to_device(np.zeros(2)))
    assert not backend.is_device_array([0.0, 1.0])


def test_floatx_default_and_setting():
    assert backend.floatx() == "float32"
    backend.set_floatx("float64")
    try:
        assert backend.floatx() == "float64"
        layer = Dense(2)
        layer.build((None, 3))
        assert layer.params["kernel"].dtype == np.float64
    finally:
        backend.set_floatx("float32")
    layer = Dense(2)
    layer.build((None, 3))
    assert layer.params["kernel"].dtype == np.float32


@pytest.mark.parametrize("value", ["int32", "float", "double", "", None, 64])
def test_set_floatx_refuses_other_values(value):
    with pytest.raises(ValueError, match="floatx") as error:
        backend.set_floatx(value)
    assert repr(value) in str(error.value) and "float32" in str(error.value)
    assert backend.floatx() == "float32"


def test_public_backend_names():
    assert kerasette.backend is backend
    assert backend.name in backend.BACKENDS == ("numpy", "cupy")


# -- seeding ----------------------------------------------------------------------------------
def train_small_model(seed: int):
    data = np.random.default_rng(0)  # the data is fixed; only kerasette's randomness is seeded
    features = data.standard_normal((40, 5)).astype("float32")
    labels = data.integers(0, 3, size=40)
    utils.set_random_seed(seed)
    model = Sequential([Dense(8, activation="relu", input_shape=(5,)), Dropout(0.3), Dense(3, activation="softmax")])
    initial = model.get_weights()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(features, labels, batch_size=8, epochs=1, shuffle=True, verbose=0)
    return initial, model.get_weights(), history.history


def test_set_random_seed_makes_training_repeatable():
    initial_a, trained_a, history_a = train_small_model(7)
    initial_b, trained_b, history_b = train_small_model(7)
    for a, b in zip(initial_a + trained_a, initial_b + trained_b, strict=True):
        np.testing.assert_array_equal(a, b)
    assert history_a == history_b
    assert any(not np.array_equal(a, b) for a, b in zip(initial_a, trained_a))


def test_a_different_seed_gives_different_weights():
    initial_a, trained_a, _ = train_small_model(7)
    initial_b, trained_b, _ = train_small_model(8)
    assert not np.array_equal(initial_a[0], initial_b[0])
    assert not np.array_equal(trained_a[0], trained_b[0])


def test_seed_controls_dropout_and_shuffling_too():
    """Same initial weights but a different seed for the rest must change the trained weights."""
    data = np.random.default_rng(0)
    features = data.standard_normal((40, 5)).astype("float32")
    labels = data.integers(0, 3, size=40)
    results = []
    for seed in (1, 2):
        utils.set_random_seed(7)
        model = Sequential(
            [Dense(8, activation="relu", input_shape=(5,)), Dropout(0.3), Dense(3, activation="softmax")]
        )
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        utils.set_random_seed(seed)
        model.fit(features, labels, batch_size=8, epochs=1, verbose=0)
        results.append(model.get_weights())
    assert not np.array_equal(results[0][0], results[1][0])


@pytest.mark.parametrize("seed", [-1, 1.5, "1", True, None])
def test_set_random_seed_refuses_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed"):
        utils.set_random_seed(seed)
