"""``http request``: one HTTP(S) request per message, as Node-RED 5.0.7 sends it.

Re-implements ``@node-red/nodes/core/network/21-httprequest.js`` (which drives
the ``got`` client) on httpx: node or ``msg.url`` (mustache-templated node URL),
``msg.method`` with ``use``, header list and ``msg.headers``, ``msg.cookies``,
basic/digest/bearer authentication, payload encoding (raw, JSON, urlencoded,
multipart, query string, GET body), redirects (at most 21, 303 turns into GET),
``tls-config`` and ``http proxy`` config nodes, environment proxies, timeouts
and Node-style transport errors (``RequestError: connect ECONNREFUSED ...``).

What reaches the wire follows got + Node's http client: ``user-agent`` of got,
headers in the order and letter case Node-RED gives them, ``Connection:
keep-alive`` last, no automatic decompression, no retries. The
output message carries ``statusCode``, lower-cased ``headers`` (plus
``x-node-red-request-node``, a ``hash-sum`` of them), ``responseUrl``,
``redirectList``, ``retry``, ``payload`` and ``responseCookies``.

Each node keeps its own httpx connection pools (one ``AsyncClient`` per proxy
and TLS setting in use), closed with the node; requests of one node run
concurrently on the engine loop.

Known deviations from Node-RED: a redirect to another origin drops
``Authorization`` and ``Cookie`` headers whatever their letter case (Node-RED
keeps those it re-capitalised), plain-HTTP requests through a proxy are
forwarded rather than tunnelled with ``CONNECT``, a 303 redirect of a request
with a body does not hang on a stale ``Content-Length``, ``Host`` is the first
header line (h11 puts it there; Node writes it after the others), and requests
that end without being sent (no URL, bad transport) count down the in-flight
counter that clears the status (Node-RED leaks it).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import mimetypes
import posixpath
import re
import secrets
import socket
import ssl
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import ada_url
import h11
import httpx

from flowengine import Node
from flowengine.errors import ConfigError, JSError
from flowengine.jsvalues import UNDEFINED, js_json_dumps, js_json_loads, js_string, js_truthy
from flowengine.props import PropertyExpressionError, compile_property, get_message_property

from .http_proxy import HTTPProxyNode, ProxyOptions, proxy_for_url
from .tls_config import make_client_context

__all__ = ["HTTPRequestNode", "MustacheTemplate", "hash_sum"]

REQUESTING = {"fill": "blue", "shape": "dot", "text": "httpin.status.requesting"}
GOT_USER_AGENT = "got (https://github.com/sindresorhus/got)"
MAX_REDIRECTS = 21
REDIRECT_CODES = frozenset({300, 301, 302, 303, 304, 307, 308})
DEFAULT_TIMEOUT_MS = 120000
STALE_HEADER = "x-node-red-request-node"

# Node-RED's message catalogue texts (en-US).
NO_OVERRIDE = (
    "Warning: msg properties can no longer override set node properties. "
    "See bit.ly/nr-override-msg-props"
)
NO_URL = "No url specified"
INVALID_TRANSPORT = "non-http transport requested"
TIMEOUT_NAN = "Timeout value is not a valid number, ignoring"
TIMEOUT_NEGATIVE = "Timeout value is negative, ignoring"
INVALID_PAYLOAD = "Invalid payload"
JSON_ERROR = "JSON parse error"
REJECT_UNAUTHORIZED_INVALID = "msg.rejectUnauthorized should be a boolean"
NO_RESPONSE = "no response from server"

_METHODS_WITHOUT_DEFAULT_BODY = frozenset({"GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
_TOKEN_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_INVALID_HEADER_CHAR_RE = re.compile(r"[^\t\x20-\x7e\x80-\xff]")


# =====================================================================================
# Small JavaScript behaviours the node's output depends on
# =====================================================================================
_URI_COMPONENT_SAFE = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()"
)


def encode_uri_component(value: Any) -> str:
    """``encodeURIComponent(String(value))``; JSError URIError on a lone surrogate."""
    text = js_string(value)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        raise JSError("URI malformed", name="URIError") from None
    return "".join(chr(b) if b in _URI_COMPONENT_SAFE else f"%{b:02X}" for b in data)


_PERCENT_RUN_RE = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def decode_uri_component(text: str) -> str | None:
    """``decodeURIComponent``; None where JavaScript throws ``URIError``."""
    if "%" not in text:
        return text
    out: list[str] = []
    pos = 0
    for m in _PERCENT_RUN_RE.finditer(text):
        if "%" in text[pos : m.start()]:
            return None
        out.append(text[pos : m.start()])
        try:
            out.append(bytes.fromhex(m.group(0).replace("%", "")).decode("utf-8"))
        except UnicodeDecodeError:
            return None
        pos = m.end()
    if "%" in text[pos:]:
        return None
    out.append(text[pos:])
    return "".join(out)


def js_parse_int(value: Any) -> int | None:
    """``parseInt(value)`` in base 10; None for NaN."""
    m = re.match(r"^[\s\ufeff\xa0]*([+-]?\d+)", js_string(value))
    return int(m.group(1)) if m else None


def js_own_keys(value: Any) -> list[str]:
    """``Object.keys`` / ``for ... in`` keys of a message value."""
    if isinstance(value, dict):
        return js_key_order([str(k) for k in value])
    if isinstance(value, list | str | bytes | bytearray):
        return [str(i) for i in range(len(value))]
    return []


def js_own_get(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return value.get(key, UNDEFINED)
    return value[int(key)]


def _is_array_index(key: str) -> bool:
    return (
        key.isdigit() and key.isascii() and (key == "0" or key[0] != "0") and int(key) < 2**32 - 1
    )


def js_key_order(keys: Iterable[str]) -> list[str]:
    """Property order of a JavaScript object: array indexes ascending, then insertion order."""
    keys = list(keys)
    indexes = sorted((k for k in keys if _is_array_index(k)), key=int)
    if not indexes:
        return keys
    return indexes + [k for k in keys if not _is_array_index(k)]


def _qs_primitive(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return (
            js_string(value)
            if value == value and value not in (float("inf"), -float("inf"))
            else ""
        )
    return ""


def querystring_stringify(obj: Any) -> str:
    """Node's ``querystring.stringify(obj)``."""
    if not (isinstance(obj, dict | list | bytes | bytearray)):
        return ""
    parts: list[str] = []
    for key in js_own_keys(obj):
        value = js_own_get(obj, key)
        prefix = encode_uri_component(key) + "="
        if isinstance(value, list):
            parts.extend(prefix + encode_uri_component(_qs_primitive(v)) for v in value)
        else:
            parts.append(prefix + encode_uri_component(_qs_primitive(value)))
    return "&".join(parts)


# ---- hash-sum (the x-node-red-request-node header value) -----------------------------
def _int32(x: int) -> int:
    return ((x + 2**31) % 2**32) - 2**31


def _utf16_units(text: str) -> list[int]:
    data = text.encode("utf-16-le", "surrogatepass")
    return [data[i] | (data[i + 1] << 8) for i in range(0, len(data), 2)]


def _fold(hash_value: int, text: str) -> int:
    if not text:
        return hash_value
    for unit in _utf16_units(text):
        hash_value = _int32(_int32(_int32(hash_value) << 5) - hash_value + unit)
    return hash_value * -2 if hash_value < 0 else hash_value


