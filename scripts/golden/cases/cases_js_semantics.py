"""JavaScript semantics that a Python engine easily gets subtly wrong.

Number() coercion, loose equality and relational operators across types,
JavaScript regular-expression syntax, number-to-string formatting and JSONata
results, each as seen through core nodes.
"""

from __future__ import annotations

from typing import Any

from .builder import Case, FlowBuilder, prop


def _set(p: str, to: str, tot: str = "str") -> dict[str, Any]:
    return {"t": "set", "p": p, "pt": "msg", "to": to, "tot": tot}


def _chg(p: str, frm: str, fromt: str, to: str, tot: str = "str") -> dict[str, Any]:
    return {"t": "change", "p": p, "pt": "msg", "from": frm, "fromt": fromt, "to": to, "tot": tot}


def _change_case(
    name: str,
    description: str,
    rules: list[dict[str, Any]],
    payload: tuple[str, str] = ("", "str"),
    *,
    debug: str = "payload",
    compare_logs: bool = False,
) -> Case:
    f = FlowBuilder()
    f.inject("inj", ["ch"], prop("payload", *payload))
    f.change("ch", ["dbg"], rules)
    f.debug("dbg", debug)
    return f.case(name, description, ["inj"], compare_logs=compare_logs)


def _switch_ports(
    name: str, description: str, rules: list[dict[str, Any]], payloads: list[tuple[str, str]]
) -> Case:
    f = FlowBuilder()
    ids = f.injects(["sw"], payloads)
    ports = [f"p{i}" for i in range(len(rules))]
    f.switch("sw", [[p] for p in ports], rules)
    for p in ports:
        f.debug(p, "payload")
    return f.case(name, description, ids)


