"""msg → Kafka record bytes, as kafka-manager 0.1–0.5.x (through kafka-node) wrote them.

kafka-node turns each value into bytes this way: a Buffer unchanged, a string as
UTF-8, null/undefined as a null value (a tombstone), anything else as JavaScript's
``String(x)`` gives it — so an object becomes ``[object Object]`` and a nested array
its comma-joined elements. An array payload becomes one record per element. Keys
follow the same rules, except that an undefined/null key is a null key and an empty
string an empty (non-null) key.

Optional record headers (our opt-in, ``sendHeaders``) come from ``msg.headers``: an
object of name → value, or a list of ``[name, value]`` pairs for repeated names.
"""

from __future__ import annotations

import re
from typing import Any

from flowengine import JSError
from flowengine.jsvalues import UNDEFINED, js_string

__all__ = [
    "OBJECT_OBJECT",
    "key_bytes",
    "record_headers",
    "record_values",
    "topic_problem",
    "value_bytes",
]

#: What ``String({})`` gives; returned as this very object so callers can spot it by
#: identity (``is``) and warn that an object was sent.
OBJECT_OBJECT = b"[object Object]"

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_LEGAL_TOPIC = re.compile(r"[A-Za-z0-9._-]{1,249}")


def _utf8(text: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError:
        # JavaScript strings may hold lone surrogates; Buffer.from writes U+FFFD for them.
        return _LONE_SURROGATE.sub("\ufffd", text).encode()


def value_bytes(value: Any) -> bytes | None:
    """One record value: bytes raw, str UTF-8, null → None, else ``String(value)``."""
    t = type(value)
    if t is str:
        return _utf8(value)
    if t is bytes:
        return value
    if value is None or value is UNDEFINED:
        return None
    if t is dict:
        return OBJECT_OBJECT
    if t is bytearray or t is memoryview:
        return bytes(value)
    return _utf8(js_string(value))


def record_values(payload: Any) -> list[bytes | None]:
    """The record values one payload makes: one per element of an array."""
    if type(payload) is list or type(payload) is tuple:
        return [value_bytes(v) for v in payload]
    return [value_bytes(payload)]


def key_bytes(key: Any) -> bytes | None:
    """A record key: undefined/null → null key; ``""`` → an empty key."""
    t = type(key)
    if t is str:
        return _utf8(key)
    if t is bytes:
        return key
    if key is None or key is UNDEFINED:
        return None
    return value_bytes(key)


def record_headers(headers: Any) -> list[tuple[str, bytes]] | None:
    """``msg.headers`` as Kafka record headers (None when there are none).

    Raises :class:`JSError` for a shape or value that has no header form.
    """
    if headers is None or headers is UNDEFINED:
        return None
    if isinstance(headers, dict):
        pairs = list(headers.items())
    elif isinstance(headers, list):
        pairs = []
        for item in headers:
            if not (isinstance(item, list | tuple) and len(item) == 2):
                raise JSError("msg.headers: a list of headers must hold [name, value] pairs")
            pairs.append((item[0], item[1]))
    else:
        raise JSError("msg.headers must be an object or a list of [name, value] pairs")
    out: list[tuple[str, bytes]] = []
    for name, value in pairs:
        if not isinstance(name, str):
            raise JSError(f"msg.headers: header name {js_string(name)} is not a string")
        t = type(value)
        if t is bytes or t is bytearray:
            out.append((name, bytes(value)))
        elif t is str:
            out.append((name, _utf8(value)))
        elif t is bool or t is int or t is float:
            out.append((name, js_string(value).encode()))
        else:
            raise JSError(
                f'msg.headers: header "{name}" must be a string, Buffer, number or boolean'
            )
    return out or None


def topic_problem(topic: str) -> str | None:
    """Why Kafka would refuse ``topic`` as a name, or None when it is legal."""
    if topic in (".", "..") or not _LEGAL_TOPIC.fullmatch(topic):
        if not topic:
            return "Topic name is empty"
        return (
            f'Topic name "{topic}" is illegal: it may only contain ASCII alphanumerics, '
            '".", "_" and "-", at most 249 characters, and not be "." or ".."'
        )
    return None
