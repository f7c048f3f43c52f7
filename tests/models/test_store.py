from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import tiffin.models
from tiffin.exceptions import AlreadyExists, CorruptModel, InvalidArgument, NotFound
from tiffin.models import ModelStore


def save(name: str = "demo", **kwargs: object) -> tiffin.models.Model:
    with tiffin.models.create(name, **kwargs) as writer:  # type: ignore[arg-type]
        (writer.path / "weights.bin").write_bytes(b"\x00" * 1000)
        (writer.path / "sub").mkdir()
        (writer.path / "sub" / "vocab.txt").write_text("a b c")
    return tiffin.models.get(writer.tag)


def test_a_saved_model_is_found_by_its_tag() -> None:
    model = save()
    assert tiffin.models.get(model.tag).path == model.path


def test_a_saved_model_records_sizes_and_digests_of_its_files() -> None:
    files = save().info["files"]
    assert files["weights.bin"]["size"] == 1000
    assert len(files["sub/vocab.txt"]["sha256"]) == 64


def test_a_saved_model_records_versions_and_time() -> None:
    info = save().info
    assert info["python_version"].count(".") == 2
    assert info["tiffin_version"] == tiffin.__version__
    assert info["creation_time"].tzinfo is not None


def test_latest_resolves_to_the_newest_version() -> None:
    save()
    newest = save()
    assert tiffin.models.get("demo:latest").tag == newest.tag
    assert tiffin.models.get("demo").tag == newest.tag


def test_latest_follows_creation_time_for_explicit_versions() -> None:
    save(version="2.0.0")
    save(version="1.0.0")
    assert tiffin.models.get("demo:latest").version == "1.0.0"


def test_list_is_newest_first_across_names() -> None:
    first, second, third = save("a"), save("b"), save("a")
    assert [m.tag for m in tiffin.models.list()] == [third.tag, second.tag, first.tag]


def test_list_filters_by_name_and_labels() -> None:
    save("a", labels={"stage": "prod", "team": "ml"})
    save("a", labels={"stage": "dev"})
    save("b", labels={"stage": "prod"})
    prod_a = tiffin.models.list("a", labels={"stage": "prod"})
    assert [m.labels["team"] for m in prod_a] == ["ml"]


def test_saving_over_an_existing_tag_is_refused() -> None:
    save(version="1.0.0")
    with pytest.raises(AlreadyExists, match="delete it first"):
        save(version="1.0.0")


def test_latest_is_not_a_version_one_may_save() -> None:
    with pytest.raises(InvalidArgument, match="newest version"):
        save(version="latest")


def test_a_failing_block_leaves_no_model_behind(tiffin_home: Path) -> None:
    with pytest.raises(RuntimeError), tiffin.models.create("broken") as writer:
        (writer.path / "half.bin").write_bytes(b"x")
        raise RuntimeError("training crashed")
    assert tiffin.models.list() == []
    assert list((tiffin_home / "models" / ".tmp").iterdir()) == []


def test_unknown_name_lists_the_closest_names() -> None:
    save("iris-classifier")
    with pytest.raises(NotFound, match='Did you mean "iris-classifier"'):
        tiffin.models.get("iris-clasifier")


def test_unknown_version_lists_the_versions() -> None:
    save(version="1.0.0")
    with pytest.raises(NotFound, match=r"no version \"1.0.1\".*1\.0\.0"):
        tiffin.models.get("demo:1.0.1")


def test_not_found_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match="empty"):
        tiffin.models.get("nothing")


def test_delete_removes_one_version() -> None:
    old, new = save(), save()
    tiffin.models.delete(new.tag)
    assert [m.tag for m in tiffin.models.list()] == [old.tag]


def test_prune_keeps_the_newest_versions() -> None:
    models = [save() for _ in range(4)]
    deleted = tiffin.models.prune("demo", keep=1)
    assert {m.tag for m in deleted} == {m.tag for m in models[:3]}
    assert [m.tag for m in tiffin.models.list()] == [models[3].tag]


def test_metadata_round_trips_with_datetimes_and_numpy() -> None:
    import datetime

    import numpy as np

    when = datetime.datetime(2024, 1, 15, tzinfo=datetime.timezone.utc)
    model = save(metadata={"accuracy": np.float32(0.5), "when": when, "date": "2024-01-15"})
    assert model.metadata == {"accuracy": 0.5, "when": when, "date": "2024-01-15"}


def test_metadata_that_is_not_json_like_names_the_key_path() -> None:
    with pytest.raises(InvalidArgument, match=r"metadata\['scores'\]\[1\]"):
        save(metadata={"scores": [1, object()]})


@pytest.mark.parametrize("key", ["Team Name", "-team", "a/b/c", "x" * 64, "Bad_Prefix.com/x"])
def test_label_keys_follow_kubernetes_rules(key: str) -> None:
    with pytest.raises(InvalidArgument, match="Label key"):
        save(labels={key: "v"})


