"""The networkx view: ports on edges, link wires, subflow and config edges;
validation warnings (dangling wires, unreachable nodes) and ``flowengine info``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowengine import Node, default_registry, parse_flows
from flowengine.cli import main
from flowengine.graph import build_graph, flow_info, graph_warnings

from .conftest import REPO, cli, lines, node, tab, write_flow


class Source(Node):
    type = "t-src"
    has_input = False


class Broker(Node):
    type = "t-broker"


class Client(Node):
    type = "t-client"
    config_refs = {"broker": "t-broker"}


def registry() -> Any:
    reg = default_registry().copy()
    for cls in (Source, Broker, Client):
        reg.register(cls)
    return reg


FLOW: list[dict[str, Any]] = [
    tab("t1"),
    tab("t2", label="Other"),
    node("src", "t-src", name="tick", wires=[["a"], ["b"]]),
    node("a", wires=[["c"]]),
    node("b", wires=[["c"]]),
    node("c", "t-client", broker="brk", wires=[["lo"]]),
    node("lo", "link out", mode="link", links=["li"], wires=[]),
    node("li", "link in", z="t2", links=["lo"], wires=[["loop1"]]),
    node("loop1", z="t2", wires=[["loop2"]]),
    node("loop2", z="t2", wires=[["loop1", "end"]]),
    node("end", "t-client", z="t2", broker="brk", wires=[]),
    {"id": "brk", "type": "t-broker", "name": "the broker"},
    {"id": "unused", "type": "t-broker", "z": "t2"},
]


def test_edges_carry_ports_links_and_config_uses() -> None:
    reg = registry()
    flowset = parse_flows("flows.json", FLOW, reg)
    g = build_graph(flowset, reg)
    assert g.get_edge_data("src", "a") == {"0": {"kind": "wire", "port": 0}}
    assert g.get_edge_data("src", "b") == {"1": {"kind": "wire", "port": 1}}
    assert g.get_edge_data("lo", "li") == {"link": {"kind": "link", "port": 0}}
    assert g.get_edge_data("c", "brk") == {"config:broker": {"kind": "config", "prop": "broker"}}
    assert g.nodes["src"]["has_input"] is False
    assert g.nodes["brk"]["config"] is True and g.nodes["brk"]["flow_node"] is False


def test_info_summary() -> None:
    reg = registry()
    info = flow_info(parse_flows("flows.json", FLOW, reg), reg)
    assert info["nodes"] == 9
    assert [(t["id"], t["nodes"], t["types"]) for t in info["flows"]] == [
        ("t1", 5, {"junction": 2, "link out": 1, "t-client": 1, "t-src": 1}),
        ("t2", 4, {"junction": 2, "link in": 1, "t-client": 1}),
    ]
    assert info["sources"] == [{"id": "src", "type": "t-src", "name": "tick"}]
    assert info["sinks"] == [{"id": "end", "type": "t-client", "name": ""}]
    assert info["cycles"] == [["loop1", "loop2"]]
    assert info["config_nodes"] == [
        {"id": "brk", "type": "t-broker", "name": "the broker", "scope": "global",
         "users": ["c", "end"]},
        {"id": "unused", "type": "t-broker", "name": "", "scope": "t2", "users": []},
    ]  # fmt: skip


def test_no_warnings_for_a_connected_flow() -> None:
    reg = registry()
    flowset = parse_flows("flows.json", FLOW, reg)
    assert graph_warnings(flowset, build_graph(flowset, reg), reg) == []


def test_unreachable_nodes_and_dangling_wires() -> None:
    flow = [
        tab("t1"),
        tab("t2", disabled=True),
        node("src", "t-src", wires=[["off", "elsewhere", "ok", "lo"]]),
        node("ok", wires=[]),
        node("off", d=True, wires=[]),
        node("elsewhere", z="t2", wires=[]),
        node("lonely", wires=[["after"]]),
        node("after", wires=[]),
        node("lo", "link out", links=["nowhere", "ok"], wires=[]),
        node("note", "comment", wires=[]),
    ]
    reg = registry()
    flowset = parse_flows("flows.json", flow, reg)
    found = [str(w) for w in graph_warnings(flowset, build_graph(flowset, reg), reg)]
    assert found == [
        'flows.json: node src (t-src): wires[0]: wire to "off", a disabled node; dropped',
        'flows.json: node src (t-src): wires[0]: wire to "elsewhere", a node in a disabled '
        "tab; dropped",
        'flows.json: node lo (link out): links[0]: link to unknown node "nowhere"',
        'flows.json: node lo (link out): links[1]: "ok" is a junction node, not a link in',
        "flows.json: node lonely (junction): not reachable: nothing is wired to its input",
        "flows.json: node after (junction): not reachable: no message source feeds it",
    ]


def test_subflow_internals_are_reached_through_instances() -> None:
    flow = [
        tab("t1"),
        {"id": "sf", "type": "subflow", "name": "S",
         "in": [{"x": 1, "y": 1, "wires": [{"id": "inner"}]}],
         "out": [{"x": 1, "y": 1, "wires": [{"id": "inner", "port": 0}]}]},
        node("inner", z="sf", wires=[[]]),
        node("src", "t-src", wires=[["inst"]]),
        node("inst", "subflow:sf", wires=[["end"]]),
        node("end", wires=[]),
    ]  # fmt: skip
    reg = registry()
    flowset = parse_flows("flows.json", flow, reg)
    g = build_graph(flowset, reg)
    assert g.get_edge_data("inst", "inner") == {"subflow": {"kind": "subflow", "port": 0}}
    assert graph_warnings(flowset, g, reg) == []


def test_info_cli_text_and_json(tmp_path: Path) -> None:
    flow = [
        tab("t1", label="Main"),
        node("a", name="first", wires=[["b"]]),
        node("b", wires=[["a", "c"]]),
        node("c", "Acme Producer", broker="kb", wires=[]),
        {"id": "kb", "type": "Acme Broker", "name": "acme"},
    ]
    write_flow(tmp_path, flow)
    result = cli("info", "flows.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert lines(result.stdout) == [
        "files: flows.json",
        "nodes: 3",
        "tab t1 'Main': 3 nodes",
        "     1  Acme Producer",
        "     2  junction",
        "sources: none",
        "sinks:",
        "  c (Acme Producer)",
        "cycles:",
        "  a -> b -> a",
        "config nodes:",
        '  kb (Acme Broker "acme") scope global: used by c',
        "unknown node types:",
        "  Acme Producer: c",
        "  Acme Broker: kb",
    ]
    result = cli("info", "flows.json", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["cycles"] == [["a", "b"]]
    assert info["flows"][0]["types"] == {"Acme Producer": 1, "junction": 2}
    assert info["config_nodes"][0]["users"] == ["c"]
    assert info["unknown_types"] == {"Acme Producer": ["c"], "Acme Broker": ["kb"]}


def test_info_refuses_a_broken_file(tmp_path: Path) -> None:
    write_flow(tmp_path, "[1")
    result = cli("info", "flows.json", cwd=tmp_path)
    assert result.returncode == 2
    assert lines(result.stderr) == [
        "flows.json: invalid JSON: Expecting ',' delimiter at line 1 column 3"
    ]


def _loadable(*types: str) -> bool:
    try:
        for t in types:
            default_registry().get(t)
    except Exception:
        return False
    return True


@pytest.mark.skipif(
    not _loadable("mqtt in", "mqtt-broker", "change", "debug"),
    reason="mqtt/change/debug node modules not available yet",
)
def test_info_on_the_reference_kafka_flow(capsys: pytest.CaptureFixture[str]) -> None:
    # As the engine saw the tutorial's flow before it had Kafka nodes.
    without_kafka = default_registry().without("Kafka Producer", "Kafka Broker")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(REPO)
        code = main(["info", "flows/Node-RED-Kafka.json", "--json"], registry=without_kafka)
    assert code == 0
    info = json.loads(capsys.readouterr().out)
    assert info["nodes"] == 4
    assert [s["id"] for s in info["sources"]] == ["c7e8bd77.5df84"]
    assert [s["id"] for s in info["sinks"]] == ["82463576.0e6568", "e5b153fe.e7e89"]
    users = {c["name"]: c["users"] for c in info["config_nodes"]}
    assert users == {"mosquitto": ["c7e8bd77.5df84"], "kafka": ["e5b153fe.e7e89"]}
    assert info["unknown_types"] == {
        "Kafka Producer": ["e5b153fe.e7e89"],
        "Kafka Broker": ["33fcb129.b6642e"],
    }
