"""The loop MQTT client (``mqtt_client``/``mqtt_packets``): parsing, windows, resends,
keepalive, against a fake transport; then MQTT 3.1 / 3.1.1 / 5 against Mosquitto."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable, Coroutine
from typing import Any

import paho.mqtt.client as paho
import pytest
from flowengine.nodes.network.mqtt_client import LoopMQTTClient, ReceivedMessage
from flowengine.nodes.network.mqtt_packets import (
    decode_properties,
    encode_length,
    utf8_field,
)
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from tests.support.services import Endpoint

from .mqtt_helpers import WAIT, broker, mqtt_out, outside_client, run

# ---- packets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "encoded"),
    [
        (0, b"\x00"),
        (127, b"\x7f"),
        (128, b"\x80\x01"),
        (16_383, b"\xff\x7f"),
        (16_384, b"\x80\x80\x01"),
        (268_435_455, b"\xff\xff\xff\x7f"),
    ],
)
def test_remaining_length_encoding(n: int, encoded: bytes) -> None:
    assert encode_length(n) == encoded


def test_properties_decode_what_paho_encodes() -> None:
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = "reply/here"
    props.CorrelationData = b"\x00\x01"
    props.ContentType = "application/json"
    props.MessageExpiryInterval = 70_000
    props.PayloadFormatIndicator = 1
    props.TopicAlias = 3
    props.UserProperty = [("a", "1"), ("a", "2"), ("ü", "ß")]
    props.SubscriptionIdentifier = 300
    packed = b"xx" + props.pack() + b"rest"
    decoded, end = decode_properties(packed, 2, len(packed))
    assert packed[end:] == b"rest"
    assert decoded is not None
    assert decoded.__dict__ == {
        "ResponseTopic": "reply/here",
        "CorrelationData": b"\x00\x01",
        "ContentType": "application/json",
        "MessageExpiryInterval": 70_000,
        "PayloadFormatIndicator": 1,
        "TopicAlias": 3,
        "UserProperty": [("a", "1"), ("a", "2"), ("ü", "ß")],
        "SubscriptionIdentifier": [300],
    }
    assert decode_properties(b"\x00", 0, 1) == (None, 1)


# ---- a fake connection -----------------------------------------------------------------


class FakeTransport(asyncio.Transport):
    """Records writes; ``abort``/``close`` end the connection as asyncio would."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False
        self.conn: Any = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def take(self) -> bytes:
        data = bytes(self.written)
        self.written.clear()
        return data

    def close(self) -> None:
        self.abort()

    def abort(self) -> None:
        if not self.closed:
            self.closed = True
            asyncio.get_running_loop().call_soon(self.conn.connection_lost, None)

    def is_closing(self) -> bool:
        return self.closed


def _publish(topic: str, payload: bytes, qos: int = 0, mid: int = 0, dup: bool = False) -> bytes:
    body = utf8_field(topic) + (struct.pack("!H", mid) if qos else b"") + payload
    first = 0x30 | (qos << 1) | (0x08 if dup else 0)
    return bytes((first,)) + encode_length(len(body)) + body


def _ack(kind: int, mid: int) -> bytes:
    return bytes((kind, 2, mid >> 8, mid & 0xFF))


CONNACK_OK = b"\x20\x02\x00\x00"


class Harness:
    """A client on a fake connection; ``events`` records every callback."""

    def __init__(self, protocol: int = 4, inflight: int = 20, keepalive: int = 60) -> None:
        self.client = LoopMQTTClient(
            asyncio.get_running_loop(), client_id="c1", protocol=protocol, clean=True
        )
        self.client.max_inflight_messages_set(inflight)
        self.client.connect_async("localhost", 1883, keepalive=keepalive)
        self.events: list[tuple[Any, ...]] = []
        self.messages: list[ReceivedMessage] = []
        self.client.on_message = lambda _c, _u, m: self.messages.append(m)
        self.client.on_publish = lambda _c, _u, mid, rc, p: self.events.append(("pub", mid))
        self.client.on_connect = lambda _c, _u, f, rc, p: self.events.append(("conn", rc.value))
        self.client.on_disconnect = lambda _c, _u, f, rc, p: self.events.append(("disc",))
        self.client.on_subscribe = lambda _c, _u, mid, codes, p: self.events.append(
            ("sub", mid, [c.value for c in codes])
        )
        self.transport = FakeTransport()

    def connect(self, connack: bytes = CONNACK_OK) -> bytes:
        """A new connection: returns the CONNECT written, then feeds ``connack``."""
        from flowengine.nodes.network.mqtt_client import _Connection

        conn = _Connection(self.client)
        self.transport = FakeTransport()
        self.transport.conn = conn
        conn.connection_made(self.transport)
        connect = self.transport.take()
        conn.data_received(connack)
        return connect

    def feed(self, data: bytes) -> None:
        self.transport.conn.data_received(data)


