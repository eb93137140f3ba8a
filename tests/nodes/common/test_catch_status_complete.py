"""catch, status and complete (reference §2.5–2.7, §3.14): routing, scopes, validation."""

from __future__ import annotations

from typing import Any

import pytest

from flowengine.jsvalues import UNDEFINED
from flowengine.testing import load_error_lines

from .conftest import TAB, Runner, node


def fail(id: str = "f1", text: str = "it failed", **props: Any) -> dict[str, Any]:
    return node(id, "t-fail", text=text, **props)


# ---- catch ---------------------------------------------------------------------
def test_catch_all_receives_errors_of_its_flow(run: Runner) -> None:
    flow = [
        TAB,
        fail(),
        node("c", "catch", scope=None, uncaught=False, wires=[["out"]]),
        node("out", "helper"),
    ]
    h = run(flow)
    h.inject("f1", {"payload": 1, "_msgid": "m1"})
    [msg] = h.wait_for("out")
    assert msg["payload"] == 1 and msg["_msgid"] == "m1"
    assert msg["error"] == {
        "message": "it failed",
        "source": {"id": "f1", "type": "t-fail", "name": UNDEFINED, "count": 1},
    }
    assert h.errors() == []  # a caught error is not logged


def test_scoped_uncaught_and_group_catches(run: Runner) -> None:
    flow = [
        TAB,
        {"id": "g1", "type": "group", "z": "t1", "nodes": ["fg", "cg"], "x": 0, "y": 0},
        fail("fa", text="a"),
        fail("fb", text="b"),
        fail("fg", text="g", g="g1"),
        node("scoped", "catch", scope=["fa"], wires=[["s_out"]]),
        node("fallback", "catch", scope=None, uncaught=True, wires=[["u_out"]]),
        node("cg", "catch", scope="group", g="g1", wires=[["g_out"]]),
        node("s_out", "helper"),
        node("u_out", "helper"),
        node("g_out", "helper"),
    ]
    h = run(flow)
    for source in ("fa", "fb", "fg"):
        h.inject(source, {"payload": source})
    h.wait_for("s_out")
    h.wait_for("u_out")
    h.wait_for("g_out")
    h.wait_idle()
    assert [m["payload"] for m in h.received("s_out")] == ["fa"]
    assert [m["payload"] for m in h.received("u_out")] == ["fb"]  # only the unhandled one
    assert [m["payload"] for m in h.received("g_out")] == ["fg"]


def test_a_previous_error_moves_to_underscore_error(run: Runner) -> None:
    flow = [TAB, fail(), node("c", "catch", wires=[["out"]]), node("out", "helper")]
    h = run(flow)
    h.inject("f1", {"error": "old"})
    [msg] = h.wait_for("out")
    assert msg["_error"] == "old" and msg["error"]["message"] == "it failed"


@pytest.mark.parametrize(
    ("props", "fragment"),
    [
        ({"scope": "flow"}, 'scope: must be null (all nodes) or a list of node ids or "group"'),
        ({"scope": [1, 2]}, "scope: must be"),
        ({"uncaught": "yes"}, "uncaught: must be true or false"),
    ],
)
def test_bad_catch_options(props: dict[str, Any], fragment: str) -> None:
    lines = load_error_lines([TAB, node("c", "catch", **props)])
    assert len(lines) == 1 and fragment in lines[0], lines


# ---- status --------------------------------------------------------------------
def test_status_node_receives_status_messages(run: Runner) -> None:
    flow = [
        TAB,
        node("s1", "t-status", name="setter"),
        node("st", "status", scope=None, wires=[["out"]]),
        node("out", "helper"),
    ]
    h = run(flow)
    h.inject("s1", {"payload": 123})
    [msg] = h.wait_for("out")
    assert msg["status"] == {
        "text": "123",
        "source": {"id": "s1", "type": "t-status", "name": "setter"},
    }
    assert set(msg) == {"status", "_msgid"}


def test_status_scope_and_wired_nodes(run: Runner) -> None:
    flow = [
        TAB,
        node("a", "t-status"),
        node("b", "t-status"),
        # scoped to a and b, but wired to b: b is dropped from its scope
        node("st", "status", scope=["a", "b"], wires=[["b", "out"]]),
        node("out", "helper"),
    ]
    h = run(flow)
    h.inject("a", {"payload": "from a"})
    h.wait_for("out", 1)
    h.wait_idle()
    h.inject("b", {"payload": "from b"})
    h.wait_idle()
    assert [m["status"]["source"]["id"] for m in h.received("out")] == ["a"]
    assert h.node("st").config["scope"] == ["a"]


def test_bad_status_scope() -> None:
    lines = load_error_lines([TAB, node("st", "status", scope={"a": 1})])
    assert len(lines) == 1 and "scope: must be" in lines[0]


# ---- complete ------------------------------------------------------------------
def test_complete_receives_a_copy_of_the_finished_message(run: Runner) -> None:
    flow = [
        TAB,
        node("p", "helper", name="worker"),
        node("done", "complete", scope=["p"], wires=[["out"]]),
        node("out", "helper"),
    ]
    h = run(flow)
    sent = {"payload": {"n": 1}, "complete": "overwritten"}
    h.inject("p", sent)
    [msg] = h.wait_for("out")
    assert msg["complete"] == {"source": {"id": "p", "type": "helper", "name": "worker"}}
    assert msg["payload"] == {"n": 1} and msg is not sent


def test_complete_does_not_listen_to_nodes_it_is_wired_to(run: Runner) -> None:
    flow = [
        TAB,
        node("p", "helper"),
        node("done", "complete", scope=["p", "out"], wires=[["out"]]),
        node("out", "helper"),
    ]
    h = run(flow)
    h.inject("p", {"payload": 1})
    h.wait_for("out", 1)
    h.wait_idle()
    assert len(h.received("out")) == 1  # out's own completion did not loop back
    assert h.node("done").config["scope"] == ["p"]


def test_complete_without_scope_loads_and_hears_nothing(run: Runner) -> None:
    h = run(
        [
            TAB,
            node("p", "helper"),
            node("done", "complete", scope=None, wires=[["out"]]),
            node("out", "helper"),
        ]
    )
    h.inject("p", {"payload": 1})
    h.wait_idle()
    assert h.received("out") == []


@pytest.mark.parametrize("scope", ["group", "all", [3]])
def test_complete_needs_a_list_of_ids(scope: Any) -> None:
    lines = load_error_lines([TAB, node("done", "complete", scope=scope)])
    assert len(lines) == 1 and "scope: must be a list of node ids" in lines[0], lines
