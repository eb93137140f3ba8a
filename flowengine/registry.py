"""Node-type registry: Node-RED type name → node class.

Types are discovered through the ``flowengine.nodes`` entry-point group
(name = Node-RED type name, value = ``module:Class``), ours and third
parties' alike. Modules are imported only when a flow uses the type, so an
engine running an MQTT bridge never imports scikit-learn. A class is checked
when it is loaded (Home Assistant style): it must subclass :class:`Node` and
declare the type name it was registered under.
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import EntryPoint, entry_points

from .node import Node

__all__ = ["ENTRY_POINT_GROUP", "NodeRegistry", "RegistryError", "default_registry"]

ENTRY_POINT_GROUP = "flowengine.nodes"

log = logging.getLogger("flowengine.registry")


class RegistryError(Exception):
    """A node type is registered but cannot be used (import error, bad class)."""


class NodeRegistry:
    def __init__(self, discover: bool = True) -> None:
        self._classes: dict[str, type[Node]] = {}
        self._entry_points: dict[str, EntryPoint] = {}
        if discover:
            self.discover()

    def discover(self) -> None:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in self._entry_points and self._entry_points[ep.name].value != ep.value:
                log.warning(
                    "node type %r registered twice (%s and %s); using the first",
                    ep.name,
                    self._entry_points[ep.name].value,
                    ep.value,
                )
                continue
            self._entry_points.setdefault(ep.name, ep)

    def register(self, cls: type[Node], type_name: str | None = None) -> None:
        """Register a class directly (tests, embedding)."""
        name = type_name or cls.type
        self._check(name, cls)
        self._classes[name] = cls

    def __contains__(self, type_name: str) -> bool:
        return type_name in self._classes or type_name in self._entry_points

    def types(self) -> list[str]:
        return sorted(set(self._classes) | set(self._entry_points))

    def get(self, type_name: str) -> type[Node]:
        cls = self._classes.get(type_name)
        if cls is not None:
            return cls
        ep = self._entry_points.get(type_name)
        if ep is None:
            raise KeyError(type_name)
        try:
            module_name, _, attr = ep.value.partition(":")
            module = importlib.import_module(module_name)
            loaded = getattr(module, attr) if attr else None
        except Exception as e:
            raise RegistryError(f"node type {type_name!r}: cannot load {ep.value}: {e}") from e
        if not isinstance(loaded, type) or not issubclass(loaded, Node):
            raise RegistryError(f"node type {type_name!r}: {ep.value} is not a Node subclass")
        self._check(type_name, loaded)
        self._classes[type_name] = loaded
        return loaded

    @staticmethod
    def _check(name: str, cls: type[Node]) -> None:
        if not issubclass(cls, Node):
            raise RegistryError(f"node type {name!r}: {cls!r} is not a Node subclass")
        if cls.type != name:
            raise RegistryError(
                f"node type {name!r}: class {cls.__qualname__} declares type {cls.type!r}"
            )

    def without(self, *type_names: str) -> NodeRegistry:
        """A copy that does not know ``type_names`` (tests of unknown-type handling)."""
        other = self.copy()
        for name in type_names:
            other._classes.pop(name, None)
            other._entry_points.pop(name, None)
        return other

    def copy(self) -> NodeRegistry:
        other = NodeRegistry(discover=False)
        other._classes = dict(self._classes)
        other._entry_points = dict(self._entry_points)
        return other


_default: NodeRegistry | None = None


def default_registry() -> NodeRegistry:
    global _default
    if _default is None:
        _default = NodeRegistry()
    return _default
