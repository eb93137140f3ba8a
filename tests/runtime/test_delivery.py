"""Message delivery: send() shapes, cloning, ids, ordering (reference §2.1–2.3)."""

from __future__ import annotations

from .conftest import TAB, node


def test_first_recipient_gets_original_others_clones(run):
    h = run(
        [TAB, node("a", "t-emit", wires=[["h1", "h2"]]), node("h1", "helper"), node("h2", "helper")]
    )
    obj = {"deep": [1, 2]}
    sent = {"payload": obj}
    h.inject("a", sent)
    [m1] = h.wait_for("h1")
    [m2] = h.wait_for("h2")
    assert m1 is sent
    assert m2 is not sent and m2 == sent
    assert m2["payload"]["deep"] is not obj["deep"]


def test_same_message_on_two_outputs_is_cloned_for_the_second(run):
    h = run(
        [
            TAB,
            node("a", "t-emit", shape="pair", wires=[["h1"], ["h2"]]),
            node("h1", "helper"),
            node("h2", "helper"),
        ]
    )
    sent = {"payload": 1}
    h.inject("a", sent)
    assert h.wait_for("h1")[0] is sent
    assert h.wait_for("h2")[0] is not sent


def test_array_on_one_output_shares_the_first_existing_id(run):
    h = run([TAB, node("a", "t-emit", shape="array", wires=[["h1"]]), node("h1", "helper")])
    h.inject("a", {"payload": "first", "_msgid": "abc"})
    first, second = h.wait_for("h1", 2)
    assert first["_msgid"] == "abc" and second["_msgid"] == "abc"
    assert second["payload"] == "second"


def test_none_output_is_skipped_and_extra_outputs_ignored(run):
    h = run(
        [
            TAB,
            node("a", "t-emit", shape="skip-first", wires=[["h1"], ["h2"]]),
            node("b", "t-emit", shape="beyond", wires=[["h3"]]),
            node("h1", "helper"),
            node("h2", "helper"),
            node("h3", "helper"),
        ]
    )
    h.inject("a", {"payload": 1})
    h.inject("b", {"payload": 2})
    h.wait_for("h2")
    h.wait_for("h3")
    h.wait_idle()
    assert h.received("h1") == []
    assert len(h.received("h3")) == 1


def test_sending_a_non_object_is_a_node_error(run):
    h = run([TAB, node("a", "t-emit", shape="bad", wires=[["h1"]]), node("h1", "helper")])
    h.inject("a", {"payload": 1})
    h.wait_until(lambda: h.errors(), 10, "an error")
    assert h.errors() == ["Node tried to send a message of type string"]


def test_receive_assigns_msgid(run):
    h = run([TAB, node("a", "t-emit", wires=[["h1"]]), node("h1", "helper")])
    h.inject("a", {"payload": 1})
    [m] = h.wait_for("h1")
    assert isinstance(m["_msgid"], str) and len(m["_msgid"]) == 16
    int(m["_msgid"], 16)


def test_breadth_first_delivery(run):
    # A -> [B, D], B -> D: D receives A's message before B's (Node-RED verified).
    h = run(
        [
            TAB,
            node("a", "t-emit", wires=[["b", "d"]]),
            node("b", "t-emit", wires=[["d"]]),
            node("d", "helper"),
        ]
    )
    sent = {"payload": 1}
    h.inject("a", sent)
    first, second = h.wait_for("d", 2)
    assert first is not sent  # the clone A sent on its second wire
    assert second is sent  # the original, one hop later via B


def test_fifo_per_sender_receiver_pair(run):
    h = run([TAB, node("a", "t-emit", wires=[["h1"]]), node("h1", "helper")])
    for i in range(500):
        h.inject("a", {"payload": i})
    got = h.wait_for("h1", 500)
    assert [m["payload"] for m in got] == list(range(500))


def test_long_loop_has_no_recursion_limit(run):
    h = run(
        [
            TAB,
            node("c", "t-counter", limit=50_000, wires=[["c"], ["h1"]]),
            node("h1", "helper"),
        ]
    )
    h.inject("c", {"payload": 0})
    [m] = h.wait_for("h1", 1, timeout=60)
    assert m["payload"] == 50_000


def test_bytes_in_clones_are_not_shared_mutable_buffers(run):
    h = run(
        [TAB, node("a", "t-emit", wires=[["h1", "h2"]]), node("h1", "helper"), node("h2", "helper")]
    )
    buf = bytearray(b"abc")
    h.inject("a", {"payload": buf})
    [m2] = h.wait_for("h2")
    assert m2["payload"] == buf and m2["payload"] is not buf


def test_messages_to_disabled_nodes_vanish(run):
    h = run(
        [
            TAB,
            node("a", "t-emit", wires=[["off", "h1"]]),
            node("off", "t-emit", d=True, wires=[["h2"]]),
            node("h1", "helper"),
            node("h2", "helper"),
        ]
    )
    h.inject("a", {"payload": 1})
    h.wait_for("h1")
    h.wait_idle()
    assert h.received("h2") == []
    assert "off" not in h.runtime.nodes


def test_disabled_tab_is_not_started(run):
    h = run(
        [
            TAB,
            {"id": "t2", "type": "tab", "label": "off", "disabled": True},
            node("x", "t-emit", z="t2"),
            node("h1", "helper"),
        ]
    )
    assert "x" not in h.runtime.nodes
    assert "h1" in h.runtime.nodes


def test_async_handler_results_are_delivered(run):
    h = run([TAB, node("s", "t-sleep", wires=[["h1"]]), node("h1", "helper")])
    for i in range(5):
        h.inject("s", {"payload": i})
    got = h.wait_for("h1", 5)
    assert sorted(m["payload"] for m in got) == list(range(5))
