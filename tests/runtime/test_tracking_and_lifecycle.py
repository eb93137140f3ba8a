"""Completion tracking, context, graceful shutdown."""

from __future__ import annotations

import pytest

from flowengine.context import ContextStores, parse_context_key
from flowengine.jsvalues import UNDEFINED

from .conftest import TAB, node


def _fire(h, payload):
    src = h.node("src")
    h.call(lambda: src.fire(payload))


def test_tracker_fires_after_every_branch_is_done(run):
    h = run(
        [
            TAB,
            node("src", "t-source", wires=[["a", "slow"]]),
            node("a", "t-emit", wires=[["h1", "h2"]]),
            node("slow", "t-sleep", seconds=0.05, wires=[["h3"]]),
            node("h1", "helper"),
            node("h2", "helper"),
            node("h3", "helper"),
        ]
    )
    src = h.node("src")
    _fire(h, 1)
    h.wait_for("h3")
    h.wait_until(lambda: src.completed, 10, "completion")
    assert src.completed == [(1, [])]
    # Everything downstream had the message before completion was reported.
    assert len(h.received("h1")) == 1 and len(h.received("h2")) == 1


def test_tracker_reports_errors(run):
    h = run(
        [
            TAB,
            node("src", "t-source", wires=[["f", "h1"]]),
            node("f", "t-fail", text="nope"),
            node("h1", "helper"),
        ]
    )
    src = h.node("src")
    _fire(h, 1)
    h.wait_until(lambda: src.completed, 10, "completion")
    assert src.completed == [(1, ["nope"])]


def test_tracker_with_no_wires_completes_at_once(run):
    h = run([TAB, node("src", "t-source")])
    src = h.node("src")
    _fire(h, 7)
    h.wait_until(lambda: src.completed, 10, "completion")
    assert src.completed == [(7, [])]


def test_tracker_follows_loops_until_the_end(run):
    h = run(
        [
            TAB,
            node("src", "t-source", wires=[["c"]]),
            node("c", "t-counter", limit=1000, wires=[["c"], ["h1"]]),
            node("h1", "helper"),
        ]
    )
    src = h.node("src")
    _fire(h, 0)
    h.wait_for("h1")
    h.wait_until(lambda: src.completed, 10, "completion")
    assert src.completed == [(0, [])]


def test_context_scopes():
    stores = ContextStores()
    n1 = stores.node("n1", "f1")
    n1.set("a", 1)
    n1.flow.set("shared.x", [1, 2])
    n1.global_.set("g", "G")
    n2 = stores.node("n2", "f1")
    assert n2.get("a") is UNDEFINED
    assert n2.flow.get("shared.x[1]") == 2
    assert n2.global_.get("g") == "G"
    sub = stores.flow("inst", "f1")
    assert sub.get("$parent.shared") == {"x": [1, 2]}
    sub.set("$parent.y", 3)
    assert stores.flow("f1").get("y") == 3
    assert sorted(stores.flow("f1").keys()) == ["shared", "y"]


def test_context_stores_references_like_memory_store():
    stores = ContextStores()
    value = {"a": 1}
    ctx = stores.flow("f")
    ctx.set("v", value)
    assert ctx.get("v") is value


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("a.b", (None, "a.b")),
        ("#:(file)::a", ("file", "a")),
        ("#:(memory)::x.y", ("memory", "x.y")),
    ],
)
def test_parse_context_key(key, expected):
    assert parse_context_key(key) == expected


def test_graceful_stop_lets_in_flight_messages_finish(run):
    h = run([TAB, node("s", "t-sleep", seconds=0.2, wires=[["h1"]]), node("h1", "helper")])
    h.inject("s", {"payload": 1})
    h.wait_until(lambda: bool(h.runtime._tasks), 10, "the async handler to start")
    h.stop()
    assert len(h.received("h1")) == 1


def test_close_timeout_is_reported_not_hung(run):
    h = run(
        [TAB, node("slow", "t-slowclose", seconds=30)],
        settings={"nodeCloseTimeout": 200},
    )
    h.stop()
    assert "Error stopping node: Close timed out" in h.errors()
