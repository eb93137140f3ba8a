"""Errors → catch, status → status, done() → complete (reference §2.4–2.7)."""

from __future__ import annotations

from flowengine.jsvalues import UNDEFINED

from .conftest import TAB, node


def test_done_err_goes_to_catch_with_error_shape(run):
    h = run(
        [
            TAB,
            node("f", "t-fail", name="failer", text="bad thing"),
            node("c", "catch", scope=None, wires=[["h1"]]),
            node("h1", "helper"),
        ]
    )
    h.inject("f", {"payload": 1, "topic": "t"})
    [m] = h.wait_for("h1")
    assert m["payload"] == 1 and m["topic"] == "t"
    assert m["error"] == {
        "message": "bad thing",
        "source": {"id": "f", "type": "t-fail", "name": "failer", "count": 1},
    }
    assert h.errors() == []  # caught errors are not logged


def test_thrown_exception_message_has_error_prefix(run):
    h = run(
        [
            TAB,
            node("f", "t-fail", how="raise"),
            node("g", "t-fail", how="jserror"),
            node("c", "catch", wires=[["h1"]]),
            node("h1", "helper"),
        ]
    )
    h.inject("f", {"payload": 1})
    h.inject("g", {"payload": 2})
    a, b = h.wait_for("h1", 2)
    assert a["error"]["message"] == "Error: kaboom"
    assert b["error"]["message"] == "Error: kaboom"
    assert a["error"]["source"]["name"] is UNDEFINED  # no name property: undefined, as in JS


def test_previous_error_moves_to__error(run):
    h = run(
        [
            TAB,
            node("f", "t-fail", text="second"),
            node("c", "catch", wires=[["h1"]]),
            node("h1", "helper"),
        ]
    )
    h.inject("f", {"payload": 1, "error": {"message": "first"}})
    [m] = h.wait_for("h1")
    assert m["_error"] == {"message": "first"}
    assert m["error"]["message"] == "second"


def test_uncaught_error_is_logged(run):
    h = run([TAB, node("f", "t-fail", text="nobody listens")])
    h.inject("f", {"payload": 1})
    h.wait_until(lambda: h.errors(), 10, "an error log")
    assert h.errors() == ["nobody listens"]


def test_scoped_catch_and_uncaught_catch(run):
    h = run(
        [
            TAB,
            node("f1", "t-fail", text="one"),
            node("f2", "t-fail", text="two"),
            node("scoped", "catch", scope=["f1"], wires=[["h_scoped"]]),
            node("fallback", "catch", scope=None, uncaught=True, wires=[["h_uncaught"]]),
            node("h_scoped", "helper"),
            node("h_uncaught", "helper"),
        ]
    )
    h.inject("f1", {"payload": 1})
    h.inject("f2", {"payload": 2})
    [m] = h.wait_for("h_scoped")
    [u] = h.wait_for("h_uncaught")
    h.wait_idle()
    assert m["error"]["message"] == "one"
    assert u["error"]["message"] == "two"
    assert len(h.received("h_uncaught")) == 1


def test_catch_only_sees_its_own_tab(run):
    h = run(
        [
            TAB,
            {"id": "t2", "type": "tab", "label": "other"},
            node("f", "t-fail", text="here"),
            node("c2", "catch", z="t2", wires=[["h2"]]),
            node("h2", "helper", z="t2"),
        ]
    )
    h.inject("f", {"payload": 1})
    h.wait_until(lambda: h.errors(), 10, "an error log")
    assert h.received("h2") == []


def test_group_scoped_catch(run):
    h = run(
        [
            TAB,
            {"id": "grp", "type": "group", "z": "t1", "nodes": ["f_in", "c_grp"]},
            node("f_in", "t-fail", g="grp", text="inside"),
            node("f_out", "t-fail", text="outside"),
            node("c_grp", "catch", g="grp", scope="group", wires=[["h1"]]),
            node("h1", "helper"),
        ]
    )
    h.inject("f_in", {"payload": 1})
    h.inject("f_out", {"payload": 2})
    [m] = h.wait_for("h1")
    h.wait_until(lambda: h.errors(), 10, "the outside error logged")
    assert m["error"]["message"] == "inside"
    assert h.errors() == ["outside"]


def test_catch_loop_protection(run):
    # A catch wired back into the failing node: stops at the 10th catch.
    h = run(
        [
            TAB,
            node("f", "t-fail", text="loop"),
            node("c", "catch", wires=[["f"]]),
        ]
    )
    h.inject("f", {"payload": 1})
    h.wait_until(lambda: h.warnings(), 10, "the loop warning")
    assert h.warnings() == ["Message exceeded maximum number of catches"]


def test_status_reaches_status_node(run):
    h = run(
        [
            TAB,
            node("s", "t-status", name="setter"),
            node("st", "status", scope=None, wires=[["h1"]]),
            node("h1", "helper"),
        ]
    )
    h.inject("s", {"payload": {"fill": "red", "shape": "dot", "text": 123}})
    [m] = h.wait_for("h1")
    assert m["status"] == {
        "fill": "red",
        "shape": "dot",
        "text": "123",
        "source": {"id": "s", "type": "t-status", "name": "setter"},
    }
    assert set(m) == {"status", "_msgid"}
    assert h.statuses["s"] == [{"fill": "red", "shape": "dot", "text": "123"}]


def test_scalar_status_becomes_text(run):
    h = run([TAB, node("s", "t-status")])
    h.inject("s", {"payload": 42})
    h.wait_until(lambda: "s" in h.statuses, 10, "a status")
    assert h.statuses["s"] == [{"text": "42"}]


def test_complete_node_gets_clone_with_complete_property(run):
    h = run(
        [
            TAB,
            node("a", "t-emit", wires=[["h0"]]),
            node("cmp", "complete", scope=["a"], wires=[["h1"]]),
            node("h0", "helper"),
            node("h1", "helper"),
        ]
    )
    sent = {"payload": 5}
    h.inject("a", sent)
    [m] = h.wait_for("h1")
    assert m is not sent
    assert m["payload"] == 5
    assert m["complete"] == {"source": {"id": "a", "type": "t-emit", "name": UNDEFINED}}


def test_complete_does_not_fire_on_error(run):
    h = run(
        [
            TAB,
            node("f", "t-fail"),
            node("cmp", "complete", scope=["f"], wires=[["h1"]]),
            node("c", "catch", wires=[["h2"]]),
            node("h1", "helper"),
            node("h2", "helper"),
        ]
    )
    h.inject("f", {"payload": 1})
    h.wait_for("h2")
    h.wait_idle()
    assert h.received("h1") == []
