"""Tests of the ``json`` node; expected values were observed on Node-RED 5.0.7 / Node 22."""

from __future__ import annotations

import logging
import math
from typing import Any

import pytest

from flowengine import JSError
from flowengine.testing import FlowTestHelper, load_error_lines
from flowengine.util.jsjson import is_circular, v8_json_error
from flowengine.util.jsjson import js_json_loads as js_json_parse
from flowengine.util.jsonschema_ajv import AjvSchema, SchemaCompileError, errors_text

SCHEMA = {"type": "object", "properties": {"a": {"type": "number"}}, "required": ["a"]}


def _flow(tab: dict[str, Any], **config: Any) -> list[dict[str, Any]]:
    node = {"id": "j", "type": "json", "z": tab["id"], "x": 1, "y": 1, "property": "payload"}
    node.update({"action": "", "pretty": False, "wires": [["out"]]})
    node.update(config)
    z = tab["id"]
    return [
        tab,
        node,
        {"id": "out", "type": "helper", "z": z, "x": 1, "y": 1, "wires": []},
        {"id": "c", "type": "catch", "z": z, "x": 1, "y": 1, "scope": None, "wires": [["err"]]},
        {"id": "err", "type": "helper", "z": z, "x": 1, "y": 1, "wires": []},
    ]


def _run(tab: dict[str, Any], msgs: list[dict[str, Any]], **config: Any) -> FlowTestHelper:
    """Run the node over ``msgs``; returns the (stopped) helper for inspection."""
    with FlowTestHelper(_flow(tab, **config)) as h:
        for m in msgs:
            h.inject("j", m)
        h.wait_idle()
    return h


def _outputs(h: FlowTestHelper) -> list[dict[str, Any]]:
    return [{k: v for k, v in m.items() if k != "_msgid"} for m in h.received("out")]


# ---- conversions ------------------------------------------------------------------


def test_string_and_buffer_are_parsed(tab: dict[str, Any]) -> None:
    h = _run(tab, [{"payload": '{"a":1}'}, {"payload": b'{"b":2}'}, {"payload": '"s"'}])
    assert [m["payload"] for m in _outputs(h)] == [{"a": 1}, {"b": 2}, "s"]


def test_values_are_stringified(tab: dict[str, Any]) -> None:
    msgs = [{"payload": {"a": [1, {"b": None}]}}, {"payload": 5}, {"payload": True}]
    msgs += [{"payload": None}, {"payload": [1.5, 1e21, 1e-7, -0.0]}]
    h = _run(tab, msgs)
    assert [m["payload"] for m in _outputs(h)] == [
        '{"a":[1,{"b":null}]}',
        "5",
        "true",
        "null",
        "[1.5,1e+21,1e-7,0]",
    ]


def test_pretty_uses_four_spaces(tab: dict[str, Any]) -> None:
    h = _run(tab, [{"payload": {"a": [1, {"b": None}], "c": {}, "d": []}}], pretty=True)
    assert _outputs(h)[0]["payload"] == (
        '{\n    "a": [\n        1,\n        {\n            "b": null\n        }\n    ],\n'
        '    "c": {},\n    "d": []\n}'
    )


def test_numbers_parse_as_javascript_doubles(tab: dict[str, Any]) -> None:
    h = _run(tab, [{"payload": "1e400"}, {"payload": "12345678901234567890"}])
    big, huge = (m["payload"] for m in _outputs(h))
    assert big == math.inf
    assert huge == 12345678901234567000.0 and isinstance(huge, float)


def test_missing_property_passes_through(tab: dict[str, Any]) -> None:
    h = _run(tab, [{"topic": "t"}])
    assert _outputs(h) == [{"topic": "t"}]


def test_action_str_leaves_strings_and_buffers(tab: dict[str, Any]) -> None:
    h = _run(tab, [{"payload": '{"a":1}'}, {"payload": b"{}"}, {"payload": {"x": 1}}], action="str")
    assert [m["payload"] for m in _outputs(h)] == ['{"a":1}', b"{}", '{"x":1}']