def run_async(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), WAIT))


async def _settle() -> None:
    """Let the loop run the flushes the client scheduled."""
    for _ in range(3):
        await asyncio.sleep(0)


def test_connect_packet_and_split_reads_parse_like_whole_ones() -> None:
    async def scenario() -> None:
        h = Harness()
        h.client.username_pw_set("user", "pw")
        h.client.will_set("will/t", b"gone", 1, True)
        connect = h.connect()
        assert connect.startswith(b"\x10")
        assert b"\x00\x04MQTT\x04" in connect
        flags = connect[connect.index(b"MQTT") + 5]
        assert flags == 0x02 | 0x04 | 0x08 | 0x20 | 0x80 | 0x40
        assert h.events == [("conn", 0)]
        stream = (
            _publish("a/b", b"zero")
            + _publish("a/c", b"one", qos=1, mid=7)
            + _publish("a/d", b"two", qos=2, mid=8)
            + _publish("a/d", b"two", qos=2, mid=8, dup=True)  # a resend: once only
            + bytes((0x62, 2, 0, 8))  # PUBREL
            + b"\xd0\x00"  # PINGRESP
        )
        for i in range(len(stream)):  # one byte per read
            h.feed(stream[i : i + 1])
        await _settle()
        assert [(m.topic, m.payload, m.qos) for m in h.messages] == [
            ("a/b", b"zero", 0),
            ("a/c", b"one", 1),
            ("a/d", b"two", 2),
        ]
        written = h.transport.take()
        assert written.count(_ack(0x40, 7)) == 1  # PUBACK
        assert written.count(_ack(0x50, 8)) == 2  # PUBREC for each copy
        assert written.endswith(_ack(0x70, 8))  # PUBCOMP after PUBREL

    run_async(scenario)


def test_window_fifo_and_resend_after_reconnect() -> None:
    async def scenario() -> None:
        h = Harness(inflight=2)
        h.connect()
        mids = [h.client.publish("t", f"m{i}".encode(), qos=1).mid for i in range(5)]
        await _settle()
        sent = h.transport.take()
        assert sent == _publish("t", b"m0", 1, mids[0]) + _publish("t", b"m1", 1, mids[1])
        h.feed(_ack(0x40, mids[0]))
        await _settle()
        assert h.transport.take() == _publish("t", b"m2", 1, mids[2])
        assert h.events[-1] == ("pub", mids[0])
        # The link drops with m1 and m2 unacknowledged: after the reconnect they go
        # again flagged DUP, then the window fills from the FIFO.
        h.transport.abort()
        await _settle()
        assert ("disc",) in h.events
        h.connect()
        await _settle()
        again = h.transport.take()
        assert again == (
            _publish("t", b"m1", 1, mids[1], dup=True) + _publish("t", b"m2", 1, mids[2], dup=True)
        )
        for mid in mids[1:3]:
            h.feed(_ack(0x40, mid))
        await _settle()
        assert h.transport.take() == _publish("t", b"m3", 1, mids[3]) + _publish(
            "t", b"m4", 1, mids[4]
        )

    run_async(scenario)


def test_qos2_publish_flow_and_release_resent() -> None:
    async def scenario() -> None:
        h = Harness()
        h.connect()
        mid = h.client.publish("q2", b"x", qos=2).mid
        await _settle()
        assert h.transport.take() == _publish("q2", b"x", 2, mid)
        h.feed(_ack(0x50, mid))  # PUBREC
        await _settle()
        assert h.transport.take() == bytes((0x62, 2, 0, mid))  # PUBREL
        h.transport.abort()
        await _settle()
        h.connect()
        await _settle()
        assert h.transport.take() == bytes((0x62, 2, 0, mid))  # PUBREL again
        h.feed(_ack(0x70, mid))  # PUBCOMP
        assert h.events[-1] == ("pub", mid)

    run_async(scenario)


