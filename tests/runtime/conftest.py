"""Runtime tests use small node types of their own, so they test the runtime
alone; the real core nodes are tested beside their modules."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from flowengine import Node
from flowengine.errors import JSError
from flowengine.message import Message
from flowengine.node import Delivery
from flowengine.testing import FlowTestHelper


class Emit(Node):
    """On input, sends ``config["out"]`` (a send() argument built from the msg)."""

    type = "t-emit"

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        shape = self.config.get("shape", "same")
        if shape == "same":
            send(msg)
        elif shape == "pair":  # same object on output 0 and 1
            send([msg, msg])
        elif shape == "array":  # two messages on output 0, second without id
            send([[msg, {"payload": "second"}]])
        elif shape == "skip-first":
            send([None, msg])
        elif shape == "beyond":
            send([msg, msg, msg])
        elif shape == "bad":
            send(["not a message"])
        done()


class Fail(Node):
    type = "t-fail"

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        how = self.config.get("how", "done")
        if how == "raise":
            raise ValueError("kaboom")
        if how == "jserror":
            done(JSError("kaboom"))
            return
        done(self.config.get("text", "failed"))


class Counter(Node):
    """Loops a message back until payload reaches ``limit``."""

    type = "t-counter"

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        msg["payload"] += 1
        if msg["payload"] < self.config["limit"]:
            send([msg, None])
        else:
            send([None, msg])
        done()


class Sleep(Node):
    """Async node: passes the message on after a short await."""

    type = "t-sleep"

    async def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        await asyncio.sleep(self.config.get("seconds", 0.01))
        send(msg)
        done()


class StatusSetter(Node):
    type = "t-status"

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        self.status(msg["payload"])
        done()


class Source(Node):
    """A source whose sends are tracked to completion."""

    type = "t-source"
    has_input = False

    def setup(self) -> None:
        self.completed: list[Any] = []

    def fire(self, payload: Any) -> None:
        def on_complete(tracker: Any) -> None:
            self.completed.append((payload, list(tracker.errors)))

        self.send({"payload": payload}, on_complete=on_complete)


class PassThrough(Node):
    """Stand-in for catch/status/complete/link nodes in runtime-only tests."""

    has_input = False


class CatchStandIn(PassThrough):
    type = "catch"


class StatusStandIn(PassThrough):
    type = "status"


class CompleteStandIn(PassThrough):
    type = "complete"


class SlowClose(Node):
    type = "t-slowclose"

    def setup(self) -> None:
        self.closed = False

    async def close(self) -> None:
        await asyncio.sleep(self.config.get("seconds", 10))
        self.closed = True


TYPES = [
    Emit,
    Fail,
    Counter,
    Sleep,
    StatusSetter,
    Source,
    CatchStandIn,
    StatusStandIn,
    CompleteStandIn,
    SlowClose,
]


def node(
    id: str, type: str, z: str = "t1", wires: list[list[str]] | None = None, **props: Any
) -> dict[str, Any]:
    return {"id": id, "type": type, "z": z, "x": 10, "y": 10, "wires": wires or [], **props}


TAB = {"id": "t1", "type": "tab", "label": "T"}


@pytest.fixture
def run() -> Iterator[Callable[..., FlowTestHelper]]:
    helpers: list[FlowTestHelper] = []

    def start(flow: list[dict[str, Any]], **kw: Any) -> FlowTestHelper:
        h = FlowTestHelper(flow, extra_types=TYPES, **kw)
        helpers.append(h)
        return h.start()

    yield start
    for h in helpers:
        h.stop()
