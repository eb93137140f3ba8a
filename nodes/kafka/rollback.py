"""``Kafka Rollback`` (node-red-contrib-kafka-manager): consume again since the last commit.

Calls ``msg._kafka.rollback``. kafka-manager closed the consumer (so a redeploy
re-read from the committed offsets); ours moves the consumer back to the committed
offsets of its partitions and keeps consuming, so everything after the last commit
comes again at once. Success → output 1, failure → output 2 (``msg.error`` set); a
message without ``_kafka`` goes to output 1. With ``autoCommit`` on, rollback does
nothing (as in the plugin) and the message goes to output 1.
"""

from __future__ import annotations

from flowengine import Node
from flowengine.jsvalues import js_truthy
from flowengine.message import Message
from flowengine.node import Delivery, Done

from .commit import call_kafka_handle

__all__ = ["KafkaRollbackNode"]


class KafkaRollbackNode(Node):
    type = "Kafka Rollback"
    category = "Kafka"

    def on_input(self, msg: Message, send: Delivery, done: Done) -> None:
        if js_truthy(msg.get("_kafka")):
            self.warn("kafka rollback: the consumer goes back to its committed offsets")
        call_kafka_handle(self, "rollback", msg, send, done)
