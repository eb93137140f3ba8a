"""Fixtures for the common-palette node tests: a flow runner and tiny helper node types."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from flowengine import Node
from flowengine.errors import JSError
from flowengine.message import Message
from flowengine.node import Delivery
from flowengine.testing import FlowTestHelper

TAB = {"id": "t1", "type": "tab", "label": "T"}


def node(
    id: str, type: str, z: str = "t1", wires: list[list[str]] | None = None, **props: Any
) -> dict[str, Any]:
    """A flow node dict as the editor exports it."""
    return {"id": id, "type": type, "z": z, "x": 10, "y": 10, "wires": wires or [], **props}


class SetStatus(Node):
    """Sets its status to ``msg.payload``."""

    type = "t-status"

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        self.status(msg["payload"])
        send(msg)
        done()


class Fail(Node):
    """Fails every message with ``config["text"]``."""

    type = "t-fail"

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        done(JSError(self.config["text"]) if self.config.get("js") else self.config["text"])


class Swallow(Node):
    """Completes without sending (for link call timeouts)."""

    type = "t-swallow"

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        done()


TYPES = [SetStatus, Fail, Swallow]


class Runner:
    """Starts flows; ``sidebar`` collects the encoded debug-sidebar messages."""

    def __init__(self) -> None:
        self.helpers: list[FlowTestHelper] = []
        self.sidebar: list[dict[str, Any]] = []

    def __call__(self, flow: list[Any], **kw: Any) -> FlowTestHelper:
        h = FlowTestHelper(flow, extra_types=TYPES, **kw)

        def on_debug(node: Node, value: Any, sidebar: dict[str, Any] | None = None) -> None:
            with h._cond:  # wake waiters in wait_until, like the helper's own events
                if sidebar is not None:
                    self.sidebar.append(sidebar)
                h._cond.notify_all()

        h.runtime.on("debug", on_debug)
        self.helpers.append(h)
        return h.start()

    def wait_sidebar(self, h: FlowTestHelper, count: int, timeout: float = 10) -> list[Any]:
        h.wait_until(lambda: len(self.sidebar) >= count, timeout, f"{count} sidebar message(s)")
        with h._cond:
            return list(self.sidebar)


@pytest.fixture
def run() -> Iterator[Runner]:
    runner = Runner()
    yield runner
    for h in runner.helpers:
        h.stop()
