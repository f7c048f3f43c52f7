from __future__ import annotations

import gzip
import io
import os
import tarfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
import zstandard

import tiffin.models
from tiffin.exceptions import AlreadyExists, BadInput, CorruptModel, InvalidTag, NotFound
from tiffin.models import Model, ModelStore, UnsafeModelWarning
from tiffin.models._archive import _public

WEIGHTS = os.urandom(3000)


def save(name: str = "demo", version: str | None = "1.0", weights: bytes = WEIGHTS) -> Model:
    with tiffin.models.create(name, version=version, labels={"stage": "prod"}) as writer:
        (writer.path / "weights.bin").write_bytes(weights)
        (writer.path / "sub").mkdir()
        (writer.path / "sub" / "vocab.txt").write_text("a b c")
    return tiffin.models.get(writer.tag)


def without_import(info: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in info.items() if key != "imported"}


def assert_round_trip(original: Model, target: str, **options: Any) -> Model:
    written = tiffin.models.export_model(original.tag, target, **options)
    tiffin.models.delete(original.tag)
    imported = tiffin.models.import_model(written, **options)
    assert without_import(imported.info) == original.info
    assert (imported.path / "weights.bin").read_bytes() == WEIGHTS
    imported.verify()
    return imported


# -- a real S3 server ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    """A moto S3 server on a free local port, with the bucket ``models``."""
    import boto3  # type: ignore[import-untyped]
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="models")
    yield endpoint
    server.stop()


@pytest.fixture
def s3(s3_server: str) -> dict[str, Any]:
    """fsspec storage options for the local S3 server."""
    pytest.importorskip("s3fs")
    return {
        "key": "testing",
        "secret": "testing",
        "client_kwargs": {"endpoint_url": s3_server, "region_name": "us-east-1"},
    }


# -- round trips ---------------------------------------------------------------------------


def test_a_model_round_trips_through_a_local_path(tmp_path: Path) -> None:
    imported = assert_round_trip(save(), str(tmp_path / "demo.tiffin-model"))
    assert imported.info["imported"]["source"] == str(tmp_path / "demo.tiffin-model")


def test_a_model_round_trips_through_a_file_url(tmp_path: Path) -> None:
    assert_round_trip(save(), f"file://{tmp_path}/demo.tiffin-model")


def test_a_model_round_trips_through_memory() -> None:
    assert_round_trip(save(), "memory://exports/demo.tiffin-model")


def test_a_model_round_trips_through_s3(s3: dict[str, Any]) -> None:
    imported = assert_round_trip(save(), "s3://models/demo.tiffin-model", storage_options=s3)
    assert imported.info["imported"]["source"] == "s3://models/demo.tiffin-model"


def test_export_into_a_folder_names_the_archive_by_tag(tmp_path: Path) -> None:
    written = tiffin.models.export_model(save(), tmp_path)
    assert written == str(tmp_path / "demo-1.0.tiffin-model")
    assert Path(written).is_file()


def test_export_to_a_url_ending_in_a_slash_names_the_archive_by_tag() -> None:
    written = tiffin.models.export_model(save(), "memory://shelf/")
    assert written == "memory://shelf/demo-1.0.tiffin-model"


def test_archives_are_zstd_compressed(tmp_path: Path) -> None:
    written = tiffin.models.export_model(save(), tmp_path)
    assert Path(written).read_bytes()[:4] == b"\x28\xb5\x2f\xfd"


def test_gzip_archives_are_accepted(tmp_path: Path) -> None:
    model = save()
    written = Path(tiffin.models.export_model(model, tmp_path))
    tar = zstandard.ZstdDecompressor().stream_reader(written.read_bytes()).read()
    gzipped = tmp_path / "demo.tar.gz"
    gzipped.write_bytes(gzip.compress(tar))
    tiffin.models.delete(model.tag)
    assert tiffin.models.import_model(gzipped).tag == model.tag


def test_progress_reports_every_byte_once(tmp_path: Path) -> None:
    model = save()
    calls: list[tuple[int, int]] = []
    written = tiffin.models.export_model(model, tmp_path, progress=lambda *c: calls.append(c))
    assert calls[-1] == (model.size, model.size)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    calls.clear()
    tiffin.models.import_model(written, overwrite=True, progress=lambda *c: calls.append(c))
    assert calls[-1] == (model.size, model.size)


