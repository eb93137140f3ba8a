"""Cookies as Node-RED's http request node handles them.

``cookie_parse``/``cookie_serialize`` are the ``cookie`` package's (v0.7)
``parse``/``serialize``; :func:`extract_cookies` builds ``msg.responseCookies``;
:class:`CookieJar` is the per-request store got keeps with tough-cookie
(domain and path matching, ``Secure``, expiry, ordering by path length then age).
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ada_url

from flowengine.errors import JSError
from flowengine.jsvalues import UNDEFINED, js_string

from .http_headers import TOKEN_RE
from .uri import decode_uri_component, encode_uri_component

__all__ = ["CookieJar", "cookie_parse", "cookie_serialize", "extract_cookies"]

_COOKIE_VALUE_RE = re.compile(r'^("?)[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*\1$')


def cookie_parse(text: str, decode: Callable[[str], str] | None = None) -> dict[str, str]:
    """``cookie.parse``: first occurrence of a name wins, quotes stripped.

    Values are URI-decoded (left as they are where that fails) unless ``decode`` is given.
    """
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
    if not TOKEN_RE.match(name):
        raise JSError("argument name is invalid", name="TypeError")
    text = encode_uri_component(value) if encode else js_string(value)
    if not _COOKIE_VALUE_RE.match(text):
        raise JSError("argument val is invalid", name="TypeError")
    return f"{name}={text}"


def extract_cookies(set_cookie: Any) -> dict[str, Any]:
    """``msg.responseCookies`` from ``Set-Cookie`` lines: name → attributes plus ``value``."""
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
        """The ``Cookie`` header value for a request to ``url`` ("" for none)."""
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
