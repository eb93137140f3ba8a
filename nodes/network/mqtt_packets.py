"""MQTT 3.1 / 3.1.1 / 5 packet encoding for the loop client (``mqtt_client``).

Only what a client sends and parses: the fixed header's remaining length, CONNECT,
PUBLISH, SUBSCRIBE, UNSUBSCRIBE and the small acknowledgement packets, and v5
properties. v5 properties are *encoded* with paho's ``Properties`` (rare: connect,
will, and publishes that carry some) and *decoded* here into a plain object with
paho's attribute names (``ResponseTopic``, ``UserProperty`` as a list of pairs,
``SubscriptionIdentifier`` as a list …), so ``mqtt in`` reads them the same from
either client; decoding is on the per-message path, hence our own.
"""

from __future__ import annotations

import struct
from typing import Any

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

__all__ = [
    "MAX_REMAINING_LENGTH",
    "PINGREQ",
    "MalformedPacket",
    "PacketProperties",
    "ack_packet",
    "connect_packet",
    "decode_properties",
    "encode_length",
    "pack_properties",
    "reason_code",
    "subscribe_packet",
    "unsubscribe_packet",
    "v3_connack_reason",
    "utf8_field",
]

PUBREL = 0x60  # packet type (the high nibble of the first byte)
PINGREQ = b"\xc0\x00"

#: The largest remaining length MQTT can express (4 length bytes).
MAX_REMAINING_LENGTH = 268_435_455


class MalformedPacket(ValueError):
    """A packet from the server we cannot parse: the connection is dropped."""


def encode_length(n: int) -> bytes:
    """The variable byte integer of the fixed header (and of v5 property lengths)."""
    if n < 0x80:
        return bytes((n,))
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def utf8_field(text: str | bytes) -> bytes:
    """A two-byte length followed by the (UTF-8) bytes."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if len(data) > 0xFFFF:
        raise ValueError("string field longer than 65535 bytes")
    return struct.pack("!H", len(data)) + data


def _with_header(first: int, body: bytes) -> bytes:
    return bytes((first,)) + encode_length(len(body)) + body


def ack_packet(kind: int, mid: int) -> bytes:
    """PUBACK / PUBREC / PUBREL / PUBCOMP with reason Success (valid in every version)."""
    first = kind | 0x02 if kind == PUBREL else kind
    return bytes((first, 2, mid >> 8, mid & 0xFF))


def pack_properties(packet_type: int, props: Properties | None) -> bytes:
    """A v5 property block (``props`` made for another packet type is re-typed)."""
    if props is None:
        return b"\x00"
    if props.packetType != packet_type:  # paho checks names against the packet type
        copy = Properties(packet_type)
        for name, value in props.__dict__.items():
            if name[0].isupper():
                copy.__dict__[name] = value
        props = copy
    packed: bytes = props.pack()
    return packed


def connect_packet(
    *,
    protocol: int,
    client_id: str,
    clean: bool,
    keepalive: int,
    username: str | None,
    password: str | None,
    properties: Properties | None,
    will: tuple[str, bytes, int, bool, Properties | None] | None,
) -> bytes:
    """CONNECT for protocol level 3 (MQTT 3.1), 4 (3.1.1) or 5."""
    name = b"\x00\x06MQIsdp" if protocol == 3 else b"\x00\x04MQTT"
    flags = 0x02 if clean else 0
    payload = utf8_field(client_id)
    if will is not None:
        topic, data, qos, retain, will_props = will
        flags |= 0x04 | (qos << 3) | (0x20 if retain else 0)
        if protocol == 5:
            payload += pack_properties(PacketTypes.WILLMESSAGE, will_props)
        payload += utf8_field(topic) + utf8_field(data)
    if username is not None:
        flags |= 0x80
        payload += utf8_field(username)
        if password is not None:
            flags |= 0x40
            payload += utf8_field(password)
    elif password is not None and protocol == 5:  # v5 allows a password alone
        flags |= 0x40
        payload += utf8_field(password)
    variable = name + bytes((protocol, flags)) + struct.pack("!H", keepalive)
    if protocol == 5:
        variable += pack_properties(PacketTypes.CONNECT, properties)
    return _with_header(0x10, variable + payload)


def subscribe_packet(
    mid: int, topic: str, options_byte: int, v5: bool, properties: Properties | None
) -> bytes:
    body = struct.pack("!H", mid)
    if v5:
        body += pack_properties(PacketTypes.SUBSCRIBE, properties)
    body += utf8_field(topic) + bytes((options_byte,))
    return _with_header(0x82, body)


def unsubscribe_packet(mid: int, topic: str, v5: bool) -> bytes:
    body = struct.pack("!H", mid) + (b"\x00" if v5 else b"") + utf8_field(topic)
    return _with_header(0xA2, body)


# ---- v5 properties, decoded ----------------------------------------------------------
class PacketProperties:
    """Received v5 properties: attributes named as paho names them, only those present."""

    def __repr__(self) -> str:
        return f"PacketProperties({self.__dict__!r})"


def _property_table() -> dict[int, tuple[str, int, bool]]:
    """id → (paho attribute name, value type index, repeatable) from paho's own table."""
    sample = Properties(PacketTypes.PUBLISH)
    table: dict[int, tuple[str, int, bool]] = {}
    for name, identifier in sample.names.items():
        attr = name.replace(" ", "")
        value_type = sample.properties[identifier][0]
        table[identifier] = (attr, value_type, sample.allowsMultiple(attr))
    return table


