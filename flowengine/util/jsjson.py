"""``JSON.parse`` as V8 (Node 22) runs it, error messages included, and a cycle check.

:func:`js_json_loads` parses like JavaScript (numbers are doubles, no NaN or
Infinity literals) and fails with V8's ``SyntaxError`` text ("Unexpected token
'x', ... is not valid JSON", "Expected ',' or '}' after property value in JSON
at position 7 (line 1 column 8)"), so flows that test ``msg.error.message``
behave the same. :func:`is_circular` tells whether ``JSON.stringify`` would
throw for a cyclic value.
"""

from __future__ import annotations

from typing import Any

from flowengine import jsvalues
from flowengine.errors import JSError
from flowengine.jsvalues import js_string

from .utf16 import utf16_len, utf16_slice

__all__ = ["is_circular", "js_json_loads", "v8_json_error"]


def js_json_loads(text: Any) -> Any:
    """``JSON.parse(text)``; raises ``JSError(<V8 message>, name="SyntaxError")``.

    A non-string is converted with ``String()`` first, as JavaScript does; nesting
    too deep for the parser is V8's ``RangeError``.
    """
    if not isinstance(text, str):
        text = js_string(text)
    try:
        return jsvalues.js_json_loads(text)
    except RecursionError:
        raise JSError("Maximum call stack size exceeded", "RangeError") from None
    except ValueError as e:
        raise JSError(v8_json_error(text) or str(e), "SyntaxError") from None


class _JSONSyntax(Exception):
    """Where and why a JSON text is invalid (``reason`` None = unexpected token)."""

    def __init__(self, pos: int, reason: str | None = None, eos: bool = False) -> None:
        super().__init__(reason)
        self.pos = pos
        self.reason = reason
        self.eos = eos


_JSON_SPACE = " \t\n\r"
_DIGITS = "0123456789"
_HEX = "0123456789abcdefABCDEF"
_LITERALS = {"t": "true", "f": "false", "n": "null"}
# Whole inputs V8 names instead of pointing at a character.
_SPECIAL_SOURCES = ("undefined", "NaN", "Infinity", "[object Object]")
_SHORT_SOURCE = 21  # below this many UTF-16 units the whole text is quoted
_CONTEXT = 10  # characters of context either side of the bad token otherwise


def v8_json_error(text: str) -> str | None:
    """The message V8's ``JSON.parse`` gives for ``text``, or None if it is valid JSON."""
    try:
        _scan_json(text)
    except _JSONSyntax as e:
        return _format_json_error(text, e)
    return None


def _scan_json(s: str) -> None:
    """Walk ``s`` as V8's parser does (iteratively) and raise at the first error."""
    n = len(s)
    containers: list[str] = []  # "[" or "{" for each open container

    def skip(i: int) -> int:
        while i < n and s[i] in _JSON_SPACE:
            i += 1
        return i

    def property_name(i: int, reason: str) -> int:
        """Scan ``"name" :`` at ``i``; returns the position after the colon."""
        if i >= n or s[i] != '"':
            raise _JSONSyntax(i, reason)
        i = skip(_scan_string(s, i))
        if i >= n or s[i] != ":":
            raise _JSONSyntax(i, "Expected ':' after property name")
        return i + 1

    i = 0
    while True:
        # A value starts at i.
        i = skip(i)
        if i >= n:
            raise _JSONSyntax(i, eos=True)
        c = s[i]
        if c == "{":
            i = skip(i + 1)
            if i < n and s[i] == "}":
                i += 1
            else:
                i = property_name(i, "Expected property name or '}'")
                containers.append("{")
                continue
        elif c == "[":
            i = skip(i + 1)
            if i < n and s[i] == "]":
                i += 1
            else:
                containers.append("[")
                continue
        elif c == '"':
            i = _scan_string(s, i)
        elif c == "-" or c in _DIGITS:
            i = _scan_number(s, i)
        elif c in _LITERALS:
            i = _scan_literal(s, i, _LITERALS[c])
        else:
            raise _JSONSyntax(i)
        # A value ended at i: close containers until one expects another value.
        while True:
            i = skip(i)
            if not containers:
                if i < n:
                    raise _JSONSyntax(i, "Unexpected non-whitespace character after JSON")
                return
            closing = "]" if containers[-1] == "[" else "}"
            if i < n and s[i] == closing:
                containers.pop()
                i += 1
                continue
            if i < n and s[i] == ",":
                if closing == "}":
                    i = property_name(skip(i + 1), "Expected double-quoted property name")
                else:
                    i += 1
                break
            what = "array element" if closing == "]" else "property value"
            raise _JSONSyntax(i, f"Expected ',' or '{closing}' after {what}")