def _js_class_name(value: Any) -> str:
    if value is None:
        return "[object Null]"
    if value is UNDEFINED:
        return "[object Undefined]"
    if isinstance(value, bool):
        return "[object Boolean]"
    if isinstance(value, int | float):
        return "[object Number]"
    if isinstance(value, str):
        return "[object String]"
    if isinstance(value, list):
        return "[object Array]"
    if isinstance(value, bytes | bytearray):
        return "[object Uint8Array]"
    return "[object Object]"


def _js_typeof(value: Any) -> str:
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"


def _fold_value(hash_value: int, value: Any, key: str, seen: list[Any]) -> int:
    hash_value = _fold(_fold(_fold(hash_value, key), _js_class_name(value)), _js_typeof(value))
    if value is None:
        return _fold(hash_value, "null")
    if value is UNDEFINED:
        return _fold(hash_value, "undefined")
    if isinstance(value, dict | list | bytes | bytearray):
        if any(value is s for s in seen):
            return _fold(hash_value, "[Circular]" + key)
        seen.append(value)
        keys = sorted(js_own_keys(value), key=_utf16_units)
        for k in keys:
            hash_value = _fold_value(hash_value, js_own_get(value, k), k, seen)
        # String(value.valueOf()): arrays join, Buffers decode, objects "[object Object]".
        return _fold(hash_value, js_string(value))
    return _fold(hash_value, js_string(value))


def hash_sum(value: Any) -> str:
    """The ``hash-sum`` package's digest of a value (8+ hex digits)."""
    return format(_fold_value(0, value, "", []), "x").rjust(8, "0")


# =====================================================================================
# Mustache (mustache.js 4 semantics) for templated URLs
# =====================================================================================
_HTML_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "/": "&#x2F;",
    "`": "&#x60;",
    "=": "&#x3D;",
}
_HTML_ESCAPE_RE = re.compile(r"[&<>\"'`=/]")


class MustacheTemplate:
    """A parsed mustache template: variables, sections, inverted sections, comments,
    delimiter changes (partials render nothing; standalone-line trimming is not done,
    which only matters for templates spanning lines)."""

    def __init__(self, template: str) -> None:
        self.tokens = self._parse(template)

    @staticmethod
    def _parse(template: str) -> list[Any]:
        root: list[Any] = []
        current = root
        sections: list[tuple[str, list[Any], list[Any]]] = []  # (name, token, parent list)
        open_tag, close_tag = "{{", "}}"
        pos = 0
        n = len(template)
        while pos < n:
            start = template.find(open_tag, pos)
            if start == -1:
                current.append(("text", template[pos:]))
                break
            if start > pos:
                current.append(("text", template[pos:start]))
            p = start + len(open_tag)
            kind = "name"
            if p < n and template[p] in "#^/>{&=!":
                kind = template[p]
                p += 1
            if kind == "=":
                end = template.find("=" + close_tag, p)
                if end == -1:
                    raise ValueError(f"Unclosed tag at {n}")
                tags = template[p:end].split()
                if len(tags) != 2:
                    raise ValueError(f"Invalid tags: {template[p:end].strip()}")
                open_tag, close_tag = tags
                pos = end + 1 + len(close_tag)
                continue
            if kind == "{":
                end = template.find("}" + close_tag, p)
                if end == -1:
                    raise ValueError(f"Unclosed tag at {n}")
                value = template[p:end].strip()
                pos = end + 1 + len(close_tag)
                kind = "&"
            else:
                end = template.find(close_tag, p)
                if end == -1:
                    raise ValueError(f"Unclosed tag at {n}")
                value = template[p:end].strip()
                pos = end + len(close_tag)
            if kind == "!" or kind == ">":
                continue  # comments; partials (none are ever given) render nothing
            if kind in "#^":
                children: list[Any] = []
                token = [kind, value, children]
                current.append(token)
                sections.append((value, token, current))
                current = children
            elif kind == "/":
                if not sections:
                    raise ValueError(f'Unopened section "{value}" at {start}')
                name, _, parent = sections.pop()
                if name != value:
                    raise ValueError(f'Unclosed section "{name}" at {start}')
                current = parent
            else:
                current.append((kind, value))
        if sections:
            raise ValueError(f'Unclosed section "{sections[-1][0]}" at {n}')
        return root

    def render(self, view: Any) -> str:
        return self._render(self.tokens, [view])

    def _render(self, tokens: list[Any], stack: list[Any]) -> str:
        out: list[str] = []
        for token in tokens:
            kind = token[0]
            if kind == "text":
                out.append(token[1])
            elif kind == "name" or kind == "&":
                value = _lookup(stack, token[1])
                if value is None or value is UNDEFINED:
                    continue
                text = js_string(value)
                if kind == "name" and not isinstance(value, int | float):
                    text = _HTML_ESCAPE_RE.sub(lambda m: _HTML_ESCAPES[m.group(0)], text)
                out.append(text)
            elif kind == "#":
                value = _lookup(stack, token[1])
                if not js_truthy(value):
                    continue
                if isinstance(value, list):
                    for item in value:
                        out.append(self._render(token[2], [item, *stack]))
                elif isinstance(value, bool):
                    out.append(self._render(token[2], stack))
                else:
                    out.append(self._render(token[2], [value, *stack]))
            elif kind == "^":
                value = _lookup(stack, token[1])
                if not js_truthy(value) or (isinstance(value, list) and not value):
                    out.append(self._render(token[2], stack))
        return "".join(out)


def _has_property(obj: Any, key: str) -> bool:
    """``key in obj`` for objects, own properties for strings (mustache's lookup hit)."""
    if isinstance(obj, dict):
        return key in obj
    if isinstance(obj, list | bytes | bytearray | str):
        return key == "length" or (_is_array_index(key) and int(key) < len(obj))
    return False


def _get_property(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, UNDEFINED)
    if isinstance(obj, list | bytes | bytearray | str):
        if key == "length":
            return len(obj) if not isinstance(obj, str) else len(_utf16_units(obj))
        if _is_array_index(key) and int(key) < len(obj):
            return obj[int(key)]
    return UNDEFINED


def _lookup(stack: list[Any], name: str) -> Any:
    if name == ".":
        return stack[0]
    for view in stack:
        if name.find(".") > 0:
            names = name.split(".")
            value = view
            hit = False
            for i, part in enumerate(names):
                if value is None or value is UNDEFINED:
                    break
                if i == len(names) - 1:
                    hit = _has_property(value, part)
                value = _get_property(value, part)
        else:
            hit = _has_property(view, name)
            value = _get_property(view, name)
        if hit:
            return value
    return UNDEFINED


# =====================================================================================
# Cookies (the ``cookie`` package's parse/serialize and a small tough-cookie jar)
# =====================================================================================
_COOKIE_VALUE_RE = re.compile(r'^("?)[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*\1$')


def cookie_parse(text: str, decode: Callable[[str], str] | None = None) -> dict[str, str]:
    """``cookie.parse`` (v0.7): first occurrence of a name wins, quotes stripped."""
    result: dict[str, str] = {}
    for part in text.split(";"):
        eq = part.find("=")
        if eq == -1:
            continue
        key = part[:eq].strip(" \t")
        if key in result:
            continue
        value = part[eq + 1 :].strip(" \t")
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        if decode is not None:
            result[key] = decode(value)
        else:
            decoded = decode_uri_component(value)
            result[key] = value if decoded is None else decoded
    return result


