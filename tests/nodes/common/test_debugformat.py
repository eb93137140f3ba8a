"""``flowengine.debugformat.encode_object`` against Node-RED 5.0.7's ``RED.util.encodeObject``.

Expected values were produced by ``encodeObject({id: "n1", msg: v}, {maxLength})``
in Node-RED 5.0.7 itself.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from flowengine.debugformat import encode_object, encode_value
from flowengine.errors import JSError
from flowengine.jsvalues import UNDEFINED

CASES: list[tuple[str, Any, int, str, str]] = [
    ("string", "hello", 1000, "hello", "string[5]"),
    ("long string is cut", "y" * 12, 10, "yyyyyyyyyy...", "string[12]"),
    ("length counts UTF-16 units", "a😀b", 1000, "a😀b", "string[4]"),
    ("number", 42, 1000, "42", "number"),
    ("float", 1.5, 1000, "1.5", "number"),
    ("NaN", math.nan, 1000, "NaN", "number"),
    ("negative zero", -0.0, 1000, "0", "number"),
    ("-Infinity", -math.inf, 1000, "-Infinity", "number"),
    ("boolean", False, 1000, "false", "boolean"),
    ("null", None, 1000, "(undefined)", "null"),
    ("undefined", UNDEFINED, 1000, "(undefined)", "undefined"),
    ("buffer", b"\x01\x02\xff", 1000, "0102ff", "buffer[3]"),
    ("long buffer: hex cut without dots", b"\xab" * 8, 10, "ababababab", "buffer[8]"),
    (
        "array with undefined and NaN",
        [1, "a", None, UNDEFINED, math.nan],
        1000,
        '[1,"a",null,{"__enc__":true,"type":"undefined"},{"__enc__":true,"type":"number","data":"NaN"}]',
        "array[5]",
    ),
    (
        "long array (even the tag strings are cut, as Node-RED does)",
        [1, 2, 3, 4, 5, 6],
        4,
        '{"__enc__":true,"type":"arra...","data":[1,2,3,4],"length":6}',
        "array[6]",
    ),
    (
        "object",
        {
            "a": 1,
            "s": "x",
            "b": b"hi",
            "u": UNDEFINED,
            "n": math.nan,
            "i": -math.inf,
            "nested": {"arr": [1, 2, 3, 4, 5, 6]},
            "2": "two",
            "_req": {"x": 1},
        },
        4,
        '{"2":"two","a":1,"s":"x","b":{"type":"Buff...","data":[104,105],"__enc__":true,"length":2},'
        '"u":{"__enc__":true,"type":"unde..."},"n":{"__enc__":true,"type":"numb...","data":"NaN"},'
        '"i":{"__enc__":true,"type":"numb...","data":"-Inf..."},'
        '"nested":{"arr":{"__enc__":true,"type":"arra...","data":[1,2,3,4],"length":6}},'
        '"_req":{"__enc__":true,"type":"inte..."}}',
        "Object",
    ),
    (
        "an object that looks like a Buffer is tagged too",
        {"type": "Buffer", "data": [1, 2, 3, 4, 5, 6]},
        4,
        '{"type":"Buff...","data":[1,2,3,4],"__enc__":true,"length":6}',
        "Object",
    ),
    (
        "whole message",
        {"_msgid": "abc", "payload": "x" * 12, "topic": "t"},
        10,
        '{"_msgid":"abc","payload":"xxxxxxxxxx...","topic":"t"}',
        "Object",
    ),
]


@pytest.mark.parametrize(
    ("value", "max_length", "msg", "fmt"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_matches_node_red_encode_object(value: Any, max_length: int, msg: str, fmt: str) -> None:
    out = encode_object({"id": "n1", "msg": value}, max_length)
    assert out == {"id": "n1", "msg": msg, "format": fmt}
    assert list(out) == ["id", "msg", "format"]


def test_other_keys_are_kept_in_order_and_the_input_is_not_changed() -> None:
    sidebar = {"id": "d1", "z": "t1", "path": "t1", "name": "", "topic": "x", "msg": [1]}
    out = encode_object(sidebar)
    assert list(out) == ["id", "z", "path", "name", "topic", "msg", "format"]
    assert sidebar["msg"] == [1] and "format" not in sidebar


def test_errors() -> None:
    msg, fmt = encode_value(JSError("boom", name="TypeError"))
    assert fmt == "error"
    assert json.loads(msg) == {
        "__enc__": True,
        "type": "error",
        "data": {"name": "TypeError", "message": "boom", "stack": "TypeError: boom"},
    }
    inner = json.loads(encode_value({"e": JSError("x", code="E1")})[0])
    assert inner["e"]["data"]["code"] == "E1"


def test_dates_regexps_and_functions() -> None:
    text, fmt = encode_value(datetime(1970, 1, 1, tzinfo=UTC))
    assert fmt == "Date" and text.startswith(("Thu Jan 01 1970", "Wed Dec 31 1969"))
    assert (
        encode_value({"d": datetime(1970, 1, 1, tzinfo=UTC)})[0]
        == '{"d":"1970-01-01T00:00:00.000Z"}'
    )
    assert encode_value(re.compile("ab+c")) == ("/ab+c/", "regexp")
    assert encode_value(len) == ("[function]", "function")
    assert encode_value({"f": len})[0] == '{"f":{"__enc__":true,"type":"function"}}'


def test_circular_references_become_markers() -> None:
    loop: dict[str, Any] = {"a": {"b": 1}}
    loop["a"]["up"] = loop
    loop["a"]["me"] = loop["a"]
    assert encode_value(loop)[0] == '{"a":{"b":1,"up":"[Circular ~]","me":"[Circular ~.a]"}}'


def test_a_broken_buffer_lookalike_reports_an_encoding_error() -> None:
    out = encode_object({"id": "n1", "msg": {"type": "Buffer"}})
    assert out["format"] == "error"
    assert "encodeObject Error" in json.loads(out["msg"])["data"]["message"]