def _scan_string(s: str, i: int) -> int:
    n = len(s)
    i += 1
    while True:
        if i >= n:
            raise _JSONSyntax(i, "Unterminated string")
        c = s[i]
        if c == '"':
            return i + 1
        if c == "\\":
            i += 1
            if i >= n:
                raise _JSONSyntax(i, eos=True)
            if s[i] == "u":
                for k in range(1, 5):
                    if i + k >= n or s[i + k] not in _HEX:
                        raise _JSONSyntax(i + k, "Bad Unicode escape")
                i += 5
                continue
            if s[i] not in '"\\/bfnrt':
                raise _JSONSyntax(i, "Bad escaped character")
        elif ord(c) < 0x20:
            raise _JSONSyntax(i, "Bad control character in string literal")
        i += 1


def _scan_number(s: str, i: int) -> int:
    n = len(s)

    def digits(i: int) -> int:
        while i < n and s[i] in _DIGITS:
            i += 1
        return i

    if s[i] == "-":
        i += 1
        if i >= n or s[i] not in _DIGITS:
            raise _JSONSyntax(i, "No number after minus sign")
    if s[i] == "0":
        i += 1
        if i < n and s[i] in _DIGITS:
            raise _JSONSyntax(i, "Unexpected number")
    else:
        i = digits(i)
    if i < n and s[i] == ".":
        i += 1
        if i >= n or s[i] not in _DIGITS:
            raise _JSONSyntax(i, "Unterminated fractional number")
        i = digits(i)
    if i < n and s[i] in "eE":
        i += 1
        if i < n and s[i] in "+-":
            i += 1
        if i >= n or s[i] not in _DIGITS:
            raise _JSONSyntax(i, "Exponent part is missing a number")
        i = digits(i)
    return i


def _scan_literal(s: str, i: int, word: str) -> int:
    for k in range(1, len(word)):
        if i + k >= len(s):
            raise _JSONSyntax(i + k, eos=True)
        if s[i + k] != word[k]:
            raise _JSONSyntax(i + k)
    return i + len(word)


def _format_json_error(text: str, err: _JSONSyntax) -> str:
    if err.eos and err.reason is None:
        return "Unexpected end of JSON input"
    pos = utf16_len(text[: err.pos])
    if err.reason is not None:
        line, column = _line_column(text, err.pos)
        where = "" if err.reason.endswith("after JSON") else " in JSON"
        return f"{err.reason}{where} at position {pos} (line {line} column {column})"
    if text in _SPECIAL_SOURCES:
        return f'"{text}" is not valid JSON'
    token = text[err.pos]
    length = utf16_len(text)
    if length < _SHORT_SOURCE:
        return f"Unexpected token '{token}', \"{text}\" is not valid JSON"
    if pos < _CONTEXT:
        context = f'"{utf16_slice(text, 0, pos + _CONTEXT)}"...'
    elif pos < length - _CONTEXT:
        context = f'..."{utf16_slice(text, pos - _CONTEXT, pos + _CONTEXT)}"...'
    else:
        context = f'..."{utf16_slice(text, pos - _CONTEXT)}"'
    return f"Unexpected token '{token}', {context} is not valid JSON"


def _line_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``index``; CR, LF and CRLF each end a line."""
    line, line_start, i = 1, 0, 0
    while i < index:
        c = text[i]
        if c == "\r" and i + 1 < index and text[i + 1] == "\n":
            i += 1
        if c in "\r\n":
            line += 1
            line_start = i + 1
        i += 1
    return line, utf16_len(text[line_start:index]) + 1


def is_circular(value: Any) -> bool:
    """True when ``value`` contains itself (JSON.stringify throws for such values).

    Check before ``jsvalues.js_json_dumps``, which does not detect cycles itself.
    """
    on_path: set[int] = set()
    # Iterative depth-first walk; (True, id) entries pop a container off the path.
    stack: list[tuple[bool, Any]] = [(False, value)]
    while stack:
        leaving, item = stack.pop()
        if leaving:
            on_path.discard(item)
            continue
        if not isinstance(item, dict | list):
            continue
        key = id(item)
        if key in on_path:
            return True
        on_path.add(key)
        stack.append((True, key))
        stack.extend(
            (False, child) for child in (item.values() if isinstance(item, dict) else item)
        )
    return False
