"""A Python rendition of Node.js ``util.inspect`` (Node 22 defaults) for our data.

Debug console lines and status texts show values the way Node-RED prints them,
so the layout rules matter: strings quoted inside containers, ``[Object]`` /
``[Array]`` beyond ``depth``, ``<Buffer 01 02>``, integer-like keys first, and
Node's line-breaking (``breakLength`` 80, ``compact`` 3, numeric array
grouping). Behaviour was checked against Node 22's output, not ported from it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import datetime
from typing import Any

from .errors import JSError
from .jsvalues import UNDEFINED, js_date_iso, js_number_str, js_regexp_source

__all__ = ["error_name_and_message", "inspect_value", "js_key_order", "js_length", "string_width"]

_BREAK_LENGTH = 80
_COMPACT = 3
_MAX_ARRAY_LENGTH = 100
_MAX_STRING_LENGTH = 10000
_MAX_BUFFER_BYTES = 50  # buffer.INSPECT_MAX_BYTES
_MIN_LINE_LENGTH = 16

_KEY_IDENT = re.compile(r"^[a-zA-Z_][a-zA-Z_0-9]*$")
_ARRAY_INDEX = re.compile(r"^(0|[1-9][0-9]*)$")
_LINE_SPLIT = re.compile(r"(?<=\n)")

# Escapes for C0/C1 control characters as util.inspect writes them.
_CONTROL_ESCAPES = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"}


def js_length(text: str) -> int:
    """``text.length`` in JavaScript: UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def js_key_order(obj: dict[Any, Any]) -> list[Any]:
    """Keys in JavaScript property order: array-index keys ascending, then insertion order."""
    keys = list(obj.keys())
    index_keys = [k for k in keys if isinstance(k, str) and _is_index_key(k)]
    if not index_keys:
        return keys
    index_keys.sort(key=int)
    rest = [k for k in keys if not (isinstance(k, str) and _is_index_key(k))]
    return index_keys + rest


def _is_index_key(key: str) -> bool:
    return bool(_ARRAY_INDEX.match(key)) and int(key) < 2**32 - 1


def string_width(text: str) -> int:
    """Display columns of ``text`` (full-width characters count 2, combining marks 0)."""
    if text.isascii():
        return sum(1 for ch in text if ord(ch) >= 32)
    width = 0
    for ch in unicodedata.normalize("NFC", text):
        code = ord(ch)
        if code < 32 or 0x7F <= code <= 0x9F or unicodedata.combining(ch):
            continue
        if 0x200B <= code <= 0x200F or 0xFE00 <= code <= 0xFE0F:
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


class _Context:
    """Mutable state of one inspection, as Node keeps it on its ``ctx``."""

    __slots__ = ("circular", "current_depth", "depth", "indentation", "seen")

    def __init__(self, depth: float) -> None:
        self.depth = depth
        self.indentation = 0
        self.current_depth = 0
        self.seen: list[int] = []
        self.circular: dict[int, int] = {}


def inspect_value(value: Any, depth: int | None = 2) -> str:
    """``util.inspect(value, {depth})``; ``depth=None`` means unlimited."""
    ctx = _Context(math.inf if depth is None else depth)
    return _format_value(ctx, value, 0)


# ---- primitives ------------------------------------------------------------
def _quote_string(text: str) -> str:
    """Quote and escape a string: single quotes unless the text contains them."""
    quote = "'"
    if "'" in text:
        if '"' not in text:
            quote = '"'
        elif "`" not in text and "${" not in text:
            quote = "`"
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if code < 32 or 0x7F <= code <= 0x9F:
            out.append(_CONTROL_ESCAPES.get(code) or f"\\x{code:02X}")
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "'" and quote == "'":
            out.append("\\'")
        elif 0xD800 <= code <= 0xDFFF:  # a lone surrogate (paired ones never reach str)
            out.append(f"\\u{code:x}")
        else:
            out.append(ch)
    return quote + "".join(out) + quote


