"""Model archives: one ``.tiffin-model`` file per model, on disk or behind any fsspec URL.

An archive is a tar stream compressed with zstd (gzip is read too). Its first member is the
manifest, ``model.yaml``; the model's files follow under their relative paths. Importing
checks every member before writing it: only regular files listed in the manifest, under
relative paths without ``..``, land in a staging folder inside the store, and their sizes and
SHA-256 digests must match the manifest before the model becomes visible.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import os
import secrets
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, cast

import yaml

from tiffin.exceptions import AlreadyExists, BadInput, CorruptModel, NotFound
from tiffin.models._model import MANIFEST, Model
from tiffin.models._store import ModelStore
from tiffin.models._tag import LATEST, Tag, TagLike, validate_name

if TYPE_CHECKING:
    import tarfile  # imported when used: ``import tiffin.models`` stays fast

__all__ = ["SUFFIX", "ProgressCallback", "export_archive", "import_archive"]

SUFFIX = ".tiffin-model"
ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` with the bytes of model files handled so far."""

_CHUNK = 1 << 20
_MAX_MANIFEST = 64 << 20
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_GZIP_MAGIC = b"\x1f\x8b"
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# -- export ------------------------------------------------------------------------------------


def export_archive(
    store: ModelStore,
    tag: TagLike | Model,
    path_or_url: str | os.PathLike[str],
    *,
    storage_options: Mapping[str, Any] | None = None,
    progress: ProgressCallback | None = None,
) -> str:
    """Write the model ``tag`` of ``store`` as one archive; return where it was written."""
    model = tag if isinstance(tag, Model) else store.get(tag)
    model.check()
    fs, path, url = _resolve(path_or_url, storage_options)
    if url.endswith("/") or fs.isdir(path):
        path = f"{path.rstrip('/')}/{model.name}-{model.version}{SUFFIX}"
        url = f"{url.rstrip('/')}/{model.name}-{model.version}{SUFFIX}"
    with _atomic_write(fs, path) as raw:
        _write_archive(model, raw, progress)
    return url


