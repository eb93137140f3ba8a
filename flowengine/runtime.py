"""The runtime: builds running flows from a :class:`FlowSet` and delivers messages.

Delivery follows Node-RED 5 (``Flow.js`` ``handlePreDeliver`` with
``setImmediate``): every hop is queued, never a nested call, so fan-out is
breadth-first, order is FIFO per sender→receiver pair, and long chains or
loops need no recursion. Client threads (MQTT, Kafka) hand work to the loop
through :meth:`Runtime.call_threadsafe`, the one thread-safe door.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import Any

from .context import ContextStores
from .envvars import substitute_env_properties
from .errors import ConfigError, FlowFileError, Problem
from .flow import Flow, Group, error_text
from .flowfile import FlowSet
from .jsvalues import UNDEFINED, js_string
from .message import Message, clone_message
from .node import Delivery, Node
from .registry import NodeRegistry, RegistryError

__all__ = ["Runtime", "Tracker"]

log = logging.getLogger("flowengine")
node_log = logging.getLogger("flowengine.node")

_BATCH = 10000
_SKIP_ENV_KEYS = frozenset({"id", "type", "z", "x", "y", "wires", "g", "_alias"})

Listener = Callable[..., None]


class Tracker:
    """Completion of one source message and everything derived from it."""

    __slots__ = ("_callback", "_loop", "_sealed", "errors", "pending")

    def __init__(self, loop: asyncio.AbstractEventLoop, callback: Callable[[Tracker], None]):
        self.pending = 0
        self.errors: list[Any] = []
        self._callback: Callable[[Tracker], None] | None = callback
        self._loop = loop
        self._sealed = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def finish(self, err: Any = None) -> None:
        self.pending -= 1
        if err is not None:
            self.errors.append(err)
        if self.pending <= 0 and self._sealed:
            self._fire()

    def sealed(self) -> None:
        self._sealed = True
        if self.pending <= 0:
            self._fire()

    def _fire(self) -> None:
        cb = self._callback
        if cb is not None:
            self._callback = None
            self._loop.call_soon(cb, self)


class SubflowInstanceNode(Node):
    """The node standing for a subflow instance in its parent flow."""

    type = "subflow"  # the real type is "subflow:<id>", set per instance
    fires_complete = False  # Node-RED's instance handler takes no ``done``

    def setup(self) -> None:
        self.type = self.config["type"]  # type: ignore[misc]


class SubflowStatusNode(Node):
    """Receives what reaches a subflow's status port; sets the instance status."""

    type = "subflow-status"

    def setup(self) -> None:
        self.instance: Node = self.config["_instance"]

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        payload = msg.get("payload", UNDEFINED)
        if isinstance(payload, str):
            status: dict[str, Any] = {"text": payload}
        elif isinstance(payload, dict):
            if not payload or any(k in payload for k in ("text", "fill", "shape")):
                status = {k: payload[k] for k in ("fill", "shape", "text") if k in payload}
            else:
                status = {"text": _inspect_short(payload)}
        elif payload is not UNDEFINED:
            status = {"text": _inspect_short(payload)}
        elif isinstance(msg.get("status"), dict):
            status = msg["status"]
        else:
            status = {}
        self.instance.status(status)
        done()


def _inspect_short(value: Any) -> str:
    from .inspect import inspect_value

    text = inspect_value(value)
    return text[:32] + "..." if len(text) > 32 else text