def test_action_obj_leaves_objects(tab: dict[str, Any]) -> None:
    h = _run(tab, [{"payload": {"a": 1}}, {"payload": "[1,2]"}, {"payload": 7}], action="obj")
    assert [m["payload"] for m in _outputs(h)] == [{"a": 1}, [1, 2], 7]


def test_nested_property(tab: dict[str, Any]) -> None:
    h = _run(tab, [{"a": {"b": '{"a":1}'}}], property="a.b")
    assert _outputs(h) == [{"a": {"b": {"a": 1}}}]


def test_parse_error_goes_to_catch_without_prefix(tab: dict[str, Any]) -> None:
    h = _run(tab, [{"payload": "xyz"}, {"payload": ""}, {"payload": "{bad"}])
    assert h.received("out") == []
    assert [m["error"]["message"] for m in h.received("err")] == [
        "Unexpected token 'x', \"xyz\" is not valid JSON",
        "Unexpected end of JSON input",
        "Expected property name or '}' in JSON at position 1 (line 1 column 2)",
    ]


def test_unsupported_type_warns(tab: dict[str, Any]) -> None:
    h = _run(tab, [{"payload": print}])
    assert h.received("out") == [] and h.warnings() == ["Ignored unsupported payload type"]


def test_circular_values_are_detected() -> None:
    # The node answers "Failed to convert payload" for these (JSON.stringify throws).
    loop: dict[str, Any] = {"list": []}
    loop["list"].append(loop)
    shared = [1]
    assert is_circular(loop)
    assert not is_circular({"a": shared, "b": shared, "c": [shared]})


# ---- schema validation ---------------------------------------------------------------


def test_valid_schema_removes_msg_schema(tab: dict[str, Any]) -> None:
    h = _run(tab, [{"payload": '{"a":1}', "schema": SCHEMA}, {"payload": {"a": 2}, "schema": True}])
    assert _outputs(h) == [{"payload": {"a": 1}}, {"payload": '{"a":2}'}]


def test_invalid_parsed_value_sets_schema_error(tab: dict[str, Any]) -> None:
    h = _run(tab, [{"payload": '{"a":"x"}', "schema": SCHEMA}])
    [msg] = h.received("err")
    assert msg["payload"] == {"a": "x"} and msg["schema"] == SCHEMA
    assert msg["schemaError"] == [
        {
            "instancePath": "/a",
            "schemaPath": "#/properties/a/type",
            "keyword": "type",
            "params": {"type": "number"},
            "message": "must be number",
        }
    ]
    assert msg["error"]["message"] == "JSON Schema error: data/a must be number"


def test_invalid_object_is_not_stringified(tab: dict[str, Any]) -> None:
    h = _run(tab, [{"payload": {"b": 1}, "schema": SCHEMA}])
    [msg] = h.received("err")
    assert msg["payload"] == {"b": 1}
    assert msg["error"]["message"] == "JSON Schema error: data must have required property 'a'"


def test_action_str_validates_the_string(tab: dict[str, Any]) -> None:
    msgs = [
        {"payload": '{"b":1}', "schema": SCHEMA},
        {"payload": "{bad", "schema": SCHEMA},
        {"payload": '{"a":3}', "schema": SCHEMA},
    ]
    h = _run(tab, msgs, action="str")
    assert [m["error"]["message"] for m in h.received("err")] == [
        "JSON Schema error: data must have required property 'a'",
        "Expected property name or '}' in JSON at position 1 (line 1 column 2)",
    ]
    assert _outputs(h) == [{"payload": '{"a":3}'}]


def test_action_obj_validates_objects(tab: dict[str, Any]) -> None:
    h = _run(tab, [{"payload": {"a": 2}, "schema": SCHEMA}], action="obj")
    assert _outputs(h) == [{"payload": {"a": 2}}]


