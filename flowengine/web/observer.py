"""The viewer's window on a running runtime: status, debug output, counters, hop latency.

The runtime feeds it through its observer events (``status``, ``debug``, ``log``) on
the engine loop; each listener does constant work (store the latest status, append to a
bounded deque) and never blocks. A batcher thread (:mod:`flowengine.web.hub`) collects
what changed every 100–250 ms and sends one update to every browser, so a busy flow
costs the browsers one message per tick, not one per event (Node-RED's #1473/#2893).

Debug output is budgeted: at most :attr:`RuntimeObserver.debug_budget` sidebar messages
per tick. Once a tick's budget is spent the observer stops listening to ``debug`` until
the next tick, so debug nodes skip encoding their messages (they only encode when
someone listens); the sidebar is told how many it did not show.

Counters come from :meth:`Runtime.message_counts` (plain integers kept on the delivery
path). Hop latency is sampled: a probe message goes through the delivery queue every
100 ms and the time it waited is added to a histogram.
"""

from __future__ import annotations

import logging
import threading
import time
from bisect import bisect_left
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from ..node import Delivery, Node

if TYPE_CHECKING:
    from ..message import Message
    from ..runtime import Runtime

__all__ = ["LATENCY_BUCKETS", "LatencyHistogram", "RuntimeObserver"]

log = logging.getLogger("flowengine.web")

#: upper bounds (seconds) of the hop latency histogram buckets
LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5)
_LOG_LEVELS = {logging.WARNING: 30, logging.ERROR: 20, logging.CRITICAL: 10}


class LatencyHistogram:
    """A Prometheus-style cumulative histogram (written by one thread, read by any)."""

    def __init__(self, buckets: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)  # the last one is +Inf
        self.total = 0.0
        self.count = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect_left(self.buckets, seconds)] += 1  # past the last bound: +Inf
        self.total += seconds
        self.count += 1

    def cumulative(self) -> list[tuple[str, int]]:
        running = 0
        rows = []
        for bound, n in zip([*map(repr, self.buckets), "+Inf"], self.counts, strict=True):
            running += n
            rows.append((bound, running))
        return rows


class _LatencyProbe(Node):
    """Not a flow node: receives the probe messages and times their wait in the queue."""

    type = "flowengine-latency-probe"

    def setup(self) -> None:
        self.histogram = LatencyHistogram()
        self.last: float | None = None

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        waited = time.perf_counter() - msg["sent"]
        self.histogram.observe(waited)
        self.last = waited
        done()


