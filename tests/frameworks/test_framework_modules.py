"""What every framework module shares: the registry, lazy imports, missing packages."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap

import pytest

from tiffin.exceptions import MissingDependency
from tiffin.frameworks import FRAMEWORKS, framework_for

# Framework name -> the tiffin extra that installs it.
EXTRAS = {
    "lightgbm": "lightgbm",
    "onnx": "onnx",
    "pytorch": "pytorch",
    "sklearn": "sklearn",
    "tensorflow": "tensorflow",
    "xgboost": "xgboost",
}
HEAVY = ["keras", "lightgbm", "onnx", "onnxruntime", "sklearn", "tensorflow", "torch", "xgboost"]


@pytest.mark.parametrize("name", sorted(FRAMEWORKS))
def test_each_registered_framework_is_found_by_its_name(name: str) -> None:
    module = importlib.import_module(f"tiffin.frameworks.{name}")
    assert framework_for(name) is module.framework
    assert module.framework.name == name


@pytest.mark.parametrize("name", sorted(FRAMEWORKS))
def test_each_module_exposes_the_public_functions(name: str) -> None:
    module = importlib.import_module(f"tiffin.frameworks.{name}")
    for function in ("save_model", "load_model", "get", "load_runner"):
        assert callable(getattr(module, function)), function
        assert function in module.__all__


@pytest.mark.parametrize(("name", "extra"), sorted(EXTRAS.items()))
def test_a_missing_framework_names_the_exact_install(
    name: str, extra: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    framework = framework_for(name)
    monkeypatch.setattr(framework, "package", "tiffin_test_no_such_module")
    with pytest.raises(MissingDependency) as raised:
        framework.save_model("model", object())
    assert f"pip install 'tiffin[{extra}]'" in str(raised.value)
    assert isinstance(raised.value, ImportError)
    with pytest.raises(MissingDependency, match=rf"pip install 'tiffin\[{extra}\]'"):
        framework.load_model("model:v1")


@pytest.mark.slow
def test_importing_the_framework_modules_imports_no_framework() -> None:
    script = textwrap.dedent(
        f"""
        import sys
        import tiffin
        {"".join(f"import tiffin.frameworks.{name}; " for name in sorted(FRAMEWORKS))}
        print(",".join(sorted(m for m in {HEAVY!r} if m in sys.modules)))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
