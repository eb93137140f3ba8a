"""``Kafka Producer`` (node-red-contrib-kafka-manager): msg → Kafka record, as 0.1–0.5.x did.

Per message (reference kafka-nodes.md §1.4): topic ``msg.topic || node.topic``
(``topicSlash2dot`` first turns the first ``/`` of ``msg.topic`` into ``.``), value
``msg.payload`` (``convertFromJson`` first makes it ``JSON.stringify(msg.payload)``) with
kafka-node's byte rules (records.py: an array → one record per element), key
``msg.key || node.key`` (``""`` → an empty key, undefined → a null key), partition
``msg.partition || node.partition || 0``. Our opt-in ``sendHeaders`` turns
``msg.headers`` into record headers.

Properties the plugin saved and what we do with them: ``requireAcks`` is honoured
(0, 1 or -1; the plugin ignored it), ``ackTimeoutMs`` is accepted (kafka-python has one
request timeout, the broker's ``requestTimeout``), ``partitionerType`` 0–3 never
chooses a partition (the partition is always explicit, as in the plugin; 4 is
refused as the plugin's "No customer partitioner defined"), ``attributes`` 1 = gzip
(2 = snappy when python-snappy is installed), ``connectionType`` Producer or
HighLevelProducer (same behaviour), 0.6's ``nodeQSize`` sizes the queue,
``compressionType`` only ``none``, ``keyType`` ``str`` or a context/env/msg source,
``topicDeadletter`` is not used (catch nodes get failed messages). docs/kafka.md
lists every difference.

``done`` runs when Kafka acknowledged every record of the message (see sender.py).
"""

from __future__ import annotations

from typing import Any

from flowengine import ConfigError, JSError, Node
from flowengine.jsvalues import UNDEFINED, js_json_dumps, js_string, js_truthy, to_number
from flowengine.message import Message
from flowengine.node import Delivery

from .broker import KafkaBrokerNode
from .client import js_flag, number_option, ring
from .records import OBJECT_OBJECT, key_bytes, record_headers, record_values, value_bytes
from .sender import Completion, RecordSender, completion_for

__all__ = ["DEFAULT_QUEUE_SIZE", "KafkaProducerNode", "acks_option", "producer_options"]

#: records queued while the cluster is down, unless ``nodeQSize`` says otherwise
DEFAULT_QUEUE_SIZE = 10000
_KEY_TYPES = ("str", "msg", "flow", "global", "env")
_CODECS = {0: None, 1: "gzip", 2: "snappy", 3: None}


def acks_option(value: Any, field_name: str) -> int:
    """``requireAcks``: 0 (none), 1 (leader) or -1 (all in-sync replicas)."""
    if value == "all":
        return -1
    acks = number_option(value, field_name, 1, integer=True)
    if acks not in (0, 1, -1):
        raise ConfigError(
            field_name, f"must be 0, 1 or -1 (Kafka rejects {int(acks)} as INVALID_REQUIRED_ACKS)"
        )
    return int(acks)


def producer_options(acks: int, compression: str | None) -> dict[str, Any]:
    """kafka-python producer options for an ack mode and codec."""
    idempotent = acks == -1
    return {
        "acks": "all" if acks == -1 else acks,
        "enable_idempotence": idempotent,
        # Without idempotence only one request in flight keeps retried records in order.
        "max_in_flight_requests_per_connection": 5 if idempotent else 1,
        "compression_type": compression,
        "linger_ms": 2,
        "batch_size": 262144,
    }


def partition_number(value: Any) -> int:
    """A partition from a message or the node (kafka-node writes it as an Int32)."""
    if type(value) is int:
        number: Any = value
    else:
        number = to_number(value)
    if not isinstance(number, int | float) or number != number or number < 0:
        raise JSError(f"invalid partition {js_string(value)}")
    if number != int(number):
        raise JSError(f"invalid partition {js_string(value)}")
    return int(number)


