"""The public surface: what ``import tiffin`` exposes, and what it must not import."""

from __future__ import annotations

import subprocess
import sys

import tiffin

EXPECTED = [
    "AsyncHTTPClient",
    "Runnable",
    "Runner",
    "SyncHTTPClient",
    "Tag",
    "__version__",
    "api",
    "client",
    "depends",
    "exceptions",
    "io",
    "keras",
    "lightgbm",
    "models",
    "on_shutdown",
    "on_startup",
    "onnx",
    "picklable_model",
    "pytorch",
    "secrets",
    "serve",
    "service",
    "sklearn",
    "tensorflow",
    "testing",
    "xgboost",
]

HEAVY = ["torch", "sklearn", "onnxruntime", "tensorflow", "keras", "xgboost", "lightgbm", "pandas"]


def test_all_lists_exactly_the_public_names() -> None:
    assert tiffin.__all__ == EXPECTED


def test_every_public_name_resolves() -> None:
    for name in tiffin.__all__:
        assert getattr(tiffin, name) is not None


def test_service_is_the_decorator_even_after_its_package_is_imported() -> None:
    import tiffin.services

    assert callable(tiffin.service)
    assert tiffin.service.__module__ == "tiffin.services._service"


def _modules_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sys.modules))"
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    return set(output.split())


def test_import_tiffin_imports_no_ml_framework() -> None:
    loaded = _modules_after("import tiffin")
    assert not loaded & set(HEAVY)


def test_defining_a_service_imports_no_ml_framework() -> None:
    code = (
        "import tiffin\n"
        "from tiffin.io import JSON, NumpyNdarray\n"
        "@tiffin.service\n"
        "class S:\n"
        "    @tiffin.api\n"
        "    def f(self, x: NumpyNdarray) -> JSON: ...\n"
        "tiffin.sklearn, tiffin.pytorch, tiffin.tensorflow, tiffin.onnx\n"
    )
    assert not _modules_after(code) & set(HEAVY)


def test_import_tiffin_loads_no_server_or_numpy() -> None:
    loaded = _modules_after("import tiffin")
    assert not loaded & {"numpy", "uvicorn", "starlette", "httpx", "pydantic"}
