"""The viewer's model of a flow set: tabs, their drawings, nodes, config nodes and users.

Built from the flow file's elements as loaded (``FlowSet.items``); nothing here runs a
node. Credentials never enter the model: elements are copied without their
``credentials`` property and the browser only learns which credential fields a node has.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..jsvalues import js_json_dumps
from .appearance import get_def, node_label, subflow_def
from .layout import NodeBox, Scene, layout_container
from .svg import scene_svg

__all__ = ["FlowModel", "build_model", "flows_rev", "public_items"]

STRUCTURAL = ("tab", "subflow", "group")
#: properties that are structure, not a config-node reference
_NOT_REFERENCES = frozenset({"id", "type", "z", "g", "wires", "_alias", "x", "y", "name"})


def public_items(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The flow elements as the admin API returns them: no ``credentials`` property."""
    return [{k: v for k, v in item.items() if k != "credentials"} for item in items]


def flows_rev(items: list[dict[str, Any]]) -> str:
    """Node-RED's flow revision: SHA-256 (hex) of ``JSON.stringify(flows)``."""
    return hashlib.sha256(js_json_dumps(items).encode("utf-8")).hexdigest()


@dataclass
class FlowModel:
    """Everything the viewer shows about a flow set (and serves as JSON)."""

    items: list[dict[str, Any]]
    rev: str
    tabs: list[dict[str, Any]] = field(default_factory=list)
    scenes: dict[str, Scene] = field(default_factory=dict)
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    config_nodes: list[dict[str, Any]] = field(default_factory=list)

    def svg(self, container_id: str, standalone: bool = False) -> str:
        return scene_svg(self.scenes[container_id], standalone=standalone)

    def to_json(self) -> dict[str, Any]:
        return {
            "rev": self.rev,
            "tabs": self.tabs,
            "nodes": self.nodes,
            "configNodes": self.config_nodes,
        }


def _is_config(item: Mapping[str, Any]) -> bool:
    return item.get("type") not in STRUCTURAL and not ("x" in item and "y" in item)


def build_model(
    items: list[dict[str, Any]],
    credentials: Mapping[str, Mapping[str, Any]] | None = None,
    known: Callable[[str], bool] | None = None,
) -> FlowModel:
    """Lay out every tab and subflow of ``items`` (flow file elements, file order)."""
    clean = public_items(items)
    # Credentials as field names only: from the credentials file or the node itself
    fields: dict[str, list[str]] = {}
    for item in items:
        found = set((credentials or {}).get(str(item.get("id")), {}) or {})
        if isinstance(item.get("credentials"), dict):
            found |= set(item["credentials"])
        if found:
            fields[str(item.get("id"))] = sorted(str(k) for k in found)
    by_id = {i["id"]: i for i in clean if isinstance(i.get("id"), str)}
    tabs = {i["id"]: i for i in clean if i.get("type") == "tab"}
    subflows = {i["id"]: i for i in clean if i.get("type") == "subflow"}
    model = FlowModel(items=clean, rev=flows_rev(clean))
    containers = [(t, "tab") for t in tabs.values()] + [(s, "subflow") for s in subflows.values()]
    for container, kind in containers:
        scene = layout_container(container, kind, clean, by_id, tabs, subflows, known)
        model.scenes[container["id"]] = scene
        model.tabs.append(
            {
                "id": container["id"],
                "kind": kind,
                "label": scene.label,
                "disabled": bool(container.get("disabled")),
                "info": container.get("info") or "",
            }
        )
        for box in [*scene.nodes, *scene.junctions]:
            model.nodes[box.id] = _node_entry(by_id[box.id], box, container["id"], fields)
    model.config_nodes = _config_nodes(clean, by_id, tabs, subflows, fields, known)
    return model


def _node_entry(
    item: Mapping[str, Any],
    box: NodeBox,
    container: str,
    credential_fields: Mapping[str, list[str]],
) -> dict[str, Any]:
    return {
        "id": box.id,
        "type": box.type,
        "z": container,
        "name": item.get("name") or "",
        "label": box.label,
        "x": box.x,
        "y": box.y,
        "w": box.w,
        "h": box.h,
        "disabled": box.disabled,
        "unknown": box.unknown,
        "inject": box.type == "inject",
        "properties": dict(item),
        "credentials": credential_fields.get(box.id, []),
    }


def _config_nodes(
    items: list[dict[str, Any]],
    by_id: Mapping[str, Mapping[str, Any]],
    tabs: Mapping[str, Any],
    subflows: Mapping[str, Any],
    credential_fields: Mapping[str, list[str]],
    known: Callable[[str], bool] | None,
) -> list[dict[str, Any]]:
    configs = [i for i in items if _is_config(i) and isinstance(i.get("id"), str)]
    config_ids = {c["id"] for c in configs}
    users: dict[str, list[str]] = {cid: [] for cid in config_ids}
    for item in items:
        for key, value in item.items():
            if key in _NOT_REFERENCES or not isinstance(value, str):
                continue
            if value in config_ids and value != item.get("id") and item["id"] not in users[value]:
                users[value].append(item["id"])
    result = []
    for c in configs:
        t = str(c.get("type") or "")
        definition = (
            subflow_def(subflows[t[8:]])
            if t.startswith("subflow:") and t[8:] in subflows
            else get_def(t, known)
        )
        scope = c.get("z") or ""
        scope_label = ""
        if scope:
            scope_item = tabs.get(scope) or subflows.get(scope) or {}
            scope_label = str(scope_item.get("label") or scope_item.get("name") or scope)
        result.append(
            {
                "id": c["id"],
                "type": t,
                "name": c.get("name") or "",
                "label": node_label(c, definition, lambda i: by_id.get(i)),
                "scope": scope,
                "scopeLabel": scope_label,
                "disabled": c.get("d") is True,
                "users": users[c["id"]],
                "properties": dict(c),
                "credentials": credential_fields.get(c["id"], []),
            }
        )
    return result


def slug(text: str) -> str:
    """A file-name-safe form of a tab label."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._")
    return cleaned[:60] or "tab"
