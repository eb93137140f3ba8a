"""HTTP Digest authentication (RFC 2617/7616): the client's answer to a challenge.

MD5, SHA-256 and SHA-512-256, their ``-sess`` variants, ``qop=auth`` or none,
as got's digest support (used by Node-RED's http request node) computes them.
"""

from __future__ import annotations

import hashlib
import re
import uuid

__all__ = ["digest_authorization"]

_CHALLENGE_RE = re.compile(r'([a-z0-9_-]+)=(?:"([^"]+)"|([a-z0-9_-]+))', re.IGNORECASE)
_UNQUOTED = ("qop", "nc", "algorithm")


def _digest_hash(algorithm: str | None, text: str) -> str:
    base = (algorithm or "").lower().removesuffix("-sess")
    if base == "sha-256":
        return hashlib.sha256(text.encode()).hexdigest()
    if base == "sha-512-256":
        return hashlib.sha512(text.encode()).hexdigest()[:64]
    return hashlib.md5(text.encode()).hexdigest()


def digest_authorization(credentials: tuple[str, str], method: str, path: str, header: str) -> str:
    """The ``Authorization: Digest ...`` value answering the ``WWW-Authenticate`` ``header``.

    Raises ValueError for a challenge without a nonce or realm.
    """
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
    parts = [f"{k}={v}" if k in _UNQUOTED else f'{k}="{v}"' for k, v in values if v]
    return "Digest " + ", ".join(parts)
