"""Credentials files (``flows_cred.json``), plain or encrypted as Node-RED does.

Encrypted form: ``{"$": hex(iv) + base64(ciphertext)}`` where the ciphertext is
AES-256-CTR of ``JSON.stringify(allCredentials)`` with key = SHA-256(secret).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = ["CredentialsError", "decrypt_credentials", "encrypt_credentials", "load_credentials"]


class CredentialsError(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def credentials_file_for(flow_path: str) -> str:
    base, ext = os.path.splitext(flow_path)
    return f"{base}_cred{ext or '.json'}"


def _key(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def decrypt_credentials(blob: str, secret: str) -> dict[str, Any]:
    iv = bytes.fromhex(blob[:32])
    ciphertext = base64.b64decode(blob[32:])
    decryptor = Cipher(algorithms.AES(_key(secret)), modes.CTR(iv)).decryptor()
    plain = decryptor.update(ciphertext) + decryptor.finalize()
    data = json.loads(plain.decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("decrypted credentials are not an object")
    return data


def encrypt_credentials(creds: dict[str, Any], secret: str, iv: bytes | None = None) -> str:
    iv = iv or os.urandom(16)
    encryptor = Cipher(algorithms.AES(_key(secret)), modes.CTR(iv)).encryptor()
    plain = json.dumps(creds, separators=(",", ":")).encode("utf-8")
    ciphertext = encryptor.update(plain) + encryptor.finalize()
    return iv.hex() + base64.b64encode(ciphertext).decode("ascii")


def load_credentials(flow_path: str, secret: str | None) -> dict[str, dict[str, Any]]:
    """Credentials for the nodes of ``flow_path``; ``{}`` when there is no file."""
    path = credentials_file_for(flow_path)
    if not os.path.exists(path):
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise CredentialsError(path, f"cannot read credentials: {e}") from None
    if not isinstance(data, dict):
        raise CredentialsError(path, "expected a JSON object")
    if "$" in data and len(data) == 1:
        if not secret:
            raise CredentialsError(
                path,
                "credentials are encrypted; give --credential-secret or set "
                "FLOWENGINE_CREDENTIAL_SECRET",
            )
        try:
            data = decrypt_credentials(str(data["$"]), secret)
        except (ValueError, UnicodeDecodeError):
            raise CredentialsError(path, "cannot decrypt credentials: wrong credential secret?") from None
    return {k: v for k, v in data.items() if isinstance(v, dict)}