def test_schema_that_does_not_compile(tab: dict[str, Any]) -> None:
    msgs = [
        {"payload": "{}", "schema": {"type": "foo"}},
        {"payload": "{}", "schema": "string schema"},
        {"payload": "{}", "schema": {"foo": 1}},
        {"payload": "{}", "schema": {"type": "string", "format": "email"}},
    ]
    h = _run(tab, msgs)
    errors = [m["error"]["message"] for m in h.received("err")]
    assert errors == ["JSON Schema error: failed to compile schema"] * 4


def test_falsy_schema_is_ignored(tab: dict[str, Any]) -> None:
    h = _run(tab, [{"payload": {"a": 1}, "schema": False}, {"payload": "1", "schema": ""}])
    assert _outputs(h) == [{"payload": '{"a":1}', "schema": False}, {"payload": 1, "schema": ""}]


def test_nested_property_validates_top_level_key_like_node_red(tab: dict[str, Any]) -> None:
    # Node-RED checks msg["a.b"], which is undefined, so an object schema fails.
    h = _run(tab, [{"a": {"b": '{"a":1}'}, "schema": SCHEMA}], property="a.b")
    [msg] = h.received("err")
    assert msg["error"]["message"] == "JSON Schema error: data must be object"


# ---- configuration -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "field"), [({"action": "toggle"}, "action"), ({"property": "a["}, "property")]
)
def test_bad_config_is_rejected(tab: dict[str, Any], config: dict[str, Any], field: str) -> None:
    lines = load_error_lines(_flow(tab, **config))
    assert len(lines) == 1 and f"(json): {field}:" in lines[0], lines


def test_defaults_when_options_missing(tab: dict[str, Any]) -> None:
    flow = _flow(tab)
    for key in ("action", "pretty", "property"):
        del flow[1][key]
    with FlowTestHelper(flow) as h:
        h.inject("j", {"payload": "[1]"})
        [msg] = h.wait_for("out")
    assert msg["payload"] == [1]


# ---- JSON.parse messages (V8, Node 22) -------------------------------------------------

V8_MESSAGES = [
    ("xyz", "Unexpected token 'x', \"xyz\" is not valid JSON"),
    ("", "Unexpected end of JSON input"),
    ("tru", "Unexpected end of JSON input"),
    ("[", "Unexpected end of JSON input"),
    ("{", "Expected property name or '}' in JSON at position 1 (line 1 column 2)"),
    ('{"a" 1}', "Expected ':' after property name in JSON at position 5 (line 1 column 6)"),
    (
        '{"a":1 "b":2}',
        "Expected ',' or '}' after property value in JSON at position 7 (line 1 column 8)",
    ),
    ("[1,]", "Unexpected token ']', \"[1,]\" is not valid JSON"),
    ('{"a":1,}', "Expected double-quoted property name in JSON at position 7 (line 1 column 8)"),
    ("1 2", "Unexpected non-whitespace character after JSON at position 2 (line 1 column 3)"),
    ('"abc', "Unterminated string in JSON at position 4 (line 1 column 5)"),
    ('"\\\\', "Unterminated string in JSON at position 3 (line 1 column 4)"),
    ('"a\nb"', "Bad control character in string literal in JSON at position 2 (line 1 column 3)"),
    ('"\\x"', "Bad escaped character in JSON at position 2 (line 1 column 3)"),
    ('"\\u12g4"', "Bad Unicode escape in JSON at position 5 (line 1 column 6)"),
    ("-", "No number after minus sign in JSON at position 1 (line 1 column 2)"),
    ("1e", "Exponent part is missing a number in JSON at position 2 (line 1 column 3)"),
    ("1.", "Unterminated fractional number in JSON at position 2 (line 1 column 3)"),
    (".5", "Unexpected token '.', \".5\" is not valid JSON"),
    ("01", "Unexpected number in JSON at position 1 (line 1 column 2)"),
    ("NaN", '"NaN" is not valid JSON'),
    ("Infinity", '"Infinity" is not valid JSON'),
    ("undefined", '"undefined" is not valid JSON'),
    ("[object Object]", '"[object Object]" is not valid JSON'),
    ('{"a":}', 'Unexpected token \'}\', "{"a":}" is not valid JSON'),
    ("'a'", "Unexpected token ''', \"'a'\" is not valid JSON"),
    ("x2345678901234567890", "Unexpected token 'x', \"x2345678901234567890\" is not valid JSON"),
    ("x23456789012345678901", "Unexpected token 'x', \"x234567890\"... is not valid JSON"),
    (
        "[1,2,3,4,5,6,7,8,9,x,11,12,13,14,15,16]",
        "Unexpected token 'x', ...\"5,6,7,8,9,x,11,12,13\"... is not valid JSON",
    ),
    (
        "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,x]",
        "Unexpected token 'x', ...\",12,13,14,x]\" is not valid JSON",
    ),
    (
        '{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":1, x}',
        "Expected double-quoted property name in JSON at position 38 (line 1 column 39)",
    ),
    (
        '{"a":1}\n\nfoo',
        "Unexpected non-whitespace character after JSON at position 9 (line 3 column 1)",
    ),
    (
        "[1,\r\n2,\r\n3 4]",
        "Expected ',' or ']' after array element in JSON at position 11 (line 3 column 3)",
    ),
    (
        "[1,\r2,\r3 4]",
        "Expected ',' or ']' after array element in JSON at position 9 (line 3 column 3)",
    ),
    (
        '["\U0001f600",x,1111111111111111111111111111]',
        'Unexpected token \'x\', "["\U0001f600",x,11111111"... is not valid JSON',
    ),
    (
        '["\U0001f600" 1]',
        "Expected ',' or ']' after array element in JSON at position 6 (line 1 column 7)",
    ),
    ("\ufeff{}", "Unexpected token '\ufeff', \"\ufeff{}\" is not valid JSON"),
    ("\x0c[]", "Unexpected token '\x0c', \"\x0c[]\" is not valid JSON"),
    ("+1", "Unexpected token '+', \"+1\" is not valid JSON"),
    ("-01", "Unexpected number in JSON at position 2 (line 1 column 3)"),
    ("[1.5e]", "Exponent part is missing a number in JSON at position 5 (line 1 column 6)"),
]


