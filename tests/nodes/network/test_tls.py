"""``tls-config`` and MQTT over TLS against a Mosquitto with TLS listeners of its own."""

from __future__ import annotations

import datetime
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from flowengine.testing import load_error_lines
from tests.support.services import Endpoint

from .mqtt_helpers import TAB, WAIT, broker, mqtt_out, node, run, wait_connected

pytestmark = pytest.mark.timeout(900)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    names: list[x509.GeneralName] | None = None,
    ca: bool = False,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class Pki:
    dir: Path
    ca: Path
    client_cert: bytes
    client_key: bytes
    client_p12: bytes


@dataclass
class TlsBroker:
    pki: Pki
    plain_tls: Endpoint  # server certificate only
    mutual_tls: Endpoint  # client certificate required


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    ca_key = _key()
    ca = _cert("flowengine test CA", ca_key, None, ca_key, ca=True)
    server_key = _key()
    server = _cert("mqtt.test", server_key, ca, ca_key, [x509.DNSName("mqtt.test")])
    client_key = _key()
    client = _cert("flowengine-client", client_key, ca, ca_key)
    (d / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (d / "server.pem").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (d / "server.key").write_bytes(_pem_key(server_key))
    p12 = pkcs12.serialize_key_and_certificates(
        b"client", client_key, client, None, serialization.BestAvailableEncryption(b"pw")
    )
    return Pki(
        dir=d,
        ca=d / "ca.pem",
        client_cert=client.public_bytes(serialization.Encoding.PEM),
        client_key=_pem_key(client_key),
        client_p12=p12,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def tls_broker(mosquitto: Endpoint, pki: Pki) -> Iterator[TlsBroker]:
    """A Mosquitto with two TLS listeners (the ``mosquitto`` fixture installs the binary)."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    plain, mutual = _free_port(), _free_port()
    conf = pki.dir / "mosquitto.conf"
    tls = f"cafile {pki.ca}\ncertfile {pki.dir / 'server.pem'}\nkeyfile {pki.dir / 'server.key'}\n"
    conf.write_text(
        "per_listener_settings false\nallow_anonymous true\n"
        f"user {_whoami()}\n"
        f"listener {plain} 127.0.0.1\n{tls}require_certificate false\n"
        f"listener {mutual} 127.0.0.1\n{tls}require_certificate true\n"
        "log_dest stderr\n"
    )
    proc = subprocess.Popen(
        [binary, "-c", str(conf)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for port in (plain, mutual):
            _wait_listening(port, proc)
        yield TlsBroker(pki, Endpoint("127.0.0.1", plain), Endpoint("127.0.0.1", mutual))
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _whoami() -> str:
    import getpass

    return getpass.getuser()


def _wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "mosquitto with TLS listeners exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


def _tls_flow(endpoint: Endpoint, tls: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        broker(endpoint, usetls=True, tls="tls1"),
        {"id": "tls1", "type": "tls-config", "name": "", "certType": "files", **tls},
        mqtt_out("out", topic="tls/test"),
    ]


def _tls(**props: Any) -> dict[str, Any]:
    base = {
        "cert": "",
        "key": "",
        "ca": "",
        "certname": "",
        "keyname": "",
        "caname": "",
        "servername": "",
        "verifyservercert": True,
        "alpnprotocol": "",
    }
    return {**base, **props}


def test_tls_with_ca_file_and_servername(tls_broker: TlsBroker) -> None:
    flow = _tls_flow(tls_broker.plain_tls, _tls(ca=str(tls_broker.pki.ca), servername="mqtt.test"))
    with run(flow) as h:
        wait_connected(h)
    assert any(t.startswith("Connected to broker: mqtts://") for _, _, t in h.logs)


def test_tls_verification_fails_for_the_wrong_name(tls_broker: TlsBroker) -> None:
    flow = _tls_flow(tls_broker.plain_tls, _tls(ca=str(tls_broker.pki.ca)))
    with run(flow) as h:
        h.wait_until(
            lambda: any("Connection failed to broker: mqtts://" in t for _, _, t in h.logs),
            WAIT,
            "connection failure",
        )
        assert not h.node("b1").connected  # type: ignore[attr-defined]


def test_tls_without_verification(tls_broker: TlsBroker) -> None:
    flow = _tls_flow(tls_broker.plain_tls, _tls(verifyservercert=False))
    with run(flow) as h:
        wait_connected(h)


def test_client_certificate_from_credentials(tls_broker: TlsBroker) -> None:
    pki = tls_broker.pki
    flow = _tls_flow(tls_broker.mutual_tls, _tls(servername="mqtt.test"))
    creds = {
        "tls1": {
            "certdata": pki.client_cert.decode(),
            "keydata": pki.client_key.decode(),
            "cadata": pki.ca.read_text(),
        }
    }
    with run(flow, credentials=creds) as h:
        wait_connected(h)


def test_client_certificate_from_pkcs12(tls_broker: TlsBroker) -> None:
    pki = tls_broker.pki
    p12 = pki.dir / "client.p12"
    p12.write_bytes(pki.client_p12)
    flow = _tls_flow(
        tls_broker.mutual_tls,
        _tls(certType="pfx", p12=str(p12), servername="mqtt.test", verifyservercert=False),
    )
    with run(flow, credentials={"tls1": {"passphrase": "pw"}}) as h:
        wait_connected(h)


def test_tls_options_as_node_red_hands_them_over(pki: Pki) -> None:
    flow = [
        {
            "id": "tls1",
            "type": "tls-config",
            **_tls(ca=str(pki.ca), servername="s", alpnprotocol="mqtt", verifyservercert=False),
        },
        node("h", "helper"),
    ]
    with run(flow) as h:
        opts = h.node("tls1").tls_options()  # type: ignore[attr-defined]
    assert opts == {
        "ca": pki.ca.read_bytes(),
        "servername": "s",
        "ALPNProtocols": ["mqtt"],
        "rejectUnauthorized": False,
    }


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"cert": "/nonexistent/c.pem", "key": "/nonexistent/k.pem"}, "ENOENT"),
        ({"cert": "/etc/hostname"}, "No certificate/key file provided"),
        ({"certType": "p11"}, 'unknown certificate type "p11"'),
    ],
)
def test_tls_config_load_errors(props: dict[str, Any], expected: str) -> None:
    problems = load_error_lines([TAB, {"id": "tls1", "type": "tls-config", **_tls(**props)}])
    assert any(expected in p for p in problems), problems
