"""An MQTT client on the engine's asyncio loop, for ``mqtt-broker`` over TCP and TLS.

Why: paho-mqtt runs its own network thread, reads every packet header with one
``recv`` per byte, wakes its ``select`` through a socket pair on every publish and
makes several objects per message; in the MQTT bridge benchmark that cost the engine
~3x Node-RED's CPU per message. This client is an ``asyncio.Protocol`` on the engine
loop: each receive buffer is parsed in one pass, callbacks run on the loop directly
(no thread hand-off), and everything written during one loop iteration goes out in
one ``transport.write``.

It offers the part of paho's ``Client`` API (``CallbackAPIVersion.VERSION2``
callbacks) that ``mqtt_broker`` uses, so the node drives either client alike:
MQTT 3.1, 3.1.1 and 5 (v5 properties on connect, will, publish, subscribe and
received messages; server topic aliases), QoS 0, 1 and 2 both ways, will message,
username/password, clean or persistent sessions (unacknowledged QoS 1/2 publishes are
sent again, flagged DUP, after a reconnect), keepalive pings (a missing PINGRESP
drops the connection), reconnection with a doubling back-off, a window of
unacknowledged QoS 1/2 publishes with a FIFO behind it, and TLS through an
``ssl.SSLContext`` (SNI from the tls-config ``servername``). Websockets are not
covered: ``mqtt_broker`` keeps paho for ``ws://``/``wss://``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
import time
from collections import deque
from collections.abc import Callable
from typing import Any, cast

from paho.mqtt.client import ConnectFlags, DisconnectFlags
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from .mqtt_packets import (
    MAX_REMAINING_LENGTH,
    PINGREQ,
    MalformedPacket,
    PacketProperties,
    ack_packet,
    connect_packet,
    decode_properties,
    encode_length,
    pack_properties,
    reason_code,
    subscribe_packet,
    unsubscribe_packet,
    utf8_field,
    v3_connack_reason,
)

__all__ = ["LoopMQTTClient", "PublishInfo", "ReceivedMessage"]

CONNECT_TIMEOUT = 5.0  # seconds for TCP + TLS (paho's default connect timeout)
CONNACK_TIMEOUT = 30.0  # seconds to wait for CONNACK (bounded by the keepalive when set)
DEFAULT_INFLIGHT = 20  # unacknowledged QoS 1/2 publishes (paho's default)
_TCP_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)
_SUCCESS = MQTTErrorCode.MQTT_ERR_SUCCESS
_NO_CONN = MQTTErrorCode.MQTT_ERR_NO_CONN
_FIRST_BYTES = [bytes((0x30 | flags,)) for flags in range(16)]
_SHORT_LENGTHS = [bytes((n,)) for n in range(128)]
_PUBACK_OK = reason_code(PacketTypes.PUBACK, 0)
_DISCONNECT_OK = reason_code(PacketTypes.DISCONNECT, 0)
_UNSPECIFIED = reason_code(PacketTypes.DISCONNECT, 0x80)
_KEEPALIVE_TIMEOUT = reason_code(PacketTypes.DISCONNECT, 0x8D)


class ReceivedMessage:
    """A received PUBLISH (paho's ``MQTTMessage`` attributes the nodes read)."""

    __slots__ = ("dup", "mid", "payload", "properties", "qos", "retain", "topic")

    def __init__(
        self,
        topic: str,
        payload: bytes,
        qos: int,
        retain: bool,
        mid: int,
        dup: bool,
        properties: PacketProperties | None,
    ) -> None:
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.mid = mid
        self.dup = dup
        self.properties = properties


class PublishInfo:
    """What ``publish`` returns (paho's ``MQTTMessageInfo``: ``rc`` and ``mid``)."""

    __slots__ = ("mid", "rc")

    def __init__(self, rc: MQTTErrorCode, mid: int) -> None:
        self.rc = rc
        self.mid = mid


#: what ``publish`` returns for every QoS 0 message handed over (never changed)
_QOS0_SENT = PublishInfo(_SUCCESS, 0)


class _Outgoing:
    """An unacknowledged QoS 1/2 publish: its packet (to send again) and its state."""

    __slots__ = ("mid", "packet", "released", "sent")

    def __init__(self, mid: int, packet: bytes) -> None:
        self.mid = mid
        self.packet = packet
        self.sent = False  # in the window (written on some connection)
        self.released = False  # QoS 2: PUBREC received, PUBREL sent


class _Connection(asyncio.Protocol):
    """One TCP/TLS connection; hands everything to its client."""

    def __init__(self, client: LoopMQTTClient) -> None:
        self.client = client

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # a stream transport (uvloop's is not an asyncio.Transport subclass)
        self.client._connection_made(self, cast(asyncio.Transport, transport))

    def data_received(self, data: bytes) -> None:
        self.client._data_received(self, data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.client._connection_lost(self, exc)


Callback = Callable[..., Any] | None


class LoopMQTTClient:
    """paho-compatible MQTT client running on ``loop`` (see the module docstring)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        client_id: str,
        protocol: int,
        clean: bool,
    ) -> None:
        if protocol not in (3, 4, 5):
            raise ValueError(f"unsupported MQTT protocol level {protocol}")
        self._loop = loop
        self.client_id = client_id
        self.protocol = protocol
        self.v5 = protocol == 5
        self.clean = clean
        # paho's VERSION2 callbacks (client, userdata, ...).
        self.on_message: Callback = None
        self.on_connect: Callback = None
        self.on_disconnect: Callback = None
        self.on_connect_fail: Callback = None
        self.on_pre_connect: Callback = None
        self.on_publish: Callback = None
        self.on_subscribe: Callback = None
        #: called with an exception a callback raised (the connection carries on)
        self.on_callback_error: Callable[[BaseException], None] | None = None
        self._host = "localhost"
        self._port = 1883
        self._keepalive = 60
        self._connect_properties: Properties | None = None
        self._will: tuple[str, bytes, int, bool, Properties | None] | None = None
        self._username: str | None = None
        self._password: str | None = None
        self._ssl: ssl.SSLContext | None = None
        self._server_hostname: str | None = None
        self._min_delay = 1.0
        self._max_delay = 120.0
        self._max_inflight = DEFAULT_INFLIGHT
        # connection state
        self._conn: _Connection | None = None
        self._transport: asyncio.Transport | None = None
        self._connected = False
        self._stopping = False
        self._runner: asyncio.Task[None] | None = None
        self._closed: asyncio.Future[None] | None = None
        self._from_server: tuple[Any, Any] | None = None  # DISCONNECT from the server
        self._rest = b""
        self._out: list[bytes] = []
        self._flush_scheduled = False
        #: the next write may go out at once (see ``_write``)
        self._direct = False
        self._quickack: Any = None  # the socket, when TCP_QUICKACK applies
        self._last_in = self._last_out = 0.0
        self._ping_sent = 0.0  # when the outstanding PINGREQ went out (0: none)
        self._timer: asyncio.TimerHandle | None = None
        self._connack_timer: asyncio.TimerHandle | None = None
        # outgoing QoS 1/2: all unacknowledged publishes by mid, the window count and FIFO
        self._last_mid = 0
        self._outgoing: dict[int, _Outgoing] = {}
        self._in_window = 0
        self._waiting: deque[_Outgoing] = deque()
        self._acked: dict[int, asyncio.Future[None]] = {}  # shutdown waits on a mid
        # incoming QoS 2 messages waiting for PUBREL, and the server's topic aliases
        self._incoming_qos2: dict[int, ReceivedMessage | None] = {}
        self._aliases: dict[int, str] = {}
        self._topic_fields: dict[str, bytes] = {}

    # ---- configuration (paho's names) ------------------------------------------------
    def reconnect_delay_set(self, min_delay: float = 1, max_delay: float = 120) -> None:
        self._min_delay = max(0.01, float(min_delay))
        self._max_delay = max(self._min_delay, float(max_delay))

    def max_inflight_messages_set(self, inflight: int) -> None:
        if inflight < 1:
            raise ValueError("Invalid inflight.")
        self._max_inflight = inflight
        if self._connected:
            self._fill_window()

    def username_pw_set(self, username: str | None, password: str | None = None) -> None:
        self._username = username
        self._password = password

    def will_set(
        self,
        topic: str,
        payload: bytes | str | None = None,
        qos: int = 0,
        retain: bool = False,
        properties: Properties | None = None,
    ) -> None:
        if not topic or "+" in topic or "#" in topic:
            raise ValueError("Invalid topic.")
        if qos not in (0, 1, 2):
            raise ValueError("Invalid QoS level.")
        self._will = (topic, _as_bytes(payload), qos, bool(retain), properties)

    def tls_set_context(self, context: ssl.SSLContext) -> None:
        self._ssl = context
        # The tls-config's servername (SNI and the name checked) or the host.
        self._server_hostname = getattr(context, "servername", None) or None

    def tls_insecure_set(self, value: bool) -> None:
        if self._ssl is not None and value:
            self._ssl.check_hostname = False

    def connect_async(
        self,
        host: str,
        port: int = 1883,
        keepalive: int = 60,
        properties: Properties | None = None,
        **_ignored: Any,
    ) -> None:
        self._host = host
        self._port = port
        self._keepalive = keepalive
        self._connect_properties = properties

    def loop_start(self) -> MQTTErrorCode:
        """Start connecting (and reconnecting) on the loop."""
        if self._runner is None:
            self._runner = self._loop.create_task(self._run())
        return _SUCCESS

    def loop_stop(self) -> None:
        """Stop reconnecting and drop the connection at once (see :meth:`shutdown`)."""
        self._stopping = True
        if self._transport is not None:
            self._transport.abort()
        if self._runner is not None:
            self._runner.cancel()

    def is_connected(self) -> bool:
        return self._connected

    # ---- the connection loop --------------------------------------------------------
    async def _run(self) -> None:
        delay = self._min_delay
        while not self._stopping:
            if self.on_pre_connect is not None:
                self._call(self.on_pre_connect, self, None)
            self._closed = self._loop.create_future()
            was_connected = False
            try:
                await asyncio.wait_for(
                    self._loop.create_connection(
                        lambda: _Connection(self),
                        self._host,
                        self._port,
                        ssl=self._ssl,
                        server_hostname=(self._server_hostname or self._host)
                        if self._ssl is not None
                        else None,
                    ),
                    CONNECT_TIMEOUT,
                )
            except Exception:  # refused, unreachable, TLS failure, timeout: try again later
                if self._stopping:
                    break
                if self.on_connect_fail is not None:
                    self._call(self.on_connect_fail, self, None)
            else:
                was_connected = await self._closed
            if self._stopping:
                break
            if was_connected:
                delay = self._min_delay
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_delay)

    def _connection_made(self, conn: _Connection, transport: asyncio.Transport) -> None:
        if self._stopping:
            transport.abort()
            return
        self._conn = conn
        self._transport = transport
        self._rest = b""
        self._out = []
        self._from_server = None
        self._ping_sent = 0.0
        self._last_in = self._last_out = time.monotonic()
        self._aliases = {}
        self._quickack = None
        sock = transport.get_extra_info("socket")
        if _TCP_QUICKACK is not None and sock is not None and sock.family != socket.AF_UNIX:
            self._quickack = sock
        transport.write(
            connect_packet(
                protocol=self.protocol,
                client_id=self.client_id,
                clean=self.clean,
                keepalive=self._keepalive,
                username=self._username,
                password=self._password,
                properties=self._connect_properties,
                will=self._will,
            )
        )
        timeout = CONNACK_TIMEOUT
        if self._keepalive:
            timeout = min(timeout, max(float(self._keepalive), 1.0))
        self._connack_timer = self._loop.call_later(timeout, self._connack_overdue, conn)

    def _connack_overdue(self, conn: _Connection) -> None:
        if conn is self._conn and not self._connected and self._transport is not None:
            self._transport.abort()

    def _connection_lost(self, conn: _Connection, exc: Exception | None) -> None:
        if conn is not self._conn:
            return
        was_connected = self._connected
        self._conn = None
        self._transport = None
        self._connected = False
        self._out = []
        self._flush_scheduled = False
        self._direct = False
        for timer in (self._timer, self._connack_timer):
            if timer is not None:
                timer.cancel()
        self._timer = self._connack_timer = None
        # Publishes in the window go again after the reconnect (DUP).
        if self.on_disconnect is not None:
            if self._from_server is not None:
                reason, props = self._from_server
                flags = DisconnectFlags(is_disconnect_packet_from_server=True)
            else:
                reason = _DISCONNECT_OK if self._stopping else _UNSPECIFIED
                props = None
                flags = DisconnectFlags(is_disconnect_packet_from_server=False)
            self._call(self.on_disconnect, self, None, flags, reason, props)
        closed = self._closed
        if closed is not None and not closed.done():
            closed.set_result(was_connected)

    # ---- keepalive ----------------------------------------------------------------
    def _schedule_keepalive(self) -> None:
        if self._keepalive > 0:
            period = max(0.25, self._keepalive / 4)
            self._timer = self._loop.call_later(period, self._keepalive_tick)

    def _keepalive_tick(self) -> None:
        self._timer = None
        transport = self._transport
        if transport is None or not self._connected:
            return
        now = time.monotonic()
        keepalive = self._keepalive
        if self._ping_sent:
            if now - self._ping_sent >= keepalive:
                # No PINGRESP within the keepalive: the link is dead (paho does the same).
                self._from_server = None
                transport.abort()
                return
        elif now - self._last_out >= keepalive * 0.5 or now - self._last_in >= keepalive * 0.5:
            self._ping_sent = now
            self._write(PINGREQ)
        self._schedule_keepalive()

    # ---- writing ------------------------------------------------------------------
    # Writes made while handling what one read brought in go out together, once per loop
    # iteration (``_flush``). The first write after a read goes out at once when nothing
    # waits before it (QoS 0: no acknowledgements queued): at a low rate that saves a loop
    # iteration (and its latency) per message; at a high rate it is one small extra send
    # per read (measured: QoS 0 bursts +12 % msg/s, same CPU).
    def _write(self, data: bytes) -> None:
        if self._direct and not self._out and not self._flush_scheduled:
            transport = self._transport
            if transport is not None:
                self._direct = False
                transport.write(data)
                self._last_out = time.monotonic()
                return
        self._out.append(data)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        out = self._out
        if not out:
            return
        transport = self._transport
        self._out = []
        if transport is not None:
            transport.write(b"".join(out))
            self._last_out = time.monotonic()

    # ---- publishing -----------------------------------------------------------------
    def publish(
        self,
        topic: str,
        payload: bytes | bytearray | str | float | None = None,
        qos: int = 0,
        retain: bool = False,
        properties: Properties | None = None,
    ) -> PublishInfo:
        if qos not in (0, 1, 2):
            raise ValueError("Invalid QoS level.")
        if not topic:
            raise ValueError("Invalid topic.")
        if "+" in topic or "#" in topic:
            raise ValueError("Publish topic cannot contain wildcards.")
        data = payload if type(payload) is bytes else _as_bytes(payload)
        field = self._topic_fields.get(topic)
        if field is None:
            field = utf8_field(topic)
            if len(self._topic_fields) >= 1024:
                self._topic_fields.clear()
            self._topic_fields[topic] = field
        props = b""
        if self.v5:
            props = (
                b"\x00" if properties is None else pack_properties(PacketTypes.PUBLISH, properties)
            )
        first = _FIRST_BYTES[(qos << 1) | (1 if retain else 0)]
        if not qos:
            if self._transport is None or not self._connected:
                return PublishInfo(_NO_CONN, 0)
            size = len(field) + len(props) + len(data)
            if self._direct:
                self._write(b"".join((first, _length(size), field, props, data)))
                return _QOS0_SENT
            self._out += (first, _length(size), field, props, data)
            if not self._flush_scheduled:
                self._flush_scheduled = True
                self._loop.call_soon(self._flush)
            return _QOS0_SENT
        mid = self._new_mid()
        if mid == 0:
            return PublishInfo(MQTTErrorCode.MQTT_ERR_QUEUE_SIZE, 0)
        size = len(field) + 2 + len(props) + len(data)
        if size > MAX_REMAINING_LENGTH:
            raise ValueError("Payload too large.")
        packet = b"".join((first, _length(size), field, struct.pack("!H", mid), props, data))
        item = _Outgoing(mid, packet)
        self._outgoing[mid] = item
        if self._connected and self._in_window < self._max_inflight and not self._waiting:
            item.sent = True
            self._in_window += 1
            self._write(packet)
        else:
            self._waiting.append(item)
        return PublishInfo(_SUCCESS, mid)

    def _new_mid(self) -> int:
        """The next free packet id (1…65535), 0 when all are in use."""
        outgoing = self._outgoing
        if len(outgoing) >= 65535:
            return 0
        mid = self._last_mid
        while True:
            mid = mid + 1 if mid < 65535 else 1
            if mid not in outgoing:
                self._last_mid = mid
                return mid

    def _fill_window(self) -> None:
        waiting = self._waiting
        while waiting and self._in_window < self._max_inflight:
            item = waiting.popleft()
            if item.mid not in self._outgoing:
                continue
            item.sent = True
            self._in_window += 1
            self._write(item.packet)

    def _resend_window(self) -> None:
        """After a reconnect: the window's publishes again (DUP), QoS 2 releases again."""
        for item in self._outgoing.values():
            if not item.sent:
                continue
            if item.released:
                self._write(ack_packet(0x60, item.mid))
            else:
                packet = item.packet
                self._write(bytes((packet[0] | 0x08,)) + packet[1:])
        self._fill_window()

    def _complete(self, mid: int, reason: Any, props: Any) -> None:
        item = self._outgoing.pop(mid, None)
        if item is None:
            return  # not ours (a duplicate acknowledgement)
        if item.sent:
            self._in_window -= 1
        if self._waiting:
            self._fill_window()
        waiter = self._acked.pop(mid, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self.on_publish is not None:
            self._call(self.on_publish, self, None, mid, reason, props)

    # ---- subscribing ----------------------------------------------------------------
    def subscribe(
        self,
        topic: str,
        qos: int = 0,
        options: Any = None,
        properties: Properties | None = None,
    ) -> tuple[MQTTErrorCode, int | None]:
        if not topic:
            raise ValueError("Invalid topic.")
        if options is not None:
            options_byte = options.pack()[0]
        else:
            if qos not in (0, 1, 2):
                raise ValueError("Invalid QoS level.")
            options_byte = qos
        if not self._connected:
            return _NO_CONN, None
        mid = self._control_mid()
        self._write(subscribe_packet(mid, topic, options_byte, self.v5, properties))
        return _SUCCESS, mid

    def unsubscribe(self, topic: str) -> tuple[MQTTErrorCode, int | None]:
        if not topic:
            raise ValueError("Invalid topic.")
        if not self._connected:
            return _NO_CONN, None
        mid = self._control_mid()
        self._write(unsubscribe_packet(mid, topic, self.v5))
        return _SUCCESS, mid

    def _control_mid(self) -> int:
        # SUBSCRIBE/UNSUBSCRIBE ids come from the same space, never one a publish holds.
        mid = self._new_mid()
        return mid or 1

    # ---- disconnecting --------------------------------------------------------------
    def disconnect(self) -> MQTTErrorCode:
        """Send DISCONNECT, close the connection and stop reconnecting."""
        self._stopping = True
        transport = self._transport
        if transport is None:
            if self._runner is not None:
                self._runner.cancel()
            return _NO_CONN
        self._flush()
        transport.write(b"\xe0\x00")
        transport.close()
        return _SUCCESS

    async def shutdown(
        self, close_publish: tuple[str, bytes, int, bool, Any] | None, wait: float
    ) -> None:
        """Publish the close message (acknowledged within ``wait``), then disconnect."""
        deadline = self._loop.time() + wait
        if close_publish is not None and self._connected:
            topic, data, qos, retain, props = close_publish
            try:
                info = self.publish(topic, data, qos, retain, props)
            except ValueError:
                info = PublishInfo(MQTTErrorCode.MQTT_ERR_INVAL, 0)
            if info.rc == _SUCCESS and info.mid:
                waiter = self._loop.create_future()
                self._acked[info.mid] = waiter
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter, max(0.05, deadline - self._loop.time()))
        closed = self._closed
        self.disconnect()
        if closed is not None and not closed.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.shield(closed), max(0.1, deadline - self._loop.time())
                )
        if self._transport is not None:
            self._transport.abort()
        runner = self._runner
        if runner is not None and not runner.done():
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner

    # ---- reading ------------------------------------------------------------------
    def _call(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            fn(*args)
        except Exception as e:  # a callback's bug must not take the connection down
            if self.on_callback_error is not None:
                self.on_callback_error(e)

    def _data_received(self, conn: _Connection, data: bytes) -> None:
        if conn is not self._conn:
            return
        if self._rest:
            data = self._rest + data
        self._last_in = time.monotonic()
        n = len(data)
        pos = 0
        publishes = 0
        on_message = self.on_message
        v5 = self.v5
        out = self._out
        try:
            while pos + 2 <= n:
                first = data[pos]
                # remaining length (1-4 bytes)
                i = pos + 1
                byte = data[i]
                length = byte & 0x7F
                i += 1
                shift = 7
                while byte & 0x80:
                    if i >= n:
                        break
                    if shift > 21:
                        raise MalformedPacket("remaining length longer than 4 bytes")
                    byte = data[i]
                    length |= (byte & 0x7F) << shift
                    shift += 7
                    i += 1
                end = i + length
                if byte & 0x80 or end > n:
                    break  # incomplete: wait for more
                pos = end
                if first & 0xF0 == 0x30:  # PUBLISH, the hot path
                    publishes += 1
                    qos = (first >> 1) & 3
                    topic_end = i + 2 + ((data[i] << 8) | data[i + 1])
                    if topic_end > end:
                        raise MalformedPacket("topic beyond the packet")
                    topic = data[i + 2 : topic_end].decode("utf-8", "replace")
                    mid = 0
                    if qos:
                        mid = (data[topic_end] << 8) | data[topic_end + 1]
                        topic_end += 2
                    props = None
                    if v5:
                        props, topic_end = decode_properties(data, topic_end, end)
                        if props is not None:
                            topic = self._alias_topic(topic, props)
                            if topic is None:
                                raise MalformedPacket("unknown topic alias")
                    message = ReceivedMessage(
                        topic,
                        data[topic_end:end],
                        qos,
                        bool(first & 1),
                        mid,
                        bool(first & 8),
                        props,
                    )
                    if qos == 1:
                        out.append(bytes((0x40, 2, mid >> 8, mid & 0xFF)))
                    elif qos == 2:
                        # Delivered on PUBREL (exactly once): keep it until then.
                        if mid not in self._incoming_qos2:
                            self._incoming_qos2[mid] = message
                        out.append(ack_packet(0x50, mid))
                        continue
                    if on_message is not None:
                        try:
                            on_message(self, None, message)
                        except Exception as e:
                            if self.on_callback_error is not None:
                                self.on_callback_error(e)
                else:
                    self._control_packet(first, data, i, end)
                    out = self._out  # a control packet may have flushed
        except MalformedPacket:
            self._rest = b""
            if self._transport is not None:
                self._transport.abort()
            return
        self._rest = data[pos:] if pos < n else b""
        if not publishes and self._quickack is not None:
            self._ack_at_once()  # acknowledgements only: we send nothing back to carry the ACK
        if self._out and not self._flush_scheduled:
            # Acknowledgements go out with what the flow publishes in reply (measured:
            # writing them at once costs QoS 1 bursts ~5 % more CPU).
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)
        self._direct = True

    def _ack_at_once(self) -> None:
        """Linux: acknowledge (TCP) what was read now rather than up to 40 ms later.

        The broker's packets to us are small and Mosquitto leaves Nagle on: it holds its
        next packet until our kernel acknowledges the previous one, and a delayed ACK
        (nothing to send back after a PUBACK) made each QoS 1 message through the bridge
        wait ~8 ms (p99 19 ms; with this 0.3 / 1.2 ms). TCP_QUICKACK is not sticky, hence
        per read; reads that bring a PUBLISH need none (our reply carries the ACK).
        """
        try:
            self._quickack.setsockopt(socket.IPPROTO_TCP, _TCP_QUICKACK, 1)  # type: ignore[union-attr]
        except OSError:
            self._quickack = None

    def _alias_topic(self, topic: str, props: PacketProperties) -> str | None:
        alias = getattr(props, "TopicAlias", None)
        if alias is None:
            return topic
        if topic:
            self._aliases[alias] = topic
            return topic
        return self._aliases.get(alias)

    def _control_packet(self, first: int, data: bytes, i: int, end: int) -> None:
        kind = first & 0xF0
        v5 = self.v5
        if kind in (0x40, 0x50, 0x70):  # PUBACK, PUBREC, PUBCOMP
            if end - i < 2:
                raise MalformedPacket("acknowledgement without packet id")
            mid = (data[i] << 8) | data[i + 1]
            code = data[i + 2] if v5 and end - i > 2 else 0
            props = None
            if v5 and end - i > 3:
                props, _ = decode_properties(data, i + 3, end)
            if kind == 0x50:
                item = self._outgoing.get(mid)
                if code >= 0x80:
                    self._complete(mid, reason_code(PacketTypes.PUBREC, code), props)
                    return
                if item is not None:
                    item.released = True
                self._write(ack_packet(0x60, mid))
                return
            packet_type = PacketTypes.PUBACK if kind == 0x40 else PacketTypes.PUBCOMP
            reason = _PUBACK_OK if code == 0 else reason_code(packet_type, code)
            self._complete(mid, reason, props)
        elif kind == 0x60:  # PUBREL: deliver the QoS 2 message now
            mid = (data[i] << 8) | data[i + 1]
            message = self._incoming_qos2.pop(mid, None)
            self._write(ack_packet(0x70, mid))
            if message is not None and self.on_message is not None:
                self._call(self.on_message, self, None, message)
        elif kind == 0x20:  # CONNACK
            self._connack(data, i, end)
        elif kind == 0x90:  # SUBACK
            mid = (data[i] << 8) | data[i + 1]
            pos = i + 2
            props = None
            if v5:
                props, pos = decode_properties(data, pos, end)
            codes = [reason_code(PacketTypes.SUBACK, data[k]) for k in range(pos, end)]
            if self.on_subscribe is not None:
                self._call(self.on_subscribe, self, None, mid, codes, props)
        elif kind == 0xD0:  # PINGRESP
            self._ping_sent = 0.0
        elif kind == 0xE0:  # DISCONNECT from the server (v5)
            code = data[i] if end > i else 0
            props = None
            if end - i > 1:
                props, _ = decode_properties(data, i + 1, end)
            self._from_server = (reason_code(PacketTypes.DISCONNECT, code), props)
            if self._transport is not None:
                self._transport.close()
        # UNSUBACK and AUTH need nothing from us.

    def _connack(self, data: bytes, i: int, end: int) -> None:
        if self._connack_timer is not None:
            self._connack_timer.cancel()
            self._connack_timer = None
        session_present = bool(data[i] & 1)
        code = data[i + 1]
        props = None
        if self.v5:
            reason = reason_code(PacketTypes.CONNACK, code)
            if end - i > 2:
                props, _ = decode_properties(data, i + 2, end)
        else:
            reason = v3_connack_reason(code)
        flags = ConnectFlags(session_present=session_present)
        if code != 0:
            if self.on_connect is not None:
                self._call(self.on_connect, self, None, flags, reason, props)
            if self._transport is not None:
                self._transport.close()
            return
        self._connected = True
        server_keepalive = getattr(props, "ServerKeepAlive", None) if props else None
        if isinstance(server_keepalive, int):
            self._keepalive = server_keepalive
        self._incoming_qos2 = {} if not session_present else self._incoming_qos2
        self._resend_window()
        self._schedule_keepalive()
        if self.on_connect is not None:
            self._call(self.on_connect, self, None, flags, reason, props)


def _length(n: int) -> bytes:
    return _SHORT_LENGTHS[n] if n < 128 else encode_length(n)


def _as_bytes(payload: Any) -> bytes:
    """paho's payload rules: bytes as is, str as UTF-8, numbers as text, None empty."""
    if payload is None:
        return b""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, bytearray):
        return bytes(payload)
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, int | float):
        return str(payload).encode("ascii")
    raise TypeError("payload must be a string, bytearray, int, float or None.")
