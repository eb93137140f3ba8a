"""debug (reference §3.2, ``21-debug.js``): sidebar, console, status, options."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from flowengine.jsvalues import UNDEFINED
from flowengine.testing import load_error_lines

from .conftest import TAB, Runner, node


def debug(id: str = "d1", **props: Any) -> dict[str, Any]:
    base = {"active": True, "tosidebar": True, "console": False, "tostatus": False}
    return node(id, "debug", **{**base, **props})


def infos(h: Any) -> list[str]:
    return [text for _, level, text in h.logs if level == logging.INFO]


# ---- sidebar -------------------------------------------------------------------
def test_payload_by_default(run: Runner) -> None:
    h = run([TAB, debug(name="D", complete="false")])
    h.inject("d1", {"payload": "hello", "topic": "t"})
    [sidebar] = run.wait_sidebar(h, 1)
    assert sidebar == {
        "id": "d1",
        "z": "t1",
        "path": "t1",
        "name": "D",
        "topic": "t",
        "property": "payload",
        "msg": "hello",
        "format": "string[5]",
    }
    assert list(sidebar) == ["id", "z", "path", "name", "topic", "property", "msg", "format"]
    assert h.debug == [("d1", "hello")]


def test_missing_complete_and_name_and_topic(run: Runner) -> None:
    h = run([TAB, debug()])
    h.inject("d1", {"payload": 40})
    [sidebar] = run.wait_sidebar(h, 1)
    assert sidebar == {
        "id": "d1",
        "z": "t1",
        "path": "t1",
        "property": "payload",
        "msg": "40",
        "format": "number",
    }


def test_whole_message(run: Runner) -> None:
    h = run([TAB, debug(complete="true", targetType="full", name="")])
    sent = {"payload": {"a": 1}, "topic": "tp", "_msgid": "abc"}
    h.inject("d1", sent)
    [sidebar] = run.wait_sidebar(h, 1)
    assert "property" not in sidebar and sidebar["name"] == ""
    assert sidebar["msg"] == '{"payload":{"a":1},"topic":"tp","_msgid":"abc"}'
    assert sidebar["format"] == "Object"
    assert h.debug == [("d1", sent)]


def test_a_property_path_that_fails_shows_undefined(run: Runner) -> None:
    h = run([TAB, debug(complete="payload.a.b")])
    h.inject("d1", {"payload": {"a": {"b": [1, 2]}}})
    h.inject("d1", {"payload": 1})
    first, second = run.wait_sidebar(h, 2)
    assert first["property"] == "payload.a.b" and first["msg"] == "[1,2]"
    assert first["format"] == "array[2]"
    assert second["msg"] == "(undefined)" and second["format"] == "undefined"
    assert h.debug[1] == ("d1", UNDEFINED)


def test_jsonata_output(run: Runner) -> None:
    h = run([TAB, debug(complete="payload.a * 2", targetType="jsonata", name="J")])
    h.inject("d1", {"payload": {"a": 21}, "topic": "x"})
    [sidebar] = run.wait_sidebar(h, 1)
    assert sidebar == {
        "id": "d1",
        "z": "t1",
        "path": "t1",
        "name": "J",
        "topic": "x",
        "msg": "42",
        "format": "number",
    }


def test_a_failing_jsonata_expression_is_logged_not_caught(run: Runner) -> None:
    flow = [
        TAB,
        debug(complete="$error('x')", targetType="jsonata"),
        node("c", "catch", wires=[["caught"]]),
        node("caught", "helper"),
        node("done", "complete", scope=["d1"], wires=[["completed"]]),
        node("completed", "helper"),
    ]
    h = run(flow)
    h.inject("d1", {"payload": 1})
    h.wait_until(lambda: bool(h.errors()), 10, "an error")
    h.wait_idle()
    assert h.errors() == ["Invalid JSONata expression: $error('x')"]
    assert h.received("caught") == [] and h.received("completed") == []
    assert run.sidebar == []


def test_inactive_node_only_logs(run: Runner) -> None:
    h = run([TAB, debug(active=False, console=True)])
    h.inject("d1", {"payload": "x"})
    h.wait_until(lambda: bool(infos(h)), 10, "a log line")
    h.wait_idle()
    assert run.sidebar == [] and h.debug == []
    assert infos(h) == ["x"]


def test_sidebar_off(run: Runner) -> None:
    h = run([TAB, debug(tosidebar=False, console=True)])
    h.inject("d1", {"payload": "x"})
    h.wait_until(lambda: bool(infos(h)), 10, "a log line")
    assert run.sidebar == []


def test_max_length_setting(run: Runner) -> None:
    h = run([TAB, debug()], settings={"debugMaxLength": 5})
    h.inject("d1", {"payload": "abcdefgh"})
    [sidebar] = run.wait_sidebar(h, 1)
    assert sidebar["msg"] == "abcde..." and sidebar["format"] == "string[8]"


def test_inside_a_subflow_the_sidebar_names_alias_and_path(run: Runner) -> None:
    flow = [
        TAB,
        {
            "id": "sf",
            "type": "subflow",
            "name": "S",
            "in": [{"x": 0, "y": 0, "wires": [{"id": "dd"}]}],
            "out": [],
        },
        node("dd", "debug", z="sf", active=True, tosidebar=True, complete="payload"),
        node("inst", "subflow:sf"),
    ]
    h = run(flow)
    h.inject("inst", {"payload": 1})
    [sidebar] = run.wait_sidebar(h, 1)
    assert sidebar["id"] == "inst-dd" and sidebar["z"] == "inst"
    assert sidebar["_alias"] == "dd" and sidebar["path"] == "t1/inst"
    assert list(sidebar)[:4] == ["id", "z", "_alias", "path"]


# ---- console -------------------------------------------------------------------
def test_console_lines(run: Runner) -> None:
    h = run([TAB, debug(console=True, tosidebar=False)])
    for payload in ["one line", "two\nlines", 42, None, {"a": [1, "x"]}, b"\x01", True]:
        h.inject("d1", {"payload": payload})
    h.inject("d1", {"other": 1})
    h.wait_until(lambda: len(infos(h)) == 8, 10, "8 log lines")
    assert infos(h) == [
        "one line",
        "\ntwo\nlines",
        "42",
        "\nnull",
        "\n{ a: [ 1, 'x' ] }",
        "\n<Buffer 01>",
        "true",
        "undefined",
    ]


def test_console_whole_message_uses_depth_10(run: Runner) -> None:
    h = run([TAB, debug(console=True, complete="true", tosidebar=False)])
    h.inject("d1", {"_msgid": "m1", "payload": {"a": {"b": {"c": {"d": {"e": 1}}}}}})
    h.wait_until(lambda: bool(infos(h)), 10, "a log line")
    assert infos(h) == [
        "\n{\n  _msgid: 'm1',\n  payload: {\n    a: {\n      b: { c: { d: { e: 1 } } }\n"
        "    }\n  }\n}"
    ]


# ---- status --------------------------------------------------------------------
def test_startup_statuses(run: Runner) -> None:
    h = run([TAB, debug("a", tostatus=True), debug("b", statusType="counter"), debug("c")])
    h.wait_idle()
    assert h.statuses["a"] == [
        {"fill": "grey", "shape": "ring"},
        {"fill": "", "shape": "", "text": ""},
    ]
    assert h.statuses["b"] == [{"fill": "blue", "shape": "ring", "text": "0"}]
    assert "c" not in h.statuses


def test_auto_status_text_and_truncation(run: Runner) -> None:
    h = run([TAB, debug(tostatus=True, tosidebar=False)])
    for payload in ["short", "short", {"key": "a value that is long enough to be cut"}, 7]:
        h.inject("d1", {"payload": payload})
    h.wait_until(lambda: len(h.statuses["d1"]) == 5, 10, "statuses")
    h.wait_idle()
    assert h.statuses["d1"][2:] == [
        {"fill": "grey", "shape": "dot", "text": "short"},  # the repeat was not re-emitted
        {"fill": "grey", "shape": "dot", "text": "{ key: 'a value that is long eno..."},
        {"fill": "grey", "shape": "dot", "text": "7"},
    ]


def test_auto_status_special_cases(run: Runner) -> None:
    h = run([TAB, debug(tostatus=True, tosidebar=False)])
    h.inject("d1", {"payload": {"fill": "red", "shape": "ring", "text": "from payload"}})
    h.inject("d1", {"payload": 1, "error": {"message": "it broke"}})
    h.inject("d1", {"payload": 1, "status": {"fill": "green", "text": "fine"}})
    h.inject("d1", {"payload": 1, "status": {}})
    h.wait_until(lambda: len(h.statuses["d1"]) == 6, 10, "statuses")
    assert h.statuses["d1"][2:] == [
        {"fill": "red", "shape": "ring", "text": "from payload"},
        {"fill": "red", "shape": "dot", "text": "it broke"},
        {"fill": "green", "shape": "ring", "text": "fine"},
        {"fill": "grey", "shape": "ring", "text": ""},
    ]


def test_whole_message_mode_shows_the_payload_in_status(run: Runner) -> None:
    h = run([TAB, debug(tostatus=True, complete="true", tosidebar=False)])
    h.inject("d1", {"payload": "p", "topic": "t"})
    h.wait_until(lambda: len(h.statuses["d1"]) == 3, 10, "statuses")
    assert h.statuses["d1"][2]["text"] == "p"


def test_status_from_a_property_and_from_jsonata(run: Runner) -> None:
    flow = [
        TAB,
        debug("a", tostatus=True, statusType="msg", statusVal="topic", tosidebar=False),
        debug(
            "b",
            tostatus=True,
            statusType="jsonata",
            statusVal="$string(payload * 2)",
            tosidebar=False,
        ),
        debug(
            "c",
            tostatus=True,
            statusType="msg",
            statusVal="",
            complete="payload.x",
            tosidebar=False,
        ),
    ]
    h = run(flow)
    for target in ("a", "b", "c"):
        h.inject(target, {"payload": 21, "topic": "tp"})
    h.wait_until(lambda: all(len(h.statuses[n]) == 3 for n in "abc"), 10, "statuses")
    assert h.statuses["a"][2]["text"] == "tp"
    assert h.statuses["b"][2]["text"] == "42"
    assert h.statuses["c"][2]["text"] == "undefined"  # statusVal defaults to the output property


def test_counter_status(run: Runner) -> None:
    h = run([TAB, debug(tostatus=True, statusType="counter", tosidebar=False)])
    for _ in range(3):
        h.inject("d1", {"payload": 1})
    h.wait_until(
        lambda: h.statuses["d1"][-1] == {"fill": "blue", "shape": "ring", "text": "3"},
        10,
        "counter reaching 3",
    )
    assert h.statuses["d1"][:2] == [
        {"fill": "grey", "shape": "ring"},
        {"fill": "blue", "shape": "ring", "text": "0"},
    ]
    assert all(s["fill"] == "blue" and s["shape"] == "ring" for s in h.statuses["d1"][1:])


def test_a_debug_node_ignores_its_own_status_coming_back(run: Runner) -> None:
    flow = [
        TAB,
        debug(tostatus=True, tosidebar=True),
        node("s", "status", scope=None, wires=[["d1"]]),
        node("setter", "t-status"),
    ]
    h = run(flow)
    h.inject("d1", {"payload": "first"})
    h.inject("setter", {"payload": "from setter"})
    run.wait_sidebar(h, 2)
    h.wait_idle()
    # d1's own status went to the status node and back into d1, which dropped it;
    # the setter's status arrived as msg.status (no payload) and auto mode shows it.
    assert [s["format"] for s in run.sidebar] == ["string[5]", "undefined"]
    assert h.statuses["d1"][-1] == {"fill": "grey", "shape": "ring", "text": "from setter"}
    assert [s["text"] for s in h.statuses["d1"][2:]] == ["first", "from setter"]


def test_close_clears_the_status(run: Runner) -> None:
    h = run([TAB, debug(tostatus=True)])
    h.inject("d1", {"payload": "x"})
    h.wait_until(lambda: len(h.statuses["d1"]) == 3, 10, "statuses")
    h.stop()
    assert h.statuses["d1"][-1] == {}


# ---- options --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("props", "fragment"),
    [
        ({"targetType": "env"}, "targetType: unsupported output type 'env'"),
        ({"statusType": "bar"}, "statusType: unsupported status type 'bar'"),
        ({"complete": "$x(", "targetType": "jsonata"}, "complete: Invalid JSONata expression"),
        ({"statusType": "jsonata", "statusVal": "$x("}, "statusVal: Invalid JSONata expression"),
        ({"complete": "a..b"}, "complete: Invalid property expression"),
        ({"statusType": "msg", "statusVal": "a..b"}, "statusVal: Invalid property expression"),
        ({"active": "yes"}, "active: must be true or false"),
        ({"tostatus": 1}, "tostatus: must be true or false"),
        ({"console": "maybe"}, "console: must be true or false"),
        ({"complete": 5}, "complete: must be a property name"),
    ],
)
def test_bad_options_are_refused_at_load(props: dict[str, Any], fragment: str) -> None:
    lines = load_error_lines([TAB, debug(**props)])
    assert len(lines) == 1 and fragment in lines[0], lines


def test_accepted_spellings_load() -> None:
    flow = [
        TAB,
        debug("a", console="true", complete=True, active=None, tosidebar=None),
        debug("b", complete="", statusType="", statusVal=""),
        debug("c", complete="payload[msg.topic]"),
    ]
    assert load_error_lines(flow) == []
