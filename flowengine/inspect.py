"""A Python rendition of Node.js ``util.inspect`` for log lines and status text."""

from __future__ import annotations

import math
import re
from typing import Any

from .jsvalues import UNDEFINED, js_number_str

__all__ = ["inspect_value"]

_IDENT = re.compile(r"^[A-Za-z_$][\w$]*$")


def inspect_value(value: Any, depth: int = 2, _level: int = 0, _indent: int = 0) -> str:
    """``util.inspect(value, {depth})``: single line when it fits in 72 columns."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return "NaN"
        if isinstance(value, float) and value == 0 and math.copysign(1, value) < 0:
            return "-0"
        return js_number_str(value)
    if isinstance(value, str):
        return _quote(value) if _level else value
    if isinstance(value, bytes | bytearray):
        data = bytes(value)
        shown = " ".join(f"{b:02x}" for b in data[:50])
        more = f" ... {len(data) - 50} more bytes" if len(data) > 50 else ""
        return f"<Buffer {shown}{more}>" if data else "<Buffer >"
    if isinstance(value, list):
        if not value:
            return "[]"
        if _level > depth:
            return "[Array]"
        items = [inspect_value(v, depth, _level + 1, _indent + 2) for v in value[:100]]
        if len(value) > 100:
            items.append(f"... {len(value) - 100} more items")
        return _wrap("[", items, "]", _indent)
    if isinstance(value, dict):
        if not value:
            return "{}"
        if _level > depth:
            return "[Object]"
        items = []
        for k, v in value.items():
            if v is UNDEFINED:
                items.append(f"{_key(k)}: undefined")
                continue
            items.append(f"{_key(k)}: {inspect_value(v, depth, _level + 1, _indent + 2)}")
        return _wrap("{", items, "}", _indent, pad=True)
    return str(value)


def _key(k: str) -> str:
    return k if _IDENT.match(k) else _quote(k)


def _quote(s: str) -> str:
    if "'" not in s:
        return "'" + s.replace("\\", "\\\\").replace("\n", "\\n") + "'"
    if '"' not in s:
        return '"' + s.replace("\\", "\\\\").replace("\n", "\\n") + '"'
    return "`" + s.replace("\\", "\\\\").replace("`", "\\`").replace("\n", "\\n") + "`"


def _wrap(open_: str, items: list[str], close: str, indent: int, pad: bool = False) -> str:
    sp = " " if pad else " "
    one_line = f"{open_}{sp}{', '.join(items)}{sp}{close}"
    if len(one_line) + indent <= 72 and "\n" not in one_line:
        return one_line
    inner = ",\n".join(" " * (indent + 2) + it for it in items)
    return f"{open_}\n{inner}\n{' ' * indent}{close}"
