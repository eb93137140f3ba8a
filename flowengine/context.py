"""Node, flow and global context (in-memory store, Node-RED's ``memory`` semantics).

Values are stored by reference, exactly like Node-RED's default store. Keys
are property expressions, so ``flow.get("a.b[0]")`` reaches inside objects.
A flow context of a subflow instance resolves ``$parent.x`` in its parent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .jsvalues import UNDEFINED
from .props import get_object_property, set_object_property

__all__ = ["Context", "ContextStores", "parse_context_key"]

_STORE_RE = re.compile(r"^#:\((\S+?)\)::(.*)$")


def parse_context_key(key: str) -> tuple[str | None, str]:
    """Split ``#:(store)::key`` into (store, key)."""
    m = _STORE_RE.match(key)
    if m:
        return m.group(1), m.group(2)
    return None, key


class Context:
    """One context scope. ``get`` returns ``UNDEFINED`` for a missing key."""

    __slots__ = ("_data", "_parent", "_warn", "flow", "global_")

    def __init__(
        self,
        parent: Context | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self._data: dict[str, Any] = {}
        self._parent = parent
        self._warn = warn
        self.flow: Context | None = None
        self.global_: Context | None = None

    def _check_store(self, store: str | None) -> None:
        if store not in (None, "", "memory", "default") and self._warn:
            self._warn(f'Unknown context store "{store}" specified. Using default store.')

    def get(self, key: str, store: str | None = None) -> Any:
        self._check_store(store)
        if key.startswith("$parent."):
            if self._parent is None:
                return UNDEFINED
            return self._parent.get(key[8:], store)
        if "." not in key and "[" not in key:
            return self._data.get(key, UNDEFINED)
        try:
            return get_object_property(self._data, key)
        except TypeError:
            return UNDEFINED

    def set(self, key: str, value: Any, store: str | None = None) -> None:
        self._check_store(store)
        if key.startswith("$parent."):
            if self._parent is not None:
                self._parent.set(key[8:], value, store)
            return
        if "." not in key and "[" not in key:
            if value is UNDEFINED:
                self._data.pop(key, None)
            else:
                self._data[key] = value
            return
        set_object_property(self._data, key, value)

    def keys(self, store: str | None = None) -> list[str]:
        self._check_store(store)
        return list(self._data.keys())

    def clear(self) -> None:
        self._data.clear()


class ContextStores:
    """Owns every context of one runtime."""

    def __init__(self, warn: Callable[[str], None] | None = None) -> None:
        self._warn = warn
        self.global_context = Context(warn=warn)
        self._flows: dict[str, Context] = {}
        self._nodes: dict[str, Context] = {}

    def flow(self, flow_id: str, parent_flow_id: str | None = None) -> Context:
        ctx = self._flows.get(flow_id)
        if ctx is None:
            parent = self.flow(parent_flow_id) if parent_flow_id else None
            ctx = Context(parent=parent, warn=self._warn)
            ctx.global_ = self.global_context
            self._flows[flow_id] = ctx
        return ctx

    def node(self, node_id: str, flow_id: str) -> Context:
        ctx = self._nodes.get(node_id)
        if ctx is None:
            ctx = Context(warn=self._warn)
            ctx.flow = self.flow(flow_id)
            ctx.global_ = self.global_context
            self._nodes[node_id] = ctx
        return ctx

    def delete_node(self, node_id: str) -> None:
        self._nodes.pop(node_id, None)
