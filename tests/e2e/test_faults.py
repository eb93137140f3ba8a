"""Faults: Mosquitto stopped and restarted in the middle of a stream.

Path: outside publisher → ``in`` topic → mqtt in → change (sets the ``out`` topic) →
mqtt out → ``out`` topic → outside subscriber with a persistent session (the counter).
The engine keeps running across the restart, reconnects by itself and resubscribes.

The stream has three phases: 300 messages published (the broker is stopped once the
counter has seen 50 of them, so the rest are somewhere on the way), 150 published while
the broker is down, 150 after it is back. Each test runs its own Mosquitto (a private
state dir, same port after the restart), so the shared broker is never disturbed.

- QoS 1 end to end, with persistent sessions for the engine (``cleansession`` false and
  a client id, as a QoS 1 bridge is configured) and the counter: every message arrives
  (duplicates are allowed by QoS 1 and reported).
- QoS 0 end to end: the test states how many messages were lost (recorded as the
  ``qos0_lost`` user property and printed), asserting only that the stream resumes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

from flowengine.testing import FlowTestHelper
from tests.support.services import Endpoint, service_down, service_up

from .iotkit import WAIT

pytestmark = pytest.mark.timeout(900)

PHASE_BEFORE, PHASE_DOWN, PHASE_AFTER = 300, 150, 150
TOTAL = PHASE_BEFORE + PHASE_DOWN + PHASE_AFTER
STOP_AFTER_RECEIVED = 50
#: Reconnect quickly (Node-RED's default mqttReconnectTime is 5000 ms).
SETTINGS = {"mqttReconnectTime": 200}


class PrivateBroker:
    """A Mosquitto of one test; ``stop()`` and ``start()`` keep its port."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.endpoint: Endpoint = service_up("mosquitto", state)

    def stop(self) -> None:
        service_down("mosquitto", self.state)

    def start(self) -> None:
        again = service_up("mosquitto", self.state)
        assert again == self.endpoint, "restarted broker must keep its port"


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    broker = PrivateBroker(tmp_path / "services")
    try:
        yield broker
    finally:
        broker.stop()


def _client(client_id: str, clean: bool) -> paho.Client:
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean)
    client.reconnect_delay_set(min_delay=1, max_delay=1)
    client.max_inflight_messages_set(100)
    client.max_queued_messages_set(0)
    return client


@dataclass
class Counter:
    """The outside subscriber: a persistent session on the ``out`` topic."""

    endpoint: Endpoint
    topic: str
    qos: int
    client_id: str
    received: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cond = threading.Condition()
        self.subscribed = threading.Event()
        self.client = _client(self.client_id, clean=False)
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(self.topic, self.qos)
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect(self.endpoint.host, self.endpoint.port)
        self.client.loop_start()
        assert self.subscribed.wait(WAIT), "counter: no SUBACK"

    def _on_message(self, _c: Any, _u: Any, message: paho.MQTTMessage) -> None:
        with self.cond:
            self.received.append(message.payload.decode())
            self.cond.notify_all()

    def wait(self, predicate: Any, what: str, timeout: float = 120) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: predicate(self.received), timeout):
                raise AssertionError(f"counter: timed out waiting for {what}")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class StreamPublisher:
    """The outside publisher; remembers what the client accepted and what was acked."""

    def __init__(self, endpoint: Endpoint, topic: str, qos: int, client_id: str) -> None:
        self.topic = topic
        self.qos = qos
        self.accepted: list[str] = []  # handed to the network (or queued, QoS >= 1)
        self.refused: list[str] = []  # QoS 0 while disconnected: paho drops it at once
        self.acked: set[int] = set()
        self.mids: list[int] = []
        self.cond = threading.Condition()
        self.connected = threading.Event()
        self.client = _client(client_id, clean=True)
        self.client.on_publish = self._on_publish
        self.client.on_connect = lambda c, u, f, rc, p: self.connected.set()
        self.client.connect(endpoint.host, endpoint.port)
        self.client.loop_start()

    def _on_publish(self, _c: Any, _u: Any, mid: int, _rc: Any, _p: Any) -> None:
        with self.cond:
            self.acked.add(mid)
            self.cond.notify_all()

    def publish(self, numbers: range) -> None:
        for i in numbers:
            info = self.client.publish(self.topic, str(i), self.qos)
            if self.qos == 0 and info.rc == MQTTErrorCode.MQTT_ERR_NO_CONN:
                self.refused.append(str(i))
                continue
            assert info.rc in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN)
            self.accepted.append(str(i))
            self.mids.append(info.mid)

    def wait_all_acked(self, timeout: float = 120) -> None:
        with self.cond:
            ok = self.cond.wait_for(lambda: self.acked >= set(self.mids), timeout)
        assert ok, f"publisher: {len(set(self.mids) - self.acked)} message(s) never acked"

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def bridge_flow(
    endpoint: Endpoint, in_topic: str, out_topic: str, qos: int, client_id: str
) -> list[dict[str, Any]]:
    tab = "t.faults"
    return [
        {"id": tab, "type": "tab", "label": "bridge"},
        {"id": "b", "type": "mqtt-broker", "name": "", "broker": endpoint.host,
         "port": str(endpoint.port), "clientid": client_id, "autoConnect": True,
         "usetls": False, "protocolVersion": "4", "keepalive": "60",
         "cleansession": qos == 0, "autoUnsubscribe": True},
        {"id": "in", "type": "mqtt in", "z": tab, "name": "", "topic": in_topic,
         "qos": str(qos), "datatype": "auto-detect", "broker": "b", "nl": False, "rap": True,
         "rh": 0, "inputs": 0, "x": 100, "y": 40, "wires": [["chg"]]},
        {"id": "chg", "type": "change", "z": tab, "name": "",
         "rules": [{"t": "set", "p": "topic", "pt": "msg", "to": out_topic, "tot": "str"}],
         "x": 300, "y": 40, "wires": [["out"]]},
        {"id": "out", "type": "mqtt out", "z": tab, "name": "", "topic": "", "qos": str(qos),
         "retain": "", "respTopic": "", "contentType": "", "userProps": "", "correl": "",
         "expiry": "", "broker": "b", "x": 500, "y": 40, "wires": []},
    ]  # fmt: skip


