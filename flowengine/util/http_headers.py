"""HTTP header rules as Node's http module applies them.

Names must be HTTP tokens, values must not hold control characters, and a
received header block becomes ``res.headers``: lower-case names, repeated
headers merged (``set-cookie`` a list, ``cookie`` joined with ``; ``, a few
single-valued headers keep their first value, others joined with ``, ``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .jsobject import js_key_order

__all__ = ["INVALID_HEADER_CHAR_RE", "TOKEN_RE", "node_headers"]

# RFC 7230 token: what Node accepts as a method or header name.
TOKEN_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
INVALID_HEADER_CHAR_RE = re.compile(r"[^\t\x20-\x7e\x80-\xff]")

# Node's http client keeps the first of these when a response repeats them.
_SINGLE_VALUE_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "user-agent",
        "referer",
        "host",
        "authorization",
        "proxy-authorization",
        "if-modified-since",
        "if-unmodified-since",
        "from",
        "location",
        "max-forwards",
        "retry-after",
        "etag",
        "last-modified",
        "server",
        "age",
        "expires",
    }
)


def node_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, Any]:
    """``res.headers`` as Node builds it from the raw header lines."""
    headers: dict[str, Any] = {}
    for raw_name, raw_value in raw:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name == "set-cookie":
            headers.setdefault("set-cookie", []).append(value)
        elif name in _SINGLE_VALUE_HEADERS:
            headers.setdefault(name, value)
        elif name in headers:
            headers[name] += ("; " if name == "cookie" else ", ") + value
        else:
            headers[name] = value
    return {k: headers[k] for k in js_key_order(headers)}
