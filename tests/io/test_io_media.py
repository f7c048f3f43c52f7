"""Content-Type parsing and Accept negotiation (tiffin.io._media)."""

from __future__ import annotations

import pytest

from tiffin.io._media import media_type_of, negotiate, parameters_of


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(None, None, id="absent"),
        pytest.param("", None, id="empty"),
        pytest.param("application/json", "application/json", id="plain"),
        pytest.param("Application/JSON; charset=UTF-8", "application/json", id="params-and-case"),
    ],
)
def test_media_type_of_strips_parameters_and_lowercases(header: str | None, expected: str) -> None:
    """The media type of a header is its bare, lower-case type."""
    assert media_type_of(header) == expected


def test_parameters_of_reads_quoted_values() -> None:
    """Content-Type parameters are read with their quotes removed."""
    assert parameters_of('multipart/form-data; boundary="abc"; Charset=utf-8') == {
        "boundary": "abc",
        "charset": "utf-8",
    }


OFFERS = ("application/json", "application/x-npy")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        pytest.param(None, "application/json", id="absent"),
        pytest.param("*/*", "application/json", id="anything"),
        pytest.param("application/x-npy", "application/x-npy", id="exact"),
        pytest.param("application/x-npy, application/json;q=0.5", "application/x-npy", id="q"),
        pytest.param(
            "application/json;q=0.2, application/x-npy", "application/x-npy", id="q-order"
        ),
        pytest.param("application/x-npy;q=0", "application/json", id="q-zero-ignored"),
        pytest.param("text/html", "application/json", id="unknown-falls-back"),
        pytest.param("application/*", "application/json", id="range"),
    ],
)
def test_negotiate_prefers_what_accept_ranks_highest(accept: str | None, expected: str) -> None:
    """Negotiation follows Accept's order and q-values, and falls back to the first offer."""
    assert negotiate(accept, OFFERS) == expected


def test_negotiate_turns_an_offered_range_into_the_requested_type() -> None:
    """An offer of ``image/*`` answers ``Accept: image/jpeg`` with ``image/jpeg``."""
    assert negotiate("image/jpeg", ("application/json", "image/*")) == "image/jpeg"
