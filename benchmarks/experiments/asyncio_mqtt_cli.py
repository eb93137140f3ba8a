"""Experiment P3: the mqtt-broker node on a minimal asyncio MQTT 3.1.1 client (no paho).

A stand-in for ``paho.Client`` offering the calls ``nodes/network/mqtt_broker.py`` makes
(connect_async/loop_start, subscribe, publish, disconnect and the v2 callbacks), written
as an ``asyncio.Protocol`` on the engine loop: each receive buffer is parsed packet by
packet in one pass, publishes and acknowledgements are gathered and written once per
loop iteration, QoS 1 publishes beyond a window of 1000 unacknowledged wait in a FIFO
(so packet ids never collide), and no per-message object is made besides the message.
TCP and MQTT 3.1.1 only, QoS 0/1, no reconnect, no TLS: for measurement only.

    FLOWENGINE_BENCH_COMMAND=".venv/bin/python benchmarks/experiments/asyncio_mqtt_cli.py"
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import deque
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import paho.mqtt.client as paho
from paho.mqtt.enums import MQTTErrorCode

from benchmarks.experiments.loop_thread import patch_call_threadsafe
from benchmarks.mqttwire import encode_length

WINDOW = 1000  # unacknowledged QoS 1 publishes


class _Info:
    __slots__ = ("mid", "rc")

    def __init__(self, rc: MQTTErrorCode, mid: int) -> None:
        self.rc = rc
        self.mid = mid

    def wait_for_publish(self, timeout: float | None = None) -> None:
        return None


class _Message:
    __slots__ = ("payload", "properties", "qos", "retain", "topic")

    def __init__(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = None


class _Success:
    is_failure = False
    value = 0


class AsyncioMQTTClient(asyncio.Protocol):
    def __init__(self, *_args: Any, client_id: str = "", **_kwargs: Any) -> None:
        self.client_id = client_id or "flowengine-asyncio"
        self.suppress_exceptions = True
        self.on_message: Any = None
        self.on_connect: Any = None
        self.on_disconnect: Any = None
        self.on_connect_fail: Any = None
        self.on_pre_connect: Any = None
        self.on_publish: Any = None
        self.on_subscribe: Any = None
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.outgoing: list[bytes] = []
        self.flush_pending = False
        self.last_mid = 0
        self.in_flight = 0
        self.waiting: deque[bytes] = deque()
        self.host, self.port, self.keepalive = "127.0.0.1", 1883, 60
        self.loop: asyncio.AbstractEventLoop | None = None

    # -- the paho calls the broker node makes ---------------------------------------
    def reconnect_delay_set(self, **_kwargs: Any) -> None:
        pass

    def max_inflight_messages_set(self, _n: int) -> None:
        pass

    def max_queued_messages_set(self, _n: int) -> None:
        pass

    def connect_async(self, host: str, port: int, keepalive: int = 60, **_kw: Any) -> None:
        self.host, self.port, self.keepalive = host, port, keepalive

    def loop_start(self) -> MQTTErrorCode:
        self.loop = asyncio.get_running_loop()
        self.loop.create_task(self.loop.create_connection(lambda: self, self.host, self.port))
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    def loop_stop(self) -> None:
        pass

    def disconnect(self, *_args: Any, **_kwargs: Any) -> MQTTErrorCode:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._close)
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    def subscribe(self, topic: str, qos: int = 0, **_kwargs: Any) -> tuple[MQTTErrorCode, int]:
        mid = self._next_mid()
        name = topic.encode()
        body = mid.to_bytes(2, "big") + len(name).to_bytes(2, "big") + name + bytes((qos,))
        self._write(b"\x82" + encode_length(len(body)) + body)
        return MQTTErrorCode.MQTT_ERR_SUCCESS, mid

    def publish(
        self, topic: str, payload: Any = None, qos: int = 0, retain: bool = False, _p: Any = None
    ) -> _Info:
        name = topic.encode()
        data = payload if isinstance(payload, bytes) else bytes(payload or b"")
        variable = len(name).to_bytes(2, "big") + name
        mid = 0
        if qos:
            mid = self._next_mid()
            variable += mid.to_bytes(2, "big")
        first = 0x30 | (qos << 1) | (1 if retain else 0)
        packet = bytes((first,)) + encode_length(len(variable) + len(data)) + variable + data
        if qos and self.in_flight >= WINDOW:
            self.waiting.append(packet)
        else:
            self.in_flight += 1 if qos else 0
            self._write(packet)
        return _Info(MQTTErrorCode.MQTT_ERR_SUCCESS, mid)

    # -- writing ----------------------------------------------------------------------
    def _next_mid(self) -> int:
        self.last_mid = self.last_mid % 65535 + 1
        return self.last_mid

    def _write(self, data: bytes) -> None:
        self.outgoing.append(data)
        if not self.flush_pending and self.loop is not None:
            self.flush_pending = True
            self.loop.call_soon(self._flush)

    def _flush(self) -> None:
        self.flush_pending = False
        if self.outgoing and self.transport is not None:
            self.transport.write(b"".join(self.outgoing))
        self.outgoing.clear()

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.write(b"\xe0\x00")
            self.transport.close()

    # -- asyncio.Protocol -------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        cid = self.client_id.encode()
        body = b"\x00\x04MQTT\x04\x02" + self.keepalive.to_bytes(2, "big")
        body += len(cid).to_bytes(2, "big") + cid
        transport.write(b"\x10" + encode_length(len(body)) + body)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.on_disconnect is not None:
            self.on_disconnect(self, None, None, _Success, None)

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        n = len(buf)
        pos = 0
        acks: list[bytes] = []
        on_message = self.on_message
        while pos + 2 <= n:
            first = buf[pos]
            i = pos + 1
            length = shift = 0
            byte = 0x80
            while byte & 0x80 and i < n:
                byte = buf[i]
                length |= (byte & 0x7F) << shift
                shift += 7
                i += 1
            end = i + length
            if byte & 0x80 or end > n:
                break
            pos = end
            kind = first & 0xF0
            if kind == 0x30:  # PUBLISH
                qos = (first >> 1) & 3
                topic_end = i + 2 + ((buf[i] << 8) | buf[i + 1])
                topic = buf[i + 2 : topic_end].decode()
                if qos:
                    acks.append(b"\x40\x02" + bytes(buf[topic_end : topic_end + 2]))
                    topic_end += 2
                message = _Message(topic, bytes(buf[topic_end:end]), qos, bool(first & 1))
                on_message(self, None, message)
            elif kind == 0x40:  # PUBACK
                self.in_flight -= 1
                if self.waiting:
                    self.in_flight += 1
                    self._write(self.waiting.popleft())
                if self.on_publish is not None:
                    self.on_publish(self, None, (buf[i] << 8) | buf[i + 1], _Success, None)
            elif kind == 0x20:  # CONNACK
                self.on_connect(self, None, None, _Success, None)
            elif kind == 0x90 and self.on_subscribe is not None:  # SUBACK
                self.on_subscribe(self, None, (buf[i] << 8) | buf[i + 1], [_Success], None)
        del buf[:pos]
        if acks:
            self._write(b"".join(acks))


def main() -> int:
    patch_call_threadsafe()
    paho.Client = AsyncioMQTTClient  # type: ignore[misc,assignment]
    from flowengine.cli import main as flowengine_main

    return flowengine_main()


if __name__ == "__main__":
    sys.exit(main())
