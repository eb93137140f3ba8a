"""Credentials files (``flows_cred.json``), plain or encrypted as Node-RED does.

The file sits beside the flow file as ``<flowbase>_cred<ext>``
(``flows.json`` → ``flows_cred.json``, ``flows`` → ``flows_cred``), as
``@node-red/runtime/lib/storage/localfilesystem`` names it. Plain form:
``{"<node id>": {"<field>": value}}``. Encrypted form (``nodes/credentials.js``):
``{"$": hex(iv) + base64(ciphertext)}`` where the ciphertext is AES-256-CTR of
``JSON.stringify(allCredentials)`` with key = SHA-256(secret) and a random
16-byte IV. The file is only read, never written.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from typing import Any

__all__ = [
    "SECRET_ENV_VAR",
    "CredentialsError",
    "credentials_file_for",
    "decrypt_credentials",
    "encrypt_credentials",
    "load_credentials",
    "parse_credentials",
]

#: Environment variable read when ``--credential-secret`` is not given.
SECRET_ENV_VAR = "FLOWENGINE_CREDENTIAL_SECRET"

_IV_HEX_LEN = 32  # 16 bytes as hex


class CredentialsError(Exception):
    """A credentials file that cannot be used; ``path: message`` for the user."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class _WrongSecret(ValueError):
    """Decryption produced no JSON object: the secret does not fit."""


def credentials_file_for(flow_path: str) -> str:
    """``dir/flows.json`` → ``dir/flows_cred.json`` (extension kept, also when empty)."""
    base, ext = os.path.splitext(flow_path)
    return f"{base}_cred{ext}"


def _key(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def decrypt_credentials(blob: str, secret: str) -> dict[str, Any]:
    """Decrypt the ``"$"`` value. ``ValueError`` when malformed or the secret is wrong."""
    if len(blob) < _IV_HEX_LEN:
        raise ValueError("too short to hold an initialisation vector")
    try:
        iv = bytes.fromhex(blob[:_IV_HEX_LEN])
        ciphertext = base64.b64decode(blob[_IV_HEX_LEN:], validate=True)
    except (ValueError, binascii.Error) as e:
        raise ValueError(f"not hex IV + base64 data ({e})") from None
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # lazy: RSS

    decryptor = Cipher(algorithms.AES(_key(secret)), modes.CTR(iv)).decryptor()
    plain = decryptor.update(ciphertext) + decryptor.finalize()
    # CTR has no integrity check: a wrong key yields garbage, caught here.
    try:
        data = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _WrongSecret("decrypted data is not JSON") from None
    if not isinstance(data, dict):
        raise _WrongSecret("decrypted data is not a JSON object")
    return data


def encrypt_credentials(creds: dict[str, Any], secret: str, iv: bytes | None = None) -> str:
    """The ``"$"`` value Node-RED would write for ``creds`` (tests, tooling)."""
    iv = iv or os.urandom(16)
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # lazy: RSS

    encryptor = Cipher(algorithms.AES(_key(secret)), modes.CTR(iv)).encryptor()
    plain = json.dumps(creds, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    ciphertext = encryptor.update(plain) + encryptor.finalize()
    return iv.hex() + base64.b64encode(ciphertext).decode("ascii")


def parse_credentials(path: str, data: Any, secret: str | None) -> dict[str, dict[str, Any]]:
    """Decoded credentials JSON (plain or ``{"$": ...}``) → ``{node id: {field: value}}``."""
    if not isinstance(data, dict):
        raise CredentialsError(path, "expected a JSON object of node id → credentials")
    if "$" in data:
        blob = data["$"]
        if not isinstance(blob, str):
            raise CredentialsError(path, '"$": expected a string')
        if not secret:
            raise CredentialsError(
                path,
                f"credentials are encrypted; give --credential-secret or set {SECRET_ENV_VAR}",
            )
        try:
            data = decrypt_credentials(blob, secret)
        except _WrongSecret:
            raise CredentialsError(
                path, "cannot decrypt credentials: wrong credential secret"
            ) from None
        except ValueError as e:
            raise CredentialsError(path, f"encrypted credentials are malformed: {e}") from None
    result: dict[str, dict[str, Any]] = {}
    for node_id, creds in data.items():
        if not isinstance(creds, dict):
            raise CredentialsError(
                path, f'credentials of node "{node_id}": expected an object of fields'
            )
        result[node_id] = creds
    return result


def load_credentials(flow_path: str, secret: str | None) -> dict[str, dict[str, Any]]:
    """Credentials for the nodes of ``flow_path``; ``{}`` when there is no file.

    An empty file counts as no credentials, as Node-RED reads it.
    """
    path = credentials_file_for(flow_path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise CredentialsError(path, f"cannot read file: {e.strerror or e}") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CredentialsError(path, f"not UTF-8 text (byte {e.start})") from None
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise CredentialsError(
            path, f"invalid JSON: {e.msg} at line {e.lineno} column {e.colno}"
        ) from None
    return parse_credentials(path, data, secret)
