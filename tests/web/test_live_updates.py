"""Live updates: status, counters and debug output reach browsers in batches; a flood of
events costs a bounded number of updates; /health and /metrics read broker state from
status events."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import paho.mqtt.client as paho

from flowengine.message import Message
from flowengine.node import Delivery, Node
from flowengine.registry import default_registry

from .live import LiveRuntime
from .test_api import _flow

WAIT = 30.0


class Burst(Node):
    """Test node: on input, sends ``count`` messages (and sets that many statuses)."""

    type = "test-burst"

    def setup(self) -> None:
        self.count = int(self.config.get("count", 1000))
        self.statuses = bool(self.config.get("statuses"))

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        for i in range(self.count):
            if self.statuses:
                self.status({"fill": "blue", "shape": "dot", "text": f"n={i + 1}"})
            send({"payload": i})
        done()


def _registry() -> Any:
    registry = default_registry().copy()
    registry.register(Burst)
    return registry


def _burst_flow(count: int, statuses: bool = False) -> list[dict[str, Any]]:
    flow = _flow()
    flow[1]["wires"] = [["burst"]]
    flow.append(
        {
            "id": "burst",
            "type": "test-burst",
            "z": "t1",
            "count": count,
            "statuses": statuses,
            "x": 260,
            "y": 160,
            "wires": [["dbg"]],
        }
    )
    return flow


class EventReader:
    """Reads /viewer/events in a thread; ``events`` is a list of (name, data)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        parts = urllib.parse.urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.connection.request("GET", "/viewer/events", headers=headers or {})
        # Kept: the connection forgets its socket once a "Connection: close" response starts.
        self.sock = self.connection.sock
        self.response = self.connection.getresponse()
        assert self.response.status == 200, self.response.status
        self.events: list[tuple[str, Any]] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        name, data = "message", []
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif not line and data:
                    with self.lock:
                        self.events.append((name, json.loads("\n".join(data))))
                    name, data = "message", []
        except Exception:  # closed by close()
            return

    def wait(
        self, predicate: Callable[[list[tuple[str, Any]]], bool], timeout: float = WAIT
    ) -> None:
        deadline = time.monotonic() + timeout
        pause = threading.Event()
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(list(self.events)):
                    return
            pause.wait(0.02)
        with self.lock:
            raise AssertionError(f"condition not met; events: {self.events[-5:]}")

    def close(self) -> None:
        # Shut the socket down first: closing the response alone waits for the reading
        # thread, which sits in a read until the server's next heartbeat (15 s).
        if self.sock is not None:
            self.sock.shutdown(socket.SHUT_RDWR)
        self.thread.join(timeout=WAIT)
        self.connection.close()


@contextmanager
def reading(live: LiveRuntime) -> Iterator[EventReader]:
    reader = EventReader(live.url)
    try:
        reader.wait(lambda ev: any(name == "snapshot" for name, _ in ev))
        yield reader
    finally:
        reader.close()


def _debug_shown(events: list[tuple[str, Any]]) -> list[Any]:
    return [d for name, data in events if name == "batch" for d in data.get("debug", [])]


def _dropped(events: list[tuple[str, Any]]) -> int:
    return sum(data.get("dropped", 0) for name, data in events if name == "batch")


def test_snapshot_then_batches_with_status_counters_and_debug() -> None:
    with LiveRuntime(_flow()) as live, reading(live) as reader:
        snapshot = reader.events[0]
        assert snapshot[0] == "snapshot"
        assert snapshot[1]["state"] == "start" and snapshot[1]["running"] is True
        live.request("/inject/inj", "POST")
        reader.wait(lambda ev: len(_debug_shown(ev)) == 1)
        shown = _debug_shown(reader.events)[0]
        assert (shown["id"], shown["msg"], shown["format"]) == ("dbg", "hello", "string[5]")
        assert shown["property"] == "payload" and shown["path"] == "t1"

        def counted(ev: list[tuple[str, Any]]) -> bool:
            rows: dict[str, Any] = {}
            for _, data in ev:
                rows.update(data.get("counters", {}))
            return rows.get("dbg", [0])[0] == 1 and rows.get("chg", [0, 0])[1] == 1

        reader.wait(counted)


def test_a_status_flood_arrives_as_few_batches_ending_at_the_last_status() -> None:
    flow = _burst_flow(2000, statuses=True)
    with LiveRuntime(flow, registry=_registry()) as live, reading(live) as reader:
        live.request("/inject/inj", "POST")

        def final(ev: list[tuple[str, Any]]) -> bool:
            return any(
                d.get("statuses", {}).get("burst", {}).get("text") == "n=2000" for _, d in ev
            )

        reader.wait(final)
        with_status = [d for name, d in reader.events if name == "batch" and "statuses" in d]
        assert len(with_status) < 20  # 2000 status changes, a handful of updates
        assert with_status[-1]["statuses"]["burst"] == {
            "text": "n=2000",
            "fill": "blue",
            "shape": "dot",
        }


