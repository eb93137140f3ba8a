"""Typed values, JavaScript regexes, JSONata and moment formatting (``flowengine.typed``).

The tables were recorded with Node 22 / Node-RED 5.0.7 (``String.prototype.replace``,
``RegExp``, ``RED.util.evaluateJSONataExpression`` with its vendored jsonata 2.2.1 and
``moment-timezone`` in the Europe/Berlin time zone) on the same inputs.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from flowengine.context import Context
from flowengine.errors import JSError
from flowengine.jsvalues import UNDEFINED, js_string
from flowengine.typed import (
    JSONataExpression,
    evaluate_node_property,
    evaluate_static,
    format_date,
    get_context_value,
    js_regex,
    js_regex_replace,
    parse_bin,
    parse_json,
    resolve_context_key,
)

UNDEF = "__undefined__"

# ---- recorded from Node 22 / Node-RED 5.0.7 ----------------------------------------------

# (operation, text, pattern, flags, replacement, result): "ERR <message>" for a SyntaxError.
REGEX_CASES = [
    ("replace", "me@host you@there", "(\\w+)@(\\w+)", "g", "$2 at $1", "host at me there at you"),
    ("replace", "abc", "b", "g", "[$&|$$|$`|$'|$1|$0|$<x>]", "a[b|$|a|c|$1|$0|$<x>]c"),
    ("replace", "abc", "(b)", "", "[$01|$10|$2|$11]", "a[b|b0|$2|b1]c"),
    ("replace", "a1b2c3", "(?<d>\\d)", "g", "<$<d>|$<nope>>", "a<1|>b<2|>c<3|>"),
    ("replace", "aaa", "a*?", "g", "-", "-a-a-a-"),
    ("replace", "xAx", "a", "gi", "b", "xbx"),
    ("replace", "a\\b", "\\\\", "g", "/", "a/b"),
    ("replace", "a.b", ".", "g", "\\", "\\\\\\"),
    ("replace", "l1\nl2\r\nl3", "^l", "gm", "L", "L1\nL2\r\nL3"),
    ("replace", "l1\nl2", "\\d$", "g", "#", "l1\nl#"),
    ("replace", "l1\nl2\n", "\\d$", "g", "#", "l1\nl2\n"),
    ("replace", "a\rb\nc", ".", "g", "_", "_\r_\n_"),
    ("replace", "a\rb\nc", ".", "gs", "_", "_____"),
    ("replace", "١٢3", "\\d", "g", "#", "١٢#"),
    ("replace", "éa_1", "\\w", "g", "#", "é###"),
    ("replace", "x/y", "\\/", "g", "|", "x|y"),
    ("replace", "abab", "(a)(b)\\1", "g", "!", "!b"),
    ("replace", "abab", "(?<p>a)b\\k<p>", "g", "!", "!b"),
    ("replace", "a-b", "[^]", "g", ".", "..."),
    ("replace", "tab\there", "\\t", "g", " ", "tab here"),
    ("replace", "e", "\\e", "g", "E", "E"),
    ("match", "foo123", "^[a-z]+(\\d+)$", "", None, ["foo123", "123"]),
    ("match", "FOO", "foo", "i", None, ["FOO"]),
    ("match", "x", "[]", "", None, None),
    ("match", "x", "(", "", None, "ERR Invalid regular expression: /(/: Unterminated group"),
    ("match", "x", "a)", "", None, "ERR Invalid regular expression: /a)/: Unmatched ')'"),
    ("match", "x", "*", "", None, "ERR Invalid regular expression: /*/: Nothing to repeat"),
    (
        "match",
        "x",
        "[b-a]",
        "",
        None,
        "ERR Invalid regular expression: /[b-a]/: Range out of order in character class",
    ),
    (
        "match",
        "x",
        "[",
        "",
        None,
        "ERR Invalid regular expression: /[/: Unterminated character class",
    ),
    ("match", "a]", "a]", "", None, ["a]"]),
    ("match", "a{", "a{", "", None, ["a{"]),
    ("match", "ab", "(?<=a)b", "", None, ["b"]),
    ("match", "\x0c", "\\cL", "", None, ["\x0c"]),
    ("match", "\x00", "\\0", "", None, ["\x00"]),
    ("match", "é", "\\u00e9", "", None, ["é"]),
    (
        "match",
        "abc",
        "(?i)abc",
        "",
        None,
        "ERR Invalid regular expression: /(?i)abc/: Invalid group",
    ),
    ("match", "aa", "a*+", "", None, "ERR Invalid regular expression: /a*+/: Nothing to repeat"),
    (
        "match",
        "aa",
        "a{2}+",
        "",
        None,
        "ERR Invalid regular expression: /a{2}+/: Nothing to repeat",
    ),
    ("match", "aa", "a???", "", None, "ERR Invalid regular expression: /a???/: Nothing to repeat"),
    (
        "match",
        "a",
        "(?P<x>a)",
        "",
        None,
        "ERR Invalid regular expression: /(?P<x>a)/: Invalid group",
    ),
    ("match", "a", "(?#c)a", "", None, "ERR Invalid regular expression: /(?#c)a/: Invalid group"),
    ("match", "a{,5}", "a{,5}", "", None, ["a{,5}"]),
    ("match", "aab", "a+?b", "", None, ["aab"]),
    ("match", "x{", "x{", "", None, ["x{"]),
    ("match", "aaa", "a{2,}", "", None, ["aaa"]),
]

# (expression, message, result): {"ok": value} / {"err": message, "code": code} /
# {"compile": message, "code": code}. Context: flow f = "F", global g = null;
# environment NR_TEST_A = "aa".
JSONATA_CASES = [
    ("payload", {"payload": None}, {"ok": None}),
    ("nothing", {}, {"ok": "__undefined__"}),
    ("null", {}, {"ok": None}),
    ("[1, null]", {}, {"ok": [1, None]}),
    ("payload.a", {"payload": {"a": [1, None]}}, {"ok": [1, None]}),
    ("msg.payload", {"payload": 3}, {"ok": 3}),
    ("msg", {"payload": 3}, {"ok": {"payload": 3}}),
    ("$.msg", {"msg": 3}, {"ok": 3}),
    ("'msg'", {"msg": 3}, {"ok": "msg"}),
    ("a.msg", {"a": {"msg": 1}}, {"ok": 1}),
    ("payload.msg", {"payload": {"msg": 2}}, {"ok": 2}),
    ("$count(msg.payload)", {"payload": [1, 2]}, {"ok": 2}),
    ("[1,2,3][$ > 1]", {}, {"ok": [2, 3]}),
    ("payload[$ > 1]", {"payload": [1, 2, 3]}, {"ok": [2, 3]}),
    ("payload[0]", {"payload": [[1, 2]]}, {"ok": [1, 2]}),
    ('{"a": null, "b": [null, {"c": null}]}', {}, {"ok": {"a": None, "b": [None, {"c": None}]}}),
    ("$sum(payload)", {"payload": [1, 2.5]}, {"ok": 3.5}),
    ("payload * 2", {"payload": 2.5}, {"ok": 5}),
    ("1/3", {}, {"ok": 0.3333333333333333}),
    ("$string(payload)", {"payload": {"a": [1, None, 1.5]}}, {"ok": '{"a":[1,null,1.5]}'}),
    ('$number("x")', {}, {"err": 'Unable to cast value to a number: "x"', "code": "D3030"}),
    ('$number("0x1F")', {}, {"ok": 31}),
    ("payload +", {}, {"compile": "Unexpected end of expression", "code": "S0207"}),
    ("$foo()", {}, {"err": "Attempted to invoke a non-function", "code": "T1006"}),
    (
        "payload > 3",
        {"payload": "true"},
        {
            "err": 'The values "true" and 3 either side of operator ">" must be of the same '
            "data type",
            "code": "T2009",
        },
    ),
    ("payload.x.y", {"payload": 1}, {"ok": "__undefined__"}),
    ('$env("NR_TEST_A")', {}, {"ok": "aa"}),
    ('$env("NR_TEST_NOPE")', {}, {"ok": ""}),
    ('$flowContext("f")', {}, {"ok": "F"}),
    ('$globalContext("g")', {}, {"ok": None}),
    ('$flowContext("nope")', {}, {"ok": "__undefined__"}),
    ("$clone(payload)", {"payload": {"a": 1}}, {"ok": {"a": 1}}),
    ("$keys(payload)", {"payload": {"a": 1, "b": 2}}, {"ok": ["a", "b"]}),
    ('$uppercase(topic) & "-" & payload', {"topic": "t", "payload": 5}, {"ok": "T-5"}),
    ("$exists(payload)", {}, {"ok": False}),
    ("payload ? 1 : 2", {"payload": True}, {"ok": 1}),
]

# (ms timestamp, moment format, text) in Europe/Berlin.
MOMENT_FORMATS = [
    (0, "YYYY-MM-DD HH:mm:ss.SSS", "1970-01-01 01:00:00.000"),
    (0, "YY M D H h m s S SS SSSS", "70 1 1 1 1 0 0 0 00 0000"),
    (0, "MMM MMMM Mo Do DDD DDDo DDDD", "Jan January 1st 1st 1 1st 001"),
    (0, "d do dd ddd dddd e E", "4 4th Th Thu Thursday 4 4"),
    (0, "w wo ww W Wo WW gg gggg GG GGGG", "1 1st 01 1 1st 01 70 1970 70 1970"),
    (0, "A a hh k kk", "AM am 01 1 01"),
    (0, "Z ZZ", "+01:00 +0100"),
    (0, "X x", "0 0"),
    (0, "Q Qo", "1 1st"),
    (
        0,
        "LT LTS L LL LLL LLLL",
        "1:00 AM 1:00:00 AM 01/01/1970 January 1, 1970 January 1, 1970 1:00 AM "
        "Thursday, January 1, 1970 1:00 AM",
    ),
    (0, "l ll lll llll", "1/1/1970 Jan 1, 1970 Jan 1, 1970 1:00 AM Thu, Jan 1, 1970 1:00 AM"),
    (0, "[today is] dddd [at] HH:mm", "today is Thursday at 01:00"),
    (0, "\\Y\\Y YYYY", "YY 1970"),
    (0, "YYYYY YYYYYY", "01970 +001970"),
    (0, "hmm hmmss Hmm Hmmss", "100 10000 100 10000"),
    (0, "LLLL [LT]", "Thursday, January 1, 1970 1:00 AM LT"),
    (0, "YYYY-MM-DDTHH:mm:ssZ", "1970-01-01T01:00:00+01:00"),
    (1700000000123, "YYYY-MM-DD HH:mm:ss.SSS", "2023-11-14 23:13:20.123"),
    (1700000000123, "YY M D H h m s S SS SSSS", "23 11 14 23 11 13 20 1 12 1230"),
    (1700000000123, "MMM MMMM Mo Do DDD DDDo DDDD", "Nov November 11th 14th 318 318th 318"),
    (1700000000123, "d do dd ddd dddd e E", "2 2nd Tu Tue Tuesday 2 2"),
    (1700000000123, "w wo ww W Wo WW gg gggg GG GGGG", "46 46th 46 46 46th 46 23 2023 23 2023"),
    (1700000000123, "A a hh k kk", "PM pm 11 23 23"),
    (1700000000123, "Z ZZ", "+01:00 +0100"),
    (1700000000123, "X x", "1700000000 1700000000123"),
    (1700000000123, "Q Qo", "4 4th"),
    (
        1700000000123,
        "LT LTS L LL LLL LLLL",
        "11:13 PM 11:13:20 PM 11/14/2023 November 14, 2023 November 14, 2023 11:13 PM Tuesday, "
        "November 14, 2023 11:13 PM",
    ),
    (
        1700000000123,
        "l ll lll llll",
        "11/14/2023 Nov 14, 2023 Nov 14, 2023 11:13 PM Tue, Nov 14, 2023 11:13 PM",
    ),
    (1700000000123, "[today is] dddd [at] HH:mm", "today is Tuesday at 23:13"),
    (1700000000123, "\\Y\\Y YYYY", "YY 2023"),
    (1700000000123, "YYYYY YYYYYY", "02023 +002023"),
    (1700000000123, "hmm hmmss Hmm Hmmss", "1113 111320 2313 231320"),
    (1700000000123, "LLLL [LT]", "Tuesday, November 14, 2023 11:13 PM LT"),
    (1700000000123, "YYYY-MM-DDTHH:mm:ssZ", "2023-11-14T23:13:20+01:00"),
    (1704067200000, "YYYY-MM-DD HH:mm:ss.SSS", "2024-01-01 01:00:00.000"),
    (1704067200000, "YY M D H h m s S SS SSSS", "24 1 1 1 1 0 0 0 00 0000"),
    (1704067200000, "MMM MMMM Mo Do DDD DDDo DDDD", "Jan January 1st 1st 1 1st 001"),
    (1704067200000, "d do dd ddd dddd e E", "1 1st Mo Mon Monday 1 1"),
    (1704067200000, "w wo ww W Wo WW gg gggg GG GGGG", "1 1st 01 1 1st 01 24 2024 24 2024"),
    (1704067200000, "A a hh k kk", "AM am 01 1 01"),
    (1704067200000, "Z ZZ", "+01:00 +0100"),
    (1704067200000, "X x", "1704067200 1704067200000"),
    (1704067200000, "Q Qo", "1 1st"),
    (
        1704067200000,
        "LT LTS L LL LLL LLLL",
        "1:00 AM 1:00:00 AM 01/01/2024 January 1, 2024 January 1, 2024 1:00 AM Monday, January 1, "
        "2024 1:00 AM",
    ),
    (
        1704067200000,
        "l ll lll llll",
        "1/1/2024 Jan 1, 2024 Jan 1, 2024 1:00 AM Mon, Jan 1, 2024 1:00 AM",
    ),
    (1704067200000, "[today is] dddd [at] HH:mm", "today is Monday at 01:00"),
    (1704067200000, "\\Y\\Y YYYY", "YY 2024"),
    (1704067200000, "YYYYY YYYYYY", "02024 +002024"),
    (1704067200000, "hmm hmmss Hmm Hmmss", "100 10000 100 10000"),
    (1704067200000, "LLLL [LT]", "Monday, January 1, 2024 1:00 AM LT"),
    (1704067200000, "YYYY-MM-DDTHH:mm:ssZ", "2024-01-01T01:00:00+01:00"),
    (951782400000, "YYYY-MM-DD HH:mm:ss.SSS", "2000-02-29 01:00:00.000"),
    (951782400000, "YY M D H h m s S SS SSSS", "00 2 29 1 1 0 0 0 00 0000"),
    (951782400000, "MMM MMMM Mo Do DDD DDDo DDDD", "Feb February 2nd 29th 60 60th 060"),
    (951782400000, "d do dd ddd dddd e E", "2 2nd Tu Tue Tuesday 2 2"),
    (951782400000, "w wo ww W Wo WW gg gggg GG GGGG", "10 10th 10 9 9th 09 00 2000 00 2000"),
    (951782400000, "A a hh k kk", "AM am 01 1 01"),
    (951782400000, "Z ZZ", "+01:00 +0100"),
    (951782400000, "X x", "951782400 951782400000"),
    (951782400000, "Q Qo", "1 1st"),
    (
        951782400000,
        "LT LTS L LL LLL LLLL",
        "1:00 AM 1:00:00 AM 02/29/2000 February 29, 2000 February 29, 2000 1:00 AM "
        "Tuesday, February 29, 2000 1:00 AM",
    ),
    (
        951782400000,
        "l ll lll llll",
        "2/29/2000 Feb 29, 2000 Feb 29, 2000 1:00 AM Tue, Feb 29, 2000 1:00 AM",
    ),
    (951782400000, "[today is] dddd [at] HH:mm", "today is Tuesday at 01:00"),
    (951782400000, "\\Y\\Y YYYY", "YY 2000"),
    (951782400000, "YYYYY YYYYYY", "02000 +002000"),
    (951782400000, "hmm hmmss Hmm Hmmss", "100 10000 100 10000"),
    (951782400000, "LLLL [LT]", "Tuesday, February 29, 2000 1:00 AM LT"),
    (951782400000, "YYYY-MM-DDTHH:mm:ssZ", "2000-02-29T01:00:00+01:00"),
]

# ($moment expression, message, result) in Europe/Berlin.
MOMENT_EXPRESSIONS = [
    (
        '$moment("2020-01-31T10:20:30Z").add(1, "months").toISOString()',
        {},
        "2020-02-29T10:20:30.000Z",
    ),
    (
        '$moment("2020-01-31T10:20:30Z").subtract(2, "days").format("YYYY-MM-DD HH:mm")',
        {},
        "2020-01-29 11:20",
    ),
    ("$moment(1700000000123).year()", {}, 2023),
    ("$moment(1700000000123).month()", {}, 10),
    ("$moment(1700000000123).date()", {}, 14),
    ("$moment(1700000000123).day()", {}, 2),
    ("$moment(1700000000123).hour()", {}, 23),
    ("$moment(1700000000123).valueOf()", {}, 1700000000123),
    ("$moment(1700000000123).unix()", {}, 1700000000),
    (
        '$moment("2024-03-15T12:00:00Z").startOf("month").toISOString()',
        {},
        "2024-02-29T23:00:00.000Z",
    ),
    ('$moment("2024-03-15T12:00:00Z").endOf("day").toISOString()', {}, "2024-03-15T22:59:59.999Z"),
    ('$moment("2024-03-15T12:00:00Z").startOf("week").format()', {}, "2024-03-10T00:00:00+01:00"),
    (
        '$moment("2024-03-15T12:00:00Z").startOf("isoWeek").format()',
        {},
        "2024-03-11T00:00:00+01:00",
    ),
    ('$moment("2024-03-15T12:00:00Z").isBefore("2024-03-16")', {}, True),
    ('$moment("2024-03-15T12:00:00Z").isSame("2024-03-15T23:00:00Z", "day")', {}, False),
    ('$moment("2024-03-15T12:00:00Z").diff("2024-01-01T00:00:00Z", "days")', {}, 74),
    ('$moment("2024-03-15T12:00:00Z").diff("2024-01-01T00:00:00Z", "months")', {}, 2),
    (
        '$moment("2024-03-15T12:00:00Z").diff("2024-01-01T00:00:00Z", "months", true)',
        {},
        2.467741935483871,
    ),
    ('$moment("2024-03-15T12:00:00Z").diff("2024-01-01T00:00:00Z")', {}, 6436800000),
    ('$moment("2024-03-15T12:00:00Z").utc().format()', {}, "2024-03-15T12:00:00Z"),
    (
        '$moment("2024-03-15T12:00:00Z").tz("Asia/Tokyo").format("YYYY-MM-DD HH:mm Z")',
        {},
        "2024-03-15 21:00 +09:00",
    ),
    (
        '$moment("15/03/2024 10:20", "DD/MM/YYYY HH:mm").format("YYYY-MM-DD HH:mm")',
        {},
        "2024-03-15 10:20",
    ),
    ('$moment("2024-03-15").format()', {}, "2024-03-15T00:00:00+01:00"),
    ('$moment("garbage").isValid()', {}, False),
    ('$moment("garbage").format("YYYY")', {}, "Invalid date"),
    ('$moment(payload).format("dddd")', {"payload": 1700000000123}, "Tuesday"),
    ('$moment("2024-02-29T12:00:00Z").add(1, "year").format("YYYY-MM-DD")', {}, "2025-02-28"),
    ('$moment("2024-03-15T12:00:00Z").daysInMonth()', {}, 31),
    ('$moment("2024-03-15T12:00:00Z").dayOfYear()', {}, 75),
    ('$moment("2024-03-15T12:00:00Z").isoWeek()', {}, 11),
    ('$moment("2024-03-15T12:00:00.5+02:00").toISOString()', {}, "2024-03-15T10:00:00.500Z"),
    ('$moment("2024-03-15T12:00:00Z").hour(3).toISOString()', {}, "2024-03-15T02:00:00.000Z"),
    ('$moment([2024, 0, 5]).format("YYYY-MM-DD")', {}, "2024-01-05"),
    ('$moment("2024-03-10T12:00:00Z").add(1, "day").format()', {}, "2024-03-11T13:00:00+01:00"),
]


# ---- helpers -------------------------------------------------------------------------------


class FakeNode:
    """What typed values need from a node: contexts and environment lookup."""

    def __init__(self) -> None:
        self.flow_context = Context()
        self.global_context = Context()
        self.flow_context.set("f", "F")
        self.global_context.set("g", None)

    def get_env(self, name: str) -> Any:
        return {"NR_TEST_A": "aa"}.get(name, UNDEFINED)


@pytest.fixture
def berlin() -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


def _plain(value: Any) -> Any:
    if value is UNDEFINED:
        return UNDEF
    if isinstance(value, datetime):
        return value.isoformat()
    return value


# ---- regular expressions ------------------------------------------------------------------


@pytest.mark.parametrize(("op", "text", "pattern", "flags", "replacement", "expected"), REGEX_CASES)
def test_regex_matches_javascript(
    op: str, text: str, pattern: str, flags: str, replacement: str | None, expected: Any
) -> None:
    try:
        rx = js_regex(pattern, flags)
        if op == "replace":
            assert replacement is not None
            got: Any = js_regex_replace(text, rx, replacement, 0 if "g" in flags else 1)
        else:
            m = rx.search(text)
            got = [m.group(0), *m.groups()] if m else None
    except JSError as e:
        assert e.name == "SyntaxError"
        got = f"ERR {e.message}"
    assert got == expected


def test_regex_error_names_the_pattern_and_flags() -> None:
    with pytest.raises(JSError) as info:
        js_regex("(", "g")
    assert str(info.value) == "SyntaxError: Invalid regular expression: /(/g: Unterminated group"


# ---- JSONata ------------------------------------------------------------------------------


@pytest.mark.parametrize(("expr", "msg", "expected"), JSONATA_CASES)
def test_jsonata_matches_node_red(expr: str, msg: dict[str, Any], expected: dict[str, Any]) -> None:
    node = FakeNode()
    try:
        compiled = JSONataExpression(expr, node)  # type: ignore[arg-type]
    except JSError as e:
        assert {"compile": e.message, "code": e.code} == expected
        return
    try:
        got: dict[str, Any] = {"ok": _plain(compiled.evaluate(msg))}
    except JSError as e:
        got = {"err": e.message, "code": e.code}
    assert got == expected


def test_jsonata_results_are_plain_python_data() -> None:
    result = JSONataExpression("[1, 2][$ > 0]", None).evaluate({})
    assert type(result) is list
    assert JSONataExpression("null", None).evaluate({}) is None
    assert JSONataExpression("nothing", None).evaluate({}) is UNDEFINED


def test_jsonata_legacy_mode_is_detected_like_node_red() -> None:
    assert JSONataExpression("msg.payload", None).legacy
    assert JSONataExpression("$count(msg)", None).legacy
    assert not JSONataExpression("payload.msg", None).legacy
    assert not JSONataExpression("'msg'", None).legacy
    assert not JSONataExpression("msgs", None).legacy


def test_jsonata_assign_and_bindings() -> None:
    expr = JSONataExpression("$I + $N", None)
    expr.assign("I", 1)
    expr.assign("N", 2)
    assert expr.evaluate({}) == 3
    assert JSONataExpression("$x", None).evaluate({}, bindings={"x": 5}) == 5


def test_jsonata_accepts_buffers_and_clones_them() -> None:
    msg = {"payload": {"b": b"\x01"}}
    assert JSONataExpression("$clone(payload)", None).evaluate(msg) == {"b": b"\x01"}


def test_jsonata_compile_error_carries_the_code() -> None:
    with pytest.raises(JSError) as info:
        JSONataExpression("payload +", None)
    assert info.value.code == "S0207"
    assert info.value.message == "Unexpected end of expression"


# ---- moment -------------------------------------------------------------------------------


@pytest.mark.usefixtures("berlin")
def test_moment_formats_match_moment_js() -> None:
    mismatches = [
        (ms, fmt, expected, format_date(fmt, ms))
        for ms, fmt, expected in MOMENT_FORMATS
        if format_date(fmt, ms) != expected
    ]
    assert mismatches == []


@pytest.mark.usefixtures("berlin")
@pytest.mark.parametrize(("expr", "msg", "expected"), MOMENT_EXPRESSIONS)
def test_moment_in_jsonata_matches_node_red(expr: str, msg: dict[str, Any], expected: Any) -> None:
    assert JSONataExpression(expr, None).evaluate(msg) == expected


def test_moment_without_format_is_a_date() -> None:
    now = JSONataExpression("$moment()", None).evaluate({})
    assert isinstance(now, datetime)


def test_date_values() -> None:
    assert format_date("", 1700000000123.0) == 1700000000123
    assert format_date("iso", 1700000000123.0) == "2023-11-14T22:13:20.123Z"
    assert format_date("object", 1700000000123.0) == datetime(
        2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC
    )
    assert isinstance(format_date(""), int)


# ---- typed values -------------------------------------------------------------------------


def test_static_types() -> None:
    env = FakeNode().get_env
    assert evaluate_static(5, "str", env) == "5"
    assert evaluate_static(None, "str", env) == "null"
    assert evaluate_static("1e3", "num", env) == 1000
    assert math.isnan(evaluate_static("abc", "num", env))
    assert evaluate_static("TRUE", "bool", env) is True
    assert evaluate_static("yes", "bool", env) is False
    assert evaluate_static('{"a":[1]}', "json", env) == {"a": [1]}
    assert evaluate_static("[1,2]", "bin", env) == b"\x01\x02"
    assert evaluate_static("^a", "re", env).search("abc")
    assert evaluate_static("NR_TEST_A", "env", env) == "aa"
    assert evaluate_static("x${NR_TEST_A}y", "env", env) == "xaay"
    assert evaluate_static("1 + 1", "jsonata", env) == 2
    assert evaluate_static("raw", "somethingelse", env) == "raw"


def test_invalid_json_is_a_syntax_error() -> None:
    with pytest.raises(JSError) as info:
        parse_json("{bad")
    assert info.value.name == "SyntaxError"
    with pytest.raises(JSError):
        parse_json("NaN")


def test_bin_values_are_buffer_from() -> None:
    assert parse_bin('[1, 256, 257, -1, 1.9, "7", "x", null, true]') == bytes(
        [1, 0, 1, 255, 1, 7, 0, 0, 1]
    )
    assert parse_bin('"héllo"') == "héllo".encode()
    with pytest.raises(JSError, match="Not string or array") as info:
        parse_bin("5")
    assert info.value.code == "INVALID_BUFFER_DATA"


def test_message_and_context_values() -> None:
    node = FakeNode()
    node.flow_context.set("obj", {"k": 1})
    msg = {"payload": {"a": [1, 2]}, "topic": "k"}
    assert evaluate_node_property("payload.a[1]", "msg", node, msg) == 2  # type: ignore[arg-type]
    assert evaluate_node_property("msg.topic", "msg", node, msg) == "k"  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        evaluate_node_property("nope.x", "msg", node, msg)  # type: ignore[arg-type]
    assert evaluate_node_property("f", "flow", node, msg) == "F"  # type: ignore[arg-type]
    assert evaluate_node_property("g", "global", node, msg) is None  # type: ignore[arg-type]
    assert evaluate_node_property("obj[msg.topic]", "flow", node, msg) == 1  # type: ignore[arg-type]
    assert evaluate_node_property("#:(memory)::f", "flow", node, msg) == "F"  # type: ignore[arg-type]
    assert evaluate_node_property("NR_TEST_A", "env", node, msg) == "aa"  # type: ignore[arg-type]
    assert evaluate_node_property("payload.a", "jsonata", node, msg) == [1, 2]  # type: ignore[arg-type]


def test_context_keys_resolve_references_in_node_red_text_form() -> None:
    msg = {"topic": 'say "hi"', "n": 2}
    assert resolve_context_key("#:(file)::a.b", None) == ("file", "a.b")
    assert resolve_context_key("a[msg.topic]", msg) == (None, "a['say \"hi\"']")
    assert resolve_context_key("a[msg.n].b", msg) == (None, 'a[2]["b"]')
    node = FakeNode()
    node.flow_context.set("a", [0, 0, {"b": "deep"}])
    assert get_context_value(node, "flow", "a[msg.n].b", msg) == "deep"  # type: ignore[arg-type]


def test_js_string_of_regex_values_keeps_javascript_source() -> None:
    assert js_string(js_regex("\\d+$")) == "/\\d+$/"
