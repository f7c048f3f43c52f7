"""``Tag``: the ``name:version`` value that names a model or an artifact."""

from __future__ import annotations

import re

from tiffin.exceptions import InvalidTag

__all__ = ["LATEST", "Tag", "TagLike", "validate_name"]

LATEST = "latest"
_PART = re.compile(r"[a-z0-9](?:[-._a-z0-9]{0,61}[a-z0-9])?")
_RULE = (
    '1 to 63 characters of lowercase letters, digits, "-", "_" and ".", '
    "starting and ending with a letter or digit"
)


def validate_name(value: object, what: str = "name") -> str:
    """Check one part of a tag (a name or a version) and return it.

    Upper case is refused with the lowercase form in the message rather than silently
    changed, so that two spellings never name one model.
    """
    if not isinstance(value, str):
        raise InvalidTag(f"A tag {what} must be a string, not {type(value).__name__}.")
    if _PART.fullmatch(value):
        return value
    if value and _PART.fullmatch(value.lower()):
        raise InvalidTag(
            f'Tag {what} "{value}" has upper-case letters; use "{value.lower()}" instead.'
        )
    raise InvalidTag(f'Tag {what} "{value}" is invalid: a {what} has {_RULE}.')


class Tag:
    """An immutable ``name:version`` pair.

    Accepts ``Tag("iris:v3")``, ``Tag("iris", "v3")``, ``Tag(("iris", "v3"))`` or another
    ``Tag``. A tag without a version, or with the version ``latest``, names the newest
    version; ``tag.version`` is then ``None``.

        >>> Tag("iris:v3")
        Tag('iris:v3')
        >>> Tag("iris").is_latest
        True
    """

    __slots__ = ("_name", "_version")

    _name: str
    _version: str | None

    def __init__(self, name: TagLike, version: str | None = None) -> None:
        if isinstance(name, Tag):
            if version is not None:
                raise InvalidTag("Give either a Tag or a name and a version, not both.")
            parsed_name, parsed_version = name.name, name.version
        elif isinstance(name, tuple):
            if version is not None or len(name) != 2:
                raise InvalidTag('A tag tuple has exactly two items: ("name", "version").')
            parsed_name, parsed_version = name
        elif isinstance(name, str):
            parsed_name, parsed_version = _split(name, version)
        else:
            raise InvalidTag(
                f'A tag is a "name:version" string, a (name, version) tuple or a Tag, '
                f"not {type(name).__name__}."
            )
        object.__setattr__(self, "_name", validate_name(parsed_name, "name"))
        if parsed_version is not None and parsed_version != LATEST:
            parsed_version = validate_name(parsed_version, "version")
        elif parsed_version == LATEST:
            parsed_version = None
        object.__setattr__(self, "_version", parsed_version)

    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> str | None:
        """The version, or ``None`` when the tag means the newest version."""
        return self._version

    @property
    def is_latest(self) -> bool:
        return self._version is None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Tag is immutable.")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Tag):
            return (self._name, self._version) == (other._name, other._version)
        if isinstance(other, str):
            try:
                return self == Tag(other)
            except InvalidTag:
                return False
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._name, self._version))

    def __str__(self) -> str:
        return f"{self._name}:{self._version or LATEST}"

    def __repr__(self) -> str:
        return f"Tag({str(self)!r})"


def _split(text: str, version: str | None) -> tuple[str, str | None]:
    if version is not None:
        return text, version
    if text.count(":") > 1 or "/" in text:
        raise InvalidTag(
            f'Model tag "{text}" is invalid: a tag is "<name>:<version>" (or "<name>" for the '
            f"newest version), where each part has {_RULE}."
        )
    name, sep, rest = text.partition(":")
    if sep and not rest:
        raise InvalidTag(
            f'Model tag "{text}" has an empty version: write "{name}" or "{name}:latest" '
            "for the newest version."
        )
    return name, rest or None


TagLike = Tag | str | tuple[str, str]