def test_a_debug_flood_is_budgeted_and_the_rest_reported_as_dropped() -> None:
    flow = _burst_flow(1000)
    with LiveRuntime(flow, registry=_registry()) as live, reading(live) as reader:
        assert live.ui is not None and live.ui.hub.observer is not None
        budget = live.ui.hub.observer.debug_budget
        live.request("/inject/inj", "POST")
        reader.wait(lambda ev: len(_debug_shown(ev)) + _dropped(ev) == 1000)
        shown = _debug_shown(reader.events)
        # One drain delivers the whole burst: the budget stops encoding after 25.
        assert len(shown) <= 2 * budget + 1
        assert _dropped(reader.events) == 1000 - len(shown)


def test_observer_lets_go_of_the_runtime_when_the_ui_stops() -> None:
    with LiveRuntime(_flow()) as live:
        assert live.ui is not None
        observer = live.ui.hub.observer
        assert observer is not None
        live.ui.stop()

        def attached() -> bool:
            listeners = live.runtime._listeners
            return any(
                getattr(fn, "__self__", None) is observer
                for fns in listeners.values()
                for fn in fns
            )

        deadline = time.monotonic() + WAIT
        while attached() and time.monotonic() < deadline:
            threading.Event().wait(0.02)
        assert not attached()
        live.ui = None


def _kafka_flow_overrides(mosquitto: Any, topic: str | None = None) -> dict[str, dict[str, Any]]:
    """The reference flow against the test Mosquitto (as ``--set`` would); ``topic``
    narrows the subscription so other tests' publications stay out."""
    overrides: dict[str, dict[str, Any]] = {
        "8a4d6f84.20268": {"broker": mosquitto.host, "port": str(mosquitto.port)},
        # Nothing listens on port 9 (discard): the Kafka connection stays down.
        "33fcb129.b6642e": {"hosts": [{"host": "127.0.0.1", "port": 9}]},
    }
    if topic is not None:
        overrides["c7e8bd77.5df84"] = {"topic": topic}
    return overrides


def test_health_and_metrics_show_broker_connections(mosquitto: Any, unique_topic: Any) -> None:
    from .test_api import KAFKA_FLOW

    overrides = _kafka_flow_overrides(mosquitto, "iotkit/" + unique_topic("health"))
    with LiveRuntime(KAFKA_FLOW, overrides=overrides) as live:

        def brokers() -> dict[str, str]:
            body = json.loads(live.request("/health")[2])
            return {b["name"]: b["state"] for b in body["brokers"]}

        deadline = time.monotonic() + WAIT
        while brokers().get("mosquitto") != "connected" and time.monotonic() < deadline:
            threading.Event().wait(0.05)
        states = brokers()
        assert states["mosquitto"] == "connected"
        assert states["kafka"] in ("disconnected", "connecting", "unknown")
        text = live.request("/metrics")[2].decode()
        assert (
            'flowengine_broker_connected{broker="8a4d6f84.20268",type="mqtt-broker",'
            'name="mosquitto",state="connected"} 1'
        ) in text
        assert (
            'flowengine_node_errors_total{node="8a4d6f84.20268",type="mqtt-broker",'
            'name="mosquitto",flow=""} 0'
        ) in text


def test_published_mqtt_message_reaches_the_stream(mosquitto: Any, unique_topic: Any) -> None:
    from .test_api import KAFKA_FLOW

    topic = "iotkit/" + unique_topic("viewer")
    with LiveRuntime(KAFKA_FLOW, overrides=_kafka_flow_overrides(mosquitto, topic)) as live:
        with reading(live) as reader:
            reader.wait(
                lambda ev: any(
                    d.get("statuses", {}).get("c7e8bd77.5df84", {}).get("text") == "connected"
                    for _, d in ev
                )
            )
            client = paho.Client(paho.CallbackAPIVersion.VERSION2)
            client.connect(mosquitto.host, mosquitto.port)
            client.loop_start()
            try:
                client.publish(topic, b"0xBC,22.90,36.9,low\x00", qos=1).wait_for_publish(WAIT)
                reader.wait(lambda ev: any(d.get("topic") == topic for d in _debug_shown(ev)))
            finally:
                client.loop_stop()
                client.disconnect()
        shown = next(d for d in _debug_shown(reader.events) if d.get("topic") == topic)
        assert shown["id"] == "82463576.0e6568" and shown["format"] == "Object"
        decoded = json.loads(shown["msg"])
        assert decoded["topic"] == topic
        assert decoded["payload"]["type"] == "Buffer"  # NUL-terminated: a Buffer, as Node-RED