def cookie_serialize(name: str, value: Any, encode: bool = True) -> str:
    """``cookie.serialize(name, value)`` (encodeURIComponent unless ``encode`` is false)."""
    if not _TOKEN_RE.match(name):
        raise JSError("argument name is invalid", name="TypeError")
    text = encode_uri_component(value) if encode else js_string(value)
    if not _COOKIE_VALUE_RE.match(text):
        raise JSError("argument val is invalid", name="TypeError")
    return f"{name}={text}"


def extract_cookies(set_cookie: Any) -> dict[str, Any]:
    """``msg.responseCookies``: name → parsed attributes plus ``value``."""
    cookies: dict[str, Any] = {}
    if not isinstance(set_cookie, list):
        return cookies
    for line in set_cookie:
        if not isinstance(line, str):
            continue
        parsed: dict[str, Any] = dict(cookie_parse(line))
        eq = line.find("=")
        if eq == -1:
            continue
        key = line[:eq].strip()
        if not key:
            continue
        parsed["value"] = parsed.get(key, UNDEFINED)
        parsed.pop(key, None)
        if parsed["value"] is UNDEFINED:
            del parsed["value"]
        cookies[key] = parsed
    return cookies


@dataclass
class _Cookie:
    name: str
    value: str
    domain: str
    host_only: bool
    path: str
    secure: bool
    expires: float | None
    created: int


class CookieJar:
    """Per-request cookie store with tough-cookie's matching and ordering rules."""

    def __init__(self) -> None:
        self.cookies: list[_Cookie] = []
        self._counter = 0

    def set_cookie(self, text: str, url: ada_url.URL) -> None:
        """Store a ``Set-Cookie`` line received from (or meant for) ``url``; invalid → ignored."""
        import email.utils
        import time

        parts = text.split(";")
        pair = parts[0]
        eq = pair.find("=")
        if eq == -1:
            return
        name, value = pair[:eq].strip(), pair[eq + 1 :].strip()
        host = url.hostname.lower()
        domain, host_only, path = host, True, ""
        secure, expires = False, None
        max_age: float | None = None
        for attr in parts[1:]:
            key, _, attr_value = attr.partition("=")
            key, attr_value = key.strip().lower(), attr_value.strip()
            if key == "domain" and attr_value:
                domain = attr_value.lstrip(".").lower()
                host_only = False
            elif key == "path" and attr_value.startswith("/"):
                path = attr_value
            elif key == "secure":
                secure = True
            elif key == "max-age" and re.fullmatch(r"-?\d+", attr_value):
                max_age = float(attr_value)
            elif key == "expires" and attr_value:
                try:
                    expires = email.utils.parsedate_to_datetime(attr_value).timestamp()
                except (TypeError, ValueError):
                    pass
        if max_age is not None:
            expires = time.time() + max_age if max_age > 0 else 0.0
        if not host_only and not _domain_match(host, domain):
            return
        if secure and url.protocol != "https:":
            return
        if not path:
            path = _default_path(url.pathname)
        for i, old in enumerate(self.cookies):
            if (old.name, old.domain, old.path) == (name, domain, path):
                created = old.created
                del self.cookies[i]
                break
        else:
            self._counter += 1
            created = self._counter
        if expires is not None and expires <= time.time():
            return  # expired: removes an older cookie of the same name
        self.cookies.append(_Cookie(name, value, domain, host_only, path, secure, expires, created))

    def cookie_string(self, url: ada_url.URL) -> str:
        import time

        host = url.hostname.lower()
        now = time.time()
        chosen = [
            c
            for c in self.cookies
            if (host == c.domain if c.host_only else _domain_match(host, c.domain))
            and _path_match(url.pathname, c.path)
            and (not c.secure or url.protocol == "https:")
            and (c.expires is None or c.expires > now)
        ]
        chosen.sort(key=lambda c: (-len(c.path), c.created))
        return "; ".join(f"{c.name}={c.value}" if c.name else c.value for c in chosen)


def _domain_match(host: str, domain: str) -> bool:
    if host == domain:
        return True
    is_ip = re.fullmatch(r"[\d.]+|\[.*\]", host) is not None
    return not is_ip and host.endswith("." + domain)


def _default_path(path: str) -> str:
    if not path.startswith("/") or path.count("/") == 1:
        return "/"
    return path[: path.rfind("/")]


def _path_match(request_path: str, cookie_path: str) -> bool:
    if request_path == cookie_path:
        return True
    if request_path.startswith(cookie_path):
        return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"
    return False


# =====================================================================================
# Request bodies
# =====================================================================================
def _escape_form_param(text: str) -> str:
    return text.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def multipart_body(payload: Any) -> tuple[bytes, str]:
    """The ``form-data`` package's encoding of ``payload``: (body, boundary)."""
    boundary = "--------------------------" + secrets.token_hex(12)
    chunks: list[bytes] = []
    for key in js_own_keys(payload) if payload is not None else []:
        val = js_own_get(payload, key)
        if val is None or val is UNDEFINED:
            continue
        if isinstance(val, str | bytes | bytearray):
            chunks.append(_form_part(boundary, key, val, {}))
        elif isinstance(val, dict) and "value" in val:
            options = val.get("options") or {}
            chunks.append(_form_part(boundary, key, val["value"], options))
        else:
            chunks.append(_form_part(boundary, key, js_json_dumps(val), {}))
    if chunks:
        chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), boundary


def _form_part(boundary: str, name: str, value: Any, options: Any) -> bytes:
    if isinstance(options, str):
        options = {"filename": options}
    if not isinstance(options, dict):
        options = {}
    if (isinstance(value, int | float) and not isinstance(value, bool)) or value is None:
        value = js_string(value)
    if value is UNDEFINED:
        value = "undefined"
    if isinstance(value, list):
        raise JSError("Arrays are not supported.")
    if not isinstance(value, str | bytes | bytearray):
        raise JSError("multipart/form-data values must be strings, numbers or Buffers")
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    header = options.get("header")
    if isinstance(header, str):
        return header.encode("utf-8") + data + b"\r\n"
    disposition = f'form-data; name="{_escape_form_param(name)}"'
    filename = None
    if isinstance(options.get("filepath"), str):
        filename = posixpath.normpath(options["filepath"].replace("\\", "/"))
    elif options.get("filename"):
        filename = posixpath.basename(js_string(options["filename"]))
    if filename:
        disposition += f'; filename="{_escape_form_param(filename)}"'
    content_type = options.get("contentType") or None
    if not content_type and (options.get("filepath") or options.get("filename")):
        content_type = mimetypes.guess_type(
            js_string(options.get("filepath") or options.get("filename"))
        )[0]
    if not content_type and isinstance(value, bytes | bytearray):
        content_type = "application/octet-stream"
    head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
    if content_type:
        head += f"Content-Type: {js_string(content_type)}\r\n"
    return (head + "\r\n").encode("utf-8") + data + b"\r\n"


def _body_bytes(value: Any) -> bytes:
    return bytes(value) if isinstance(value, bytes | bytearray) else js_string(value).encode()


# =====================================================================================
# Responses and errors
# =====================================================================================
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
    """``res.headers`` as Node builds it: lower-case names, duplicates merged."""
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


def request_error(message: str, code: str | None = None, name: str = "RequestError") -> JSError:
    return JSError(message, name=name, code=code or "ERR_GOT_REQUEST_ERROR")


