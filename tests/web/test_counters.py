"""Per-node message counters (``Runtime.message_counts``): in, out and errors.

A hop bumps one integer on the sending side; a node's input count is derived from what
its senders sent on the wires to it, plus direct deliveries (inject route, link call)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowengine.message import Message
from flowengine.node import Delivery, Node
from flowengine.testing import FlowTestHelper


class Fork(Node):
    """Test node: output 0 gets the message, output 1 two copies, output 2 nothing."""

    type = "test-fork"

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        send([msg, [{"payload": 1}, {"payload": 2}], None])
        done()


class Failing(Node):
    type = "test-failing"

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        done("broken")


def _node(node_id: str, node_type: str, wires: list[list[str]], **props: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "z": "t", "x": 0, "y": 0, "wires": wires, **props}


def test_counts_follow_wires_fan_out_and_list_sends() -> None:
    flow = [
        {"id": "t", "type": "tab", "label": "counts"},
        _node("src", "junction", [["fork", "h0"]]),
        _node("fork", "test-fork", [["h1"], ["h2", "h3"], ["h4"]]),
        _node("h0", "helper", []),
        _node("h1", "helper", []),
        _node("h2", "helper", []),
        _node("h3", "helper", []),
        _node("h4", "helper", []),
    ]
    with FlowTestHelper(flow, extra_types=[Fork]) as h:
        for i in range(3):
            h.inject("src", {"payload": i})
        h.wait_for("h3", 6, timeout=10)
        h.wait_idle()
        counts = h.runtime.message_counts()
    assert counts["src"] == (3, 3, 0)  # 3 in (receive), 3 sends (each to 2 wires)
    assert counts["fork"] == (3, 9, 0)  # 3 on output 0 + 6 on output 1
    assert counts["h0"][0] == 3
    assert counts["h1"][0] == 3
    assert counts["h2"][0] == 6 and counts["h3"][0] == 6
    assert counts["h4"][0] == 0


def test_errors_are_counted() -> None:
    flow = [
        {"id": "t", "type": "tab", "label": "errors"},
        _node("bad", "test-failing", []),
    ]
    with FlowTestHelper(flow, extra_types=[Failing]) as h:
        h.inject("bad", {"payload": 1})
        h.inject("bad", {"payload": 2})
        h.wait_until(lambda: len(h.errors()) == 2, timeout=10)
        assert h.runtime.message_counts()["bad"] == (2, 0, 2)


def test_link_call_counts_as_a_direct_delivery() -> None:
    flow = [
        {"id": "t", "type": "tab", "label": "link"},
        _node("call", "link call", [["after"]], links=["in"], linkType="static", timeout="5"),
        _node("in", "link in", [["ret"]], links=[]),
        _node("ret", "link out", [], mode="return", links=[]),
        _node("after", "helper", []),
    ]
    with FlowTestHelper(flow) as h:
        h.inject("call", {"payload": "x"})
        h.wait_for("after", 1, timeout=10)
        counts = h.runtime.message_counts()
    assert counts["in"][0] == 1
    assert counts["after"][0] == 1
    assert counts["call"][1] == 1
