"""Message property expressions: ``payload.a[0]["b c"]`` and friends.

Behaves as Node-RED's ``RED.util.normalisePropertyExpression`` /
``getMessageProperty`` / ``setMessageProperty`` (checked against Node-RED
5.0.7): the same accepted syntax and error texts, ``[msg.x]`` cross-references
resolved against the message, digit-only dot segments as numbers (except the
last one, as Node-RED does), JavaScript property access on the values.

Nodes should compile an expression once with :func:`compile_property` and use
the resulting :class:`PropertyPath` per message; the module-level functions
cache compiled paths by text for callers that don't.
"""

from __future__ import annotations

import re
from typing import Any

from .jsvalues import UNDEFINED, js_string

__all__ = [
    "PropertyExpressionError",
    "PropertyPath",
    "compile_property",
    "get_message_property",
    "get_object_property",
    "normalise_property_expression",
    "set_message_property",
    "set_object_property",
]

Key = str | int


class PropertyExpressionError(ValueError):
    """The text is not a valid Node-RED property expression (``INVALID_EXPR``)."""

    code = "INVALID_EXPR"


class _CrossRef:
    """A ``[msg.x]`` part: the value of another message property, read per message."""

    __slots__ = ("path", "position", "source")

    def __init__(self, source: str, position: int) -> None:
        self.source = source  # e.g. "msg.topic", as written inside the brackets
        self.position = position  # index of the first character inside the brackets
        self.path = compile_property(source[4:] if source.startswith("msg.") else source)


_IDENT_START = re.compile(r"[a-z0-9$_]", re.IGNORECASE)
_DIGITS = re.compile(r"^\d+$")


def _err(text: str) -> PropertyExpressionError:
    return PropertyExpressionError(f"Invalid property expression: {text}")


def _parse(expr: str) -> list[Any]:
    """Split ``expr`` into keys; cross-references become :class:`_CrossRef` parts."""
    if not isinstance(expr, str):
        raise PropertyExpressionError(f"Invalid property expression: {js_string(expr)}")
    length = len(expr)
    if length == 0:
        raise _err("zero-length")
    parts: list[Any] = []
    start = 0
    in_string = False
    in_box = False
    quote = ""
    i = 0
    while i < length:
        c = expr[i]
        if in_string:
            if c == quote:
                if i - start == 0:
                    raise _err(f"zero-length string at position {start}")
                parts.append(expr[start:i])
                nxt = expr[i + 1] if i + 1 < length else ""
                if in_box and nxt != "]":
                    raise _err(f"unexpected array expression at position {start}")
                if not in_box and i + 1 != length and nxt not in ("[", "."):
                    raise _err(f"unexpected {nxt} expression at position {i + 1}")
                start = i + 1
                in_string = False
            i += 1
            continue
        if c in ("'", '"'):
            if i != start:
                raise _err(f"unexpected {c} at position {i}")
            in_string = True
            quote = c
            start = i + 1
        elif c == ".":
            if i == 0:
                raise _err("unexpected . at position 0")
            if start != i:
                segment = expr[start:i]
                parts.append(int(segment) if _DIGITS.match(segment) else segment)
            if i == length - 1:
                raise _err("unterminated expression")
            if not _IDENT_START.match(expr[i + 1]):
                raise _err(f"unexpected {expr[i + 1]} at position {i + 1}")
            start = i + 1
        elif c == "[":
            if i == 0:
                raise _err(f"unexpected {c} at position {i}")
            if start != i:
                parts.append(expr[start:i])
            if i == length - 1:
                raise _err("unterminated expression")
            if expr.startswith(("msg.", "msg["), i + 1):
                end = _matching_bracket(expr, i)
                if end < 0:
                    raise _err(f"unmatched '[' at position {i}")
                inner = expr[i + 1 : end]
                try:
                    parts.append(_CrossRef(inner, i + 1))
                except PropertyExpressionError:
                    raise PropertyExpressionError(
                        f"Invalid expression started at position {i + 1}"
                    ) from None
                i = end + 1
                start = i
                continue
            if expr[i + 1] not in "\"'0123456789":
                raise _err(f"unexpected {expr[i + 1]} at position {i + 1}")
            start = i + 1
            in_box = True
        elif c == "]":
            if not in_box:
                raise _err(f"unexpected {c} at position {i}")
            if start != i:
                segment = expr[start:i]
                if not _DIGITS.match(segment):
                    raise _err(f"unexpected array expression at position {start}")
                parts.append(int(segment))
            start = i + 1
            in_box = False
        elif c == " ":
            raise _err(f"unexpected ' ' at position {i}")
        i += 1
    if in_box or in_string:
        raise _err("unterminated expression")
    if start < length:
        # Node-RED keeps a trailing segment as text even when it is all digits.
        parts.append(expr[start:])
    return parts


