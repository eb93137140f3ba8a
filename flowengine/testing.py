"""Test helper for node authors, in the spirit of node-red-node-test-helper.

    with FlowTestHelper(flow) as h:
        h.inject("n1", {"payload": 1})
        [msg] = h.wait_for("out", count=1)

The engine runs on its own thread, as it does in production; the helper talks
to it only through :meth:`Runtime.call_threadsafe`. Waits block on conditions
with generous timeouts, never on sleeps. The ``helper`` node type records
every message it receives, like the test helper's ``helper`` node.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from .errors import FlowFileError
from .flowfile import parse_flows
from .message import Message
from .node import Delivery, Node
from .registry import NodeRegistry, default_registry
from .runtime import Runtime

__all__ = ["FlowTestHelper", "HelperNode", "WaitTimeout"]


class WaitTimeout(AssertionError):
    """A wait for messages or events ran out of time."""


class HelperNode(Node):
    """Records every message it receives (and passes it on)."""

    type = "helper"

    def setup(self) -> None:
        self.received: list[Message] = []

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        helper: FlowTestHelper = self.runtime.settings["_test_helper"]
        with helper._cond:
            self.received.append(msg)
            helper._cond.notify_all()
        send(msg)
        done()


class FlowTestHelper:
    """Load a flow (list of node dicts), run it, inject and observe."""

    def __init__(
        self,
        flow: list[dict[str, Any]],
        *,
        credentials: dict[str, dict[str, Any]] | None = None,
        env: dict[str, str] | None = None,
        settings: dict[str, Any] | None = None,
        registry: NodeRegistry | None = None,
        extra_types: Iterable[type[Node]] = (),
        allow_unknown: bool = False,
        overrides: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.registry = (registry or default_registry()).copy()
        self.registry.register(HelperNode)
        for cls in extra_types:
            self.registry.register(cls)
        self.flow = flow
        self._cond = threading.Condition()
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.logs: list[tuple[str, int, str]] = []
        self.debug: list[tuple[str, Any]] = []
        settings = dict(settings or {})
        settings["_test_helper"] = self
        flowset = parse_flows(
            "<test flow>", flow, self.registry, credentials or {}, allow_unknown=allow_unknown
        )
        self.runtime = Runtime(
            flowset, self.registry, env=env, settings=settings, overrides=overrides
        )
        self.runtime.on("status", self._on_status)
        self.runtime.on("log", self._on_log)
        self.runtime.on("debug", self._on_debug)
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None

    # ---- lifecycle -----------------------------------------------------------
    def start(self) -> FlowTestHelper:
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self.runtime.start())
            except BaseException as e:
                failure.append(e)
                started.set()
                return
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="flowengine-test", daemon=True)
        self._thread.start()
        if not started.wait(60):
            raise WaitTimeout("runtime did not start within 60 s")
        if failure:
            self._thread.join(5)
            raise failure[0]
        return self

    def stop(self, timeout: float = 30) -> None:
        if self._thread is None or not self._thread.is_alive():
            return
        fut = asyncio.run_coroutine_threadsafe(self.runtime.stop(drain_timeout=5), self._loop)
        try:
            fut.result(timeout)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)

    def __enter__(self) -> FlowTestHelper:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- driving -------------------------------------------------------------
    def node(self, node_id: str) -> Node:
        node = self.runtime.get_node(node_id)
        if node is None:
            raise KeyError(f"no node {node_id!r} in the running flow")
        return node

    def inject(self, node_id: str, msg: Message | None = None) -> None:
        """Deliver ``msg`` to the input of ``node_id`` (``node.receive(msg)``)."""
        node = self.node(node_id)
        self.runtime.call_threadsafe(node.receive, {} if msg is None else msg)

    def call(self, fn: Callable[[], Any], timeout: float = 30) -> Any:
        """Run ``fn`` on the engine loop and return its result."""

        async def run() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout)

    # ---- observing -----------------------------------------------------------
    def received(self, node_id: str) -> list[Message]:
        node = self.node(node_id)
        if not isinstance(node, HelperNode):
            raise TypeError(f"{node_id!r} is a {node.type!r} node, not a helper node")
        with self._cond:
            return list(node.received)

    def wait_for(self, node_id: str, count: int = 1, timeout: float = 10) -> list[Message]:
        """Wait until the helper node ``node_id`` has received ``count`` messages."""
        node = self.node(node_id)
        assert isinstance(node, HelperNode), f"{node_id!r} is not a helper node"
        with self._cond:
            ok = self._cond.wait_for(lambda: len(node.received) >= count, timeout)
            got = list(node.received)
        if not ok:
            raise WaitTimeout(f"{node_id}: expected {count} message(s), got {len(got)}: {got!r}")
        return got

    def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 10, what: str = ""
    ) -> None:
        """Wait for ``predicate``; re-checked on every engine event and every 20 ms."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(f"timed out waiting for {what or predicate!r}")
                self._cond.wait(min(remaining, 0.02))

    def wait_idle(self, timeout: float = 10) -> None:
        """Wait until no message is queued or being handled."""
        fut = asyncio.run_coroutine_threadsafe(self.runtime.wait_until_quiet(timeout), self._loop)
        if not fut.result(timeout + 5):
            raise WaitTimeout("runtime did not become idle")

    def errors(self) -> list[str]:
        import logging

        with self._cond:
            return [text for _, level, text in self.logs if level >= logging.ERROR]

    def warnings(self) -> list[str]:
        import logging

        with self._cond:
            return [text for _, level, text in self.logs if level == logging.WARNING]

    def _on_status(self, node: Node, status: dict[str, Any]) -> None:
        with self._cond:
            self.statuses.setdefault(node.id, []).append(status)
            self._cond.notify_all()

    def _on_log(self, node: Node, level: int, text: str) -> None:
        with self._cond:
            self.logs.append((node.id, level, text))
            self._cond.notify_all()

    def _on_debug(self, node: Node, value: Any, *rest: Any) -> None:
        with self._cond:
            self.debug.append((node.id, value))
            self._cond.notify_all()


def load_error_lines(flow: list[dict[str, Any]], registry: NodeRegistry | None = None) -> list[str]:
    """The one-line problems a flow produces at load and build time (for tests)."""
    reg = (registry or default_registry()).copy()
    reg.register(HelperNode)
    try:
        flowset = parse_flows("<test flow>", flow, reg)
    except FlowFileError as e:
        return [str(p) for p in e.problems]
    try:
        Runtime(flowset, reg).build()
    except FlowFileError as e:
        return [str(p) for p in e.problems]
    return []
