"""Flows (tabs, subflow instances, the global flow) and groups.

A flow owns the routing of errors to catch nodes, of status to status nodes,
of completion to complete nodes, and the environment-variable scope. Mirrors
``@node-red/runtime/lib/flows/Flow.js``, ``Subflow.js`` and ``Group.js``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .envvars import evaluate_env_entries
from .jsvalues import UNDEFINED, js_string
from .message import Message, clone_value, generate_id

if TYPE_CHECKING:
    from .node import Node
    from .runtime import Runtime

__all__ = ["Flow", "Group"]

_MAX_CATCHES = 10


class Group:
    """A group: an env scope and a catch/status ``"group"`` scope."""

    def __init__(self, config: dict[str, Any], flow: Flow) -> None:
        self.id: str = config["id"]
        self.name: str = config.get("name") or ""
        self.g: str | None = config.get("g") or None
        self.config = config
        self.flow = flow
        self.env: dict[str, Any] = {}

    @property
    def parent(self) -> Group | None:
        return self.flow.groups.get(self.g) if self.g else None

    def get_setting(self, name: str) -> Any:
        if name == "NR_GROUP_NAME":
            return self.name
        if name == "NR_GROUP_ID":
            return self.id
        if name.startswith("$parent."):
            name = name[8:]
        elif name in self.env:
            return clone_value(self.env[name])
        parent = self.parent
        if parent is not None:
            return parent.get_setting(name)
        return self.flow.get_setting(name)


class Flow:
    """A running tab, subflow instance or the global flow."""

    def __init__(
        self,
        runtime: Runtime,
        flow_id: str,
        kind: str,
        label: str = "",
        config: dict[str, Any] | None = None,
        parent: Flow | None = None,
        instance: Node | None = None,
    ) -> None:
        self.runtime = runtime
        self.id = flow_id
        self.kind = kind  # "tab", "subflow", "global"
        self.label = label
        self.config = config or {}
        self.parent = parent
        self.instance = instance  # the subflow instance node of a subflow flow
        self.nodes: dict[str, Node] = {}
        self.groups: dict[str, Group] = {}
        self.env: dict[str, Any] = {}
        self.catch_nodes: list[Node] = []
        self.status_nodes: list[Node] = []
        self.complete_map: dict[str, list[Node]] = {}
        self.has_status_port = False
        if kind == "subflow" and instance is not None:
            self.path = instance.path
        elif kind == "global":
            self.path = "global"
        else:
            self.path = flow_id

    # ---- identity for context --------------------------------------------
    @property
    def context_id(self) -> str:
        return self.id

    @property
    def parent_context_id(self) -> str | None:
        return self.parent.context_id if self.parent and self.parent.kind != "global" else None

    # ---- environment -------------------------------------------------------
    def init_env(self, entries: list[dict[str, Any]], credentials: dict[str, Any]) -> None:
        self.env = evaluate_env_entries(entries, self, credentials)

    def get_setting(self, name: str) -> Any:
        if self.kind == "global":
            if name.startswith("$parent."):
                name = name[8:]
            elif name in self.env:
                return self.env[name]
            return self.runtime.process_env(name)
        if self.kind == "subflow":
            assert self.instance is not None
            if name in ("NR_SUBFLOW_NAME", "NR_NODE_NAME"):
                return self.instance.name or UNDEFINED
            if name in ("NR_SUBFLOW_ID", "NR_NODE_ID"):
                return self.instance.id
            if name in ("NR_SUBFLOW_PATH", "NR_NODE_PATH"):
                return self.instance.path
        if name == "NR_FLOW_NAME" and self.kind == "tab":
            return self.label
        if name == "NR_FLOW_ID" and self.kind == "tab":
            return self.id
        if name.startswith("$parent."):
            name = name[8:]
        elif name in self.env:
            value = self.env[name]
            return clone_value(value)
        if self.kind == "subflow" and self.instance is not None:
            return self.instance.get_env(name)
        return self.parent_get(name)

    def parent_get(self, name: str) -> Any:
        if self.parent is not None:
            return self.parent.get_setting(name)
        return self.runtime.process_env(name)

    # ---- registration ------------------------------------------------------
    def add_node(self, node: Node) -> None:
        self.nodes[node.id] = node
        t = node.type
        if t == "catch":
            self.catch_nodes.append(node)
        elif t == "status":
            self.status_nodes.append(node)
        elif t == "complete":
            scope = node.config.get("scope") or []
            wired = {w for port in node.wires for w in port}
            for src in scope:
                if src and src not in wired:
                    self.complete_map.setdefault(src, []).append(node)

    def finish_setup(self) -> None:
        for src in self.complete_map:
            node = self.nodes.get(src)
            if node is not None:
                node._complete_listeners = node.fires_complete

    # ---- scope matching ----------------------------------------------------
    def _candidates(self, handlers: list[Node], reporting: Node) -> list[Node]:
        found: list[tuple[tuple[int, int, int], int, Node]] = []
        for idx, handler in enumerate(handlers):
            scope = handler.config.get("scope")
            if handler.g and scope == "group" and not reporting.g:
                continue
            if isinstance(scope, list) and reporting.id not in scope:
                continue
            distance = 0
            if reporting.g:
                group = self.groups.get(reporting.g)
                while group is not None and group.id != handler.g:
                    distance += 1
                    group = group.parent
                if group is None and handler.g and scope == "group":
                    continue
            if scope == "group" and not handler.g:
                continue
            uncaught = 1 if handler.config.get("uncaught") else 0
            unscoped = 0 if isinstance(scope, list) else 1
            found.append(((uncaught, distance, unscoped), idx, handler))
        found.sort(key=lambda f: (f[0], f[1]))
        return [f[2] for f in found]

    # ---- errors ------------------------------------------------------------
    def handle_error(
        self, node: Node, err: Any, msg: Message | None, reporting: Node | None = None
    ) -> bool:
        if reporting is None:
            reporting = node
        if self.kind == "global":
            handled = False
            for user in self.runtime.config_users(node.id):
                if user.flow.handle_error(node, err, msg, user):
                    handled = True
            return handled
        count = 1
        if isinstance(msg, dict):
            prev = msg.get("error")
            if isinstance(prev, dict):
                source = prev.get("source")
                if isinstance(source, dict) and source.get("id") == node.id:
                    count = int(source.get("count") or 0) + 1
                    if count == _MAX_CATCHES:
                        node.warn("Message exceeded maximum number of catches")
                        return False
        handled = False
        handled_by_uncaught = False
        clone = self.runtime.clone_message
        for catch in self._candidates(self.catch_nodes, reporting):
            if catch.config.get("uncaught") and not handled_by_uncaught:
                if handled:
                    continue
                handled_by_uncaught = True
            error_msg = clone(msg) if isinstance(msg, dict) else {}
            if "error" in error_msg:
                error_msg["_error"] = error_msg["error"]
            error_msg["error"] = error_object(err, node, count)
            catch.receive(error_msg)
            handled = True
        if not handled and self.kind == "subflow" and self.instance is not None:
            instance = self.instance
            return instance.flow.handle_error(node, err, msg, instance)
        return handled

    # ---- status ------------------------------------------------------------
    def handle_status(
        self, node: Node, status: dict[str, Any], reporting: Node | None = None
    ) -> bool:
        if reporting is None:
            reporting = node
        if self.kind == "global":
            handled = False
            for user in self.runtime.config_users(node.id):
                if user.flow.handle_status(node, status, user):
                    handled = True
            return handled
        handled = False
        for status_node in self._candidates(self.status_nodes, reporting):
            if status_node is node:
                continue
            st = dict(status)
            if "text" in st:
                st["text"] = js_string(st["text"])
            st["source"] = {"id": node.id, "type": node.type, "name": _name(node)}
            status_node.receive({"status": st, "_msgid": generate_id()})
            handled = True
        if (
            not handled
            and self.kind == "subflow"
            and self.instance is not None
            and not self.has_status_port
        ):
            instance = self.instance
            return instance.flow.handle_status(node, status, instance)
        return handled

    # ---- completion --------------------------------------------------------
    def handle_complete(self, node: Node, msg: Message) -> None:
        listeners = self.complete_map.get(node.id)
        if not listeners:
            return
        clone = self.runtime.clone_message
        for complete in listeners:
            out = clone(msg)
            out["complete"] = {"source": {"id": node.id, "type": node.type, "name": _name(node)}}
            complete.receive(out)


def _name(node: Node) -> Any:
    return node.js_name


def error_object(err: Any, node: Node, count: int) -> dict[str, Any]:
    """``msg.error`` as Node-RED builds it: ``message`` is ``err.toString()``."""
    source = {"id": node.id, "type": node.type, "name": _name(node), "count": count}
    error: dict[str, Any] = {"message": error_text(err), "source": source}
    code = getattr(err, "code", None)
    if code is not None:
        error["code"] = code
    return error


def error_text(err: Any) -> str:
    if isinstance(err, str):
        return err
    from .errors import JSError

    if isinstance(err, JSError):
        return str(err)
    if isinstance(err, BaseException):
        text = str(err)
        return f"Error: {text}" if text else "Error"
    return js_string(err)


def log_level_name(level: int) -> str:
    return {
        logging.ERROR: "error",
        logging.WARNING: "warn",
        logging.INFO: "info",
        logging.DEBUG: "debug",
    }.get(level, "trace")
