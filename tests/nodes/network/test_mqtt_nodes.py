"""``mqtt in`` / ``mqtt out`` / ``mqtt-broker`` against a real Mosquitto."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from flowengine.testing import FlowTestHelper
from tests.support.services import Endpoint

from .mqtt_helpers import (
    WAIT,
    broker,
    mqtt_in,
    mqtt_out,
    node,
    outside_client,
    run,
    wait_connected,
    wait_subscribed,
)

CONNECTING = {"fill": "yellow", "shape": "ring", "text": "node-red:common.status.connecting"}
CONNECTED = {"fill": "green", "shape": "dot", "text": "node-red:common.status.connected"}
DISCONNECTED = {"fill": "red", "shape": "ring", "text": "node-red:common.status.disconnected"}

IOTKIT = [
    ("iotkit/sensor", b"0xBC,22.90,36.9,low\x00"),
    ("iotkit/alert", b"alert: hall\x00"),
    ("iotkit/rfid", b"0x04A1B2C3\x00"),
    ("iotkit/encoder", b"42\x00"),
    ("iotkit/button", b"ON\x00"),
]


def test_iotkit_payloads_arrive_as_node_red_delivers_them(
    mosquitto: Endpoint, unique_topic: Callable[[str], str]
) -> None:
    base = unique_topic("iot")
    flow = [
        broker(mosquitto),
        mqtt_in("auto", f"{base}/#", [["h_auto"]], datatype="auto"),
        mqtt_in("detect", f"{base}/#", [["h_detect"]], datatype="auto-detect"),
        mqtt_in("utf8", f"{base}/#", [["h_utf8"]], datatype="utf8"),
        mqtt_in("buffer", f"{base}/#", [["h_buffer"]], datatype="buffer"),
        mqtt_in("base64", f"{base}/#", [["h_base64"]], datatype="base64"),
        node("h_auto", "helper"),
        node("h_detect", "helper"),
        node("h_utf8", "helper"),
        node("h_buffer", "helper"),
        node("h_base64", "helper"),
    ]
    messages = [*IOTKIT, ("iotkit/encoder", b"42"), ("iotkit/sensor", b"text")]
    with run(flow) as h, outside_client(mosquitto) as outside:
        wait_subscribed(h, f"{base}/#")
        for topic, payload in messages:
            outside.publish(f"{base}/{topic}", payload, qos=1)
        n = len(messages)
        auto = h.wait_for("h_auto", n, WAIT)
        detect = h.wait_for("h_detect", n, WAIT)
        utf8 = h.wait_for("h_utf8", n, WAIT)
        buffer = h.wait_for("h_buffer", n, WAIT)
        b64 = h.wait_for("h_base64", n, WAIT)
    for i, (topic, payload) in enumerate(messages):
        full = f"{base}/{topic}"
        nul = payload.endswith(b"\x00")
        assert auto[i]["payload"] == (payload if nul else payload.decode())
        assert list(auto[i]) == ["topic", "payload", "qos", "retain", "_topic", "_msgid"]
        assert auto[i]["topic"] == full and auto[i]["_topic"] == full
        assert auto[i]["qos"] == 1 and auto[i]["retain"] is False
        assert utf8[i]["payload"] == payload.decode()
        assert buffer[i]["payload"] == payload
        assert isinstance(b64[i]["payload"], str)
    assert detect[5]["payload"] == 42  # "42" parsed as JSON
    assert detect[6]["payload"] == "text"
    assert detect[0]["payload"] == IOTKIT[0][1]  # NUL-terminated: bytes


def test_topic_property_rule(mosquitto: Endpoint, unique_topic: Callable[[str], str]) -> None:
    topic = unique_topic("rule")
    url = f"mqtt://{mosquitto.host}:{mosquitto.port}"
    flow = [
        broker(mosquitto, id="b_local", host="localhost"),
        broker(mosquitto, id="b_url", host=url),
        mqtt_in("in_local", topic, [["h_local"]], broker="b_local"),
        mqtt_in("in_url", topic, [["h_url"]], broker="b_url"),
        node("h_local", "helper"),
        node("h_url", "helper"),
    ]
    with run(flow) as h, outside_client(mosquitto) as outside:
        wait_subscribed(h, topic, "b_local")
        wait_subscribed(h, topic, "b_url")
        outside.publish(topic, b"x")
        [local] = h.wait_for("h_local", 1, WAIT)
        [by_url] = h.wait_for("h_url", 1, WAIT)
    assert local["_topic"] == topic
    assert "_topic" not in by_url


def test_wildcards_and_shared_subscriptions(
    mosquitto: Endpoint, unique_topic: Callable[[str], str]
) -> None:
    base = unique_topic("wild")
    flow = [
        broker(mosquitto),
        mqtt_in("plus", f"{base}/+/c", [["h_plus"]]),
        mqtt_in("hash", f"{base}/a/#", [["h_hash"]]),
        mqtt_in("shared", f"$share/grp/{base}/s/#", [["h_shared"]]),
        node("h_plus", "helper"),
        node("h_hash", "helper"),
        node("h_shared", "helper"),
    ]
    with run(flow) as h, outside_client(mosquitto) as outside:
        for t in (f"{base}/+/c", f"{base}/a/#", f"$share/grp/{base}/s/#"):
            wait_subscribed(h, t)
        for t in ("x/c", "a", "a/b/c", "s/1"):
            outside.publish(f"{base}/{t}", t.encode())
        h.wait_for("h_shared", 1, WAIT)
        h.wait_for("h_hash", 2, WAIT)
        h.wait_idle()
        plus = [m["payload"] for m in h.received("h_plus")]
        hashes = [m["payload"] for m in h.received("h_hash")]
        shared = [m["payload"] for m in h.received("h_shared")]
    assert plus == ["x/c"]
    assert hashes == ["a", "a/b/c"]
    assert shared == ["s/1"]


def test_out_node_settings_override_the_message(
    mosquitto: Endpoint, unique_topic: Callable[[str], str]
) -> None:
    fixed = unique_topic("fixed")
    free = unique_topic("free")
    flow = [
        broker(mosquitto),
        mqtt_out("o_fixed", topic=fixed, qos="1", retain="false"),
        mqtt_out("o_free"),
    ]
    with run(flow) as h, outside_client(mosquitto) as outside:
        outside.subscribe(fixed)
        outside.subscribe(f"{free}/#")
        wait_connected(h)
        h.inject("o_fixed", {"topic": "ignored", "payload": "a", "qos": 0, "retain": True})
        [m] = outside.receive(1)
        assert (m.topic, m.payload, m.qos) == (fixed, b"a", 1)
        h.inject("o_free", {"topic": f"{free}/r", "payload": "b", "qos": "2", "retain": "true"})
        [m] = outside.receive(1)
        assert (m.topic, m.payload, m.qos) == (f"{free}/r", b"b", 2)
        # Retained (msg.retain "true"); node retain "false" kept the other one live only.
        with outside_client(mosquitto) as late:
            late.subscribe(f"{free}/r")
            [r] = late.receive(1)
            assert (r.payload, r.retain) == (b"b", True)
            late.subscribe(fixed)
            assert late.messages.empty()
        h.inject("o_free", {"topic": f"{free}/r", "payload": "", "retain": True, "qos": 1})
        [m] = outside.receive(1)
        assert m.payload == b""  # the retained message is cleared


def test_payload_serialisation(mosquitto: Endpoint, unique_topic: Callable[[str], str]) -> None:
    topic = unique_topic("ser")
    flow = [broker(mosquitto), mqtt_out("out", topic=topic)]
    cases: list[tuple[Any, bytes]] = [
        (b"\x00\x01raw", b"\x00\x01raw"),
        ("text é", "text é".encode()),
        ({"a": [1, 2.5, None], "b": "x"}, b'{"a":[1,2.5,null],"b":"x"}'),
        ([1, "two"], b'[1,"two"]'),
        (None, b""),
        (42, b"42"),
        (2.5, b"2.5"),
        (1e21, b"1e+21"),
        (True, b"true"),
        ({"buf": b"\x01"}, b'{"buf":{"type":"Buffer","data":[1]}}'),
    ]
    with run(flow) as h, outside_client(mosquitto) as outside:
        outside.subscribe(topic)
        wait_connected(h)
        for value, _ in cases:
            h.inject("out", {"payload": value, "qos": 1})
        h.inject("out", {"topic": topic})  # no payload: nothing published
        h.inject("out", {"payload": "last", "qos": 1})
        got = [m.payload for m in outside.receive(len(cases) + 1)]
    assert got == [expected for _, expected in cases] + [b"last"]


def test_invalid_publish_topics_warn(mosquitto: Endpoint) -> None:
    flow = [broker(mosquitto), mqtt_out("out")]
    with run(flow) as h:
        wait_connected(h)
        h.inject("out", {"topic": "a/+", "payload": 1})
        h.inject("out", {"payload": 1})
        h.inject("out", {"topic": "", "payload": 1})
        h.wait_until(lambda: len(h.warnings()) >= 3, WAIT)
    assert h.warnings() == ["Error: Invalid topic specified"] * 3


def test_statuses_and_done_after_ack(
    mosquitto: Endpoint, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("done")
    flow = [
        broker(mosquitto),
        mqtt_out("out", topic=topic, qos="2"),
        mqtt_in("in", topic, [["h"]]),
        node("h", "helper"),
        node("done", "complete", scope=["out"], uncaught=False, wires=[["h_done"]]),
        node("h_done", "helper"),
    ]
    with run(flow) as h:
        wait_subscribed(h, topic)
        h.inject("out", {"payload": "x"})
        [completed] = h.wait_for("h_done", 1, WAIT)
        [received] = h.wait_for("h", 1, WAIT)
        assert completed["payload"] == "x" and completed["qos"] == 2
        assert received["payload"] == "x"
        for node_id in ("in", "out"):
            assert h.statuses[node_id] == [DISCONNECTED, CONNECTING, CONNECTED]
    # Closing: users are told they are disconnected.
    assert h.statuses["in"][-1] == DISCONNECTED
    assert h.statuses["out"][-1] == DISCONNECTED
    assert not [t for t in threading.enumerate() if t.name.startswith("paho-mqtt-client-nodered")]
    assert any("Connected to broker: mqtt://" in text for _, _, text in h.logs)


def test_json_datatype_errors_go_to_catch(
    mosquitto: Endpoint, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("json")
    flow = [
        broker(mosquitto),
        mqtt_in("in", topic, [["h"]], datatype="json"),
        node("h", "helper"),
        node("c", "catch", scope=None, uncaught=False, wires=[["h_catch"]]),
        node("h_catch", "helper"),
    ]
    with run(flow) as h, outside_client(mosquitto) as outside:
        wait_subscribed(h, topic)
        outside.publish(topic, b"not json")
        outside.publish(topic, b"0xBC,1\x00")
        outside.publish(topic, b'{"ok":true}')
        [ok] = h.wait_for("h", 1, WAIT)
        caught = h.wait_for("h_catch", 2, WAIT)
    assert ok["payload"] == {"ok": True}
    assert [c["error"]["message"] for c in caught] == [
        "Failed to parse JSON string",
        "Invalid JSON string",
    ]
    assert list(caught[0]) == ["payload", "topic", "qos", "retain", "error", "_msgid"]
    assert caught[0]["payload"] == b"not json"


def test_mqtt_v5_properties_both_ways(
    mosquitto: Endpoint, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("v5")
    flow = [
        broker(mosquitto, protocolVersion="5", userProps='{"client":"flowengine"}'),
        mqtt_out(
            "out",
            topic=f"{topic}/out",
            qos="1",
            respTopic=f"{topic}/reply",
            contentType="application/json",
            userProps='{"k":"v","n":1}',
            correl="corr-1",
            expiry="60",
        ),
        mqtt_in("in", f"{topic}/in", [["h"]], datatype="auto-detect"),
        node("h", "helper"),
    ]
    with run(flow) as h, outside_client(mosquitto, v5=True) as outside:
        outside.subscribe(f"{topic}/out")
        wait_subscribed(h, f"{topic}/in")
        h.inject("out", {"payload": {"x": 1}})
        [m] = outside.receive(1)
        props: Any = m.properties
        assert m.payload == b'{"x":1}'
        assert props.ResponseTopic == f"{topic}/reply"
        assert props.ContentType == "application/json"
        assert props.CorrelationData == b"corr-1"
        assert 0 < props.MessageExpiryInterval <= 60
        assert sorted(props.UserProperty) == [("k", "v"), ("n", "1")]
        outside.publish(
            f"{topic}/in",
            b'{"y":2}',
            ContentType="application/json",
            ResponseTopic="r/t",
            CorrelationData=b"\x01\x02",
            UserProperty=[("a", "1"), ("a", "2"), ("b", "x")],
        )
        [got] = h.wait_for("h", 1, WAIT)
    assert got["payload"] == {"y": 2}
    assert got["contentType"] == "application/json"
    assert got["responseTopic"] == "r/t"
    assert got["correlationData"] == b"\x01\x02"
    assert got["userProperties"] == {"a": '["1","2"]', "b": "x"}
    assert list(got)[:4] == ["topic", "payload", "qos", "retain"]


def test_dynamic_subscriptions(mosquitto: Endpoint, unique_topic: Callable[[str], str]) -> None:
    base = unique_topic("dyn")
    flow = [
        broker(mosquitto),
        mqtt_in("dyn", "", [["h"]], inputs=1, datatype="utf8"),
        node("h", "helper"),
        node("c", "catch", scope=["dyn"], uncaught=False, wires=[["h_err"]]),
        node("h_err", "helper"),
        node("done", "complete", scope=["dyn"], uncaught=False, wires=[["h_done"]]),
        node("h_done", "helper"),
    ]
    with run(flow) as h, outside_client(mosquitto) as outside:
        wait_connected(h)
        assert h.statuses["dyn"][-1] == CONNECTED
        h.inject("dyn", {"action": "subscribe", "topic": f"{base}/a"})
        h.inject("dyn", {"action": "subscribe", "topic": [{"topic": f"{base}/b", "qos": 1}]})
        done = h.wait_for("h_done", 2, WAIT)
        assert [s["topic"] for s in done[1]["subscriptions"]] == [f"{base}/a", f"{base}/b"]
        assert done[1]["subscriptions"][1]["qos"] == 1
        assert done[0]["subscriptions"][0]["qos"] == 2
        wait_subscribed(h, f"{base}/a")
        wait_subscribed(h, f"{base}/b")
        outside.publish(f"{base}/a", b"1")
        outside.publish(f"{base}/b", b"2")
        got = h.wait_for("h", 2, WAIT)
        assert sorted(m["payload"] for m in got) == ["1", "2"]
        h.inject("dyn", {"action": "getSubscriptions"})
        listing = h.wait_for("h", 3, WAIT)[2]
        assert listing["topic"] == "subscriptions"
        assert [s["topic"] for s in listing["payload"]] == [f"{base}/a", f"{base}/b"]
        h.inject("dyn", {"action": "unsubscribe", "topic": f"{base}/a"})
        after = h.wait_for("h_done", 4, WAIT)[3]
        assert [s["topic"] for s in after["subscriptions"]] == [f"{base}/b"]
        h.inject("dyn", {"action": "unsubscribe", "topic": True})
        assert h.wait_for("h_done", 5, WAIT)[4]["subscriptions"] == []
        h.inject("dyn", {"action": "bogus"})
        h.inject("dyn", {"action": "subscribe", "topic": "a/#/b"})
        h.inject("dyn", {"action": "subscribe", "topic": 5})
        errors = h.wait_for("h_err", 3, WAIT)
    assert [e["error"]["message"] for e in errors] == [
        "Error: Invalid action specified",
        "Error: Invalid topic specified",
        "Error: msg.topic is missing or invalid",
    ]


def test_connect_and_disconnect_actions(
    mosquitto: Endpoint, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("act")
    flow = [
        broker(mosquitto, autoConnect=False),
        mqtt_out("out", topic=topic),
        node("c", "catch", scope=["out"], uncaught=False, wires=[["h_err"]]),
        node("h_err", "helper"),
        node("done", "complete", scope=["out"], uncaught=False, wires=[["h_done"]]),
        node("h_done", "helper"),
    ]
    with run(flow) as h:
        b: Any = h.node("b1")
        h.wait_idle()
        assert not b.connected and h.statuses["out"] == [DISCONNECTED]
        h.inject("out", {"action": "connect"})
        h.wait_for("h_done", 1, WAIT)
        assert b.connected
        h.inject("out", {"action": "connect", "broker": {"keepalive": 30}})
        [err] = h.wait_for("h_err", 1, WAIT)
        assert err["error"]["message"] == "Error: Disconnect from broker before connecting"
        h.inject("out", {"action": "connect", "broker": {"keepalive": 30, "force": True}})
        h.wait_for("h_done", 2, WAIT)
        assert b.connected and b.options.keepalive == 30
        h.inject("out", {"action": "disconnect"})
        h.wait_for("h_done", 3, WAIT)
        assert not b.connected
        assert h.statuses["out"][-1] == DISCONNECTED


def test_birth_and_close_messages(mosquitto: Endpoint, unique_topic: Callable[[str], str]) -> None:
    topic = unique_topic("life")
    flow = [
        broker(
            mosquitto,
            birthTopic=f"{topic}/birth",
            birthPayload="online",
            birthQos="1",
            closeTopic=f"{topic}/close",
            closePayload="offline",
            closeQos="1",
        ),
        mqtt_out("out", topic=f"{topic}/data"),
    ]
    with outside_client(mosquitto) as outside:
        outside.subscribe(f"{topic}/#")
        with run(flow):
            [birth] = outside.receive(1)
            assert (birth.topic, birth.payload) == (f"{topic}/birth", b"online")
        [close] = outside.receive(1)
        assert (close.topic, close.payload) == (f"{topic}/close", b"offline")


def test_will_message_on_unexpected_loss(
    mosquitto: Endpoint, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("will")
    client_id = f"will-{topic}"[:23]
    flow = [
        broker(
            mosquitto,
            clientid=client_id,
            willTopic=f"{topic}/will",
            willPayload="gone",
            willQos="1",
        ),
        mqtt_out("out", topic=f"{topic}/data"),
    ]
    with outside_client(mosquitto) as outside, run(flow) as h:
        outside.subscribe(f"{topic}/will")
        wait_connected(h)
        # Another connection with the same client id takes the session over: the broker
        # drops ours without a DISCONNECT, so it publishes the will.
        with outside_client(mosquitto, client_id=client_id):
            [will] = outside.receive(1)
        assert (will.topic, will.payload) == (f"{topic}/will", b"gone")


def test_complete_flow_json_roundtrip(
    mosquitto: Endpoint, unique_topic: Callable[[str], str]
) -> None:
    """mqtt out → broker → mqtt in (auto-detect) keeps a JSON document."""
    topic = unique_topic("rt")
    doc = {"temp": 22.9, "hum": 36.9, "tags": ["a", "b"], "ok": True}
    flow = [
        broker(mosquitto),
        mqtt_out("out", topic=topic, qos="1"),
        mqtt_in("in", topic, [["h"]]),
        node("h", "helper"),
    ]
    with run(flow) as h:
        wait_subscribed(h, topic)
        h.inject("out", {"payload": doc})
        [m] = h.wait_for("h", 1, WAIT)
    assert m["payload"] == json.loads(json.dumps(doc))


def _unused(h: FlowTestHelper) -> None:  # keeps the import used for type checkers
    del h


def test_qos1_burst_beyond_the_client_window_loses_nothing(
    mosquitto: Endpoint, unique_topic: Callable[[str], str], monkeypatch: Any
) -> None:
    # A burst larger than what is handed to the MQTT client at once waits in our backlog
    # and goes out as acknowledgements come back: every message arrives, in order.
    import flowengine.nodes.network.mqtt_broker as mqtt_broker

    monkeypatch.setattr(mqtt_broker, "MAX_IN_CLIENT", 20)
    topic = unique_topic("burst")
    flow = [broker(mosquitto), mqtt_out("o", topic=topic, qos="1")]
    with run(flow) as h, outside_client(mosquitto) as outside:
        outside.subscribe(topic)
        wait_connected(h)
        for i in range(300):
            h.inject("o", {"payload": str(i)})
        got = outside.receive(300)
        assert [m.payload for m in got] == [str(i).encode() for i in range(300)]
