"""Broker restarts: reconnect with backoff, resubscribe, and the offline publish queue.

Each test that restarts a broker runs its own Mosquitto (a private state dir), so the
shared one other tests use is never disturbed.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.services import Endpoint, service_down, service_up

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

pytestmark = pytest.mark.timeout(900)

DISCONNECTED = {"fill": "red", "shape": "ring", "text": "node-red:common.status.disconnected"}
CONNECTED = {"fill": "green", "shape": "dot", "text": "node-red:common.status.connected"}


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
    b = PrivateBroker(tmp_path / "services")
    try:
        yield b
    finally:
        b.stop()


def test_broker_restart_heals_and_queued_qos1_messages_are_not_lost(
    private_broker: PrivateBroker, unique_topic: Callable[[str], str]
) -> None:
    endpoint = private_broker.endpoint
    topic = unique_topic("restart")
    flow = [
        broker(endpoint),
        mqtt_in("in", topic, [["h"]], qos="1"),
        node("h", "helper"),
        mqtt_out("out", topic=topic, qos="1"),
    ]
    with run(flow) as h:
        wait_subscribed(h, topic)
        h.inject("out", {"payload": "before"})
        assert h.wait_for("h", 1, WAIT)[0]["payload"] == "before"

        private_broker.stop()
        h.wait_until(lambda: h.statuses["out"][-1] == DISCONNECTED, WAIT, "disconnected")
        for i in range(5):
            h.inject("out", {"payload": f"queued {i}"})
        h.wait_until(
            lambda: "(5 queued)" in str(h.statuses["out"][-1].get("text")),
            WAIT,
            "queue depth shown",
        )

        private_broker.start()
        wait_connected(h)
        wait_subscribed(h, topic)  # re-subscribed by itself after the reconnect
        got = h.wait_for("h", 6, WAIT)
        assert [m["payload"] for m in got[1:]] == [f"queued {i}" for i in range(5)]
        h.wait_until(lambda: h.statuses["out"][-1] == CONNECTED, WAIT, "connected")
        # And messages from others reach the re-subscribed node.
        with outside_client(endpoint) as outside:
            outside.publish(topic, b"after")
        assert h.wait_for("h", 7, WAIT)[6]["payload"] == "after"
    logs = [text for node_id, _, text in h.logs if node_id == "b1"]
    assert any(text.startswith("Disconnected from broker: mqtt://") for text in logs)
    assert sum(text.startswith("Connected to broker: mqtt://") for text in logs) == 2


def test_qos0_while_disconnected_is_dropped_but_done(unique_topic: Callable[[str], str]) -> None:
    dead = Endpoint("127.0.0.1", _closed_port())
    flow = [
        broker(dead),
        mqtt_out("out", topic=unique_topic("q0")),
        node("done", "complete", scope=["out"], uncaught=False, wires=[["h_done"]]),
        node("h_done", "helper"),
    ]
    with run(flow) as h:
        h.inject("out", {"payload": "lost", "qos": 0})
        [m] = h.wait_for("h_done", 1, WAIT)
    assert m["payload"] == "lost"


def test_queue_overflow_is_an_error_for_catch(unique_topic: Callable[[str], str]) -> None:
    dead = Endpoint("127.0.0.1", _closed_port())
    flow = [
        broker(dead, queueSize=2),
        mqtt_out("out", topic=unique_topic("full"), qos="1"),
        node("c", "catch", scope=["out"], uncaught=False, wires=[["h_err"]]),
        node("h_err", "helper"),
    ]
    with run(flow) as h:
        for i in range(3):
            h.inject("out", {"payload": i})
        [err] = h.wait_for("h_err", 1, WAIT)
        h.wait_until(lambda: "(2 queued)" in str(h.statuses["out"][-1].get("text")), WAIT, "depth")
    assert err["payload"] == 2
    assert err["error"]["message"].startswith("Error: MQTT publish queue full (2 messages")
    assert any("2 queued message(s) not sent" in w for w in h.warnings())
    failed = [t for _, _, t in h.logs if t.startswith("Connection failed to broker: mqtt://")]
    assert len(failed) >= 1


def _closed_port() -> int:
    """A port nothing listens on (bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