@dataclass
class Outcome:
    publisher: StreamPublisher
    counter: Counter
    disconnected_seen: bool
    reconnects: int


def run_stream(broker: PrivateBroker, topic: str, qos: int) -> Outcome:
    """The three phases through the engine; returns once the stream is over."""
    endpoint = broker.endpoint
    in_topic, out_topic = f"{topic}/in", f"{topic}/out"
    flow = bridge_flow(endpoint, in_topic, out_topic, qos, f"{topic}-engine"[-23:])
    counter = Counter(endpoint, out_topic, qos, f"{topic}-counter"[-23:])
    publisher = StreamPublisher(endpoint, in_topic, qos, f"{topic}-pub"[-23:])
    try:
        with FlowTestHelper(flow, settings=dict(SETTINGS)) as h:
            engine_broker: Any = h.node("b")
            h.wait_until(lambda: in_topic in engine_broker.active_subscriptions, WAIT, "subscribed")

            publisher.publish(range(PHASE_BEFORE))
            counter.wait(lambda got: len(got) >= STOP_AFTER_RECEIVED, "the stream to flow")
            broker.stop()
            counter.subscribed.clear()  # set again when it has resubscribed
            publisher.connected.clear()  # set again when it has reconnected
            publisher.publish(range(PHASE_BEFORE, PHASE_BEFORE + PHASE_DOWN))
            h.wait_until(lambda: not engine_broker.connected, WAIT, "engine sees the broker gone")
            disconnected = {"fill": "red", "shape": "ring",
                            "text": "node-red:common.status.disconnected"}  # fmt: skip
            disconnected_seen = disconnected in h.statuses.get("in", [])
            broker.start()
            h.wait_until(
                lambda: engine_broker.connected and in_topic in engine_broker.active_subscriptions,
                WAIT,
                "engine reconnected and resubscribed",
            )
            assert counter.subscribed.wait(WAIT), "counter did not resubscribe"
            assert publisher.connected.wait(WAIT), "publisher did not reconnect"
            publisher.publish(range(PHASE_BEFORE + PHASE_DOWN, TOTAL))
            if qos > 0:
                publisher.wait_all_acked()
                counter.wait(lambda got: set(got) >= set(publisher.accepted), "every message")
            else:
                # QoS 0 may lose any message: send markers (same path, same order) until one
                # arrives; everything published before it has arrived or is lost by then.
                for n in range(20):
                    marker = f"end-{n}"
                    publisher.client.publish(in_topic, marker, 0)
                    try:
                        counter.wait(lambda got, m=marker: m in got, "end marker", timeout=10)
                        break
                    except AssertionError:
                        continue
                else:
                    raise AssertionError("the QoS 0 stream never resumed")
            h.wait_idle()
            logs = [text for node_id, _, text in h.logs if node_id == "b"]
        reconnects = sum(text.startswith("Connected to broker: ") for text in logs) - 1
        return Outcome(publisher, counter, disconnected_seen, reconnects)
    finally:
        publisher.close()
        counter.close()


def test_qos1_loses_nothing_across_a_broker_restart(
    private_broker: PrivateBroker, unique_topic: Any, record_property: Any
) -> None:
    outcome = run_stream(private_broker, unique_topic("fault-q1"), qos=1)
    received = outcome.counter.received
    numbered = [r for r in received if r.isdigit()]
    assert outcome.publisher.refused == []
    assert len(outcome.publisher.accepted) == TOTAL
    assert set(numbered) == {str(i) for i in range(TOTAL)}  # nothing lost
    duplicates = len(numbered) - TOTAL
    record_property("qos1_duplicates", duplicates)
    print(f"QoS 1: {TOTAL} published, {TOTAL} arrived, {duplicates} duplicate(s)")
    assert outcome.disconnected_seen
    assert outcome.reconnects == 1


def test_qos0_loss_across_a_broker_restart_is_counted(
    private_broker: PrivateBroker, unique_topic: Any, record_property: Any
) -> None:
    outcome = run_stream(private_broker, unique_topic("fault-q0"), qos=0)
    sent = outcome.publisher.accepted
    arrived = {r for r in outcome.counter.received if r.isdigit()}
    lost = len(set(sent) - arrived)
    refused = len(outcome.publisher.refused)
    record_property("qos0_lost", lost)
    record_property("qos0_refused_by_publisher_while_down", refused)
    print(
        f"QoS 0: {TOTAL} offered, {refused} refused by the publishing client while the broker "
        f"was down, {len(sent)} sent, {len(arrived)} arrived, {lost} lost on the way"
    )
    # Stated, not asserted: QoS 0 may lose what was in flight at the stop. The stream
    # resumes, and what was sent after the restart arrives.
    assert arrived <= set(sent)
    assert {str(i) for i in range(PHASE_BEFORE + PHASE_DOWN, TOTAL)} <= arrived
    assert outcome.disconnected_seen
    assert outcome.reconnects == 1
