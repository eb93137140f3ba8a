"""Subflows, groups and environment variables (reference §1.4, §1.5, §1.9)."""

from __future__ import annotations

from typing import Any

from flowengine import Node

from .conftest import TAB, node


class EnvProbe(Node):
    """Puts ``get_env(name)`` for each name in ``config["names"]`` on the message."""

    type = "t-env"

    def on_input(self, msg, send, done):
        msg["env"] = {n: self.get_env(n) for n in self.config["names"]}
        msg["prop"] = self.config.get("prop")
        send(msg)
        done()


def subflow(sid: str, *, env: list[dict[str, Any]] | None = None, **kw: Any) -> dict[str, Any]:
    return {"id": sid, "type": "subflow", "name": "SF", "in": [], "out": [], "env": env or [], **kw}


def test_subflow_in_out_and_passthrough_order(run):
    flow = [
        TAB,
        subflow(
            "sf",
            **{
                "in": [{"x": 0, "y": 0, "wires": [{"id": "inner"}]}],
                "out": [
                    {"x": 0, "y": 0, "wires": [{"id": "inner", "port": 0}, {"id": "sf", "port": 0}]}
                ],
            },
        ),
        node("inner", "t-emit", z="sf", wires=[[]]),
        node("inst", "subflow:sf", name="my instance", wires=[["h1"]]),
        node("h1", "helper"),
    ]
    h = run(flow)
    assert "inst-inner" in h.runtime.nodes
    inner = h.node("inst-inner")
    assert inner.alias == "inner" and inner.path == "t1/inst/inner"
    h.inject("inst", {"payload": 1})
    first, second = h.wait_for("h1", 2)
    # pass-through is one hop shorter, so it arrives first; inner got the original
    assert first["payload"] == second["payload"] == 1


def test_subflow_env_and_instance_override(run):
    flow = [
        TAB,
        subflow(
            "sf",
            env=[
                {"name": "A", "type": "str", "value": "template"},
                {"name": "B", "type": "num", "value": "2"},
            ],
            **{
                "in": [{"x": 0, "y": 0, "wires": [{"id": "probe"}]}],
                "out": [{"x": 0, "y": 0, "wires": [{"id": "probe", "port": 0}]}],
            },
        ),
        node(
            "probe",
            "t-env",
            z="sf",
            names=["A", "B", "NR_SUBFLOW_NAME", "NR_SUBFLOW_ID", "NR_NODE_ID", "FLOWVAR"],
            prop="${A}",
        ),
        node(
            "inst",
            "subflow:sf",
            name="inst-name",
            env=[{"name": "A", "type": "str", "value": "instance"}],
            wires=[["h1"]],
        ),
        node("h1", "helper"),
    ]
    flow[0] = {**TAB, "env": [{"name": "FLOWVAR", "type": "str", "value": "from-tab"}]}
    h = run(flow)
    h.inject("inst", {"payload": 1})
    [m] = h.wait_for("h1")
    assert m["env"] == {
        "A": "instance",
        "B": 2,
        "NR_SUBFLOW_NAME": "inst-name",
        "NR_SUBFLOW_ID": "inst",
        "NR_NODE_ID": "inst-probe",
        "FLOWVAR": "from-tab",
    }
    assert m["prop"] == "instance"


def test_subflow_error_bubbles_to_parent_with_instance_as_reporter(run):
    flow = [
        TAB,
        subflow("sf", **{"in": [{"x": 0, "y": 0, "wires": [{"id": "f"}]}]}),
        node("f", "t-fail", z="sf", text="inner failure"),
        node("inst", "subflow:sf"),
        node("c", "catch", scope=["inst"], wires=[["h1"]]),
        node("h1", "helper"),
    ]
    h = run(flow)
    h.inject("inst", {"payload": 1})
    [m] = h.wait_for("h1")
    assert m["error"]["message"] == "inner failure"
    assert m["error"]["source"]["id"] == "inst-f"


def test_subflow_status_port_sets_instance_status(run):
    flow = [
        TAB,
        subflow(
            "sf",
            status={"x": 0, "y": 0, "wires": [{"id": "e", "port": 0}]},
            **{"in": [{"x": 0, "y": 0, "wires": [{"id": "e"}]}]},
        ),
        node("e", "t-emit", z="sf"),
        node("inst", "subflow:sf"),
    ]
    h = run(flow)
    h.inject("inst", {"payload": "status-from-sf"})
    h.wait_until(lambda: "inst" in h.statuses, 10, "instance status")
    assert h.statuses["inst"] == [{"text": "status-from-sf"}]