class KafkaProducerNode(Node):
    type = "Kafka Producer"
    category = "Kafka"
    config_refs = {"broker": "Kafka Broker"}

    def setup(self) -> None:
        cfg = self.config
        self.broker_id: str = cfg.get("broker") or ""
        if not self.broker_id:
            raise ConfigError("broker", "Broker not found undefined")
        topic = cfg.get("topic")
        self.topic: str = "" if topic is None else js_string(topic)
        self.topic_slash2dot = js_flag(cfg.get("topicSlash2dot"), "topicSlash2dot", False)
        self.convert_from_json = js_flag(cfg.get("convertFromJson"), "convertFromJson", False)
        self.send_headers = js_flag(cfg.get("sendHeaders"), "sendHeaders", False)
        self.acks = acks_option(cfg.get("requireAcks"), "requireAcks")
        self.ack_timeout_ms = number_option(cfg.get("ackTimeoutMs"), "ackTimeoutMs", 100, minimum=0)
        partitioner = number_option(
            cfg.get("partitionerType"), "partitionerType", 0, minimum=0, integer=True
        )
        if partitioner == 4:
            raise ConfigError("partitionerType", "No customer partitioner defined")
        if partitioner > 4:
            raise ConfigError("partitionerType", f"unknown partitioner type {int(partitioner)}")
        connection_type = cfg.get("connectionType") or "Producer"
        if connection_type not in ("Producer", "HighLevelProducer"):
            raise ConfigError("connectionType", f'unknown connection type "{connection_type}"')
        key_type = cfg.get("keyType") or "str"
        if key_type not in _KEY_TYPES:
            raise ConfigError("keyType", f'unsupported key type "{key_type}"')
        self.key_type: str = key_type
        #: node.key as the plugin reads it: absent → undefined (a null key)
        self.key: Any = cfg.get("key", UNDEFINED)
        self.node_key_bytes = key_bytes(self.key) if key_type == "str" else None
        node_partition = cfg.get("partition", 0)
        try:
            self.partition = partition_number(node_partition) if js_truthy(node_partition) else 0
        except JSError as e:
            raise ConfigError("partition", e.message) from None
        attributes = number_option(cfg.get("attributes"), "attributes", 0, integer=True)
        codec = _CODECS[int(attributes) & 3]
        compression_type = cfg.get("compressionType")
        if compression_type not in (None, "", "none"):
            raise ConfigError(
                "compressionType",
                f'"{compression_type}" (0.6.x compresses the value inside the node) is not '
                "supported; use attributes 1 (gzip) for Kafka compression",
            )
        if codec == "snappy":
            from kafka.codec import has_snappy

            if not has_snappy():
                raise ConfigError(
                    "attributes", "snappy compression needs the python-snappy package"
                )
        self.codec: str | None = codec
        self.queue_size = int(
            number_option(
                cfg.get("nodeQSize"), "nodeQSize", DEFAULT_QUEUE_SIZE, minimum=1, integer=True
            )
        )
        self._warned_object = False
        self.sender: RecordSender | None = None

    # ---- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        broker = self.runtime.get_node(self.broker_id)
        if not isinstance(broker, KafkaBrokerNode):
            self.error(f"Broker not found {self.broker_id}")
            self.status(ring("red", f"Broker not found {self.broker_id}"))
            return
        self.sender = RecordSender(
            self,
            broker.settings,
            producer_options(self.acks, self.codec),
            self.queue_size,
            topics=(self.topic,),
        )
        self.sender.start()
        sender = self.sender
        broker.on_state(lambda: sender.cluster_up(connect=broker.auto_connect), sender.cluster_down)

    def close(self) -> Any:
        if self.sender is None:
            return None
        timeout = float(self.runtime.settings.get("nodeCloseTimeout", 15000)) / 1000
        return self.sender.close(timeout)

    # ---- messages ----------------------------------------------------------------
    def on_input(self, msg: Message, send: Delivery, done: Completion) -> None:
        sender = self.sender
        if sender is None:
            done(f"Broker not found {self.broker_id}")
            return
        topic = msg.get("topic")
        if self.topic_slash2dot and js_truthy(topic):
            if type(topic) is not str:
                raise JSError("msg.topic.replace is not a function", "TypeError")
            topic = msg["topic"] = topic.replace("/", ".", 1)
        if type(topic) is not str:
            topic = js_string(topic) if js_truthy(topic) else self.topic
        elif not topic:
            topic = self.topic
        if self.convert_from_json:
            payload = msg.get("payload", UNDEFINED)
            if payload is not UNDEFINED:
                msg["payload"] = payload = js_json_dumps(payload)
        else:
            payload = msg.get("payload")
        key = self._key(msg)
        partition = msg.get("partition")
        partition = partition_number(partition) if js_truthy(partition) else self.partition
        headers = record_headers(msg.get("headers")) if self.send_headers else None
        if type(payload) is list or type(payload) is tuple:
            values = record_values(payload)
            if not values:
                done()
                return
            complete = completion_for(done, len(values))
            for value in values:
                if value is OBJECT_OBJECT:
                    self._warn_object()
                sender.submit(topic, value, key, partition, headers, complete)
            return
        value = value_bytes(payload)
        if value is OBJECT_OBJECT:
            self._warn_object()
        sender.submit(topic, value, key, partition, headers, done)

    def _key(self, msg: Message) -> bytes | None:
        if "key" in msg:
            key = msg["key"]
            if js_truthy(key):
                return key_bytes(key)
        if self.key_type == "str":
            return self.node_key_bytes
        return key_bytes(self.evaluate(self.key, self.key_type, msg))

    def _warn_object(self) -> None:
        if not self._warned_object:
            self._warned_object = True
            self.warn(
                'msg.payload is an object: it is sent as "[object Object]", as the Kafka '
                "Producer node always did; set convertFromJson to send it as JSON"
            )
