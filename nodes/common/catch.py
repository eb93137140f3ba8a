"""``catch``: receives the errors of nodes in its flow (or scope) and passes them on.

The runtime (``flowengine/flow.py``) routes errors here by type, reading
``scope`` (``null`` = every node of the flow, ``"group"``, or a list of node
ids) and ``uncaught`` (only errors no other catch handled) from the config;
the node itself just forwards each message (``25-catch.js``). The scope
helpers here are shared with the status and complete nodes.
"""

from __future__ import annotations

from typing import Any

from flowengine import Node
from flowengine.errors import ConfigError

__all__ = ["CatchNode", "check_flag", "check_scope", "drop_wired"]


def check_scope(value: Any, allow_all: bool = True, allow_group: bool = True) -> Any:
    """``null`` (whole flow), ``"group"`` or a list of node ids; ConfigError otherwise."""
    if value is None and allow_all:
        return None
    if value == "group" and allow_group:
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    accepted = ["a list of node ids"]
    if allow_all:
        accepted.insert(0, "null (all nodes)")
    if allow_group:
        accepted.append('"group"')
    raise ConfigError("scope", f"must be {' or '.join(accepted)}, not {value!r}")


def drop_wired(scope: list[str], wires: list[list[str]]) -> list[str]:
    """The scope without the nodes this node is wired to (Node-RED's simple loop guard)."""
    wired = {target for port in wires for target in port}
    return [node_id for node_id in scope if node_id not in wired]


def check_flag(config: dict[str, Any], field: str) -> bool:
    """An optional boolean option (missing or null → false)."""
    value = config.get(field)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ConfigError(field, f"must be true or false, not {value!r}")
    return value


class CatchNode(Node):
    type = "catch"
    category = "common"
    has_input = False

    def setup(self) -> None:
        self.scope = check_scope(self.config.get("scope"))
        self.uncaught = check_flag(self.config, "uncaught")
