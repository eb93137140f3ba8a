"""Load-time validation: every option is implemented or rejected with a clear message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from flowengine.registry import default_registry
from flowengine.testing import FlowTestHelper, load_error_lines

from .conftest import EXTRA_TYPES, NO_PROXY_ENV, request_flow
from .http_servers import RecordingServer


def _errors(props: dict[str, Any], extra: Sequence[dict[str, Any]] = ()) -> list[str]:
    registry = default_registry().copy()
    for cls in EXTRA_TYPES:
        registry.register(cls)
    return load_error_lines(request_flow(props, extra), registry)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"ret": "xml"}, 'ret: must be "txt", "bin" or "obj"'),
        ({"paytoqs": "form"}, 'paytoqs: must be "ignore", "query" or "body"'),
        ({"authType": "ntlm"}, 'authType: must be "basic", "digest" or "bearer"'),
        ({"insecureHTTPParser": True}, "insecureHTTPParser: lenient HTTP parsing is not supported"),
        ({"persist": "yes"}, "persist: must be true or false"),
        ({"senderr": 1}, "senderr: must be true or false"),
        ({"method": 5}, "method: must be a string"),
        ({"method": "GE T"}, 'method: "GE T" is not an HTTP method'),
        ({"url": 7}, "url: must be a string"),
        ({"url": "http://x/{{#a}}"}, 'url: invalid mustache template: Unclosed section "a"'),
        ({"headers": {}}, "headers: must be a list"),
        ({"headers": ["x"]}, "headers[0]: must be an object"),
        (
            {"headers": [{"keyType": "other", "keyValue": 5}]},
            "headers[0].keyValue: must be a string",
        ),
        (
            {"headers": [{"keyType": "msg", "keyValue": "a[", "valueType": "other"}]},
            "headers[0].keyValue:",
        ),
        ({"tls": "nope"}, 'tls: config node "nope" not found'),
        ({"proxy": "nope"}, 'proxy: config node "nope" not found'),
    ],
)
def test_bad_options_are_rejected(props: dict[str, Any], message: str) -> None:
    lines = _errors(props)
    assert len(lines) == 1, lines
    assert message in lines[0], lines[0]


def test_wrong_config_node_type_is_rejected() -> None:
    extra = [{"id": "px1", "type": "tls-config", "name": ""}]
    lines = _errors({"proxy": "px1"}, extra)
    assert lines and '"px1" is a tls-config node, expected http proxy' in lines[0]


def test_alpn_other_than_http1_is_rejected() -> None:
    extra = [{"id": "tls1", "type": "tls-config", "name": "", "alpnprotocol": "h2"}]
    lines = _errors({"tls": "tls1"}, extra)
    assert lines and 'ALPN protocol "h2" is not supported' in lines[0]


def test_unreadable_tls_file_is_rejected(tmp_path: Any) -> None:
    extra = [{"id": "tls1", "type": "tls-config", "name": "", "ca": str(tmp_path / "none.pem")}]
    lines = _errors({"tls": "tls1"}, extra)
    assert len(lines) == 1 and "ENOENT" in lines[0]


def test_defaults_load_cleanly() -> None:
    node = {"id": "r", "type": "http request", "z": "t1", "x": 1, "y": 1, "wires": []}
    registry = default_registry().copy()
    for cls in EXTRA_TYPES:
        registry.register(cls)
    assert load_error_lines([{"id": "t1", "type": "tab", "label": "t"}, node], registry) == []


def test_editor_defaults_load_cleanly() -> None:
    props = {
        "method": "GET",
        "ret": "txt",
        "paytoqs": "ignore",
        "url": "",
        "tls": "",
        "persist": False,
        "proxy": "",
        "insecureHTTPParser": False,
        "authType": "",
        "senderr": False,
        "headers": [],
    }
    assert _errors(props) == []


def test_close_releases_connection_pools(server: RecordingServer) -> None:
    helper = FlowTestHelper(
        request_flow({"url": server.url("/echo")}), extra_types=EXTRA_TYPES, env=NO_PROXY_ENV
    )
    with helper as h:
        h.inject("r", {})
        h.wait_for("out", 1)
        node: Any = h.node("r")
        clients = list(node._clients.values())
        assert len(clients) == 1
    assert node._clients == {}
    assert all(client.is_closed for client in clients)
