"""Message property expressions: ``payload.a[0]["b c"]`` and friends.

Mirrors ``RED.util.normalisePropertyExpression`` / ``getMessageProperty`` /
``setMessageProperty``. Parsed expressions are cached because the same few
expressions are evaluated for every message.
"""

from __future__ import annotations

from typing import Any

from .jsvalues import UNDEFINED

__all__ = [
    "PropertyExpressionError",
    "get_message_property",
    "get_object_property",
    "normalise_property_expression",
    "set_message_property",
    "set_object_property",
]

Key = str | int


class PropertyExpressionError(ValueError):
    """The text is not a valid Node-RED property expression."""


class _MsgRef:
    """A ``[msg.x]`` cross-reference inside an expression, resolved per message."""

    __slots__ = ("path",)

    def __init__(self, path: list[Key | _MsgRef]) -> None:
        self.path = path


_cache: dict[str, list[Any]] = {}


def _invalid(expr: str, pos: int | None = None) -> PropertyExpressionError:
    where = f" at position {pos}" if pos is not None else ""
    return PropertyExpressionError(f"Invalid property expression: {expr!r}{where}")


def _parse(expr: str) -> list[Key | _MsgRef]:
    if not isinstance(expr, str) or expr == "":
        raise PropertyExpressionError("Invalid property expression: zero-length")
    parts: list[Key | _MsgRef] = []
    i, n = 0, len(expr)
    start = 0
    in_box = False
    quote = ""
    box_start = 0
    if expr[0] in ".[":
        raise _invalid(expr, 0)

    def push_plain(text: str, at: int) -> None:
        if text == "":
            raise _invalid(expr, at)
        if any(c.isspace() for c in text):
            raise _invalid(expr, at)
        parts.append(int(text) if text.isdigit() else text)

    while i < n:
        c = expr[i]
        if not in_box:
            if c == "'" or c == '"':
                raise _invalid(expr, i)
            if c == ".":
                push_plain(expr[start:i], i)
                start = i + 1
                if start >= n or expr[start] in ".[":
                    raise _invalid(expr, start)
            elif c == "[":
                if i > start:
                    push_plain(expr[start:i], i)
                elif i != start or (parts and expr[i - 1] == "."):
                    raise _invalid(expr, i)
                in_box = True
                box_start = i + 1
                start = i + 1
            elif c == "]":
                raise _invalid(expr, i)
            i += 1
            continue
        # inside [...]
        if c == "'" or c == '"':
            if i != box_start:
                raise _invalid(expr, i)
            quote = c
            j = i + 1
            buf = []
            while j < n and expr[j] != quote:
                if expr[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(expr[j])
                j += 1
            if j >= n or j + 1 >= n or expr[j + 1] != "]":
                raise _invalid(expr, j)
            parts.append("".join(buf))
            i = j + 2
            in_box = False
            start = i
            if i < n and expr[i] not in ".[":
                raise _invalid(expr, i)
            if i < n and expr[i] == ".":
                i += 1
                start = i
                if start >= n:
                    raise _invalid(expr, start)
            continue
        if c == "]":
            inner = expr[box_start:i].strip()
            if inner.isdigit():
                parts.append(int(inner))
            elif inner.startswith("msg."):
                parts.append(_MsgRef(_parse(inner[4:])))
            else:
                raise _invalid(expr, box_start)
            in_box = False
            i += 1
            start = i
            if i < n and expr[i] not in ".[":
                raise _invalid(expr, i)
            if i < n and expr[i] == ".":
                i += 1
                start = i
                if start >= n:
                    raise _invalid(expr, start)
            continue
        if c == "[":
            # nested [msg.a[0]] — find the matching bracket
            depth = 1
            j = i + 1
            while j < n and depth:
                if expr[j] == "[":
                    depth += 1
                elif expr[j] == "]":
                    depth -= 1
                j += 1
            i = j - 1
            continue
        i += 1
    if in_box:
        raise _invalid(expr, n)
    if start < n:
        push_plain(expr[start:], start)
    elif start == n and expr[-1] == ".":
        raise _invalid(expr, n)
    return parts


def normalise_property_expression(expr: str, msg: dict[str, Any] | None = None) -> list[Key]:
    """Split an expression into keys; ``[msg.x]`` parts are resolved against ``msg``."""
    parts = _cache.get(expr)
    if parts is None:
        parts = _parse(expr)
        if len(_cache) > 4096:
            _cache.clear()
        _cache[expr] = parts
    if msg is None:
        if any(isinstance(p, _MsgRef) for p in parts):
            raise PropertyExpressionError(
                f"Invalid property expression: {expr!r}: cross-reference without a message"
            )
        return parts  # type: ignore[return-value]
    if not any(isinstance(p, _MsgRef) for p in parts):
        return parts  # type: ignore[return-value]
    out: list[Key] = []
    for p in parts:
        if isinstance(p, _MsgRef):
            ref = _walk(msg, _resolve(p.path, msg), expr)
            if isinstance(ref, bool) or not isinstance(ref, str | int):
                if isinstance(ref, float) and ref.is_integer():
                    ref = int(ref)
                else:
                    raise PropertyExpressionError(
                        f"Invalid property expression: {expr!r}: reference does not resolve"
                    )
            out.append(ref)
        else:
            out.append(p)
    return out


def _resolve(parts: list[Any], msg: dict[str, Any]) -> list[Key]:
    return [
        _walk(msg, _resolve(p.path, msg), "") if isinstance(p, _MsgRef) else p for p in parts
    ]


def _strip_msg(expr: str) -> str:
    return expr[4:] if expr.startswith("msg.") else expr


def _child(obj: Any, key: Key) -> Any:
    t = type(obj)
    if t is dict:
        return obj.get(key if isinstance(key, str) else str(key), UNDEFINED)
    if t is list or t is str or t is bytes or t is bytearray:
        if isinstance(key, int):
            if 0 <= key < len(obj):
                v = obj[key]
                return v
            return UNDEFINED
        if key == "length":
            return len(obj)
        if isinstance(key, str) and key.isdigit():
            return _child(obj, int(key))
        return UNDEFINED
    if obj is None or obj is UNDEFINED:
        raise TypeError(f"Cannot read properties of {obj!r} (reading '{key}')")
    return UNDEFINED


def _walk(obj: Any, keys: list[Key], expr: str) -> Any:
    for key in keys:
        if obj is None or obj is UNDEFINED:
            raise TypeError(f"Cannot read properties of {obj!r} (reading '{key}')")
        obj = _child(obj, key)
    return obj


def get_object_property(obj: Any, expr: str) -> Any:
    """Value at ``expr`` in ``obj``; ``UNDEFINED`` if the leaf is missing.

    Raises ``TypeError`` when an intermediate value is null/undefined, as JavaScript does.
    """
    return _walk(obj, normalise_property_expression(expr, obj if isinstance(obj, dict) else None), expr)


def get_message_property(msg: dict[str, Any], expr: str) -> Any:
    if "[msg." not in expr:
        keys = _cache.get(expr)
        if keys is None:
            normalise_property_expression(expr)
            keys = _cache[expr]
        if len(keys) == 1 and type(msg) is dict:
            k = keys[0]
            if k == "msg":
                pass
            else:
                return msg.get(k if isinstance(k, str) else str(k), UNDEFINED)
    return _walk(msg, normalise_property_expression(_strip_msg(expr), msg), expr)


def _set(obj: Any, keys: list[Key], value: Any, create_missing: bool) -> bool:
    for idx, key in enumerate(keys[:-1]):
        nxt = _child(obj, key) if obj is not None and obj is not UNDEFINED else UNDEFINED
        if nxt is UNDEFINED or nxt is None:
            if not create_missing or value is UNDEFINED:
                return value is UNDEFINED and nxt is UNDEFINED
            nxt = [] if isinstance(keys[idx + 1], int) else {}
            if not _assign(obj, key, nxt):
                return False
        elif not isinstance(nxt, dict | list):
            return False
        obj = nxt
    last = keys[-1]
    if value is UNDEFINED:
        if isinstance(obj, dict):
            obj.pop(last if isinstance(last, str) else str(last), None)
        elif isinstance(obj, list) and isinstance(last, int) and 0 <= last < len(obj):
            del obj[last]
        return True
    return _assign(obj, last, value)


def _assign(obj: Any, key: Key, value: Any) -> bool:
    if isinstance(obj, dict):
        obj[key if isinstance(key, str) else str(key)] = value
        return True
    if isinstance(obj, list):
        if isinstance(key, str):
            if key.isdigit():
                key = int(key)
            else:
                return False
        if key < len(obj):
            obj[key] = value
        else:
            obj.extend([None] * (key - len(obj)))
            obj.append(value)
        return True
    return False


def set_object_property(
    obj: Any, expr: str, value: Any, create_missing: bool = True, msg: dict[str, Any] | None = None
) -> bool:
    keys = normalise_property_expression(expr, msg)
    return _set(obj, keys, value, create_missing)


def set_message_property(
    msg: dict[str, Any], expr: str, value: Any, create_missing: bool = True
) -> bool:
    """Set ``expr`` on ``msg``; ``UNDEFINED`` deletes. False when a parent is a primitive."""
    if "[" not in expr and "." not in expr:
        if value is UNDEFINED:
            msg.pop(expr, None)
        else:
            msg[expr] = value
        return True
    return _set(msg, normalise_property_expression(_strip_msg(expr), msg), value, create_missing)
