"""JSON node: both directions, forced actions, pretty printing, other property, errors."""

from __future__ import annotations

from typing import Any

from .builder import Case, FlowBuilder, prop


def _json(
    name: str,
    description: str,
    payloads: list[tuple[str, str]],
    *,
    action: str = "",
    pretty: bool = False,
    prop_name: str = "payload",
    debug: str = "payload",
    catch: bool = False,
    compare_logs: bool = False,
    extra_props: tuple[dict[str, Any], ...] = (),
) -> Case:
    f = FlowBuilder()
    ids = []
    for n, (v, vt) in enumerate(payloads, 1):
        ids.append(f.inject(f"i{n}", ["js"], prop(prop_name, v, vt), *extra_props))
    f.json("js", ["dbg"], action=action, prop=prop_name, pretty=pretty)
    f.debug("dbg", debug)
    if catch:
        f.catch("c", ["err"])
        f.debug("err", "true")
    return f.case(name, description, ids, compare_logs=compare_logs)


def cases() -> list[Case]:
    return [
        _json(
            "json_parse_string",
            "string -> object/array/number/string/bool/null",
            [
                ('{"a":[1,2],"b":{"c":"d"}}', "str"),
                ('[1,"x"]', "str"),
                ("3.5", "str"),
                ('"just text"', "str"),
                ("true", "str"),
                ("null", "str"),
            ],
        ),
        _json(
            "json_stringify",
            "object/array/number/boolean -> JSON text",
            [
                ('{"a":[1,2],"b":{"c":"d"},"u":"é"}', "json"),
                ("[1,null]", "json"),
                ("12", "num"),
                ("false", "bool"),
            ],
        ),
        _json(
            "json_pretty",
            "pretty printing uses 4 spaces",
            [('{"a":[1,{"b":2}],"e":{},"l":[]}', "json")],
            pretty=True,
        ),
        _json(
            "json_action_obj",
            "action obj: always parse; objects pass unchanged",
            [('{"k":1}', "str"), ('{"k":1}', "json")],
            action="obj",
        ),
        _json(
            "json_action_str",
            "action str: always stringify; strings pass unchanged",
            [('{"k":1}', "json"), ("already text", "str")],
            action="str",
        ),
        _json(
            "json_buffer_input",
            "a Buffer holding JSON is parsed",
            [("[123,34,97,34,58,49,125]", "bin")],
        ),
        _json(
            "json_buffer_action_str",
            "a Buffer with action str is ignored with a warning",
            [("[1,2]", "bin")],
            action="str",
            compare_logs=True,
        ),
        _missing_property(),
        _json(
            "json_schema_valid",
            "msg.schema: a valid object passes and msg.schema is removed",
            [('{"a":1}', "str")],
            debug="true",
            extra_props=(prop("schema", '{"type":"object","required":["a"]}', "json"),),
        ),
        _json(
            "json_schema_invalid",
            "msg.schema: an invalid object is an error with schemaError",
            [('{"b":"x"}', "str")],
            catch=True,
            extra_props=(
                prop(
                    "schema",
                    '{"type":"object","required":["a"],"properties":{"b":{"type":"number"}}}',
                    "json",
                ),
            ),
        ),
        _json(
            "json_schema_stringify",
            "msg.schema checked before stringifying an object",
            [('{"a":1}', "json"), ('{"a":"one"}', "json")],
            catch=True,
            extra_props=(prop("schema", '{"properties":{"a":{"type":"integer"}}}', "json"),),
        ),
        _json(
            "json_other_property",
            "convert msg.data instead of payload",
            [('{"d":true}', "str")],
            prop_name="data",
            debug="true",
        ),
        _json(
            "json_parse_error_caught",
            "invalid JSON: error to catch, nothing sent",
            [("{bad json}", "str")],
            catch=True,
        ),
        _json(
            "json_parse_error_message_shapes",
            "error texts for several invalid inputs",
            [("", "str"), ("[1,2", "str"), ("undefined", "str"), ("{'a':1}", "str")],
            catch=True,
            debug="payload",
        ),
        _json(
            "json_unicode_escapes",
            "unicode escapes in JSON text",
            [('{"s":"\\u00e9\\u2713\\n"}', "str")],
        ),
        _json(
            "json_large_numbers",
            "number edge cases survive a round trip",
            [('{"big":12345678901234567890,"small":1e-7,"neg":-0,"f":0.1}', "str")],
        ),
    ]


def _missing_property() -> Case:
    f = FlowBuilder()
    f.inject("i1", ["js"], prop("topic", "no payload", "str"))
    f.json("js", ["dbg"])
    f.debug("dbg", "true")
    return f.case(
        "json_missing_property", "a missing property passes the message unchanged", ["i1"]
    )
