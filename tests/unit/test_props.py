"""Property expressions (``flowengine.props``) against Node-RED 5.0.7.

The tables at the bottom were recorded by running Node-RED 5.0.7's own
``RED.util.normalisePropertyExpression`` / ``getMessageProperty`` /
``setMessageProperty`` on the same inputs. A hole JavaScript leaves in an array
(``a[2] = v`` on ``[]``) is ``UNDEFINED`` here, as it reads back in JavaScript.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from flowengine.jsvalues import UNDEFINED
from flowengine.props import (
    PropertyExpressionError,
    PropertyPath,
    compile_property,
    get_message_property,
    get_object_property,
    normalise_property_expression,
    set_message_property,
    set_object_property,
)

UNDEF = "__undefined__"

# ---- recorded from Node-RED 5.0.7 ------------------------------------------------------

NORMALISE_MSG = {"topic": "t", "b": [2, "k"], "k": 5, "a": {"t": {"c": 1}}}

# (expression, mode, expected): mode plain = no message, msg = with NORMALISE_MSG,
# str = Node-RED's toString form.
NORMALISE_CASES = [
    ("payload", "plain", ("ok", ["payload"])),
    ("payload", "msg", ("ok", ["payload"])),
    ("payload", "str", ("ok", "payload")),
    ("a.b.c", "plain", ("ok", ["a", "b", "c"])),
    ("a.b.c", "msg", ("ok", ["a", "b", "c"])),
    ("a.b.c", "str", ("ok", 'a["b"]["c"]')),
    ("a[0]", "plain", ("ok", ["a", 0])),
    ("a[0]", "msg", ("ok", ["a", 0])),
    ("a[0]", "str", ("ok", "a[0]")),
    ("a[0].b", "plain", ("ok", ["a", 0, "b"])),
    ("a[0].b", "msg", ("ok", ["a", 0, "b"])),
    ("a[0].b", "str", ("ok", 'a[0]["b"]')),
    ('a["b c"]', "plain", ("ok", ["a", "b c"])),
    ('a["b c"]', "msg", ("ok", ["a", "b c"])),
    ('a["b c"]', "str", ("ok", 'a["b c"]')),
    ("a['b']", "plain", ("ok", ["a", "b"])),
    ("a['b']", "msg", ("ok", ["a", "b"])),
    ("a['b']", "str", ("ok", 'a["b"]')),
    ('a["b"]["c"]', "plain", ("ok", ["a", "b", "c"])),
    ('a["b"]["c"]', "msg", ("ok", ["a", "b", "c"])),
    ('a["b"]["c"]', "str", ("ok", 'a["b"]["c"]')),
    ("a.0.b", "plain", ("ok", ["a", 0, "b"])),
    ("a.0.b", "msg", ("ok", ["a", 0, "b"])),
    ("a.0.b", "str", ("ok", 'a[0]["b"]')),
    ("a.0", "plain", ("ok", ["a", "0"])),
    ("a.0", "msg", ("ok", ["a", "0"])),
    ("a.0", "str", ("ok", 'a["0"]')),
    ("a[01]", "plain", ("ok", ["a", 1])),
    ("a[01]", "msg", ("ok", ["a", 1])),
    ("a[01]", "str", ("ok", "a[1]")),
    ("", "plain", ("err", "Error", "Invalid property expression: zero-length")),
    ("", "msg", ("err", "Error", "Invalid property expression: zero-length")),
    ("", "str", ("err", "Error", "Invalid property expression: zero-length")),
    (".a", "plain", ("err", "Error", "Invalid property expression: unexpected . at position 0")),
    (".a", "msg", ("err", "Error", "Invalid property expression: unexpected . at position 0")),
    (".a", "str", ("err", "Error", "Invalid property expression: unexpected . at position 0")),
    ("a.", "plain", ("err", "Error", "Invalid property expression: unterminated expression")),
    ("a.", "msg", ("err", "Error", "Invalid property expression: unterminated expression")),
    ("a.", "str", ("err", "Error", "Invalid property expression: unterminated expression")),
    ("a..b", "plain", ("err", "Error", "Invalid property expression: unexpected . at position 2")),
    ("a..b", "msg", ("err", "Error", "Invalid property expression: unexpected . at position 2")),
    ("a..b", "str", ("err", "Error", "Invalid property expression: unexpected . at position 2")),
    ("[0]", "plain", ("err", "Error", "Invalid property expression: unexpected [ at position 0")),
    ("[0]", "msg", ("err", "Error", "Invalid property expression: unexpected [ at position 0")),
    ("[0]", "str", ("err", "Error", "Invalid property expression: unexpected [ at position 0")),
    ("a[", "plain", ("err", "Error", "Invalid property expression: unterminated expression")),
    ("a[", "msg", ("err", "Error", "Invalid property expression: unterminated expression")),
    ("a[", "str", ("err", "Error", "Invalid property expression: unterminated expression")),
    ("a[b]", "plain", ("err", "Error", "Invalid property expression: unexpected b at position 2")),
    ("a[b]", "msg", ("err", "Error", "Invalid property expression: unexpected b at position 2")),
    ("a[b]", "str", ("err", "Error", "Invalid property expression: unexpected b at position 2")),
    ("a[0", "plain", ("err", "Error", "Invalid property expression: unterminated expression")),
    ("a[0", "msg", ("err", "Error", "Invalid property expression: unterminated expression")),
    ("a[0", "str", ("err", "Error", "Invalid property expression: unterminated expression")),
    ("a]", "plain", ("err", "Error", "Invalid property expression: unexpected ] at position 1")),
    ("a]", "msg", ("err", "Error", "Invalid property expression: unexpected ] at position 1")),
    ("a]", "str", ("err", "Error", "Invalid property expression: unexpected ] at position 1")),
    ("a b", "plain", ("err", "Error", "Invalid property expression: unexpected ' ' at position 1")),
    ("a b", "msg", ("err", "Error", "Invalid property expression: unexpected ' ' at position 1")),
    ("a b", "str", ("err", "Error", "Invalid property expression: unexpected ' ' at position 1")),
    ("a[ 0]", "plain", ("err", "Error", "Invalid property expression: unexpected   at position 2")),
    ("a[ 0]", "msg", ("err", "Error", "Invalid property expression: unexpected   at position 2")),
    ("a[ 0]", "str", ("err", "Error", "Invalid property expression: unexpected   at position 2")),
    ('a."b"', "plain", ("err", "Error", 'Invalid property expression: unexpected " at position 2')),
    ('a."b"', "msg", ("err", "Error", 'Invalid property expression: unexpected " at position 2')),
    ('a."b"', "str", ("err", "Error", 'Invalid property expression: unexpected " at position 2')),
    ('"a b".c', "plain", ("ok", ["a b", "c"])),
    ('"a b".c', "msg", ("ok", ["a b", "c"])),
    ('"a b".c', "str", ("ok", 'a b["c"]')),
    ("'a'", "plain", ("ok", ["a"])),
    ("'a'", "msg", ("ok", ["a"])),
    ("'a'", "str", ("ok", "a")),
    ('a["b"]c', "plain", ("ok", ["a", "b", "c"])),
    ('a["b"]c', "msg", ("ok", ["a", "b", "c"])),
    ('a["b"]c', "str", ("ok", 'a["b"]["c"]')),
    ("a[0]b", "plain", ("ok", ["a", 0, "b"])),
    ("a[0]b", "msg", ("ok", ["a", 0, "b"])),
    ("a[0]b", "str", ("ok", 'a[0]["b"]')),
    (
        'a[""]',
        "plain",
        ("err", "Error", "Invalid property expression: zero-length string at position 3"),
    ),
    (
        'a[""]',
        "msg",
        ("err", "Error", "Invalid property expression: zero-length string at position 3"),
    ),
    (
        'a[""]',
        "str",
        ("err", "Error", "Invalid property expression: zero-length string at position 3"),
    ),
    ('a["b]"]', "plain", ("ok", ["a", "b]"])),
    ('a["b]"]', "msg", ("ok", ["a", "b]"])),
    ('a["b]"]', "str", ("ok", 'a["b]"]')),
    ("a.$b", "plain", ("ok", ["a", "$b"])),
    ("a.$b", "msg", ("ok", ["a", "$b"])),
    ("a.$b", "str", ("ok", 'a["$b"]')),
    ("a._b", "plain", ("ok", ["a", "_b"])),
    ("a._b", "msg", ("ok", ["a", "_b"])),
    ("a._b", "str", ("ok", 'a["_b"]')),
    ("a.-b", "plain", ("err", "Error", "Invalid property expression: unexpected - at position 2")),
    ("a.-b", "msg", ("err", "Error", "Invalid property expression: unexpected - at position 2")),
    ("a.-b", "str", ("err", "Error", "Invalid property expression: unexpected - at position 2")),
    ("a-b.c", "plain", ("ok", ["a-b", "c"])),
    ("a-b.c", "msg", ("ok", ["a-b", "c"])),
    ("a-b.c", "str", ("ok", 'a-b["c"]')),
    ("a.b-c", "plain", ("ok", ["a", "b-c"])),
    ("a.b-c", "msg", ("ok", ["a", "b-c"])),
    ("a.b-c", "str", ("ok", 'a["b-c"]')),
    (
        "a[1e3]",
        "plain",
        ("err", "Error", "Invalid property expression: unexpected array expression at position 2"),
    ),
    (
        "a[1e3]",
        "msg",
        ("err", "Error", "Invalid property expression: unexpected array expression at position 2"),
    ),
    (
        "a[1e3]",
        "str",
        ("err", "Error", "Invalid property expression: unexpected array expression at position 2"),
    ),
    (
        "a['b'",
        "plain",
        ("err", "Error", "Invalid property expression: unexpected array expression at position 3"),
    ),
    (
        "a['b'",
        "msg",
        ("err", "Error", "Invalid property expression: unexpected array expression at position 3"),
    ),
    (
        "a['b'",
        "str",
        ("err", "Error", "Invalid property expression: unexpected array expression at position 3"),
    ),
    ('a["b\'c"]', "plain", ("ok", ["a", "b'c"])),
    ('a["b\'c"]', "msg", ("ok", ["a", "b'c"])),
    ('a["b\'c"]', "str", ("ok", 'a["b\'c"]')),
    ("a\tb", "plain", ("ok", ["a\tb"])),
    ("a\tb", "msg", ("ok", ["a\tb"])),
    ("a\tb", "str", ("ok", "a\tb")),
    ("a[msg.topic]", "plain", ("ok", ["a", ["msg", "topic"]])),
    ("a[msg.topic]", "msg", ("ok", ["a", "t"])),
    ("a[msg.topic]", "str", ("ok", 'a["t"]')),
    ("a[msg.topic].c", "plain", ("ok", ["a", ["msg", "topic"], "c"])),
    ("a[msg.topic].c", "msg", ("ok", ["a", "t", "c"])),
    ("a[msg.topic].c", "str", ("ok", 'a["t"]["c"]')),
    ("a[msg.b[0]]", "plain", ("ok", ["a", ["msg", "b", 0]])),
    ("a[msg.b[0]]", "msg", ("ok", ["a", 2])),
    ("a[msg.b[0]]", "str", ("ok", "a[2]")),
    ("a[msg.x]", "plain", ("ok", ["a", ["msg", "x"]])),
    ("a[msg.x]", "msg", ("err", "Error", "Invalid expression started at position 2")),
    ("a[msg.x]", "str", ("err", "Error", "Invalid expression started at position 2")),
    (
        "a[msg.",
        "plain",
        ("err", "Error", "Invalid property expression: unmatched '[' at position 1"),
    ),
    ("a[msg.", "msg", ("err", "Error", "Invalid property expression: unmatched '[' at position 1")),
    ("a[msg.", "str", ("err", "Error", "Invalid property expression: unmatched '[' at position 1")),
    (
        "a[msg.topic",
        "plain",
        ("err", "Error", "Invalid property expression: unmatched '[' at position 1"),
    ),
    (
        "a[msg.topic",
        "msg",
        ("err", "Error", "Invalid property expression: unmatched '[' at position 1"),
    ),
    (
        "a[msg.topic",
        "str",
        ("err", "Error", "Invalid property expression: unmatched '[' at position 1"),
    ),
    ("a[msg[0]]", "plain", ("ok", ["a", ["msg", 0]])),
    ("a[msg[0]]", "msg", ("err", "Error", "Invalid expression started at position 2")),
    ("a[msg[0]]", "str", ("err", "Error", "Invalid expression started at position 2")),
    ("a[msg.b['k']]", "plain", ("ok", ["a", ["msg", "b", "k"]])),
    ("a[msg.b['k']]", "msg", ("err", "Error", "Invalid expression started at position 2")),
    ("a[msg.b['k']]", "str", ("err", "Error", "Invalid expression started at position 2")),
    ("msg.payload", "plain", ("ok", ["msg", "payload"])),
    ("msg.payload", "msg", ("ok", ["msg", "payload"])),
    ("msg.payload", "str", ("ok", 'msg["payload"]')),
    ("a.é", "plain", ("err", "Error", "Invalid property expression: unexpected é at position 2")),
    ("a.é", "msg", ("err", "Error", "Invalid property expression: unexpected é at position 2")),
    ("a.é", "str", ("err", "Error", "Invalid property expression: unexpected é at position 2")),
    ("é.a", "plain", ("ok", ["é", "a"])),
    ("é.a", "msg", ("ok", ["é", "a"])),
    ("é.a", "str", ("ok", 'é["a"]')),
    ("a.b.", "plain", ("err", "Error", "Invalid property expression: unterminated expression")),
    ("a.b.", "msg", ("err", "Error", "Invalid property expression: unterminated expression")),
    ("a.b.", "str", ("err", "Error", "Invalid property expression: unterminated expression")),
    ("a[0].", "plain", ("err", "Error", "Invalid property expression: unterminated expression")),
    ("a[0].", "msg", ("err", "Error", "Invalid property expression: unterminated expression")),
    ("a[0].", "str", ("err", "Error", "Invalid property expression: unterminated expression")),
    (
        "a[0]..b",
        "plain",
        ("err", "Error", "Invalid property expression: unexpected . at position 5"),
    ),
    ("a[0]..b", "msg", ("err", "Error", "Invalid property expression: unexpected . at position 5")),
    ("a[0]..b", "str", ("err", "Error", "Invalid property expression: unexpected . at position 5")),
    ("a['b'].c", "plain", ("ok", ["a", "b", "c"])),
    ("a['b'].c", "msg", ("ok", ["a", "b", "c"])),
    ("a['b'].c", "str", ("ok", 'a["b"]["c"]')),
    ("a['b']['c']", "plain", ("ok", ["a", "b", "c"])),
    ("a['b']['c']", "msg", ("ok", ["a", "b", "c"])),
    ("a['b']['c']", "str", ("ok", 'a["b"]["c"]')),
    ("a['b'].0", "plain", ("ok", ["a", "b", "0"])),
    ("a['b'].0", "msg", ("ok", ["a", "b", "0"])),
    ("a['b'].0", "str", ("ok", 'a["b"]["0"]')),
    ("a.b[0][1]", "plain", ("ok", ["a", "b", 0, 1])),
    ("a.b[0][1]", "msg", ("ok", ["a", "b", 0, 1])),
    ("a.b[0][1]", "str", ("ok", 'a["b"][0][1]')),
    (
        'a["x"y]',
        "plain",
        ("err", "Error", "Invalid property expression: unexpected array expression at position 3"),
    ),
    (
        'a["x"y]',
        "msg",
        ("err", "Error", "Invalid property expression: unexpected array expression at position 3"),
    ),
    (
        'a["x"y]',
        "str",
        ("err", "Error", "Invalid property expression: unexpected array expression at position 3"),
    ),
]

GET_MSG = {
    "payload": {"a": [{"b c": 1, "b": 2}, 5], "s": "hello", "n": 5, "nul": None, "arr": [1, 2, 3]},
    "topic": "s",
    "i": 1,
}

GET_CASES = [
    (
        "payload",
        ("ok", {"a": [{"b c": 1, "b": 2}, 5], "s": "hello", "n": 5, "nul": None, "arr": [1, 2, 3]}),
    ),
    ("payload.a[0]['b c']", ("ok", 1)),
    ("payload.a[1]", ("ok", 5)),
    ("payload.a[2]", ("ok", UNDEF)),
    ("payload.a[2].x", ("err", "TypeError", "Cannot read properties of undefined (reading 'x')")),
    ("payload.s.length", ("ok", 5)),
    ("payload.s[1]", ("ok", "e")),
    ("payload.n.x", ("ok", UNDEF)),
    ("payload.nul.x", ("err", "TypeError", "Cannot read properties of null (reading 'x')")),
    (
        "payload.missing.x",
        ("err", "TypeError", "Cannot read properties of undefined (reading 'x')"),
    ),
    ("payload.arr.length", ("ok", 3)),
    (
        "payload.arr[-1]",
        ("err", "Error", "Invalid property expression: unexpected - at position 12"),
    ),
    ("payload[msg.topic]", ("ok", "hello")),
    ("payload.a[msg.i]", ("ok", 5)),
    ("payload.a[msg.nope]", ("err", "Error", "Invalid expression started at position 10")),
    ("msg.payload.s", ("ok", "hello")),
    ("payload.a.0", ("ok", {"b c": 1, "b": 2})),
    ("payload.a.1", ("ok", 5)),
    ("payload.arr.01", ("ok", UNDEF)),
    ("payload.a[0].b", ("ok", 2)),
]

# (expression, value, message before, createMissing, expected (ok, result, message after))
SET_CASES = [
    ("payload", 1, {}, None, ("ok", True, {"payload": 1})),
    ("a.b.c", 1, {}, None, ("ok", True, {"a": {"b": {"c": 1}}})),
    ("a[0].b", 1, {}, None, ("ok", True, {"a": [{"b": 1}]})),
    ("a[2]", 1, {"a": []}, None, ("ok", True, {"a": [UNDEF, UNDEF, 1]})),
    ("a.b", 1, {"a": 5}, None, ("ok", False, {"a": 5})),
    ("a.b.c", 1, {"a": 5}, None, ("ok", False, {"a": 5})),
    ("a.b.c.d", 1, {"a": 5}, None, ("ok", False, {"a": 5})),
    ("a[0].b", 1, {"a": [5]}, None, ("ok", False, {"a": [5]})),
    ("a[0].b.c", 1, {"a": [5]}, None, ("ok", False, {"a": [5]})),
    (
        "a[0].b.c.d",
        1,
        {"a": [5]},
        None,
        ("err", "TypeError", "Cannot convert undefined or null to object"),
    ),
    ("a[0].b", 1, {"a": [None]}, None, ("ok", False, {"a": [None]})),
    ("a.b", UNDEF, {"a": {"b": 1, "c": 2}}, None, ("ok", True, {"a": {"c": 2}})),
    ("a[0]", UNDEF, {"a": [1, 2]}, None, ("ok", True, {"a": [2]})),
    ("a.0", UNDEF, {"a": [1, 2]}, None, ("ok", True, {"a": [UNDEF, 2]})),
    ("a[5]", UNDEF, {"a": [1, 2]}, None, ("ok", True, {"a": [1, 2]})),
    ("a.b.c", UNDEF, {}, None, ("ok", False, {})),
    ("a.b", 1, {"a": None}, None, ("ok", False, {"a": None})),
    ("a.b", 1, {"a": "str"}, None, ("ok", False, {"a": "str"})),
    ("a[0]", 1, {"a": "str"}, None, ("ok", False, {"a": "str"})),
    ("a.x", 1, {"a": [1]}, None, ("ok", True, {"a": [1]})),
    ("a.x.y", 1, {"a": [1]}, None, ("ok", True, {"a": [1]})),
    ("a.length", 1, {"a": [1, 2, 3]}, None, ("ok", True, {"a": [1]})),
    ("a.b.c", 1, {"a": {"b": None}}, None, ("ok", False, {"a": {"b": None}})),
    ("a[msg.k]", 1, {"k": "z"}, None, ("ok", True, {"k": "z", "a": {"z": 1}})),
    ("a[msg.k].q", 1, {"k": 3}, None, ("ok", True, {"k": 3, "a": [UNDEF, UNDEF, UNDEF, {"q": 1}]})),
    ("a[msg.k]", 1, {}, None, ("err", "Error", "Invalid expression started at position 2")),
    ("a.0.b", 1, {}, None, ("ok", True, {"a": [{"b": 1}]})),
    ("a[0][1]", 1, {}, None, ("ok", True, {"a": [[UNDEF, 1]]})),
    ("a", UNDEF, {"a": 1, "b": 2}, None, ("ok", True, {"b": 2})),
    ("a.b", UNDEF, {"a": 5}, None, ("ok", False, {"a": 5})),
    ("msg.a.b", 2, {}, None, ("ok", True, {"a": {"b": 2}})),
    ("a.b.c", 1, {"a": {}}, None, ("ok", True, {"a": {"b": {"c": 1}}})),
    ("a[0]", 7, {"a": {}}, None, ("ok", True, {"a": {"0": 7}})),
    ("a.1", 7, {"a": [0]}, None, ("ok", True, {"a": [0, 7]})),
    ("a.b.c", 1, {}, False, ("ok", False, {})),
    ("a.b", 1, {"a": {}}, False, ("ok", True, {"a": {"b": 1}})),
]


def _plain(value: Any) -> Any:
    """Our values in the recorded form (undefined as a marker)."""
    if value is UNDEFINED:
        return UNDEF
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _outcome(fn: Any) -> tuple[Any, ...]:
    try:
        return ("ok", _plain(fn()))
    except PropertyExpressionError as e:
        return ("err", "Error", str(e))
    except TypeError as e:
        return ("err", "TypeError", str(e))


@pytest.mark.parametrize(("expr", "mode", "expected"), NORMALISE_CASES)
def test_normalise_matches_node_red(expr: str, mode: str, expected: tuple[Any, ...]) -> None:
    msg = copy.deepcopy(NORMALISE_MSG) if mode != "plain" else None
    got = _outcome(lambda: normalise_property_expression(expr, msg, to_string=mode == "str"))
    assert got == expected


def test_get_matches_node_red() -> None:
    for expr, expected in GET_CASES:
        msg = copy.deepcopy(GET_MSG)
        assert _outcome(lambda e=expr, m=msg: get_message_property(m, e)) == expected, expr


def test_set_matches_node_red() -> None:
    for expr, value, before, create, expected in SET_CASES:
        msg = copy.deepcopy(before)
        v = UNDEFINED if value == UNDEF else value
        outcome = _outcome(lambda e=expr, m=msg, v=v, c=create: set_message_property(m, e, v, c))
        if outcome[0] == "ok":
            outcome = ("ok", outcome[1], _plain(msg))
        assert outcome == expected, (expr, value, before)


# ---- API details ----------------------------------------------------------------------


def test_compiled_paths_are_cached_and_reusable() -> None:
    path = compile_property("payload.a[0]")
    assert compile_property("payload.a[0]") is path
    assert isinstance(path, PropertyPath)
    msgs = [{"payload": {"a": [i]}} for i in range(3)]
    assert [path.get(m) for m in msgs] == [0, 1, 2]


def test_single_key_fast_path_behaves_like_the_general_one() -> None:
    path = compile_property("topic")
    assert path.first == "topic"
    msg: dict[str, Any] = {}
    assert path.get(msg) is UNDEFINED
    assert path.set(msg, "t") is True
    assert msg == {"topic": "t"}
    assert path.set(msg, UNDEFINED) is True
    assert msg == {}


def test_strings_buffers_and_arrays_have_length_and_indexes() -> None:
    msg = {"payload": "héllo", "buf": b"\x01\x02", "arr": [1, 2, 3]}
    assert get_message_property(msg, "payload.length") == 5
    assert get_message_property(msg, "payload[1]") == "é"
    assert get_message_property(msg, "buf.length") == 2
    assert get_message_property(msg, "buf[1]") == 2
    assert get_message_property(msg, "arr.length") == 3
    assert get_message_property(msg, "arr.foo") is UNDEFINED
    assert get_message_property({"payload": "😀"}, "payload.length") == 2  # UTF-16 units


def test_missing_parent_raises_type_error_like_javascript() -> None:
    with pytest.raises(TypeError, match=r"Cannot read properties of undefined \(reading 'b'\)"):
        get_message_property({}, "a.b")
    with pytest.raises(TypeError, match=r"Cannot read properties of null \(reading 'b'\)"):
        get_message_property({"a": None}, "a.b")


def test_numbers_and_booleans_read_as_objects_without_properties() -> None:
    assert get_message_property({"a": 5}, "a.b") is UNDEFINED
    assert get_message_property({"a": True}, "a.b") is UNDEFINED


def test_cross_reference_with_non_string_keys() -> None:
    msg = {"payload": {"1": "one", "true": "yes"}, "n": 1, "b": True, "f": 1.0}
    assert get_message_property(msg, "payload[msg.n]") == "one"
    assert get_message_property(msg, "payload[msg.b]") == "yes"
    assert get_message_property(msg, "payload[msg.f]") == "one"
    assert get_message_property({"a": [10, 20], "i": 1.0}, "a[msg.i]") == 20
    assert get_message_property({"a": [10, 20], "i": -1}, "a[msg.i]") is UNDEFINED


def test_object_property_functions_resolve_references_against_the_object() -> None:
    data = {"k": "x", "x": 1, "store": {}}
    assert get_object_property(data, "x") == 1
    assert set_object_property(data, "store[msg.k]", 5) is True
    assert data["store"] == {"x": 5}


def test_set_default_create_missing_depends_on_the_value() -> None:
    msg: dict[str, Any] = {}
    assert set_message_property(msg, "a.b", UNDEFINED) is False
    assert msg == {}
    assert set_message_property(msg, "a.b", 1, create_missing=False) is False
    assert set_message_property(msg, "a.b", 1) is True
    assert msg == {"a": {"b": 1}}


def test_set_array_length_truncates_and_bytearray_index_writes() -> None:
    msg: dict[str, Any] = {"a": [1, 2, 3], "b": bytearray(b"ab")}
    assert set_message_property(msg, "a.length", 1) is True
    assert msg["a"] == [1]
    assert set_message_property(msg, "b[0]", 0x41 + 256) is True
    assert msg["b"] == bytearray(b"Ab")


def test_invalid_expressions_raise_a_value_error_subclass() -> None:
    with pytest.raises(
        ValueError, match="Invalid property expression: unexpected ' ' at position 1"
    ):
        compile_property("a b")
    with pytest.raises(PropertyExpressionError):
        compile_property("")
