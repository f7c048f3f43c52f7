from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiffin.exceptions import InvalidTag
from tiffin.models import Tag

part = st.from_regex(r"[a-z0-9]([-._a-z0-9]{0,61}[a-z0-9])?", fullmatch=True)


def test_tag_parses_name_and_version() -> None:
    tag = Tag("iris:v3")
    assert (tag.name, tag.version) == ("iris", "v3")


def test_tag_accepts_a_tuple_and_another_tag() -> None:
    assert Tag(("iris", "v3")) == Tag("iris", "v3") == Tag(Tag("iris:v3"))


def test_name_alone_means_the_newest_version() -> None:
    assert Tag("iris").is_latest
    assert Tag("iris").version is None


def test_latest_version_is_the_same_as_no_version() -> None:
    assert Tag("iris:latest") == Tag("iris")
    assert str(Tag("iris")) == "iris:latest"


def test_upper_case_is_refused_with_the_lowercase_form() -> None:
    with pytest.raises(InvalidTag, match='use "iris"'):
        Tag("Iris:v1")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("iris/1", id="slash"),
        pytest.param("a:b:c", id="two-colons"),
        pytest.param("-iris", id="leading-dash"),
        pytest.param("iris.", id="trailing-dot"),
        pytest.param("", id="empty"),
        pytest.param("x" * 64, id="too-long"),
        pytest.param("iris:", id="empty-version"),
        pytest.param("ir is", id="space"),
    ],
)
def test_invalid_tags_are_refused_with_the_rule(text: str) -> None:
    with pytest.raises(InvalidTag, match=r"name|version"):
        Tag(text)


def test_invalid_tag_is_also_a_value_error() -> None:
    with pytest.raises(ValueError, match="invalid"):
        Tag("iris/1")


def test_tag_is_immutable() -> None:
    tag = Tag("iris:v1")
    with pytest.raises(AttributeError):
        tag.name = "other"  # type: ignore[misc]


def test_tag_equals_its_string_form() -> None:
    assert Tag("iris:v1") == "iris:v1"
    assert Tag("iris:v1") != "IRIS:v1"


def test_tag_repr_is_readable() -> None:
    assert repr(Tag("iris", "v1")) == "Tag('iris:v1')"


@given(name=part, version=part)
def test_any_valid_tag_round_trips_through_its_string(name: str, version: str) -> None:
    tag = Tag(name, version)
    assert Tag(str(tag)) == tag
    assert hash(Tag(str(tag))) == hash(tag)
