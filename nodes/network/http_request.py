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

The JavaScript packages it relies on (mustache.js, hash-sum, cookie and
tough-cookie, querystring, form-data, got's errors and digest auth) are
re-implemented in :mod:`flowengine.util`.

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
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ada_url
import h11
import httpx

from flowengine import Node
from flowengine.errors import ConfigError, JSError
from flowengine.jsvalues import UNDEFINED, js_json_dumps, js_string, js_truthy, to_number
from flowengine.props import PropertyExpressionError, compile_property, get_message_property
from flowengine.util.cookies import CookieJar, cookie_parse, cookie_serialize, extract_cookies
from flowengine.util.digest_auth import digest_authorization
from flowengine.util.hashsum import hash_sum
from flowengine.util.http_body import body_bytes, multipart_body
from flowengine.util.http_errors import request_error, transport_error
from flowengine.util.http_headers import INVALID_HEADER_CHAR_RE, TOKEN_RE, node_headers
from flowengine.util.jsjson import js_json_loads
from flowengine.util.jsobject import js_key_order, js_own_get, js_own_keys
from flowengine.util.mustache import MustacheError, MustacheTemplate
from flowengine.util.querystring import querystring_stringify
from flowengine.util.uri import decode_uri_component, new_url

from .http_proxy import HTTPProxyNode, ProxyOptions, proxy_for_url
from .tls_config import make_client_context

if TYPE_CHECKING:
    from flowengine.hostmap import HostMap

__all__ = ["HTTPRequestNode"]

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
    @classmethod
    def map_hosts(cls, config: dict[str, Any], host_map: HostMap) -> dict[str, Any] | None:
        """``--host-map``: the host of the node's ``url`` (literal hosts only; a URL
        without scheme is used as ``https://`` with a tls-config, else ``http://``)."""
        scheme = "https" if config.get("tls") else "http"
        url = host_map.url(config.get("url"), default_scheme=scheme)
        return None if url is None else {**config, "url": url}

    def setup(self) -> None:
        cfg = self.config
        method = cfg.get("method")
        if method is not None and not isinstance(method, str):
            raise ConfigError("method", "must be a string")
        self.method_setting: str = method or ""
        method_upper = (method or "GET").upper()
        if method_upper != "USE" and not TOKEN_RE.match(method_upper):
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
            except MustacheError as e:
                raise ConfigError("url", f"invalid mustache template: {e.message}") from None

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
            (_parse_int(configured) or DEFAULT_TIMEOUT_MS) if configured else DEFAULT_TIMEOUT_MS
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
                parsed_url.append(new_url(url))
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

        parsed = new_url(url)
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
                    body = body_bytes(payload)
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
                body = body_bytes(payload)
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
        if not TOKEN_RE.match(exchange.method):
            raise request_error(
                f'Method must be a valid HTTP token ["{exchange.method}"]', "ERR_INVALID_HTTP_TOKEN"
            )
        url = new_url(exchange.url)
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
                        digest_header = digest_authorization(
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
            if not TOKEN_RE.match(name):
                raise request_error(
                    f'Header name must be a valid HTTP token ["{name}"]', "ERR_INVALID_HTTP_TOKEN"
                )
            for item in value if isinstance(value, list) else [value]:
                text = js_string(item)
                if INVALID_HEADER_CHAR_RE.search(text):
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
                except JSError:
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
def _parse_int(value: Any) -> int | None:
    """``parseInt(value)`` in base 10; None for NaN."""
    m = re.match(r"^[\s\ufeff\xa0]*([+-]?\d+)", js_string(value))
    return int(m.group(1)) if m else None


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
