"""Decode Node-RED's debug-sidebar encoding and normalise values for golden comparisons.

Node-RED publishes each debug message as ``{format, msg}`` where ``msg`` is a
string produced by ``RED.util.encodeObject``: JSON text for objects and arrays
(with ``{"__enc__": true, ...}`` markers for Buffers, ``undefined``, NaN...),
hex for Buffers, ``String(v)`` for numbers and booleans. Both that recording
and the values flowengine's debug nodes emit are turned into one canonical
form of plain Python values so they can be compared with ``==``:

- str, bool, None, int/float (JavaScript has one number type, a double: an
  integral value up to 2**53 is an int, anything else a float), list, dict,
  bytes;
- ``UNDEF`` for JavaScript ``undefined`` (top level and array elements);
  dict keys whose value is undefined are dropped, because flowengine may
  represent undefined as an absent key;
- ``JSNumber("NaN" | "Infinity" | "-Infinity")`` for non-finite numbers;
- ``Encoded(type, data)`` for anything else Node-RED encodes specially.

Then :func:`normalise_outputs` replaces random ids (``_msgid``, the
``_linkSource[].id`` of link call) by placeholders in order of first
appearance and drops ``error.stack`` (JavaScript stack traces). This module
has no dependency on flowengine so the recorder can use it too.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

__all__ = [
    "UNDEF",
    "Encoded",
    "JSNumber",
    "canonical",
    "decode_sidebar",
    "describe",
    "first_deep_difference",
    "normalise_outputs",
    "normalise_recording",
]


@dataclass(frozen=True)
class _Undefined:
    def __repr__(self) -> str:
        return "undefined"


UNDEF = _Undefined()


@dataclass(frozen=True)
class JSNumber:
    """A non-finite JavaScript number, by its ``String()`` text."""

    text: str

    def __repr__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Encoded:
    """A value Node-RED encodes specially (function, regexp, error, Date...)."""

    type: str
    data: Any

    def __repr__(self) -> str:
        return f"<{self.type} {self.data!r}>"


# ---- numbers ---------------------------------------------------------------------------
# JavaScript numbers are doubles: integers up to 2**53 compare as Python ints,
# anything larger or fractional as floats.
_SAFE = 2**53


def _from_float(value: float) -> Any:
    if math.isnan(value):
        return JSNumber("NaN")
    if math.isinf(value):
        return JSNumber("Infinity" if value > 0 else "-Infinity")
    return int(value) if value.is_integer() and abs(value) <= _SAFE else value


def _recorded_int(value: int) -> Any:
    """An integer in Node-RED's JSON text is a double already (shortest form)."""
    return value if abs(value) <= _SAFE else float(value)


def _engine_int(value: int) -> Any:
    """A Python int beyond 2**53 is kept exact unless a double holds it exactly,
    so an engine that keeps more precision than JavaScript does not compare equal."""
    if abs(value) <= _SAFE:
        return value
    as_float = float(value)
    return as_float if int(as_float) == value else value


