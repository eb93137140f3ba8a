"""JavaScript property keys of message data: ``Object.keys`` order and own-property reads.

Message objects are dicts, arrays lists, Buffers ``bytes``; strings index by
position. JavaScript lists an object's integer-like keys ("array indexes")
first, ascending, then the other keys in insertion order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flowengine.jsvalues import UNDEFINED

__all__ = ["is_array_index", "js_class_name", "js_key_order", "js_own_get", "js_own_keys"]

_MAX_ARRAY_INDEX = 2**32 - 2


def is_array_index(key: str) -> bool:
    """True for a canonical array index ("0", "17"; not "01", "-1" or "1.0")."""
    return (
        key.isdigit()
        and key.isascii()
        and (key == "0" or key[0] != "0")
        and int(key) <= _MAX_ARRAY_INDEX
    )


def js_key_order(keys: Iterable[str]) -> list[str]:
    """Property order of a JavaScript object: array indexes ascending, then insertion order."""
    keys = list(keys)
    indexes = sorted((k for k in keys if is_array_index(k)), key=int)
    if not indexes:
        return keys
    return indexes + [k for k in keys if not is_array_index(k)]


def js_own_keys(value: Any) -> list[str]:
    """``Object.keys`` / ``for ... in`` keys of a message value."""
    if isinstance(value, dict):
        return js_key_order([str(k) for k in value])
    if isinstance(value, list | str | bytes | bytearray):
        return [str(i) for i in range(len(value))]
    return []


def js_own_get(value: Any, key: str) -> Any:
    """``value[key]`` for a key :func:`js_own_keys` listed."""
    if isinstance(value, dict):
        return value.get(key, UNDEFINED)
    return value[int(key)]


def js_class_name(value: Any) -> str:
    """``Object.prototype.toString.call(value)``."""
    if value is None:
        return "[object Null]"
    if value is UNDEFINED:
        return "[object Undefined]"
    if isinstance(value, bool):
        return "[object Boolean]"
    if isinstance(value, int | float):
        return "[object Number]"
    if isinstance(value, str):
        return "[object String]"
    if isinstance(value, list):
        return "[object Array]"
    if isinstance(value, bytes | bytearray):
        return "[object Uint8Array]"
    return "[object Object]"
