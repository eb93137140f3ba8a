"""``flowengine.util.jsjson``: JSON.parse with V8's messages (recorded from Node 22)."""

from __future__ import annotations

import pytest

from flowengine.errors import JSError
from flowengine.util.jsjson import is_circular, js_json_loads, v8_json_error


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"a":1,}',
            "Expected double-quoted property name in JSON at position 7 (line 1 column 8)",
        ),
        ("[1,2", "Expected ',' or ']' after array element in JSON at position 4 (line 1 column 5)"),
        ("tru", "Unexpected end of JSON input"),
        ("", "Unexpected end of JSON input"),
        ('{"a" 1}', "Expected ':' after property name in JSON at position 5 (line 1 column 6)"),
        ("01", "Unexpected number in JSON at position 1 (line 1 column 2)"),
    ],
)
def test_syntax_errors_carry_v8_messages(text: str, message: str) -> None:
    with pytest.raises(JSError) as info:
        js_json_loads(text)
    assert (info.value.name, info.value.message) == ("SyntaxError", message)
    assert v8_json_error(text) == message


def test_values_parse_as_javascript_numbers_and_strings() -> None:
    assert js_json_loads('{"n": 1.0, "big": 12345678901234567890, "s": "\\u00e4"}') == {
        "n": 1,
        "big": 1.2345678901234567e19,
        "s": "ä",
    }
    assert js_json_loads(5) == 5  # String(5) is parsed
    assert v8_json_error("[1, 2]") is None


def test_cycles_are_found_and_shared_values_are_not_cycles() -> None:
    node: dict[str, object] = {"a": [1]}
    assert not is_circular({"x": node, "y": node})
    node["self"] = [node]
    assert is_circular({"x": node})
