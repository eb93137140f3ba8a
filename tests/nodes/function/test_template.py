"""Tests of the ``template`` node; expected values were observed on Node-RED 5.0.7."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from flowengine import JSError
from flowengine.jsvalues import UNDEFINED
from flowengine.testing import FlowTestHelper, load_error_lines
from flowengine.util.jsyaml import js_yaml_load
from flowengine.util.mustache import html_escape


def _flow(tab: dict[str, Any], *nodes: dict[str, Any]) -> list[dict[str, Any]]:
    z = tab["id"]
    flow = [
        tab,
        {"id": "out", "type": "helper", "z": z, "x": 1, "y": 1, "wires": []},
        {"id": "c", "type": "catch", "z": z, "x": 1, "y": 1, "scope": None, "wires": [["err"]]},
        {"id": "err", "type": "helper", "z": z, "x": 1, "y": 1, "wires": []},
    ]
    for n in nodes:
        node = {"type": "template", "z": z, "x": 1, "y": 1, "name": "", "field": "payload"}
        node.update({"fieldType": "msg", "format": "handlebars", "syntax": "mustache"})
        node.update({"template": "", "output": "str", "wires": [["out"]]})
        node.update(n)
        flow.append(node)
    return flow


def _one(tab: dict[str, Any], msg: dict[str, Any], **config: Any) -> dict[str, Any]:
    """Run one message through one template node; the output or the caught error message."""
    with FlowTestHelper(_flow(tab, {"id": "t", **config})) as h:
        h.inject("t", msg)
        h.wait_idle()
        out, err = h.received("out"), h.received("err")
    assert len(out) + len(err) == 1, (out, err)
    return out[0] if out else err[0]


# (name, template, message, rendered payload or error message), from Node-RED 5.0.7
MUSTACHE_CASES = [
    (
        "esc",
        "{{payload}}",
        {"payload": "& < > \" ' / ` = \\"},
        "&amp; &lt; &gt; &quot; &#39; &#x2F; &#x60; &#x3D; \\",
    ),
    ("raw", "{{{payload}}}|{{&payload}}", {"payload": "& <b>"}, "& <b>|& <b>"),
    (
        "types",
        "{{a}}|{{b}}|{{c}}|{{d}}|{{e}}|{{f}}|{{g}}|{{h}}|{{i}}|{{j}}",
        {
            "a": [1, "x", None, [2, 3]],
            "b": {"x": 1},
            "c": 1.5,
            "d": 1e21,
            "e": True,
            "f": None,
            "g": 0,
            "h": 1e-07,
            "i": "",
            "j": 123456789012,
        },
        "1,x,,2,3|[object Object]|1.5|1e+21|true||0|1e-7||123456789012",
    ),
    ("missing", "[{{nope}}][{{nope.deeper}}][{{payload.nope}}]", {"payload": {}}, "[][][]"),
    (
        "sections",
        "{{#a}}A{{/a}}{{#b}}B{{/b}}{{#c}}C{{/c}}{{#d}}D{{/d}}{{#e}}E{{/e}}{{#f}}F{{/f}}"
        "{{^a}}nA{{/a}}{{^b}}nB{{/b}}{{^c}}nC{{/c}}{{^d}}nD{{/d}}{{^e}}nE{{/e}}{{^f}}nF{{/f}}",
        {"a": {}, "b": [], "c": 0, "d": "", "e": "s", "f": [1, 2]},
        "AEFFnBnCnD",
    ),
    (
        "loop",
        "{{#items}}<{{name}}:{{top}}:{{.}}>{{/items}}{{#nums}}{{.}};{{/nums}}",
        {
            "items": [{"name": "n1"}, {"name": "n2", "top": "own"}],
            "top": "T",
            "nums": [1, 2.5, "z"],
        },
        "<n1:T:[object Object]><n2:own:[object Object]>1;2.5;z;",
    ),
    ("objsec", "{{#obj}}{{x}}-{{payload}}{{/obj}}", {"obj": {"x": 5}, "payload": "P"}, "5-P"),
    ("strsec", "{{#s}}[{{.}}|{{length}}]{{/s}}", {"s": "hey"}, "[hey|]"),
    (
        "dots",
        "{{payload.length}}|{{arr.length}}|{{arr.0}}|{{obj.a.b}}|{{.}}",
        {"payload": "abcd", "arr": [7, 8], "obj": {"a": {"b": "deep"}}},
        "4|2|7|deep|[object Object]",
    ),
    (
        "standalone",
        "a\n  {{#x}}  \nb\n  {{/x}}\nc\n{{! comment }}\nd {{! c2 }} e\n",
        {"x": True},
        "a\nb\nc\nd  e\n",
    ),
    (
        "delims",
        "{{=<% %>=}}<% payload %>|<%{ payload }%>|<%& payload %>|{{payload}}",
        {"payload": "<x>"},
        "&lt;x&gt;|<x>|<x>|{{payload}}",
    ),
    ("partial", "a{{>part}}b", {"payload": 1}, "tokens.forEach is not a function"),
    ("unclosedsec", "abc {{#x}} def", {}, 'Unclosed section "x" at 14'),
    ("unopened", "abc {{/x}} def", {}, 'Unopened section "x" at 4'),
    ("mismatch", "{{#x}}{{#y}}{{/x}}{{/y}}", {}, 'Unclosed section "y" at 12'),
    ("unclosedtag", "abc {{ x", {}, "Unclosed tag at 8"),
    ("unclosedtriple", "abc {{{ x }}", {}, "Unclosed tag at 12"),
    ("spaces", "{{ payload }}|{{payload }}|{{  a b  }}", {"payload": "p", "a b": "AB"}, "p|p|AB"),
    (
        "ctxarr",
        "{{#arr}}{{#inner}}{{v}}{{/inner}}{{/arr}}",
        {"arr": [{"inner": {"v": 1}}, {"inner": [{"v": 2}, {"v": 3}]}], "v": "outer"},
        "123",
    ),
    ("nullsec", "{{#n}}yes{{/n}}{{^n}}no{{/n}}", {"n": None}, "no"),
    ("crlf", "a\r\n{{#x}}\r\nb\r\n{{/x}}\r\nc", {"x": True}, "a\r\nb\r\nc"),
    ("tabs", "a\n\t{{#x}}\t\nb\n{{/x}}", {"x": True}, "a\nb\n"),
    ("badname", "{{#}}{{/}}", {}, ""),
    ("emptyvar", "[{{}}]", {"": "E"}, "[E]"),
    (
        "num",
        "{{a}} {{b}} {{c}} {{d}}",
        {"a": 0.1, "b": -0.0, "c": 100, "d": 2.5e-07},
        "0.1 0 100 2.5e-7",
    ),
]
_ERRORS = {"partial", "unclosedsec", "unopened", "mismatch", "unclosedtag", "unclosedtriple"}


def test_mustache_matches_node_red(tab: dict[str, Any]) -> None:
    nodes = [{"id": f"n_{name}", "template": tpl} for name, tpl, _, _ in MUSTACHE_CASES]
    with FlowTestHelper(_flow(tab, *nodes)) as h:
        for name, _, msg, _ in MUSTACHE_CASES:
            h.inject(f"n_{name}", {**msg, "case": name})
        h.wait_idle()
        rendered = {m["case"]: m["payload"] for m in h.received("out")}
        failed = {m["case"]: m["error"]["message"] for m in h.received("err")}
    for name, _, _, expected in MUSTACHE_CASES:
        if name in _ERRORS:
            assert failed.get(name) == expected, name
        else:
            assert rendered.get(name) == expected, name


def test_html_escape_table() -> None:
    assert html_escape("&<>\"'/`=x") == "&amp;&lt;&gt;&quot;&#39;&#x2F;&#x60;&#x3D;x"


def test_unicode_positions_count_utf16_units(tab: dict[str, Any]) -> None:
    msg = _one(tab, {}, template="\U0001f600 {{#x}}")
    assert msg["error"]["message"] == 'Unclosed section "x" at 9'


def test_section_over_null_items(tab: dict[str, Any]) -> None:
    # mustache.js reads view[name] on a null view and throws; {{.}} and dotted names do not.
    msg = _one(tab, {"arr": [None, 1]}, template="{{#arr}}[{{.}}|{{a.b}}]{{/arr}}")
    assert msg["payload"] == "[|][1|]"
    msg = _one(tab, {"arr": [None, 1]}, template="{{#arr}}[{{x}}]{{/arr}}")
    assert msg["error"]["message"] == "Cannot read properties of null (reading 'x')"


def test_invalid_set_delimiter(tab: dict[str, Any]) -> None:
    assert _one(tab, {}, template="{{=<%=}}")["error"]["message"] == "Invalid tags: <%"


# ---- env and context lookups ---------------------------------------------------------


def test_env_and_context_lookups(tab: dict[str, Any]) -> None:
    tab = {**tab, "env": [{"name": "TABV", "type": "str", "value": "tabval"}]}
    template = (
        "{{flow.fx}}|{{{flow.fx}}}|{{flow.fo.a.b}}|{{global.gx}}|{{flow[memory].fx}}|"
        "{{flow.none}}|{{env.TABV}}|{{env.NOPE}}|{{#flow.fa}}{{v}}{{/flow.fa}}|{{flow}}"
    )
    with FlowTestHelper(_flow(tab, {"id": "t", "template": template})) as h:
        node = h.node("t")

        def set_context() -> None:
            node.flow_context.set("fx", "F<1>")
            node.flow_context.set("fo", {"a": {"b": 2}})
            node.flow_context.set("fa", [{"v": 1}, {"v": 2}])
            node.global_context.set("gx", [1, 2])

        h.call(set_context)
        h.inject("t", {"payload": "1"})
        h.inject("t", {"payload": "1", "flow": {"fx": "from msg"}})
        first, second = (m["payload"] for m in h.wait_for("out", 2))
    assert first == "F&lt;1&gt;|F<1>|2|1,2|F&lt;1&gt;||tabval||12|"
    assert second.startswith("from msg|from msg|")  # message properties come first


# ---- msg.template, plain syntax, outputs ----------------------------------------------


def test_msg_template_only_when_configured_template_empty(tab: dict[str, Any]) -> None:
    msg = {"template": "from msg {{payload}}", "payload": "P"}
    assert _one(tab, dict(msg), template="")["payload"] == "from msg P"
    assert _one(tab, dict(msg), template=None)["payload"] == "from msg P"
    assert _one(tab, dict(msg), template="configured {{payload}}")["payload"] == "configured P"


def test_missing_template_is_an_error(tab: dict[str, Any]) -> None:
    flow = _flow(tab, {"id": "t"})
    del flow[-1]["template"]
    with FlowTestHelper(flow) as h:
        h.inject("t", {"payload": "P", "template": "ignored: the configured one is undefined"})
        [msg] = h.wait_for("err")
    assert msg["error"]["message"] == (
        'Invalid template! Template should be a "string" but "undefined" was given as the '
        "first argument for mustache#render(template, view, partials)"
    )


def test_non_string_templates(tab: dict[str, Any]) -> None:
    assert _one(tab, {"template": 42})["error"]["message"] == "this.tail.search is not a function"
    null_message = _one(tab, {"payload": "P"}, template=None)["error"]["message"]
    assert '"object" was given' in null_message


def test_plain_syntax(tab: dict[str, Any]) -> None:
    msg = _one(tab, {"payload": "P"}, syntax="plain", template="plain {{payload}}")
    assert msg["payload"] == "plain {{payload}}"
    msg = _one(tab, {"payload": "P"}, syntax="plain", template='{"a":1}', output="json")
    assert msg["payload"] == {"a": 1}
    assert _one(tab, {"payload": "P"}, syntax="plain", template=None)["payload"] is None


def test_json_output_escapes_top_level_strings(tab: dict[str, Any]) -> None:
    msg = _one(tab, {"payload": "\b\f\r"}, template='{"a":"{{payload}}"}', output="json")
    assert msg["payload"] == {"a": "\b\f\r"}
    msg = _one(tab, {"payload": 'q"uote'}, template='{"a":"{{{payload}}}"}', output="json")
    assert msg["error"]["message"] == (
        "Expected ',' or '}' after property value in JSON at position 8 (line 1 column 9)"
    )


def test_json_output_does_not_escape_inside_sections(tab: dict[str, Any]) -> None:
    msg = _one(tab, {"arr": ["a\nb"]}, template='{"a":"{{#arr}}{{.}}{{/arr}}"}', output="json")
    assert msg["error"]["message"] == (
        "Bad control character in string literal in JSON at position 7 (line 1 column 8)"
    )


def test_json_output_parse_error_message(tab: dict[str, Any]) -> None:
    msg = _one(tab, {"payload": "1"}, template="not json {{payload}}", output="json")
    assert msg["error"]["message"] == "Unexpected token 'o', \"not json 1\" is not valid JSON"


def test_yaml_output(tab: dict[str, Any]) -> None:
    template = "a: {{payload}}\nb: [1, 2]\nc: yes\nd: 1_000\ne: 0x1F\nf: 2024-01-02\ng: ~\nk: 010"
    msg = _one(tab, {"payload": "P"}, template=template, output="yaml")
    assert msg["payload"] == {
        "a": "P",
        "b": [1, 2],
        "c": "yes",
        "d": "1_000",
        "e": 31,
        "f": datetime(2024, 1, 2, tzinfo=UTC),
        "g": None,
        "k": 10,
    }


def test_empty_yaml_deletes_the_property(tab: dict[str, Any]) -> None:
    assert "payload" not in _one(tab, {"payload": "P"}, template="", output="yaml")


def test_yaml_error(tab: dict[str, Any]) -> None:
    msg = _one(tab, {"payload": "P"}, template="a: [1, 2\n", output="yaml")
    assert msg["error"]["message"].endswith("(2:1)")


# ---- where the result goes ----------------------------------------------------------------


def test_result_to_flow_and_global_context(tab: dict[str, Any]) -> None:
    flow = _flow(
        tab,
        {"id": "f", "template": "x{{payload}}", "fieldType": "flow", "field": "saved"},
        {
            "id": "g",
            "template": "x{{payload}}",
            "fieldType": "global",
            "field": "#:(memory)::g.saved",
        },
        {"id": "check", "template": "{{flow.saved}} {{global.g.saved}}"},
    )
    with FlowTestHelper(flow) as h:
        h.inject("f", {"payload": "P"})
        h.wait_for("out", 1)
        h.inject("g", {"payload": "Q"})
        h.wait_for("out", 2)
        h.inject("check", {})
        got = [m["payload"] for m in h.wait_for("out", 3)]
    assert got == ["P", "Q", "xP xQ"]  # the message itself passes unchanged


def test_nested_field_and_unsettable_field(tab: dict[str, Any]) -> None:
    assert _one(tab, {}, template="v", field="a.b.c")["a"] == {"b": {"c": "v"}}
    unchanged = _one(tab, {"a": 5}, template="v", field="a.b.c")  # a primitive parent
    assert unchanged["a"] == 5 and "payload" not in unchanged


# ---- configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"fieldType": "node"}, "fieldType"),
        ({"syntax": "handlebars"}, "syntax"),
        ({"output": "xml"}, "output"),
        ({"field": "a..b"}, "field"),
        ({"format": 3}, "format"),
    ],
)
def test_bad_config_is_rejected(tab: dict[str, Any], config: dict[str, Any], field: str) -> None:
    lines = load_error_lines(_flow(tab, {"id": "t", **config}))
    assert len(lines) == 1 and f"(template): {field}:" in lines[0], lines


def test_defaults(tab: dict[str, Any]) -> None:
    flow = _flow(tab, {"id": "t", "template": "{{payload}}!"})
    for key in ("field", "fieldType", "syntax", "output", "format"):
        del flow[-1][key]
    with FlowTestHelper(flow) as h:
        h.inject("t", {"payload": "<a>"})
        [msg] = h.wait_for("out")
    assert msg["payload"] == "&lt;a&gt;!"


# ---- js-yaml compatible loading --------------------------------------------------------------

YAML_SCALARS = [
    ("0b1010", 10),
    ("-0x1F", -31),
    ("+0o17", 15),
    ("0777", 777),
    ("1_000", "1_000"),
    ("0x_1F", "0x_1F"),
    ("1.5e+3", 1500.0),
    ("1.", 1.0),
    (".5", 0.5),
    ("-.5", "-.5"),
    ("1e", "1e"),
    ("1e400", "1e400"),
    ("yes", "yes"),
    ("Off", "Off"),
    ("True", True),
    ("NULL", None),
    ("190:20:30.15", "190:20:30.15"),
    ("'0x10'", "0x10"),
    ("{1: a, true: b, null: c, 1.5: d}", {"1": "a", "true": "b", "null": "c", "1.5": "d"}),
    ("a: &x {b: 1}\nc:\n  <<: *x\n  d: 2", {"a": {"b": 1}, "c": {"b": 1, "d": 2}}),
    ("!!set {a, b}", {"a": None, "b": None}),
    ("!!pairs [{a: 1}]", [["a", 1]]),
    ("!!omap [{a: 1}]", [{"a": 1}]),
    ("!!binary aGVsbG8=", b"hello"),
    ("0xFFFFFFFFFFFFFFFFFF", float(0xFFFFFFFFFFFFFFFFFF)),
    ("2001-12-14 21:59:43.10 -5", datetime(2001, 12, 15, 2, 59, 43, 100000, tzinfo=UTC)),
]


@pytest.mark.parametrize(("text", "expected"), YAML_SCALARS)
def test_yaml_like_js_yaml(text: str, expected: Any) -> None:
    assert js_yaml_load(text) == expected


def test_yaml_special_values() -> None:
    assert js_yaml_load("") is UNDEFINED
    assert js_yaml_load("-.inf") == -math.inf
    assert math.isnan(js_yaml_load(".NaN"))
    for text, message in [
        ("a: 1\na: 2", "duplicated mapping key (2:1)"),
        ("a\n---\nb", "expected a single document in the stream, but found more"),
    ]:
        with pytest.raises(JSError) as info:
            js_yaml_load(text)
        assert info.value.message == message
