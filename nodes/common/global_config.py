"""``global-config``: the global environment variables (and module list) of a flow set.

The runtime evaluates the ``env`` array into the global env scope before any
node starts (``91-global-config.js`` does nothing itself); this node checks
that every entry is well formed. ``modules`` is the editor's list of modules
the flows use and has no runtime meaning.
"""

from __future__ import annotations

from typing import Any

from flowengine import Node
from flowengine.errors import ConfigError

__all__ = ["GlobalConfigNode"]

#: Env entry types Node-RED evaluates (``evaluateEnvProperties``).
ENV_TYPES = frozenset(
    {"str", "num", "bool", "json", "bin", "re", "date", "jsonata", "env", "cred", "conf-type"}
)


class GlobalConfigNode(Node):
    type = "global-config"
    category = "config"
    has_input = False

    def setup(self) -> None:
        entries = self.config.get("env")
        if entries is None:
            return
        if not isinstance(entries, list):
            raise ConfigError("env", "must be a list of {name, value, type} entries")
        for index, entry in enumerate(entries):
            self._check_entry(index, entry)
        modules = self.config.get("modules")
        if modules is not None and not isinstance(modules, dict | list):
            raise ConfigError("modules", f"must be an object, not {modules!r}")

    @staticmethod
    def _check_entry(index: int, entry: Any) -> None:
        field = f"env[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(field, "must be an object {name, value, type}")
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise ConfigError(field, "name must be a non-empty string")
        etype = entry.get("type")
        if etype in (None, ""):
            return
        if etype not in ENV_TYPES:
            raise ConfigError(field, f"{name}: unsupported type {etype!r}")