class Runtime:
    """Runs one flow set on an asyncio loop."""

    def __init__(
        self,
        flowset: FlowSet,
        registry: NodeRegistry,
        *,
        env: dict[str, str] | None = None,
        settings: dict[str, Any] | None = None,
        overrides: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.flowset = flowset
        self.registry = registry
        self.settings = settings or {}
        self.env_overrides = env or {}
        self.overrides = overrides or {}
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self.contexts = ContextStores(warn=lambda text: log.warning(text))
        self.nodes: dict[str, Node] = {}
        self.flows: dict[str, Flow] = {}
        self.global_flow = Flow(self, "global", "global")
        self.clone_message = clone_message
        self._order: list[Node] = []
        self._config_nodes: list[Node] = []
        self._wiring: dict[str, list[list[str]]] = {}
        self._instance_out: dict[str, list[list[tuple[str, int]]]] = {}
        self._users: dict[str, list[Node]] = {}
        self._queue: deque[tuple[Node, Message, Tracker | None]] = deque()
        self._drain_scheduled = False
        self._inbox: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self._inbox_scheduled = False
        self._tasks: set[asyncio.Future[Any]] = set()
        self._listeners: dict[str, list[Listener]] = {}
        self._built = False
        self.started = False
        self.stopping = False

    # ---- events for observers (CLI, viewer, test helper) --------------------
    def on(self, event: str, listener: Listener) -> None:
        """Subscribe to ``status``, ``debug`` or ``log`` events.

        Copy-on-write: ``emit`` may be iterating the old list (another thread may
        subscribe while the loop emits), so the list is replaced, never mutated.
        """
        self._listeners[event] = [*self._listeners.get(event, ()), listener]

    def off(self, event: str, listener: Listener) -> None:
        """Unsubscribe ``listener`` from ``event`` (no error when it was not subscribed)."""
        current = self._listeners.get(event, [])
        remaining = [fn for fn in current if fn != listener]
        if remaining:
            self._listeners[event] = remaining
        else:
            self._listeners.pop(event, None)

    def emit(self, event: str, *args: Any) -> None:
        for listener in self._listeners.get(event, ()):
            try:
                listener(*args)
            except Exception:  # an observer must never break delivery
                log.exception("event listener for %r failed", event)

    def emit_status(self, node: Node, status: dict[str, Any]) -> None:
        if "status" in self._listeners:
            self.emit("status", node, status)

    def log_node(self, node: Node, level: int, text: Any) -> None:
        message = error_text(text) if level >= logging.ERROR else _log_text(text)
        label = f"{node.type}:{node.name or node.id}"
        node_log.log(level, "[%s] %s", label, message)
        if "log" in self._listeners:
            self.emit("log", node, level, message)

    # ---- environment -----------------------------------------------------------
    def process_env(self, name: str) -> Any:
        if name in self.env_overrides:
            return self.env_overrides[name]
        value = os.environ.get(name)
        return UNDEFINED if value is None else value

    # ---- building ---------------------------------------------------------------
    def build(self) -> None:
        """Create every node (``setup`` only). Raises :class:`FlowFileError`."""
        if self._built:
            return
        self._built = True
        fs = self.flowset
        problems: list[Problem] = []
        g = self.global_flow
        global_configs = [c for c in fs.configs.get("", []) if not c.get("d")]
        env_entries: list[dict[str, Any]] = []
        for cfg in global_configs:
            if cfg.get("type") == "global-config":
                env_entries.extend(cfg.get("env") or [])
        creds_env: dict[str, Any] = {}
        for cfg in global_configs:
            if cfg.get("type") == "global-config":
                creds_env.update((fs.credentials.get(cfg["id"]) or {}).get("map") or {})
        global_env_item = next(
            (c for c in global_configs if c.get("type") == "global-config"), None
        )
        self._guard(problems, global_env_item, lambda: g.init_env(env_entries, creds_env))
        for cfg in global_configs:
            self._create(cfg, g, problems, is_config=True)
        for tab_id, tab in fs.tabs.items():
            if tab.get("disabled"):
                continue
            flow = Flow(self, tab_id, "tab", tab.get("label") or "", tab, parent=g)
            self.flows[tab_id] = flow
            self._populate(flow, tab_id, tab, problems, id_map=None)
        for node in self._order:
            self._resolve(node)
        for flow in [*self.flows.values(), g]:
            flow.finish_setup()
        self._compute_users()
        if problems:
            raise FlowFileError(problems)

    def _populate(
        self,
        flow: Flow,
        container_id: str,
        container: dict[str, Any],
        problems: list[Problem],
        id_map: dict[str, str] | None,
    ) -> None:
        fs = self.flowset
        groups = [g for g in fs.groups.values() if g.get("z") == container_id]
        for gcfg in _outer_first(groups):
            gcfg = _remap(gcfg, id_map, flow.id) if id_map is not None else gcfg
            group = Group(gcfg, flow)
            flow.groups[group.id] = group
        for gcfg in _outer_first(groups):
            gid = id_map[gcfg["id"]] if id_map is not None else gcfg["id"]
            group = flow.groups[gid]
            group_creds = fs.credentials.get(gcfg["id"]) or {}
            self._guard(problems, gcfg, partial(_init_group, group, gcfg, group_creds))
        if id_map is None:
            tab_creds = fs.credentials.get(container_id) or {}
            self._guard(
                problems,
                container,
                lambda: flow.init_env(container.get("env") or [], tab_creds),
            )
        for cfg in fs.configs.get(container_id, []):
            if cfg.get("d"):
                continue
            self._create(
                _remap(cfg, id_map, flow.id) if id_map is not None else cfg,
                flow,
                problems,
                is_config=True,
                creds_id=cfg["id"],
            )
        for cfg in fs.flow_nodes.get(container_id, []):
            if cfg.get("d") or cfg["id"] in fs.unknown:
                continue
            self._create(
                _remap(cfg, id_map, flow.id) if id_map is not None else cfg,
                flow,
                problems,
                is_config=False,
                creds_id=cfg["id"],
            )

    def _guard(
        self, problems: list[Problem], item: dict[str, Any] | None, fn: Callable[[], Any]
    ) -> None:
        try:
            fn()
        except ConfigError as e:
            problems.append(self._problem(item, e.field, e.message))
        except Exception as e:
            problems.append(self._problem(item, "env", error_text(e)))

    def _problem(self, item: dict[str, Any] | None, field: str | None, message: str) -> Problem:
        if item is None:
            return Problem(self.flowset.files[0] if self.flowset.files else "<flows>", message)
        original = item.get("_alias") or item.get("id")
        file = self.flowset.file_of(str(original))
        return Problem.for_node(file, item, field, message)

    def _create(
        self,
        cfg: dict[str, Any],
        flow: Flow,
        problems: list[Problem],
        is_config: bool,
        creds_id: str | None = None,
    ) -> None:
        t = cfg["type"]
        override = self.overrides.get(cfg["id"])
        if override:
            cfg = {**cfg, **override}
        group = flow.groups.get(cfg.get("g") or "")
        scope_get = group.get_setting if group is not None else flow.get_setting

        def lookup(name: str) -> Any:
            if name == "NR_NODE_NAME":
                return cfg.get("name", UNDEFINED)
            if name == "NR_NODE_ID":
                return cfg["id"]
            return scope_get(name)

        try:
            config = {
                k: (v if k in _SKIP_ENV_KEYS else substitute_env_properties(v, lookup))
                for k, v in cfg.items()
            }
            raw_creds = self.flowset.credentials.get(creds_id or cfg["id"])
            creds = substitute_env_properties(raw_creds, lookup) if raw_creds else {}
            if t.startswith("subflow:"):
                self._create_instance(config, flow, problems, creds)
                return
            cls = self.registry.get(t)
            node = cls(config, self, flow, creds)
        except ConfigError as e:
            problems.append(self._problem(cfg, e.field, e.message))
            return
        except (KeyError, RegistryError) as e:
            problems.append(self._problem(cfg, "type", f"cannot create node: {e}"))
            return
        except Exception as e:
            problems.append(self._problem(cfg, None, f"cannot create node: {error_text(e)}"))
            return
        self._register(node, flow, is_config)

    def _register(self, node: Node, flow: Flow, is_config: bool) -> None:
        self.nodes[node.id] = node
        flow.add_node(node)
        if is_config:
            self._config_nodes.append(node)
        else:
            self._order.append(node)
            if node.alias and node.alias in self.flowset.by_id:
                # Inside a subflow instance: wire as the template does, then prefix.
                wires = _static_wires(type(node), self.flowset.by_id[node.alias], self.flowset)
                prefix = f"{flow.id}-"
                wires = [[prefix + t for t in port] for port in wires]
            else:
                wires = _static_wires(type(node), node.config, self.flowset)
            self._wiring[node.id] = wires

    def _create_instance(
        self,
        config: dict[str, Any],
        parent: Flow,
        problems: list[Problem],
        creds: dict[str, Any],
    ) -> None:
        fs = self.flowset
        sid = config["type"][8:]
        template = fs.subflows[sid]
        inst_id = config["id"]
        instance = SubflowInstanceNode(config, self, parent, creds)
        self._register(instance, parent, is_config=False)
        flow = Flow(
            self, inst_id, "subflow", template.get("name") or "", template, parent, instance
        )
        self.flows[inst_id] = flow
        # Environment: template entries overridden by instance entries of the same name.
        merged: dict[str, dict[str, Any]] = {}
        for entry in (template.get("env") or []) + (config.get("env") or []):
            if isinstance(entry, dict) and entry.get("name"):
                merged[entry["name"]] = entry
        env_creds = {**(fs.credentials.get(sid) or {}), **(creds or {})}
        self._guard(problems, config, lambda: flow.init_env(list(merged.values()), env_creds))
        internal_ids = [
            n["id"] for n in fs.items if n.get("z") == sid and n["type"] not in ("tab", "subflow")
        ]
        id_map = {orig: f"{inst_id}-{orig}" for orig in internal_ids}
        flow.has_status_port = isinstance(template.get("status"), dict)
        self._populate(flow, sid, template, problems, id_map)
        # Rewire: input port, output ports (and pass-through), status port.
        in_targets = [
            id_map[w["id"]]
            for port in (template.get("in") or [])[:1]
            for w in (port.get("wires") or [])
            if w.get("id") in id_map
        ]
        self._wiring[inst_id] = [list(in_targets)]
        # Where each output port's messages come from: internal (node, port) pairs, or
        # the instance itself for an input → output pass-through.
        self._instance_out[inst_id] = [
            [
                (inst_id, 0) if w.get("id") == sid else (id_map[w["id"]], int(w.get("port") or 0))
                for w in (port.get("wires") or [])
                if w.get("id") == sid or w.get("id") in id_map
            ]
            for port in (template.get("out") or [])
        ]
        for i, targets in enumerate(config.get("wires") or []):
            if targets:
                self._add_output_targets(inst_id, i, targets)
        status_port = template.get("status")
        if isinstance(status_port, dict):
            status_id = f"{inst_id}:status"
            status_node = SubflowStatusNode(
                {"id": status_id, "type": "subflow-status", "z": inst_id, "_instance": instance},
                self,
                flow,
            )
            self._register(status_node, flow, is_config=False)
            for w in status_port.get("wires") or []:
                internal = id_map.get(w.get("id"))
                if internal is not None:
                    self._add_output_targets(internal, int(w.get("port") or 0), [status_id])

    def _add_output_targets(self, node_id: str, port: int, targets: list[str]) -> None:
        """Wire ``targets`` to output ``port`` of ``node_id``; through subflow instances
        this reaches the internal nodes that feed that output (nested as deep as needed)."""
        sources = self._instance_out.get(node_id)
        if sources is None:
            if node_id in self._wiring:
                _add_wires(self._wiring[node_id], port, targets)
            return
        for src, src_port in sources[port] if port < len(sources) else []:
            if src == node_id:
                self._wiring[node_id][0].extend(targets)  # pass-through
            else:
                self._add_output_targets(src, src_port, targets)

    def _resolve(self, node: Node) -> None:
        wires = self._wiring.get(node.id, [])
        node._outputs = [
            [self.nodes[t] for t in targets if t in self.nodes and t not in self._config_ids]
            for targets in wires
        ]
        while node._outputs and not node._outputs[-1]:
            node._outputs.pop()

    @property
    def _config_ids(self) -> set[str]:
        ids = getattr(self, "_config_id_cache", None)
        if ids is None:
            ids = {n.id for n in self._config_nodes}
            self._config_id_cache = ids
        return ids

    def _compute_users(self) -> None:
        config_ids = self._config_ids
        for node in [*self._order, *self._config_nodes]:
            for key, value in node.config.items():
                if key in ("id", "z", "g", "_alias") or not isinstance(value, str):
                    continue
                if value in config_ids and value != node.id:
                    self._users.setdefault(value, []).append(node)

    def config_users(self, config_id: str) -> list[Node]:
        return self._users.get(config_id, [])

    def get_node(self, node_id: str) -> Node | None:
        return self.nodes.get(node_id)

    def iter_nodes(self) -> Iterable[Node]:
        return iter([*self._config_nodes, *self._order])

    # ---- running -------------------------------------------------------------
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.build()
        self.started = True
        for node in [*self._config_start_order(), *self._order]:
            self.run_guarded(node, node.start)

    def _config_start_order(self) -> list[Node]:
        """Config nodes, each after the config nodes it references (Node-RED waits likewise)."""
        ordered: list[Node] = []
        state: dict[str, int] = {}  # 1 = visiting, 2 = done
        config_ids = self._config_ids

        def visit(node: Node) -> None:
            mark = state.get(node.id)
            if mark == 2:
                return
            if mark == 1:
                node.error("Circular config node dependency detected")
                return
            state[node.id] = 1
            for key, value in node.config.items():
                if key not in ("id", "z", "g") and isinstance(value, str) and value in config_ids:
                    dep = self.nodes.get(value)
                    if dep is not None and dep is not node:
                        visit(dep)
            state[node.id] = 2
            ordered.append(node)

        for node in self._config_nodes:
            visit(node)
        return ordered

    def run_guarded(self, node: Node, fn: Callable[[], Any]) -> None:
        """Run node code outside message delivery; errors are logged, never raised."""
        try:
            result = fn()
            if result is not None and asyncio.iscoroutine(result):
                self.spawn(result, node)
        except Exception as e:
            node.error(e)

    def spawn(
        self, coro: Awaitable[Any], node: Node, delivery: Delivery | None = None
    ) -> asyncio.Future[Any]:
        """Run a coroutine for ``node``; counted as in-flight work."""
        task = asyncio.ensure_future(coro, loop=self.loop)
        self._tasks.add(task)

        def finished(t: asyncio.Future[Any]) -> None:
            self._tasks.discard(t)
            if t.cancelled():
                return
            exc = t.exception()
            if exc is not None:
                if delivery is not None:
                    delivery.done(exc)
                else:
                    node.error(exc)

        task.add_done_callback(finished)
        return task

    def new_tracker(self, callback: Callable[[Tracker], None]) -> Tracker:
        return Tracker(self.loop, callback)

    def _enqueue(self, node: Node, msg: Message, tracker: Tracker | None) -> None:
        if tracker is not None:
            tracker.pending += 1
        self._queue.append((node, msg, tracker))
        if not self._drain_scheduled:
            self._drain_scheduled = True
            self.loop.call_soon(self._drain)

    def _drain(self) -> None:
        queue = self._queue
        n = min(len(queue), _BATCH)
        popleft = queue.popleft
        spawn = self.spawn
        for _ in range(n):
            node, msg, tracker = popleft()
            delivery = Delivery(node, msg, tracker)
            try:
                result = node.on_input(msg, delivery, delivery.done)
                if result is not None:
                    spawn(result, node, delivery)
            except Exception as e:
                delivery.done(e)
        if queue:
            self.loop.call_soon(self._drain)
        else:
            self._drain_scheduled = False

    def deliver_now(self, node: Node, msg: Message, tracker: Tracker | None) -> None:
        """Run ``node``'s input handler immediately (``Node.receive``), not queued."""
        node.msgs_in_direct += 1
        delivery = Delivery(node, msg, tracker)
        try:
            result = node.on_input(msg, delivery, delivery.done)
            if result is not None:
                self.spawn(result, node, delivery)
        except Exception as e:
            delivery.done(e)

    def message_counts(self) -> dict[str, tuple[int, int, int]]:
        """Per node id: ``(messages in, messages out, errors)`` from the live counters.

        A hop bumps only its sender's port counter; a node's input count is what its
        senders sent on the ports wired to it, plus direct deliveries (``receive``, link
        call). Reads plain integers, so any thread may call it.
        """
        nodes = list(self.nodes.values())
        counts = {node.id: [node.msgs_in_direct, 0, node.msgs_errors] for node in nodes}
        for node in nodes:
            out_ports = node.msgs_out_ports
            total = 0
            for port, targets in enumerate(node._outputs):
                sent = node.msgs_out if port == 0 else out_ports.get(port, 0)
                total += sent
                if sent:
                    for target in targets:
                        entry = counts.get(target.id)
                        if entry is not None:
                            entry[0] += sent
            counts[node.id][1] = total
        return {node_id: (c[0], c[1], c[2]) for node_id, c in counts.items()}

    def has_listeners(self, event: str) -> bool:
        """Whether anything observes ``event`` (lets nodes skip work nobody reads)."""
        return bool(self._listeners.get(event))

    def call_threadsafe(self, fn: Callable[..., Any], *args: Any) -> None:
        """The one door for other threads: run ``fn(*args)`` on the engine loop."""
        self._inbox.append((fn, args))
        if not self._inbox_scheduled:
            self._inbox_scheduled = True
            self.loop.call_soon_threadsafe(self._drain_inbox)

    def _drain_inbox(self) -> None:
        self._inbox_scheduled = False
        inbox = self._inbox
        while inbox:
            fn, args = inbox.popleft()
            try:
                fn(*args)
            except Exception:
                log.exception("callback from a client thread failed")

    def queue_depths(self) -> dict[str, int]:
        """Lengths of the delivery queue, the cross-thread inbox and running tasks."""
        return {"delivery": len(self._queue), "inbox": len(self._inbox), "tasks": len(self._tasks)}

    # ---- idleness and shutdown ----------------------------------------------
    def pending_timers(self) -> int:
        return sum(len(n._timers) for n in self.nodes.values())

    def busy(self) -> bool:
        return bool(self._queue or self._tasks or self._inbox)

    def idle(self) -> bool:
        return not self.busy() and self.pending_timers() == 0

    async def wait_until_quiet(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.busy():
            if time.monotonic() >= deadline:
                return False
            if self._tasks:
                await asyncio.wait(list(self._tasks), timeout=max(0.0, deadline - time.monotonic()))
            else:
                await asyncio.sleep(0.005)
        return True

    async def stop(self, drain_timeout: float = 10.0, close_timeout: float | None = None) -> None:
        """Graceful stop: sources first, drain in-flight messages, then close nodes."""
        if self.stopping or not self.started:
            return
        self.stopping = True
        close_timeout = close_timeout or float(self.settings.get("nodeCloseTimeout", 15000)) / 1000
        for node in self._order:
            if not node.has_input:
                self.run_guarded(node, node.stop_source)
        if not await self.wait_until_quiet(drain_timeout):
            log.warning("stopping with messages still in flight after %.1fs", drain_timeout)
        for node in [*self._order, *self._config_nodes]:
            node.cancel_timers()
            try:
                result = node.close()
                if result is not None:
                    await asyncio.wait_for(result, close_timeout)
            except TimeoutError:
                node.error("Error stopping node: Close timed out")
            except Exception as e:
                node.error(f"Error stopping node: {error_text(e)}")
        for task in list(self._tasks):
            task.cancel()
        self.started = False


def _log_text(text: Any) -> str:
    if isinstance(text, str):
        return text
    if isinstance(text, BaseException):
        return error_text(text)
    return js_string(text)


def _outer_first(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {g["id"]: g for g in groups}
    ordered: list[dict[str, Any]] = []
    seen: set[str] = set()

    def visit(g: dict[str, Any], depth: int = 0) -> None:
        if g["id"] in seen or depth > 100:
            return
        parent = by_id.get(g.get("g") or "")
        if parent is not None:
            visit(parent, depth + 1)
        seen.add(g["id"])
        ordered.append(g)

    for g in groups:
        visit(g)
    return ordered


def _init_group(group: Group, cfg: dict[str, Any], creds: dict[str, Any]) -> None:
    from .envvars import evaluate_env_entries

    group.env = evaluate_env_entries(cfg.get("env") or [], group, creds)


def _remap(cfg: dict[str, Any], id_map: dict[str, str] | None, z: str) -> dict[str, Any]:
    """Clone a subflow-internal node for one instance (``createNodeInSubflow``)."""
    assert id_map is not None
    node = copy.deepcopy(cfg)
    orig = node["id"]
    node["_alias"] = orig
    node["id"] = id_map[orig]
    node["z"] = z
    for key, value in list(node.items()):
        if key in ("id", "_alias", "z", "wires"):
            continue
        if isinstance(value, str) and value in id_map:
            node[key] = id_map[value]
    if isinstance(node.get("wires"), list):
        node["wires"] = [[id_map[t] for t in port if t in id_map] for port in node["wires"]]
    for key in ("scope", "links", "nodes"):
        if isinstance(node.get(key), list):
            node[key] = [id_map.get(t, "") if isinstance(t, str) else t for t in node[key]]
    return node


def _static_wires(cls: type[Node], config: dict[str, Any], flowset: FlowSet) -> list[list[str]]:
    hook = getattr(cls, "effective_wires", None)
    if hook is not None:
        wires = hook(config, flowset)
        if wires is not None:
            return [list(port) for port in wires]
    return [list(port) for port in (config.get("wires") or [])]


def _add_wires(wiring: list[list[str]], port: int, targets: list[str]) -> None:
    while len(wiring) <= port:
        wiring.append([])
    wiring[port].extend(targets)