def test_an_imported_pickle_model_warns_once_when_loaded(tmp_path: Path) -> None:
    store = tiffin.models.default_store()
    with store.create("pickled-once", version="1", pickle_based=True) as writer:
        (writer.path / "model.pkl").write_bytes(b"not really a pickle")
    written = tiffin.models.export_model("pickled-once:1", tmp_path)
    tiffin.models.delete("pickled-once:1")
    model = tiffin.models.import_model(written)
    with pytest.warns(UnsafeModelWarning, match=str(tmp_path)):
        model.warn_if_untrusted()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.warn_if_untrusted()


def test_the_recorded_source_has_no_credentials() -> None:
    url = "s3://KEY:SECRET@bucket/demo.tiffin-model?X-Amz-Signature=abc"
    assert _public(url) == "s3://bucket/demo.tiffin-model"


# -- failures leave nothing behind ---------------------------------------------------------


def test_exporting_an_unknown_model_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        tiffin.models.export_model("ghost:1", tmp_path)


def test_importing_a_missing_archive_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="No model archive"):
        tiffin.models.import_model(tmp_path / "nothing.tiffin-model")


def test_a_corrupt_model_is_not_exported(tmp_path: Path) -> None:
    model = save()
    (model.path / "weights.bin").write_bytes(b"\x00" * len(WEIGHTS))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CorruptModel, match="weights.bin"):
        tiffin.models.export_model(model, out)
    assert list(out.iterdir()) == []


def test_a_failed_export_to_s3_publishes_nothing(s3: dict[str, Any]) -> None:
    import fsspec

    model = save()
    (model.path / "weights.bin").write_bytes(b"\x00" * len(WEIGHTS))
    with pytest.raises(CorruptModel):
        tiffin.models.export_model(model, "s3://models/bad/", storage_options=s3)
    fs = fsspec.filesystem("s3", **s3)
    fs.invalidate_cache()
    assert not fs.exists("models/bad/demo-1.0.tiffin-model")


def test_importing_a_folder_asks_for_the_archive_inside(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="is a folder"):
        tiffin.models.import_model(tmp_path)


# -- overwriting ---------------------------------------------------------------------------


@pytest.fixture
def exported_then_resaved(tmp_path: Path) -> Path:
    """An archive of demo:1.0, while the store holds a different demo:1.0."""
    written = tiffin.models.export_model(save(), tmp_path)
    tiffin.models.delete("demo:1.0")
    save(weights=b"other weights")
    return Path(written)


def test_importing_an_existing_tag_is_refused(exported_then_resaved: Path) -> None:
    with pytest.raises(AlreadyExists, match="overwrite=True"):
        tiffin.models.import_model(exported_then_resaved)
    model = tiffin.models.get("demo:1.0")
    assert (model.path / "weights.bin").read_bytes() == b"other weights"
    assert not model.imported


def test_overwrite_replaces_an_existing_tag(exported_then_resaved: Path) -> None:
    tiffin.models.import_model(exported_then_resaved, overwrite=True)
    (model,) = tiffin.models.list()
    assert (model.path / "weights.bin").read_bytes() == WEIGHTS
    assert model.imported
    model.verify()


