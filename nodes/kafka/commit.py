"""``Kafka Commit`` (node-red-contrib-kafka-manager): commit a consumed message's offset.

Calls the message's ``msg._kafka.commit`` (set by ``Kafka Consumer`` / ``Kafka Consumer
Group``). When the commit succeeded the message leaves on output 1, when it failed on
output 2 (with ``msg.error`` holding why — our addition). A message without
``_kafka`` passes straight to output 1, as in the plugin. ``done`` runs once the
commit has an outcome.
"""

from __future__ import annotations

from typing import Any

from flowengine import JSError, Node
from flowengine.jsvalues import js_truthy
from flowengine.message import Message
from flowengine.node import Delivery, Done

__all__ = ["KafkaCommitNode", "call_kafka_handle"]


def call_kafka_handle(node: Node, name: str, msg: Message, send: Delivery, done: Done) -> None:
    """Run ``msg._kafka.<name>(ok, err)``: ok → output 1, err → output 2."""
    handles = msg.get("_kafka")
    if not js_truthy(handles):
        send(msg)
        done()
        return
    handle = handles.get(name) if isinstance(handles, dict) else None
    if not callable(handle):
        raise JSError(f"msg._kafka.{name} is not a function", "TypeError")

    def ok(*_args: Any) -> None:
        send(msg)
        done()

    def failed(err: Any = None, *_args: Any) -> None:
        if err is not None:
            msg["error"] = err if isinstance(err, str) else str(err)
        send([None, msg])
        done()

    handle(ok, failed)


class KafkaCommitNode(Node):
    type = "Kafka Commit"
    category = "Kafka"

    def on_input(self, msg: Message, send: Delivery, done: Done) -> None:
        call_kafka_handle(self, "commit", msg, send, done)
