"""The package's layout holds: every module imports on its own, data flows one way (a layer
knows nothing of models, trainers, callbacks or files), and no module outgrows a sitting."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kerasette"
OPTIONAL = {"kerasette.backend.cupy_backend", "kerasette.backend.cupy_fused"}  # need CuPy and a GPU
UPWARD_FROM_LAYERS = ("kerasette.models", "kerasette.trainers", "kerasette.callbacks", "kerasette.saving")
MAX_MODULE_LINES = 400
MAX_SEQUENTIAL_LINES = 300


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(module_name(path) for path in PACKAGE.rglob("*.py"))


def imported_modules(path: Path) -> list[str]:
    """Every kerasette module a file imports, at any depth of the file (functions included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return [name for name in found if name.startswith("kerasette")]


def test_every_module_is_found():
    assert {
        "kerasette.trainers.trainer",
        "kerasette.callbacks.early_stopping",
        "kerasette.saving.saving_api",
        "kerasette.models.sequential",
        "kerasette.registry",
        "kerasette.layers.dense",
    } <= set(MODULES)


def import_in_a_fresh_interpreter(module: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def fresh_imports() -> dict[str, subprocess.CompletedProcess]:
    """``import <module>`` for every module, each in its own interpreter.

    A few at a time: starting a hundred interpreters at once on a small CI machine costs
    gigabytes of memory and starves whatever else runs there.
    """
    modules = [module for module in MODULES if module not in OPTIONAL]
    with ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 1)) as pool:
        return dict(zip(modules, pool.map(import_in_a_fresh_interpreter, modules)))


@pytest.mark.parametrize("module", [name for name in MODULES if name not in OPTIONAL])
def test_each_module_imports_on_its_own_in_a_fresh_interpreter(module, fresh_imports):
    result = fresh_imports[module]
    assert result.returncode == 0, result.stderr[-2000:]


def test_layers_import_nothing_above_them():
    offenders = {}
    for path in sorted((PACKAGE / "layers").glob("*.py")):
        upward = [name for name in imported_modules(path) if name.startswith(UPWARD_FROM_LAYERS)]
        if upward:
            offenders[path.name] = upward
    assert not offenders, f"layers must not import models, trainers, callbacks or saving: {offenders}"


def test_the_upward_import_check_catches_a_late_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from kerasette.backend import xp\ndef save(model):\n    from kerasette.saving import save_model\n"
    )
    assert [name for name in imported_modules(sample) if name.startswith(UPWARD_FROM_LAYERS)] == [
        "kerasette.saving",
        "kerasette.saving.save_model",
    ]


def test_saving_and_callbacks_do_not_import_models_or_trainers():
    offenders = {}
    for package in ("saving", "callbacks"):
        for path in sorted((PACKAGE / package).glob("*.py")):
            upward = [
                name for name in imported_modules(path) if name.startswith(("kerasette.models", "kerasette.trainers"))
            ]
            if upward:
                offenders[f"{package}/{path.name}"] = upward
    assert not offenders, f"saving and callbacks find the model class through the registry: {offenders}"


def test_no_module_outgrows_a_sitting():
    sizes = {module_name(path): len(path.read_text().splitlines()) for path in PACKAGE.rglob("*.py")}
    too_long = {name: lines for name, lines in sizes.items() if lines > MAX_MODULE_LINES}
    assert not too_long, f"split these modules (over {MAX_MODULE_LINES} lines): {too_long}"
    assert sizes["kerasette.models.sequential"] <= MAX_SEQUENTIAL_LINES
