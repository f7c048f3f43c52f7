"""The model store: save, find, load, export and import versioned models.

>>> import tiffin
>>> model = tiffin.sklearn.save_model("iris", classifier)      # doctest: +SKIP
>>> tiffin.models.get("iris:latest").metadata                  # doctest: +SKIP
"""

from __future__ import annotations

import builtins
import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

from tiffin._home import tiffin_home
from tiffin.models._archive import ProgressCallback, export_archive, import_archive
from tiffin.models._model import Model, UnsafeModelWarning
from tiffin.models._store import ModelStore, ModelWriter
from tiffin.models._tag import Tag, TagLike

__all__ = [
    "Model",
    "ModelStore",
    "ModelWriter",
    "Tag",
    "UnsafeModelWarning",
    "create",
    "default_store",
    "delete",
    "export_model",
    "get",
    "import_model",
    "list",
    "prune",
]


def default_store() -> ModelStore:
    """The store under ``$TIFFIN_HOME/models`` (``~/tiffin/models`` by default)."""
    return ModelStore(tiffin_home() / "models")


def get(tag: TagLike) -> Model:
    """The model for ``tag`` (``"name"`` or ``"name:latest"`` for the newest version).

    Raises ``tiffin.exceptions.NotFound`` listing the closest names or versions.
    """
    return default_store().get(tag)


def list(name: str | None = None, labels: Mapping[str, str] | None = None) -> builtins.list[Model]:
    """Stored models, newest first, optionally of one name and carrying all ``labels``."""
    return default_store().list(name, labels)


def delete(tag: TagLike) -> Model:
    """Delete one model version (the newest for a tag without a version); return it."""
    return default_store().delete(tag)


def prune(name: str, keep: int) -> builtins.list[Model]:
    """Delete all but the ``keep`` newest versions of ``name``; return the deleted ones."""
    return default_store().prune(name, keep)


def export_model(
    tag: TagLike | Model,
    path_or_url: str | os.PathLike[str],
    *,
    storage_options: Mapping[str, Any] | None = None,
    progress: ProgressCallback | None = None,
) -> str:
    """Write one model as a ``.tiffin-model`` archive (tar + zstd); return where it went.

    ``path_or_url`` is a local path or any fsspec URL (``s3://``, ``gs://``, ``file://``,
    ``memory://``); a folder, or a URL ending in ``/``, receives
    ``<name>-<version>.tiffin-model``. The archive appears complete or not at all.
    ``storage_options`` go to the fsspec filesystem (credentials, ``endpoint_url``);
    ``progress(done, total)`` is called with bytes as the files are written.

        >>> tiffin.models.export_model("iris:latest", "s3://models/")    # doctest: +SKIP
        's3://models/iris-0h2w3k4m5n6p7q8r.tiffin-model'
    """
    return export_archive(
        default_store(), tag, path_or_url, storage_options=storage_options, progress=progress
    )


def import_model(
    path_or_url: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    storage_options: Mapping[str, Any] | None = None,
    progress: ProgressCallback | None = None,
) -> Model:
    """Add the model in an archive made by :func:`export_model` to the store; return it.

    Every file's size and SHA-256 digest is checked against the archive's manifest, and
    archives with absolute paths, ``..``, links, special files or unlisted files are refused
    (``BadInput``) before anything is written. An existing tag raises ``AlreadyExists``
    unless ``overwrite=True``, which replaces it atomically. The model records where it came
    from, so loading a pickle-based one warns once.
    """
    return import_archive(
        default_store(),
        path_or_url,
        overwrite=overwrite,
        storage_options=storage_options,
        progress=progress,
    )


@contextlib.contextmanager
def create(
    name: str,
    *,
    version: str | None = None,
    signatures: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
    custom_objects: Mapping[str, Any] | None = None,
) -> Iterator[ModelWriter]:
    """Save a model made of your own files.

    Write the files under ``writer.path``; the model becomes visible only when the block
    exits without error.

        >>> with tiffin.models.create("tokenizer") as writer:    # doctest: +SKIP
        ...     (writer.path / "vocab.txt").write_text(vocab)
    """
    with default_store().create(
        name,
        version=version,
        signatures=signatures,
        metadata=metadata,
        labels=labels,
        custom_objects=custom_objects,
    ) as writer:
        yield writer
