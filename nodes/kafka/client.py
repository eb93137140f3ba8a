"""Shared plumbing of the Kafka nodes: connection settings, option parsing, status texts.

``ClientSettings`` is what a node needs to build a kafka-python client (bootstrap
servers, TLS/SASL, timeouts) and the label its status texts name (``<broker.name>``).
The ``Kafka Broker`` config node makes one from its properties; the kafka-node-latest
nodes make one from their ``brokerUrl``.

Blocking kafka-python calls (client construction, metadata waits, admin requests,
``flush``) never run on the engine loop: :func:`run_in_thread` runs them on a daemon
thread and hands the outcome back through ``runtime.call_threadsafe``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowengine import ConfigError
from flowengine.jsvalues import UNDEFINED, js_string, to_number

if TYPE_CHECKING:
    from flowengine import Node

__all__ = [
    "RECONNECT_BACKOFF_MAX_MS",
    "ClientSettings",
    "error_text",
    "js_flag",
    "number_option",
    "revised_message",
    "ring",
    "run_in_thread",
]

#: kafka-python backs off up to 30 s between reconnects by default; a restarted broker
#: should be found again within a second or so.
RECONNECT_BACKOFF_MAX_MS = 1000

_REFUSED_HINTS = ("ECONNREFUSED", "Unable to bootstrap", "Connection refused", "NoBrokers")


def ring(fill: str, text: str) -> dict[str, str]:
    """A ring-shaped status, the shape every kafka-manager status uses."""
    return {"fill": fill, "shape": "ring", "text": text}


def error_text(err: BaseException | str) -> str:
    """The text of a kafka-python (or other) error, as the nodes report it."""
    if isinstance(err, str):
        return err
    text = str(err)
    if type(err).__module__.startswith("kafka"):
        return text or type(err).__name__
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def revised_message(text: str) -> str:
    """kafka-manager's ``getRevisedMessage``: a refused connection gets a hint."""
    if any(hint in text for hint in _REFUSED_HINTS):
        return "Connection refused, check if Kafka up"
    return text


def js_flag(value: Any, field_name: str, default: bool) -> bool:
    """A checkbox or a ``"true"``/``"false"`` select value; anything else is rejected."""
    if value is None or value is UNDEFINED or value == "":
        return default
    if value is True or value == "true":
        return True
    if value is False or value == "false":
        return False
    raise ConfigError(field_name, f'expected true or false, got "{js_string(value)}"')


def number_option(
    value: Any,
    field_name: str,
    default: float,
    *,
    minimum: float | None = None,
    integer: bool = False,
) -> float:
    """A numeric property (the editor saves numbers, old flows strings); empty → default."""
    if value is None or value is UNDEFINED or value == "":
        return default
    number = to_number(value) if not isinstance(value, bool) else math.nan
    if isinstance(number, float) and (math.isnan(number) or math.isinf(number)):
        raise ConfigError(field_name, f'expected a number, got "{js_string(value)}"')
    if integer and number != int(number):
        raise ConfigError(field_name, f"expected a whole number, got {js_string(value)}")
    if minimum is not None and number < minimum:
        raise ConfigError(field_name, f"must be at least {js_string(minimum)}, got {value}")
    return int(number) if integer else float(number)


@dataclass
class ClientSettings:
    """How to reach a Kafka cluster, for every kafka-python client a node builds."""

    bootstrap_servers: list[str]
    #: what status texts call the cluster (the broker node's name)
    label: str
    request_timeout_ms: int = 30000
    connect_timeout_ms: int = 10000
    idle_timeout_ms: int = 9 * 60 * 1000
    max_in_flight: int = 5
    security: dict[str, Any] = field(default_factory=dict)

    def client_config(self) -> dict[str, Any]:
        """Options every kafka-python client (producer, consumer, admin) accepts."""
        return {
            "bootstrap_servers": list(self.bootstrap_servers),
            "request_timeout_ms": self.request_timeout_ms,
            "bootstrap_timeout_ms": self.connect_timeout_ms,
            "connections_max_idle_ms": self.idle_timeout_ms,
            "reconnect_backoff_max_ms": RECONNECT_BACKOFF_MAX_MS,
            **self.security,
        }


def run_in_thread(
    node: Node,
    name: str,
    work: Callable[[], Any],
    then: Callable[[Any, BaseException | None], None],
) -> threading.Thread:
    """Run blocking ``work`` on a daemon thread; ``then(result, error)`` runs on the loop."""
    call = node.runtime.call_threadsafe

    def body() -> None:
        try:
            result = work()
        except BaseException as e:  # handed to the loop, never raised on this thread
            call(then, None, e)
            return
        call(then, result, None)

    thread = threading.Thread(target=body, name=f"kafka-{name}-{node.id}", daemon=True)
    thread.start()
    return thread
