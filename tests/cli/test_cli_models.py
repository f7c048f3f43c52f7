from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
import zstandard
from click.testing import Result

import tiffin.models
from tiffin.exceptions import AlreadyExists, BadInput, CorruptModel, InvalidTag, NotFound
from tiffin.models import Model

Invoke = Callable[..., Result]

Save = Callable[..., Model]


def assert_clean_error(result: Result, exit_code: int, message: str) -> None:
    """A failed command exits with ``exit_code`` and prints one error line, no traceback."""
    assert result.exit_code == exit_code, result.output
    assert result.stderr.startswith("Error: ")
    assert message in result.stderr
    assert "Traceback" not in result.output


# -- list ----------------------------------------------------------------------------------


def test_list_shows_a_table_of_models(invoke: Invoke, save: Save) -> None:
    model = save(labels={"stage": "prod"})
    result = invoke("models", "list")
    assert result.exit_code == 0
    header, row = result.stdout.splitlines()
    assert header.split() == ["TAG", "FRAMEWORK", "SIZE", "CREATED", "LABELS"]
    assert row.startswith(str(model.tag))
    assert row.split()[1:3] == ["custom", "2.0"]
    assert row.endswith("(just now)  stage=prod")


def test_list_filters_by_name(invoke: Invoke, save: Save) -> None:
    save("a")
    kept = save("b")
    result = invoke("models", "list", "b", "-o", "json")
    assert [row["tag"] for row in json.loads(result.stdout)] == [str(kept.tag)]


def test_list_filters_by_labels(invoke: Invoke, save: Save) -> None:
    save(labels={"stage": "dev"})
    prod = save(labels={"stage": "prod", "team": "ml"})
    result = invoke("models", "list", "--label", "stage=prod", "--label", "team=ml", "-o", "json")
    assert [row["tag"] for row in json.loads(result.stdout)] == [str(prod.tag)]


def test_list_as_json_describes_each_model(invoke: Invoke, save: Save) -> None:
    model = save(metadata={"accuracy": 0.9})
    (row,) = json.loads(invoke("models", "list", "-o", "json").stdout)
    assert row == {
        "tag": str(model.tag),
        "name": "demo",
        "version": model.version,
        "framework": "custom",
        "size": 2048,
        "creation_time": model.creation_time.isoformat(),
        "labels": {},
        "metadata": {"accuracy": 0.9},
    }


def test_list_as_yaml_is_a_list_of_models(invoke: Invoke, save: Save) -> None:
    first, second = save(), save()
    rows = yaml.safe_load(invoke("models", "list", "-o", "yaml").stdout)
    assert [row["tag"] for row in rows] == [str(second.tag), str(first.tag)]


def test_list_of_an_empty_store_says_so_on_stderr(invoke: Invoke) -> None:
    result = invoke("models", "list")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "No models in the store" in result.stderr


def test_list_with_a_malformed_label_is_a_usage_error(invoke: Invoke) -> None:
    result = invoke("models", "list", "--label", "stage")
    assert result.exit_code == 2
    assert '"stage" is not KEY=VALUE' in result.stderr


def test_list_with_an_invalid_name_is_a_clean_error(invoke: Invoke) -> None:
    result = invoke("models", "list", "Iris")
    assert_clean_error(result, InvalidTag.exit_code, 'use "iris" instead')


# -- get -----------------------------------------------------------------------------------


def test_get_prints_the_manifest_as_yaml(invoke: Invoke, save: Save) -> None:
    model = save()
    result = invoke("models", "get", "demo")
    assert yaml.safe_load(result.stdout) == model.info


def test_get_prints_the_manifest_as_json(invoke: Invoke, save: Save) -> None:
    model = save()
    info = json.loads(invoke("models", "get", str(model.tag), "-o", "json").stdout)
    assert info["files"] == model.info["files"]
    assert info["creation_time"] == model.creation_time.isoformat()