def test_keepalive_pings_and_drops_a_silent_link() -> None:
    async def scenario() -> None:
        h = Harness(keepalive=1)
        h.connect()
        while b"\xc0\x00" not in h.transport.written:  # PINGREQ
            await asyncio.sleep(0.05)
        while not h.transport.closed:  # no PINGRESP: the connection is dropped
            await asyncio.sleep(0.05)
        await _settle()
        assert h.events[-1] == ("disc",)
        h.client.loop_stop()

    run_async(scenario)


def test_refused_connack_and_malformed_packet() -> None:
    async def scenario() -> None:
        h = Harness()
        h.connect(connack=b"\x20\x02\x00\x05")  # not authorised
        assert h.events[0] == ("conn", 135)
        assert h.transport.closed
        h2 = Harness()
        h2.connect()
        h2.feed(b"\x30\xff\xff\xff\xff\x01")  # a remaining length of 5 bytes
        assert h2.transport.closed

    run_async(scenario)


def test_v5_properties_topic_alias_and_suback() -> None:
    async def scenario() -> None:
        h = Harness(protocol=5)
        connack = Properties(PacketTypes.CONNACK)
        connack.ReceiveMaximum = 10
        body = b"\x00\x00" + connack.pack()
        connect = h.connect(connack=b"\x20" + encode_length(len(body)) + body)
        assert b"\x00\x04MQTT\x05" in connect
        props = Properties(PacketTypes.PUBLISH)
        props.TopicAlias = 2
        props.UserProperty = [("k", "v")]
        first = utf8_field("long/topic") + props.pack() + b"p1"
        alias = Properties(PacketTypes.PUBLISH)
        alias.TopicAlias = 2
        second = utf8_field("") + alias.pack() + b"p2"
        h.feed(b"\x30" + encode_length(len(first)) + first)
        h.feed(b"\x30" + encode_length(len(second)) + second)
        assert [(m.topic, m.payload) for m in h.messages] == [
            ("long/topic", b"p1"),
            ("long/topic", b"p2"),
        ]
        assert h.messages[0].properties.UserProperty == [("k", "v")]  # type: ignore[union-attr]
        _rc, mid = h.client.subscribe("s/#", options=SubscribeOptions(qos=1, noLocal=True))
        await _settle()
        written = h.transport.take()
        assert written.endswith(utf8_field("s/#") + bytes((0x01 | 0x04,)))
        h.feed(b"\x90\x04" + struct.pack("!H", mid) + b"\x00\x01")  # SUBACK granted 1
        assert h.events[-1] == ("sub", mid, [1])
        # a v5 PUBACK with a failure reason code reaches on_publish as a failure
        failures: list[bool] = []
        h.client.on_publish = lambda _c, _u, m, rc, p: failures.append(rc.is_failure)
        pub_mid = h.client.publish("x", b"1", qos=1).mid
        h.feed(b"\x40\x03" + struct.pack("!H", pub_mid) + b"\x87")
        assert failures == [True]

    run_async(scenario)


# ---- against Mosquitto --------------------------------------------------------------


async def _until(predicate: Callable[[], bool], what: str) -> None:
    for _ in range(int(WAIT / 0.02)):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def _connected_client(
    endpoint: Endpoint, protocol: int, client_id: str, clean: bool = True
) -> tuple[LoopMQTTClient, list[ReceivedMessage], list[int], list[int]]:
    client = LoopMQTTClient(
        asyncio.get_running_loop(), client_id=client_id, protocol=protocol, clean=clean
    )
    messages: list[ReceivedMessage] = []
    acked: list[int] = []
    subacks: list[int] = []
    connects: list[int] = []
    client.on_message = lambda _c, _u, m: messages.append(m)
    client.on_publish = lambda _c, _u, mid, rc, p: acked.append(mid)
    client.on_subscribe = lambda _c, _u, mid, codes, p: subacks.append(mid)
    client.on_connect = lambda _c, _u, f, rc, p: connects.append(rc.value)
    client.connect_async(endpoint.host, endpoint.port, keepalive=30)
    client.loop_start()
    await _until(lambda: bool(connects), "CONNACK")
    assert connects == [0]
    return client, messages, acked, subacks


