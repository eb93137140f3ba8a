"""The node API: what every node type (ours or a third party's) builds on.

A node type is a subclass of :class:`Node` with ``type`` set to its Node-RED
type name. The runtime constructs it from the flow-file dict (``setup`` parses
and validates properties, starts nothing), then calls ``start`` once every node
exists, delivers messages to ``on_input`` and finally awaits ``close``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from .context import Context
from .errors import ConfigError
from .jsvalues import UNDEFINED, js_string
from .message import Message, generate_id

if TYPE_CHECKING:
    from .flow import Flow, Group
    from .hostmap import HostMap
    from .runtime import Runtime, Tracker

__all__ = ["Delivery", "Node", "Send"]

log = logging.getLogger("flowengine")


class Delivery:
    """One message delivered to one node: the ``send`` and ``done`` it gets.

    ``send`` keeps the message's completion tracker, so everything derived
    from a source message is accounted for, across clones and branches.
    """

    __slots__ = ("_done", "msg", "node", "tracker")

    def __init__(self, node: Node, msg: Message, tracker: Tracker | None) -> None:
        self.node = node
        self.msg = msg
        self.tracker = tracker
        self._done = False

    def __call__(self, msgs: Any) -> None:
        node = self.node
        outputs = node._outputs
        # Fast path: one message to a single wire (most nodes, most of the time).
        if type(msgs) is dict and len(outputs) == 1 and len(outputs[0]) == 1:
            if "_msgid" not in msgs:
                msgs["_msgid"] = generate_id()
            node.msgs_out += 1
            node.runtime._enqueue(outputs[0][0], msgs, self.tracker)
            return
        node._send(msgs, self.tracker)

    def to(self, target: Node, msg: Message) -> None:
        """Deliver ``msg`` straight to ``target`` (link call), keeping the tracker."""
        target.msgs_in_direct += 1
        self.node.runtime._enqueue(target, msg, self.tracker)

    def drop(self) -> None:
        """End this delivery without output and without firing Complete nodes.

        For the places where Node-RED's node never calls ``done`` (a change rule
        on context that does not match drops the message silently).
        """
        if self._done:
            return
        self._done = True
        if self.tracker is not None:
            self.tracker.finish()

    def done(self, err: Any = None) -> None:
        if self._done:
            return
        self._done = True
        node = self.node
        if err is not None:
            node.error(err, self.msg)
        elif node._complete_listeners:
            node.flow.handle_complete(node, self.msg)
        if self.tracker is not None:
            self.tracker.finish(err)


Send = Delivery
Done = Callable[..., None]


class Node:
    """Base class of every node type."""

    #: Node-RED type name, e.g. ``"change"`` or ``"mqtt in"``.
    type: ClassVar[str] = ""
    #: Palette category (common, function, network, parser, sequence, storage, ...).
    category: ClassVar[str] = ""
    #: Properties that hold the id of a config node, with the config type expected
    #: (``None`` = any type). Used by validation, the graph and start order.
    config_refs: ClassVar[Mapping[str, str | None]] = {}
    #: False for nodes without an input port (inject, mqtt in, ...): sources.
    has_input: ClassVar[bool] = True
    #: False for types whose Node-RED input handler takes no ``done`` (switch, rbe):
    #: Complete nodes never fire for them.
    fires_complete: ClassVar[bool] = True
    #: True for types whose Node-RED constructor does ``this.name = n.name`` (debug,
    #: template, ...): their ``name`` in msg.error/status/complete sources is the
    #: configured value even when empty; other types report only a non-empty name.
    assigns_name: ClassVar[bool] = False
    #: Properties every node of this type may carry that we knowingly ignore
    #: (editor-only: position, size, labels, icons ...).
    ignored_properties: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        config: dict[str, Any],
        runtime: Runtime,
        flow: Flow,
        credentials: dict[str, Any] | None = None,
    ) -> None:
        self.config = config
        self.id: str = config["id"]
        self.name: str = config.get("name") or ""
        self.z: str = config.get("z") or ""
        self.g: str | None = config.get("g") or None
        self.alias: str | None = config.get("_alias")
        self.wires: list[list[str]] = config.get("wires") or []
        self.credentials: dict[str, Any] = credentials or {}
        self.runtime = runtime
        self.flow = flow
        self.path: str = f"{flow.path}/{self.alias or self.id}"
        self._outputs: list[list[Node]] = []
        self._complete_listeners = False
        self._timers: set[asyncio.TimerHandle] = set()
        self._context: Context | None = None
        # Live counters (viewer, /metrics): one plain increment per hop, on the sending side;
        # no lock, no clock. A node's input count is derived from its senders' port counts
        # (Runtime.message_counts), so a hop costs one increment, not two.
        self.msgs_out = 0  # messages sent on output 0 (to at least one wire)
        self.msgs_out_ports: dict[int, int] = {}  # the same for outputs 1, 2, ...
        self.msgs_in_direct = 0  # deliveries not through a wire: receive(), link call
        self.msgs_errors = 0  # calls of error(), handled by a catch node or logged
        self.setup()

    @property
    def js_name(self) -> Any:
        """``node.name`` as Node-RED's JavaScript sees it (may be undefined)."""
        if self.assigns_name:
            return self.config.get("name", UNDEFINED)
        return self.name or UNDEFINED

    # ---- to override ---------------------------------------------------
    @classmethod
    def map_hosts(cls, config: dict[str, Any], host_map: HostMap) -> dict[str, Any] | None:
        """``config`` with every network host it names rewritten by ``host_map``.

        For ``--host-map`` (see :mod:`flowengine.hostmap`): network node types return
        the rewritten copy; None (the default) when the type names no host or none maps.
        """
        return None

    def setup(self) -> None:
        """Parse ``self.config``; raise :class:`ConfigError` for a bad property."""

    def start(self) -> None:
        """Start timers and connections. Called once every node exists."""

    def on_input(self, msg: Message, send: Send, done: Done) -> Awaitable[None] | None:
        send(msg)
        done()
        return None

    def stop_source(self) -> None:
        """Stop producing new messages (first step of a graceful shutdown)."""
        self.cancel_timers()

    def close(self) -> Awaitable[None] | None:
        """Release resources. May be a coroutine; bounded by the close timeout."""
        return None

    # ---- config helpers ------------------------------------------------
    def prop(self, name: str, default: Any = None) -> Any:
        value = self.config.get(name, default)
        return default if value is None else value

    def reject(self, field: str, message: str) -> ConfigError:
        return ConfigError(field, message)

    def config_node(self, field: str) -> Node | None:
        ref = self.config.get(field)
        if not ref:
            return None
        return self.runtime.get_node(ref)

    # ---- messaging -----------------------------------------------------
    def send(self, msgs: Any, on_complete: Callable[[Tracker], None] | None = None) -> None:
        """Send outside an input handler (timers, client callbacks)."""
        tracker = self.runtime.new_tracker(on_complete) if on_complete else None
        self._send(msgs, tracker)
        if tracker is not None:
            tracker.sealed()

    def receive(self, msg: Message | None = None) -> None:
        """Run this node's input handler now, as ``node.receive`` does in Node-RED.

        Used for catch/status/complete delivery and the inject route; what the
        handler sends is queued as usual.
        """
        if msg is None:
            msg = {}
        if "_msgid" not in msg:
            msg["_msgid"] = generate_id()
        self.runtime.deliver_now(self, msg, None)

    def _send(self, msgs: Any, tracker: Tracker | None) -> None:
        outputs = self._outputs
        if not outputs or msgs is None:
            return
        if type(msgs) is dict:
            targets0 = outputs[0]
            if not targets0:
                return
            if "_msgid" not in msgs:
                msgs["_msgid"] = generate_id()
            self.msgs_out += 1
            enqueue = self.runtime._enqueue
            enqueue(targets0[0], msgs, tracker)
            if len(targets0) > 1:
                clone = self.runtime.clone_message
                for target in targets0[1:]:
                    enqueue(target, clone(msgs), tracker)
            return
        if not isinstance(msgs, list | tuple):
            self.error(f"Node tried to send a message of type {_js_type_name(msgs)}")
            return
        # Collect (target, msg) events in Node-RED's order: output, wire, message.
        events: list[tuple[Node, Message]] = []
        msgid: str | None = None
        missing_ids: list[Message] = []
        for i, out in enumerate(msgs):
            if i >= len(outputs) or out is None:
                continue
            items = out if isinstance(out, list | tuple) else (out,)
            targets = outputs[i]
            sent = 0
            for m in items:
                if m is None:
                    continue
                if type(m) is not dict:
                    self.error(f"Node tried to send a message of type {_js_type_name(m)}")
                    continue
                if targets:
                    sent += 1
                    if "_msgid" in m:
                        if msgid is None:
                            msgid = m["_msgid"]
                    else:
                        missing_ids.append(m)
            if sent:
                if i == 0:
                    self.msgs_out += sent
                else:
                    self.msgs_out_ports[i] = self.msgs_out_ports.get(i, 0) + sent
            for target in targets:
                for m in items:
                    if type(m) is dict:
                        events.append((target, m))
        if not events:
            return
        if missing_ids:
            new_id = msgid or generate_id()
            for m in missing_ids:
                m["_msgid"] = new_id
        enqueue = self.runtime._enqueue
        clone = self.runtime.clone_message
        first = True
        for target, m in events:
            enqueue(target, m if first else clone(m), tracker)
            first = False

    # ---- errors, logs, status --------------------------------------------
    def error(self, err: Any, msg: Message | None = None) -> None:
        self.msgs_errors += 1
        handled = False
        if isinstance(msg, dict):
            handled = self.flow.handle_error(self, err, msg)
        if not handled:
            self.runtime.log_node(self, logging.ERROR, err)

    def warn(self, text: Any) -> None:
        self.runtime.log_node(self, logging.WARNING, text)

    def log(self, text: Any) -> None:
        self.runtime.log_node(self, logging.INFO, text)

    def debug(self, text: Any) -> None:
        self.runtime.log_node(self, logging.DEBUG, text)

    def trace(self, text: Any) -> None:
        self.runtime.log_node(self, 5, text)

    def status(self, status: Any) -> None:
        if isinstance(status, dict):
            st = dict(status)
            if "text" in st and not isinstance(st["text"], str):
                st["text"] = js_string(st["text"])
        elif status is None or status is UNDEFINED:
            st = {}
        else:
            st = {"text": js_string(status)}
        self.runtime.emit_status(self, st)
        self.flow.handle_status(self, st)

    # ---- context and environment ---------------------------------------
    def context(self) -> Context:
        if self._context is None:
            self._context = self.runtime.contexts.node(self.id, self.flow.context_id)
        return self._context

    @property
    def flow_context(self) -> Context:
        return self.runtime.contexts.flow(self.flow.context_id, self.flow.parent_context_id)

    @property
    def global_context(self) -> Context:
        return self.runtime.contexts.global_context

    @property
    def group(self) -> Group | None:
        return self.flow.groups.get(self.g) if self.g else None

    def get_env(self, name: str) -> Any:
        """Environment lookup: node → group chain → flow/subflow → global → process."""
        if name == "NR_NODE_NAME":
            return self.name
        if name == "NR_NODE_ID":
            return self.id
        if name == "NR_NODE_PATH":
            return self.path
        group = self.group
        if group is not None:
            return group.get_setting(name)
        return self.flow.get_setting(name)

    def evaluate(self, value: Any, vtype: str | None, msg: Message | None = None) -> Any:
        """Evaluate a typed input (``str``, ``num``, ``msg``, ``jsonata`` ...)."""
        from .typed import evaluate_node_property

        return evaluate_node_property(value, vtype, self, msg)

    # ---- timers --------------------------------------------------------
    def set_timeout(self, seconds: float, fn: Callable[[], Any]) -> asyncio.TimerHandle:
        """Run ``fn`` once later on the engine loop; cancelled on close."""

        def fire() -> None:
            self._timers.discard(handle)
            self.runtime.run_guarded(self, fn)

        handle = self.runtime.loop.call_later(max(seconds, 0), fire)
        self._timers.add(handle)
        return handle

    def set_interval(self, seconds: float, fn: Callable[[], Any]) -> Callable[[], None]:
        """Run ``fn`` every ``seconds``; returns a cancel function."""
        state: dict[str, asyncio.TimerHandle] = {}
        loop = self.runtime.loop
        period = max(seconds, 0.001)
        next_at = [loop.time() + period]

        def fire() -> None:
            self._timers.discard(state["h"])
            next_at[0] += period
            state["h"] = loop.call_at(max(next_at[0], loop.time()), fire)
            self._timers.add(state["h"])
            self.runtime.run_guarded(self, fn)

        state["h"] = loop.call_at(next_at[0], fire)
        self._timers.add(state["h"])

        def cancel() -> None:
            h = state["h"]
            h.cancel()
            self._timers.discard(h)

        return cancel

    def clear_timeout(self, handle: asyncio.TimerHandle) -> None:
        if handle in self._timers:
            handle.cancel()
            self._timers.discard(handle)

    def cancel_timers(self) -> None:
        for h in list(self._timers):
            h.cancel()
        self._timers.clear()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.type!r} {self.id}>"


def _js_type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def is_awaitable(value: Any) -> bool:
    return inspect.isawaitable(value)


def iter_wires(config: Mapping[str, Any]) -> Iterable[tuple[int, str]]:
    for port, targets in enumerate(config.get("wires") or []):
        for target in targets or []:
            yield port, target