def test_get_verify_reports_matching_digests(invoke: Invoke, save: Save) -> None:
    save()
    result = invoke("models", "get", "demo", "--verify")
    assert result.exit_code == 0
    assert "All 1 files" in result.stderr


def test_get_verify_names_a_corrupt_file(invoke: Invoke, save: Save) -> None:
    model = save()
    (model.path / "weights.bin").write_bytes(b"\x00" * 2048)
    result = invoke("models", "get", "demo", "--verify")
    assert_clean_error(result, CorruptModel.exit_code, '"weights.bin"')
    assert result.stdout == ""


def test_get_of_an_unknown_model_suggests_names(invoke: Invoke, save: Save) -> None:
    save("iris-classifier")
    result = invoke("models", "get", "iris-clasifier")
    assert_clean_error(result, NotFound.exit_code, 'Did you mean "iris-classifier"')


@pytest.mark.parametrize("tag", ["iris/1", "a:b:c", "UPPER:1", "x:"])
def test_get_of_an_invalid_tag_is_a_clean_error(invoke: Invoke, tag: str) -> None:
    assert_clean_error(invoke("models", "get", tag), InvalidTag.exit_code, "")


# -- delete --------------------------------------------------------------------------------


def test_delete_asks_showing_the_exact_tag(invoke: Invoke, save: Save) -> None:
    old, new = save(), save()
    result = invoke("models", "delete", "demo", input="y\n")
    assert result.exit_code == 0
    assert f'Delete model "{new.tag}"' in result.stderr
    assert [m.tag for m in tiffin.models.list()] == [old.tag]


def test_delete_declined_keeps_the_model(invoke: Invoke, save: Save) -> None:
    model = save()
    result = invoke("models", "delete", str(model.tag), input="n\n")
    assert result.exit_code == 1
    assert tiffin.models.list() == [model]


def test_delete_yes_removes_an_exact_tag_without_asking(invoke: Invoke, save: Save) -> None:
    model = save()
    result = invoke("models", "delete", str(model.tag), "-y")
    assert result.exit_code == 0
    assert f'Deleted model "{model.tag}"' in result.stdout
    assert tiffin.models.list() == []


def test_delete_yes_accepts_latest_as_explicit(invoke: Invoke, save: Save) -> None:
    old, _ = save(), save()
    assert invoke("models", "delete", "demo:latest", "--yes").exit_code == 0
    assert tiffin.models.list() == [old]


def test_delete_yes_refuses_a_bare_name(invoke: Invoke, save: Save) -> None:
    model = save()
    result = invoke("models", "delete", "demo", "-y")
    assert_clean_error(result, 2, f"tiffin models delete {model.tag} -y")
    assert tiffin.models.list() == [model]


def test_delete_of_an_unknown_model_is_a_clean_error(invoke: Invoke) -> None:
    assert_clean_error(invoke("models", "delete", "ghost:1", "-y"), NotFound.exit_code, "ghost")


# -- export and import ---------------------------------------------------------------------


def test_export_then_import_round_trips(invoke: Invoke, save: Save, tmp_path: Path) -> None:
    model = save(version="1")
    result = invoke("models", "export", "demo", str(tmp_path))
    archive = tmp_path / "demo-1.tiffin-model"
    assert result.exit_code == 0
    assert result.stdout == f'Exported model "demo:1" to {archive}.\n'
    tiffin.models.delete(model.tag)
    result = invoke("models", "import", str(archive))
    assert result.exit_code == 0
    assert result.stdout.startswith('Imported model "demo:1"')
    assert tiffin.models.get("demo:1").imported


def test_export_to_a_memory_url(invoke: Invoke, save: Save) -> None:
    save(version="1")
    result = invoke("models", "export", "demo:1", "memory://cli/")
    assert result.stdout == 'Exported model "demo:1" to memory://cli/demo-1.tiffin-model.\n'


