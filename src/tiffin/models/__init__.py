"""The model store: save, find, load, export and import versioned models.

>>> import tiffin
>>> model = tiffin.sklearn.save_model("iris", classifier)      # doctest: +SKIP
>>> tiffin.models.get("iris:latest").metadata                  # doctest: +SKIP
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from tiffin._home import tiffin_home
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
    "get",
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
