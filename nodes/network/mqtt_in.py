"""``mqtt in``: subscribe through an ``mqtt-broker`` and send what arrives.

Node-RED 5.0.7's ``MQTTInNode`` and ``subscriptionHandler``: topic filters with ``+``,
``#`` and ``$share/<group>/…``; ``qos`` (default and fallback 2); v5 subscription flags
``nl``/``rap``/``rh``; ``datatype`` ``auto-detect`` / ``auto`` / ``utf8`` / ``buffer`` /
``json`` / ``base64`` (``utf8`` when absent) decoded exactly as Node-RED does — notably
"is it text?" is the ``is-utf8`` package's test, which rejects ASCII control
characters other than tab, LF and CR, so a NUL-terminated payload (IoTKit boards
send ``strlen(buf)+1`` bytes) stays a Buffer (``bytes``) under ``auto``/``auto-detect``.
v5 message properties are copied onto the message (and ``contentType`` /
``payloadFormatIndicator`` steer the decoding); ``msg._topic`` is added only when the
broker host is literally ``localhost`` or ``127.0.0.1``. With ``inputs: 1`` the node
subscribes dynamically: ``msg.action`` ``connect`` / ``disconnect`` / ``subscribe`` /
``unsubscribe`` / ``getSubscriptions``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

from flowengine import ConfigError, JSError, Node
from flowengine.jsvalues import UNDEFINED, js_json_dumps, js_json_loads, js_string
from flowengine.message import Message
from flowengine.node import Delivery

from .mqtt_broker import (
    STATUS_CONNECTED,
    STATUS_DISCONNECTED,
    MQTTBrokerNode,
    is_valid_subscription_topic,
    js_parse_int,
)

__all__ = ["MQTTInNode", "decode_payload", "is_utf8"]

DATATYPES = frozenset({"auto", "auto-detect", "utf8", "buffer", "json", "base64"})
ACTIONS = ("connect", "disconnect", "subscribe", "unsubscribe", "getSubscriptions")

# Bytes the is-utf8 package refuses although they are valid UTF-8: C0 controls other
# than \t \n \r, and DEL. (They can only occur as themselves, never inside a sequence.)
_NOT_TEXT = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_KNOWN_MEDIA_TYPES = {
    "text/css": "string",
    "text/html": "string",
    "text/plain": "string",
    "application/json": "json",
    "application/octet-stream": "buffer",
    "application/pdf": "buffer",
    "application/x-gtar": "buffer",
    "application/x-gzip": "buffer",
    "application/x-tar": "buffer",
    "application/xml": "string",
    "application/zip": "buffer",
    "audio/aac": "buffer",
    "audio/ac3": "buffer",
    "audio/basic": "buffer",
    "audio/mp4": "buffer",
    "audio/ogg": "buffer",
    "image/bmp": "buffer",
    "image/gif": "buffer",
    "image/jpeg": "buffer",
    "image/tiff": "buffer",
    "image/png": "buffer",
}


def is_utf8(data: bytes) -> bool:
    """The ``is-utf8`` package's verdict (well-formed UTF-8 without C0 controls/DEL)."""
    if _NOT_TEXT.search(data) is not None:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _as_text(data: bytes) -> str | None:
    """The decoded text when ``is_utf8(data)``, else None (one decode, not two)."""
    if _NOT_TEXT.search(data) is not None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _to_string(data: bytes) -> str:
    """``Buffer.toString()``: UTF-8 with U+FFFD for each bad sequence."""
    return data.decode("utf-8", "replace")


class _DecodeError(Exception):
    """The payload cannot be decoded as the datatype demands (error sent to catch)."""

    def __init__(self, text: str, payload: Any) -> None:
        super().__init__(text)
        self.text = text
        self.payload = payload


_FAILED_PARSE = "Failed to parse JSON string"
_INVALID_JSON = "Invalid JSON string"


