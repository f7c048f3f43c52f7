"""``/docs``: a self-contained page to read and try each API (no CDN, works offline).

The page (``static/docs.html``) reads ``docs.json`` from the same server, renders a form per
API with an example body built from its JSON Schema, and shows each call's response.
"""

from __future__ import annotations

import functools
import html
from importlib import resources

__all__ = ["docs_page"]


@functools.lru_cache(maxsize=16)
def docs_page(title: str) -> bytes:
    """The page for a service named ``title``."""
    page = resources.files("tiffin.server").joinpath("static/docs.html").read_text("utf-8")
    return page.replace("__TITLE__", html.escape(title)).encode()
