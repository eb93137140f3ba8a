"""Inject node property types (evaluated on input, as ``POST /inject/:id`` does)."""

from __future__ import annotations

from typing import Any

from .builder import Case, FlowBuilder, prop


def _single(
    name: str, description: str, *props: dict, compare_logs: bool = False, **kw: Any
) -> Case:
    f = FlowBuilder()
    f.inject("inj", ["dbg"], *props, **kw)
    f.debug("dbg")
    return f.case(name, description, ["inj"], compare_logs=compare_logs)


def cases() -> list[Case]:
    out = [
        _single(
            "inject_str",
            "string payload and topic",
            prop("payload", "hello world", "str"),
            prop("topic", "t/1", "str"),
        ),
        _single("inject_str_empty", "empty string payload", prop("payload", "", "str")),
        _single(
            "inject_num",
            "number payloads: decimal, exponent, negative",
            prop("payload", "42.5", "num"),
            prop("a", "1e3", "num"),
            prop("b", "-7", "num"),
            prop("c", "0x10", "num"),
        ),
        _single(
            "inject_num_invalid",
            "a num value that is not a number gives NaN",
            prop("payload", "abc", "num"),
        ),
        _single(
            "inject_bool",
            "bool values: only /^true$/i is true",
            prop("payload", "true", "bool"),
            prop("f", "false", "bool"),
            prop("upper", "TRUE", "bool"),
            prop("other", "yes", "bool"),
        ),
        _single(
            "inject_json_object",
            "json object payload with nesting and null",
            prop("payload", '{"a":1,"b":[1,2,{"c":null}],"s":"x\\ny"}', "json"),
        ),
        _single(
            "inject_json_array",
            "json array payload",
            prop("payload", '[1,"two",true,null,{"k":[]}]', "json"),
        ),
        _single(
            "inject_json_scalar",
            "json scalars: number and string",
            prop("payload", "3.25", "json"),
            prop("s", '"quoted"', "json"),
        ),
        _single(
            "inject_bin", "bin payload from a byte array", prop("payload", "[1,2,255,0]", "bin")
        ),
        _single(
            "inject_bin_string",
            "bin payload from a JSON string (UTF-8 bytes)",
            prop("payload", '"héllo"', "bin"),
        ),
        _single(
            "inject_env",
            "env properties: plain name, ${} template, missing variable",
            prop("payload", "FE_GOLDEN_FOO", "env"),
            prop("both", "${FE_GOLDEN_FOO}-${FE_GOLDEN_BAR}", "env"),
            prop("missing", "FE_GOLDEN_NOT_SET", "env"),
            prop("empty", "FE_GOLDEN_EMPTY", "env"),
        ),
        _single(
            "inject_jsonata",
            "jsonata properties",
            prop("payload", "1 + 2 * 3", "jsonata"),
            prop("s", '"a" & "b" & $string(5)', "jsonata"),
            prop("e", '$env("FE_GOLDEN_FOO")', "jsonata"),
            prop("arr", "[1..4]", "jsonata"),
            prop("obj", '{"k": [1,2].($ * 10)}', "jsonata"),
        ),
        _single(
            "inject_jsonata_uses_msg",
            "jsonata props are evaluated in order against the msg",
            prop("payload", "5", "num"),
            prop("double", "payload * 2", "jsonata"),
            prop("legacy", "msg.payload + 1", "jsonata"),
        ),
        _single(
            "inject_msg_type",
            "msg type copies an earlier property (props run in order)",
            prop("payload", "original", "str"),
            prop("topic", "payload", "msg"),
            prop("missing", "nothing", "msg"),
        ),
        _single(
            "inject_msg_type_bad_path",
            "a msg path through a missing parent fails the inject",
            prop("payload", "x", "str"),
            prop("bad", "nothing.here", "msg"),
            compare_logs=True,
        ),
        _single(
            "inject_deep_paths",
            "deep property paths create objects and arrays",
            prop("payload", "1", "num"),
            prop("a.b.c", "deep", "str"),
            prop("list[1]", "second", "str"),
            prop('o["key with space"]', "q", "str"),
        ),
        _single("inject_no_props", "an empty props list sends just the message id"),
        _single(
            "inject_payload_legacy_fields",
            "payload/topic props without v use legacy fields",
            prop("payload", None, None),
            prop("topic", None, "str"),
            payload="legacy-payload",
            payloadType="str",
            topic="legacy-topic",
        ),
        _single(
            "inject_legacy_no_props",
            "a node with no props array uses payload/payloadType/topic",
            payload='{"x":1}',
            payloadType="json",
            topic="old",
            props=None,
        ),
    ]
    # context: a change node sets flow/global values, a second inject reads them.
    f = FlowBuilder()
    f.inject("set", ["ch"], prop("payload", "", "str"))
    f.change(
        "ch",
        [],
        [
            {"t": "set", "p": "fv", "pt": "flow", "to": "flow-value", "tot": "str"},
            {"t": "set", "p": "gv", "pt": "global", "to": '{"n":1}', "tot": "json"},
        ],
    )
    f.inject(
        "read",
        ["dbg"],
        prop("payload", "fv", "flow"),
        prop("g", "gv", "global"),
        prop("gn", "gv.n", "global"),
        prop("none", "nothing", "flow"),
    )
    f.debug("dbg")
    out.append(
        f.case("inject_flow_global", "inject reads flow and global context", ["set", "read"])
    )
    return out
