"""Real HTTP servers on 127.0.0.1 for the ``http request`` node tests.

:class:`RecordingServer` is a threaded HTTP/1.1 server (plain or TLS) that
records every request it receives (raw header names and order, body, client
port) and answers through small route functions; :func:`default_routes` gives
the echo, status, JSON, redirect, cookie, digest-auth and slow-response routes
the tests use. :class:`ForwardProxy` is a minimal forward proxy (absolute-URI
requests and ``CONNECT`` tunnels) that records what it was asked. A self-signed
certificate for 127.0.0.1/localhost comes from :func:`make_self_signed_cert`.

Run as a script (``python -m tests.nodes.network_http.http_servers PORT``) to
serve the default routes, e.g. to point Node-RED at them.
"""

from __future__ import annotations

import base64
import datetime
import gzip
import hashlib
import json
import os
import secrets
import select
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = [
    "ForwardProxy",
    "RecordedRequest",
    "RecordingServer",
    "Reply",
    "default_routes",
    "make_self_signed_cert",
]


@dataclass
class RecordedRequest:
    """One request as the server saw it."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    client_port: int

    @property
    def path(self) -> str:
        return urllib.parse.urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.target).query)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def header_names(self) -> list[str]:
        return [key for key, _ in self.headers]


@dataclass
class Reply:
    """What a route answers."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    delay: float = 0.0  # seconds to wait before answering


Route = Callable[[RecordedRequest], Reply]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            body = self.rfile.read(length) if length else b""
        request = RecordedRequest(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=body,
            client_port=self.client_address[1],
        )
        owner = self.server.owner
        with owner.lock:
            owner.requests.append(request)
        reply = owner.dispatch(request)
        if reply.delay and owner.stopped.wait(reply.delay):
            return
        self.send_response_only(reply.status)
        names = {k.lower() for k, _ in reply.headers}
        for key, value in reply.headers:
            self.send_header(key, value)
        if "content-length" not in names and not (
            100 <= reply.status < 200 or reply.status in (204, 304)
        ):
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD" and reply.body:
            self.wfile.write(reply.body)
        self.wfile.flush()

    def _read_chunked(self) -> bytes:
        data = b""
        while True:
            size = int(self.rfile.readline().strip().split(b";")[0], 16)
            if size == 0:
                self.rfile.readline()
                return data
            data += self.rfile.read(size)
            self.rfile.readline()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _handle
    do_USE = do_PURGE = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: RecordingServer


class RecordingServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 that records requests."""

    def __init__(
        self,
        routes: dict[str, Route] | None = None,
        tls: ssl.SSLContext | None = None,
        port: int = 0,
    ) -> None:
        self.routes: dict[str, Route] = dict(default_routes() if routes is None else routes)
        self.requests: list[RecordedRequest] = []
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.owner = self
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def dispatch(self, request: RecordedRequest) -> Reply:
        path = request.path
        # Longest matching prefix wins, so "/redirect" does not catch "/redirects".
        for prefix in sorted(self.routes, key=len, reverse=True):
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return self.routes[prefix](request)
        return Reply(404, [("Content-Type", "text/plain")], b"not found")

    def start(self) -> RecordingServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> RecordingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def last(self, path: str | None = None) -> RecordedRequest:
        with self.lock:
            found = [r for r in self.requests if path is None or r.path == path]
        assert found, f"no request for {path!r}"
        return found[-1]


# ---- routes -------------------------------------------------------------------
def _json_reply(
    value: Any, status: int = 200, headers: list[tuple[str, str]] | None = None
) -> Reply:
    body = json.dumps(value).encode()
    return Reply(status, [("Content-Type", "application/json"), *(headers or [])], body)


def echo(request: RecordedRequest) -> Reply:
    """The request as JSON: method, target, raw headers, body (text and base64)."""
    return _json_reply(
        {
            "method": request.method,
            "target": request.target,
            "headers": [list(h) for h in request.headers],
            "body": request.body.decode("utf-8", "replace"),
            "body64": base64.b64encode(request.body).decode(),
        }
    )


def status(request: RecordedRequest) -> Reply:
    """``/status/NNN``: answers with that status code."""
    code = int(request.path.rsplit("/", 1)[1])
    return Reply(code, [("Content-Type", "text/plain")], f"status {code}".encode())


def text(request: RecordedRequest) -> Reply:
    return Reply(200, [("Content-Type", "text/plain; charset=utf-8")], "héllo wörld".encode())


def binary(request: RecordedRequest) -> Reply:
    return Reply(200, [("Content-Type", "application/octet-stream")], bytes([0, 1, 2, 255, 254]))


def json_ok(request: RecordedRequest) -> Reply:
    return Reply(200, [("Content-Type", "application/json")], b'{"a":1,"b":[true,null,"x"]}')


def json_bad(request: RecordedRequest) -> Reply:
    return Reply(200, [("Content-Type", "application/json")], b"{not json")


def no_content(request: RecordedRequest) -> Reply:
    return Reply(204, [], b"")


def gzipped(request: RecordedRequest) -> Reply:
    """A gzip body with ``Content-Encoding: gzip``: the node must not decompress it."""
    return Reply(200, [("Content-Encoding", "gzip")], gzip.compress(b"compressed text"))


def duplicate_headers(request: RecordedRequest) -> Reply:
    return Reply(
        200,
        [
            ("X-Multi", "one"),
            ("X-Multi", "two"),
            ("Content-Type", "text/plain"),
            ("Set-Cookie", "a=1; Path=/; HttpOnly"),
            ("Set-Cookie", "b=hello%20there; Max-Age=60"),
            ("ETag", '"first"'),
            ("ETag", '"second"'),
            ("Cache-Control", "no-cache"),
            ("Cache-Control", "no-store"),
        ],
        b"dup",
    )


def set_cookies(request: RecordedRequest) -> Reply:
    return Reply(
        200,
        [
            ("Set-Cookie", "session=abc123; Path=/; HttpOnly"),
            ("Set-Cookie", "theme=dark%20blue; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/x"),
        ],
        b"cookies set",
    )


def redirect(request: RecordedRequest) -> Reply:
    """``/redirect?to=URL&status=302&cookie=NAME=VALUE``: one redirect."""
    q = request.query
    code = int(q.get("status", ["302"])[0])
    headers = [("Location", q.get("to", ["/echo"])[0])]
    for c in q.get("cookie", []):
        headers.append(("Set-Cookie", c))
    return Reply(code, headers, b"")


def redirects(request: RecordedRequest) -> Reply:
    """``/redirects/N``: N redirects in a row, then the echo."""
    n = int(request.path.rsplit("/", 1)[1])
    target = f"/redirects/{n - 1}" if n > 1 else "/echo"
    return Reply(302, [("Location", target), ("Set-Cookie", f"hop{n}=yes; Path=/")], b"")


def redirect_loop(request: RecordedRequest) -> Reply:
    return Reply(302, [("Location", "/loop")], b"")


def slow(request: RecordedRequest) -> Reply:
    """``/slow?ms=N``: answers after N ms."""
    ms = float(request.query.get("ms", ["2000"])[0])
    return Reply(200, [("Content-Type", "text/plain")], b"slow", delay=ms / 1000)


def headers_echo(request: RecordedRequest) -> Reply:
    """Repeats ``?h=Name:Value`` pairs as response headers (for header hashing)."""
    reply = Reply(200, [("Content-Type", "text/plain")], b"ok")
    for pair in request.query.get("h", []):
        name, _, value = pair.partition(":")
        reply.headers.append((name, value))
    return reply


# ---- digest authentication (RFC 7616) ------------------------------------------
DIGEST_USER = "alice"
DIGEST_PASSWORD = "s3cret"
DIGEST_REALM = "test-realm"


def _digest_hash(algorithm: str, text: str) -> str:
    base = algorithm.lower().removesuffix("-sess")
    if base == "sha-256":
        return hashlib.sha256(text.encode()).hexdigest()
    if base == "sha-512-256":
        return hashlib.sha512(text.encode()).hexdigest()[:64]
    return hashlib.md5(text.encode()).hexdigest()


def _parse_auth_params(header: str) -> dict[str, str]:
    params: dict[str, str] = {}
    rest = header.split(" ", 1)[1] if " " in header else ""
    for part in _split_params(rest):
        key, _, value = part.strip().partition("=")
        params[key.strip()] = value.strip().strip('"')
    return params


def _split_params(text: str) -> list[str]:
    parts: list[str] = []
    current = ""
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current)
    return parts


def digest(request: RecordedRequest) -> Reply:
    """``/digest/<algorithm>[/noqop]``: digest-protected; 200 + JSON on success."""
    bits = request.path.split("/")
    algorithm = bits[2] if len(bits) > 2 and bits[2] else "MD5"
    with_qop = not (len(bits) > 3 and bits[3] == "noqop")
    auth = request.header("Authorization")
    if auth and auth.startswith("Digest "):
        p = _parse_auth_params(auth)
        ha1 = _digest_hash(algorithm, f"{DIGEST_USER}:{p.get('realm')}:{DIGEST_PASSWORD}")
        if algorithm.lower().endswith("-sess"):
            ha1 = _digest_hash(algorithm, f"{ha1}:{p.get('nonce')}:{p.get('cnonce')}")
        ha2 = _digest_hash(algorithm, f"{request.method}:{p.get('uri')}")
        if p.get("qop"):
            expect = _digest_hash(
                algorithm, f"{ha1}:{p['nonce']}:{p['nc']}:{p['cnonce']}:{p['qop']}:{ha2}"
            )
        else:
            expect = _digest_hash(algorithm, f"{ha1}:{p.get('nonce')}:{ha2}")
        if p.get("username") == DIGEST_USER and p.get("response") == expect:
            return _json_reply({"authenticated": True, "params": p})
    challenge = f'Digest realm="{DIGEST_REALM}", nonce="{secrets.token_hex(8)}", opaque="op4que"'
    if with_qop:
        challenge += ', qop="auth,auth-int"'
    if algorithm != "MD5":
        challenge += f", algorithm={algorithm}"
    return Reply(401, [("WWW-Authenticate", challenge)], b"unauthorized")


def default_routes() -> dict[str, Route]:
    return {
        "/echo": echo,
        "/status": status,
        "/text": text,
        "/bin": binary,
        "/json": json_ok,
        "/badjson": json_bad,
        "/nocontent": no_content,
        "/gzip": gzipped,
        "/dup": duplicate_headers,
        "/cookies": set_cookies,
        "/redirect": redirect,
        "/redirects": redirects,
        "/loop": redirect_loop,
        "/slow": slow,
        "/headers": headers_echo,
        "/digest": digest,
    }


# ---- TLS -------------------------------------------------------------------------
def make_self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed EC certificate for 127.0.0.1 and localhost: (cert.pem, key.pem)."""
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "flowengine test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