def test_env_lookup_order_group_tab_global_process(run):
    flow = [
        {
            **TAB,
            "env": [
                {"name": "V", "type": "str", "value": "tab"},
                {"name": "T", "type": "str", "value": "tab-only"},
            ],
        },
        {
            "id": "gc",
            "type": "global-config",
            "env": [
                {"name": "V", "type": "str", "value": "global"},
                {"name": "G", "type": "str", "value": "global-only"},
            ],
        },
        {
            "id": "grp",
            "type": "group",
            "z": "t1",
            "name": "Grp",
            "nodes": ["p"],
            "env": [{"name": "V", "type": "str", "value": "group"}],
        },
        node(
            "p",
            "t-env",
            g="grp",
            names=["V", "T", "G", "FE_TEST_PROC", "NR_GROUP_NAME", "NR_FLOW_NAME", "$parent.V"],
            wires=[["h1"]],
        ),
        node("q", "t-env", names=["V"], wires=[["h1"]]),
        node("h1", "helper"),
    ]
    h = run(flow, env={"FE_TEST_PROC": "process"})
    h.inject("p", {})
    h.inject("q", {})
    a, b = h.wait_for("h1", 2)
    assert a["env"] == {
        "V": "group",
        "T": "tab-only",
        "G": "global-only",
        "FE_TEST_PROC": "process",
        "NR_GROUP_NAME": "Grp",
        "NR_FLOW_NAME": "T",
        "$parent.V": "tab",
    }
    assert b["env"] == {"V": "tab"}


def test_whole_string_env_substitution_only(run):
    flow = [
        TAB,
        node("p", "t-env", names=[], prop="${FE_X}", wires=[["h1"]]),
        node("q", "t-env", names=[], prop="pre-${FE_X}", wires=[["h1"]]),
        node("h1", "helper"),
    ]
    h = run(flow, env={"FE_X": "hello"})
    h.inject("p", {})
    h.inject("q", {})
    a, b = h.wait_for("h1", 2)
    assert a["prop"] == "hello"
    assert b["prop"] == "pre-${FE_X}"


def test_env_typed_entries_are_evaluated(run):
    flow = [
        {
            **TAB,
            "env": [
                {"name": "N", "type": "num", "value": "1.5"},
                {"name": "B", "type": "bool", "value": "true"},
                {"name": "J", "type": "json", "value": '{"a":[1]}'},
                {"name": "E", "type": "env", "value": "FE_Y"},
            ],
        },
        node("p", "t-env", names=["N", "B", "J", "E"], wires=[["h1"]]),
        node("h1", "helper"),
    ]
    h = run(flow, env={"FE_Y": "why"})
    h.inject("p", {})
    [m] = h.wait_for("h1")
    assert m["env"] == {"N": 1.5, "B": True, "J": {"a": [1]}, "E": "why"}


def test_nested_subflow_ids(run):
    flow = [
        TAB,
        subflow(
            "inner",
            **{
                "in": [{"x": 0, "y": 0, "wires": [{"id": "e"}]}],
                "out": [{"x": 0, "y": 0, "wires": [{"id": "e", "port": 0}]}],
            },
        ),
        node("e", "t-emit", z="inner"),
        subflow(
            "outer",
            **{
                "in": [{"x": 0, "y": 0, "wires": [{"id": "i1"}]}],
                "out": [{"x": 0, "y": 0, "wires": [{"id": "i1", "port": 0}]}],
            },
        ),
        node("i1", "subflow:inner", z="outer"),
        node("top", "subflow:outer", wires=[["h1"]]),
        node("h1", "helper"),
    ]
    h = run(flow)
    assert "top-i1-e" in h.runtime.nodes
    h.inject("top", {"payload": "deep"})
    [m] = h.wait_for("h1")
    assert m["payload"] == "deep"


# Registered for every test in this module through the shared fixture's extra types.
from . import conftest as _c  # noqa: E402

_c.TYPES.append(EnvProbe)