def test_overwrite_works_where_folders_cannot_be_swapped_atomically(
    exported_then_resaved: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tiffin.models._store._exchange", lambda first, second: False)
    tiffin.models.import_model(exported_then_resaved, overwrite=True)
    (model,) = tiffin.models.list()
    assert (model.path / "weights.bin").read_bytes() == WEIGHTS


def test_overwrite_leaves_no_temporary_folders(exported_then_resaved: Path) -> None:
    store = tiffin.models.default_store()
    tiffin.models.import_model(exported_then_resaved, overwrite=True)
    leftovers = [p for p in (store.root / ".tmp").iterdir() if p.suffix != ".lock"]
    assert leftovers == []


# -- hostile archives ----------------------------------------------------------------------


def manifest_for(files: dict[str, bytes]) -> dict[str, Any]:
    import datetime
    import hashlib

    return {
        "name": "evil",
        "version": "1",
        "creation_time": datetime.datetime.now(tz=datetime.timezone.utc),
        "framework": {"name": "custom", "version": None},
        "files": {
            name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in files.items()
        },
    }


def regular(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def special(name: str, kind: bytes, linkname: str = "") -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info, None


def build(path: Path, manifest: Any, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    """Write a zstd tar with ``manifest`` (or raw bytes) first, then ``members``."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        if manifest is not None:
            text = manifest if isinstance(manifest, bytes) else yaml.safe_dump(manifest).encode()
            tar.addfile(regular("model.yaml", text)[0], io.BytesIO(text))
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    path.write_bytes(zstandard.ZstdCompressor().compress(raw.getvalue()))
    return path


def snapshot(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if not path.is_dir()}


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


@pytest.fixture
def refused(tmp_path: Path) -> Iterator[None]:
    """Check that a refused import wrote no file anywhere and made no model visible."""
    archive = tmp_path / "evil.tiffin-model"
    before = snapshot(tmp_path) | {archive}
    yield
    assert snapshot(tmp_path) == before
    assert tiffin.models.list() == []


GOOD = b"good weights"


def hostile_cases(outside: Path) -> dict[str, tuple[dict[str, Any], list[Any], str]]:
    """name -> (manifest, members, message) for archives that must be refused."""
    listed = manifest_for({"weights.bin": GOOD})
    escape = manifest_for({"weights.bin": GOOD, "../escape": b"x"})
    absolute = manifest_for({"weights.bin": GOOD, "/etc/passwd": b"x"})
    link = manifest_for({"weights.bin": GOOD, "link": b"x"})
    return {
        "dotdot-listed": (escape, [regular("../escape", b"x")], r'"\.\./escape" has a "\.\."'),
        "dotdot-unlisted": (listed, [regular("../escape", b"x")], r'"\.\./escape" has a "\.\."'),
        "nested-dotdot": (listed, [regular("sub/../../x", b"x")], 'has a ".."'),
        "absolute": (absolute, [regular("/etc/passwd", b"x")], '"/etc/passwd" has an absolute'),
        "absolute-unlisted": (listed, [regular("/tmp/x", b"x")], "has an absolute"),
        "symlink-etc": (link, [special("link", tarfile.SYMTYPE, "/etc")], "is a link"),
        "symlink-outside": (
            link,
            [special("link", tarfile.SYMTYPE, str(outside)), regular("link/pwned", b"x")],
            "is a link",
        ),
        "symlink-relative": (link, [special("link", tarfile.SYMTYPE, "../../..")], "is a link"),
        "hardlink": (link, [special("link", tarfile.LNKTYPE, "/etc/passwd")], "is a link"),
        "chardev": (link, [special("link", tarfile.CHRTYPE)], "special file"),
        "blockdev": (link, [special("link", tarfile.BLKTYPE)], "special file"),
        "fifo": (link, [special("link", tarfile.FIFOTYPE)], "special file"),
        "unlisted": (listed, [regular("extra.bin", b"x")], '"extra.bin" is not listed'),
        "second-manifest": (listed, [regular("model.yaml", b"name: x")], "is not listed"),
        "duplicate": (listed, [regular("weights.bin", GOOD)], '"weights.bin" appears twice'),
        "empty-folder": (listed, [special("stray", tarfile.DIRTYPE)], "holds no file"),
    }


CASES = list(hostile_cases(Path("/placeholder")))


@pytest.mark.usefixtures("refused")
@pytest.mark.parametrize("case", CASES)
def test_hostile_archives_are_refused(case: str, tmp_path: Path, outside: Path) -> None:
    manifest, members, message = hostile_cases(outside)[case]
    members = [regular("weights.bin", GOOD), *members]
    archive = build(tmp_path / "evil.tiffin-model", manifest, members)
    with pytest.raises(BadInput, match=message):
        tiffin.models.import_model(archive)
    assert list(outside.iterdir()) == []


@pytest.mark.usefixtures("refused")
def test_a_tampered_file_is_refused_naming_it(tmp_path: Path) -> None:
    manifest = manifest_for({"weights.bin": GOOD})
    archive = build(
        tmp_path / "evil.tiffin-model", manifest, [regular("weights.bin", b"bad weights!")]
    )
    with pytest.raises(CorruptModel, match='"weights.bin" in the archive does not match'):
        tiffin.models.import_model(archive)


@pytest.mark.usefixtures("refused")
def test_a_file_of_the_wrong_size_is_refused_naming_it(tmp_path: Path) -> None:
    manifest = manifest_for({"weights.bin": GOOD})
    archive = build(tmp_path / "evil.tiffin-model", manifest, [regular("weights.bin", b"short")])
    with pytest.raises(CorruptModel, match='"weights.bin" in the archive has 5 bytes'):
        tiffin.models.import_model(archive)


@pytest.mark.usefixtures("refused")
def test_a_file_missing_from_the_archive_is_refused(tmp_path: Path) -> None:
    manifest = manifest_for({"weights.bin": GOOD, "vocab.txt": b"abc"})
    archive = build(tmp_path / "evil.tiffin-model", manifest, [regular("weights.bin", GOOD)])
    with pytest.raises(CorruptModel, match='lacks the file "vocab.txt"'):
        tiffin.models.import_model(archive)


@pytest.mark.usefixtures("refused")
@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        pytest.param(None, "does not start with a model.yaml", id="missing"),
        pytest.param(b"[1, 2", "not a mapping", id="not-yaml"),
        pytest.param(b"- a list", "not a mapping", id="a-list"),
        pytest.param({"name": "evil", "version": "1"}, 'has no "creation_time"', id="partial"),
        pytest.param({**manifest_for({}), "files": {"a": {"size": -1}}}, '"a"', id="bad-entry"),
        pytest.param({**manifest_for({}), "version": "latest"}, '"latest"', id="latest"),
        pytest.param(manifest_for({"a": b"", "a/b": b""}), "both as a file", id="file-is-dir"),
    ],
)
def test_a_missing_or_invalid_manifest_is_refused(
    tmp_path: Path, manifest: Any, message: str
) -> None:
    archive = build(tmp_path / "evil.tiffin-model", manifest, [regular("weights.bin", GOOD)])
    with pytest.raises(BadInput, match=message):
        tiffin.models.import_model(archive)


@pytest.mark.usefixtures("refused")
def test_an_invalid_tag_in_the_manifest_is_refused(tmp_path: Path) -> None:
    manifest = {**manifest_for({}), "name": "Evil"}
    archive = build(tmp_path / "evil.tiffin-model", manifest, [])
    with pytest.raises(InvalidTag, match='use "evil"'):
        tiffin.models.import_model(archive)


@pytest.mark.usefixtures("refused")
def test_a_file_that_is_not_an_archive_is_refused(tmp_path: Path) -> None:
    (tmp_path / "evil.tiffin-model").write_bytes(b"PK\x03\x04 a zip, not a tiffin archive")
    with pytest.raises(BadInput, match="neither zstd nor gzip"):
        tiffin.models.import_model(tmp_path / "evil.tiffin-model")


@pytest.mark.usefixtures("refused")
def test_a_truncated_archive_is_refused(tmp_path: Path) -> None:
    manifest = manifest_for({"weights.bin": WEIGHTS})
    archive = build(tmp_path / "evil.tiffin-model", manifest, [regular("weights.bin", WEIGHTS)])
    archive.write_bytes(archive.read_bytes()[:-200])
    with pytest.raises(CorruptModel, match="damaged"):
        tiffin.models.import_model(archive)


def test_an_imported_store_holds_only_the_listed_files(tmp_path: Path) -> None:
    manifest = manifest_for({"weights.bin": GOOD, "sub/vocab.txt": b"abc"})
    members = [special("sub", tarfile.DIRTYPE), regular("sub/vocab.txt", b"abc")]
    archive = build(
        tmp_path / "ok.tiffin-model", manifest, [regular("weights.bin", GOOD), *members]
    )
    model = tiffin.models.import_model(archive)
    names = {p.relative_to(model.path).as_posix() for p in model.path.rglob("*") if p.is_file()}
    assert names == {"model.yaml", "weights.bin", "sub/vocab.txt"}


def test_the_store_is_untouched_by_a_refused_import(tmp_path: Path) -> None:
    model = save()
    store = ModelStore(tiffin.models.default_store().root)
    manifest = {**manifest_for({"weights.bin": GOOD}), "name": "demo", "version": "1.0"}
    archive = build(tmp_path / "evil.tiffin-model", manifest, [regular("extra", b"x")])
    with pytest.raises(BadInput):
        tiffin.models.import_model(archive, overwrite=True)
    assert store.get("demo:1.0").info == model.info
