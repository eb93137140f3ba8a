"""``complete``: receives a copy of each message the scoped nodes finished with ``done()``.

The runtime (``flowengine/flow.py``) delivers a clone of the input message with
``msg.complete = {source}`` here; ``scope`` must be an explicit list of node
ids (``24-complete.js``), without the nodes the complete node is wired to.
"""

from __future__ import annotations

from flowengine import Node

from .catch import check_flag, check_scope, drop_wired

__all__ = ["CompleteNode"]


class CompleteNode(Node):
    type = "complete"
    category = "common"
    has_input = False

    def setup(self) -> None:
        # Node-RED: `n.scope || []`, and only a list means anything.
        scope = check_scope(self.config.get("scope") or [], allow_all=False, allow_group=False)
        self.scope = drop_wired(scope, self.wires)
        self.config["scope"] = self.scope
        check_flag(self.config, "uncaught")  # an editor default with no runtime meaning
