"""``tiffin models``: list, inspect, delete, export, import and prune stored models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

import tiffin.models
from tiffin.cli._output import dump, human_size, print_note, print_table, when
from tiffin.cli._progress import transfer_progress
from tiffin.exceptions import InvalidArgument
from tiffin.models import Model

__all__ = ["models"]

_URL_HELP = (
    "PATH_OR_URL is a local path or an fsspec URL (s3://, gs://, file://, ...); credentials "
    "come from the usual environment (AWS_*, GOOGLE_APPLICATION_CREDENTIALS) or from fsspec "
    "configuration (FSSPEC_<PROTOCOL>_<OPTION>, e.g. FSSPEC_S3_ENDPOINT_URL)."
)


@click.group("models")
def models() -> None:
    """Manage the local model store ($TIFFIN_HOME/models)."""


def _parse_labels(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> dict[str, str]:
    labels = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f'"{item}" is not KEY=VALUE; write e.g. --label stage=prod.')
        labels[key] = value
    return labels


@models.command("list")
@click.argument("name", required=False)
@click.option(
    "--label",
    "labels",
    multiple=True,
    metavar="KEY=VALUE",
    callback=_parse_labels,
    help="Only models carrying this label (repeatable; all must match).",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(["table", "json", "yaml"]),
    default="table",
    show_default=True,
)
def list_models(name: str | None, labels: dict[str, str], output: str) -> None:
    """List stored models, newest first, optionally only those called NAME."""
    found = tiffin.models.list(name, labels or None)
    if output != "table":
        click.echo(dump([_summary(model) for model in found], output))
    elif not found:
        what = f'named "{name}"' if name else "in the store"
        print_note(f"No models {what}{' with these labels' if labels else ''}.")
    else:
        columns = ("TAG", "FRAMEWORK", "SIZE", "CREATED", "LABELS")
        print_table(columns, [_row(model) for model in found])


def _summary(model: Model) -> dict[str, Any]:
    return {
        "tag": str(model.tag),
        "name": model.name,
        "version": model.version,
        "framework": model.framework,
        "size": model.size,
        "creation_time": model.creation_time.isoformat(),
        "labels": model.labels,
        "metadata": model.metadata,
    }


def _row(model: Model) -> tuple[str, ...]:
    labels = ", ".join(f"{key}={value}" for key, value in sorted(model.labels.items()))
    size = human_size(model.size)
    return (str(model.tag), model.framework, size, when(model.creation_time), labels)


@models.command("get")
@click.argument("tag")
@click.option(
    "-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True
)
@click.option("--verify", is_flag=True, help="Check every file's SHA-256 digest first.")
def get_model(tag: str, output: str, verify: bool) -> None:
    """Print the manifest of the model TAG (NAME alone means its newest version)."""
    model = tiffin.models.get(tag)
    if verify:
        model.verify()
        count = len(list(model.files()))
        print_note(f'All {count} files of "{model.tag}" match their SHA-256 digests.')
    click.echo(dump(model.info, output))


@models.command("delete")
@click.argument("tag")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_model(tag: str, yes: bool) -> None:
    """Delete the model TAG.

    NAME alone means its newest version; the confirmation shows the exact tag. With --yes the
    tag must name a version (or NAME:latest), so a script never deletes by accident.
    """
    model = tiffin.models.get(tag)
    if yes and ":" not in tag:
        raise InvalidArgument(
            f'"{tag}" alone means its newest version, "{model.tag}"; to delete without '
            f"confirmation, name it: `tiffin models delete {model.tag} -y`."
        )
    if not yes:
        click.confirm(f'Delete model "{model.tag}" ({_describe(model)})?', abort=True, err=True)
    tiffin.models.delete(model.tag)
    click.echo(f'Deleted model "{model.tag}".')


@models.command("export", epilog=_URL_HELP)
@click.argument("tag")
@click.argument("path_or_url")
def export_model(tag: str, path_or_url: str) -> None:
    """Write the model TAG to one .tiffin-model archive at PATH_OR_URL.

    A folder, or a URL ending in "/", receives NAME-VERSION.tiffin-model.
    """
    model = tiffin.models.get(tag)
    with transfer_progress(f"Exporting {model.tag}") as progress:
        written = tiffin.models.export_model(model, path_or_url, progress=progress)
    click.echo(f'Exported model "{model.tag}" to {written}.')


@models.command("import", epilog=_URL_HELP)
@click.argument("path_or_url")
@click.option("--overwrite", is_flag=True, help="Replace a stored model with the same tag.")
def import_model(path_or_url: str, overwrite: bool) -> None:
    """Add the model in the .tiffin-model archive at PATH_OR_URL to the store.

    Every file is checked against the archive's manifest; unsafe archives are refused.
    """
    with transfer_progress("Importing") as progress:
        model = tiffin.models.import_model(path_or_url, overwrite=overwrite, progress=progress)
    click.echo(f'Imported model "{model.tag}" ({_describe(model)}).')
    if model.pickle_based:
        print_note(
            "It is stored with pickle, which runs code when loaded: load it only if you "
            "trust where it came from."
        )


@models.command("prune")
@click.argument("name")
@click.option(
    "--keep", type=click.IntRange(min=0), required=True, help="How many newest versions to keep."
)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def prune_models(name: str, keep: int, yes: bool) -> None:
    """Delete all but the KEEP newest versions of the model NAME."""
    if ":" in name:
        raise InvalidArgument(
            f"prune takes a model name, not a tag: write `tiffin models prune {name.split(':')[0]}"
            f" --keep {keep}`."
        )
    versions = tiffin.models.list(name) or [tiffin.models.get(name)]  # NotFound names the closest
    doomed = versions[keep:]
    if not doomed:
        print_note(f'Nothing to prune: "{name}" has {len(versions)} version(s), keeping {keep}.')
        return
    if not yes:
        print_note("\n".join(f"  {model.tag}  ({_describe(model)})" for model in doomed))
        click.confirm(f"Delete these {len(doomed)} version(s)?", abort=True, err=True)
    for model in doomed:
        tiffin.models.delete(model.tag)
    click.echo(f'Deleted {len(doomed)} version(s) of "{name}"; kept the {keep} newest.')


def _describe(model: Model) -> str:
    return f"{model.framework}, {human_size(model.size)}, created {when(model.creation_time)}"
