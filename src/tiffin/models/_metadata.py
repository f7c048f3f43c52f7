"""Checks for what users attach to a model: metadata, labels and signatures."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from typing import Any

from tiffin.exceptions import InvalidArgument

__all__ = ["normalize_labels", "normalize_metadata", "normalize_signatures"]

_SCALARS = (str, bool, int, float, type(None), datetime.datetime, datetime.date)
_LABEL_NAME = re.compile(r"[A-Za-z0-9](?:[-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?")
_DNS_SUBDOMAIN = re.compile(
    r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*"
)


def normalize_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return a JSON-like copy of ``metadata``, converting numpy values to Python ones.

    Anything else is refused with the key path of the offending value, e.g.
    ``metadata["scores"][2]``.
    """
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise InvalidArgument(
            f"metadata must be a dict of JSON-like values, not {type(metadata).__name__}."
        )
    return _convert_mapping(metadata, "metadata")


def _convert(value: Any, path: str) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return value
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, Mapping):
        return _convert_mapping(value, path)
    if isinstance(value, (list, tuple)):
        return [_convert(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if type(value).__module__ == "numpy":
        return _convert(value.tolist(), path)
    raise InvalidArgument(
        f"{path} is a {type(value).__name__}, which cannot be stored as metadata: use strings, "
        "numbers, booleans, None, datetimes, lists and dicts (convert it, e.g. with str())."
    )


def _convert_mapping(value: Mapping[Any, Any], path: str) -> dict[str, Any]:
    converted = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise InvalidArgument(
                f"{path} has the key {key!r}; metadata keys must be strings (use str(key))."
            )
        converted[key] = _convert(item, f"{path}[{key!r}]")
    return converted


def normalize_labels(labels: Mapping[str, str] | None) -> dict[str, str]:
    """Check labels: string values under keys that follow Kubernetes label-key rules."""
    if labels is None:
        return {}
    if not isinstance(labels, Mapping):
        raise InvalidArgument(f"labels must be a dict of strings, not {type(labels).__name__}.")
    for key, value in labels.items():
        _check_label_key(key)
        if not isinstance(value, str):
            raise InvalidArgument(
                f"Label {key!r} has a {type(value).__name__} value; label values are strings "
                f"(use {str(value)!r})."
            )
    return dict(labels)


def _check_label_key(key: object) -> None:
    if not isinstance(key, str):
        raise InvalidArgument(f"Label keys are strings, not {type(key).__name__} ({key!r}).")
    prefix, slash, name = key.rpartition("/")
    valid_prefix = not slash or (len(prefix) <= 253 and _DNS_SUBDOMAIN.fullmatch(prefix))
    if not (valid_prefix and _LABEL_NAME.fullmatch(name)):
        raise InvalidArgument(
            f"Label key {key!r} is invalid: a key is an optional DNS-subdomain prefix and "
            '"/", then a name of at most 63 letters, digits, "-", "_" or ".", starting and '
            'ending with a letter or digit (for example "team" or "example.com/owner").'
        )


def normalize_signatures(
    signatures: Mapping[str, Any] | None, default: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """Return ``{method: {"batchable": bool, "batch_dim": int}}`` from the user's signatures.

    Each value may be a dict with ``batchable`` and ``batch_dim``, or ``None`` for the
    defaults. Without signatures, the framework's default ones are used.
    """
    chosen = default if signatures is None else signatures
    if not isinstance(chosen, Mapping) or not chosen:
        raise InvalidArgument(
            'signatures must be a non-empty dict such as {"predict": {"batchable": True}}.'
        )
    return {str(method): _signature(str(method), options) for method, options in chosen.items()}


def _signature(method: str, options: Any) -> dict[str, Any]:
    options = {} if options is None else options
    if not isinstance(options, Mapping):
        raise InvalidArgument(
            f'Signature of "{method}" must be a dict such as {{"batchable": True, '
            f'"batch_dim": 0}}, not {type(options).__name__}.'
        )
    unknown = set(options) - {"batchable", "batch_dim"}
    if unknown:
        raise InvalidArgument(
            f'Signature of "{method}" has unknown keys {sorted(unknown)}; '
            'the keys are "batchable" and "batch_dim".'
        )
    batchable = options.get("batchable", False)
    batch_dim = options.get("batch_dim", 0)
    if not isinstance(batchable, bool):
        raise InvalidArgument(f'Signature of "{method}": "batchable" must be True or False.')
    if not isinstance(batch_dim, int) or isinstance(batch_dim, bool):
        raise InvalidArgument(f'Signature of "{method}": "batch_dim" must be an integer.')
    return {"batchable": batchable, "batch_dim": batch_dim}
