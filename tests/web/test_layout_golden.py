"""The viewer lays flows out exactly as Node-RED 5.0.7's editor does.

``golden/*.nodered.json`` was read back from Node-RED's own editor by
``record_nodered.py`` (positions, sizes, labels, label classes, ports, wire paths,
groups, junctions per tab and subflow); these tests compare the viewer's layout with it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from flowengine.web.layout import NodeBox, Scene
from flowengine.web.model import build_model

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CASES = {
    "Node-RED-Kafka": REPO / "flows" / "Node-RED-Kafka.json",
    "showcase": HERE / "flows" / "showcase.json",
    "labels": HERE / "flows" / "labels.json",
}


def _golden(name: str) -> dict[str, Any]:
    return json.loads((HERE / "golden" / f"{name}.nodered.json").read_text())


def _scenes(name: str) -> dict[str, Scene]:
    items = json.loads(CASES[name].read_text())
    return build_model(items).scenes


def _numbers(path: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", path)]


def _label_classes(node: NodeBox) -> set[str]:
    classes = {"red-ui-flow-node-label"}
    if node.right:
        classes.add("red-ui-flow-node-label-right")
    if node.italic:
        classes.add("red-ui-flow-node-label-italic" if node.unknown else "node_label_italic")
    if node.hide_label:
        classes.add("hide")
    return classes


def _cases() -> list[tuple[str, str]]:
    return [(name, cid) for name in CASES for cid in _golden(name)]


@pytest.mark.parametrize(("name", "container"), _cases())
def test_nodes_match_node_red(name: str, container: str) -> None:
    expected = _golden(name)[container]
    scene = _scenes(name)[container]
    ours = {n.id: n for n in scene.nodes}
    assert set(ours) == {n["id"] for n in expected["nodes"]}
    for e in expected["nodes"]:
        n = ours[e["id"]]
        where = f"{container}/{n.id}"
        assert [n.x - n.w / 2, n.y - n.h / 2] == e["pos"], where
        assert (n.w, n.h) == (e["w"], e["h"]), where
        assert n.lines == e["lines"], where
        assert n.color == e["fill"], where
        assert n.unknown == e["unknown"], where
        assert n.disabled == e["disabled"], where
        assert _label_classes(n) == set(e["labelClass"].split()), where
        label_x = n.w - 38 if n.right else 38
        assert [label_x, n.h / 2 - len(n.lines) * 12 + 13] == e["labelPos"], where
        assert (e["input"] is not None) == n.has_input, where
        if n.has_input:
            assert e["input"] == [-5, n.h / 2 - 5], where
        y0 = n.h / 2 - (n.outputs - 1) / 2 * 13
        assert [[n.w - 5, y0 + 13 * i - 5] for i in range(n.outputs)] == e["outputs"], where
        if e["button"] is None:
            assert n.button is None or not n.button["active"], where
        else:
            assert n.button is not None, where
            right = n.button["right"]
            x = (n.w - 6 if right else -26) + (0 if n.button["active"] else (-8 if right else 8))
            assert [x, 2] == e["button"], where


@pytest.mark.parametrize(("name", "container"), _cases())
def test_wires_match_node_red(name: str, container: str) -> None:
    expected = _golden(name)[container]
    scene = _scenes(name)[container]
    ours = sorted(_numbers(w.path) for w in scene.wires if not w.link)
    theirs = sorted(_numbers(w["path"]) for w in expected["wires"])
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert a == pytest.approx(b, abs=1e-6)
    # Wires between nodes also name the same ends (subflow ports get random ids there).
    node_ids = {n.id for n in scene.nodes} | {j.id for j in scene.junctions}
    ends = {(w.source, w.port, w.target) for w in scene.wires if not w.link}
    for w in expected["wires"]:
        if w["source"] in node_ids and w["target"] in node_ids:
            assert (w["source"], w["port"], w["target"]) in ends


@pytest.mark.parametrize(("name", "container"), _cases())
def test_groups_and_junctions_match_node_red(name: str, container: str) -> None:
    expected = _golden(name)[container]
    scene = _scenes(name)[container]
    groups = {g.id: g for g in scene.groups}
    assert set(groups) == {g["id"] for g in expected["groups"]}
    for e in expected["groups"]:
        g = groups[e["id"]]
        assert ([g.x, g.y], g.w, g.h, g.lines) == (e["pos"], e["w"], e["h"], e["label"])
    junctions = {j.id: [j.x, j.y] for j in scene.junctions}
    assert junctions == {j["id"]: j["pos"] for j in expected["junctions"]}


def _ports(items: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    scene = build_model([{"id": "t", "type": "tab", "label": "t"}, *items]).scenes["t"]
    return {
        n.id: (n.outputs, len([w for w in scene.wires if w.source == n.id])) for n in scene.nodes
    }


def _node(node_id: str, node_type: str, wires: list[list[str]], **props: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "z": "t", "x": 200, "y": 100, "wires": wires, **props}


def test_outputs_come_from_the_node_or_its_wires_as_in_the_editor() -> None:
    sink = _node("sink", "debug", [])
    ports = _ports(
        [
            sink,
            # flowengine's ml-score: a second output while minConfidence is set
            _node("score1", "ml-score", [["sink"]]),
            _node("score2", "ml-score", [["sink"], ["sink"]], minConfidence=0.8),
            _node("score3", "ml-score", [["sink"]], minConfidence="0.8"),
            # a type with an ``outputs`` property: that, or (unparsable) as many as wired
            _node("fn3", "function", [["sink"]], outputs=3),
            _node("fnx", "function", [["sink"], [], ["sink"]], outputs="x"),
            # a fixed type: wires beyond its outputs are dropped, as the editor trims them
            _node("chg", "change", [["sink"], ["sink"]]),
            # an unknown type: as many as it says, else as many as wired
            _node("unk", "acme-thing", [["sink"], ["sink"]]),
        ]
    )
    assert ports["score1"] == (1, 1)
    assert ports["score2"] == (2, 2)
    assert ports["score3"] == (2, 1)
    assert ports["fn3"] == (3, 1)
    assert ports["fnx"] == (3, 2)
    assert ports["chg"] == (1, 1)
    assert ports["unk"] == (2, 2)
