"""JavaScript's URI functions and ``new URL()`` (WHATWG parsing, via ada-url)."""

from __future__ import annotations

import re
from typing import Any

import ada_url

from flowengine.errors import JSError
from flowengine.jsvalues import js_string

__all__ = ["decode_uri_component", "encode_uri_component", "new_url"]

_URI_COMPONENT_SAFE = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()"
)
_PERCENT_RUN_RE = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def encode_uri_component(value: Any) -> str:
    """``encodeURIComponent(String(value))``; JSError URIError on a lone surrogate."""
    text = js_string(value)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        raise JSError("URI malformed", name="URIError") from None
    return "".join(chr(b) if b in _URI_COMPONENT_SAFE else f"%{b:02X}" for b in data)


def decode_uri_component(text: str) -> str | None:
    """``decodeURIComponent``; None where JavaScript throws ``URIError``."""
    if "%" not in text:
        return text
    out: list[str] = []
    pos = 0
    for m in _PERCENT_RUN_RE.finditer(text):
        if "%" in text[pos : m.start()]:
            return None
        out.append(text[pos : m.start()])
        try:
            out.append(bytes.fromhex(m.group(0).replace("%", "")).decode("utf-8"))
        except UnicodeDecodeError:
            return None
        pos = m.end()
    if "%" in text[pos:]:
        return None
    out.append(text[pos:])
    return "".join(out)


def new_url(url: str) -> ada_url.URL:
    """``new URL(url)``; an invalid URL raises Node's ``TypeError`` (ERR_INVALID_URL)."""
    try:
        return ada_url.URL(url)
    except ValueError:
        raise JSError("Invalid URL", name="TypeError", code="ERR_INVALID_URL") from None
