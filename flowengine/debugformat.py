"""Encoding of debug-sidebar messages (Node-RED's ``RED.util.encodeObject``).

The debug sidebar receives ``{id, z, path, name, topic?, property?, msg}``
with ``msg`` turned into a string and a ``format`` describing it:
``string[5]``, ``number``, ``Object``, ``array[3]``, ``buffer[4]``, ...
Objects and arrays become JSON in which the awkward values are tagged with
``__enc__`` (Buffers, ``undefined``, NaN, functions, over-long arrays) and long
strings are cut at ``maxLength`` (setting ``debugMaxLength``, default 1000).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .inspect import error_name_and_message, js_key_order, js_length
from .jsvalues import UNDEFINED, js_date_iso, js_number_str, js_regexp_source, js_string

__all__ = ["DEFAULT_MAX_LENGTH", "encode_object", "encode_value"]

DEFAULT_MAX_LENGTH = 1000

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def encode_object(
    debug_msg: dict[str, Any], max_length: int = DEFAULT_MAX_LENGTH
) -> dict[str, Any]:
    """A copy of ``debug_msg`` with ``msg`` encoded and ``format`` added (``encodeObject``)."""
    out = dict(debug_msg)
    value = out.get("msg", UNDEFINED)
    try:
        out["msg"], out["format"] = encode_value(value, max_length)
    except Exception as e:  # never let a strange value break the sidebar
        out["format"] = "error"
        name, message = error_name_and_message(e)
        out["msg"] = _json_text(
            {
                "__enc__": True,
                "type": "error",
                "data": {
                    "name": name,
                    "message": f"encodeObject Error: {message}",
                    "stack": f"{name}: {message}",
                },
            }
        )
    return out


def encode_value(value: Any, max_length: int = DEFAULT_MAX_LENGTH) -> tuple[Any, str]:
    """``(msg, format)`` for one value, as the sidebar shows it."""
    if isinstance(value, BaseException):
        return _json_text(_error_object(value)), "error"
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()[:max_length], f"buffer[{len(value)}]"
    if isinstance(value, list | tuple):
        length = len(value)
        data: Any = list(value)
        if length > max_length:
            data = {"__enc__": True, "type": "array", "data": data[:max_length], "length": length}
        return _safe_json(data, max_length), f"array[{length}]"
    if isinstance(value, dict):
        return _safe_json(value, max_length), "Object"
    if isinstance(value, datetime):
        return js_string(value), "Date"
    if isinstance(value, re.Pattern):
        return js_regexp_source(value), "regexp"
    if value is None:
        return "(undefined)", "null"
    if value is UNDEFINED:
        return "(undefined)", "undefined"
    if isinstance(value, bool):
        return ("true" if value else "false"), "boolean"
    if isinstance(value, int | float):
        return js_number_str(value), "number"
    if isinstance(value, str):
        length = js_length(value)
        if length > max_length:
            value = _js_slice(value, max_length) + "..."
        return value, f"string[{length}]"
    if callable(value):
        return "[function]", "function"
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return _safe_json(to_json(), max_length), type(value).__name__
    return str(value), type(value).__name__


def _js_slice(text: str, units: int) -> str:
    """``text.substring(0, units)`` counting UTF-16 code units."""
    if text.isascii():
        return text[:units]
    raw = text.encode("utf-16-le", "surrogatepass")[: units * 2]
    return raw.decode("utf-16-le", "surrogatepass")


def _error_object(err: BaseException) -> dict[str, Any]:
    name, message = error_name_and_message(err)
    data: dict[str, Any] = {"name": name, "message": message}
    code = getattr(err, "code", None)
    if code is not None:
        data["code"] = code
    cause = err.__cause__
    if cause is not None:
        cause_name, cause_message = error_name_and_message(cause)
        data["cause"] = f"{cause_name}: {cause_message}"
    data["stack"] = f"{name}: {message}" if message else name
    return {"__enc__": True, "type": "error", "data": data}


# ---- JSON.stringify with json-stringify-safe and Node-RED's replacer --------------
def _safe_json(value: Any, max_length: int) -> str:
    parts: list[str] = []
    _write(value, "", max_length, [], [], parts.append)
    return "".join(parts)


def _to_json(value: Any) -> Any:
    """``toJSON`` as JSON.stringify calls it before the replacer."""
    if isinstance(value, bytes | bytearray):
        return {"type": "Buffer", "data": list(value)}
    if isinstance(value, datetime):
        return js_date_iso(value)
    to_json = getattr(value, "to_json", None)
    if callable(to_json) and not isinstance(value, dict | list | str):
        return to_json()
    return value


def _replace(key: str, value: Any, max_length: int) -> Any:
    """Node-RED's ``encodeObject`` replacer."""
    if key in ("_req", "_res"):
        return {"__enc__": True, "type": "internal"}
    if isinstance(value, BaseException):
        return _error_object(value)
    if isinstance(value, list | tuple):
        if len(value) > max_length:
            return {
                "__enc__": True,
                "type": "array",
                "data": list(value[:max_length]),
                "length": len(value),
            }
        return value
    if isinstance(value, str):
        if js_length(value) > max_length:
            return _js_slice(value, max_length) + "..."
        return value
    if value is UNDEFINED:
        return {"__enc__": True, "type": "undefined"}
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return {"__enc__": True, "type": "number", "data": js_number_str(value)}
    if isinstance(value, int | float):
        return value
    if isinstance(value, dict):
        if value.get("type") == "Buffer":
            data = value.get("data", UNDEFINED)
            if data is UNDEFINED or data is None:
                raise TypeError(
                    f"Cannot read properties of {'undefined' if data is UNDEFINED else 'null'}"
                    " (reading 'length')"
                )
            tagged = dict(value)
            tagged["__enc__"] = True
            length = len(data) if isinstance(data, list | str) else UNDEFINED
            tagged["length"] = length
            if isinstance(length, int) and length > max_length:
                tagged["data"] = data[:max_length]
            return tagged
        return value
    if isinstance(value, re.Pattern):
        return {"__enc__": True, "type": "regexp", "data": js_regexp_source(value)}
    if callable(value):
        return {"__enc__": True, "type": "function"}
    return str(value)