class RuntimeObserver:
    """Collects what the viewer shows about one runtime; feeds :class:`~.hub.EventHub`."""

    def __init__(self, runtime: Runtime, debug_budget: int = 10, debug_keep: int = 200) -> None:
        self.runtime = runtime
        self.debug_budget = debug_budget
        #: latest status per node id (retained, like Node-RED's ``status/<id>`` topic)
        self.statuses: dict[str, dict[str, Any]] = {}
        self._status_changes: deque[str] = deque()
        self._debug: deque[dict[str, Any]] = deque(maxlen=debug_keep)
        self._debug_in_tick = 0
        self._debug_listening = False
        self._probe: _LatencyProbe | None = None
        self._attached = False
        self._lock = threading.Lock()  # attach/detach only; never on the event path

    # ---- wiring into the runtime ---------------------------------------------------
    def attach(self) -> None:
        with self._lock:
            if self._attached:
                return
            self._attached = True
        self.runtime.on("status", self._on_status)
        self.runtime.on("log", self._on_log)
        self._listen_debug(True)

    def _listen_debug(self, on: bool) -> None:
        """Subscribe to ``debug`` or not (debug nodes skip encoding when nobody listens)."""
        if on:
            self.runtime.off("debug", self._on_debug)
            self.runtime.on("debug", self._on_debug)
        else:
            self.runtime.off("debug", self._on_debug)
        self._debug_listening = on

    def detach(self) -> None:
        """Stop listening (on the loop when it runs, as listeners are called there)."""
        with self._lock:
            if not self._attached:
                return
            self._attached = False

        def remove() -> None:
            self.runtime.off("status", self._on_status)
            self.runtime.off("log", self._on_log)
            self.runtime.off("debug", self._on_debug)

        self._on_loop(remove)

    def _on_loop(self, fn: Callable[[], None]) -> bool:
        """Run ``fn`` on the engine loop (directly when no loop runs yet)."""
        rt = self.runtime
        if rt.started and rt.loop is not None and rt.loop.is_running():
            try:
                rt.call_threadsafe(fn)
                return True
            except RuntimeError:  # loop closed meanwhile
                return False
        fn()
        return True

    # ---- runtime events (engine loop; constant work, never blocking) ---------------
    def _on_status(self, node: Node, status: dict[str, Any]) -> None:
        # As Node-RED's comms: an all-empty status clears a shown one (and is otherwise
        # not sent); else only text, fill and shape travel.
        if not (status.get("text") or status.get("fill") or status.get("shape")):
            if not self.statuses.get(node.id):
                return
            shown: dict[str, Any] = {}
        else:
            shown = {k: status[k] for k in ("text", "fill", "shape") if status.get(k) is not None}
        self.statuses[node.id] = shown
        self._status_changes.append(node.id)

    def _on_debug(self, node: Node, value: Any, sidebar: dict[str, Any] | None = None) -> None:
        if sidebar is None:
            return
        self._debug.append(sidebar)
        self._debug_in_tick += 1
        if self._debug_in_tick >= self.debug_budget:
            self._listen_debug(False)  # until the next tick: debug nodes skip encoding

    def _on_log(self, node: Node, level: int, text: str) -> None:
        if level < logging.WARNING:
            return
        entry: dict[str, Any] = {
            "level": _LOG_LEVELS.get(level, 20),
            "id": node.id,
            "type": node.type,
            "msg": text,
            "z": node.z,
            "name": node.name or "",
            "path": node.flow.path,
            "timestamp": int(time.time() * 1000),
            "format": f"string[{len(text)}]",
        }
        if node.alias:
            entry["_alias"] = node.alias
        self._debug.append(entry)

    # ---- read by the batcher thread ----------------------------------------------
    def take_status_changes(self) -> dict[str, dict[str, Any]]:
        changed: dict[str, dict[str, Any]] = {}
        changes = self._status_changes
        while changes:
            node_id = changes.popleft()
            changed[node_id] = self.statuses.get(node_id, {})
        return changed

    def take_debug(self) -> list[dict[str, Any]]:
        out = []
        debug = self._debug
        while debug:
            out.append(debug.popleft())
        return out

    def new_tick(self) -> None:
        """Start a debug budget window (called by the batcher every tick)."""

        def reopen() -> None:
            self._debug_in_tick = 0
            if self._attached and not self._debug_listening:
                self._listen_debug(True)

        if self._debug_in_tick or not self._debug_listening:
            self._on_loop(reopen)

    def counts(self) -> dict[str, tuple[int, int, int]]:
        return self.runtime.message_counts()

    def queue_depths(self) -> dict[str, int]:
        return self.runtime.queue_depths()

    @property
    def state(self) -> str:
        rt = self.runtime
        return "start" if rt.started and not rt.stopping else "stop"

    # ---- hop latency probe ---------------------------------------------------------
    def probe_latency(self) -> None:
        """Queue one probe message; its wait in the delivery queue is recorded."""
        rt = self.runtime
        if not rt.started or rt.stopping or not self._attached:
            return

        def send() -> None:
            if self._probe is None:
                self._probe = _LatencyProbe(
                    {"id": "flowengine-latency-probe", "type": _LatencyProbe.type},
                    rt,
                    rt.global_flow,
                )
            probe = self._probe
            Delivery(probe, {}, None).to(probe, {"sent": time.perf_counter()})

        self._on_loop(send)

    @property
    def latency(self) -> LatencyHistogram | None:
        return self._probe.histogram if self._probe is not None else None

    def inject(self, node_id: str, body: dict[str, Any] | None, timeout: float = 10.0) -> int:
        """``POST /inject/:id``: as Node-RED's route, ``node.receive()`` on any running
        node (the body is the message when it has ``__user_inject_props__``); 404 for an
        id that is not running. A node without an input handler (a source such as
        ``mqtt in``) ignores it, as in Node-RED; the answer is still 200."""
        rt = self.runtime
        node = rt.get_node(node_id)
        if node is None:
            return 404
        if not rt.started or rt.stopping or rt.loop is None:
            return 404
        if not node.has_input and type(node).on_input is Node.on_input:
            return 200  # no "input" listener in Node-RED: receive() does nothing
        done: Future[int] = Future()

        def fire() -> None:
            try:
                if body and body.get("__user_inject_props__"):
                    node.receive(dict(body))
                else:
                    node.receive()
                done.set_result(200)
            except Exception:
                log.exception("inject %s failed", node_id)
                done.set_result(500)

        try:
            rt.call_threadsafe(fire)
            return done.result(timeout)
        except Exception:
            return 500
