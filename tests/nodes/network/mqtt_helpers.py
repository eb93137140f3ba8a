"""Helpers for MQTT node tests: flow builders and an outside paho client."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from flowengine.testing import FlowTestHelper
from tests.support.services import Endpoint

TAB = {"id": "t1", "type": "tab", "label": "T"}
#: Fast reconnects in tests (Node-RED's default is 5000 ms).
SETTINGS = {"mqttReconnectTime": 200}
WAIT = 30.0


def node(
    id: str, type: str, z: str = "t1", wires: list[list[str]] | None = None, **props: Any
) -> dict[str, Any]:
    return {"id": id, "type": type, "z": z, "x": 10, "y": 10, "wires": wires or [], **props}


def broker(
    endpoint: Endpoint, id: str = "b1", host: str | None = None, **props: Any
) -> dict[str, Any]:
    """An ``mqtt-broker`` config node as the editor saves it (protocol 3.1.1)."""
    return {
        "id": id,
        "type": "mqtt-broker",
        "name": "",
        "broker": endpoint.host if host is None else host,
        "port": str(endpoint.port),
        "clientid": "",
        "autoConnect": True,
        "usetls": False,
        "protocolVersion": "4",
        "keepalive": "60",
        "cleansession": True,
        "autoUnsubscribe": True,
        "birthTopic": "",
        "birthQos": "0",
        "birthRetain": "false",
        "birthPayload": "",
        "birthMsg": {},
        "closeTopic": "",
        "closeQos": "0",
        "closeRetain": "false",
        "closePayload": "",
        "closeMsg": {},
        "willTopic": "",
        "willQos": "0",
        "willRetain": "false",
        "willPayload": "",
        "willMsg": {},
        "userProps": "",
        "sessionExpiry": "",
        **props,
    }


def mqtt_in(id: str, topic: str, wires: list[list[str]], **props: Any) -> dict[str, Any]:
    return node(
        id,
        "mqtt in",
        wires=wires,
        name="",
        topic=topic,
        qos=props.pop("qos", "2"),
        datatype=props.pop("datatype", "auto-detect"),
        broker=props.pop("broker", "b1"),
        nl=False,
        rap=True,
        rh=0,
        inputs=props.pop("inputs", 0),
        **props,
    )


def mqtt_out(id: str, **props: Any) -> dict[str, Any]:
    return node(
        id,
        "mqtt out",
        name="",
        topic=props.pop("topic", ""),
        qos=props.pop("qos", ""),
        retain=props.pop("retain", ""),
        respTopic=props.pop("respTopic", ""),
        contentType=props.pop("contentType", ""),
        userProps=props.pop("userProps", ""),
        correl=props.pop("correl", ""),
        expiry=props.pop("expiry", ""),
        broker=props.pop("broker", "b1"),
        **props,
    )


def run(flow: list[dict[str, Any]], **kw: Any) -> FlowTestHelper:
    kw.setdefault("settings", SETTINGS)
    return FlowTestHelper([TAB, *flow], **kw)


def wait_connected(h: FlowTestHelper, broker_id: str = "b1") -> None:
    b = h.node(broker_id)
    h.wait_until(lambda: bool(getattr(b, "connected", False)), WAIT, f"{broker_id} connected")


def wait_subscribed(h: FlowTestHelper, topic: str, broker_id: str = "b1") -> None:
    """Wait until the broker acknowledged the subscription to ``topic``."""
    b = h.node(broker_id)
    h.wait_until(
        lambda: topic in getattr(b, "active_subscriptions", ()), WAIT, f"subscribed to {topic}"
    )


class OutsideClient:
    """A plain paho client on the test's side: publishes and records what it receives."""

    def __init__(self, endpoint: Endpoint, v5: bool = False, client_id: str = "") -> None:
        self.v5 = v5
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=paho.MQTTv5 if v5 else paho.MQTTv311,
        )
        self.messages: queue.Queue[paho.MQTTMessage] = queue.Queue()
        self._subscribed = threading.Event()
        self.client.on_message = lambda c, u, m: self.messages.put(m)
        self.client.on_subscribe = lambda c, u, mid, codes, props: self._subscribed.set()
        self.client.connect(endpoint.host, endpoint.port)
        self.client.loop_start()

    def publish(
        self,
        topic: str,
        payload: bytes | str,
        qos: int = 1,
        retain: bool = False,
        **props: Any,
    ) -> None:
        properties = None
        if props:
            properties = Properties(PacketTypes.PUBLISH)
            for name, value in props.items():
                setattr(properties, name, value)
        info = self.client.publish(topic, payload, qos, retain, properties)
        info.wait_for_publish(WAIT)

    def subscribe(self, topic: str, qos: int = 2) -> None:
        self._subscribed.clear()
        self.client.subscribe(topic, qos)
        assert self._subscribed.wait(WAIT), f"outside client: no SUBACK for {topic}"

    def receive(self, count: int = 1, timeout: float = WAIT) -> list[paho.MQTTMessage]:
        got = []
        for _ in range(count):
            got.append(self.messages.get(timeout=timeout))
        return got

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@contextmanager
def outside_client(
    endpoint: Endpoint, v5: bool = False, client_id: str = ""
) -> Iterator[OutsideClient]:
    client = OutsideClient(endpoint, v5, client_id)
    try:
        yield client
    finally:
        client.close()