@pytest.mark.parametrize(("text", "message"), V8_MESSAGES)
def test_parse_errors_use_v8_messages(text: str, message: str) -> None:
    with pytest.raises(JSError) as info:
        js_json_parse(text)
    assert info.value.name == "SyntaxError" and info.value.message == message


@pytest.mark.parametrize("text", ['{"a":[1,{"b":null}]}', " [ ] ", '"\\ud800"', "-0.0e-0", "1E5"])
def test_valid_json_has_no_error(text: str) -> None:
    assert v8_json_error(text) is None
    js_json_parse(text)


# ---- ajv error objects (ajv 8.20, allErrors, strict) ------------------------------------


def _err(ipath: str, spath: str, kw: str, params: dict[str, Any], msg: str) -> dict[str, Any]:
    return {
        "instancePath": ipath,
        "schemaPath": spath,
        "keyword": kw,
        "params": params,
        "message": msg,
    }


AJV_CASES: list[tuple[Any, Any, list[dict[str, Any]]]] = [
    (
        {
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "number", "minimum": 3}},
            "required": ["a", "c"],
        },
        {"a": 1, "b": 2},
        [
            _err(
                "",
                "#/required",
                "required",
                {"missingProperty": "c"},
                "must have required property 'c'",
            ),
            _err("/a", "#/properties/a/type", "type", {"type": "string"}, "must be string"),
            _err(
                "/b",
                "#/properties/b/minimum",
                "minimum",
                {"comparison": ">=", "limit": 3},
                "must be >= 3",
            ),
        ],
    ),
    (
        {"type": "number", "minimum": 3, "enum": [1]},
        "abc",
        [
            _err(
                "",
                "#/enum",
                "enum",
                {"allowedValues": [1]},
                "must be equal to one of the allowed values",
            ),
            _err("", "#/type", "type", {"type": "number"}, "must be number"),
        ],
    ),
    (
        {"anyOf": [{"type": "string"}, {"type": "number"}]},
        True,
        [
            _err("", "#/anyOf/0/type", "type", {"type": "string"}, "must be string"),
            _err("", "#/anyOf/1/type", "type", {"type": "number"}, "must be number"),
            _err("", "#/anyOf", "anyOf", {}, "must match a schema in anyOf"),
        ],
    ),
    (
        {"oneOf": [{"minimum": 0}, {"maximum": 10}, {"multipleOf": 1}]},
        5,
        [
            _err(
                "",
                "#/oneOf",
                "oneOf",
                {"passingSchemas": [0, 1]},
                "must match exactly one schema in oneOf",
            )
        ],
    ),
    (
        {"if": {"type": "number"}, "then": {"minimum": 10}, "else": {"maxLength": 1}},
        "abc",
        [
            _err(
                "",
                "#/else/maxLength",
                "maxLength",
                {"limit": 1},
                "must NOT have more than 1 characters",
            ),
            _err("", "#/if", "if", {"failingKeyword": "else"}, 'must match "else" schema'),
        ],
    ),
    (
        {"type": "object", "additionalProperties": False, "properties": {"a": {}}},
        {"x": 1, "a": 2, "y": 3},
        [
            _err(
                "",
                "#/additionalProperties",
                "additionalProperties",
                {"additionalProperty": "x"},
                "must NOT have additional properties",
            ),
            _err(
                "",
                "#/additionalProperties",
                "additionalProperties",
                {"additionalProperty": "y"},
                "must NOT have additional properties",
            ),
        ],
    ),
    (
        {"type": "array", "items": {"type": "integer"}, "minItems": 5, "uniqueItems": True},
        [1, 1.5, 1, "a"],
        [
            _err("", "#/minItems", "minItems", {"limit": 5}, "must NOT have fewer than 5 items"),
            _err("/1", "#/items/type", "type", {"type": "integer"}, "must be integer"),
            _err("/3", "#/items/type", "type", {"type": "integer"}, "must be integer"),
            _err(
                "",
                "#/uniqueItems",
                "uniqueItems",
                {"i": 0, "j": 2},
                "must NOT have duplicate items (items ## 2 and 0 are identical)",
            ),
        ],
    ),
    (
        {"uniqueItems": True},
        [{"a": 1}, {"b": 1}, {"a": 1}],
        [
            _err(
                "",
                "#/uniqueItems",
                "uniqueItems",
                {"i": 2, "j": 0},
                "must NOT have duplicate items (items ## 0 and 2 are identical)",
            )
        ],
    ),
    (
        {"type": "object", "dependencies": {"a": ["b", "c"]}, "propertyNames": {"maxLength": 1}},
        {"a": 1, "dd": 2},
        [
            {
                **_err(
                    "",
                    "#/propertyNames/maxLength",
                    "maxLength",
                    {"limit": 1},
                    "must NOT have more than 1 characters",
                ),
                "propertyName": "dd",
            },
            _err(
                "",
                "#/propertyNames",
                "propertyNames",
                {"propertyName": "dd"},
                "property name must be valid",
            ),
            _err(
                "",
                "#/dependencies",
                "dependencies",
                {"property": "a", "missingProperty": "b", "depsCount": 2, "deps": "b, c"},
                "must have properties b, c when property a is present",
            ),
            _err(
                "",
                "#/dependencies",
                "dependencies",
                {"property": "a", "missingProperty": "c", "depsCount": 2, "deps": "b, c"},
                "must have properties b, c when property a is present",
            ),
        ],
    ),
    (
        {
            "definitions": {"p": {"type": "integer"}},
            "properties": {"a": {"$ref": "#/definitions/p"}},
        },
        {"a": "x"},
        [_err("/a", "#/definitions/p/type", "type", {"type": "integer"}, "must be integer")],
    ),
    (
        {
            "properties": {
                "a b": {"type": "string"},
                "c/d": {"properties": {"e~f": {"type": "number"}}},
            }
        },
        {"a b": 1, "c/d": {"e~f": "x"}},
        [
            _err("/a b", "#/properties/a%20b/type", "type", {"type": "string"}, "must be string"),
            _err(
                "/c~1d/e~0f",
                "#/properties/c~1d/properties/e~0f/type",
                "type",
                {"type": "number"},
                "must be number",
            ),
        ],
    ),
    (
        {
            "type": "array",
            "items": [{"type": "string"}],
            "additionalItems": False,
            "contains": {"type": "boolean"},
        },
        [1, "a"],
        [
            _err(
                "",
                "#/additionalItems",
                "additionalItems",
                {"limit": 1},
                "must NOT have more than 1 items",
            ),
            _err("/0", "#/items/0/type", "type", {"type": "string"}, "must be string"),
            _err("/0", "#/contains/type", "type", {"type": "boolean"}, "must be boolean"),
            _err("/1", "#/contains/type", "type", {"type": "boolean"}, "must be boolean"),
            _err(
                "",
                "#/contains",
                "contains",
                {"minContains": 1},
                "must contain at least 1 valid item(s)",
            ),
        ],
    ),
    (
        {"const": 3, "multipleOf": 2, "exclusiveMaximum": 1},
        5,
        [
            _err("", "#/const", "const", {"allowedValue": 3}, "must be equal to constant"),
            _err(
                "",
                "#/exclusiveMaximum",
                "exclusiveMaximum",
                {"comparison": "<", "limit": 1},
                "must be < 1",
            ),
            _err("", "#/multipleOf", "multipleOf", {"multipleOf": 2}, "must be multiple of 2"),
        ],
    ),
    (
        {"properties": {"a": False}},
        {"a": 1},
        [_err("/a", "#/properties/a/false schema", "false schema", {}, "boolean schema is false")],
    ),
    (
        {"type": ["string", "null"]},
        5,
        [_err("", "#/type", "type", {"type": ["string", "null"]}, "must be string,null")],
    ),
    (
        {"type": "string", "pattern": "^\\d{3}$"},
        "123\n",
        [
            _err(
                "", "#/pattern", "pattern", {"pattern": "^\\d{3}$"}, 'must match pattern "^\\d{3}$"'
            )
        ],
    ),
]


