"""``ModelStore``: the local, atomic, versioned model store.

Layout under the store's root (``$TIFFIN_HOME/models`` by default)::

    <name>/<version>/model.yaml    manifest, written last
    <name>/<version>/...           the model's files
    <name>/.lock                   serialises writers of one name
    .tmp/<id>/ and .tmp/<id>.lock  saves in progress; the lock is held while the writer lives
    .trash/<id>/                   deletions in progress

A save fills ``.tmp/<id>/``, flushes every file and the manifest, then renames the folder into
place: readers see the old state or the new one, never a half-written model. A temporary folder
whose lock can be taken belongs to a writer that died, and is removed by the next writer.
"""

from __future__ import annotations

import builtins
import contextlib
import datetime
import difflib
import os
import platform
import secrets
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from tiffin._version import __version__
from tiffin.exceptions import AlreadyExists, InvalidArgument, NotFound
from tiffin.models._metadata import normalize_labels, normalize_metadata, normalize_signatures
from tiffin.models._model import (
    CUSTOM_OBJECTS_FILE,
    MANIFEST,
    Model,
    file_digest,
    write_manifest,
)
from tiffin.models._tag import LATEST, Tag, TagLike, validate_name
from tiffin.models._versions import new_version

__all__ = ["ModelStore", "ModelWriter"]

_TMP = ".tmp"
_TRASH = ".trash"
_ORPHAN_AGE_S = 24 * 3600


class ModelWriter:
    """A model being written: put files under ``path``; it appears in the store on success.

    ``metadata``, ``labels``, ``signatures`` and ``options`` may be changed until the
    ``with`` block ends.
    """

    def __init__(self, tag: Tag, path: Path, manifest: dict[str, Any]) -> None:
        self.tag = tag
        self.path = path
        self._manifest = manifest

    @property
    def metadata(self) -> dict[str, Any]:
        return self._manifest["metadata"]  # type: ignore[no-any-return]

    @property
    def labels(self) -> dict[str, str]:
        return self._manifest["labels"]  # type: ignore[no-any-return]

    @property
    def options(self) -> dict[str, Any]:
        return self._manifest["options"]  # type: ignore[no-any-return]

    def set_framework(self, name: str, version: str | None, *, pickle_based: bool) -> None:
        self._manifest["framework"] = {"name": name, "version": version}
        self._manifest["pickle"] = pickle_based

    def __repr__(self) -> str:
        return f"ModelWriter(tag={str(self.tag)!r}, path={str(self.path)!r})"


