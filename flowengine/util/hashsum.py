"""The ``hash-sum`` package's digest of a value (Node-RED tags http responses with it).

A 32-bit string hash folded over each value's key, class name, ``typeof`` and
``String()`` text, walking object keys in UTF-16 order; a value seen before on
the walk folds in as ``[Circular]<key>``.
"""

from __future__ import annotations

from typing import Any

from flowengine.jsvalues import UNDEFINED, js_string, js_typeof

from .jsobject import js_class_name, js_own_get, js_own_keys
from .utf16 import utf16_units

__all__ = ["hash_sum"]


def _int32(x: int) -> int:
    return ((x + 2**31) % 2**32) - 2**31


def _fold(hash_value: int, text: str) -> int:
    if not text:
        return hash_value
    for unit in utf16_units(text):
        hash_value = _int32(_int32(_int32(hash_value) << 5) - hash_value + unit)
    return hash_value * -2 if hash_value < 0 else hash_value


def _fold_value(hash_value: int, value: Any, key: str, seen: list[Any]) -> int:
    hash_value = _fold(_fold(_fold(hash_value, key), js_class_name(value)), js_typeof(value))
    if value is None:
        return _fold(hash_value, "null")
    if value is UNDEFINED:
        return _fold(hash_value, "undefined")
    if isinstance(value, dict | list | bytes | bytearray):
        if any(value is s for s in seen):
            return _fold(hash_value, "[Circular]" + key)
        seen.append(value)
        for k in sorted(js_own_keys(value), key=utf16_units):
            hash_value = _fold_value(hash_value, js_own_get(value, k), k, seen)
        # String(value.valueOf()): arrays join, Buffers decode, objects "[object Object]".
    return _fold(hash_value, js_string(value))


def hash_sum(value: Any) -> str:
    """The digest as hash-sum writes it: at least 8 hex digits."""
    return format(_fold_value(0, value, "", []), "x").rjust(8, "0")