def _matching_bracket(expr: str, open_at: int) -> int:
    """Index of the ``]`` closing the ``[`` at ``open_at`` (quotes tracked, not skipped)."""
    depth = 1
    in_quote = ""
    for j in range(open_at + 1, len(expr)):
        ch = expr[j]
        if ch in ("'", '"'):
            if in_quote:
                if ch == in_quote:
                    in_quote = ""
            else:
                in_quote = ch
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return j
    return -1


# ---- JavaScript property access on Python data ---------------------------------


def _index_of(key: Any) -> int | None:
    """The array index a JavaScript property key denotes, if any."""
    t = type(key)
    if t is int:
        return key if key >= 0 else None
    if t is str:
        if key.isdigit() and key.isascii() and (key == "0" or key[0] != "0"):
            return int(key)
        return None
    if t is float and key.is_integer() and key >= 0:
        return int(key)
    return None


def _key_text(key: Any) -> str:
    """``ToPropertyKey``: the string a key becomes on a plain object."""
    return key if type(key) is str else js_string(key)


def _read(obj: Any, key: Any) -> Any:
    """``obj[key]`` with JavaScript semantics; TypeError on null/undefined."""
    t = type(obj)
    if t is dict:
        return obj.get(key if type(key) is str else _key_text(key), UNDEFINED)
    if t is list or t is str or t is bytes or t is bytearray:
        idx = _index_of(key)
        if idx is not None:
            return obj[idx] if idx < len(obj) else UNDEFINED
        if key == "length":
            return len(obj) if t is not str else _utf16_length(obj)
        return UNDEFINED
    if obj is None or obj is UNDEFINED:
        kind = "null" if obj is None else "undefined"
        raise TypeError(f"Cannot read properties of {kind} (reading '{_key_text(key)}')")
    return UNDEFINED


def _string_has_own(text: str, key: Any) -> bool:
    """``Object.hasOwn("text", key)``: indexes and ``length``."""
    if key == "length":
        return True
    idx = _index_of(key)
    return idx is not None and idx < len(text)


