"""Imported models warn before they are unpickled, whatever their manifest claims."""

from __future__ import annotations

from pathlib import Path

import pytest

from tiffin.models import UnsafeModelWarning
from tiffin.models._model import read_manifest, write_manifest

pytest.importorskip("sklearn")


def test_an_imported_sklearn_model_warns_even_if_its_manifest_says_no_pickle(
    tmp_path: Path,
) -> None:
    from sklearn.linear_model import LinearRegression

    import tiffin.sklearn

    saved = tiffin.sklearn.save_model("reg", LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]))
    archive = tiffin.models.export_model(saved.tag, tmp_path / "reg.tiffin-model")
    tiffin.models.delete(saved.tag)
    imported = tiffin.models.import_model(archive)
    manifest = read_manifest(imported.path)
    manifest["pickle"] = False  # what a crafted archive would claim
    write_manifest(imported.path, manifest)
    with pytest.warns(UnsafeModelWarning, match="unpickles"):
        tiffin.sklearn.load_model(imported.tag)
