"""Meaning checks that need node classes: config references, node option errors
(``ConfigError`` from ``setup``), unknown types with and without ``--allow-unknown``,
and warnings for what Node-RED tolerates (unknown tab, groups)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowengine import ConfigError, FlowFileError, Node, default_registry, load_flow_files
from flowengine.cli import main
from flowengine.registry import NodeRegistry
from flowengine.runtime import Runtime

from .conftest import REPO, cli, errors, lines, node, tab, write_flow


class Broker(Node):
    type = "t-broker"


class Client(Node):
    """Declares a config reference, as mqtt in does for its broker."""

    type = "t-client"
    config_refs = {"broker": "t-broker"}


class Picky(Node):
    """Rejects an option in ``setup``, as every node must for what it does not support."""

    type = "t-picky"

    def setup(self) -> None:
        mode = self.config.get("mode", "normal")
        if mode not in ("normal", "careful"):
            raise ConfigError("mode", f'unsupported mode "{mode}"')


class Opener(Node):
    """A node whose start would be noticed."""

    type = "t-opener"
    started: list[str] = []

    def start(self) -> None:
        Opener.started.append(self.id)


# These tests use the Kafka types as the example of types the engine does not know
# (as in the tutorial's flow before flowengine had Kafka nodes).
KAFKA_TYPES = ("Kafka Producer", "Kafka Broker")


def registry() -> NodeRegistry:
    reg = default_registry().without(*KAFKA_TYPES)
    for cls in (Broker, Client, Picky, Opener):
        reg.register(cls)
    return reg


def problems_of(tmp_path: Path, flow: list[Any], **kwargs: Any) -> list[str]:
    path = write_flow(tmp_path, flow)
    with pytest.raises(FlowFileError) as caught:
        load_flow_files([str(path)], registry(), **kwargs)
    return [str(p).replace(str(tmp_path) + "/", "") for p in caught.value.problems]


def test_missing_and_wrong_config_references(tmp_path: Path) -> None:
    flow = [
        tab(),
        node("c1", "t-client", broker="gone"),
        node("c2", "t-client", name="two", broker="n9"),
        node("c3", "t-client", broker=5),
        node("c4", "t-client", broker=""),  # not configured: the node's own business
        node("n9"),
    ]
    assert problems_of(tmp_path, flow) == [
        'flows.json: node c1 (t-client): broker: config node "gone" not found',
        'flows.json: node c2 (t-client "two"): broker: "n9" is a junction node, expected t-broker',
        "flows.json: node c3 (t-client): broker: expected a config node id, got number",
    ]


def test_disabled_config_node_is_a_warning(tmp_path: Path) -> None:
    flow = [tab(), node("c1", "t-client", broker="b"), {"id": "b", "type": "t-broker", "d": True}]
    path = write_flow(tmp_path, flow)
    flowset = load_flow_files([str(path)], registry())
    assert [str(w) for w in flowset.warnings] == [
        f'{path}: node c1 (t-client): broker: config node "b" is disabled'
    ]


def test_wire_to_a_config_node(tmp_path: Path) -> None:
    flow = [tab(), node("n1", wires=[["b"]]), {"id": "b", "type": "t-broker"}]
    assert problems_of(tmp_path, flow) == [
        'flows.json: node n1 (junction): wires[0]: wire to "b", a config node (t-broker)'
    ]


def test_setup_config_error_has_the_same_format(tmp_path: Path) -> None:
    flow = [tab(), node("p1", "t-picky", name="strict", mode="fast"), node("p2", "t-picky")]
    path = write_flow(tmp_path, flow)
    reg = registry()
    runtime = Runtime(load_flow_files([str(path)], reg), reg)
    with pytest.raises(FlowFileError) as caught:
        runtime.build()
    assert [str(p) for p in caught.value.problems] == [
        f'{path}: node p1 (t-picky "strict"): mode: unsupported mode "fast"'
    ]


def test_validate_reports_load_and_option_problems_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = [
        tab(),
        node("p1", "t-picky", mode="fast", wires=[["gone"]]),
        node("p2", "t-picky", mode="slow"),
        node("c1", "t-client", broker="nope"),
        node("u1", "mystery"),
    ]
    write_flow(tmp_path, flow)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        code = main(["validate", "flows.json"], registry=registry())
    assert code == 2
    assert errors(capsys.readouterr().err) == [
        'flows.json: node p1 (t-picky): wires[0]: wire to unknown node "gone"',
        'flows.json: node c1 (t-client): broker: config node "nope" not found',
        "flows.json: node u1 (mystery): type: unknown node type",
        'flows.json: unknown node types, not starting: "mystery" (u1) '
        "(--allow-unknown runs the rest without them)",
        'flows.json: node p2 (t-picky): mode: unsupported mode "slow"',
    ]


def test_allow_unknown_runs_the_rest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flow = [
        tab(),
        node("o1", "t-opener", wires=[["k1"]]),
        node("k1", "Kafka Producer", broker="kb"),
        node("k2", "Kafka Producer", name="second", broker="kb"),
        {"id": "kb", "type": "Kafka Broker", "name": "kafka"},
    ]
    write_flow(tmp_path, flow)
    Opener.started.clear()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        code = main(
            ["run", "flows.json", "--allow-unknown", "--until-idle", "0"], registry=registry()
        )
    assert code == 0
    assert Opener.started == ["o1"]
    warned = [
        line.split(" - ", 1)[1] for line in lines(capsys.readouterr().err) if "[warn]" in line
    ]
    assert warned == [
        "[warn] flows.json: node k1 (Kafka Producer): type: unknown node type; node disabled",
        '[warn] flows.json: node k2 (Kafka Producer "second"): type: unknown node type; '
        "node disabled",
        '[warn] flows.json: node kb (Kafka Broker "kafka"): type: unknown node type; node disabled',
    ]


def test_reference_kafka_flow_names_exactly_the_two_kafka_types(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(REPO)
        code = main(["validate", "flows/Node-RED-Kafka.json"], registry=registry())
    assert code == 2
    problems = errors(capsys.readouterr().err)
    file = "flows/Node-RED-Kafka.json"
    assert [p for p in problems if "unknown node type" in p] == [
        f"{file}: node e5b153fe.e7e89 (Kafka Producer): type: unknown node type",
        f'{file}: node 33fcb129.b6642e (Kafka Broker "kafka"): type: unknown node type',
        f'{file}: unknown node types, not starting: "Kafka Producer" (e5b153fe.e7e89); '
        '"Kafka Broker" (33fcb129.b6642e) (--allow-unknown runs the rest without them)',
    ]


def test_unknown_tab_is_created_with_a_warning(tmp_path: Path) -> None:
    flow = [
        node("n1", z="lost", wires=[["n2"]]),
        node("n2", z="lost"),
        {"id": "b", "type": "t-broker", "z": "gone"},
    ]
    path = write_flow(tmp_path, flow)
    flowset = load_flow_files([str(path)], registry())
    assert [str(w) for w in flowset.warnings] == [
        f'{path}: node n1 (junction): z: unknown tab "lost"; created one',
        f'{path}: node b (t-broker): z: unknown tab "gone"; treated as a global config node',
    ]
    assert list(flowset.tabs) == ["lost"]
    assert [n["id"] for n in flowset.flow_nodes["lost"]] == ["n1", "n2"]
    assert [c["id"] for c in flowset.configs[""]] == ["b"]


def test_z_naming_a_node_is_an_error(tmp_path: Path) -> None:
    flow = [tab(), node("n1"), node("n2", z="n1")]
    assert problems_of(tmp_path, flow) == [
        'flows.json: node n2 (junction): z: "n1" is a junction node, not a tab or subflow'
    ]


def test_group_warnings_and_nesting_cycle(tmp_path: Path) -> None:
    flow = [
        tab(),
        {"id": "g1", "type": "group", "z": "t1", "nodes": ["n1", "ghost"]},
        {"id": "g2", "type": "group", "z": "t1", "g": "g3", "nodes": []},
        {"id": "g3", "type": "group", "z": "t1", "g": "g2", "nodes": []},
        {"id": "g4", "type": "group", "z": "nowhere", "nodes": []},
        node("n1", g="g9"),
    ]
    path = write_flow(tmp_path, flow)
    with pytest.raises(FlowFileError) as caught:
        load_flow_files([str(path)], registry())
    assert [str(p) for p in caught.value.problems] == [
        f"{path}: node g2 (group): g: groups contain each other",
        f"{path}: node g3 (group): g: groups contain each other",
    ]
    del flow[2:4]
    path = write_flow(tmp_path, flow)
    flowset = load_flow_files([str(path)], registry())
    assert [str(w) for w in flowset.warnings] == [
        f'{path}: node g1 (group): nodes: node "n1" does not name this group in its g',
        f'{path}: node g1 (group): nodes: unknown node "ghost"',
        f'{path}: node g4 (group): z: unknown tab "nowhere"; group ignored',
        f'{path}: node n1 (junction): g: unknown group "g9"',
    ]


def test_object_form_unknown_keys_warn(tmp_path: Path) -> None:
    path = write_flow(tmp_path, {"flows": [tab()], "rev": "1", "extra": True})
    flowset = load_flow_files([str(path)], registry())
    assert [str(w) for w in flowset.warnings] == [f"{path}: extra: unknown top-level key ignored"]


def test_validate_allow_unknown_only_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = [tab(), node("o1", "t-opener", wires=[["k1"]]), node("k1", "Kafka Producer")]
    write_flow(tmp_path, flow)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        code = main(["validate", "flows.json", "--allow-unknown"], registry=registry())
    captured = capsys.readouterr()
    assert code == 0
    assert lines(captured.err) == [
        "warning: flows.json: node k1 (Kafka Producer): type: unknown node type; node disabled",
        'warning: flows.json: node o1 (t-opener): wires[0]: wire to "k1", a node that does '
        "not run; dropped",
        "warning: flows.json: node o1 (t-opener): not reachable: nothing is wired to its input",
    ]
    assert captured.out == "flows.json: ok (2 nodes, 3 warning(s))\n"


def test_reference_kafka_flow_validates_with_the_kafka_nodes() -> None:
    result = cli("validate", "flows/Node-RED-Kafka.json", cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "flows/Node-RED-Kafka.json: ok (4 nodes)\n"
    assert "unknown node type" not in result.stderr