def _utf16_length(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _is_object(value: Any) -> bool:
    """``typeof value === "object" && value !== null`` (or a function)."""
    return not (value is None or value is UNDEFINED or isinstance(value, str | int | float | bool))


class PropertyPath:
    """A parsed property expression, ready to read or write many messages."""

    __slots__ = ("expr", "first", "has_refs", "parts")

    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.parts: list[Any] = _parse(expr)
        self.has_refs = any(type(p) is _CrossRef for p in self.parts)
        # Single-key paths (the common ``payload``/``topic``) take a fast path.
        self.first: str | None = (
            self.parts[0] if len(self.parts) == 1 and type(self.parts[0]) is str else None
        )

    def __repr__(self) -> str:
        return f"PropertyPath({self.expr!r})"

    def keys(self, msg: Any = None) -> list[Any]:
        """The keys with cross-references resolved against ``msg``.

        Without a message, a cross-reference becomes the list of its own keys
        (as Node-RED returns when only validating).
        """
        if not self.has_refs:
            return self.parts
        out: list[Any] = []
        for part in self.parts:
            if type(part) is not _CrossRef:
                out.append(part)
                continue
            if msg is None:
                out.append(list(compile_property(part.source).keys(None)))
                continue
            try:
                value = part.path.get(msg)
            except (TypeError, PropertyExpressionError):
                value = UNDEFINED
            if value is UNDEFINED:
                raise PropertyExpressionError(
                    f"Invalid expression started at position {part.position}"
                )
            out.append(value)
        return out

    def get(self, obj: Any) -> Any:
        """``getObjectProperty``: ``UNDEFINED`` for a missing leaf.

        Raises ``TypeError`` when an intermediate value is null/undefined and
        :class:`PropertyExpressionError` when a cross-reference is undefined.
        """
        first = self.first
        if first is not None:
            if type(obj) is dict:
                return obj.get(first, UNDEFINED)
            return _read(obj, first)
        keys = self.keys(obj) if self.has_refs else self.parts
        for key in keys:
            obj = _read(obj, key)
        return obj

    def set(self, obj: Any, value: Any, create_missing: bool | None = None) -> bool:
        """``setObjectProperty``; ``UNDEFINED`` deletes. False if a parent is a primitive."""
        first = self.first
        if first is not None and type(obj) is dict:
            if value is UNDEFINED:
                obj.pop(first, None)
            else:
                obj[first] = value
            return True
        if create_missing is None:
            create_missing = value is not UNDEFINED
        keys = self.keys(obj) if self.has_refs else self.parts
        return _set_keys(obj, keys, value, create_missing)

    def to_string(self, msg: Any) -> str:
        """``normalisePropertyExpression(expr, msg, true)``: the expression with refs resolved."""
        keys = self.keys(msg)
        text = _concat_text(keys[0])
        for key in keys[1:]:
            if type(key) is str:
                key = f"'{key}'" if '"' in key else f'"{key}"'
            text += f"[{_concat_text(key)}]"
        return text


def _concat_text(value: Any) -> str:
    return value if type(value) is str else js_string(value)


def _new_container(next_key: Any) -> Any:
    return {} if type(next_key) is str else []


def _set_keys(obj: Any, keys: list[Any], value: Any, create_missing: bool) -> bool:
    last_index = len(keys) - 1
    for i in range(last_index):
        key = keys[i]
        if obj is None or obj is UNDEFINED:
            # Object.hasOwn(undefined, key) throws in Node-RED.
            raise TypeError("Cannot convert undefined or null to object")
        t = type(obj)
        kt = type(key)
        if kt is not str and kt is not int and kt is not float:
            continue  # Node-RED skips a level whose key is neither text nor a number
        if t is list and kt is not str:
            idx = _index_of(key)
            child = obj[idx] if idx is not None and idx < len(obj) else UNDEFINED
            if child is UNDEFINED:
                if not create_missing:
                    return False
                child = _new_container(keys[i + 1])
                if not _write(obj, key, child):
                    return True  # a property no one will see (e.g. arr[-1])
            obj = child
            continue
        if not _is_object(obj):
            if t is str and _string_has_own(obj, key):
                return False
            if not create_missing:
                return False
            # Writing a property on a primitive is a silent no-op; reading it back
            # gives undefined.
            obj = UNDEFINED
            continue
        exists, child = _own(obj, key)
        if exists:
            if not _is_object(child):
                return False
            obj = child
        elif create_missing:
            child = _new_container(keys[i + 1])
            if not _write(obj, key, child):
                return True  # e.g. a named property on an array: not observable
            obj = child
        else:
            return False
    key = keys[last_index]
    if value is UNDEFINED:
        _delete(obj, key)
        return True
    if not _is_object(obj):
        return False
    _write(obj, key, value)
    return True


def _own(obj: Any, key: Any) -> tuple[bool, Any]:
    """``Object.hasOwn(obj, key)`` and the value."""
    t = type(obj)
    if t is dict:
        k = key if type(key) is str else _key_text(key)
        if k in obj:
            return True, obj[k]
        return False, UNDEFINED
    if t is list or t is bytearray or t is bytes:
        idx = _index_of(key)
        if idx is not None:
            return (True, obj[idx]) if idx < len(obj) else (False, UNDEFINED)
        if key == "length" and t is list:
            return True, len(obj)
    return False, UNDEFINED


def _write(obj: Any, key: Any, value: Any) -> bool:
    """``obj[key] = value`` on a dict/list; False when it cannot be represented."""
    t = type(obj)
    if t is dict:
        obj[key if type(key) is str else _key_text(key)] = value
        return True
    if t is list:
        idx = _index_of(key)
        if idx is None:
            if key == "length" and type(value) is int and value >= 0:
                del obj[value:]
                obj.extend([UNDEFINED] * (value - len(obj)))
                return True
            return False
        if idx < len(obj):
            obj[idx] = value
        else:
            # JavaScript leaves holes: they read back as undefined (JSON: null).
            obj.extend([UNDEFINED] * (idx - len(obj)))
            obj.append(value)
        return True
    if t is bytearray:
        idx = _index_of(key)
        if idx is not None and idx < len(obj):
            from .jsvalues import to_number

            n = to_number(value)
            obj[idx] = int(n) & 0xFF if n == n and n not in (float("inf"), float("-inf")) else 0
            return True
    return False


def _delete(obj: Any, key: Any) -> None:
    t = type(obj)
    if t is dict:
        obj.pop(key if type(key) is str else _key_text(key), None)
    elif t is list:
        if type(key) is int:
            # Array.prototype.splice(key, 1); a negative start counts from the end.
            if key < 0:
                key += len(obj)
                if key < 0:
                    key = 0
            if key < len(obj):
                del obj[key]
        else:
            idx = _index_of(key)
            if idx is not None and idx < len(obj):
                obj[idx] = UNDEFINED  # ``delete arr["0"]`` leaves a hole
    elif obj is None or obj is UNDEFINED:
        raise TypeError("Cannot convert undefined or null to object")


# ---- module-level API with a cache by text ----------------------------------------

_cache: dict[str, PropertyPath] = {}
_CACHE_LIMIT = 4096


def compile_property(expr: str) -> PropertyPath:
    """Parse ``expr`` once (cached); raises :class:`PropertyExpressionError`."""
    path = _cache.get(expr) if type(expr) is str else None
    if path is None:
        path = PropertyPath(expr)
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[expr] = path
    return path


def _strip_msg(expr: str) -> str:
    return expr[4:] if type(expr) is str and expr.startswith("msg.") else expr


def normalise_property_expression(expr: str, msg: Any = None, to_string: bool = False) -> Any:
    """Keys of ``expr`` (``[msg.x]`` resolved against ``msg``), or its text form."""
    path = compile_property(expr)
    if to_string:
        return path.to_string(msg)
    return list(path.keys(msg))


def get_object_property(obj: Any, expr: str) -> Any:
    """Value at ``expr`` in ``obj``; ``UNDEFINED`` if the leaf is missing.

    Raises ``TypeError`` when an intermediate value is null/undefined, as JavaScript does.
    """
    return compile_property(expr).get(obj)


def get_message_property(msg: Any, expr: str) -> Any:
    """``RED.util.getMessageProperty``: a leading ``msg.`` is ignored."""
    return compile_property(_strip_msg(expr)).get(msg)


def set_object_property(
    obj: Any,
    expr: str,
    value: Any,
    create_missing: bool | None = None,
    msg: Any = None,
) -> bool:
    """``RED.util.setObjectProperty``; ``create_missing`` defaults to "value is defined".

    ``msg`` (deprecated, ignored): cross-references resolve against ``obj`` as in Node-RED.
    """
    return compile_property(expr).set(obj, value, create_missing)


def set_message_property(
    msg: Any, expr: str, value: Any, create_missing: bool | None = None
) -> bool:
    """Set ``expr`` on ``msg``; ``UNDEFINED`` deletes. False when a parent is a primitive."""
    return compile_property(_strip_msg(expr)).set(msg, value, create_missing)