# ---- forward proxy ----------------------------------------------------------------
@dataclass
class ProxiedRequest:
    method: str
    target: str
    proxy_authorization: str | None


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ProxyServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _record(self) -> None:
        with self.server.owner.lock:
            self.server.owner.requests.append(
                ProxiedRequest(self.command, self.path, self.headers.get("Proxy-Authorization"))
            )

    def do_CONNECT(self) -> None:
        self._record()
        host, _, port = self.path.rpartition(":")
        try:
            upstream = socket.create_connection((host, int(port)), timeout=10)
        except OSError:
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200, "Connection Established")
        self.end_headers()
        self.wfile.flush()
        self._pipe(self.connection, upstream)
        self.close_connection = True

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        sockets = [a, b]
        try:
            while True:
                readable, _, _ = select.select(sockets, [], [], 10)
                if not readable:
                    return
                for s in readable:
                    data = s.recv(65536)
                    if not data:
                        return
                    (b if s is a else a).sendall(data)
        except OSError:
            return
        finally:
            b.close()

    def _forward(self) -> None:
        import http.client

        self._record()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        parts = urllib.parse.urlsplit(self.path)
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=10)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() not in ("proxy-authorization", "proxy-connection", "connection")
        }
        headers["X-Via-Test-Proxy"] = "yes"
        conn.request(self.command, path or "/", body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        self.send_response_only(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Proxied", "yes")
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: ForwardProxy


class ForwardProxy:
    """A recording forward proxy on 127.0.0.1 (HTTP forwarding and CONNECT)."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[ProxiedRequest] = []
        self.lock = threading.Lock()
        self._httpd = _ProxyServer(("127.0.0.1", port), _ProxyHandler)
        self._httpd.owner = self
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ForwardProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class RawServer:
    """A TCP server on 127.0.0.1 answering each connection with ``respond(sock)``."""

    def __init__(self, respond: Callable[[socket.socket], None]) -> None:
        self._respond = respond
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port: int = self._sock.getsockname()[1]
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._open.append(conn)
            threading.Thread(target=self._respond, args=(conn,), daemon=True).start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()
        for conn in self._open:
            conn.close()


def close_after_request(conn: socket.socket) -> None:
    """Read the request, then hang up without answering."""
    conn.recv(65536)
    conn.close()


def answer_garbage(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(b"GARBAGE\r\n\r\n")
    conn.close()


def never_answer(conn: socket.socket) -> None:
    """Read the request and keep the connection open without a reply."""
    conn.recv(65536)


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":  # pragma: no cover - manual use against Node-RED
    import sys

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 18080
    tls_dir = os.environ.get("TLS_DIR")
    context = None
    if tls_dir:
        cert_file, key_file = make_self_signed_cert(Path(tls_dir))
        context = server_tls_context(cert_file, key_file)
    srv = RecordingServer(tls=context, port=port).start()
    print(f"serving {srv.url()}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()