def _write_archive(model: Model, raw: IO[bytes], progress: ProgressCallback | None) -> None:
    import tarfile

    import zstandard

    compressor = zstandard.ZstdCompressor(level=3, write_checksum=True, threads=-1)
    with (
        compressor.stream_writer(raw, closefd=False) as compressed,
        tarfile.open(fileobj=compressed, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):
        mtime = model.creation_time.timestamp()
        manifest = (model.path / MANIFEST).read_bytes()
        tar.addfile(_member(MANIFEST, len(manifest), mtime), io.BytesIO(manifest))
        counter = _Counter(model.size, progress)
        for relative, entry in model.files():
            with open(model.path / relative, "rb") as source:
                reader = _DigestingReader(source, counter)
                tar.addfile(_member(relative, entry["size"], mtime), reader)
            if reader.hexdigest() != entry["sha256"]:
                raise CorruptModel(
                    f'Model "{model.tag}" is corrupt: file "{relative}" does not match its '
                    "SHA-256 digest, so it was not exported. Delete the model and save it again."
                )


def _member(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    import tarfile

    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o644
    return info


@contextlib.contextmanager
def _atomic_write(fs: Any, path: str) -> Iterator[IO[bytes]]:
    """Open ``path`` for writing so that it appears complete or not at all."""
    if _is_local(fs):
        with _atomic_local_write(Path(path)) as stream:
            yield stream
        return
    # Object stores publish a file when its single or multipart upload completes; with
    # autocommit off, a failure aborts the upload instead of publishing what was written.
    # (fsspec's memory:// ignores autocommit and publishes at once; it is for tests.)
    stream = fs.open(path, "wb", autocommit=False)
    try:
        yield stream
    except BaseException:
        with contextlib.suppress(Exception):
            stream.close()
        stream.discard()
        raise
    stream.close()
    stream.commit()


@contextlib.contextmanager
def _atomic_local_write(path: Path) -> Iterator[IO[bytes]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(temporary, "xb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
        _fsync_folder(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# -- import ------------------------------------------------------------------------------------


def import_archive(
    store: ModelStore,
    path_or_url: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    storage_options: Mapping[str, Any] | None = None,
    progress: ProgressCallback | None = None,
) -> Model:
    """Add the model in the archive at ``path_or_url`` to ``store``; return it."""
    import tarfile

    fs, path, url = _resolve(path_or_url, storage_options)
    try:
        source = fs.open(path, "rb")
    except FileNotFoundError:
        raise NotFound(f"No model archive at {_public(url)}; check the path or URL.") from None
    except IsADirectoryError:
        raise BadInput(
            f"{_public(url)} is a folder; give the path of a {SUFFIX} archive inside it."
        ) from None
    try:
        with (
            source,
            _decompressed(source, url) as stream,
            tarfile.open(fileobj=stream, mode="r|") as tar,
        ):
            tag = _import_tar(store, tar, url, overwrite=overwrite, progress=progress)
    except _stream_errors() as error:
        raise CorruptModel(
            f"The archive at {_public(url)} is damaged or is not a tiffin model archive "
            f"({error}); nothing was imported. Export the model again."
        ) from None
    return store.get(tag)


def _import_tar(
    store: ModelStore,
    tar: tarfile.TarFile,
    url: str,
    *,
    overwrite: bool,
    progress: ProgressCallback | None,
) -> Tag:
    manifest = _read_manifest(tar, url)
    tag = Tag(manifest["name"], manifest["version"])
    if not overwrite:
        _refuse_existing(store, tag)
    manifest["imported"] = {"source": _public(url), "time": _now()}
    with store.adding(manifest, replace=overwrite) as staging:
        _extract(tar, manifest["files"], staging, _Counter(_total(manifest), progress))
    return tag


def _stream_errors() -> tuple[type[Exception], ...]:
    import gzip
    import tarfile
    import zlib

    import zstandard

    return (zstandard.ZstdError, gzip.BadGzipFile, zlib.error, EOFError, tarfile.TarError)


@contextlib.contextmanager
def _decompressed(source: IO[bytes], url: str) -> Iterator[IO[bytes]]:
    head = source.read(4)
    stream = io.BufferedReader(_Prefixed(head, source), buffer_size=_CHUNK)
    if head.startswith(_ZSTD_MAGIC):
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)
        with reader:
            yield reader
    elif head.startswith(_GZIP_MAGIC):
        import gzip

        with gzip.GzipFile(fileobj=stream, mode="rb") as unzipped:
            yield cast("IO[bytes]", unzipped)  # typeshed's GzipFile is not an IO[bytes]
    else:
        raise BadInput(
            f"{_public(url)} is not a tiffin model archive (neither zstd nor gzip); "
            "make one with `tiffin models export`."
        )


def _read_manifest(tar: tarfile.TarFile, url: str) -> dict[str, Any]:
    member = tar.next()
    if member is None or member.name != MANIFEST or not member.isfile():
        raise BadInput(
            f"{_public(url)} does not start with a {MANIFEST} manifest, so it is not a tiffin "
            "model archive; make one with `tiffin models export`."
        )
    if member.size > _MAX_MANIFEST:
        raise BadInput(f"The manifest of {_public(url)} is implausibly large; refusing it.")
    stream = tar.extractfile(member)
    assert stream is not None  # a regular file always has a stream
    try:
        manifest = yaml.load(stream.read(), Loader=_Loader)
    except yaml.YAMLError:
        manifest = None
    return _checked_manifest(manifest, url)


def _checked_manifest(manifest: Any, url: str) -> dict[str, Any]:
    problem = _manifest_problem(manifest)
    if problem:
        raise BadInput(f"The manifest of {_public(url)} is invalid: {problem}; refusing it.")
    assert isinstance(manifest, dict)
    validate_name(manifest["name"], "name")
    validate_name(manifest["version"], "version")
    if manifest["version"] == LATEST:
        raise BadInput(f'The manifest of {_public(url)} has the version "{LATEST}"; refusing it.')
    for relative in manifest["files"]:
        _check_name(relative)
    _check_no_file_is_a_folder(manifest["files"])
    return manifest


def _manifest_problem(manifest: Any) -> str | None:
    if not isinstance(manifest, dict):
        return "it is not a mapping"
    for key in ("name", "version", "creation_time", "framework", "files"):
        if key not in manifest:
            return f'it has no "{key}"'
    if not isinstance(manifest["framework"], dict) or "name" not in manifest["framework"]:
        return '"framework" has no "name"'
    if not isinstance(manifest["creation_time"], (str, datetime.datetime)):
        return '"creation_time" is not a time'
    if not isinstance(manifest["files"], dict):
        return '"files" is not a mapping'
    for relative, entry in manifest["files"].items():
        if not (isinstance(relative, str) and _valid_entry(entry)):
            return f'the entry of file "{relative}" has no valid "size" and "sha256"'
    return None


def _valid_entry(entry: Any) -> bool:
    if not isinstance(entry, dict):
        return False
    size, digest = entry.get("size"), entry.get("sha256")
    sized = isinstance(size, int) and not isinstance(size, bool) and size >= 0
    return sized and isinstance(digest, str) and len(digest) == 64


def _check_no_file_is_a_folder(files: Mapping[str, Any]) -> None:
    folders = {
        "/".join(parts[:end])
        for parts in (relative.split("/") for relative in files)
        for end in range(1, len(parts))
    }
    for relative in files:
        if relative in folders or relative == MANIFEST:
            raise BadInput(
                f'The archive\'s manifest lists "{relative}" both as a file and as a folder '
                "(or as the manifest itself); refusing it."
            )


def _extract(
    tar: tarfile.TarFile, files: Mapping[str, Any], staging: Path, counter: _Counter
) -> None:
    seen: set[str] = set()
    for member in _members(tar):
        _check_member(member, files, seen)
        if member.isdir():
            continue
        seen.add(member.name)
        _extract_file(tar, member, files[member.name], staging, counter)
    missing = sorted(set(files) - seen)
    if missing:
        raise CorruptModel(
            f'The archive lacks the file "{missing[0]}" listed in its manifest; it is '
            "truncated or was tampered with. Export the model again."
        )


def _members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    while (member := tar.next()) is not None:
        yield member


def _check_member(member: tarfile.TarInfo, files: Mapping[str, Any], seen: set[str]) -> None:
    name = _check_name(member.name)
    if member.issym() or member.islnk():
        _refuse(name, f"is a link to {member.linkname!r}; archives hold only regular files")
    if member.isdir():
        if not any(relative.startswith(f"{name}/") for relative in files):
            _refuse(name, "is a folder that holds no file listed in the manifest")
        return
    if not member.isfile():
        _refuse(name, "is a device, pipe or other special file; archives hold only regular files")
    if name not in files:
        _refuse(name, "is not listed in the archive's manifest")
    if name in seen:
        _refuse(name, "appears twice")


def _check_name(name: str) -> str:
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        _refuse(name, "has an absolute path; members must be relative to the model folder")
    parts = name.split("/")
    if ".." in parts:
        _refuse(name, 'has a ".." component, which would write outside the model folder')
    if "\\" in name or "\x00" in name or any(part in ("", ".") for part in parts):
        _refuse(name, "has an empty, '.' or backslash path component")
    return name


def _refuse(name: str, why: str) -> NoReturn:
    raise BadInput(
        f'Archive member "{name}" {why}. The archive was not made by `tiffin models export` '
        "or was tampered with, so nothing was imported."
    )


def _extract_file(
    tar: tarfile.TarFile,
    member: tarfile.TarInfo,
    entry: Mapping[str, Any],
    staging: Path,
    counter: _Counter,
) -> None:
    if member.size != entry["size"]:
        _corrupt(member.name, f"has {member.size} bytes, but its manifest says {entry['size']}")
    source = tar.extractfile(member)
    assert source is not None  # a regular file always has a stream
    target = staging / member.name
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with open(target, "xb") as sink:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            sink.write(chunk)
            counter.add(len(chunk))
    if digest.hexdigest() != entry["sha256"]:
        _corrupt(member.name, "does not match the SHA-256 digest in its manifest")


def _corrupt(name: str, why: str) -> NoReturn:
    raise CorruptModel(
        f'File "{name}" in the archive {why}; the archive is damaged or was tampered with, '
        "so nothing was imported. Export the model again."
    )


def _refuse_existing(store: ModelStore, tag: Tag) -> None:
    try:
        store.get(tag)
    except NotFound:
        return
    raise AlreadyExists(
        f'Model "{tag}" already exists in the store; pass overwrite=True '
        "(`tiffin models import --overwrite`) to replace it, or delete it first."
    )


def _total(manifest: Mapping[str, Any]) -> int:
    return sum(entry["size"] for entry in manifest["files"].values())


def _now() -> datetime.datetime:
    return datetime.datetime.now(tz=datetime.timezone.utc)


# -- where archives live -----------------------------------------------------------------------


def _resolve(
    path_or_url: str | os.PathLike[str], storage_options: Mapping[str, Any] | None
) -> tuple[Any, str, str]:
    """The fsspec filesystem, its path and the URL to show, for a local path or a URL."""
    from fsspec.core import url_to_fs

    text = os.fspath(path_or_url)
    if "://" not in text:
        local = Path(text).expanduser().absolute()
        text = f"{local}/" if text.endswith("/") else str(local)
    fs, path = url_to_fs(text, **dict(storage_options or {}))
    return fs, path, text


def _is_local(fs: Any) -> bool:
    protocol = fs.protocol
    return "file" in (protocol if isinstance(protocol, (tuple, list)) else (protocol,))


def _public(url: str) -> str:
    """``url`` without credentials or a query string (which may hold a signed token)."""
    if "://" not in url:
        return url
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


class _Counter:
    def __init__(self, total: int, progress: ProgressCallback | None) -> None:
        self.total, self.done, self._progress = total, 0, progress

    def add(self, count: int) -> None:
        self.done += count
        if self._progress is not None:
            self._progress(self.done, self.total)


class _DigestingReader:
    """A file wrapper that digests and counts what is read through it."""

    def __init__(self, source: IO[bytes], counter: _Counter) -> None:
        self._source, self._counter = source, counter
        self._digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._source.read(size)
        self._digest.update(chunk)
        self._counter.add(len(chunk))
        return chunk

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


class _Prefixed(io.RawIOBase):
    """A read-only stream that replays ``head`` before the rest of ``source``."""

    def __init__(self, head: bytes, source: IO[bytes]) -> None:
        self._head, self._source = head, source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            count = min(len(view), len(self._head))
            view[:count], self._head = self._head[:count], self._head[count:]
            return count
        chunk = self._source.read(len(view))
        view[: len(chunk)] = chunk
        return len(chunk)
