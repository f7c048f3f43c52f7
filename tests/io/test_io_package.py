"""The tiffin.io package surface: exports and lazy optional imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

import tiffin.io
from tiffin.exceptions import MissingDependency
from tiffin.io._optional import require


def test_public_names_are_pinned() -> None:
    """``tiffin.io`` exports exactly these names (in ruff's isort-style order), each documented."""
    assert tiffin.io.__all__ == [
        "JSON",
        "DType",
        "File",
        "IODescriptor",
        "Image",
        "InputSpec",
        "NumpyNdarray",
        "OutputSpec",
        "PandasDataFrame",
        "Param",
        "Shape",
        "Text",
        "descriptor_for",
    ]
    for name in tiffin.io.__all__:
        assert getattr(tiffin.io, name).__doc__


def test_importing_tiffin_io_loads_no_optional_library() -> None:
    """``import tiffin.io`` and building specs leave pandas, pyarrow, PIL and torch unloaded."""
    code = (
        "import sys, tiffin.io as io\n"
        "def f(self, x: io.NumpyNdarray, img: io.Image, df: io.PandasDataFrame) -> io.JSON: ...\n"
        "io.InputSpec.from_function(f); io.OutputSpec.from_function(f)\n"
        "print(sorted(m for m in ('pandas', 'pyarrow', 'PIL', 'torch', 'python_multipart')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_missing_optional_packages_name_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A missing optional package fails with the exact pip install to run."""
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(MissingDependency, match=r"pip install 'tiffin\[io\]'"):
        require("pyarrow")
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(MissingDependency, match=r"pip install 'tiffin\[pytorch\]'"):
        require("torch")
