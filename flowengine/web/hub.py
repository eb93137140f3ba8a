"""Batched live updates to browsers over server-sent events.

One batcher thread wakes every ``interval`` seconds (default 0.2), asks the
:class:`~.observer.RuntimeObserver` what changed (statuses, debug messages, counters)
and hands one JSON event to every connected client's queue. Each browser connection
reads its queue in its own server thread. A client that falls behind is not allowed to
grow memory: its queue is bounded, and when it overflows the backlog is replaced by a
full snapshot (all statuses and counters) so nothing shown goes stale.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from ..jsvalues import js_json_dumps
from .model import FlowModel
from .observer import RuntimeObserver

__all__ = ["EventHub", "parse_sse", "translate_status"]

log = logging.getLogger("flowengine.web")

#: status texts Node-RED's editor translates (i18n keys core nodes use without arguments)
_STATUS_TEXTS = {
    "common.status.connected": "connected",
    "common.status.not-connected": "not connected",
    "common.status.disconnected": "disconnected",
    "common.status.connecting": "connecting",
    "common.status.error": "error",
    "common.status.ok": "OK",
    "httpin.status.requesting": "requesting",
}
_CLIENT_QUEUE = 64
_HEARTBEAT_SECONDS = 15.0


def translate_status(status: dict[str, Any]) -> dict[str, Any]:
    """The status as the editor shows it: i18n keys replaced by their English text."""
    text = status.get("text")
    if isinstance(text, str):
        key = text.split(":", 1)[1] if text.startswith("node-red:") else text
        if key in _STATUS_TEXTS:
            return {**status, "text": _STATUS_TEXTS[key]}
    return status


class _Client:
    def __init__(self) -> None:
        self.queue: queue.Queue[str | None] = queue.Queue(maxsize=_CLIENT_QUEUE)
        self.needs_snapshot = False


class EventHub:
    """Fans batched updates out to the browsers; one per served runtime (or flow file)."""

    def __init__(
        self,
        model: FlowModel,
        observer: RuntimeObserver | None,
        interval: float = 0.2,
        probe_every: float = 0.1,
    ) -> None:
        self.model = model
        self.observer = observer
        self.interval = interval
        self.probe_every = probe_every
        self._clients: set[_Client] = set()
        self._clients_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._history: deque[tuple[float, dict[str, tuple[int, int, int]]]] = deque()
        self._last_rows: dict[str, list[float]] = {}
        self._debug_shown = 0
        self._debug_reported = 0
        self._watched: set[str] | None = None
        self.batches_sent = 0

    # ---- lifecycle ---------------------------------------------------------------
    def start(self) -> None:
        if self.observer is None or self._thread is not None:
            return
        self.observer.attach()
        # Debug output from before the viewer was attached is not "dropped".
        self._debug_reported = self._sidebar_received(self.observer.counts())
        self._thread = threading.Thread(target=self._run, name="flowengine-ui-batcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.observer is not None:
            self.observer.detach()
        with self._clients_lock:
            clients = list(self._clients)
        for client in clients:
            _offer(client, None)

    # ---- clients -------------------------------------------------------------------
    def stream(self) -> Iterator[str]:
        """Server-sent events for one browser: a snapshot, then batches."""
        client = _Client()
        with self._clients_lock:
            self._clients.add(client)
        try:
            yield _sse("snapshot", self.snapshot())
            while not self._stop.is_set():
                try:
                    item = client.queue.get(timeout=_HEARTBEAT_SECONDS)
                except queue.Empty:
                    yield ": keep-alive\n\n"
                    continue
                if item is None:
                    return
                if client.needs_snapshot:
                    client.needs_snapshot = False
                    yield _sse("snapshot", self.snapshot())
                    continue
                yield item
        finally:
            with self._clients_lock:
                self._clients.discard(client)

    @property
    def client_count(self) -> int:
        with self._clients_lock:
            return len(self._clients)

    def snapshot(self) -> str:
        obs = self.observer
        data: dict[str, Any] = {"rev": self.model.rev, "state": "stop", "running": False}
        if obs is not None:
            data["running"] = True
            data["state"] = obs.state
            data["statuses"] = {k: translate_status(v) for k, v in dict(obs.statuses).items()}
            data["counters"] = self._counter_rows(obs.counts())
        return js_json_dumps(data)

    # ---- the batcher ----------------------------------------------------------------
    def _run(self) -> None:
        next_probe = 0.0
        while not self._stop.wait(self.interval):
            try:
                now = time.monotonic()
                if now >= next_probe and self.observer is not None:
                    self.observer.probe_latency()
                    next_probe = now + self.probe_every
                batch = self._collect()
                if batch is not None:
                    self._broadcast(_sse("batch", batch))
            except Exception:  # a bad tick must not end live updates
                log.exception("viewer update failed")

    def _collect(self) -> str | None:
        obs = self.observer
        assert obs is not None
        # Counts (and the queue length) before taking the debug output: see _debug_dropped.
        counts = obs.counts()
        queued = obs.queue_depths()["delivery"]
        statuses = obs.take_status_changes()
        debug = obs.take_debug()
        obs.new_tick()
        rows = self._counter_changes(counts)
        dropped = self._debug_dropped(counts, queued, debug)
        if not (statuses or debug or rows or dropped):
            return None
        payload: dict[str, Any] = {"state": obs.state}
        if statuses:
            payload["statuses"] = {k: translate_status(v) for k, v in statuses.items()}
        if debug:
            payload["debug"] = debug
        if rows:
            payload["counters"] = rows
        if dropped:
            payload["dropped"] = dropped
        return js_json_dumps(payload)

    def _counter_changes(self, counts: dict[str, tuple[int, int, int]]) -> dict[str, list[float]]:
        """Counter rows ``[in, out, errors, msg/s]`` that changed since the last tick; the
        rate is over the last second."""
        now = time.monotonic()
        history = self._history
        history.append((now, counts))
        while len(history) > 2 and now - history[1][0] >= 1.0:
            history.popleft()
        then, old = history[0]
        elapsed = now - then
        rows: dict[str, list[float]] = {}
        for node_id, c in counts.items():
            before = old.get(node_id, c)
            moved = max(c[0] - before[0], c[1] - before[1], 0)
            rate = round(moved / elapsed, 1) if elapsed > 0 else 0.0
            row = [c[0], c[1], c[2], rate]
            if self._last_rows.get(node_id) != row:
                rows[node_id] = row
                self._last_rows[node_id] = row
        return rows

    def _counter_rows(self, counts: dict[str, tuple[int, int, int]]) -> dict[str, list[float]]:
        return {k: self._last_rows.get(k, [c[0], c[1], c[2], 0.0]) for k, c in counts.items()}

    def _debug_dropped(
        self, counts: dict[str, tuple[int, int, int]], queued: int, shown: list[dict[str, Any]]
    ) -> int:
        """Debug messages newly known to have been skipped (over the budget).

        Sidebar debug nodes received ``R`` messages (counted when sent to them), the
        sidebar got ``S``; the rest were skipped, except those still waiting in the
        delivery queue (at most ``queued``). Reporting ``R - S - queued`` minus what was
        already reported never over-counts, and catches up exactly once the flow is idle.
        """
        watched = self._sidebar_debug_ids()
        received = self._sidebar_received(counts)
        self._debug_shown += sum(1 for d in shown if "level" not in d and d.get("id") in watched)
        newly = received - self._debug_shown - queued - self._debug_reported
        if newly <= 0:
            return 0
        self._debug_reported += newly
        return newly

    def _sidebar_received(self, counts: dict[str, tuple[int, int, int]]) -> int:
        """Messages the sidebar debug nodes have received so far."""
        return sum(counts.get(node_id, (0, 0, 0))[0] for node_id in self._sidebar_debug_ids())

    def _sidebar_debug_ids(self) -> set[str]:
        if self._watched is None:
            self._watched = {
                node["id"]
                for node in self.model.nodes.values()
                if node["type"] == "debug"
                and not node["disabled"]
                and node["properties"].get("active") is not False
                and node["properties"].get("tosidebar") is not False
            }
        return self._watched

    def _broadcast(self, event: str) -> None:
        with self._clients_lock:
            clients = list(self._clients)
        for client in clients:
            _offer(client, event)
        self.batches_sent += 1


def _offer(client: _Client, item: str | None) -> None:
    """Queue ``item`` for a client; on overflow drop the backlog and ask for a snapshot."""
    try:
        client.queue.put_nowait(item)
    except queue.Full:
        while True:
            try:
                client.queue.get_nowait()
            except queue.Empty:
                break
        client.needs_snapshot = item is not None
        client.queue.put_nowait(item if item is None else ": resync\n\n")


def _sse(event: str, data: str) -> str:
    lines = "\n".join(f"data: {line}" for line in data.split("\n"))
    return f"event: {event}\n{lines}\n\n"


def parse_sse(text: str) -> list[tuple[str, Any]]:
    """Decode a server-sent event stream (for tests and tools)."""
    events = []
    for block in text.split("\n\n"):
        name = "message"
        data = []
        for line in block.split("\n"):
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events
