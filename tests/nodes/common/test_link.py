"""link in / link out / link call (reference §1.10, ``60-link.js``)."""

from __future__ import annotations

from typing import Any

import pytest
from flowengine.nodes.common.link_call import js_parse_float
from flowengine.nodes.common.link_out import LinkOutNode

from flowengine.flowfile import parse_flows
from flowengine.jsvalues import UNDEFINED
from flowengine.registry import default_registry
from flowengine.testing import HelperNode, load_error_lines

from .conftest import TAB, Runner, node

TAB2 = {"id": "t2", "type": "tab", "label": "Other"}


def link_in(id: str, links: list[str] | None = None, z: str = "t1", **kw: Any) -> dict[str, Any]:
    return node(id, "link in", z=z, links=links or [], **kw)


def link_out(id: str, links: list[str] | None = None, z: str = "t1", **kw: Any) -> dict[str, Any]:
    return node(id, "link out", z=z, links=links if links is not None else [], **kw)


def link_call(id: str = "call", links: list[str] | None = None, **kw: Any) -> dict[str, Any]:
    return node(id, "link call", links=links or [], wires=[["result"]], **kw)


# ---- link out → link in --------------------------------------------------------------
def test_link_out_reaches_link_ins_named_either_way_across_tabs(run: Runner) -> None:
    flow = [
        TAB,
        TAB2,
        link_out("lo", ["in1"]),
        link_in("in1", [], wires=[["h1"]]),
        link_in("in2", ["lo"], z="t2", wires=[["h2"]]),
        node("h1", "helper"),
        node("h2", "helper", z="t2"),
    ]
    h = run(flow)
    h.inject("lo", {"payload": 1})
    [m1] = h.wait_for("h1")
    [m2] = h.wait_for("h2")
    assert m1["_event"] == "node:lo" and m2["_event"] == "node:lo"
    assert m1["payload"] == m2["payload"] == 1


def test_effective_wires_follow_node_red_parse_config() -> None:
    items = [
        TAB,
        link_in("a", ["lo"]),
        link_out("lo", ["b", "ghost", "a"]),
        link_in("b", ["lo"]),
        link_in("c", ["other"]),
        link_out("nolinks"),
    ]
    del items[-1]["links"]
    reg = default_registry().copy()
    reg.register(HelperNode)
    fs = parse_flows("<t>", items, reg)
    assert LinkOutNode.effective_wires(fs.by_id["lo"], fs) == [["a", "b"]]
    assert LinkOutNode.effective_wires(fs.by_id["nolinks"], fs) is None


def test_links_inside_a_subflow_stay_inside_each_instance(run: Runner) -> None:
    flow = [
        TAB,
        {
            "id": "sf",
            "type": "subflow",
            "name": "S",
            "in": [{"x": 0, "y": 0, "wires": [{"id": "slo"}]}],
            "out": [{"x": 0, "y": 0, "wires": [{"id": "sli", "port": 0}]}],
        },
        link_out("slo", ["sli"], z="sf"),
        link_in("sli", ["slo"], z="sf"),
        node("inst1", "subflow:sf", wires=[["h1"]]),
        node("inst2", "subflow:sf", wires=[["h2"]]),
        node("h1", "helper"),
        node("h2", "helper"),
    ]
    h = run(flow)
    h.inject("inst1", {"payload": "one"})
    [msg] = h.wait_for("h1")
    h.wait_idle()
    assert msg["payload"] == "one" and msg["_event"] == "node:inst1-slo"
    assert h.received("h2") == []


# ---- link call ------------------------------------------------------------------------
def subroutine(z: str = "t1", name: str = "", in_id: str = "sub") -> list[dict[str, Any]]:
    """link in → helper (records the message as seen inside) → link out (return)."""
    return [
        link_in(in_id, z=z, name=name, wires=[[f"{in_id}-inside"]]),
        node(f"{in_id}-inside", "helper", z=z, wires=[[f"{in_id}-ret"]]),
        link_out(f"{in_id}-ret", z=z, mode="return"),
    ]