def _format_string(ctx: _Context, text: str) -> str:
    trailer = ""
    length = js_length(text)
    if length > _MAX_STRING_LENGTH:
        remaining = length - _MAX_STRING_LENGTH
        text = text[:_MAX_STRING_LENGTH]
        trailer = f"... {remaining} more character{'s' if remaining > 1 else ''}"
        length = _MAX_STRING_LENGTH
    if length > _MIN_LINE_LENGTH and length > _BREAK_LENGTH - ctx.indentation - 4:
        # Long strings are split after each newline, one quoted piece per line.
        pieces = [p for p in _LINE_SPLIT.split(text) if p != ""] or [""]
        joiner = " +\n" + " " * (ctx.indentation + 2)
        return joiner.join(_quote_string(p) for p in pieces) + trailer
    return _quote_string(text) + trailer


def _format_number(value: float | int) -> str:
    if isinstance(value, float) and value == 0 and math.copysign(1, value) < 0:
        return "-0"
    return js_number_str(value)


def _format_buffer(data: bytes) -> str:
    shown = " ".join(f"{b:02x}" for b in data[:_MAX_BUFFER_BYTES])
    remaining = len(data) - _MAX_BUFFER_BYTES
    if remaining > 0:
        shown += f" ... {remaining} more byte{'s' if remaining > 1 else ''}"
    return f"<Buffer {shown}>"


def error_name_and_message(err: BaseException) -> tuple[str, str]:
    """The JavaScript ``name`` and ``message`` we show for a Python exception."""
    if isinstance(err, JSError):
        return err.name, err.message
    name = type(err).__name__
    if name not in ("TypeError", "RangeError", "SyntaxError", "ReferenceError"):
        name = "Error"
    return name, str(err)


# ---- the formatter -----------------------------------------------------------
def _format_value(ctx: _Context, value: Any, recurse_times: int) -> str:
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return _format_number(value)
    if isinstance(value, str):
        return _format_string(ctx, value)
    if isinstance(value, bytes | bytearray):
        return _format_buffer(bytes(value))
    if isinstance(value, datetime):
        return js_date_iso(value)
    if isinstance(value, re.Pattern):
        return js_regexp_source(value)
    if isinstance(value, BaseException):
        name, message = error_name_and_message(value)
        # Node brackets an error whose stack has no frames; ours never have frames.
        return f"[{name}: {message}]" if message else f"[{name}]"
    if isinstance(value, list | tuple | dict):
        if id(value) in ctx.seen:
            index = ctx.circular.get(id(value))
            if index is None:
                index = len(ctx.circular) + 1
                ctx.circular[id(value)] = index
            return f"[Circular *{index}]"
        return _format_container(ctx, value, recurse_times)
    if callable(value):
        name = getattr(value, "__name__", "")
        return f"[Function: {name}]" if name and name != "<lambda>" else "[Function (anonymous)]"
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return _format_value(ctx, to_json(), recurse_times)
    return str(value)


def _format_container(ctx: _Context, value: Any, recurse_times: int) -> str:
    is_array = not isinstance(value, dict)
    if not value:
        return "[]" if is_array else "{}"
    if recurse_times > ctx.depth:
        return "[Array]" if is_array else "[Object]"
    recurse_times += 1
    ctx.seen.append(id(value))
    ctx.current_depth = recurse_times
    output: list[str] = []
    if is_array:
        shown = min(len(value), _MAX_ARRAY_LENGTH)
        for item in value[:shown]:
            ctx.indentation += 2
            output.append(_format_value(ctx, item, recurse_times))
            ctx.indentation -= 2
        remaining = len(value) - shown
        if remaining > 0:
            output.append(f"... {remaining} more item{'s' if remaining > 1 else ''}")
    else:
        for key in js_key_order(value):
            ctx.indentation += 2
            text = _format_value(ctx, value[key], recurse_times)
            ctx.indentation -= 2
            output.append(f"{_format_key(str(key))}: {text}")
    ctx.seen.pop()
    base = ""
    index = ctx.circular.get(id(value))
    if index is not None:
        base = f"<ref *{index}>"
    braces = ("[", "]") if is_array else ("{", "}")
    return _reduce_to_single_string(ctx, output, base, braces, is_array, recurse_times, value)