def test_export_of_an_unknown_model_is_a_clean_error(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("models", "export", "ghost", str(tmp_path))
    assert_clean_error(result, NotFound.exit_code, "ghost")


@pytest.fixture
def archive(save: Save, tmp_path: Path) -> Path:
    """An archive of demo:1, which is also still in the store."""
    save(version="1")
    return Path(tiffin.models.export_model("demo:1", tmp_path))


def test_import_of_an_existing_tag_is_refused(invoke: Invoke, archive: Path) -> None:
    result = invoke("models", "import", str(archive))
    assert_clean_error(result, AlreadyExists.exit_code, "--overwrite")
    assert not tiffin.models.get("demo:1").imported


def test_import_overwrite_replaces_the_model(invoke: Invoke, archive: Path) -> None:
    result = invoke("models", "import", str(archive), "--overwrite")
    assert result.exit_code == 0
    assert tiffin.models.get("demo:1").imported


def test_import_of_a_missing_archive_is_a_clean_error(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("models", "import", str(tmp_path / "none.tiffin-model"))
    assert_clean_error(result, NotFound.exit_code, "No model archive")


def test_import_of_a_hostile_archive_is_a_clean_error(invoke: Invoke, tmp_path: Path) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        member = tarfile.TarInfo("../escape")
        tar.addfile(member, io.BytesIO(b""))
    path = tmp_path / "evil.tiffin-model"
    path.write_bytes(zstandard.ZstdCompressor().compress(raw.getvalue()))
    assert_clean_error(invoke("models", "import", str(path)), BadInput.exit_code, "model.yaml")


def test_import_warns_about_pickle_models(invoke: Invoke, tmp_path: Path) -> None:
    with tiffin.models.default_store().create("pickled", version="1", pickle_based=True) as w:
        (w.path / "model.pkl").write_bytes(b"...")
    archive = tiffin.models.export_model("pickled:1", tmp_path)
    tiffin.models.delete("pickled:1")
    result = invoke("models", "import", archive)
    assert result.exit_code == 0
    assert "stored with pickle" in result.stderr


# -- prune ---------------------------------------------------------------------------------


def test_prune_keeps_the_newest_versions(invoke: Invoke, save: Save) -> None:
    models = [save() for _ in range(3)]
    result = invoke("models", "prune", "demo", "--keep", "1", "-y")
    assert result.exit_code == 0
    assert tiffin.models.list() == [models[2]]
    assert 'Deleted 2 version(s) of "demo"' in result.stdout


def test_prune_lists_what_it_will_delete_and_asks(invoke: Invoke, save: Save) -> None:
    old, new = save(), save()
    result = invoke("models", "prune", "demo", "--keep", "1", input="n\n")
    assert result.exit_code == 1
    assert str(old.tag) in result.stderr
    assert str(new.tag) not in result.stderr
    assert tiffin.models.list() == [new, old]


def test_prune_with_nothing_to_delete_says_so(invoke: Invoke, save: Save) -> None:
    save()
    result = invoke("models", "prune", "demo", "--keep", "3")
    assert result.exit_code == 0
    assert "Nothing to prune" in result.stderr


def test_prune_of_an_unknown_name_is_a_clean_error(invoke: Invoke) -> None:
    assert_clean_error(invoke("models", "prune", "ghost", "--keep", "1"), NotFound.exit_code, "")


def test_prune_of_a_tag_is_a_clean_error(invoke: Invoke, save: Save) -> None:
    save(version="1")
    result = invoke("models", "prune", "demo:1", "--keep", "1")
    assert_clean_error(result, 2, "tiffin models prune demo --keep 1")


def test_prune_needs_a_non_negative_keep(invoke: Invoke) -> None:
    result = invoke("models", "prune", "demo", "--keep", "-1")
    assert result.exit_code == 2
    assert "Invalid value for '--keep'" in result.stderr
