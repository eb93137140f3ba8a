"""Errors of a failed HTTP exchange as got and Node's http client report them.

:func:`transport_error` turns what httpx, h11, ``ssl`` and ``socket`` raise
into the error got rejects with: ``RequestError`` (code
``ERR_GOT_REQUEST_ERROR`` unless Node gives a system code) with Node's
message, e.g. ``connect ECONNREFUSED 127.0.0.1:1``, ``getaddrinfo ENOTFOUND
host``, ``socket hang up``, certificate errors with OpenSSL's text and Node's
codes (``DEPTH_ZERO_SELF_SIGNED_CERT``, ``ERR_TLS_CERT_ALTNAME_INVALID``).
"""

from __future__ import annotations

import re
import socket
import ssl

import h11
import httpx

from flowengine.errors import JSError

__all__ = ["request_error", "transport_error"]


def request_error(message: str, code: str | None = None, name: str = "RequestError") -> JSError:
    """got's ``RequestError`` (or ``name``) carrying Node's ``code``."""
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