# OpenSSL verification results → the codes Node reports.
_VERIFY_CODES = {
    2: "UNABLE_TO_GET_ISSUER_CERT",
    9: "CERT_NOT_YET_VALID",
    10: "CERT_HAS_EXPIRED",
    18: "DEPTH_ZERO_SELF_SIGNED_CERT",
    19: "SELF_SIGNED_CERT_IN_CHAIN",
    20: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    21: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    23: "CERT_REVOKED",
    24: "INVALID_CA",
    26: "INVALID_PURPOSE",
    27: "CERT_UNTRUSTED",
    28: "CERT_REJECTED",
}
_ERRNO_CODES = {
    111: "ECONNREFUSED",
    104: "ECONNRESET",
    113: "EHOSTUNREACH",
    101: "ENETUNREACH",
    110: "ETIMEDOUT",
    32: "EPIPE",
    99: "EADDRNOTAVAIL",
}
_ADDRESS_RE = re.compile(r"\('([^']*)', (\d+)")


def _exception_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 20:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def transport_error(
    exc: BaseException, host: str, port: int, tls_name: str | None = None
) -> JSError:
    """A Node/got-style error for a failed exchange with ``host:port``.

    ``tls_name`` is the name the server certificate was checked against (the
    tls-config's servername, else the host).
    """
    chain = _exception_chain(exc)
    for e in reversed(chain):  # the root cause first
        if isinstance(e, ssl.SSLCertVerificationError):
            code = getattr(e, "verify_code", 0)
            text = getattr(e, "verify_message", "") or str(e)
            if code in (62, 64):
                name = tls_name or host
                what = (
                    f"IP: {name} is not in the cert's list"
                    if code == 64
                    else (f"Host: {name}. is not in the cert's altnames")
                )
                return request_error(
                    f"Hostname/IP does not match certificate's altnames: {what}",
                    "ERR_TLS_CERT_ALTNAME_INVALID",
                )
            return request_error(text, _VERIFY_CODES.get(code, "CERT_UNTRUSTED"))
        if isinstance(e, ssl.SSLError):
            reason = getattr(e, "reason", None) or "SSL_ERROR"
            text = re.sub(r"^\[[^\]]*\]\s*|\s*\(_ssl\.c:\d+\)$", "", str(e)) or reason.lower()
            return request_error(f"SSL routines::{text}", f"ERR_SSL_{reason}")
        if isinstance(e, socket.gaierror):
            code = "EAI_AGAIN" if e.errno == socket.EAI_AGAIN else "ENOTFOUND"
            return request_error(f"getaddrinfo {code} {host}", code)
        if isinstance(e, OSError) and e.errno in _ERRNO_CODES:
            code = _ERRNO_CODES[e.errno]
            if code in ("ECONNRESET", "EPIPE"):
                return request_error(
                    f"read {code}" if code == "ECONNRESET" else "write EPIPE", code
                )
            m = _ADDRESS_RE.search(str(e))
            address = f"{m.group(1)}:{m.group(2)}" if m else f"{host}:{port}"
            return request_error(f"connect {code} {address}", code)
        if isinstance(e, h11.RemoteProtocolError | httpx.RemoteProtocolError):
            text = str(e)
            if "illegal status line" in text:
                return request_error(
                    "Parse Error: Expected HTTP/, RTSP/ or ICE/", "HPE_INVALID_CONSTANT"
                )
            if "without sending a response" in text:
                return request_error("socket hang up", "ECONNRESET")
            if "peer closed connection" in text or "incomplete" in text.lower():
                return request_error(
                    "The server aborted pending request", "ECONNRESET", "ReadError"
                )
            return request_error(f"Parse Error: {text}", "HPE_INVALID_HEADER_TOKEN")
        if isinstance(e, httpx.ProxyError):
            # hpagent's words for a proxy refusing CONNECT.
            status = re.match(r"\d+", str(e))
            return request_error(f"Bad response: {status.group(0) if status else str(e)}")
    return request_error(str(exc) or type(exc).__name__)


# =====================================================================================
# TLS
# =====================================================================================
@dataclass
class TLSSettings:
    """What the request needs from a ``tls-config`` node."""

    context: ssl.SSLContext
    servername: str | None


def tls_settings_from(node: Node) -> TLSSettings:
    """Material and checks of a ``tls-config`` node (``TLSConfigNode.tls_options()``,
    Node-RED's ``addTLSOptions``), as a client context for HTTP/1.1."""
    options_fn = getattr(node, "tls_options", None)
    if not callable(options_fn):
        raise ConfigError("tls", f'"{node.id}" is not a tls-config node')
    opts: dict[str, Any] = options_fn()
    alpn = opts.get("ALPNProtocols") or []
    if any(p != "http/1.1" for p in alpn):
        raise ConfigError(
            "tls", f'ALPN protocol "{alpn[0]}" is not supported (only HTTP/1.1 is spoken)'
        )
    # SNI goes per request (httpx's sni_hostname); ALPN is set by httpcore itself.
    context = make_client_context(
        ca=opts.get("ca"),
        cert=opts.get("cert"),
        key=opts.get("key"),
        pfx=opts.get("pfx"),
        passphrase=opts.get("passphrase"),
        verify=opts.get("rejectUnauthorized") is not False,
    )
    return TLSSettings(context=context, servername=opts.get("servername") or None)


def default_ssl_context(reject_unauthorized: bool) -> ssl.SSLContext:
    """The context without a tls-config node (``msg.rejectUnauthorized`` may relax it)."""
    ctx = httpx.create_ssl_context()
    if not reject_unauthorized:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


# =====================================================================================
# =====================================================================================
# The node
# =====================================================================================
@dataclass
class _Exchange:
    """One prepared request, carried through redirects and a digest retry."""

    method: str
    url: str  # Node-RED's final ``url`` string (used in error payloads)
    headers: dict[str, Any]  # opts.headers in Node-RED's order and letter case
    got_headers: dict[str, str]  # headers got adds itself (lower case)
    body: bytes | None
    follow_redirects: bool
    timeout_ms: float
    jar: CookieJar
    digest: tuple[str, str] | None
    client_key: tuple[str, str, str]
    proxy: tuple[str, tuple[str, str] | None] | None
    failure: JSError | None = None  # an option got rejects: fails when sent
    redirect_list: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Response:
    status: int
    headers: dict[str, Any]
    body: bytes
    url: str


class _Abort(Exception):
    """The message was dealt with (warning/error reported) and nothing is sent."""


