"""HTTPS (default trust, msg.rejectUnauthorized, tls-config) and proxies."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from .conftest import run_request
from .http_servers import ForwardProxy, RecordingServer, closed_port


def _tls_node(node_id: str = "tls1", **props: Any) -> dict[str, Any]:
    return {"id": node_id, "type": "tls-config", "name": "", **props}


def _proxy_node(url: str, noproxy: list[str] | None = None) -> dict[str, Any]:
    return {"id": "px1", "type": "http proxy", "name": "", "url": url, "noproxy": noproxy or []}


# ---- TLS without a tls-config node ----------------------------------------------------------
def test_self_signed_certificate_is_rejected(tls_server: RecordingServer) -> None:
    url = tls_server.url("/text")
    result = run_request({"url": url})
    assert result.msg["payload"] == f"RequestError: self-signed certificate : {url}"
    assert result.msg["statusCode"] == "DEPTH_ZERO_SELF_SIGNED_CERT"
    assert result.errors == ["RequestError: self-signed certificate"]


def test_msg_reject_unauthorized(tls_server: RecordingServer) -> None:
    url = tls_server.url("/text")
    msgs: list[dict[str, Any]] = [{"rejectUnauthorized": False}, {"rejectUnauthorized": "FALSE"}]
    result = run_request({"url": url}, msgs)
    assert [m["statusCode"] for m in result.outputs] == [200, 200]
    assert result.outputs[0]["payload"] == "héllo wörld"


def test_msg_reject_unauthorized_must_be_boolean(tls_server: RecordingServer) -> None:
    result = run_request({"url": tls_server.url("/text")}, {"rejectUnauthorized": 0})
    assert result.warnings == ["msg.rejectUnauthorized should be a boolean"]
    assert result.msg["statusCode"] == "DEPTH_ZERO_SELF_SIGNED_CERT"


# ---- tls-config -------------------------------------------------------------------------------
def test_tls_config_ca_file(tls_server: RecordingServer, cert_files: tuple[Path, Path]) -> None:
    extra = [_tls_node(ca=str(cert_files[0]), verifyservercert=True)]
    result = run_request({"url": tls_server.url("/text"), "tls": "tls1"}, extra=extra)
    assert result.msg["statusCode"] == 200
    assert result.msg["responseUrl"] == tls_server.url("/text")


def test_tls_config_makes_the_default_scheme_https(
    tls_server: RecordingServer, cert_files: tuple[Path, Path]
) -> None:
    extra = [_tls_node(ca=str(cert_files[0]), verifyservercert=True)]
    url = f"localhost:{tls_server.port}/text"
    msg = run_request({"url": url, "tls": "tls1"}, extra=extra).msg
    assert msg["responseUrl"] == f"https://localhost:{tls_server.port}/text"
    assert msg["statusCode"] == 200


def test_tls_config_ca_from_credentials(
    tls_server: RecordingServer, cert_files: tuple[Path, Path]
) -> None:
    creds = {"tls1": {"cadata": cert_files[0].read_text()}}
    result = run_request(
        {"url": tls_server.url("/text"), "tls": "tls1"},
        extra=[_tls_node(verifyservercert=True)],
        credentials=creds,
    )
    assert result.msg["statusCode"] == 200


def test_tls_config_without_verification(tls_server: RecordingServer) -> None:
    extra = [_tls_node(verifyservercert=False)]
    msg = run_request({"url": tls_server.url("/text"), "tls": "tls1"}, extra=extra).msg
    assert msg["statusCode"] == 200


def test_tls_config_ignores_msg_reject_unauthorized(
    tls_server: RecordingServer, cert_files: tuple[Path, Path]
) -> None:
    extra = [_tls_node(ca=str(cert_files[0]), verifyservercert=True)]
    result = run_request(
        {"url": tls_server.url("/text"), "tls": "tls1"}, {"rejectUnauthorized": 0}, extra=extra
    )
    assert result.warnings == []
    assert result.msg["statusCode"] == 200


def test_tls_config_servername_is_verified(
    tls_server: RecordingServer, cert_files: tuple[Path, Path]
) -> None:
    extra = [_tls_node(ca=str(cert_files[0]), verifyservercert=True, servername="wrong.example")]
    msg = run_request({"url": tls_server.url("/text"), "tls": "tls1"}, extra=extra).msg
    assert msg["statusCode"] == "ERR_TLS_CERT_ALTNAME_INVALID"
    assert msg["payload"].startswith(
        "RequestError: Hostname/IP does not match certificate's altnames: "
        "Host: wrong.example. is not in the cert's altnames"
    )


def test_client_certificate(
    mutual_tls_server: RecordingServer,
    cert_files: tuple[Path, Path],
    client_cert_files: tuple[Path, Path],
) -> None:
    cert, key = client_cert_files
    extra = [_tls_node(ca=str(cert_files[0]), cert=str(cert), key=str(key), verifyservercert=True)]
    msg = run_request({"url": mutual_tls_server.url("/text"), "tls": "tls1"}, extra=extra).msg
    assert msg["statusCode"] == 200


def test_client_certificate_from_pkcs12(
    mutual_tls_server: RecordingServer,
    cert_files: tuple[Path, Path],
    client_cert_files: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    cert = x509.load_pem_x509_certificate(client_cert_files[0].read_bytes())
    key = serialization.load_pem_private_key(client_cert_files[1].read_bytes(), None)
    p12 = pkcs12.serialize_key_and_certificates(
        b"client",
        key,  # type: ignore[arg-type]
        cert,
        None,
        serialization.BestAvailableEncryption(b"secret"),
    )
    creds = {"tls1": {"p12data": base64.b64encode(p12).decode(), "passphrase": "secret"}}
    # certType "pfx" without a p12 path: the credentials' p12data is used, and (as in
    # Node-RED's addTLSOptions) no CA, so the server is not verified here.
    extra = [_tls_node(verifyservercert=False, certType="pfx")]
    msg = run_request(
        {"url": mutual_tls_server.url("/text"), "tls": "tls1"}, extra=extra, credentials=creds
    ).msg
    assert msg["statusCode"] == 200


def test_missing_client_certificate_fails(
    mutual_tls_server: RecordingServer, cert_files: tuple[Path, Path]
) -> None:
    extra = [_tls_node(ca=str(cert_files[0]), verifyservercert=True)]
    result = run_request({"url": mutual_tls_server.url("/text"), "tls": "tls1"}, extra=extra)
    assert isinstance(result.msg["statusCode"], str)
    assert result.msg["payload"].startswith("RequestError: ")
    assert len(result.errors) == 1


# ---- proxies ------------------------------------------------------------------------------------
def test_proxy_from_environment(server: RecordingServer, proxy: ForwardProxy) -> None:
    url = server.url("/echo")
    msg = run_request({"url": url}, env={"http_proxy": proxy.url}).msg
    assert msg["statusCode"] == 200
    assert msg["headers"]["x-proxied"] == "yes"
    assert [(r.method, r.target, r.proxy_authorization) for r in proxy.requests] == [
        ("GET", url, None)
    ]
    assert server.last().header("X-Via-Test-Proxy") == "yes"


def test_no_proxy_from_environment(server: RecordingServer, proxy: ForwardProxy) -> None:
    env = {"HTTP_PROXY": proxy.url, "NO_PROXY": "127.0.0.1"}
    msg = run_request({"url": server.url("/echo")}, env=env).msg
    assert msg["statusCode"] == 200
    assert proxy.requests == []


def test_proxy_config_node_with_credentials(server: RecordingServer, proxy: ForwardProxy) -> None:
    extra = [_proxy_node(proxy.url, ["localhost"])]
    creds = {"px1": {"username": "pu", "password": "pp"}}
    props = {"url": server.url("/echo"), "proxy": "px1"}
    msg = run_request(props, extra=extra, credentials=creds).msg
    assert msg["statusCode"] == 200
    assert proxy.requests[0].proxy_authorization == "Basic cHU6cHA="


def test_proxy_config_node_replaces_the_environment(
    server: RecordingServer, proxy: ForwardProxy
) -> None:
    extra = [_proxy_node(proxy.url, ["localhost"])]
    url = f"http://localhost:{server.port}/echo"
    env = {"http_proxy": f"http://127.0.0.1:{closed_port()}"}
    msg = run_request({"url": url, "proxy": "px1"}, extra=extra, env=env).msg
    assert msg["statusCode"] == 200
    assert proxy.requests == []  # localhost is on the node's ignore list


def test_https_through_proxy_tunnels(
    tls_server: RecordingServer, proxy: ForwardProxy, cert_files: tuple[Path, Path]
) -> None:
    extra = [_proxy_node(proxy.url), _tls_node(ca=str(cert_files[0]), verifyservercert=True)]
    props = {"url": tls_server.url("/text"), "proxy": "px1", "tls": "tls1"}
    msg = run_request(props, extra=extra).msg
    assert msg["statusCode"] == 200
    assert [(r.method, r.target) for r in proxy.requests] == [
        ("CONNECT", f"127.0.0.1:{tls_server.port}")
    ]


def test_legacy_proxy_mode_uses_http_proxy_for_https(
    tls_server: RecordingServer, proxy: ForwardProxy
) -> None:
    env = {"http_proxy": proxy.url, "NR_PROXY_MODE": "legacy"}
    msg = run_request({"url": tls_server.url("/text")}, {"rejectUnauthorized": False}, env=env).msg
    assert msg["statusCode"] == 200
    assert proxy.requests[0].method == "CONNECT"


def test_proxy_refusing_connections(server: RecordingServer) -> None:
    port = closed_port()
    url = server.url("/echo")
    msg = run_request({"url": url}, env={"http_proxy": f"http://127.0.0.1:{port}"}).msg
    assert msg["payload"] == f"RequestError: connect ECONNREFUSED 127.0.0.1:{port} : {url}"
    assert msg["statusCode"] == "ECONNREFUSED"