def decode_payload(
    datatype: str,
    payload: bytes,
    format_utf8: bool | None = None,
    content_type: str | None = None,
) -> Any:
    """The message payload for ``datatype`` (Node-RED's ``subscriptionHandler``).

    ``format_utf8`` / ``content_type`` are the v5 ``payloadFormatIndicator`` and
    ``contentType`` (None for v3.1.1). Raises ``_DecodeError`` for a ``json`` payload
    that is not JSON.
    """
    if datatype == "buffer":
        return payload
    if datatype == "base64":
        return base64.b64encode(payload).decode("ascii")
    if datatype == "utf8":
        return _to_string(payload)
    if datatype == "json":
        if format_utf8:
            text: str | None = _to_string(payload)
        else:
            text = _as_text(payload)
            if text is None:
                raise _DecodeError(_INVALID_JSON, payload)
        try:
            return js_json_loads(text)  # type: ignore[arg-type]
        except ValueError:
            raise _DecodeError(_FAILED_PARSE, payload) from None
    detect = datatype == "auto-detect"
    if format_utf8 or content_type:
        kind = _KNOWN_MEDIA_TYPES.get(js_string(content_type).lower())
        if kind == "string":
            return _to_string(payload)
        if kind == "buffer":
            return payload
        if kind == "json":
            text = _to_string(payload)
            try:
                parsed = js_json_loads(text)
            except ValueError:
                raise _DecodeError(_FAILED_PARSE, text) from None
            return parsed if detect else text
        text = _to_string(payload) if format_utf8 else _as_text(payload)
    else:
        text = _as_text(payload)
    if text is None:
        return payload
    if detect:
        try:
            return js_json_loads(text)
        except ValueError:
            pass  # not JSON: the string it is
    return text


def _v5_properties(msg: Message, props: Any) -> None:
    """Copy a received PUBLISH's v5 properties onto ``msg`` (Node-RED's names)."""
    value = getattr(props, "ResponseTopic", None)
    if isinstance(value, str) and value:
        msg["responseTopic"] = value
    if hasattr(props, "CorrelationData"):
        msg["correlationData"] = bytes(props.CorrelationData)
    value = getattr(props, "ContentType", None)
    if isinstance(value, str) and value:
        msg["contentType"] = value
    value = getattr(props, "MessageExpiryInterval", None)
    if isinstance(value, int) and value >= 0:
        msg["messageExpiryInterval"] = value
    if hasattr(props, "PayloadFormatIndicator"):
        msg["payloadFormatIndicator"] = bool(props.PayloadFormatIndicator)
    value = getattr(props, "ReasonString", None)
    if isinstance(value, str) and value:
        msg["reasonString"] = value
    pairs = getattr(props, "UserProperty", None)
    if pairs:
        # mqtt.js gives repeated keys as an array; Node-RED then JSON-encodes it.
        grouped: dict[str, Any] = {}
        for key, val in pairs:
            if key in grouped:
                old = grouped[key]
                grouped[key] = [*old, val] if isinstance(old, list) else [old, val]
            else:
                grouped[key] = val
        msg["userProperties"] = {
            k: v if isinstance(v, str) else js_json_dumps(v) for k, v in grouped.items()
        }