def cases() -> list[Case]:
    out: list[Case] = []

    out.append(
        _change_case(
            "js_number_coercion",
            "Number() of text: whitespace, hex/binary/octal, empty, separators, Infinity",
            [
                _set("payload", "{}", "json"),
                _set("payload.spaces", " 42 ", "num"),
                _set("payload.hex", "0x1F", "num"),
                _set("payload.bin", "0b101", "num"),
                _set("payload.oct", "0o17", "num"),
                _set("payload.empty", "", "num"),
                _set("payload.comma", "1,000", "num"),
                _set("payload.underscore", "1_000", "num"),
                _set("payload.inf", "Infinity", "num"),
                _set("payload.neghex", "-0x10", "num"),
                _set("payload.dot", ".5", "num"),
                _set("payload.exp", "5e-7", "num"),
            ],
            debug="payload",
        )
    )
    out.append(
        _switch_ports(
            "js_loose_equality",
            "== across types: '' == 0, '1e3' == 1000, true == 1, null vs 0",
            [
                {"t": "eq", "v": "0", "vt": "num"},
                {"t": "eq", "v": "1000", "vt": "num"},
                {"t": "eq", "v": "1", "vt": "num"},
                {"t": "eq", "v": "", "vt": "str"},
            ],
            [
                ("", "str"),
                ("1e3", "str"),
                ("true", "bool"),
                ("null", "json"),
                ("0", "num"),
                ("[]", "json"),
                ("[1000]", "json"),
                ("false", "bool"),
            ],
        )
    )
    out.append(
        _switch_ports(
            "js_relational_mixed",
            "< and > with strings, numbers, null, booleans and arrays",
            [
                {"t": "lt", "v": "9", "vt": "num"},
                {"t": "lt", "v": "9", "vt": "str"},
                {"t": "gt", "v": "-1", "vt": "num"},
            ],
            [
                ("10", "str"),
                ("10", "num"),
                ("null", "json"),
                ("true", "bool"),
                ("[5]", "json"),
                ("abc", "str"),
                ("", "str"),
            ],
        )
    )
    out.append(
        _switch_ports(
            "js_cont_coercion",
            "contains coerces the value with String(): numbers, arrays, objects, null",
            [
                {"t": "cont", "v": "1", "vt": "str"},
                {"t": "cont", "v": ",", "vt": "str"},
                {"t": "cont", "v": "null", "vt": "str"},
            ],
            [("210", "num"), ("[1,2]", "json"), ("null", "json"), ('{"a":1}', "json")],
        )
    )
    out.append(
        _change_case(
            "js_regex_named_groups",
            "JavaScript named groups (?<n>) and $<n> in the replacement",
            [_chg("payload", "(?<year>\\d{4})-(?<month>\\d{2})", "re", "$<month>/$<year>")],
            ("on 2024-05 and 1999-12", "str"),
        )
    )
    out.append(
        _change_case(
            "js_regex_lookbehind",
            "lookbehind and lookahead in a JavaScript regex",
            [_chg("payload", "(?<=\\$)\\d+(?=\\.)", "re", "N")],
            ("cost $15.00 or 20.5", "str"),
        )
    )
    out.append(
        _change_case(
            "js_regex_missing_group_reference",
            "$3 with only two groups stays literal; $0 is literal too",
            [_chg("payload", "(a)(b)", "re", "[$2$1$3$0]")],
            ("xaby", "str"),
        )
    )
    out.append(
        _change_case(
            "js_regex_python_only_syntax",
            "(?i) inline flags are not JavaScript: the node fails to build",
            [_chg("payload", "(?i)abc", "re", "X")],
            ("ABC abc", "str"),
            compare_logs=True,
        )
    )
    out.append(
        _change_case(
            "js_regex_unicode_classes",
            "\\w and \\d are ASCII-only in JavaScript; \\s includes NBSP",
            [_chg("payload", "\\w", "re", "w"), _chg("payload", "\\s", "re", "_")],
            ("é1a\u00a0b\u3000c", "str"),
        )
    )

    f = FlowBuilder()
    f.inject(
        "inj",
        ["tpl"],
        prop(
            "payload",
            '{"third":0.3333333333333333,"sum":0.30000000000000004,"big":1e21,'
            '"small":1e-7,"neg":-0.0001,"int":100,"nested":[[1,2],[3]],"holes":[1,null,2],'
            '"bools":[true,false],"str":"abc","arr":[1,2,3]}',
            "json",
        ),
    )
    f.template(
        "tpl",
        ["dbg"],
        "{{payload.third}}|{{payload.sum}}|{{payload.big}}|{{payload.small}}|{{payload.neg}}|"
        "{{payload.int}}|{{payload.nested}}|{{payload.holes}}|{{payload.bools}}|"
        "{{payload.str.length}}|{{payload.arr.length}}",
    )
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "js_template_value_strings",
            "template renders numbers, nested arrays, nulls and .length like JavaScript",
            ["inj"],
        )
    )

    out.append(
        _change_case(
            "js_jsonata_numbers",
            "JSONata arithmetic and number formatting",
            [
                _set("payload", "{}", "json"),
                _set("payload.third", "1/3", "jsonata"),
                _set("payload.sum", "0.1 + 0.2", "jsonata"),
                _set("payload.str", "$string(1/3)", "jsonata"),
                _set("payload.big", "$string(1e21)", "jsonata"),
                _set("payload.round", "[$round(2.5), $round(3.5), $round(-2.5)]", "jsonata"),
                _set("payload.fmt", "$formatNumber(1234.5678, '#,##0.00')", "jsonata"),
                _set("payload.power", "$power(2, 0.5)", "jsonata"),
                _set("payload.num", '$number("0x1F")', "jsonata"),
            ],
        )
    )
    out.append(
        _change_case(
            "js_jsonata_strings_and_objects",
            "JSONata string functions, object key order, sorting, regex match",
            [
                _set("payload", '{"b":2,"a":1,"list":[3,1,2],"s":"Hello World"}', "json"),
                _set("keys", "$keys(payload)", "jsonata"),
                _set("sorted", "$sort(payload.list)", "jsonata"),
                _set("upper", "$uppercase(payload.s)", "jsonata"),
                _set("sub", "$substring(payload.s, -5, 3)", "jsonata"),
                _set("split", '$split(payload.s, " ")', "jsonata"),
                _set("match", "$match(payload.s, /o(\\w)/).groups", "jsonata"),
                _set("replace", '$replace(payload.s, /o/, "0")', "jsonata"),
                _set("merged", '$merge([{"x":1},{"y":2},{"x":3}])', "jsonata"),
                _set("single", "payload.list[0]", "jsonata"),
                _set("missing", "payload.nothing", "jsonata"),
                _set("json", "$string(payload)", "jsonata"),
            ],
            debug="true",
        )
    )
    out.append(
        _change_case(
            "js_jsonata_sequences",
            "JSONata singleton sequences, filters and array flattening",
            [
                _set(
                    "payload", '{"items":[{"v":1,"t":"a"},{"v":2,"t":"b"},{"v":3,"t":"a"}]}', "json"
                ),
                _set("one", "payload.items[t='b'].v", "jsonata"),
                _set("many", "payload.items[t='a'].v", "jsonata"),
                _set("none", "payload.items[t='z'].v", "jsonata"),
                _set("mapped", "payload.items.{t: v}", "jsonata"),
                _set("count", "$count(payload.items)", "jsonata"),
                _set("avg", "$average(payload.items.v)", "jsonata"),
                _set("flat", "[[1,2],[3]].$", "jsonata"),
            ],
            debug="true",
        )
    )

    f = FlowBuilder()
    f.inject(
        "inj",
        ["js"],
        prop("payload", '{"n":1}', "json"),
        prop("payload.buf", "[1,2]", "bin"),
        prop("payload.nan", "x", "num"),
    )
    f.json("js", ["dbg"])
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "js_json_stringify_special",
            "JSON.stringify of a Buffer inside an object, and of NaN",
            ["inj"],
        )
    )

    f = FlowBuilder()
    f.inject(
        "inj",
        ["ch"],
        prop("payload", '{"a.b":1,"list":["x","y","z"]}', "json"),
    )
    f.change(
        "ch",
        ["dbg"],
        [
            _set('payload["a.b"]', "2", "num"),
            _set('payload["new key"]', "v"),
            {"t": "delete", "p": "payload.list[0]", "pt": "msg"},
        ],
    )
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "js_property_paths",
            "quoted keys with dots and spaces, deleting index 0",
            ["inj"],
        )
    )

    out.append(
        _change_case(
            "change_invalid_property_expression",
            "a rule with an invalid property expression is skipped at run time",
            [_set("payload", '["x"]', "json"), _set("payload[-1]", "neg"), _set("topic", "after")],
            debug="true",
        )
    )
    return out