def _write(
    value: Any,
    key: str,
    max_length: int,
    ancestors: list[int],
    path: list[str],
    emit: Callable[[str], None],
) -> None:
    value = _to_json(value)
    if isinstance(value, dict | list | tuple) and id(value) in ancestors:
        # json-stringify-safe: a reference back to an ancestor becomes a path marker.
        depth = ancestors.index(id(value))
        value = "[Circular ~]" if depth == 0 else "[Circular ~." + ".".join(path[:depth]) + "]"
    value = _replace(key, value, max_length)
    if isinstance(value, dict):
        ancestors.append(id(value))
        emit("{")
        first = True
        for k in js_key_order(value):
            if not first:
                emit(",")
            first = False
            emit(_json_text(str(k)))
            emit(":")
            path.append(str(k))
            _write(value[k], str(k), max_length, ancestors, path, emit)
            path.pop()
        emit("}")
        ancestors.pop()
    elif isinstance(value, list | tuple):
        ancestors.append(id(value))
        emit("[")
        for i, item in enumerate(value):
            if i:
                emit(",")
            path.append(str(i))
            _write(item, str(i), max_length, ancestors, path, emit)
            path.pop()
        emit("]")
        ancestors.pop()
    elif value is None:
        emit("null")
    elif value is True:
        emit("true")
    elif value is False:
        emit("false")
    elif isinstance(value, int | float):
        emit(js_number_str(value) if math.isfinite(value) else "null")
    else:
        emit(_json_text(value if isinstance(value, str) else str(value)))


def _json_text(value: Any) -> str:
    """JSON.stringify for strings and plain data (lone surrogates escaped as \\uXXXX)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if _LONE_SURROGATE.search(text):
        text = _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    return text