def _format_key(key: str) -> str:
    if key == "__proto__":
        return "['__proto__']"
    if _KEY_IDENT.match(key):
        return key
    return _quote_string(key)


def _is_below_break_length(output: list[str], start: int, base: str) -> bool:
    total = len(output) + start
    if total + len(output) > _BREAK_LENGTH:
        return False
    for entry in output:
        total += js_length(entry)
        if total > _BREAK_LENGTH:
            return False
    return base == "" or "\n" not in base


def _reduce_to_single_string(
    ctx: _Context,
    output: list[str],
    base: str,
    braces: tuple[str, str],
    is_array: bool,
    recurse_times: int,
    value: Any,
) -> str:
    entries = len(output)
    if is_array and entries > 6:
        output = _group_array_elements(ctx, output, value)
    # Only the innermost `compact` levels may be put on one line.
    if ctx.current_depth - recurse_times < _COMPACT and entries == len(output):
        start = len(output) + ctx.indentation + len(braces[0]) + len(base) + 10
        if _is_below_break_length(output, start, base):
            joined = ", ".join(output)
            if "\n" not in joined:
                prefix = f"{base} " if base else ""
                return f"{prefix}{braces[0]} {joined} {braces[1]}"
    indentation = "\n" + " " * ctx.indentation
    prefix = f"{base} " if base else ""
    body = f",{indentation}  ".join(output)
    return f"{prefix}{braces[0]}{indentation}  {body}{indentation}{braces[1]}"


def _js_round(x: float) -> int:
    return math.floor(x + 0.5)


def _group_array_elements(ctx: _Context, output: list[str], value: Any) -> list[str]:
    """Lay short array entries out in aligned columns, as Node does for > 6 entries."""
    total_length = 0
    max_length = 0
    output_length = len(output)
    if len(output) > _MAX_ARRAY_LENGTH:
        output_length -= 1  # the "... more items" entry is not laid out
    separator_space = 2
    data_len: list[int] = []
    for entry in output[:output_length]:
        width = string_width(entry)
        data_len.append(width)
        total_length += width + separator_space
        max_length = max(max_length, width)
    actual_max = max_length + separator_space
    if actual_max * 3 + ctx.indentation < _BREAK_LENGTH and (
        total_length / actual_max > 5 or max_length <= 6
    ):
        average_bias = math.sqrt(actual_max - total_length / len(output))
        biased_max = max(actual_max - 3 - average_bias, 1)
        columns = min(
            _js_round(math.sqrt(2.5 * biased_max * output_length) / biased_max),
            (_BREAK_LENGTH - ctx.indentation) // actual_max,
            _COMPACT * 4,
            15,
        )
        if columns <= 1:
            return output
        max_line_length: list[int] = []
        for i in range(columns):
            line_max = 0
            for j in range(i, output_length, columns):
                line_max = max(line_max, data_len[j])
            max_line_length.append(line_max + separator_space)
        pad_start = all(
            isinstance(v, int | float) and not isinstance(v, bool)
            for v in list(value)[: len(output)]
        )
        grouped: list[str] = []
        for i in range(0, output_length, columns):
            last = min(i + columns, output_length)
            line = ""
            for j in range(i, last - 1):
                cell = f"{output[j]}, "
                width = max_line_length[j - i] + js_length(output[j]) - data_len[j]
                line += _pad(cell, width, pad_start)
            j = last - 1
            if pad_start:
                width = (
                    max_line_length[j - i] + js_length(output[j]) - data_len[j] - separator_space
                )
                line += _pad(output[j], width, True)
            else:
                line += output[j]
            grouped.append(line)
        if len(output) > _MAX_ARRAY_LENGTH:
            grouped.append(output[output_length])
        return grouped
    return output


def _pad(text: str, width: int, at_start: bool) -> str:
    fill = " " * max(0, width - js_length(text))
    return fill + text if at_start else text + fill
