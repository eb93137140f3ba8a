"""Node's ``querystring.stringify`` (what Node-RED sends as a form or query string)."""

from __future__ import annotations

import math
from typing import Any

from flowengine.jsvalues import js_string

from .jsobject import js_own_get, js_own_keys
from .uri import encode_uri_component

__all__ = ["querystring_stringify"]


def _primitive(value: Any) -> str:
    """A value as querystring writes it: strings, booleans, finite numbers; else ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return js_string(value) if math.isfinite(value) else ""
    return ""


def querystring_stringify(obj: Any) -> str:
    """``querystring.stringify(obj)``: arrays repeat their key, nested objects are ""."""
    if not isinstance(obj, dict | list | bytes | bytearray):
        return ""
    parts: list[str] = []
    for key in js_own_keys(obj):
        value = js_own_get(obj, key)
        prefix = encode_uri_component(key) + "="
        if isinstance(value, list):
            parts.extend(prefix + encode_uri_component(_primitive(v)) for v in value)
        else:
            parts.append(prefix + encode_uri_component(_primitive(value)))
    return "&".join(parts)