@pytest.mark.parametrize("protocol", [3, 4, 5])
def test_round_trip_through_mosquitto(
    protocol: int, mosquitto: Endpoint, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("loop")

    async def scenario() -> None:
        client, messages, acked, subacks = await _connected_client(
            mosquitto, protocol, f"loop-{protocol}"
        )
        _rc, mid = client.subscribe(topic + "/#", 2)
        await _until(lambda: mid in subacks, "SUBACK")
        mids = [client.publish(f"{topic}/{q}", f"q{q}".encode(), qos=q).mid for q in (0, 1, 2)]
        await _until(lambda: len(messages) == 3, "three messages back")
        assert sorted((m.topic, m.payload, m.qos) for m in messages) == [
            (f"{topic}/0", b"q0", 0),
            (f"{topic}/1", b"q1", 1),
            (f"{topic}/2", b"q2", 2),
        ]
        await _until(lambda: set(mids[1:]) <= set(acked), "PUBACK and PUBCOMP")
        # a burst larger than the window: every message comes back, in order
        client.max_inflight_messages_set(50)
        for i in range(2000):
            client.publish(f"{topic}/burst", str(i).encode(), qos=1)
        await _until(lambda: len(messages) == 2003, "the burst back")
        assert [int(m.payload) for m in messages[3:]] == list(range(2000))
        await client.shutdown((f"{topic}/closing", b"bye", 1, False, None), 5.0)
        assert not client.is_connected()

    run_async(scenario)


def test_persistent_session_gets_what_was_published_while_away(
    mosquitto: Endpoint, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("session")
    client_id = topic[-23:]

    async def first_visit() -> None:
        client, _, _, subacks = await _connected_client(mosquitto, 4, client_id, clean=False)
        _rc, mid = client.subscribe(topic, 1)
        await _until(lambda: mid in subacks, "SUBACK")
        await client.shutdown(None, 5.0)

    async def second_visit() -> None:
        client, messages, _, _ = await _connected_client(mosquitto, 4, client_id, clean=False)
        await _until(lambda: len(messages) == 1, "the message kept by the session")
        assert messages[0].payload == b"while away"
        await client.shutdown(None, 5.0)

    run_async(first_visit)
    with outside_client(mosquitto) as outside:
        outside.publish(topic, b"while away", qos=1)
    run_async(second_visit)


def test_reconnects_after_the_server_drops_it(mosquitto: Endpoint) -> None:
    async def scenario() -> None:
        client, _, _, _ = await _connected_client(mosquitto, 4, "loop-dup-id")
        connects: list[int] = []
        client.on_connect = lambda _c, _u, f, rc, p: connects.append(rc.value)
        client.reconnect_delay_set(0.05, 0.2)
        # Another connection with the same client id makes Mosquitto drop ours…
        other, _, _, _ = await _connected_client(mosquitto, 4, "loop-dup-id")
        await other.shutdown(None, 5.0)
        # …and ours comes back by itself.
        await _until(lambda: bool(connects) and client.is_connected(), "a reconnect")
        await client.shutdown(None, 5.0)

    run_async(scenario)


def test_websocket_brokers_keep_paho_and_tcp_ones_use_the_loop_client() -> None:
    # Nothing listens on port 9 here: only which client each broker made is checked.
    flow = [
        broker(Endpoint("127.0.0.1", 9), id="b_tcp"),
        broker(Endpoint("127.0.0.1", 9), id="b_ws", url="ws://127.0.0.1:9/mqtt"),
        mqtt_out("o_tcp", broker="b_tcp"),
        mqtt_out("o_ws", broker="b_ws"),
    ]
    with run(flow) as h:
        h.wait_until(
            lambda: all(getattr(h.node(b), "_client", None) for b in ("b_tcp", "b_ws")),
            WAIT,
            "both clients made",
        )
        assert isinstance(h.node("b_tcp")._client, LoopMQTTClient)  # type: ignore[attr-defined]
        assert isinstance(h.node("b_ws")._client, paho.Client)  # type: ignore[attr-defined]
