"""A minimal MQTT 3.1.1 client on a plain socket, for the load generator and the counter.

Only what the benchmarks need: CONNECT/CONNACK, PUBLISH at QoS 0 and 1 (packets built
ahead, many per ``sendall``), PUBACK, SUBSCRIBE/SUBACK and a parser that walks a receive
buffer packet by packet. No keep-alive (keepalive 0), no reconnects, no QoS 2. paho's
per-message Python objects and locks made it the bottleneck of a load generator;
writing pre-built bytes keeps the generator and the counter far above what an engine
in between reaches (their own ceiling is measured and reported).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

__all__ = [
    "MQTTWire",
    "encode_length",
    "publish_packet",
    "puback_packet",
]

CONNECT = 0x10
CONNACK = 0x20
PUBLISH = 0x30
PUBACK = 0x40
SUBSCRIBE = 0x82
SUBACK = 0x90


def encode_length(n: int) -> bytes:
    """MQTT's variable-length 'remaining length'."""
    out = bytearray()
    while True:
        digit = n % 128
        n //= 128
        if n:
            out.append(digit | 0x80)
        else:
            out.append(digit)
            return bytes(out)


def _utf8(text: str) -> bytes:
    data = text.encode()
    return len(data).to_bytes(2, "big") + data


def publish_packet(topic: bytes, payload: bytes, qos: int = 0, packet_id: int = 0) -> bytes:
    """A PUBLISH packet; ``topic`` already UTF-8 encoded."""
    var = len(topic).to_bytes(2, "big") + topic
    if qos:
        var += packet_id.to_bytes(2, "big")
    body = var + payload
    return bytes((PUBLISH | (qos << 1),)) + encode_length(len(body)) + body


def puback_packet(packet_id: int) -> bytes:
    return b"\x40\x02" + packet_id.to_bytes(2, "big")


class MQTTWire:
    """One connection to a broker, clean session, no keep-alive."""

    def __init__(self, host: str, port: int, client_id: str, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        body = _utf8("MQTT") + bytes((4, 0x02)) + (0).to_bytes(2, "big") + _utf8(client_id)
        self.sock.sendall(bytes((CONNECT,)) + encode_length(len(body)) + body)
        self.buffer = bytearray()
        kind, data = self.read_packet()
        if kind != CONNACK or len(data) < 2 or data[1] != 0:
            raise ConnectionError(f"CONNACK refused: type {kind:#x} {bytes(data)!r}")

    def subscribe(self, topic: str, qos: int) -> None:
        body = (1).to_bytes(2, "big") + _utf8(topic) + bytes((qos,))
        self.sock.sendall(bytes((SUBSCRIBE,)) + encode_length(len(body)) + body)
        kind, data = self.read_packet()
        if kind != SUBACK or data[-1] == 0x80:
            raise ConnectionError(f"SUBACK refused: {bytes(data)!r}")

    def read_packet(self) -> tuple[int, bytes]:
        """Block for one whole packet (handshakes only; the hot loops parse buffers)."""
        while True:
            for kind, data, used in iter_packets(self.buffer):
                del self.buffer[:used]
                return kind, data
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("broker closed the connection")
            self.buffer += chunk

    def close(self) -> None:
        try:
            self.sock.sendall(b"\xe0\x00")  # DISCONNECT
        except OSError:
            pass
        self.sock.close()


def iter_packets(buf: bytearray | bytes, start: int = 0) -> Iterator[tuple[int, bytes, int]]:
    """Complete packets in ``buf`` from ``start``: (first byte, body, end offset)."""
    n = len(buf)
    pos = start
    while pos + 2 <= n:
        first = buf[pos]
        i = pos + 1
        length = 0
        shift = 0
        while True:
            if i >= n:
                return
            byte = buf[i]
            length |= (byte & 0x7F) << shift
            i += 1
            if not byte & 0x80:
                break
            shift += 7
        end = i + length
        if end > n:
            return
        yield first, bytes(buf[i:end]), end
        pos = end
