"""``flowengine.inspect.inspect_value`` against Node 22's ``util.inspect`` output.

Every expected string below was printed by Node 22 (``util.inspect(v, {depth})``).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from flowengine.errors import JSError
from flowengine.inspect import inspect_value, js_key_order, js_length, string_width
from flowengine.jsvalues import UNDEFINED

CASES: list[tuple[str, Any, int, str]] = [
    ("top-level string is quoted", "hello", 2, "'hello'"),
    (
        "nested beyond depth 2",
        {"a": 1, "b": "x", "c": [1, 2, {"d": {"e": {"f": 1}}}]},
        2,
        "{ a: 1, b: 'x', c: [ 1, 2, { d: [Object] } ] }",
    ),
    (
        "depth 10 breaks lines when more than 3 levels are inside",
        {"a": 1, "b": "x", "c": [1, 2, {"d": {"e": {"f": 1}}}]},
        10,
        "{\n  a: 1,\n  b: 'x',\n  c: [\n    1,\n    2,\n    { d: { e: { f: 1 } } }\n  ]\n}",
    ),
    (
        "objects beyond depth",
        {"a": {"b": {"c": {"d": {"e": 1}}}}},
        2,
        "{ a: { b: { c: [Object] } } }",
    ),
    ("arrays beyond depth", [[[[[1]]]]], 2, "[ [ [ [Array] ] ] ]"),
    (
        "empty containers are shown even beyond depth... unless their parent is cut",
        {"a": {"b": {"c": {"d": {}, "e": []}}}},
        2,
        "{ a: { b: { c: [Object] } } }",
    ),
    (
        "quote choice and escapes",
        [
            "it's",
            'say "hi"',
            "both ' and \"",
            "all ' \" `",
            "back\\slash",
            "nl\nx",
            "tab\t",
            "\x01\x7f",
        ],
        2,
        "[\n  \"it's\",\n  'say \"hi\"',\n  `both ' and \"`,\n  'all \\' \" `',\n"
        "  'back\\\\slash',\n  'nl\\nx',\n  'tab\\t',\n  '\\x01\\x7F'\n]",
    ),
    (
        "keys: identifiers bare, others quoted, index keys first",
        {"a-b": 1, "$x": 2, "_ok": 3, "9": 4, "01": 5, "it's": 6, "": 7},
        2,
        "{ '9': 4, 'a-b': 1, '$x': 2, _ok: 3, '01': 5, \"it's\": 6, '': 7 }",
    ),
    (
        "buffers",
        {"b": b"\x01\x02\xff", "e": b"", "big": b"\x07" * 55},
        2,
        "{\n  b: <Buffer 01 02 ff>,\n  e: <Buffer >,\n  big: <Buffer "
        + " ".join(["07"] * 50)
        + " ... 5 more bytes>\n}",
    ),
    (
        "numbers",
        [0, -0.0, 1.5, math.nan, math.inf, -math.inf, 1e21, 1e-7, 123456789012],
        2,
        "[ 0, -0, 1.5, NaN, Infinity, -Infinity, 1e+21, 1e-7, 123456789012 ]",
    ),
    (
        "undefined, null, booleans",
        {"u": UNDEFINED, "n": None, "t": True, "f": False},
        2,
        "{ u: undefined, n: null, t: true, f: false }",
    ),
    (
        "wider than 80 columns → one entry per line",
        {
            "alpha": "aaaaaaaaaaaaaaa",
            "beta": "bbbbbbbbbbbbbbbbbb",
            "gamma": "ccccccccccccccccc",
            "delta": 12345,
        },
        2,
        "{\n  alpha: 'aaaaaaaaaaaaaaa',\n  beta: 'bbbbbbbbbbbbbbbbbb',\n"
        "  gamma: 'ccccccccccccccccc',\n  delta: 12345\n}",
    ),
    (
        "numeric arrays are grouped in right-aligned columns",
        [i * 7 for i in range(30)],
        2,
        "[\n    0,   7,  14,  21,  28,  35,  42,  49,\n   56,  63,  70,  77,  84,  91,  98, 105,\n"
        "  112, 119, 126, 133, 140, 147, 154, 161,\n  168, 175, 182, 189, 196, 203\n]",
    ),
    (
        "string arrays are grouped left-aligned",
        [f"s{i}" for i in range(8)],
        2,
        "[\n  's0', 's1', 's2',\n  's3', 's4', 's5',\n  's6', 's7'\n]",
    ),
    (
        "more than 100 items",
        list(range(120)),
        2,
        "[\n"
        + "".join(
            "  " + ", ".join(f"{n:>2}" for n in range(row, min(row + 12, 100))) + ",\n"
            for row in range(0, 100, 12)
        )
        + "  ... 20 more items\n]",
    ),
    (
        "long multi-line strings are split after newlines",
        {
            "text": "line one is long enough\nline two is also quite long\n"
            "line three ends here and is long"
        },
        2,
        "{\n  text: 'line one is long enough\\n' +\n    'line two is also quite long\\n' +\n"
        "    'line three ends here and is long'\n}",
    ),
    (
        "a typical message at depth 10",
        {
            "_msgid": "0de3cc110a0bfec8",
            "payload": {"temperature": 21.5, "humidity": 40, "readings": [1, 2, 3, 4, 5, 6, 7, 8]},
            "topic": "sensors/room1",
        },
        10,
        "{\n  _msgid: '0de3cc110a0bfec8',\n  payload: {\n    temperature: 21.5,\n"
        "    humidity: 40,\n    readings: [\n      1, 2, 3, 4,\n      5, 6, 7, 8\n    ]\n"
        "  },\n  topic: 'sensors/room1'\n}",
    ),
    (
        "wide characters",
        {"日本語": "テキスト", "k": ["日本", "語"]},
        2,
        "{ '日本語': 'テキスト', k: [ '日本', '語' ] }",
    ),
]


@pytest.mark.parametrize(
    ("value", "depth", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_matches_node_util_inspect(value: Any, depth: int, expected: str) -> None:
    assert inspect_value(value, depth) == expected


def test_grouped_rows_are_right_aligned() -> None:
    # The "more than 100 items" case above builds its expectation; pin one row literally.
    assert inspect_value(list(range(120))).splitlines()[1] == (
        "   0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11,"
    )


def test_primitives_at_top_level() -> None:
    assert inspect_value(UNDEFINED) == "undefined"
    assert inspect_value(None) == "null"
    assert inspect_value(True) == "true"
    assert inspect_value(40) == "40"
    assert inspect_value(-0.0) == "-0"
    assert inspect_value(b"\x01\x02\x03") == "<Buffer 01 02 03>"
    assert inspect_value([]) == "[]"
    assert inspect_value({}) == "{}"


def test_dates_errors_and_circular_references() -> None:
    assert inspect_value(datetime(1970, 1, 1, tzinfo=UTC)) == "1970-01-01T00:00:00.000Z"
    assert inspect_value(JSError("boom")) == "[Error: boom]"
    assert inspect_value(JSError("bad", name="TypeError")) == "[TypeError: bad]"
    loop: dict[str, Any] = {"a": 1}
    loop["self"] = loop
    assert inspect_value(loop) == "<ref *1> { a: 1, self: [Circular *1] }"


def test_unlimited_depth() -> None:
    assert (
        inspect_value({"a": {"b": {"c": {"d": 1}}}}, depth=None)
        == "{\n  a: { b: { c: { d: 1 } } }\n}"
    )


def test_very_long_strings_are_cut_at_10000_characters() -> None:
    text = inspect_value(["x" * 10005])
    assert text.endswith("'... 5 more characters\n]")
    assert "x" * 10000 in text and "x" * 10001 not in text


def test_helpers() -> None:
    assert js_key_order({"b": 1, "2": 2, "a": 3, "1": 4, "01": 5}) == ["1", "2", "b", "a", "01"]
    assert js_length("a😀") == 3
    assert string_width("日本") == 4
    assert string_width("e\u0301") == 1
