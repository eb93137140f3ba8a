"""``status``: receives the status updates of nodes in its flow (or scope).

The runtime (``flowengine/flow.py``) delivers ``{status: {fill, shape, text,
source}}`` messages here according to ``scope`` (``null``, ``"group"`` or a
list of node ids); the node forwards them (``25-status.js``). Scope entries the
node is directly wired to are dropped, so it cannot report on its own output.
"""

from __future__ import annotations

from flowengine import Node

from .catch import check_scope, drop_wired

__all__ = ["StatusNode"]


class StatusNode(Node):
    type = "status"
    category = "common"
    has_input = False

    def setup(self) -> None:
        scope = check_scope(self.config.get("scope"))
        if isinstance(scope, list):
            scope = drop_wired(scope, self.wires)
            # The runtime reads the scope from the config: store the filtered list there.
            self.config["scope"] = scope
        self.scope = scope
