"""Switch node: every operator, value types, checkall, else, prev, jsonata, regex case."""

from __future__ import annotations

from typing import Any

from .builder import Case, FlowBuilder, prop


def _r(t: str, v: str | None = None, vt: str | None = None, **kw: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {"t": t}
    if v is not None:
        rule["v"] = v
    if vt is not None:
        rule["vt"] = vt
    rule.update(kw)
    return rule


def _switch_case(
    name: str,
    description: str,
    rules: list[dict[str, Any]],
    payloads: list[tuple[str, str]],
    *,
    checkall: str = "true",
    prop_name: str = "payload",
    prop_type: str = "msg",
    debug: str = "payload",
    extra_props: tuple[dict[str, Any], ...] = (),
    setup: list[dict[str, Any]] | None = None,
) -> Case:
    """One inject per payload into a switch; port i goes to debug node ``p<i>``."""
    f = FlowBuilder()
    ids: list[str] = []
    if setup:
        f.inject("setup", ["ctx"], prop("payload", "", "str"))
        f.change("ctx", [], setup)
        ids.append("setup")
    for n, (v, vt) in enumerate(payloads, 1):
        ids.append(f.inject(f"i{n}", ["sw"], prop("payload", v, vt), *extra_props))
    ports = [f"p{i}" for i in range(len(rules))]
    f.switch(
        "sw", [[p] for p in ports], rules, checkall=checkall, prop=prop_name, prop_type=prop_type
    )
    for p in ports:
        f.debug(p, debug)
    return f.case(name, description, ids)


_NUMS = [
    ("5", "num"),
    ("5", "str"),
    ("7", "num"),
    ("3", "num"),
    ("abc", "str"),
    ("", "str"),
    ("null", "json"),
    ("true", "bool"),
]


def cases() -> list[Case]:
    out = [
        _switch_case(
            "switch_eq_neq",
            "== and != with number and string values (loose equality)",
            [
                _r("eq", "5", "num"),
                _r("eq", "5", "str"),
                _r("neq", "5", "num"),
                _r("eq", "true", "str"),
            ],
            _NUMS,
        ),
        _switch_case(
            "switch_lt_lte_gt_gte",
            "ordering operators with mixed types",
            [
                _r("lt", "5", "num"),
                _r("lte", "5", "num"),
                _r("gt", "5", "num"),
                _r("gte", "5", "num"),
            ],
            _NUMS,
        ),
        _switch_case(
            "switch_string_compare",
            "ordering operators on strings",
            [_r("lt", "m", "str"), _r("gte", "m", "str")],
            [("apple", "str"), ("zebra", "str"), ("M", "str"), ("m", "str")],
        ),
        _switch_case(
            "switch_btwn",
            "between, in either order of bounds",
            [
                _r("btwn", "1", "num", v2="10", v2t="num"),
                _r("btwn", "10", "num", v2="1", v2t="num"),
                _r("btwn", "a", "str", v2="c", v2t="str"),
            ],
            [
                ("1", "num"),
                ("5.5", "num"),
                ("10", "num"),
                ("11", "num"),
                ("b", "str"),
                ("7", "str"),
            ],
        ),
        _switch_case(
            "switch_cont",
            "contains on strings, numbers, objects",
            [_r("cont", "ell", "str"), _r("cont", "2", "str"), _r("cont", "object", "str")],
            [("hello", "str"), ("123", "num"), ('{"a":1}', "json"), ("[1,2]", "json")],
        ),
        _switch_case(
            "switch_regex",
            "regex match, case sensitive and insensitive",
            [
                _r("regex", "^ab+c$", "str", case=False),
                _r("regex", "^ab+c$", "str", case=True),
                _r("regex", "\\d{3}", "str"),
            ],
            [("abbc", "str"), ("ABBC", "str"), ("x123y", "str"), ("12", "num"), ("123", "num")],
        ),
        _switch_case(
            "switch_true_false",
            "is true / is false (strict)",
            [_r("true"), _r("false")],
            [("true", "bool"), ("false", "bool"), ("true", "str"), ("1", "num"), ("0", "num")],
        ),
        _switch_case(
            "switch_null_nnull",
            "is null / is not null (undefined counts as null)",
            [_r("null"), _r("nnull")],
            [("null", "json"), ("", "str"), ("0", "num"), ("{}", "json")],
            extra_props=(),
            prop_name="payload",
        ),
        _switch_case(
            "switch_null_missing_property",
            "is null on a missing property",
            [_r("null"), _r("nnull")],
            [("x", "str")],
            prop_name="nothing",
        ),
        _switch_case(
            "switch_empty_nempty",
            "is empty / not empty on each type",
            [_r("empty"), _r("nempty")],
            [
                ("", "str"),
                ("x", "str"),
                ("[]", "json"),
                ("[0]", "json"),
                ("{}", "json"),
                ('{"a":1}', "json"),
                ("[]", "bin"),
                ("[1]", "bin"),
                ("0", "num"),
                ("null", "json"),
                ("false", "bool"),
            ],
        ),
        _switch_case(
            "switch_istype",
            "is of type, for every type",
            [
                _r("istype", "string", "string"),
                _r("istype", "number", "number"),
                _r("istype", "boolean", "boolean"),
                _r("istype", "array", "array"),
                _r("istype", "buffer", "buffer"),
                _r("istype", "object", "object"),
                _r("istype", "json", "json"),
                _r("istype", "null", "null"),
                _r("istype", "undefined", "undefined"),
            ],
            [
                ("s", "str"),
                ('{"a":1}', "str"),
                ("1", "num"),
                ("x", "num"),
                ("false", "bool"),
                ("[1]", "json"),
                ("[1]", "bin"),
                ('{"o":1}', "json"),
                ("null", "json"),
            ],
        ),
        _switch_case(
            "switch_istype_undefined",
            "is of type undefined on a missing property",
            [_r("istype", "undefined", "undefined"), _r("istype", "null", "null")],
            [("x", "str")],
            prop_name="missing",
        ),
        _switch_case(
            "switch_hask",
            "has key on objects, arrays and strings",
            [_r("hask", "a", "str"), _r("hask", "0", "str"), _r("hask", "length", "str")],
            [('{"a":1}', "json"), ("[5]", "json"), ("str", "str"), ("{}", "json")],
        ),
        _switch_case(
            "switch_else",
            "otherwise matches only when nothing else did",
            [_r("eq", "1", "num"), _r("eq", "2", "num"), _r("else")],
            [("1", "num"), ("2", "num"), ("3", "num")],
        ),
        _switch_case(
            "switch_checkall_false",
            "stop after the first match",
            [_r("gt", "0", "num"), _r("gt", "5", "num"), _r("else")],
            [("10", "num"), ("3", "num"), ("-1", "num")],
            checkall="false",
        ),
        _switch_case(
            "switch_checkall_true",
            "all matching rules fire",
            [_r("gt", "0", "num"), _r("gt", "5", "num"), _r("else")],
            [("10", "num"), ("3", "num"), ("-1", "num")],
            checkall="true",
        ),
        _switch_case(
            "switch_vt_missing",
            "rules without vt: numeric text compares as number",
            [{"t": "eq", "v": "10"}, {"t": "eq", "v": "ten"}],
            [("10", "num"), ("10", "str"), ("ten", "str")],
        ),
        _switch_case(
            "switch_value_msg",
            "compare with another msg property",
            [_r("eq", "limit", "msg"), _r("gt", "limit", "msg")],
            [("3", "num"), ("4", "num"), ("5", "num")],
            extra_props=(prop("limit", "3", "num"),),
        ),
        _switch_case(
            "switch_value_flow_global",
            "compare with flow and global context",
            [_r("eq", "fv", "flow"), _r("eq", "gv", "global")],
            [("f", "str"), ("g", "str"), ("x", "str")],
            setup=[
                {"t": "set", "p": "fv", "pt": "flow", "to": "f", "tot": "str"},
                {"t": "set", "p": "gv", "pt": "global", "to": "g", "tot": "str"},
            ],
        ),
        _switch_case(
            "switch_value_env",
            "compare with an environment variable",
            [_r("eq", "FE_GOLDEN_FOO", "env"), _r("eq", "FE_GOLDEN_NUM", "env")],
            [("hello", "str"), ("42", "num"), ("FE_GOLDEN_FOO", "str")],
        ),
        _switch_case(
            "switch_value_jsonata",
            "rule value from a JSONata expression",
            [_r("eq", "limit * 2", "jsonata"), _r("lt", "$length(topic)", "jsonata")],
            [("6", "num"), ("1", "num"), ("9", "num")],
            extra_props=(prop("limit", "3", "num"), prop("topic", "abc", "str")),
        ),
        _switch_case(
            "switch_prev",
            "compare with the previous value",
            [_r("eq", "", "prev"), _r("neq", "", "prev"), _r("gt", "", "prev")],
            [("1", "num"), ("1", "num"), ("2", "num"), ("1", "num")],
        ),
        _switch_case(
            "switch_jsonata_exp",
            "rule that is a JSONata expression",
            [
                _r("jsonata_exp", "payload > 3 and topic = 't'", "jsonata"),
                _r("jsonata_exp", "$count(payload) > 0", "jsonata"),
            ],
            [("5", "num"), ("2", "num")],
            extra_props=(prop("topic", "t", "str"),),
        ),
        _switch_case(
            "switch_property_jsonata",
            "switch on a JSONata property",
            [_r("eq", "10", "num"), _r("else")],
            [("5", "num"), ("4", "num")],
            prop_name="payload * 2",
            prop_type="jsonata",
        ),
        _switch_case(
            "switch_property_flow",
            "switch on a flow context property",
            [_r("eq", "on", "str"), _r("else")],
            [("x", "str")],
            prop_name="mode",
            prop_type="flow",
            setup=[{"t": "set", "p": "mode", "pt": "flow", "to": "on", "tot": "str"}],
        ),
        _switch_case(
            "switch_property_env",
            "switch on an environment variable",
            [_r("eq", "hello", "str"), _r("else")],
            [("x", "str")],
            prop_name="FE_GOLDEN_FOO",
            prop_type="env",
        ),
        _switch_case(
            "switch_deep_property",
            "switch on a deep msg property",
            [_r("eq", "x", "str"), _r("null")],
            [('{"a":{"b":"x"}}', "json"), ('{"a":{"b":"y"}}', "json"), ("{}", "json")],
            prop_name="payload.a.b",
        ),
        _switch_case(
            "switch_missing_intermediate",
            "a property through a missing parent is undefined",
            [_r("null"), _r("else")],
            [("1", "num")],
            prop_name="payload.a.b",
        ),
        _switch_case(
            "switch_num_rule_invalid",
            "a num rule value that is not numeric",
            [_r("eq", "abc", "num"), _r("lt", "abc", "num")],
            [("abc", "str"), ("1", "num")],
        ),
        _switch_case(
            "switch_whole_msg",
            "the same message goes to several ports (clones)",
            [_r("nnull"), _r("istype", "object", "object"), _r("else")],
            [('{"k":"v"}', "json")],
            debug="true",
        ),
    ]

    # head / tail / index need msg.parts
    f = FlowBuilder()
    ids = []
    for idx in range(4):
        ids.append(
            f.inject(
                f"i{idx + 1}",
                ["sw"],
                prop("payload", str(idx), "num"),
                prop("parts", f'{{"id":"seq","index":{idx},"count":4}}', "json"),
            )
        )
    f.switch(
        "sw",
        [["p0"], ["p1"], ["p2"]],
        [
            _r("head", "2", "num"),
            _r("tail", "1", "num"),
            _r("index", "1", "num", v2="2", v2t="num"),
        ],
    )
    for p in ("p0", "p1", "p2"):
        f.debug(p, "payload")
    out.append(f.case("switch_head_tail_index", "sequence rules on msg.parts", ids))

    f = FlowBuilder()
    f.inject("i1", ["sw"], prop("payload", "1", "num"))
    f.switch("sw", [["p0"]], [_r("jsonata_exp", '$error("bad rule")', "jsonata")])
    f.debug("p0", "payload")
    f.catch("c", ["dbg"])
    f.debug("dbg", "true")
    out.append(f.case("switch_jsonata_error", "an erroring JSONata rule goes to catch", ["i1"]))
    return out
