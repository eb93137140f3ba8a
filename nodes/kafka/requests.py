"""Common part of ``Kafka Offset`` and ``Kafka Admin``: one request per message.

The action comes from the message; the request runs on the broker node's admin
thread (kafka-python's ``KafkaAdminClient``) and its answer comes back through
``runtime.call_threadsafe``. As in kafka-manager: the result replaces ``msg.payload``
and leaves on output 1; a failure sets ``msg.error`` and leaves on output 2 (and is
logged as ``<msg.topic> <error>``). An unknown action leaves on output 2 at once.
Statuses: ``Deferred connection`` until the broker is reachable, then ``Available``
/ ``Down`` as the broker's probe sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowengine import ConfigError, Node
from flowengine.jsvalues import js_string
from flowengine.message import Message
from flowengine.node import Delivery, Done

from .broker import KafkaBrokerNode
from .client import error_text, ring

if TYPE_CHECKING:
    from kafka import KafkaAdminClient

__all__ = ["ActionError", "AdminRequestNode"]

Work = Callable[["KafkaAdminClient"], Any]


class ActionError(Exception):
    """A message asked for something the node cannot do; ``str`` is ``msg.error``."""


class AdminRequestNode(Node):
    category = "Kafka"
    config_refs = {"broker": "Kafka Broker"}

    def setup(self) -> None:
        if not self.config.get("broker"):
            raise ConfigError("broker", "Broker not found undefined")
        self.broker: KafkaBrokerNode | None = None

    def start(self) -> None:
        broker = self.runtime.get_node(self.config["broker"])
        if not isinstance(broker, KafkaBrokerNode):
            self.status(ring("red", f"Broker not found {self.config['broker']}"))
            return
        self.broker = broker
        self.status(ring("yellow", "Deferred connection"))
        broker.on_state(
            lambda: self.status(ring("green", "Available")),
            lambda: self.status(ring("red", "Down")),
        )

    def request(self, msg: Message) -> Work:
        """The admin-client work for ``msg``; raise :class:`ActionError` to refuse it."""
        raise NotImplementedError

    def on_input(self, msg: Message, send: Delivery, done: Done) -> None:
        if self.broker is None:
            done(f"Broker not found {self.config['broker']}")
            return
        try:
            work = self.request(msg)
        except ActionError as e:
            msg["error"] = f"Error: {e}"
            send([None, msg])
            done()
            return

        def then(result: Any, err: BaseException | None) -> None:
            if err is not None:
                text = error_text(err)
                self.error(f"{js_string(msg.get('topic'))} {text}")
                msg["error"] = text
                send([None, msg])
            else:
                self.answer(msg, result, send)
            done()

        self.broker.admin.submit(work, then)

    def answer(self, msg: Message, result: Any, send: Delivery) -> None:
        msg["payload"] = result
        send(msg)