class MQTTInNode(Node):
    type = "mqtt in"
    category = "network"
    has_input = False  # a source; with inputs: 1 it also takes actions
    config_refs = {"broker": "mqtt-broker"}

    def setup(self) -> None:
        cfg = self.config
        inputs = cfg.get("inputs", UNDEFINED)
        self.is_dynamic = inputs is not UNDEFINED and js_string(inputs) in ("1", "true")
        topic = cfg.get("topic")
        self.topic: str = topic if isinstance(topic, str) else ""
        qos = js_parse_int(cfg.get("qos"))
        self.qos: int = qos if qos is not None and 0 <= qos <= 2 else 2
        datatype = cfg.get("datatype") or "utf8"
        if datatype not in DATATYPES:
            raise ConfigError(
                "datatype", f'unknown output type "{datatype}" (one of {", ".join(DATATYPES)})'
            )
        self.datatype: str = datatype
        if not cfg.get("broker"):
            raise ConfigError("broker", "missing broker configuration")
        if not self.is_dynamic:
            if not is_valid_subscription_topic(self.topic):
                raise ConfigError("topic", "Invalid topic specified")
            if not self.topic:
                raise ConfigError("topic", "topic not defined")
        self.nl = cfg.get("nl")
        self.rap = cfg.get("rap")
        self.rh = cfg.get("rh")
        self.dynamic_subs: dict[str, dict[str, Any]] = {}
        self.broker_node: MQTTBrokerNode | None = None
        self._stopped = False

    def start(self) -> None:
        broker = self.config_node("broker")
        if not isinstance(broker, MQTTBrokerNode):
            self.error("missing broker configuration")
            return
        self.broker_node = broker
        self._add_topic = broker.broker in ("localhost", "127.0.0.1")
        self.status(STATUS_DISCONNECTED)
        broker.register(self)
        if not self.is_dynamic:
            options: dict[str, Any] = {"qos": self.qos}
            if broker.v5:
                rh = js_parse_int(self.rh) if self.rh is not None else 0
                options["rh"] = rh if rh is not None and 0 <= rh <= 2 else 0
                if self.nl in (True, "true"):
                    options["nl"] = True
                elif self.nl in (False, "false"):
                    options["nl"] = False
                if self.rap in (True, "true"):
                    options["rap"] = True
                elif self.rap in (False, "false"):
                    options["rap"] = False
            broker.subscribe(self.topic, options, self._handler(self.datatype), self.id)
        if broker.connected:
            self.status(STATUS_CONNECTED)

    # ---- receiving -------------------------------------------------------------------
    def _handler(self, datatype: str) -> Callable[[str, bytes, Any], None]:
        """The per-subscription callback; runs on the engine loop for each message."""
        broker = self.broker_node
        assert broker is not None
        send = self.send

        def on_message(topic: str, payload: bytes, message: Any) -> None:
            if self._stopped:
                return
            msg: Message = {
                "topic": topic,
                "payload": None,
                "qos": message.qos,
                "retain": bool(message.retain),
            }
            format_utf8 = content_type = None
            if broker.v5:
                props = message.properties
                if props is not None:
                    _v5_properties(msg, props)
                format_utf8 = msg.get("payloadFormatIndicator") is True
                content_type = msg.get("contentType")
            try:
                msg["payload"] = decode_payload(datatype, payload, format_utf8, content_type)
            except _DecodeError as e:
                self.error(
                    e.text,
                    {
                        "payload": e.payload,
                        "topic": topic,
                        "qos": message.qos,
                        "retain": bool(message.retain),
                    },
                )
                return
            if self._add_topic:
                msg["_topic"] = topic
            send(msg)

        return on_message

    # ---- dynamic subscriptions ---------------------------------------------------------
    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        broker = self.broker_node
        if broker is None:
            done()
            return
        action = msg.get("action")
        if action not in ACTIONS:
            done(JSError("Invalid action specified"))
            return
        if action == "connect":
            connect_action(broker, msg, done)
        elif action == "disconnect":
            disconnect_action(broker, self, done)
        elif action == "getSubscriptions":
            msg["topic"] = "subscriptions"
            msg["payload"] = list(self.dynamic_subs.values())
            send(msg)
            done()
        else:
            self._subscribe_action(broker, action, msg, done)

    def _subscribe_action(
        self, broker: MQTTBrokerNode, action: str, msg: Message, done: Callable[..., None]
    ) -> None:
        topic = msg.get("topic", UNDEFINED)
        if action == "unsubscribe" and topic is True:
            requested: list[Any] = list(self.dynamic_subs.values())
        elif isinstance(topic, list):
            requested = topic
        elif isinstance(topic, str | dict) or topic is None:
            requested = [topic]
        else:
            done(JSError("msg.topic is missing or invalid"))
            return
        subs: list[dict[str, Any]] = []
        for item in requested:
            sub = {"topic": item} if isinstance(item, str) else item
            if not isinstance(sub, dict) or not is_valid_subscription_topic(sub.get("topic")):
                done(JSError("Invalid topic specified"))
                return
            if not sub.get("topic"):
                done(JSError("Invalid topic specified"))
                return
            subs.append(sub)
        if action == "unsubscribe":
            for sub in subs:
                broker.unsubscribe(sub["topic"], self.id, True)
                self.dynamic_subs.pop(sub["topic"], None)
        else:
            for sub in subs:
                self._dynamic_subscribe(broker, sub)
        msg["subscriptions"] = list(self.dynamic_subs.values())
        done()

    def _dynamic_subscribe(self, broker: MQTTBrokerNode, sub: dict[str, Any]) -> None:
        topic = sub["topic"]
        if topic in self.dynamic_subs:
            broker.unsubscribe(topic, self.id, True)
            del self.dynamic_subs[topic]
        options: dict[str, Any] = {}
        if "qos" in sub:
            qos = js_parse_int(sub["qos"])
            sub["qos"] = qos if qos is not None and 0 <= qos <= 2 else UNDEFINED
        else:
            sub["qos"] = 2
        options["qos"] = sub["qos"] if sub["qos"] is not UNDEFINED else 0
        if broker.v5:
            if "rh" in sub:
                rh = js_parse_int(sub["rh"])
                sub["rh"] = rh if rh is not None and 0 <= rh <= 2 else UNDEFINED
            else:
                sub["rh"] = 0
            if sub["rh"] is not UNDEFINED:
                options["rh"] = sub["rh"]
            rap = sub.get("rap")
            if rap is None or rap is UNDEFINED or rap in (True, "true"):
                sub["rap"] = True
            elif rap in (False, "false"):
                sub["rap"] = False
            else:
                sub["rap"] = UNDEFINED
            if sub["rap"] is not UNDEFINED:
                options["rap"] = sub["rap"]
            nl = sub.get("nl")
            if nl in (True, "true"):
                options["nl"] = sub["nl"] = True
            elif nl in (False, "false"):
                options["nl"] = sub["nl"] = False
            else:
                sub.pop("nl", None)
        datatype = sub.get("datatype") or self.datatype
        if datatype not in DATATYPES:
            datatype = "auto"  # Node-RED treats an unknown type as auto
        broker.subscribe(topic, options, self._handler(datatype), self.id)
        self.dynamic_subs[topic] = sub

    # ---- stopping --------------------------------------------------------------------
    def stop_source(self) -> None:
        """Graceful stop: no new messages from here on; leave the broker's subscriptions."""
        super().stop_source()
        self._stopped = True
        self._leave_subscriptions()

    def _leave_subscriptions(self) -> None:
        broker = self.broker_node
        if broker is None:
            return
        if self.is_dynamic:
            for topic in list(self.dynamic_subs):
                broker.unsubscribe(topic, self.id, False)
            self.dynamic_subs = {}
        else:
            broker.unsubscribe(self.topic, self.id, False)

    def close(self) -> None:
        broker = self.broker_node
        if broker is not None:
            self._leave_subscriptions()
            broker.deregister(self)
            self.broker_node = None


def connect_action(broker: MQTTBrokerNode, msg: Message, done: Callable[..., None]) -> None:
    """``msg.action: "connect"`` (Node-RED's ``handleConnectAction``)."""
    action_data = msg.get("broker")
    if not isinstance(action_data, dict):
        action_data = None
    if broker.can_connect():
        if action_data is not None:
            try:
                broker.set_options(action_data)
            except ConfigError as e:
                done(JSError(e.message))
                return
        broker.connect(lambda: done())
        return
    if action_data is None:
        done()
    elif action_data.get("force"):

        async def cycle() -> None:
            await broker.disconnect()
            try:
                broker.set_options(action_data)
            except ConfigError as e:
                done(JSError(e.message))
                return
            broker.connect(lambda: done())

        broker.runtime.spawn(cycle(), broker)
    else:
        done(JSError("Disconnect from broker before connecting"))


def disconnect_action(broker: MQTTBrokerNode, node: Node, done: Callable[..., None]) -> None:
    """``msg.action: "disconnect"`` (Node-RED's ``handleDisconnectAction``)."""

    async def run() -> None:
        await broker.disconnect()
        done()

    node.runtime.spawn(run(), node)
