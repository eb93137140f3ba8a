"""A networkx view of a flow set: nodes, ports, wires and link wires.

Derived from the :class:`FlowSet`, never edited by hand. Validation warnings,
``flowengine info`` and the viewer read it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import networkx as nx

from .errors import Problem
from .flowfile import STRUCTURAL_TYPES, FlowSet
from .registry import NodeRegistry

__all__ = ["build_graph", "flow_info", "graph_warnings"]


def _effective_wires(
    item: dict[str, Any], flowset: FlowSet, registry: NodeRegistry | None
) -> list[list[str]]:
    if registry is not None and item["type"] in registry:
        try:
            cls = registry.get(item["type"])
        except Exception:
            cls = None
        hook = getattr(cls, "effective_wires", None) if cls is not None else None
        if hook is not None:
            wires = hook(item, flowset)
            if wires is not None:
                return wires
    return item.get("wires") or []


def build_graph(flowset: FlowSet, registry: NodeRegistry | None = None) -> nx.MultiDiGraph:
    """Flow nodes as graph nodes; every wire an edge keyed by its output port.

    Edges from link nodes carry ``link=True``; config references are edges with
    ``config=<property>`` from user to config node.
    """
    g = nx.MultiDiGraph()
    for item in flowset.items:
        if item["type"] in STRUCTURAL_TYPES:
            continue
        g.add_node(
            item["id"],
            type=item["type"],
            name=item.get("name") or "",
            z=item.get("z") or "",
            flow_node="x" in item and "y" in item,
            disabled=bool(item.get("d")),
        )
    for item in flowset.items:
        if item["type"] in STRUCTURAL_TYPES:
            continue
        declared = item.get("wires") or []
        for port, targets in enumerate(_effective_wires(item, flowset, registry)):
            for target in targets:
                if target in g:
                    is_link = port >= len(declared) or target not in declared[port]
                    g.add_edge(item["id"], target, key=port, port=port, link=is_link)
        config_refs: dict[str, Any] = {}
        if registry is not None and item["type"] in registry:
            try:
                config_refs = dict(registry.get(item["type"]).config_refs)
            except Exception:
                config_refs = {}
        for prop in config_refs:
            ref = item.get(prop)
            if isinstance(ref, str) and ref in g:
                g.add_edge(item["id"], ref, key=f"config:{prop}", config=prop)
    return g


def _wire_edges(g: nx.MultiDiGraph) -> nx.DiGraph:
    d = nx.DiGraph()
    d.add_nodes_from(n for n, data in g.nodes(data=True) if data.get("flow_node"))
    for u, v, data in g.edges(data=True):
        if "config" not in data:
            d.add_edge(u, v)
    return d


def graph_warnings(
    flowset: FlowSet, g: nx.MultiDiGraph, registry: NodeRegistry | None = None
) -> list[Problem]:
    """Nodes with an input that no message source can ever reach."""
    wires = _wire_edges(g)

    def is_source(node_id: str) -> bool:
        t = flowset.by_id[node_id]["type"]
        if registry is not None and t in registry:
            try:
                return not registry.get(t).has_input
            except Exception:
                return False
        return t.startswith("subflow:") is False and wires.in_degree(node_id) == 0

    reachable: set[str] = set()
    for n in wires:
        if is_source(n) and n not in reachable:
            reachable.add(n)
            reachable.update(nx.descendants(wires, n))
    warnings = []
    for n in wires:
        item = flowset.by_id[n]
        if n in reachable or item.get("d"):
            continue
        why = "nothing is wired to it" if wires.in_degree(n) == 0 else "no message source feeds it"
        warnings.append(
            Problem.for_node(flowset.file_of(n), item, None, f"unreachable: {why}", warning=True)
        )
    return warnings


def flow_info(flowset: FlowSet, registry: NodeRegistry | None = None) -> dict[str, Any]:
    """What ``flowengine info`` prints: per tab/type counts, sources, sinks, cycles, users."""
    g = build_graph(flowset, registry)
    wires = _wire_edges(g)
    tabs = []
    containers = {**flowset.tabs, **flowset.subflows}
    for cid, container in containers.items():
        members = flowset.flow_nodes.get(cid, [])
        counts = Counter(n["type"] for n in members)
        tabs.append(
            {
                "id": cid,
                "kind": container["type"],
                "label": container.get("label") or container.get("name") or "",
                "disabled": bool(container.get("disabled")),
                "nodes": len(members),
                "types": dict(sorted(counts.items())),
            }
        )
    sources = sorted(n for n in wires if wires.in_degree(n) == 0 and wires.out_degree(n) > 0)
    sinks = sorted(n for n in wires if wires.out_degree(n) == 0 and wires.in_degree(n) > 0)
    cycles = [sorted(c) for c in nx.simple_cycles(wires)]
    users: dict[str, list[str]] = {}
    for u, v, data in g.edges(data=True):
        if "config" in data:
            users.setdefault(v, []).append(u)
    configs = []
    for scope, items in flowset.configs.items():
        for item in items:
            configs.append(
                {
                    "id": item["id"],
                    "type": item["type"],
                    "name": item.get("name") or "",
                    "scope": scope or "global",
                    "users": sorted(users.get(item["id"], [])),
                }
            )
    return {
        "files": flowset.files,
        "flows": tabs,
        "nodes": sum(t["nodes"] for t in tabs),
        "sources": [_describe(flowset, n) for n in sources],
        "sinks": [_describe(flowset, n) for n in sinks],
        "cycles": cycles,
        "config_nodes": configs,
    }


def _describe(flowset: FlowSet, node_id: str) -> dict[str, str]:
    item = flowset.by_id[node_id]
    return {"id": node_id, "type": item["type"], "name": item.get("name") or ""}
