"""A networkx view of a flow set: nodes, ports, wires, link wires, config users.

Derived from the :class:`~flowengine.flowfile.FlowSet`, never edited by hand.
Validation warnings (dangling wires, unreachable nodes), ``flowengine info`` and
the viewer read it. Edge kinds (edge attribute ``kind``):

* ``wire`` — an ordinary wire, keyed ``"<port>"`` with ``port`` = output index;
* ``link`` — a link out → link in connection (``parseConfig`` turns each link
  out's ``links`` plus every link in naming it into wires) or a static link
  call → link in, keyed ``"link"``;
* ``subflow`` — a subflow instance → the nodes its template's input feeds;
* ``config`` — user node → config node, keyed ``"config:<property>"``.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import networkx as nx

from .errors import Problem
from .flowfile import STRUCTURAL_TYPES, SUBFLOW_PREFIX, FlowSet
from .registry import NodeRegistry

__all__ = ["MAX_CYCLES", "build_graph", "flow_info", "graph_warnings", "message_graph"]

#: ``info`` lists at most this many cycles (their number can grow exponentially).
MAX_CYCLES = 100

_MESSAGE_KINDS = frozenset({"wire", "link", "subflow"})
#: properties never holding a config node reference
_NOT_REFS = frozenset({"id", "type", "z", "g", "wires", "name", "x", "y", "d"})


def _node_class(registry: NodeRegistry | None, node_type: str) -> Any:
    if registry is None or node_type not in registry:
        return None
    try:
        return registry.get(node_type)
    except Exception:  # registered but not loadable: reported by the loader
        return None


def build_graph(flowset: FlowSet, registry: NodeRegistry | None = None) -> nx.MultiDiGraph:
    """Every non-structural element as a graph node; wires, links and config uses as edges.

    Node attributes: ``type``, ``name``, ``z``, ``flow_node`` (has x/y), ``config``
    (a config node), ``runs`` (not disabled, not in a disabled tab, not unknown)
    and ``has_input`` (None when the type is unknown).
    """
    g = nx.MultiDiGraph()
    config_ids = {c["id"] for c in flowset.items if _is_config(c)}
    for item in flowset.items:
        if item["type"] in STRUCTURAL_TYPES:
            continue
        t = item["type"]
        cls = _node_class(registry, t)
        if t.startswith(SUBFLOW_PREFIX):
            subflow = flowset.subflows.get(t[len(SUBFLOW_PREFIX) :]) or {}
            has_input: bool | None = bool(subflow.get("in"))
        else:
            has_input = bool(cls.has_input) if cls is not None else None
        tab = flowset.tabs.get(item.get("z") or "") or {}
        g.add_node(
            item["id"],
            type=t,
            name=item.get("name") or "",
            z=item.get("z") or "",
            flow_node="x" in item and "y" in item,
            config=item["id"] in config_ids,
            runs=not item.get("d")
            and not tab.get("disabled")
            and item["id"] not in flowset.unknown,
            has_input=has_input,
        )
    # link out id → link in nodes that name it in their links
    named_by: dict[str, list[str]] = {}
    for item in flowset.items:
        if item["type"] == "link in" and isinstance(item.get("links"), list):
            for link in item["links"]:
                if isinstance(link, str):
                    named_by.setdefault(link, []).append(item["id"])
    for item in flowset.items:
        if item["type"] in STRUCTURAL_TYPES:
            continue
        src = item["id"]
        for port, targets in enumerate(item.get("wires") or []):
            for target in targets:
                if target in g:
                    g.add_edge(src, target, key=str(port), kind="wire", port=port)
        for target in _link_targets(item, named_by.get(src, [])):
            if target in g:
                g.add_edge(src, target, key="link", kind="link", port=0)
        if item["type"].startswith(SUBFLOW_PREFIX):
            subflow = flowset.subflows.get(item["type"][len(SUBFLOW_PREFIX) :]) or {}
            for port in (subflow.get("in") or [])[:1]:
                for wire in port.get("wires") or []:
                    if wire.get("id") in g:
                        g.add_edge(src, wire["id"], key="subflow", kind="subflow", port=0)
        cls = _node_class(registry, item["type"])
        declared = dict(cls.config_refs) if cls is not None else {}
        for prop, value in item.items():
            # Declared references, and (as Node-RED computes a config node's users)
            # any property whose value is a config node's id.
            if prop in _NOT_REFS or not isinstance(value, str) or value == src:
                continue
            if value in config_ids or (prop in declared and value in g):
                g.add_edge(src, value, key=f"config:{prop}", kind="config", prop=prop)
    return g


def _is_config(item: dict[str, Any]) -> bool:
    return item["type"] not in STRUCTURAL_TYPES and not ("x" in item and "y" in item)


def _link_targets(item: dict[str, Any], named_by: list[str]) -> list[str]:
    """Link in ids a link out (as rewritten by ``parseConfig``: its ``links`` plus
    every link in naming it) or a static link call reaches."""
    links = item.get("links")
    links = [x for x in links if isinstance(x, str)] if isinstance(links, list) else []
    if item["type"] == "link out":
        if item.get("mode") == "return":
            return []
        return list(dict.fromkeys([*links, *named_by]))
    if item["type"] == "link call" and item.get("linkType", "static") != "dynamic":
        return links[:1]
    return []


def message_graph(g: nx.MultiDiGraph) -> nx.DiGraph:
    """The paths messages can take: flow nodes and wire/link/subflow edges only."""
    d = nx.DiGraph()
    d.add_nodes_from(n for n, data in g.nodes(data=True) if data.get("flow_node"))
    for u, v, data in g.edges(data=True):
        if data.get("kind") in _MESSAGE_KINDS and u in d and v in d:
            d.add_edge(u, v)
    return d


def _is_source(g: nx.MultiDiGraph, flow: nx.DiGraph, node_id: str, dynamic_links: bool) -> bool:
    data = g.nodes[node_id]
    if data["type"] == "link in":
        # No input port, but fed by link out / link call edges; a dynamic link call
        # may target any link in by id or name.
        return dynamic_links
    if data["has_input"] is None:  # unknown type: assume a source when nothing feeds it
        return flow.in_degree(node_id) == 0
    return not data["has_input"]


def graph_warnings(
    flowset: FlowSet, g: nx.MultiDiGraph, registry: NodeRegistry | None = None
) -> list[Problem]:
    """Dangling wires and links, and nodes no message source can ever reach."""
    warnings: list[Problem] = []

    def warn(node_id: str, fld: str | None, what: str) -> None:
        item = flowset.by_id[node_id]
        p = Problem.for_node(flowset.file_of(node_id), item, fld, what, warning=True)
        warnings.append(p)

    for item in flowset.items:
        if item["type"] in STRUCTURAL_TYPES or not g.nodes[item["id"]]["runs"]:
            continue
        for port, targets in enumerate(item.get("wires") or []):
            for target in targets:
                why = _why_not_run(flowset, target) if target in g else None
                if why:
                    warn(item["id"], f"wires[{port}]", f'wire to "{target}", {why}; dropped')
        _link_warnings(item, flowset, warn)

    flow = message_graph(g)
    dynamic_links = any(
        n["type"] == "link call" and n.get("linkType") == "dynamic" for n in flowset.items
    )
    # Nodes with a load problem of their own count as running here: once fixed they
    # would feed the nodes after them, which should not be called unreachable meanwhile.
    running = [n for n in flow if g.nodes[n]["runs"] or n in flowset.broken]
    reachable: set[str] = set()
    for n in running:
        if n not in reachable and _is_source(g, flow, n, dynamic_links):
            reachable.add(n)
            reachable.update(nx.descendants(flow, n))
    for n in running:
        if n in reachable or n in flowset.broken or g.nodes[n]["has_input"] is None:
            continue
        if flow.in_degree(n) == 0:
            warn(n, None, "not reachable: nothing is wired to its input")
        else:
            warn(n, None, "not reachable: no message source feeds it")
    return warnings


def _why_not_run(flowset: FlowSet, node_id: str) -> str | None:
    item = flowset.by_id[node_id]
    if item.get("d"):
        return "a disabled node"
    tab = flowset.tabs.get(item.get("z") or "")
    if tab is not None and tab.get("disabled"):
        return "a node in a disabled tab"
    if node_id in flowset.broken:
        return None  # its own problem is reported already
    if node_id in flowset.unknown:
        return "a node that does not run"
    return None


def _link_warnings(item: dict[str, Any], flowset: FlowSet, warn: Any) -> None:
    t = item["type"]
    if t not in ("link in", "link out", "link call"):
        return
    if t == "link call" and item.get("linkType") == "dynamic":
        return
    want = "link out" if t == "link in" else "link in"
    links = item.get("links")
    if not isinstance(links, list):
        return
    for i, target in enumerate(links):
        other = flowset.by_id.get(target) if isinstance(target, str) else None
        if other is None:
            warn(item["id"], f"links[{i}]", f'link to unknown node "{target}"')
        elif other["type"] != want:
            warn(item["id"], f"links[{i}]", f'"{target}" is a {other["type"]} node, not a {want}')


def _rotated(cycle: list[str]) -> list[str]:
    """A cycle starting at its smallest id (direction kept), for stable output."""
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]


def flow_info(flowset: FlowSet, registry: NodeRegistry | None = None) -> dict[str, Any]:
    """What ``flowengine info`` prints: per tab/type counts, sources, sinks, cycles, users."""
    g = build_graph(flowset, registry)
    flow = message_graph(g)
    tabs = []
    for cid, container in {**flowset.tabs, **flowset.subflows}.items():
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
    dynamic_links = any(
        n["type"] == "link call" and n.get("linkType") == "dynamic" for n in flowset.items
    )
    sources = [
        n
        for n in flow
        if flow.out_degree(n) > 0
        and (_is_source(g, flow, n, dynamic_links) or flow.in_degree(n) == 0)
    ]
    sinks = [n for n in flow if flow.out_degree(n) == 0 and flow.in_degree(n) > 0]
    cycles = [_rotated(c) for c in itertools.islice(nx.simple_cycles(flow), MAX_CYCLES + 1)]
    users: dict[str, list[str]] = {}
    for u, v, data in g.edges(data=True):
        if data.get("kind") == "config":
            users.setdefault(v, []).append(u)
    configs = []
    for item in flowset.items:
        if not _is_config(item):
            continue
        z = item.get("z") or ""
        configs.append(
            {
                "id": item["id"],
                "type": item["type"],
                "name": item.get("name") or "",
                "scope": z if z in flowset.tabs or z in flowset.subflows else "global",
                "users": sorted(set(users.get(item["id"], []))),
            }
        )
    unknown: dict[str, list[str]] = {}
    for item in flowset.items:
        t = item["type"]
        if t in STRUCTURAL_TYPES or t.startswith(SUBFLOW_PREFIX):
            continue
        if registry is not None and t not in registry:
            unknown.setdefault(t, []).append(item["id"])
    return {
        "files": flowset.files,
        "flows": tabs,
        "nodes": sum(t["nodes"] for t in tabs),
        "sources": [_describe(flowset, n) for n in sorted(sources)],
        "sinks": [_describe(flowset, n) for n in sorted(sinks)],
        "cycles": sorted(cycles[:MAX_CYCLES]),
        "cycles_truncated": len(cycles) > MAX_CYCLES,
        "config_nodes": configs,
        "unknown_types": unknown,
    }


def _describe(flowset: FlowSet, node_id: str) -> dict[str, str]:
    item = flowset.by_id[node_id]
    return {"id": node_id, "type": item["type"], "name": item.get("name") or ""}
