"""Malformed flow files: the exact one-line message per problem, exit code 2, no traceback.

Each case is checked through ``flowengine validate`` in a subprocess; a few also
through ``flowengine run``, which must refuse the same way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import cli, errors, lines, node, tab, write_flow

T = tab()

CASES: dict[str, tuple[Any, list[str]]] = {
    "truncated JSON": (
        '[{"id": "t1", "type": "tab"',
        ["flows.json: invalid JSON: Expecting ',' delimiter at line 1 column 28"],
    ),
    "not JSON": ("hello world", ["flows.json: invalid JSON: Expecting value at line 1 column 1"]),
    "empty file": ("", ["flows.json: file is empty; expected a JSON array of nodes"]),
    "only whitespace": (" \n\n", ["flows.json: file is empty; expected a JSON array of nodes"]),
    "top level string": (
        '"flows"',
        ['flows.json: expected a JSON array of nodes or an object {"flows": [...]}, got string'],
    ),
    "top level object without flows": (
        {"nodes": []},
        ['flows.json: expected a JSON array of nodes or an object {"flows": [...]}, got object'],
    ),
    "flows key not an array": (
        {"flows": {"id": "x"}, "rev": "abc"},
        ["flows.json: flows: expected an array of nodes, got object"],
    ),
    "element not an object": (
        [T, 42, "n1", None],
        [
            "flows.json: element [1]: expected an object, got number",
            "flows.json: element [2]: expected an object, got string",
            "flows.json: element [3]: expected an object, got null",
        ],
    ),
    "missing id": (
        [T, {"type": "junction", "z": "t1", "x": 1, "y": 2}],
        ["flows.json: element [1]: id: missing"],
    ),
    "id not a string": (
        [T, {"id": 7, "type": "junction", "z": "t1", "x": 1, "y": 2}],
        ["flows.json: element [1]: id: expected a string, got number"],
    ),
    "missing type": (
        [T, {"id": "n1", "z": "t1", "x": 1, "y": 2}],
        ["flows.json: node n1 (?): type: missing"],
    ),
    "wires not an array": (
        [T, node("n1", wires="n2"), node("n2")],
        ["flows.json: node n1 (junction): wires: expected an array, got string"],
    ),
    "wires not an array of arrays": (
        [T, node("n1", wires=["n2"]), node("n2")],
        ["flows.json: node n1 (junction): wires[0]: expected an array, got string"],
    ),
    "wire target not a string": (
        [T, node("n1", wires=[["n2", 3]]), node("n2")],
        ["flows.json: node n1 (junction): wires[0][1]: expected a string, got number"],
    ),
    "x not a number": (
        [T, node("n1", x="10", name="first")],
        ['flows.json: node n1 (junction "first"): x: expected a number, got string'],
    ),
    "d not a boolean": (
        [T, node("n1", d="true")],
        ["flows.json: node n1 (junction): d: expected a boolean, got string"],
    ),
    "z not a string": (
        [T, node("n1", z=1)],
        ["flows.json: node n1 (junction): z: expected a string, got number"],
    ),
    "tab disabled not a boolean": (
        [tab(disabled="yes")],
        ['flows.json: node t1 (tab "Main"): disabled: expected a boolean, got string'],
    ),
    "env entry without name": (
        [tab(env=[{"value": "x", "type": "str"}])],
        ['flows.json: node t1 (tab "Main"): env[0]: name: missing'],
    ),
    "duplicate ids": (
        [T, node("n1", wires=[["n2"]]), node("n2"), node("n1", name="again")],
        ['flows.json: node n1 (junction "again"): id: duplicate id'],
    ),
    "wire to a missing id": (
        [T, node("n1", wires=[["n2", "nope"]]), node("n2")],
        ['flows.json: node n1 (junction): wires[0]: wire to unknown node "nope"'],
    ),
    "wire to a tab": (
        [T, node("n1", wires=[["t1"]])],
        ['flows.json: node n1 (junction): wires[0]: wire to "t1", a tab, not a node'],
    ),
    "flow node without a tab": (
        [T, {"id": "n1", "type": "junction", "x": 1, "y": 1, "wires": []}],
        ["flows.json: node n1 (junction): z: flow node has no tab (z)"],
    ),
    "unknown node types": (
        [
            T,
            node("n1", "frobnicate", wires=[["n3"]]),
            node("n2", "frobnicate", wires=[["n3"]]),
            node("n3", "whizz", name="W"),
        ],
        [
            "flows.json: node n1 (frobnicate): type: unknown node type",
            "flows.json: node n2 (frobnicate): type: unknown node type",
            'flows.json: node n3 (whizz "W"): type: unknown node type',
            'flows.json: unknown node types, not starting: "frobnicate" (n1, n2); "whizz" (n3) '
            "(--allow-unknown runs the rest without them)",
        ],
    ),
    "subflow instance of a missing definition": (
        [T, node("i1", "subflow:sfX")],
        ['flows.json: node i1 (subflow:sfX): type: subflow definition "sfX" not found'],
    ),
    "subflow instance with more outputs than the definition": (
        [
            T,
            {"id": "sf1", "type": "subflow", "name": "S", "in": [], "out": [{"x": 1, "y": 1}]},
            node("i1", "subflow:sf1", wires=[["n2"], ["n2"]]),
            node("n2"),
        ],
        ['flows.json: node i1 (subflow:sf1): wires: 2 outputs wired; subflow "S" has 1'],
    ),
    "subflow port wires to nodes outside": (
        [
            T,
            {
                "id": "sf1",
                "type": "subflow",
                "name": "S",
                "in": [{"x": 1, "y": 1, "wires": [{"id": "n1"}]}],
                "out": [{"x": 1, "y": 1, "wires": [{"id": "n1", "port": 0}, {"id": "gone"}]}],
                "status": {"x": 1, "y": 1, "wires": [{"id": "n1", "port": 0}]},
            },
            node("n1"),
        ],
        [
            'flows.json: node sf1 (subflow "S"): in[0].wires[0]: '
            'wire to "n1", a node outside the subflow',
            'flows.json: node sf1 (subflow "S"): out[0].wires[0]: '
            'wire from "n1", a node outside the subflow',
            'flows.json: node sf1 (subflow "S"): out[0].wires[1]: wire from unknown node "gone"',
            'flows.json: node sf1 (subflow "S"): status.wires[0]: '
            'wire from "n1", a node outside the subflow',
        ],
    ),
    "wire from inside a subflow to a tab": (
        [
            T,
            {"id": "sf1", "type": "subflow", "name": "S", "in": [], "out": []},
            node("s1", z="sf1", wires=[["n1"]]),
            node("n1"),
        ],
        ['flows.json: node s1 (junction): wires[0]: wire to "n1" crosses a subflow boundary'],
    ),
    "subflow containing an instance of itself": (
        [
            T,
            {"id": "sfA", "type": "subflow", "name": "A", "in": [], "out": []},
            {"id": "sfB", "type": "subflow", "name": "B", "in": [], "out": []},
            node("iB", "subflow:sfB", z="sfA", wires=[]),
            node("iA", "subflow:sfA", z="sfB", wires=[]),
        ],
        [
            "flows.json: node iB (subflow:sfB): type: subflow contains itself (sfA -> sfB -> sfA)",
            "flows.json: node iA (subflow:sfA): type: subflow contains itself (sfB -> sfA -> sfB)",
        ],
    ),
    "several problems at once": (
        [T, node("n1", x="1"), 5, node("n2", wires=[["n1", "gone"]]), node("n2")],
        [
            "flows.json: node n1 (junction): x: expected a number, got string",
            "flows.json: element [2]: expected an object, got number",
            "flows.json: node n2 (junction): id: duplicate id",
            'flows.json: node n2 (junction): wires[0]: wire to unknown node "gone"',
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_validate_reports_each_problem_on_one_line(case: str, flow_dir: Path) -> None:
    content, expected = CASES[case]
    write_flow(flow_dir, content)
    result = cli("validate", "flows.json", cwd=flow_dir)
    assert result.returncode == 2, result.stderr
    assert errors(result.stderr) == expected
    assert "ok" not in result.stdout


@pytest.mark.parametrize(
    "case", ["truncated JSON", "duplicate ids", "unknown node types", "missing type"]
)
def test_run_refuses_the_same_way(case: str, flow_dir: Path) -> None:
    content, expected = CASES[case]
    write_flow(flow_dir, content)
    result = cli("run", "flows.json", "--until-idle", "0", cwd=flow_dir)
    assert result.returncode == 2
    assert errors(result.stderr) == expected
    assert "Starting flows" not in result.stderr


def test_missing_file(flow_dir: Path) -> None:
    result = cli("validate", "nope.json", cwd=flow_dir)
    assert result.returncode == 2
    assert lines(result.stderr) == ["nope.json: file not found"]


def test_directory_instead_of_file(flow_dir: Path) -> None:
    (flow_dir / "d").mkdir()
    result = cli("validate", "d", cwd=flow_dir)
    assert result.returncode == 2
    assert lines(result.stderr) == ["d: is a directory, not a flow file"]


def test_not_utf8(flow_dir: Path) -> None:
    (flow_dir / "flows.json").write_bytes(b'[{"id": "\xff"}]')
    result = cli("validate", "flows.json", cwd=flow_dir)
    assert result.returncode == 2
    assert lines(result.stderr) == ["flows.json: not UTF-8 text (byte 9)"]


def test_problems_in_several_files_reported_together(flow_dir: Path) -> None:
    write_flow(flow_dir, "[", "a.json")
    write_flow(flow_dir, [T, node("n1")], "b.json")
    write_flow(flow_dir, [tab("t2"), node("n1", z="t2")], "c.json")
    result = cli("validate", "a.json", "b.json", "c.json", cwd=flow_dir)
    assert result.returncode == 2
    assert errors(result.stderr) == [
        "a.json: invalid JSON: Expecting value at line 1 column 2",
        "c.json: node n1 (junction): id: duplicate id (first in b.json)",
    ]


def test_valid_file_passes(flow_dir: Path) -> None:
    write_flow(
        flow_dir, [T, node("n1", "comment", wires=[]), node("n2", wires=[["n3"]]), node("n3")]
    )
    result = cli("validate", "flows.json", cwd=flow_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "flows.json: ok (3 nodes, 2 warning(s))"
    assert lines(result.stderr) == [
        "warning: flows.json: node n2 (junction): not reachable: nothing is wired to its input",
        "warning: flows.json: node n3 (junction): not reachable: no message source feeds it",
    ]


def test_object_form_with_rev_is_accepted(flow_dir: Path) -> None:
    write_flow(flow_dir, {"flows": [T, node("n1", "comment", wires=[])], "rev": "4f53cda1"})
    result = cli("validate", "flows.json", cwd=flow_dir)
    assert result.returncode == 0, result.stderr
    assert json.loads((flow_dir / "flows.json").read_text())["rev"] == "4f53cda1"  # untouched
