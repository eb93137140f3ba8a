"""``mqtt out``: publish messages through an ``mqtt-broker``.

Node-RED 5.0.7's ``MQTTOutNode`` / ``doPublish``: the node's ``topic``, ``qos`` and
``retain`` override the message's (``qos = Number(node.qos || msg.qos || 0)``, only
``true``/``"true"`` retain); with MQTT v5 the node's response topic, content type,
user properties, correlation data and expiry override the message's. The payload is
sent as bytes as is, a string as UTF-8, null/undefined as an empty payload, an
object as JSON and anything else as JavaScript's ``String()`` gives it (``msg.payload``
is left holding that string, as Node-RED leaves it). A message without ``payload`` is
not published. An invalid topic is a warning. ``msg.action`` ``connect`` /
``disconnect`` drive the shared connection. ``done`` is called when the broker
acknowledged a QoS 1/2 publish. While disconnected, QoS 1/2 publishes wait in the
broker node's bounded queue (see ``mqtt_broker``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flowengine import ConfigError, JSError, Node
from flowengine.jsvalues import js_string, to_number
from flowengine.message import Message
from flowengine.node import Delivery

from .mqtt_broker import (
    STATUS_CONNECTED,
    STATUS_DISCONNECTED,
    InvalidTopicError,
    MQTTBrokerNode,
    is_valid_publish_topic,
    js_parse_int,
    user_properties_from,
)
from .mqtt_in import connect_action, disconnect_action

__all__ = ["MQTTOutNode"]

_USER_PROPS_RE = re.compile(r"^ *\{")
_QOS_VALUES = ("", "0", "1", "2")


class MQTTOutNode(Node):
    type = "mqtt out"
    category = "network"
    config_refs = {"broker": "mqtt-broker"}
    #: the broker shows its offline-queue depth on nodes like this one
    uses_publish_queue = True

    def setup(self) -> None:
        cfg = self.config
        topic = cfg.get("topic") or ""
        if not isinstance(topic, str):
            raise ConfigError("topic", f"expected a string, got {js_string(topic)!r}")
        if topic and not is_valid_publish_topic(topic):
            raise ConfigError("topic", "Invalid topic specified")
        self.topic: str = topic
        qos = cfg.get("qos")
        if qos is not None and js_string(qos) not in _QOS_VALUES:
            raise ConfigError("qos", f"QoS must be 0, 1 or 2, got {js_string(qos)!r}")
        # Node-RED: ``n.qos || null``, later ``Number(node.qos || msg.qos || 0)``.
        self.qos: Any = qos or None
        self.retain: Any = cfg.get("retain")
        # Parsed once here, not per message: the node's QoS (a set one wins, even "0")
        # and retain (None: the message's).
        self._fixed_qos: int | None = None
        if self.qos is not None:
            number = to_number(self.qos)
            self._fixed_qos = int(number) if number == number else 0
        self._fixed_retain: bool | None = None
        if self.retain:
            self._fixed_retain = self.retain is True or self.retain == "true"
        if not cfg.get("broker"):
            raise ConfigError("broker", "missing broker configuration")
        # v5 publish properties of the node (used only with a v5 broker).
        self.response_topic: Any = cfg.get("respTopic")
        self.correlation_data: Any = cfg.get("correl")
        self.content_type: Any = cfg.get("contentType")
        self.message_expiry: Any = cfg.get("expiry")
        self.user_properties: dict[str, str] | None = None
        user_props = cfg.get("userProps")
        if isinstance(user_props, str) and _USER_PROPS_RE.match(user_props):
            try:
                self.user_properties = user_properties_from(json.loads(user_props))
            except ValueError:
                raise ConfigError("userProps", f"not JSON: {user_props}") from None
        self.broker_node: MQTTBrokerNode | None = None

    def start(self) -> None:
        broker = self.config_node("broker")
        if not isinstance(broker, MQTTBrokerNode):
            self.error("missing broker configuration")
            return
        self.broker_node = broker
        self.status(STATUS_DISCONNECTED)
        if broker.connected:
            self.status(STATUS_CONNECTED)
        broker.register(self)

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        broker = self.broker_node
        if broker is None:
            done()
            return
        action = msg.get("action")
        if action:
            if action == "connect":
                connect_action(broker, msg, done)
            elif action == "disconnect":
                disconnect_action(broker, self, done)
            else:
                done(JSError("Invalid action specified"))
            return
        # doPublish: sanitise, then node settings override the message.
        msg_qos = msg.get("qos")
        if msg_qos and (type(msg_qos) is not int or not 0 <= msg_qos <= 2):
            parsed = js_parse_int(msg_qos)
            msg_qos = parsed if parsed in (0, 1, 2) else None
        if self.topic:
            msg["topic"] = self.topic
        fixed_qos = self._fixed_qos
        msg["qos"] = (msg_qos or 0) if fixed_qos is None else fixed_qos
        retain = self._fixed_retain
        if retain is None:
            retain = msg.get("retain")
            retain = retain is True or retain == "true"
        msg["retain"] = retain
        if broker.v5:
            if self.user_properties:
                msg["userProperties"] = self.user_properties
            if self.response_topic:
                msg["responseTopic"] = self.response_topic
            if self.correlation_data:
                msg["correlationData"] = self.correlation_data
            if self.content_type:
                msg["contentType"] = self.content_type
            if self.message_expiry:
                msg["messageExpiryInterval"] = self.message_expiry
        if "payload" not in msg:
            done()
            return

        def published(err: Any) -> None:
            if isinstance(err, InvalidTopicError):
                self.warn(err)  # Node-RED warns and never calls done
                return
            done(err)

        broker.publish(msg, published)

    def close(self) -> None:
        broker = self.broker_node
        if broker is not None:
            broker.deregister(self)
            self.broker_node = None
