"""``tls-config``: certificates, key, CA and server-check settings for TLS clients.

Node-RED 5's ``05-tls.js``: ``certType`` ``files`` (paths in ``cert``/``key``/``ca``,
or, when no path is set, PEM text in the credentials ``certdata``/``keydata``/``cadata``),
``pfx`` (a PKCS#12 file ``p12``, or base64 ``p12data`` in the credentials) or ``env``
(PEM text in the environment variables named by ``certEnv``/``keyEnv``/``caEnv``);
``passphrase`` (credential) unlocks the key or the PKCS#12 bundle; ``servername`` sets
SNI and the name the certificate is checked against; ``alpnprotocol`` one ALPN
protocol; ``verifyservercert`` whether the server certificate is verified.

Users get the material the way Node-RED's ``addTLSOptions`` hands it over
(:meth:`TLSConfigNode.tls_options`) or as a ready client ``ssl.SSLContext``
(:meth:`TLSConfigNode.client_context`). Unreadable files, a certificate without a key
(or the reverse) and an unusable bundle are load errors, where Node-RED logs an error
and leaves the connection to fail later.
"""

from __future__ import annotations

import base64
import binascii
import os
import ssl
import tempfile
from typing import Any

from flowengine import ConfigError, Node
from flowengine.jsvalues import UNDEFINED, js_string

__all__ = ["ServerNameContext", "TLSConfigNode", "make_client_context"]

_CERT_TYPES = ("files", "pfx", "env")


class TLSConfigNode(Node):
    type = "tls-config"
    category = "config"
    has_input = False
    ignored_properties = frozenset({"certname", "keyname", "caname", "p12name"})

    def setup(self) -> None:
        cfg = self.config
        creds = self.credentials or {}
        cert_type = cfg.get("certType") or "files"
        if cert_type not in _CERT_TYPES:
            raise ConfigError("certType", f'unknown certificate type "{cert_type}"')
        self.cert_type: str = cert_type
        verify = cfg.get("verifyservercert")
        # Absent in very old flows: the user (e.g. mqtt-broker) then decides.
        self.verify_server_cert: bool | None = (
            None if verify is None else (verify is True or verify == "true")
        )
        self.servername: str = _text(cfg.get("servername"))
        self.alpn_protocol: str = _text(cfg.get("alpnprotocol"))
        self.passphrase: str | None = _str_or_none(creds.get("passphrase"))
        self.cert: bytes | None = None
        self.key: bytes | None = None
        self.ca: bytes | None = None
        self.pfx: bytes | None = None
        cert_path, key_path = _text(cfg.get("cert")), _text(cfg.get("key"))
        ca_path, p12_path = _text(cfg.get("ca")), _text(cfg.get("p12"))
        if cert_type == "pfx" and p12_path:
            self.pfx = _read("p12", p12_path)
        elif cert_type == "env":
            self.cert = self._from_env("certEnv")
            self.key = self._from_env("keyEnv")
            self.ca = self._from_env("caEnv")
        elif cert_path or key_path or ca_path:
            if bool(cert_path) != bool(key_path):
                raise ConfigError(
                    "cert" if not cert_path else "key", "No certificate/key file provided"
                )
            self.cert = _read("cert", cert_path) if cert_path else None
            self.key = _read("key", key_path) if key_path else None
            self.ca = _read("ca", ca_path) if ca_path else None
        else:
            cert_data = js_string(creds.get("certdata") or "")
            key_data = js_string(creds.get("keydata") or "")
            ca_data = js_string(creds.get("cadata") or "")
            p12_data = js_string(creds.get("p12data") or "")
            if bool(cert_data) != bool(key_data) and not p12_data:
                raise ConfigError("credentials", "No certificate/key file provided")
            self.cert = cert_data.encode() if cert_data else None
            self.key = key_data.encode() if key_data else None
            self.ca = ca_data.encode() if ca_data else None
            if p12_data:
                try:
                    self.pfx = base64.b64decode(p12_data)
                except (binascii.Error, ValueError) as e:
                    raise ConfigError("credentials", f"p12data is not base64: {e}") from None
        # Fail at load, not at the first connection: build a context once.
        try:
            self.client_context(True)
        except ConfigError:
            raise
        except (ssl.SSLError, ValueError, OSError) as e:
            raise ConfigError(
                "cert" if cert_type != "pfx" else "p12", f"unusable TLS material: {e}"
            ) from None

    def _from_env(self, prop: str) -> bytes | None:
        name = self.config.get(prop)
        if not name:
            return None
        value = self.evaluate(name, "env")
        if value is UNDEFINED or value is None:
            value = ""
        return value if isinstance(value, bytes) else js_string(value).encode()

    # ---- for users ---------------------------------------------------------------
    def tls_options(self) -> dict[str, Any]:
        """What Node-RED's ``addTLSOptions`` puts into a client's options."""
        opts: dict[str, Any] = {}
        if self.cert_type in ("files", "env"):
            for name in ("key", "cert", "ca"):
                value = getattr(self, name)
                if value:
                    opts[name] = value
        elif self.pfx:
            opts["pfx"] = self.pfx
        if self.passphrase:
            opts["passphrase"] = self.passphrase
        if self.servername:
            opts["servername"] = self.servername
        if self.alpn_protocol:
            opts["ALPNProtocols"] = [self.alpn_protocol]
        if self.verify_server_cert is not None:
            opts["rejectUnauthorized"] = self.verify_server_cert
        return opts

    def client_context(self, reject_unauthorized: bool | None = None) -> ssl.SSLContext:
        """A client context with this node's material.

        ``reject_unauthorized`` is used when the node has no ``verifyservercert``
        (Node-RED then falls back to the user's setting); None means verify.
        """
        verify = self.verify_server_cert
        if verify is None:
            verify = reject_unauthorized is not False
        opts = self.tls_options()
        return make_client_context(
            ca=opts.get("ca"),
            cert=opts.get("cert"),
            key=opts.get("key"),
            pfx=opts.get("pfx"),
            passphrase=self.passphrase,
            verify=verify,
            servername=self.servername or None,
            alpn_protocol=self.alpn_protocol or None,
        )


