"""An outside MQTT client for the firmware tests: subscribe first, then collect payloads."""

from __future__ import annotations

import threading
import time

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from tests.support.services import Endpoint

WAIT = 60.0


class Probe:
    """Subscribed (SUBACK received) once constructed; ``wait(n)`` for n payloads."""

    def __init__(self, endpoint: Endpoint, topic: str) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self._cond = threading.Condition()
        self._client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, protocol=paho.MQTTv311
        )
        subscribed = threading.Event()
        self._client.on_message = self._on_message
        self._client.on_connect = lambda c, u, f, rc, p: c.subscribe(topic, 0)
        self._client.on_subscribe = lambda c, u, mid, rc, p: subscribed.set()
        self._client.connect(endpoint.host, endpoint.port, 60)
        self._client.loop_start()
        assert subscribed.wait(WAIT), f"no SUBACK for {topic}"

    def _on_message(self, client: object, userdata: object, message: paho.MQTTMessage) -> None:
        with self._cond:
            self.messages.append((message.topic, bytes(message.payload)))
            self._cond.notify_all()

    def wait(self, count: int, timeout: float = WAIT) -> list[tuple[str, bytes]]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"expected {count} messages, got {self.messages}"
                self._cond.wait(left)
            return list(self.messages)

    def publish(self, topic: str, payload: bytes) -> None:
        self._client.publish(topic, payload, 0).wait_for_publish(WAIT)

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
