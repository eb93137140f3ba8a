"""``link call``: calls a link in node like a subroutine and waits for its return.

Node-RED 5.0.7 behaviour (``60-link.js``, ``linkcallTargets``): the target is
the first of ``links`` (``linkType: "static"``) or ``msg.target`` — a link in
id, or a name unique among the link ins (same flow first, then all normal
flows) — with ``linkType: "dynamic"``. The call pushes ``{id, node}`` onto
``msg._linkSource`` and delivers the message to the link in; a link out in
``return`` mode hands it back, and the call sends it on. No return within
``timeout`` seconds (default 30) → ``node.error("timeout", msg)``.
"""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from typing import Any

from flowengine import Node
from flowengine.errors import ConfigError, JSError
from flowengine.jsvalues import js_string
from flowengine.message import Message
from flowengine.node import Delivery, Done

from .link_in import LinkInNode

__all__ = ["LinkCallNode"]

_LINK_TYPES = frozenset({"static", "dynamic"})
_DEFAULT_TIMEOUT = 30.0
_LEADING_FLOAT = re.compile(
    r"^\s*[+-]?(Infinity|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
)


@dataclass
class _PendingCall:
    """A call waiting for its return: the original delivery and a copy for the timeout."""

    msg_copy: Message
    delivery: Delivery
    timer: Any


def js_parse_float(value: Any) -> float:
    """JavaScript's ``parseFloat(String(value))``."""
    m = _LEADING_FLOAT.match(js_string(value))
    if not m:
        return math.nan
    text = m.group(0).strip()
    if text.lstrip("+-") == "Infinity":
        return -math.inf if text.startswith("-") else math.inf
    return float(text)


class LinkCallNode(Node):
    type = "link call"
    category = "common"

    def setup(self) -> None:
        cfg = self.config
        link_type = cfg.get("linkType") or "static"
        if link_type not in _LINK_TYPES:
            raise ConfigError("linkType", f'must be "static" or "dynamic", not {link_type!r}')
        self.dynamic = link_type == "dynamic"
        links = cfg.get("links")
        if isinstance(links, str):
            links = [links]
        if links is None:
            links = []
        if not isinstance(links, list) or not all(isinstance(x, str) for x in links):
            raise ConfigError("links", "must be a list of link in node ids")
        if not self.dynamic and not links:
            raise ConfigError("links", "link undefined: a static link call needs a link in node")
        self.static_target: str | None = links[0] if links else None
        raw_timeout = cfg.get("timeout")
        if raw_timeout in (None, "", 0, False):
            raw_timeout = "30"  # parseFloat(n.timeout || "30")
        seconds = js_parse_float(raw_timeout)
        if math.isnan(seconds):
            raise ConfigError("timeout", f"must be a number of seconds, not {raw_timeout!r}")
        self.timeout = min(max(seconds, 0.0), 2147483.647)
        self._pending: dict[str, _PendingCall] = {}
        self._link_ins: list[LinkInNode] | None = None

    # ---- target resolution -------------------------------------------------------
    def _all_link_ins(self) -> list[LinkInNode]:
        if self._link_ins is None:
            self._link_ins = [n for n in self.runtime.nodes.values() if isinstance(n, LinkInNode)]
        return self._link_ins

    def find_target(self, target: Any) -> LinkInNode:
        """The link in for ``target`` (id, or with dynamic calls a unique name)."""
        if isinstance(target, str):
            node = self.runtime.get_node(target)
            if isinstance(node, LinkInNode):
                return node
        if target and self.dynamic and isinstance(target, str):
            named = [n for n in self._all_link_ins() if n.target_name == target]
            here = [n for n in named if n.flow.id == self.flow.id]
            if len(here) == 1:
                return here[0]
            regular = [n for n in named if n.flow.kind != "subflow"]
            if len(regular) == 1:
                return regular[0]
            if len(regular) > 1:
                raise JSError(f"Multiple link-in nodes named '{target}' found")
        shown = js_string(target) if target else ""
        raise JSError(f"target link-in node '{shown}' not found")

    # ---- calls -----------------------------------------------------------------------
    def on_input(self, msg: Message, send: Delivery, done: Done) -> None:
        target = msg.get("target") if self.dynamic else self.static_target
        try:
            link_in = self.find_target(target)
        except JSError as e:
            done(e)
            return
        sources = msg.get("_linkSource")
        if not sources:
            sources = []
            msg["_linkSource"] = sources
        event_id = secrets.token_hex(14)
        copy = self.runtime.clone_message(msg)
        timer = self.set_timeout(self.timeout, lambda: self._timed_out(event_id))
        self._pending[event_id] = _PendingCall(copy, send, timer)
        sources.append({"id": event_id, "node": self.id})
        send.to(link_in, msg)

    def return_link_message(self, event_id: Any, msg: Message) -> None:
        """Called by a ``return`` link out: send the message on for the call ``event_id``."""
        sources = msg.get("_linkSource")
        if isinstance(sources, list) and not sources:
            del msg["_linkSource"]
        call = self._pending.pop(event_id, None) if isinstance(event_id, str) else None
        if call is None:
            self.send(msg)  # the call already timed out
            return
        self.clear_timeout(call.timer)
        call.delivery(msg)
        call.delivery.done()

    def _timed_out(self, event_id: str) -> None:
        call = self._pending.pop(event_id, None)
        if call is None:
            return
        # node.error("timeout", copy): caught with the message as it was called;
        # the delivery settles with that error so its completion tracking ends.
        call.delivery.msg = call.msg_copy
        call.delivery.done("timeout")

    def close(self) -> None:
        self._pending.clear()