class ServerNameContext(ssl.SSLContext):
    """An ``SSLContext`` that sends (and checks) a fixed server name instead of the host."""

    servername: str | None = None

    def wrap_socket(self, sock: Any, *args: Any, **kwargs: Any) -> Any:
        if self.servername:
            kwargs["server_hostname"] = self.servername
        return super().wrap_socket(sock, *args, **kwargs)


def make_client_context(
    *,
    ca: bytes | None = None,
    cert: bytes | None = None,
    key: bytes | None = None,
    pfx: bytes | None = None,
    passphrase: str | None = None,
    verify: bool = True,
    servername: str | None = None,
    alpn_protocol: str | None = None,
) -> ssl.SSLContext:
    """A TLS client context as Node's ``tls.connect`` would use these options.

    A ``ca`` replaces the default trust store (as in Node); without one the system
    store is used.
    """
    ctx = ServerNameContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.servername = servername
    if verify:
        ctx.check_hostname = True
        ctx.verify_mode = ssl.CERT_REQUIRED
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if ca:
        ctx.load_verify_locations(cadata=ca.decode("utf-8", "replace"))
    else:
        ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
    if pfx:
        cert, key = _pfx_to_pem(pfx, passphrase)
        passphrase = None
    if cert:
        _load_cert_chain(ctx, cert, key, passphrase)
    if alpn_protocol:
        ctx.set_alpn_protocols([alpn_protocol])
    return ctx


def _pfx_to_pem(pfx: bytes, passphrase: str | None) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, cert, extra = pkcs12.load_key_and_certificates(
        pfx, passphrase.encode() if passphrase else None
    )
    if key is None or cert is None:
        raise ValueError("the PKCS#12 bundle holds no key and certificate")
    pem_cert = cert.public_bytes(serialization.Encoding.PEM)
    for other in extra or []:
        pem_cert += other.public_bytes(serialization.Encoding.PEM)
    pem_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem_cert, pem_key


def _load_cert_chain(
    ctx: ssl.SSLContext, cert: bytes, key: bytes | None, password: str | None
) -> None:
    # The ssl module loads client certificates from files only: private temp files.
    with tempfile.TemporaryDirectory(prefix="flowengine-tls-") as tmp:
        cert_path = os.path.join(tmp, "cert.pem")
        _write_private(cert_path, cert)
        key_path = None
        if key:
            key_path = os.path.join(tmp, "key.pem")
            _write_private(key_path, key)
        ctx.load_cert_chain(cert_path, key_path, password=password or None)


def _write_private(path: str, data: bytes) -> None:
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
        f.write(data)


def _read(field: str, path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        code = {2: "ENOENT", 13: "EACCES", 21: "EISDIR"}.get(e.errno or 0, "EIO")
        raise ConfigError(
            field, f"Error: {code}: {e.strerror.lower() if e.strerror else e}, open '{path}'"
        ) from None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _str_or_none(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return js_string(value)