_PROPERTIES = _property_table()
_BYTE, _INT16, _INT32, _VARINT, _BINARY, _STRING, _PAIR = range(7)


def _read_varint(buf: bytes | bytearray | memoryview, pos: int, end: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= end or shift > 21:
            raise MalformedPacket("bad variable byte integer")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _read_string(buf: bytes | bytearray | memoryview, pos: int, end: int) -> tuple[bytes, int]:
    if pos + 2 > end:
        raise MalformedPacket("truncated string")
    stop = pos + 2 + ((buf[pos] << 8) | buf[pos + 1])
    if stop > end:
        raise MalformedPacket("truncated string")
    return bytes(buf[pos + 2 : stop]), stop


def decode_properties(
    buf: bytes | bytearray | memoryview, pos: int, end: int
) -> tuple[PacketProperties | None, int]:
    """The property block at ``pos``: (properties or None when empty, position after it)."""
    length, pos = _read_varint(buf, pos, end)
    if not length:
        return None, pos
    stop = pos + length
    if stop > end:
        raise MalformedPacket("properties longer than the packet")
    props = PacketProperties()
    values = props.__dict__
    while pos < stop:
        identifier, pos = _read_varint(buf, pos, stop)
        entry = _PROPERTIES.get(identifier)
        if entry is None:
            raise MalformedPacket(f"unknown property {identifier}")
        attr, kind, repeatable = entry
        value: Any
        if kind == _BYTE:
            value = buf[pos]
            pos += 1
        elif kind == _INT16:
            value = (buf[pos] << 8) | buf[pos + 1]
            pos += 2
        elif kind == _INT32:
            value = int.from_bytes(buf[pos : pos + 4], "big")
            pos += 4
        elif kind == _VARINT:
            value, pos = _read_varint(buf, pos, stop)
        elif kind == _BINARY:
            value, pos = _read_string(buf, pos, stop)
        elif kind == _STRING:
            raw, pos = _read_string(buf, pos, stop)
            value = raw.decode("utf-8", "replace")
        else:
            key, pos = _read_string(buf, pos, stop)
            val, pos = _read_string(buf, pos, stop)
            value = (key.decode("utf-8", "replace"), val.decode("utf-8", "replace"))
        if pos > stop:
            raise MalformedPacket("property value beyond its block")
        if repeatable:
            values.setdefault(attr, []).append(value)
        else:
            values[attr] = value
    return props, stop


# ---- reason codes ---------------------------------------------------------------------
_REASONS: dict[tuple[int, int], ReasonCode] = {}


def reason_code(packet_type: int, value: int) -> ReasonCode:
    """paho's ``ReasonCode`` for a received code (cached: they are compared, never changed)."""
    key = (packet_type, value)
    code = _REASONS.get(key)
    if code is None:
        try:
            code = ReasonCode(packet_type, identifier=value)
        except (KeyError, ValueError):
            code = ReasonCode(packet_type, identifier=0x80)  # unknown: unspecified error
        _REASONS[key] = code
    return code


#: MQTT 3.1.1 CONNACK return codes → the v5 reason codes paho reports for them.
_V3_CONNACK = {0: 0, 1: 132, 2: 133, 3: 136, 4: 134, 5: 135}


def v3_connack_reason(return_code: int) -> ReasonCode:
    return reason_code(PacketTypes.CONNACK, _V3_CONNACK.get(return_code, 0x80))