@pytest.mark.parametrize(("schema", "data", "expected"), AJV_CASES)
def test_ajv_errors(schema: Any, data: Any, expected: list[dict[str, Any]]) -> None:
    assert AjvSchema(schema).validate(data) == expected


def test_errors_text_and_valid_data() -> None:
    schema = AjvSchema({"type": "object", "properties": {"n": {"type": "integer"}}})
    assert schema.validate({"n": 1.0}) is None
    errors = schema.validate({"n": "x"})
    assert errors is not None and errors_text(errors) == "data/n must be integer"


@pytest.mark.parametrize(
    "schema",
    [
        {"foo": 1},
        {"type": "strin"},
        {"format": "date-time"},
        {"$schema": "http://json-schema.org/draft-04/schema#"},
        {"$ref": "#/definitions/missing"},
        {"if": {"const": 1}},
        {"then": {"const": 1}},
        {"dependentRequired": {"a": ["b"]}},
        {"pattern": "\\p{Lu}"},  # valid for ajv; refused here (Python re has no \\p{...})
        [1],
    ],
)
def test_schemas_ajv_would_not_compile(schema: Any) -> None:
    with pytest.raises(SchemaCompileError):
        AjvSchema(schema)


def test_draft6_and_annotations_compile() -> None:
    schema = {"$schema": "http://json-schema.org/draft-06/schema#", "title": "t", "type": "integer"}
    assert AjvSchema(schema).validate(1.5) is not None
    assert (
        AjvSchema({"description": "d", "default": 1, "examples": [1], "$comment": "c"}).validate(0)
        is None
    )


def test_logs_nothing_on_success(tab: dict[str, Any]) -> None:
    h = _run(tab, [{"payload": "{}"}])
    assert not [t for _, level, t in h.logs if level >= logging.WARNING]