def test_label_values_must_be_strings() -> None:
    with pytest.raises(InvalidArgument, match="label values are strings"):
        save(labels={"epoch": 3})  # type: ignore[dict-item]


def test_custom_objects_round_trip() -> None:
    model = save(custom_objects={"classes": ["setosa", "virginica"]})
    assert tiffin.models.get(model.tag).custom_objects == {"classes": ["setosa", "virginica"]}


def test_a_truncated_file_is_reported_as_corrupt_naming_it() -> None:
    model = save()
    (model.path / "weights.bin").write_bytes(b"\x00" * 10)
    with pytest.raises(CorruptModel, match='file "weights.bin" has 10 bytes'):
        model.check()


def test_a_tampered_file_of_the_same_size_is_reported_as_corrupt() -> None:
    model = save()
    (model.path / "sub" / "vocab.txt").write_text("x y z")
    with pytest.raises(CorruptModel, match='"sub/vocab.txt" does not match its SHA-256'):
        model.check()


def test_verify_checks_digests_even_without_a_newer_mtime() -> None:
    model = save()
    path = model.path / "weights.bin"
    stat = path.stat()
    path.write_bytes(b"\x01" * 1000)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    model.check()
    with pytest.raises(CorruptModel, match="weights.bin"):
        model.verify()


def test_a_missing_file_is_reported_as_corrupt() -> None:
    model = save()
    (model.path / "weights.bin").unlink()
    with pytest.raises(CorruptModel, match='"weights.bin" is missing'):
        model.check()


def test_temporary_folders_of_dead_writers_are_cleaned(tiffin_home: Path) -> None:
    tmp = tiffin_home / "models" / ".tmp"
    tmp.mkdir(parents=True)
    (tmp / "123-dead").mkdir()
    (tmp / "123-dead.lock").touch()
    save()
    assert list(tmp.iterdir()) == []


def test_links_inside_a_model_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="link"), tiffin.models.create("linky") as w:
        (w.path / "evil").symlink_to("/etc/passwd")
    assert tiffin.models.list() == []


# -- crash safety and concurrency, with real processes -------------------------------------

WRITER = textwrap.dedent(
    """
    import os, sys, tiffin.models
    with tiffin.models.create("big") as writer:
        print("started", flush=True)
        with open(writer.path / "weights.bin", "wb") as f:
            for _ in range(int(sys.argv[1])):
                f.write(os.urandom(1 << 20))
    print("saved", flush=True)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.05, 0.2, 0.5, 1.0, 2.0])
def test_a_save_killed_at_any_moment_leaves_no_partial_model(
    tiffin_home: Path, delay: float
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, "200"], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    if delay:
        assert process.stdout.readline() == "started\n"
        time.sleep(delay)
    process.kill()
    process.wait()
    process.stdout.close()
    store = ModelStore(tiffin_home / "models")
    for model in store.list():  # a model that made it is complete
        model.verify()
        assert model.size == 200 << 20
    assert all(m.size == 200 << 20 for m in tiffin.models.list())


@pytest.mark.slow
def test_a_save_killed_after_the_rename_is_complete(tiffin_home: Path) -> None:
    process = subprocess.run(
        [sys.executable, "-c", WRITER, "2"], capture_output=True, text=True, check=True
    )
    assert process.stdout.endswith("saved\n")
    (model,) = tiffin.models.list()
    model.verify()


SAVER = textwrap.dedent(
    """
    import sys, tiffin.models
    for _ in range(int(sys.argv[1])):
        with tiffin.models.create("shared") as writer:
            (writer.path / "f").write_text(sys.argv[2])
    """
)


@pytest.mark.slow
def test_four_processes_saving_one_name_get_distinct_ordered_versions() -> None:
    processes = [subprocess.Popen([sys.executable, "-c", SAVER, "10", str(i)]) for i in range(4)]
    assert [p.wait() for p in processes] == [0, 0, 0, 0]
    models = tiffin.models.list("shared")
    versions = [m.version for m in models]
    assert len(set(versions)) == 40
    assert versions == sorted(versions, reverse=True)
    times = [m.creation_time for m in models]
    assert times == sorted(times, reverse=True)


def test_custom_objects_of_an_imported_model_warn_even_if_marked_safe(tmp_path: Path) -> None:
    from tiffin.models import UnsafeModelWarning

    model = save("safe", custom_objects={"k": 1})
    archive = tiffin.models.export_model(model.tag, tmp_path / "safe.tiffin-model")
    tiffin.models.delete(model.tag)
    imported = tiffin.models.import_model(archive)
    assert not imported.pickle_based
    with pytest.warns(UnsafeModelWarning, match="unpickles"):
        assert imported.custom_objects == {"k": 1}
