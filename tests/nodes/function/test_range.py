"""Tests of the ``range`` node; expected values were observed on Node-RED 5.0.7."""

from __future__ import annotations

import logging
import math
from typing import Any

import pytest

from flowengine.testing import FlowTestHelper, load_error_lines

INPUTS: list[Any] = [5, -3, 12, 25, "7", " 4 ", None, True, "abc", "", [3], 2.5, 1e21]
NAN = "not a number"  # marker: Node-RED logs and drops the message

# action/config → outputs for INPUTS, observed on Node-RED 5.0.7
CASES: dict[str, tuple[dict[str, Any], list[Any]]] = {
    "scale": ({}, [50, -30, 120, 250, 70, 40, 0, 10, NAN, 0, 30, 25, 1e22]),
    "clamp": ({"action": "clamp"}, [50, 0, 100, 100, 70, 40, 0, 10, NAN, 0, 30, 25, 100]),
    "roll": ({"action": "roll"}, [50, 70, 20, 50, 70, 40, 0, 10, NAN, 0, 30, 25, 0]),
    "drop": ({"action": "drop"}, [50, None, None, None, 70, 40, 0, 10, NAN, 0, 30, 25, None]),
    "reversed": (
        {"minin": "10", "maxin": "0"},
        [50, 130, -20, -150, 30, 60, 100, 90, NAN, 100, 70, 75, -1e22],
    ),
    "roll-negative": (
        {"action": "roll", "minin": "-5", "maxin": "5", "minout": "-50", "maxout": "50"},
        [-50, -30, 20, -50, -30, 40, 0, 10, NAN, 0, 30, 25, -50],
    ),
    "round-negative": (
        {"round": True, "minout": "-10", "maxout": "10"},
        [0, -16, 14, 40, 4, -2, -10, -8, NAN, -10, -4, -5, 2e21],
    ),
}


def _flow(tab: dict[str, Any], **config: Any) -> list[dict[str, Any]]:
    node = {
        "id": "r",
        "type": "range",
        "z": tab["id"],
        "x": 1,
        "y": 1,
        "minin": "0",
        "maxin": "10",
        "minout": "0",
        "maxout": "100",
        "action": "scale",
        "round": False,
        "property": "payload",
        "wires": [["out"]],
    }
    node.update(config)
    return [
        tab,
        node,
        {"id": "out", "type": "helper", "z": tab["id"], "x": 1, "y": 1, "wires": []},
        {"id": "c", "type": "catch", "z": tab["id"], "x": 1, "y": 1, "scope": None, "wires": []},
    ]


@pytest.mark.parametrize("case", list(CASES))
def test_actions_match_node_red(tab: dict[str, Any], case: str) -> None:
    config, expected = CASES[case]
    with FlowTestHelper(_flow(tab, **config)) as h:
        for i, value in enumerate(INPUTS):
            h.inject("r", {"payload": value, "i": i})
        h.wait_idle()
        got = {m["i"]: m["payload"] for m in h.received("out")}
        logs = [text for _, level, text in h.logs if level == logging.INFO]
    for i, want in enumerate(expected):
        if want is NAN:
            assert i not in got
        elif want is None:
            assert i not in got, f"input {INPUTS[i]!r} should be dropped"
        else:
            assert got[i] == want, f"input {INPUTS[i]!r}"
    assert logs == ["Not a number: abc"]


def test_results_are_plain_numbers(tab: dict[str, Any]) -> None:
    with FlowTestHelper(_flow(tab)) as h:
        h.inject("r", {"payload": 5})
        [msg] = h.wait_for("out")
    assert msg["payload"] == 50 and type(msg["payload"]) is int


def test_round_uses_math_round_and_inward_target_bounds(tab: dict[str, Any]) -> None:
    # minout 0.5 → ceil 1, maxout 9.7 → floor 9 (Node-RED rounds the bounds inwards)
    flow = _flow(tab, round=True, minout="0.5", maxout="9.7", maxin="3")
    with FlowTestHelper(flow) as h:
        for v in [0, 1, 1.5, 2, 2.25, 3, -1]:
            h.inject("r", {"payload": v})
        got = [m["payload"] for m in h.wait_for("out", 7)]
    assert got == [1, 4, 5, 6, 7, 9, -2]


def test_js_round_halves_go_up(tab: dict[str, Any]) -> None:
    flow = _flow(tab, round=True, minin="0", maxin="1", minout="0", maxout="1")
    with FlowTestHelper(flow) as h:
        for v in [-2.5, -0.5, 0.5, 2.5]:
            h.inject("r", {"payload": v})
        got = [m["payload"] for m in h.wait_for("out", 4)]
    assert got == [-2, 0, 1, 3]


def test_empty_input_range_gives_nan_and_infinity(tab: dict[str, Any]) -> None:
    with FlowTestHelper(_flow(tab, minin="5", maxin="5")) as h:
        for v in [5, 4, 6]:
            h.inject("r", {"payload": v})
        got = [m["payload"] for m in h.wait_for("out", 3)]
    assert math.isnan(got[0]) and got[1] == -math.inf and got[2] == math.inf


def test_missing_property_passes_message_on(tab: dict[str, Any]) -> None:
    with FlowTestHelper(_flow(tab)) as h:
        h.inject("r", {"topic": "t"})
        [msg] = h.wait_for("out")
    assert "payload" not in msg and msg["topic"] == "t"


def test_nested_property_and_buffer_input(tab: dict[str, Any]) -> None:
    with FlowTestHelper(_flow(tab, property="a.b")) as h:
        h.inject("r", {"a": {"b": 2}})
        h.inject("r", {"a": {"b": b"8"}})
        got = [m["a"]["b"] for m in h.wait_for("out", 2)]
    assert got == [20, 80]


def test_missing_parent_is_a_type_error(tab: dict[str, Any]) -> None:
    flow = _flow(tab, property="a.b")
    flow[3]["wires"] = [["caught"]]
    flow.append({"id": "caught", "type": "helper", "z": tab["id"], "x": 1, "y": 1, "wires": []})
    with FlowTestHelper(flow) as h:
        h.inject("r", {"payload": 1})
        [msg] = h.wait_for("caught")
    assert msg["error"]["message"].startswith("TypeError: Cannot read properties of undefined")


def test_not_a_number_is_logged_not_sent(tab: dict[str, Any]) -> None:
    with FlowTestHelper(_flow(tab)) as h:
        h.inject("r", {"payload": {"a": 1}})
        h.inject("r", {"payload": "x"})
        h.wait_idle()
        assert h.received("out") == []
        infos = [t for _, level, t in h.logs if level == logging.INFO]
    assert infos == ["Not a number: [object Object]", "Not a number: x"]


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"action": "wrap"}, "action"),
        ({"minin": ""}, "minin"),
        ({"maxout": "ten"}, "maxout"),
        ({"minout": None}, "minout"),
        ({"property": "a..b"}, "property"),
    ],
)
def test_bad_config_is_rejected(tab: dict[str, Any], config: dict[str, Any], field: str) -> None:
    lines = load_error_lines(_flow(tab, **config))
    assert len(lines) == 1 and f"(range): {field}:" in lines[0], lines


def test_missing_action_defaults_to_scale_and_numbers_are_accepted(tab: dict[str, Any]) -> None:
    flow = _flow(tab, minin=0, maxin=10, minout=0, maxout=1)
    del flow[1]["action"]
    with FlowTestHelper(flow) as h:
        h.inject("r", {"payload": 5})
        [msg] = h.wait_for("out")
    assert msg["payload"] == 0.5
