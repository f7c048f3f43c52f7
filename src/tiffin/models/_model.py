"""``Model``: one stored model version, as read from its manifest."""

from __future__ import annotations

import copy
import datetime
import hashlib
import os
import pickle
import threading
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from tiffin.exceptions import CorruptModel
from tiffin.models._tag import Tag

__all__ = [
    "CUSTOM_OBJECTS_FILE",
    "MANIFEST",
    "Model",
    "UnsafeModelWarning",
    "file_digest",
    "read_manifest",
    "write_manifest",
]

MANIFEST = "model.yaml"
CUSTOM_OBJECTS_FILE = "custom_objects.pkl"
_CHUNK = 1 << 20

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class UnsafeModelWarning(UserWarning):
    """A model stored with pickle, which runs code when loaded, came from outside this store."""


def read_manifest(folder: Path) -> dict[str, Any]:
    with open(folder / MANIFEST, "rb") as stream:
        manifest = yaml.load(stream, Loader=_Loader)
    if not isinstance(manifest, dict):
        raise CorruptModel(f"{folder / MANIFEST} is not a tiffin model manifest.")
    return manifest


def write_manifest(folder: Path, manifest: Mapping[str, Any]) -> None:
    """Write the manifest and flush it to disk before returning."""
    text = yaml.dump(dict(manifest), Dumper=_Dumper, sort_keys=False, allow_unicode=True)
    with open(folder / MANIFEST, "w", encoding="utf-8") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class Model:
    """A saved model: its tag, files and manifest.

    Models come from the store (``tiffin.models.get``, ``list``, a framework's
    ``save_model``) or from ``tiffin.models.optimize`` (not yet saved: ``stored`` is
    False). Build them through those functions, not directly.
    """

    __slots__ = ("_custom_objects", "_lock", "_manifest", "_path", "_stored", "_tag")

    def __init__(self, path: Path, manifest: dict[str, Any], *, stored: bool = True) -> None:
        self._path = path
        self._manifest = manifest
        self._tag = Tag(manifest["name"], manifest["version"])
        self._stored = stored
        self._custom_objects: dict[str, Any] | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_folder(cls, folder: Path, *, stored: bool = True) -> Model:
        return cls(folder, read_manifest(folder), stored=stored)

    @property
    def tag(self) -> Tag:
        return self._tag

    @property
    def name(self) -> str:
        return self._tag.name

    @property
    def version(self) -> str:
        return self._manifest["version"]  # type: ignore[no-any-return]

    @property
    def path(self) -> Path:
        """The folder holding the model's files."""
        return self._path

    @property
    def stored(self) -> bool:
        """Whether the model lives in a model store (False for an unsaved optimised model)."""
        return self._stored

    @property
    def metadata(self) -> dict[str, Any]:
        return copy.deepcopy(self._manifest.get("metadata", {}))

    @property
    def labels(self) -> dict[str, str]:
        return dict(self._manifest.get("labels", {}))

    @property
    def creation_time(self) -> datetime.datetime:
        """When the model was saved, in UTC."""
        value = self._manifest["creation_time"]
        if isinstance(value, str):
            value = datetime.datetime.fromisoformat(value)
        return value.replace(tzinfo=datetime.timezone.utc) if value.tzinfo is None else value  # type: ignore[no-any-return]

    @property
    def framework(self) -> str:
        return self._manifest["framework"]["name"]  # type: ignore[no-any-return]

    @property
    def framework_version(self) -> str | None:
        return self._manifest["framework"].get("version")  # type: ignore[no-any-return]

    @property
    def signatures(self) -> dict[str, dict[str, Any]]:
        return copy.deepcopy(self._manifest.get("signatures", {}))

    @property
    def options(self) -> dict[str, Any]:
        """Framework-specific facts about how the files were written."""
        return copy.deepcopy(self._manifest.get("options", {}))

    @property
    def pickle_based(self) -> bool:
        """Whether loading this model unpickles data (which can run code)."""
        return bool(self._manifest.get("pickle", False))

    @property
    def imported(self) -> bool:
        """Whether the model came from ``import_model`` rather than a local save."""
        return "imported" in self._manifest

    @property
    def size(self) -> int:
        """Total size of the model's files in bytes."""
        return sum(entry["size"] for entry in self._manifest.get("files", {}).values())

    @property
    def info(self) -> dict[str, Any]:
        """The whole manifest as a dict (a copy)."""
        return copy.deepcopy(self._manifest)

    @property
    def custom_objects(self) -> dict[str, Any]:
        """The objects given as ``custom_objects`` when saving, unpickled on first use."""
        with self._lock:
            if self._custom_objects is None:
                self._custom_objects = self._load_custom_objects()
            return self._custom_objects

    def _load_custom_objects(self) -> dict[str, Any]:
        if not self._manifest.get("custom_objects"):
            return {}
        path = self.file(CUSTOM_OBJECTS_FILE)
        self.warn_if_untrusted()
        with open(path, "rb") as stream:
            objects = pickle.load(stream)
        return dict(objects)

    def file(self, relative: str) -> Path:
        """The path of one of the model's files, checked against its recorded size."""
        self.check(relative)
        return self._path / relative

    def files(self) -> Iterator[tuple[str, dict[str, Any]]]:
        yield from self._manifest.get("files", {}).items()

    def check(self, only: str | None = None) -> None:
        """Cheap integrity check, done on every load.

        Sizes are always compared; a file modified after the model was saved (its mtime is
        newer than the manifest's) also has its digest checked, which catches tampering
        without hashing large files on every load.
        """
        manifest_mtime = (self._path / MANIFEST).stat().st_mtime_ns
        for relative, entry in self.files():
            if only is not None and relative != only:
                continue
            stat = self._stat(relative)
            if stat.st_size != entry["size"]:
                raise CorruptModel(
                    f'Model "{self.tag}" is corrupt: file "{relative}" has {stat.st_size} '
                    f"bytes, expected {entry['size']}. Delete it and save or import it again."
                )
            if stat.st_mtime_ns > manifest_mtime:
                self._check_digest(relative, entry)

    def verify(self) -> None:
        """Check every file's SHA-256 digest; raise ``CorruptModel`` naming the first bad one."""
        self.check()
        for relative, entry in self.files():
            self._check_digest(relative, entry)

    def _stat(self, relative: str) -> os.stat_result:
        try:
            return (self._path / relative).stat()
        except FileNotFoundError:
            raise CorruptModel(
                f'Model "{self.tag}" is corrupt: file "{relative}" is missing. '
                "Delete it and save or import it again."
            ) from None

    def _check_digest(self, relative: str, entry: Mapping[str, Any]) -> None:
        if file_digest(self._path / relative) != entry["sha256"]:
            raise CorruptModel(
                f'Model "{self.tag}" is corrupt: file "{relative}" does not match its '
                "SHA-256 digest. Delete it and save or import it again."
            )

    def warn_if_untrusted(self) -> None:
        """Warn (once per model and process) before unpickling a model that was imported.

        Callers decide that they are about to unpickle; this does not trust the manifest's
        ``pickle`` flag, which the archive's author wrote.
        """
        if self.imported and self._tag not in _warned:
            _warned.add(self._tag)
            source = self._manifest["imported"].get("source", "an archive")
            warnings.warn(
                f'Model "{self.tag}" was imported from {source} and loading it unpickles data, '
                "which can run code: load it only if you trust where it came from.",
                UnsafeModelWarning,
                stacklevel=3,
            )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        return self._tag == other._tag and self._path == other._path

    def __hash__(self) -> int:
        return hash((self._tag, self._path))

    def __repr__(self) -> str:
        return (
            f"Model(tag={str(self._tag)!r}, framework={self.framework!r}, path={str(self._path)!r})"
        )


_warned: set[Tag] = set()
