"""Fixtures for the http request tests: servers on 127.0.0.1 and a flow runner."""

from __future__ import annotations

import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flowengine.nodes.network.http_proxy import HTTPProxyNode

from flowengine.testing import FlowTestHelper

from .http_servers import (
    ForwardProxy,
    RecordingServer,
    make_self_signed_cert,
    server_tls_context,
)

# "http proxy" has no entry point yet (see the report); tls-config is registered.
EXTRA_TYPES = [HTTPProxyNode]
TAB = {"id": "t1", "type": "tab", "label": "http request tests"}
# Proxy settings of the machine running the tests must not leak into them.
NO_PROXY_ENV = {
    name: ""
    for base in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "npm_config_proxy")
    for name in (base, base.upper())
} | {
    "npm_config_http_proxy": "",
    "npm_config_https_proxy": "",
    "npm_config_no_proxy": "",
    "NR_PROXY_MODE": "",
}


@dataclass
class Result:
    """What one run of a flow produced."""

    outputs: list[dict[str, Any]]
    statuses: list[dict[str, Any]]
    errors: list[str]
    warnings: list[str]
    node: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def msg(self) -> dict[str, Any]:
        assert len(self.outputs) == 1, self.outputs
        return self.outputs[0]


def request_flow(
    props: dict[str, Any], extra: Sequence[dict[str, Any]] = ()
) -> list[dict[str, Any]]:
    node = {
        "id": "r",
        "type": "http request",
        "z": "t1",
        "name": "",
        "method": "GET",
        "ret": "txt",
        "paytoqs": "ignore",
        "url": "",
        "x": 1,
        "y": 1,
        "wires": [["out"]],
    }
    node.update(props)
    out = {"id": "out", "type": "helper", "z": "t1", "x": 1, "y": 1, "wires": []}
    return [TAB, node, out, *extra]


def run_request(
    props: dict[str, Any],
    msgs: Sequence[dict[str, Any]] | dict[str, Any] | None = None,
    *,
    outputs: int | None = None,
    credentials: dict[str, dict[str, Any]] | None = None,
    env: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
    extra: Sequence[dict[str, Any]] = (),
    wait_log: bool = False,
) -> Result:
    """Run the node on ``msgs``; wait for ``outputs`` messages (default: one per input).

    With ``wait_log`` the run waits for an error or warning instead (no output expected).
    """
    if msgs is None:
        msgs = [{}]
    if isinstance(msgs, dict):
        msgs = [msgs]
    expected = len(msgs) if outputs is None else outputs
    helper = FlowTestHelper(
        request_flow(props, extra),
        credentials=credentials,
        env={**NO_PROXY_ENV, **(env or {})},
        settings=settings,
        extra_types=EXTRA_TYPES,
    )
    with helper as h:
        for msg in msgs:
            h.inject("r", msg)
        if expected:
            h.wait_for("out", expected, timeout=30)
        if wait_log:
            h.wait_until(lambda: bool(h.errors() or h.warnings()), timeout=30, what="a log")
        h.wait_idle(30)
        node = h.node("r")
        got = h.received("out")
        statuses = list(h.statuses.get("r", []))  # before the {} that closing adds
    return Result(
        outputs=got,
        statuses=statuses,
        errors=helper.errors(),
        warnings=helper.warnings(),
        node=node,
    )


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as srv:
        yield srv


@pytest.fixture(scope="session")
def cert_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_self_signed_cert(tmp_path_factory.mktemp("server-cert"))


@pytest.fixture(scope="session")
def client_cert_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_self_signed_cert(tmp_path_factory.mktemp("client-cert"))


@pytest.fixture
def tls_server(cert_files: tuple[Path, Path]) -> Iterator[RecordingServer]:
    with RecordingServer(tls=server_tls_context(*cert_files)) as srv:
        yield srv


@pytest.fixture
def mutual_tls_server(
    cert_files: tuple[Path, Path], client_cert_files: tuple[Path, Path]
) -> Iterator[RecordingServer]:
    ctx = server_tls_context(*cert_files)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(str(client_cert_files[0]))
    with RecordingServer(tls=ctx) as srv:
        yield srv


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy() as p:
        yield p