def test_static_call_and_return(run: Runner) -> None:
    flow = [TAB, link_call(links=["sub"]), *subroutine(), node("result", "helper")]
    h = run(flow)
    h.inject("call", {"payload": 5, "_msgid": "m1"})
    [inside] = h.wait_for("sub-inside")
    [result] = h.wait_for("result")
    assert result["payload"] == 5 and result["_msgid"] == "m1"
    assert "_linkSource" not in result  # an emptied stack is removed
    assert result["_event"] == "node:sub-ret"
    assert inside is result  # the same message object went round


def test_nested_calls_unwind_in_order(run: Runner) -> None:
    flow = [
        TAB,
        link_call("call", links=["outer"]),
        link_in("outer", wires=[["inner-call"]]),
        node("inner-call", "link call", links=["sub"], wires=[["outer-ret"]]),
        link_out("outer-ret", mode="return"),
        *subroutine(),
        node("result", "helper"),
    ]
    h = run(flow)
    h.inject("call", {"payload": "deep"})
    [result] = h.wait_for("result")
    assert result["payload"] == "deep" and "_linkSource" not in result


def test_link_source_entry_shape(run: Runner) -> None:
    flow = [
        TAB,
        link_call(links=["sub"]),
        link_in("sub", wires=[["hold"]]),
        node("hold", "t-swallow"),
        node("result", "helper"),
    ]
    h = run(flow)
    msg: dict[str, Any] = {"payload": 1}
    h.inject("call", msg)
    h.wait_idle()
    [entry] = msg["_linkSource"]
    assert set(entry) == {"id", "node"} and entry["node"] == "call"
    assert len(entry["id"]) == 28 and int(entry["id"], 16) >= 0


def test_dynamic_targets_by_id_and_name(run: Runner) -> None:
    flow = [
        TAB,
        TAB2,
        link_call(linkType="dynamic"),
        *subroutine(name="Local"),
        *subroutine(z="t2", name="Remote", in_id="far"),
        node("result", "helper"),
    ]
    h = run(flow)
    for target in ("sub", "Local", "Remote", "far"):
        h.inject("call", {"payload": target, "target": target})
    results = h.wait_for("result", 4)
    assert sorted(m["payload"] for m in results) == ["Local", "Remote", "far", "sub"]
    assert len(h.received("far-inside")) == 2


def test_dynamic_names_prefer_the_callers_flow_then_must_be_unique(run: Runner) -> None:
    flow = [
        TAB,
        TAB2,
        {"id": "t3", "type": "tab", "label": "Third"},
        link_call(linkType="dynamic"),
        *subroutine(name="Twice"),
        *subroutine(z="t2", name="Twice", in_id="far"),
        *subroutine(z="t2", name="Dup", in_id="d1"),
        *subroutine(z="t3", name="Dup", in_id="d2"),
        node("result", "helper"),
        node("c", "catch", wires=[["caught"]]),
        node("caught", "helper"),
    ]
    h = run(flow)
    h.inject("call", {"target": "Twice"})
    h.wait_for("result")
    assert len(h.received("sub-inside")) == 1 and h.received("far-inside") == []
    h.inject("call", {"target": "Dup"})
    h.inject("call", {"target": "Nowhere"})
    h.inject("call", {})
    errors = h.wait_for("caught", 3)
    assert [e["error"]["message"] for e in errors] == [
        "Error: Multiple link-in nodes named 'Dup' found",
        "Error: target link-in node 'Nowhere' not found",
        "Error: target link-in node '' not found",
    ]
    assert errors[0]["error"]["source"] == {
        "id": "call",
        "type": "link call",
        "name": UNDEFINED,
        "count": 1,
    }


