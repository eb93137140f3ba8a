"""Broker options as Node-RED builds them, and options rejected when the flow loads."""

from __future__ import annotations

import re
from typing import Any

import pytest

from flowengine.testing import load_error_lines
from tests.support.services import Endpoint

from .mqtt_helpers import TAB, broker, mqtt_in, mqtt_out, node, run

NOWHERE = Endpoint("127.0.0.1", 1)


def _options(**props: Any) -> Any:
    """The connection options of a broker node that never connects (no users)."""
    flow = [broker(NOWHERE, **props)]
    with run(flow) as h:
        b = h.node("b1")
        return b.options, b  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("props", "url", "host", "port", "scheme"),
    [
        (
            {"broker": "iotkit.mc-b.ch", "port": "1883"},
            "mqtt://iotkit.mc-b.ch:1883",
            "iotkit.mc-b.ch",
            1883,
            "mqtt",
        ),
        ({"broker": "h", "port": ""}, "mqtt://h:1883", "h", 1883, "mqtt"),
        ({"broker": "", "port": "1234"}, "mqtt://localhost:1883", "localhost", 1883, "mqtt"),
        ({"broker": "h", "port": 8883, "usetls": True}, "mqtts://h:8883", "h", 8883, "mqtts"),
        ({"broker": "::1", "port": "1884"}, "mqtt://[::1]:1884", "::1", 1884, "mqtt"),
        ({"broker": "ws://h:9001/mqtt"}, "ws://h:9001/mqtt", "h", 9001, "ws"),
        ({"broker": "wss://h/mqtt"}, "wss://h/mqtt", "h", 443, "wss"),
        ({"broker": "mqtt://h"}, "mqtt://h", "h", 1883, "mqtt"),
        ({"broker": "h", "url": "mqtts://other:1"}, "mqtts://other:1", "other", 1, "mqtts"),
    ],
)
def test_broker_url_forms(
    props: dict[str, Any], url: str, host: str, port: int, scheme: str
) -> None:
    opts, _ = _options(**props)
    assert (opts.url, opts.host, opts.port, opts.scheme) == (url, host, port, scheme)


def test_generated_client_id_and_defaults() -> None:
    opts, b = _options(keepalive="15")
    assert re.fullmatch(r"nodered[0-9a-f]{16}", opts.client_id)
    assert opts.keepalive == 15 and opts.clean is True and opts.protocol == 4
    assert opts.username is None and opts.will is None
    assert b.label == f"mqtt://127.0.0.1:{NOWHERE.port}"
    opts, b = _options(clientid="me")
    assert opts.client_id == "me" and b.label.startswith("me@mqtt://")


def test_protocol_versions_and_v5_connect_properties() -> None:
    assert _options(protocolVersion="3")[0].protocol == 3
    assert _options(compatmode=True, protocolVersion="4")[0].protocol == 3
    opts, _ = _options(protocolVersion="5", sessionExpiry="120", userProps='{"a":1}')
    assert opts.protocol == 5
    assert opts.connect_properties == {
        "requestResponseInformation": 1,
        "requestProblemInformation": 1,
        "userProperties": {"a": "1"},
        "sessionExpiryInterval": 120,
    }


def test_non_clean_session_without_client_id_warns_and_uses_clean() -> None:
    flow = [broker(NOWHERE, cleansession=False)]
    with run(flow) as h:
        assert h.node("b1").options.clean is True  # type: ignore[attr-defined]
    assert h.warnings() == ["No client ID set, using clean session"]


def test_credentials_and_will() -> None:
    flow = [
        broker(
            NOWHERE,
            protocolVersion="5",
            willTopic="w/t",
            willPayload="bye",
            willQos="2",
            willRetain="true",
            willMsg={"contentType": "text/plain", "delay": "5", "userProps": '{"x":"y"}'},
        )
    ]
    with run(flow, credentials={"b1": {"user": "alice", "password": "secret"}}) as h:
        opts = h.node("b1").options  # type: ignore[attr-defined]
    assert (opts.username, opts.password) == ("alice", "secret")
    will = opts.will
    assert (will.topic, will.payload, will.qos, will.retain) == ("w/t", "bye", 2, True)
    assert will.properties == {
        "userProperties": {"x": "y"},
        "contentType": "text/plain",
        "willDelayInterval": 5,
    }


def _problems(*nodes: dict[str, Any]) -> list[str]:
    return load_error_lines([TAB, *nodes])


@pytest.mark.parametrize(
    ("nodes", "expected"),
    [
        ([broker(NOWHERE, broker="ftp://h")], 'broker: unsupported protocol "ftp"'),
        ([broker(NOWHERE, keepalive="soon")], "keepalive: expected seconds"),
        ([broker(NOWHERE, birthTopic="a/#")], "birthTopic: Invalid topic specified"),
        ([broker(NOWHERE, willTopic="w", willQos="3")], "willTopic: QoS must be 0, 1 or 2"),
        ([broker(NOWHERE, queueSize=-1)], "queueSize: expected a whole number"),
        (
            [broker(NOWHERE, protocolVersion="5", userProps="{bad")],
            "userProps: user properties are not JSON",
        ),
        ([broker(NOWHERE), mqtt_in("i", "a/#/b", [])], "topic: Invalid topic specified"),
        ([broker(NOWHERE), mqtt_in("i", "", [])], "topic: topic not defined"),
        (
            [broker(NOWHERE), mqtt_in("i", "a", [], datatype="xml")],
            'datatype: unknown output type "xml"',
        ),
        ([mqtt_in("i", "a", [], broker="")], "broker: missing broker configuration"),
        ([broker(NOWHERE), mqtt_out("o", topic="a/+")], "topic: Invalid topic specified"),
        ([broker(NOWHERE), mqtt_out("o", qos="5")], "qos: QoS must be 0, 1 or 2"),
        ([broker(NOWHERE), mqtt_out("o", userProps="{x")], "userProps: not JSON"),
        ([mqtt_out("o", broker="nope")], 'broker: config node "nope" not found'),
    ],
)
def test_bad_options_are_load_errors(nodes: list[dict[str, Any]], expected: str) -> None:
    problems = _problems(*nodes)
    assert any(expected in p for p in problems), problems


def test_dynamic_mqtt_in_needs_no_topic_and_invalid_qos_is_2() -> None:
    flow = [broker(NOWHERE, autoConnect=False), mqtt_in("i", "", [], inputs=1, qos="7")]
    assert _problems(*flow) == []
    with run(flow) as h:
        assert h.node("i").qos == 2  # type: ignore[attr-defined]
        assert h.node("i").datatype == "auto-detect"  # type: ignore[attr-defined]
    flow[1].pop("datatype")
    with run(flow) as h:
        assert h.node("i").datatype == "utf8"  # type: ignore[attr-defined]


def test_unused_broker_never_connects() -> None:
    flow = [broker(NOWHERE), node("n", "helper")]
    with run(flow) as h:
        h.wait_idle()
        assert not h.logs