class ModelStore:
    """A folder of models, safe for concurrent writers across processes."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"ModelStore({str(self.root)!r})"

    # -- reading -----------------------------------------------------------------------

    def get(self, tag: TagLike) -> Model:
        """The model for ``tag``; a tag without version means the newest one."""
        tag = Tag(tag)
        if tag.version is None:
            models = self._versions_of(tag.name)
            if not models:
                raise self._not_found(tag)
            return models[0]
        folder = self.root / tag.name / tag.version
        try:
            return Model.from_folder(folder)
        except FileNotFoundError:
            raise self._not_found(tag) from None

    def list(
        self, name: str | None = None, labels: Mapping[str, str] | None = None
    ) -> builtins.list[Model]:
        """Models, newest first, optionally of one name and carrying all of ``labels``."""
        if name is not None:
            models = self._versions_of(validate_name(name))
        else:
            models = [model for each in self._names() for model in self._versions_of(each)]
            models.sort(key=_newest_first)
        if labels:
            wanted = normalize_labels(labels).items()
            models = [model for model in models if wanted <= model.labels.items()]
        return models

    def _names(self) -> builtins.list[str]:
        if not self.root.is_dir():
            return []
        return sorted(entry.name for entry in os.scandir(self.root) if _visible(entry))

    def _versions_of(self, name: str) -> builtins.list[Model]:
        folder = self.root / name
        if not folder.is_dir():
            return []
        models = []
        for entry in os.scandir(folder):
            if _visible(entry):
                with contextlib.suppress(FileNotFoundError):  # deleted meanwhile
                    models.append(Model.from_folder(Path(entry.path)))
        models.sort(key=_newest_first)
        return models

    def _not_found(self, tag: Tag) -> NotFound:
        names = self._names()
        if tag.name not in names:
            close = difflib.get_close_matches(tag.name, names, n=3, cutoff=0.5)
            hint = f" Did you mean {_quoted(close)}?" if close else ""
            listing = "" if close else _available("Models in the store", names)
            return NotFound(f'No model named "{tag.name}" in {self.root}.{hint}{listing}')
        versions = [model.version for model in self._versions_of(tag.name)]
        if not versions:
            return NotFound(f'Model "{tag.name}" has no saved versions in {self.root}.')
        close = difflib.get_close_matches(tag.version or "", versions, n=3, cutoff=0.5)
        hint = f" Did you mean {_quoted(close)}?" if close else ""
        return NotFound(
            f'Model "{tag.name}" has no version "{tag.version}".{hint}'
            + _available(f'Versions of "{tag.name}", newest first', versions[:10])
        )

    # -- writing -----------------------------------------------------------------------

    @contextlib.contextmanager
    def create(
        self,
        name: str,
        *,
        version: str | None = None,
        framework: str = "custom",
        framework_version: str | None = None,
        signatures: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        labels: Mapping[str, str] | None = None,
        custom_objects: Mapping[str, Any] | None = None,
        options: Mapping[str, Any] | None = None,
        pickle_based: bool = False,
    ) -> Iterator[ModelWriter]:
        """Write a new model; it becomes visible only if the block exits without error."""
        validate_name(name, "name")
        if version == LATEST:
            raise InvalidArgument(
                '"latest" names the newest version and cannot be a version itself; '
                "choose another version or leave it out to have one generated."
            )
        if version is not None:
            validate_name(version, "version")
            self._refuse_existing(Tag(name, version))
        manifest = _new_manifest(
            name, version, framework, framework_version, signatures, metadata, labels, options
        )
        manifest["pickle"] = pickle_based
        with self._staging() as staging:
            writer = ModelWriter(Tag(name, manifest["version"]), staging, manifest)
            if custom_objects:
                _write_custom_objects(staging, custom_objects)
                manifest["custom_objects"] = sorted(custom_objects)
            yield writer
            self._commit(staging, manifest, explicit=version is not None)

    @contextlib.contextmanager
    def adding(self, manifest: Mapping[str, Any], *, replace: bool = False) -> Iterator[Path]:
        """Stage a complete model written elsewhere (an import) and commit it on success.

        Yields an empty folder inside the store; put the model's files there. When the block
        exits without error the files are digested, ``manifest`` is written with its name and
        version kept, and the folder is renamed into place. An existing version is refused
        with ``AlreadyExists``, or with ``replace=True`` swapped out atomically.
        """
        manifest = dict(manifest)
        if not replace:
            self._refuse_existing(Tag(manifest["name"], manifest["version"]))
        with self._staging() as staging:
            yield staging
            self._commit(staging, manifest, explicit=True, replace=replace)

    @contextlib.contextmanager
    def _staging(self) -> Iterator[Path]:
        tmp_root = self.root / _TMP
        tmp_root.mkdir(parents=True, exist_ok=True)
        self.clean_stale()
        ident = f"{os.getpid()}-{secrets.token_hex(6)}"
        lock = FileLock(tmp_root / f"{ident}.lock")
        try:
            with lock:
                staging = tmp_root / ident
                staging.mkdir()
                try:
                    yield staging
                finally:
                    shutil.rmtree(staging, ignore_errors=True)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock.lock_file)

    def _commit(
        self, staging: Path, manifest: dict[str, Any], *, explicit: bool, replace: bool = False
    ) -> Model:
        manifest["files"] = _digest_files(staging)
        write_manifest(staging, manifest)
        _fsync_dir(staging)
        name = manifest["name"]
        (self.root / name).mkdir(parents=True, exist_ok=True)
        with self._name_lock(name):
            while True:
                target = self.root / name / manifest["version"]
                if not target.exists():
                    os.rename(staging, target)
                    break
                if replace:
                    self._swap(staging, target)
                    break
                if explicit:
                    self._refuse_existing(Tag(name, manifest["version"]))
                manifest["version"], _ = new_version()  # a collision across machines
                write_manifest(staging, manifest)
        _fsync_dir(target.parent)
        return Model.from_folder(target)

    def _swap(self, staging: Path, target: Path) -> None:
        # Linux swaps two folders in one step, so readers and a crash see the old model or
        # the new one; the old one is left in ``staging``, which its owner removes. Elsewhere
        # the old folder goes to the trash first, leaving a short window without either.
        if _exchange(staging, target):
            return
        trash = self.root / _TRASH
        trash.mkdir(parents=True, exist_ok=True)
        doomed = trash / f"{os.getpid()}-{secrets.token_hex(6)}"
        os.rename(target, doomed)
        os.rename(staging, target)
        shutil.rmtree(doomed, ignore_errors=True)

    def _refuse_existing(self, tag: Tag) -> None:
        if tag.version and (self.root / tag.name / tag.version / MANIFEST).exists():
            raise AlreadyExists(
                f'Model "{tag}" already exists; saved models are immutable. Choose another '
                f"version, or delete it first with `tiffin models delete {tag}`."
            )

    def _name_lock(self, name: str) -> FileLock:
        return FileLock(self.root / name / ".lock")

    def delete(self, tag: TagLike) -> Model:
        """Remove one version (the newest, for a tag without version) atomically."""
        model = self.get(tag)
        trash = self.root / _TRASH
        trash.mkdir(parents=True, exist_ok=True)
        doomed = trash / f"{os.getpid()}-{secrets.token_hex(6)}"
        with self._name_lock(model.name):
            try:
                os.rename(model.path, doomed)
            except FileNotFoundError:
                raise self._not_found(model.tag) from None
        shutil.rmtree(doomed, ignore_errors=True)
        return model

    def prune(self, name: str, keep: int) -> builtins.list[Model]:
        """Delete all but the ``keep`` newest versions of ``name``; return the deleted ones."""
        if not isinstance(keep, int) or keep < 0:
            raise InvalidArgument(f"keep must be a whole number of versions >= 0, not {keep!r}.")
        doomed = self.list(name)[keep:]
        for model in doomed:
            self.delete(model.tag)
        return doomed

    def clean_stale(self) -> None:
        """Remove temporary folders left by writers that died, and unfinished deletions."""
        tmp_root = self.root / _TMP
        if tmp_root.is_dir():
            for lock_path in tmp_root.glob("*.lock"):
                lock = FileLock(lock_path, timeout=0)
                try:
                    with lock:
                        shutil.rmtree(tmp_root / lock_path.stem, ignore_errors=True)
                except Timeout:
                    continue  # its writer is alive
                with contextlib.suppress(FileNotFoundError):
                    lock_path.unlink()
            for leftover in tmp_root.iterdir():
                if _orphaned(leftover):
                    shutil.rmtree(leftover, ignore_errors=True)
        trash = self.root / _TRASH
        if trash.is_dir():
            for entry in trash.iterdir():
                shutil.rmtree(entry, ignore_errors=True)


def _new_manifest(
    name: str,
    version: str | None,
    framework: str,
    framework_version: str | None,
    signatures: Mapping[str, Any] | None,
    metadata: Mapping[str, Any] | None,
    labels: Mapping[str, str] | None,
    options: Mapping[str, Any] | None,
) -> dict[str, Any]:
    generated, millis = new_version()
    created = datetime.datetime.fromtimestamp(millis / 1000, tz=datetime.timezone.utc)
    if version is not None:
        created = datetime.datetime.now(tz=datetime.timezone.utc)
    return {
        "name": name,
        "version": version or generated,
        "creation_time": created,
        "framework": {"name": framework, "version": framework_version},
        "tiffin_version": __version__,
        "python_version": platform.python_version(),
        "signatures": normalize_signatures(signatures, {"__call__": None}),
        "metadata": normalize_metadata(metadata),
        "labels": normalize_labels(labels),
        "options": dict(options or {}),
    }


def _write_custom_objects(folder: Path, objects: Mapping[str, Any]) -> None:
    if not isinstance(objects, Mapping) or not all(isinstance(key, str) for key in objects):
        raise InvalidArgument("custom_objects must be a dict with string keys.")
    try:
        import cloudpickle as pickler
    except ImportError:
        import pickle as pickler
    with open(folder / CUSTOM_OBJECTS_FILE, "wb") as stream:
        pickler.dump(dict(objects), stream)


def _digest_files(folder: Path) -> dict[str, dict[str, Any]]:
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if relative == MANIFEST:
            continue
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            raise InvalidArgument(
                f'Model file "{relative}" is a link or a special file; a model holds only '
                "regular files and folders."
            )
        if path.is_file():
            with open(path, "rb") as stream:
                os.fsync(stream.fileno())
            files[relative] = {"size": path.stat().st_size, "sha256": file_digest(path)}
        else:
            _fsync_dir(path)
    return files


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with Linux's renameat2; False where that is unavailable."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    result: int = renameat2(
        at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange
    )
    return result == 0


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _orphaned(path: Path) -> bool:
    # A staging folder without its lock file, untouched for a day: its writer lost the lock
    # file to a concurrent cleaner and then died.
    if not path.is_dir() or path.with_name(f"{path.name}.lock").exists():
        return False
    age = datetime.datetime.now().timestamp() - path.stat().st_mtime
    return age > _ORPHAN_AGE_S


def _visible(entry: os.DirEntry[str]) -> bool:
    return not entry.name.startswith(".") and entry.is_dir()


def _newest_first(model: Model) -> tuple[float, str]:
    return (-model.creation_time.timestamp(), _reverse(model.version))


def _reverse(text: str) -> str:
    # Sorting key that orders strings descending inside an ascending sort.
    return "".join(chr(0x10FFFF - ord(char)) for char in text)


def _quoted(items: builtins.list[str]) -> str:
    return " or ".join(f'"{item}"' for item in items)


def _available(heading: str, items: builtins.list[str]) -> str:
    if not items:
        return " The store is empty: save a model first."
    return f" {heading}: {', '.join(items)}."