def test_a_static_target_that_is_not_a_link_in(run: Runner) -> None:
    flow = [
        TAB,
        link_call(links=["result"]),
        node("result", "helper"),
        node("c", "catch", wires=[["caught"]]),
        node("caught", "helper"),
    ]
    h = run(flow)
    h.inject("call", {"payload": 1})
    [err] = h.wait_for("caught")
    assert err["error"]["message"] == "Error: target link-in node 'result' not found"


def test_timeout_reports_the_message_as_called(run: Runner) -> None:
    flow = [
        TAB,
        link_call(links=["sub"], timeout="0.05"),
        link_in("sub", wires=[["hold"]]),
        node("hold", "t-swallow"),
        node("result", "helper"),
        node("c", "catch", wires=[["caught"]]),
        node("caught", "helper"),
        node("done", "complete", scope=["call"], wires=[["completed"]]),
        node("completed", "helper"),
    ]
    h = run(flow)
    h.inject("call", {"payload": "slow", "_msgid": "m1"})
    [err] = h.wait_for("caught", 1, timeout=10)
    assert err["error"]["message"] == "timeout"
    assert err["payload"] == "slow" and err["_msgid"] == "m1"
    assert err["_linkSource"] == []  # copied before the call pushed its entry
    h.wait_idle()
    assert h.received("result") == [] and h.received("completed") == []


def test_a_late_return_is_still_sent_on(run: Runner) -> None:
    h = run([TAB, link_call(links=["sub"]), link_in("sub"), node("result", "helper")])
    call = h.node("call")
    h.call(lambda: call.return_link_message("unknown-id", {"payload": "late", "_linkSource": []}))  # type: ignore[attr-defined]
    [msg] = h.wait_for("result")
    assert msg["payload"] == "late" and "_linkSource" not in msg


def test_completion_of_a_call_follows_the_return(run: Runner) -> None:
    flow = [
        TAB,
        link_call(links=["sub"]),
        *subroutine(),
        node("result", "helper"),
        node("done", "complete", scope=["call"], wires=[["completed"]]),
        node("completed", "helper"),
    ]
    h = run(flow)
    h.inject("call", {"payload": 1})
    [done] = h.wait_for("completed")
    assert done["complete"]["source"]["id"] == "call"


def test_a_return_without_a_caller_warns(run: Runner) -> None:
    h = run([TAB, link_out("ret", mode="return")])
    h.inject("ret", {"payload": 1})
    h.inject("ret", {"payload": 1, "_linkSource": [{"id": "x", "node": "nobody"}]})
    h.wait_until(lambda: len(h.warnings()) == 2, 10, "two warnings")
    assert h.warnings() == ["Missing return node information"] * 2


# ---- options ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        (node("call", "link call", links=[]), "links: link undefined"),
        (node("call", "link call", links=["x"], linkType="sometimes"), "linkType: must be"),
        (node("call", "link call", links=["x"], timeout="soon"), "timeout: must be a number"),
        (node("call", "link call", links=[3]), "links: must be a list"),
        (node("lo", "link out", links=[], mode="both"), "mode: must be"),
        (node("lo", "link out", links="x"), "links: must be a list"),
        (node("li", "link in", links={"a": 1}), "links: must be a list"),
    ],
)
def test_bad_link_options(item: dict[str, Any], fragment: str) -> None:
    lines = load_error_lines([TAB, item])
    assert len(lines) == 1 and fragment in lines[0], lines


def test_dynamic_calls_need_no_links_and_timeouts_parse_like_parse_float(run: Runner) -> None:
    assert load_error_lines([TAB, node("call", "link call", linkType="dynamic")]) == []
    h = run(
        [
            TAB,
            node("a", "link call", links=["x"], timeout="12.5s"),
            node("b", "link call", links=["x"], timeout=0),
            node("x", "link in"),
        ]
    )
    assert h.node("a").timeout == 12.5  # type: ignore[attr-defined]
    assert h.node("b").timeout == 30  # type: ignore[attr-defined]
    assert js_parse_float(" -1e2x") == -100 and js_parse_float("Infinity") == float("inf")