class HTTPRequestNode(Node):
    """Sends an HTTP request per message and sends on the response."""

    type = "http request"
    category = "network"
    config_refs = {"tls": "tls-config", "proxy": "http proxy"}

    # ---- load time -------------------------------------------------------------
    def setup(self) -> None:
        cfg = self.config
        method = cfg.get("method")
        if method is not None and not isinstance(method, str):
            raise ConfigError("method", "must be a string")
        self.method_setting: str = method or ""
        method_upper = (method or "GET").upper()
        if method_upper != "USE" and not _TOKEN_RE.match(method_upper):
            raise ConfigError("method", f'"{method}" is not an HTTP method')
        self.node_method = method_upper

        url = cfg.get("url")
        if url is not None and not isinstance(url, str):
            raise ConfigError("url", "must be a string")
        self.node_url: str = url or ""
        self.url_template: MustacheTemplate | None = None
        if "{{" in self.node_url:
            try:
                self.url_template = MustacheTemplate(self.node_url)
            except ValueError as e:
                raise ConfigError("url", f"invalid mustache template: {e}") from None

        self.ret: str = cfg.get("ret") or "txt"
        if self.ret not in ("txt", "bin", "obj"):
            raise ConfigError("ret", f'must be "txt", "bin" or "obj", not {self.ret!r}')

        paytoqs = cfg.get("paytoqs")
        if paytoqs in (None, False, "ignore", ""):
            self.paytoqs = "ignore"
        elif paytoqs in (True, "query"):
            self.paytoqs = "query"
        elif paytoqs == "body":
            self.paytoqs = "body"
        else:
            raise ConfigError("paytoqs", f'must be "ignore", "query" or "body", not {paytoqs!r}')

        self.header_rules = self._parse_header_rules(cfg.get("headers"))

        auth = cfg.get("authType") or "basic"
        if auth not in ("basic", "digest", "bearer"):
            raise ConfigError("authType", f'must be "basic", "digest" or "bearer", not {auth!r}')
        self.auth_type: str = auth

        for flag in ("persist", "senderr", "insecureHTTPParser"):
            value = cfg.get(flag)
            if value is not None and not isinstance(value, bool):
                raise ConfigError(flag, "must be true or false")
        # Node 22's default agent keeps connections alive anyway; the pool always does.
        self.persist = bool(cfg.get("persist"))
        self.send_errors_to_catch_only = bool(cfg.get("senderr"))
        if cfg.get("insecureHTTPParser"):
            raise ConfigError(
                "insecureHTTPParser",
                "lenient HTTP parsing is not supported (httpx/h11 always parse strictly)",
            )

        for cred in ("user", "password"):
            value = self.credentials.get(cred)
            if value is not None and not isinstance(value, str):
                raise ConfigError(f"credentials.{cred}", "must be a string")

        configured = self.runtime.settings.get("httpRequestTimeout")
        self.default_timeout_ms: float = (
            (js_parse_int(configured) or DEFAULT_TIMEOUT_MS) if configured else DEFAULT_TIMEOUT_MS
        )
        proxy_settings = self.runtime.settings.get("proxyOptions")
        mode = self.runtime.process_env("NR_PROXY_MODE")
        self.proxy_options = ProxyOptions(
            proxy_settings if isinstance(proxy_settings, dict) else None,
            mode if isinstance(mode, str) else None,
        )
        self.tls_settings: TLSSettings | None = None
        self.proxy_node: HTTPProxyNode | None = None
        self._clients: dict[tuple[str, str, str], httpx.AsyncClient] = {}
        self._outstanding = 0
        self._resolve_config_nodes(at_load=True)

    @staticmethod
    def _parse_header_rules(rules: Any) -> list[tuple[str, str, str, str]]:
        if rules is None:
            return []
        if not isinstance(rules, list):
            raise ConfigError("headers", "must be a list")
        parsed: list[tuple[str, str, str, str]] = []
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict):
                raise ConfigError(f"headers[{i}]", "must be an object")
            values = []
            for prop in ("keyType", "keyValue", "valueType", "valueValue"):
                value = rule.get(prop, "")
                if value is None:
                    value = ""
                if not isinstance(value, str):
                    raise ConfigError(f"headers[{i}].{prop}", "must be a string")
                values.append(value)
            key_type, key_value, value_type, value_value = values
            for kind, expr, prop in (
                (key_type, key_value, "keyValue"),
                (value_type, value_value, "valueValue"),
            ):
                if kind == "msg":
                    try:
                        compile_property(expr)
                    except PropertyExpressionError as e:
                        raise ConfigError(f"headers[{i}].{prop}", str(e)) from None
            parsed.append((key_type, key_value, value_type, value_value))
        return parsed

    def _resolve_config_nodes(self, at_load: bool) -> None:
        """Pick up the tls-config and http proxy nodes (at load if they exist yet)."""
        tls_id = self.config.get("tls")
        if tls_id and self.tls_settings is None:
            tls_node = self.runtime.get_node(tls_id)
            if tls_node is not None:
                try:
                    self.tls_settings = tls_settings_from(tls_node)
                except (ValueError, ssl.SSLError, OSError) as e:
                    raise ConfigError("tls", f"cannot use the TLS configuration: {e}") from None
        proxy_id = self.config.get("proxy")
        if proxy_id and self.proxy_node is None:
            proxy_node = self.runtime.get_node(proxy_id)
            if isinstance(proxy_node, HTTPProxyNode):
                self.proxy_node = proxy_node
            elif proxy_node is not None:
                raise ConfigError("proxy", f'"{proxy_id}" is not an http proxy node')
        if not at_load and tls_id and self.tls_settings is None:
            raise ConfigError("tls", f'tls-config node "{tls_id}" not found')

    def start(self) -> None:
        self._resolve_config_nodes(at_load=False)

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()
        self.status({})

    # ---- per message -----------------------------------------------------------
    async def on_input(self, msg: dict[str, Any], send: Any, done: Callable[..., None]) -> None:
        self._outstanding += 1
        self.status(REQUESTING)
        try:
            exchange = self._prepare(msg)
        except _Abort:
            # Node-RED never counts these requests down; we do, but leave the status be.
            self._outstanding -= 1
            done()
            return
        except Exception as e:  # thrown in the handler, as Node-RED's TypeErrors are
            self._outstanding -= 1
            done(e)
            return
        try:
            response = await self._perform(exchange)
        except Exception as e:
            err = e if isinstance(e, JSError) else request_error(str(e) or type(e).__name__)
            self._report_failure(err, exchange, msg, send)
            done()
            return
        self._deliver(response, exchange, msg)
        self._outstanding -= 1
        if self._outstanding == 0:
            self.status({})
        send(msg)
        done()

    def _prepare(self, msg: dict[str, Any]) -> _Exchange:
        """Everything 21-httprequest.js does before calling got."""
        msg_url = msg.get("url", UNDEFINED)
        url: Any = self.node_url or msg_url
        if js_truthy(msg_url) and self.node_url and self.node_url != msg_url:
            self.warn(NO_OVERRIDE)
        if self.url_template is not None:
            url = self.url_template.render(msg)
        if not js_truthy(url):
            self.error(NO_URL, msg)
            raise _Abort
        if not isinstance(url, str):
            raise JSError("url.indexOf is not a function", name="TypeError")
        if "://" in url and not url.startswith("http"):
            self.warn(INVALID_TRANSPORT)
            self.status({"fill": "red", "shape": "ring", "text": "httpin.errors.invalid-transport"})
            raise _Abort
        if not (url.startswith("http://") or url.startswith("https://")):
            url = ("https://" if self.config.get("tls") else "http://") + url
        proxy_url = self._proxy_for(url)
        url = _escape_stray_percents(url)

        method = self.node_method
        msg_method = msg.get("method", UNDEFINED)
        if js_truthy(msg_method) and self.method_setting:
            if self.method_setting != "use":
                self.warn(NO_OVERRIDE)
            elif not isinstance(msg_method, str):
                raise JSError("msg.method.toUpperCase is not a function", name="TypeError")
            else:
                method = msg_method.upper()

        failure: JSError | None = None
        try:
            timeout_ms = self._timeout_for(msg)
        except _GotOptionError as e:
            failure, timeout_ms = e, self.default_timeout_ms
        headers, ct_name, cl_name = self._request_headers(msg)
        follow = js_truthy(msg["followRedirects"]) if "followRedirects" in msg else True

        jar = CookieJar()
        parsed_url: list[ada_url.URL] = []

        def store_cookie(line: str) -> None:
            if not parsed_url:
                parsed_url.append(_parse_url(url))
            jar.set_cookie(line, parsed_url[0])

        if "cookie" in headers:
            cookie_header = headers.pop("cookie")
            if not isinstance(cookie_header, str):
                raise JSError("argument str must be a string", name="TypeError")
            for name, value in cookie_parse(cookie_header, decode=lambda v: v).items():
                store_cookie(cookie_serialize(name, value, encode=False))
        cookies = msg.get("cookies")
        if isinstance(cookies, dict):
            for name, spec in cookies.items():
                if spec is None or (isinstance(spec, dict) and spec.get("value", 0) is None):
                    continue  # clears a cookie for http response nodes: nothing to send
                if isinstance(spec, dict | list | bytes | bytearray):  # typeof "object"
                    options = spec if isinstance(spec, dict) else {}
                    line = cookie_serialize(
                        name,
                        options.get("value", UNDEFINED),
                        encode=options.get("encode") is not False,
                    )
                else:
                    line = cookie_serialize(name, spec)
                store_cookie(line)

        parsed = _parse_url(url)
        user: Any = self.credentials.get("user", UNDEFINED)
        password: Any = self.credentials.get("password", UNDEFINED)
        if parsed.username and not user:
            user = parsed.username
        if parsed.password and not password:
            password = parsed.password
        digest: tuple[str, str] | None = None
        if self.credentials or user is not UNDEFINED or password is not UNDEFINED:
            if self.auth_type == "basic":
                if user or password:
                    pair = f"{js_string(user or '')}:{js_string(password or '')}"
                    token = base64.b64encode(pair.encode()).decode()
                    headers["Authorization"] = f"Basic {token}"
            elif self.auth_type == "digest":
                # Missing credentials read as "undefined", as in the JavaScript template.
                digest = (js_string(user), js_string(password))
            else:
                headers["Authorization"] = f"Bearer {js_string(password or '')}"

        body: bytes | None = None
        got_headers: dict[str, str] = {}
        payload = msg.get("payload", UNDEFINED)
        if method not in ("GET", "HEAD") and payload is not UNDEFINED:
            if headers.get("content-type") == "multipart/form-data" and _is_js_object(payload):
                body, boundary = multipart_body(payload)
                headers.pop("content-type", None)
                got_headers["content-type"] = f"multipart/form-data; boundary={boundary}"
                if "content-length" not in headers:
                    got_headers["content-length"] = str(len(body))
            else:
                if isinstance(payload, str | bytes | bytearray):
                    body = _body_bytes(payload)
                elif isinstance(payload, int | float) and not isinstance(payload, bool):
                    body = js_string(payload).encode()
                elif headers.get("content-type") == "application/x-www-form-urlencoded":
                    body = querystring_stringify(payload).encode()
                else:
                    body = js_json_dumps(payload).encode()
                    if headers.get("content-type") is None:
                        headers[ct_name] = "application/json"
                if headers.get("content-length") is None:
                    headers[cl_name] = len(body)

        if method == "GET" and payload is not UNDEFINED and self.paytoqs == "query":
            if not _is_js_object(payload):
                self.error(INVALID_PAYLOAD, msg)
                raise _Abort
            query = querystring_stringify(payload)
            if "?" in url:
                url += ("" if url.endswith("?") else "&") + query
            else:
                url += "?" + query
        elif method == "GET" and payload is not UNDEFINED and self.paytoqs == "body":
            if _is_js_object(payload):  # a Buffer too: JSON.stringify gives {type, data}
                body = js_json_dumps(payload).encode()
            elif isinstance(payload, int | float) and not isinstance(payload, bool):
                body = js_string(payload).encode()
            elif isinstance(payload, str | bytes | bytearray):
                body = _body_bytes(payload)
            if body is not None and "content-length" not in {k.lower() for k in headers}:
                got_headers["content-length"] = str(len(body))

        # Back to the letter case the user gave Content-Type / Content-Length.
        if "content-type" in headers and ct_name != "content-type":
            headers[ct_name] = headers.pop("content-type")
        if "content-length" in headers and cl_name != "content-length":
            headers[cl_name] = headers.pop("content-length")

        proxy = self._proxy_config(proxy_url)
        tls_key = "tls" if self.tls_settings is not None else self._reject_unauthorized_key(msg)
        client_key = (proxy[0] if proxy else "", js_string(proxy[1]) if proxy else "", tls_key)
        return _Exchange(
            method=method,
            url=url,
            headers=headers,
            got_headers=got_headers,
            body=body,
            follow_redirects=follow,
            timeout_ms=timeout_ms,
            jar=jar,
            digest=digest,
            client_key=client_key,
            proxy=proxy,
            failure=failure,
        )

    def _timeout_for(self, msg: dict[str, Any]) -> float:
        from flowengine.jsvalues import to_number

        timeout = msg.get("requestTimeout", UNDEFINED)
        if timeout is UNDEFINED:
            return self.default_timeout_ms
        number = to_number(timeout) if not isinstance(timeout, dict) else float("nan")
        if number != number:
            self.warn(TIMEOUT_NAN)
        elif number < 1:
            self.warn(TIMEOUT_NEGATIVE)
        elif not isinstance(timeout, int | float) or isinstance(timeout, bool):
            kind = {str: "string", bool: "boolean", list: "Array"}.get(type(timeout), "Object")
            raise _GotOptionError(kind)
        else:
            return float(timeout)
        return self.default_timeout_ms

    def _request_headers(self, msg: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
        """``opts.headers`` from ``msg.headers`` then the node's header list."""
        headers: dict[str, Any] = {}
        names = {"ct": "Content-Type", "cl": "Content-Length"}

        def normalise(name: str) -> str:
            lower = name.lower()
            if lower == "content-type":
                names["ct"] = name
                return lower
            if lower == "content-length":
                names["cl"] = name
                return lower
            return name

        msg_headers = msg.get("headers", UNDEFINED)
        if isinstance(msg_headers, dict) and STALE_HEADER in msg_headers:
            stale_hash = msg_headers.pop(STALE_HEADER)
            if hash_sum(msg_headers) == stale_hash:
                del msg["headers"]  # a response's headers coming round again: drop them
                msg_headers = UNDEFINED
        if msg_headers is not UNDEFINED and msg_headers is not None:
            for key in js_own_keys(msg_headers):
                _update_header(headers, normalise(key), js_own_get(msg_headers, key))

        for key_type, key_value, value_type, value_value in self.header_rules:
            name: Any
            if key_type == "other":
                name = key_value
            elif key_type == "msg":
                name = _msg_property(msg, key_value)
            else:
                name = key_type  # a standard header picked in the editor
            if not js_truthy(name):
                continue
            if value_type == "other":
                value: Any = value_value
            elif value_type == "msg":
                value = _msg_property(msg, value_value)
            else:
                value = value_type
            _update_header(headers, normalise(js_string(name)), value)
        return headers, names["ct"], names["cl"]

    def _proxy_for(self, url: str) -> str:
        options = self.proxy_options
        if self.proxy_node is not None:
            options = copy.copy(self.proxy_options)
            options.env = self.proxy_node.proxy_env()

        def env(name: str) -> str:
            value = self.runtime.process_env(name)
            return value if isinstance(value, str) else ""

        return proxy_for_url(url, env, options)

    def _proxy_config(self, proxy_url: str) -> tuple[str, tuple[str, str] | None] | None:
        if not proxy_url:
            return None
        if not re.match(r"^(https?://)?(.+)?:([0-9]+)?", proxy_url, re.IGNORECASE):
            self.warn(f"Bad proxy url: {proxy_url}")
            return None
        auth: tuple[str, str] | None = None
        node = self.proxy_node
        if node is not None and (node.username or node.password):
            auth = (node.username, node.password)
        return proxy_url, auth

    def _reject_unauthorized_key(self, msg: dict[str, Any]) -> str:
        if "rejectUnauthorized" not in msg:
            return "default"
        value = msg["rejectUnauthorized"]
        if isinstance(value, bool):
            return "default" if value else "insecure"
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return "default" if value.lower() == "true" else "insecure"
        self.warn(REJECT_UNAUTHORIZED_INVALID)
        return "default"

    # ---- the exchange ----------------------------------------------------------
    def _client(self, exchange: _Exchange) -> httpx.AsyncClient:
        client = self._clients.get(exchange.client_key)
        if client is None:
            if self.tls_settings is not None:
                verify = self.tls_settings.context
            else:
                verify = default_ssl_context(exchange.client_key[2] != "insecure")
            proxy = None
            if exchange.proxy is not None:
                proxy = httpx.Proxy(exchange.proxy[0], auth=exchange.proxy[1])
            transport = httpx.AsyncHTTPTransport(
                verify=verify,
                proxy=proxy,
                retries=0,
                limits=httpx.Limits(
                    max_connections=None, max_keepalive_connections=None, keepalive_expiry=5.0
                ),
            )
            client = httpx.AsyncClient(transport=transport, trust_env=False, follow_redirects=False)
            self._clients[exchange.client_key] = client
        return client

    async def _perform(self, exchange: _Exchange) -> _Response:
        """Send, follow redirects, answer one digest challenge (got's behaviour)."""
        if exchange.failure is not None:
            raise exchange.failure
        if not _TOKEN_RE.match(exchange.method):
            raise request_error(
                f'Method must be a valid HTTP token ["{exchange.method}"]', "ERR_INVALID_HTTP_TOKEN"
            )
        url = _parse_url(exchange.url)
        method, body = exchange.method, exchange.body
        headers = dict(exchange.headers)
        got_headers = dict(exchange.got_headers)
        redirects = 0
        digest_sent = False
        digest_header: str | None = None
        while True:
            wire = self._wire_headers(
                url, method, headers, got_headers, body, exchange, digest_header
            )
            response = await self._send_once(exchange, url, method, wire, body)
            for line in response.headers.get("set-cookie", []):
                exchange.jar.set_cookie(line, url)
            location = response.headers.get("location")
            if response.status in REDIRECT_CODES and location and exchange.follow_redirects:
                if redirects >= MAX_REDIRECTS:
                    raise JSError(
                        "Redirected 21 times. Aborting.",
                        name="MaxRedirectsError",
                        code="ERR_TOO_MANY_REDIRECTS",
                    )
                redirects += 1
                if response.status == 303 and method not in ("GET", "HEAD"):
                    method, body = "GET", None
                    got_headers.pop("content-length", None)
                    for name in [k for k in headers if k.lower() == "content-length"]:
                        del headers[name]
                target = location.encode("latin-1").decode("utf-8", "replace")
                try:
                    next_url = ada_url.URL(target, url.href)
                except ValueError:
                    raise request_error("Invalid URL", "ERR_INVALID_URL") from None
                if next_url.hostname != url.hostname or next_url.port != url.port:
                    for name in [
                        k for k in headers if k.lower() in ("host", "cookie", "authorization")
                    ]:
                        del headers[name]
                else:
                    next_url.username, next_url.password = url.username, url.password
                entry: dict[str, Any] = {"location": location}
                if "set-cookie" in response.headers:
                    entry["cookies"] = extract_cookies(response.headers["set-cookie"])
                exchange.redirect_list.append(entry)
                url = next_url
                continue
            if response.status == 401 and exchange.digest is not None and not digest_sent:
                digest_sent = True
                challenge = response.headers.get("www-authenticate")
                if challenge:
                    try:
                        digest_header = _digest_authorization(
                            exchange.digest, method, url.pathname + url.search, challenge
                        )
                    except ValueError as e:
                        self.warn(f"Digest authentication failed: {e}")
                        return response
                continue
            return response

    def _wire_headers(
        self,
        url: ada_url.URL,
        method: str,
        headers: dict[str, Any],
        got_headers: dict[str, str],
        body: bytes | None,
        exchange: _Exchange,
        digest_header: str | None,
    ) -> list[tuple[str, str]]:
        """The header lines as got + Node's http client write them."""
        merged: dict[str, Any] = {"user-agent": GOT_USER_AGENT}
        letter_case: dict[str, str] = {}
        for name, value in headers.items():
            lower = name.lower()
            letter_case[lower] = name
            merged[lower] = value
        for name, value in got_headers.items():
            merged.setdefault(name, value)
        if digest_header is not None:
            merged["authorization"] = digest_header
        if url.username or url.password:
            user = decode_uri_component(url.username) or url.username
            password = decode_uri_component(url.password) or url.password
            merged["authorization"] = (
                "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
            )
        cookie_string = exchange.jar.cookie_string(url)
        if cookie_string:
            merged["cookie"] = cookie_string
        lines: list[tuple[str, str]] = []
        for lower in js_key_order(merged):
            value = merged[lower]
            if value is None or value is UNDEFINED:
                continue
            name = letter_case.get(lower, lower)
            if not _TOKEN_RE.match(name):
                raise request_error(
                    f'Header name must be a valid HTTP token ["{name}"]', "ERR_INVALID_HTTP_TOKEN"
                )
            for item in value if isinstance(value, list) else [value]:
                text = js_string(item)
                if _INVALID_HEADER_CHAR_RE.search(text):
                    raise request_error(
                        f'Invalid character in header content ["{name}"]', "ERR_INVALID_CHAR"
                    )
                lines.append((name, text))
        present = {name.lower() for name, _ in lines}
        if "host" not in present:
            lines.append(("Host", url.host))
        if "connection" not in present:
            lines.append(("Connection", "keep-alive"))
        if (
            body is None
            and method not in _METHODS_WITHOUT_DEFAULT_BODY
            and "content-length" not in present
            and "transfer-encoding" not in present
        ):
            lines.append(("Content-Length", "0"))
        return lines

    async def _send_once(
        self,
        exchange: _Exchange,
        url: ada_url.URL,
        method: str,
        wire: list[tuple[str, str]],
        body: bytes | None,
    ) -> _Response:
        client = self._client(exchange)
        scheme = url.protocol[:-1]
        port = int(url.port) if url.port else (443 if scheme == "https" else 80)
        host = url.hostname[1:-1] if url.hostname.startswith("[") else url.hostname
        extensions: dict[str, Any] = {}
        if self.tls_settings is not None and self.tls_settings.servername:
            extensions["sni_hostname"] = self.tls_settings.servername
        try:
            request = httpx.Request(
                method,
                # raw_path: the WHATWG-encoded target goes out exactly as Node sends it.
                httpx.URL(
                    scheme=scheme,
                    host=host,
                    port=port,
                    raw_path=(url.pathname + url.search).encode("ascii"),
                ),
                headers=[(k.encode("latin-1"), v.encode("latin-1", "replace")) for k, v in wire],
                content=body,
                extensions=extensions,
            )
        except (httpx.InvalidURL, ValueError) as e:
            raise request_error(str(e) or "Invalid URL", "ERR_INVALID_URL") from None
        timeout_s = exchange.timeout_ms / 1000
        try:
            async with asyncio.timeout(timeout_s):
                response = await client.send(request, stream=True)
                try:
                    chunks = [chunk async for chunk in response.aiter_raw()]
                finally:
                    await response.aclose()
        except TimeoutError:
            raise JSError(
                f"Timeout awaiting 'request' for {js_string(exchange.timeout_ms)}ms",
                name="TimeoutError",
                code="ETIMEDOUT",
            ) from None
        except (httpx.HTTPError, OSError, h11.ProtocolError) as e:
            error_host, error_port = host, port
            if exchange.proxy is not None and isinstance(e, httpx.ConnectError | httpx.ProxyError):
                proxy_url = httpx.URL(exchange.proxy[0])
                error_host, error_port = proxy_url.host, proxy_url.port or 80
            raise transport_error(
                e, error_host, error_port, extensions.get("sni_hostname") or host
            ) from None
        finally:
            client.cookies.clear()  # httpx keeps response cookies; we use our own jar
        return _Response(
            status=response.status_code,
            headers=node_headers(response.headers.raw),
            body=b"".join(chunks),
            url=url.href,
        )

    # ---- results ---------------------------------------------------------------
    def _deliver(self, response: _Response, exchange: _Exchange, msg: dict[str, Any]) -> None:
        msg["statusCode"] = response.status
        msg["headers"] = response.headers
        msg["responseUrl"] = response.url
        msg["payload"] = response.body
        msg["redirectList"] = exchange.redirect_list
        msg["retry"] = 0
        if "set-cookie" in response.headers:
            msg["responseCookies"] = extract_cookies(response.headers["set-cookie"])
        response.headers[STALE_HEADER] = hash_sum(response.headers)
        if self.ret != "bin":
            text = response.body.decode("utf-8", "replace")
            msg["payload"] = text
            if self.ret == "obj":
                if response.status == 204:
                    text = "{}"
                try:
                    msg["payload"] = js_json_loads(text)
                except ValueError:
                    self.warn(JSON_ERROR)

    def _report_failure(
        self, err: JSError, exchange: _Exchange, msg: dict[str, Any], send: Any
    ) -> None:
        if err.code == "ETIMEDOUT":
            self.error(NO_RESPONSE, msg)
            self.status(
                {"fill": "red", "shape": "ring", "text": "common.notification.errors.no-response"}
            )
        else:
            self.error(err, msg)
            self.status({"fill": "red", "shape": "ring", "text": err.code})
        msg["payload"] = f"{err} : {exchange.url}"
        if err.code is not None:
            msg["statusCode"] = err.code
        else:
            msg.pop("statusCode", None)
        if not self.send_errors_to_catch_only:
            send(msg)
        self._outstanding -= 1


class _GotOptionError(JSError):
    """got's validation of a non-number ``timeout.request``."""

    def __init__(self, kind: str) -> None:
        super().__init__(
            "Option 'timeout.request': Expected values which are `number` or `undefined`. "
            f"Received values of type `{kind}`.",
            name="RequestError",
            code="ERR_GOT_REQUEST_ERROR",
        )


# ---- helpers of the node ----------------------------------------------------------------
def _is_js_object(value: Any) -> bool:
    """``typeof value === "object"`` (null included, as Node-RED's checks see it)."""
    return value is None or isinstance(value, dict | list | bytes | bytearray)


def _msg_property(msg: dict[str, Any], expr: str) -> Any:
    try:
        return get_message_property(msg, expr)
    except (PropertyExpressionError, TypeError):
        return UNDEFINED


def _update_header(headers: dict[str, Any], name: str, value: Any) -> None:
    """Set a header case-insensitively; a falsy value removes it (Node-RED's updateHeader)."""
    lower = name.lower()
    matching = [k for k in headers if k.lower() == lower] or [name]
    for key in matching:
        headers.pop(key, None)
        if js_truthy(value):
            headers[name] = value


def _escape_stray_percents(url: str) -> str:
    """Re-encode a ``%`` in the query that does not start a ``%XX`` escape."""
    if "?" not in url:
        return url
    host_path, _, query = url.partition("?")
    if not query:
        return url

    def fix(m: re.Match[str]) -> str:
        text = m.group(0)
        if re.match(r"^%[0-9a-fA-F]{2}", text):
            return text
        return text.replace("%", "%25", 1)

    return host_path + "?" + re.sub(r"%[^\n\r\u2028\u2029]?[^\n\r\u2028\u2029]?", fix, query)


def _parse_url(url: str) -> ada_url.URL:
    try:
        return ada_url.URL(url)
    except ValueError:
        raise JSError("Invalid URL", name="TypeError", code="ERR_INVALID_URL") from None


def _digest_hash(algorithm: str | None, text: str) -> str:
    base = (algorithm or "").lower().removesuffix("-sess")
    if base == "sha-256":
        return hashlib.sha256(text.encode()).hexdigest()
    if base == "sha-512-256":
        return hashlib.sha512(text.encode()).hexdigest()[:64]
    return hashlib.md5(text.encode()).hexdigest()


_CHALLENGE_RE = re.compile(r'([a-z0-9_-]+)=(?:"([^"]+)"|([a-z0-9_-]+))', re.IGNORECASE)


def _digest_authorization(credentials: tuple[str, str], method: str, path: str, header: str) -> str:
    """The ``Authorization: Digest ...`` answer to a challenge (RFC 2617/7616)."""
    challenge: dict[str, str] = {}
    for m in _CHALLENGE_RE.finditer(header):
        challenge[m.group(1)] = m.group(2) or m.group(3)
    if not challenge.get("nonce"):
        raise ValueError("Invalid digest challenge: missing nonce")
    if not challenge.get("realm"):
        raise ValueError("Invalid digest challenge: missing realm")
    user, password = credentials
    algorithm = challenge.get("algorithm")
    qop = "auth" if re.search(r"(^|,)\s*auth\s*($|,)", challenge.get("qop", "undefined")) else ""
    nc = "00000001" if qop else ""
    cnonce = uuid.uuid4().hex if qop else ""
    ha1 = _digest_hash(algorithm, f"{user}:{challenge['realm']}:{password}")
    if algorithm and algorithm.lower().endswith("-sess"):
        ha1 = _digest_hash(algorithm, f"{ha1}:{challenge['nonce']}:{cnonce}")
    ha2 = _digest_hash(algorithm, f"{method}:{path}")
    if qop:
        response = _digest_hash(algorithm, f"{ha1}:{challenge['nonce']}:{nc}:{cnonce}:{qop}:{ha2}")
    else:
        response = _digest_hash(algorithm, f"{ha1}:{challenge['nonce']}:{ha2}")
    values = [
        ("username", user),
        ("realm", challenge["realm"]),
        ("nonce", challenge["nonce"]),
        ("uri", path),
        ("qop", qop),
        ("response", response),
        ("nc", nc),
        ("cnonce", cnonce),
        ("algorithm", algorithm or ""),
        ("opaque", challenge.get("opaque") or ""),
    ]
    parts = [
        f"{k}={v}" if k in ("qop", "nc", "algorithm") else f'{k}="{v}"' for k, v in values if v
    ]
    return "Digest " + ", ".join(parts)
