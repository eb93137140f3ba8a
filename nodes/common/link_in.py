"""``link in``: the receiving end of link out and link call nodes.

Messages arrive through the wires the runtime derives from link out nodes
(``effective_wires`` of :class:`LinkOutNode`) or straight from a link call;
the node passes them on (``60-link.js``). It has no input port in the editor.
"""

from __future__ import annotations

from flowengine import Node
from flowengine.errors import ConfigError

__all__ = ["LinkInNode"]


class LinkInNode(Node):
    type = "link in"
    category = "common"
    has_input = False

    def setup(self) -> None:
        links = self.config.get("links")
        if links is not None and not (
            isinstance(links, list) and all(isinstance(x, str) for x in links)
        ):
            raise ConfigError("links", "must be a list of link out node ids")

    @property
    def target_name(self) -> str:
        """The name a dynamic link call uses for this node (its id when unnamed)."""
        return self.name or self.id