# ---- recording side ----------------------------------------------------------------
def _number(text: str) -> Any:
    if text in ("NaN", "Infinity", "-Infinity"):
        return JSNumber(text)
    return _from_float(float(text))


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _from_json(value: Any) -> Any:
    """Canonical form of a JSON value from the sidebar, resolving ``__enc__`` markers."""
    if isinstance(value, dict):
        if value.get("__enc__") is True:
            kind = value.get("type")
            if kind == "Buffer":
                return bytes(value.get("data") or [])
            if kind == "undefined":
                return UNDEF
            if kind == "number":
                return JSNumber(str(value.get("data")))
            return Encoded(str(kind), _hashable(_from_json(value.get("data"))))
        out = {}
        for key, item in value.items():
            item = _from_json(item)
            if item is not UNDEF:
                out[key] = item
        return out
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, float):
        return _from_float(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return _recorded_int(value)
    return value


def decode_sidebar(fmt: str, text: Any) -> Any:
    """The canonical value of one sidebar message (``format`` and ``msg`` fields)."""
    if fmt.startswith("string["):
        return text
    if fmt == "number":
        return _number(text)
    if fmt == "boolean":
        return text == "true"
    if fmt == "null":
        return None
    if fmt == "undefined":
        return UNDEF
    if fmt.startswith("buffer["):
        return bytes.fromhex(text)
    if fmt == "Object" or fmt.startswith("array["):
        return _from_json(json.loads(text))
    return Encoded(fmt, text if isinstance(text, str) else json.dumps(text, sort_keys=True))


# ---- flowengine side ----------------------------------------------------------------
def canonical(value: Any) -> Any:
    """Canonical form of a Python value as flowengine holds it (a deep snapshot)."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int):
        return _engine_int(value)
    if isinstance(value, float):
        return _from_float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = canonical(item)
            if item is not UNDEF:
                out[str(key)] = item
        return out
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if _is_undefined(value):
        return UNDEF
    return Encoded(type(value).__name__, repr(value))


def _is_undefined(value: Any) -> bool:
    try:
        from flowengine.jsvalues import UNDEFINED
    except ImportError:  # the recorder runs without flowengine
        return False
    return value is UNDEFINED


# ---- normalisation shared by both sides ----------------------------------------------
class _Ids:
    def __init__(self) -> None:
        self.names: dict[tuple[str, Any], str] = {}

    def name(self, kind: str, value: Any) -> str:
        key = (kind, value)
        if key not in self.names:
            count = sum(1 for k in self.names if k[0] == kind) + 1
            self.names[key] = f"<{kind}-{count}>"
        return self.names[key]


def _normalise(value: Any, ids: _Ids, key: str | None = None) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, item in value.items():
            if k == "_msgid" and isinstance(item, str):
                out[k] = ids.name("msgid", item)
            elif k == "_linkSource" and isinstance(item, list):
                out[k] = [_link_source(entry, ids) for entry in item]
            elif k == "stack" and key in ("error", "_error"):
                continue  # JavaScript stack traces are not comparable
            else:
                out[k] = _normalise(item, ids, k)
        return out
    if isinstance(value, list):
        return [_normalise(v, ids) for v in value]
    return value


def _link_source(entry: Any, ids: _Ids) -> Any:
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        entry = {**entry, "id": ids.name("linksource", entry["id"])}
    return entry


def normalise_outputs(outputs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Replace random ids by placeholders (shared across the whole sequence)."""
    ids = _Ids()
    return [(node_id, _normalise(value, ids)) for node_id, value in outputs]


def recorded_outputs(recording: dict[str, Any]) -> list[tuple[str, Any]]:
    """The decoded (not yet normalised) ``(debug node id, value)`` list of a recording."""
    return [(o["id"], decode_sidebar(o["format"], o["msg"])) for o in recording["outputs"]]


def normalise_recording(recording: dict[str, Any]) -> Any:
    """A recording with random ids normalised (to detect real changes when re-recording)."""
    out = dict(recording)
    out["outputs"] = repr(normalise_outputs(recorded_outputs(recording)))
    return out


def first_deep_difference(want: Any, have: Any, path: str = "") -> tuple[str, Any, Any] | None:
    """The path of the first place where two canonical values differ, and both sides there."""
    if want == have:
        return None
    if (
        not path
        and isinstance(want, tuple)
        and isinstance(have, tuple)
        and len(want) == len(have) == 2
        and want[0] == have[0]
    ):
        return first_deep_difference(want[1], have[1], f"{want[0]}:")  # (node id, value)
    if isinstance(want, dict) and isinstance(have, dict):
        for key in list(want) + [k for k in have if k not in want]:
            sub = first_deep_difference(
                want.get(key, "(absent)"), have.get(key, "(absent)"), _join(path, str(key))
            )
            if sub:
                return sub
    if isinstance(want, list | tuple) and isinstance(have, list | tuple) and len(want) == len(have):
        for i, (w, h) in enumerate(zip(want, have, strict=True)):
            sub = first_deep_difference(w, h, f"{path}[{i}]")
            if sub:
                return sub
    return path or "(top)", want, have


def _join(path: str, key: str) -> str:
    return f"{path} {key}" if path.endswith(":") or not path else f"{path}.{key}"


def describe(value: Any, limit: int = 600) -> str:
    """A short readable rendering of a canonical value for failure messages."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
