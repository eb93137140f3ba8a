"""``link out``: sends to link in nodes (mode ``link``) or back to a link call (``return``).

In ``link`` mode the runtime wires the node, as Node-RED's ``parseConfig``
does, to the union of its ``links`` and every link in naming it
(:meth:`LinkOutNode.effective_wires`); the node marks ``msg._event`` and sends.
In ``return`` mode it pops the last ``msg._linkSource`` entry and hands the
message back to the link call node that pushed it (``60-link.js``).
"""

from __future__ import annotations

from typing import Any

from flowengine import Node
from flowengine.errors import ConfigError
from flowengine.message import Message
from flowengine.node import Delivery, Done

__all__ = ["LinkOutNode"]

_MODES = frozenset({"link", "return"})


class LinkOutNode(Node):
    type = "link out"
    category = "common"

    def setup(self) -> None:
        mode = self.config.get("mode") or "link"
        if mode not in _MODES:
            raise ConfigError("mode", f'must be "link" or "return", not {mode!r}')
        self.mode: str = mode
        links = self.config.get("links")
        if links is not None and not (
            isinstance(links, list) and all(isinstance(x, str) for x in links)
        ):
            raise ConfigError("links", "must be a list of link in node ids")
        self.event = f"node:{self.id}"

    @classmethod
    def effective_wires(cls, config: dict[str, Any], flowset: Any) -> list[list[str]] | None:
        """``[[links ∪ link ins naming this node]]``, in flow-file order; None = keep ``wires``.

        Node-RED only rewires a link out that has a ``links`` property.
        """
        own = config.get("links")
        if own is None:
            return None
        node_id = config["id"]
        targets: dict[str, None] = {}  # an ordered set, filled in flow-file order
        for item in flowset.items:
            if item.get("id") == node_id:
                for target in own if isinstance(own, list) else []:
                    targets.setdefault(target, None)
            elif item.get("type") == "link in":
                links = item.get("links")
                if isinstance(links, list) and node_id in links:
                    targets.setdefault(item["id"], None)
        return [[t for t in targets if isinstance(t, str) and t in flowset.by_id]]

    def on_input(self, msg: Message, send: Delivery, done: Done) -> None:
        msg["_event"] = self.event
        if self.mode == "link":
            send(msg)
            done()
            return
        sources = msg.get("_linkSource")
        returned = False
        if isinstance(sources, list) and sources:
            entry = sources.pop()
            caller_id = entry.get("node") if isinstance(entry, dict) else None
            caller = self.runtime.get_node(caller_id) if isinstance(caller_id, str) else None
            hand_back = getattr(caller, "return_link_message", None)
            if callable(hand_back):
                hand_back(entry.get("id"), msg)
                returned = True
        if not returned:
            self.warn("Missing return node information")
        done()
