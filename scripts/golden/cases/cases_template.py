"""Template node: mustache escaping, raw output, sections, json/yaml output, env/context."""

from __future__ import annotations

from typing import Any

from .builder import Case, FlowBuilder, prop

_DATA = (
    '{"name":"Ann & <Bob>","q":"say \\"hi\\"","n":3,"b":true,"nul":null,'
    '"list":[1,2,3],"obj":{"k":"v"},"items":[{"x":"a"},{"x":"b"}],"empty":[],'
    '"multi":"line1\\nline2\\ttab\\\\back"}'
)


def _tpl(
    name: str,
    description: str,
    template: str,
    *,
    payload: tuple[str, str] = (_DATA, "json"),
    extra_props: tuple[dict[str, Any], ...] = (),
    setup: list[dict[str, Any]] | None = None,
    debug: str = "payload",
    **kw: Any,
) -> Case:
    f = FlowBuilder()
    ids = []
    if setup:
        f.inject("setup", ["ctx"], prop("payload", "", "str"))
        f.change("ctx", [], setup)
        ids.append("setup")
    ids.append(
        f.inject(
            "inj", ["tpl"], prop("payload", *payload), prop("topic", "tp", "str"), *extra_props
        )
    )
    f.template("tpl", ["dbg"], template, **kw)
    f.debug("dbg", debug)
    return f.case(name, description, ids)


def cases() -> list[Case]:
    out = [
        _tpl(
            "template_basic",
            "mustache substitution of msg properties",
            "Hello {{payload.name}}, topic={{topic}}, n={{payload.n}}, b={{payload.b}}",
        ),
        _tpl(
            "template_escaping",
            "{{x}} HTML-escapes, {{{x}}} and {{&x}} do not",
            "esc={{payload.name}} {{payload.q}} raw={{{payload.name}}} amp={{&payload.q}}",
        ),
        _tpl(
            "template_missing_and_null",
            "missing values and null render empty",
            "[{{payload.missing}}][{{payload.nul}}][{{nothing.at.all}}]",
        ),
        _tpl(
            "template_objects_arrays",
            "objects render [object Object], arrays comma-joined",
            "obj={{payload.obj}} list={{payload.list}} items={{payload.items}}",
        ),
        _tpl(
            "template_sections",
            "sections iterate lists, inverted sections for empties",
            "{{#payload.items}}<{{x}}>{{/payload.items}}"
            "{{^payload.empty}}none{{/payload.empty}}{{#payload.b}}yes{{/payload.b}}",
        ),
        _tpl(
            "template_dot_in_list",
            "{{.}} inside a section over scalars",
            "{{#payload.list}}{{.}};{{/payload.list}}",
        ),
        _tpl(
            "template_plain",
            "plain syntax leaves braces alone",
            "{{payload.name}} plain",
            syntax="plain",
        ),
        _tpl(
            "template_output_json",
            "output parsed as JSON, strings with escapes",
            '{"name": "{{payload.name}}", "multi": "{{{payload.multi}}}", "n": {{payload.n}}}',
            output="json",
        ),
        _tpl(
            "template_output_yaml",
            "output parsed as YAML",
            "name: {{{payload.name}}}\nn: {{payload.n}}\nlist:\n  - a\n  - b\nflag: yes\n",
            output="yaml",
        ),
        _tpl(
            "template_output_json_invalid",
            "invalid JSON output is an error (nothing sent)",
            "{not json {{payload.n}}",
            output="json",
        ),
        _tpl(
            "template_env",
            "env.NAME lookups, HTML-escaped and raw",
            "{{env.FE_GOLDEN_FOO}} {{env.FE_GOLDEN_HTML}} {{{env.FE_GOLDEN_HTML}}} "
            "[{{env.FE_GOLDEN_NOT_SET}}]",
        ),
        _tpl(
            "template_flow_global",
            "flow.x and global.x lookups",
            "f={{flow.fv}} g={{global.gv.deep}} none=[{{flow.nothing}}]",
            setup=[
                {"t": "set", "p": "fv", "pt": "flow", "to": "F", "tot": "str"},
                {"t": "set", "p": "gv", "pt": "global", "to": '{"deep":"G"}', "tot": "json"},
            ],
        ),
        _tpl(
            "template_msg_shadows_context",
            "a msg property named flow wins over context",
            "{{flow.fv}}",
            extra_props=(prop("flow", '{"fv":"from msg"}', "json"),),
            setup=[{"t": "set", "p": "fv", "pt": "flow", "to": "from context", "tot": "str"}],
        ),
        _tpl(
            "template_field_other",
            "write the result to another msg property",
            "T:{{topic}}",
            field_name="out.text",
            debug="true",
        ),
        _tpl(
            "template_field_flow",
            "write the result into flow context",
            "ctx {{payload.n}}",
            field_type="flow",
            field_name="rendered",
            debug="true",
        ),
        _tpl(
            "template_msg_template_used_when_empty",
            "msg.template is used when the node's template is empty",
            "",
            extra_props=(prop("template", "from msg: {{payload.n}}", "str"),),
        ),
        _tpl(
            "template_msg_template_ignored",
            "msg.template is ignored when the node has one",
            "node: {{payload.n}}",
            extra_props=(prop("template", "from msg", "str"),),
        ),
        _tpl(
            "template_number_formats",
            "numbers render like JavaScript String()",
            "{{payload.a}} {{payload.b}} {{payload.c}} {{payload.d}}",
            payload=('{"a":1.0,"b":0.1,"c":1e21,"d":-0.5}', "json"),
        ),
        _tpl(
            "template_array_index",
            "array elements by index with a dot path",
            "{{payload.list.0}}-{{payload.items.1.x}}",
        ),
        _tpl(
            "template_custom_delimiters",
            "mustache set-delimiter tag",
            "{{=<% %>=}}<% payload.n %> {{payload.n}}",
        ),
        _tpl(
            "template_inverted_missing",
            "inverted section on a missing value",
            "{{^payload.nothing}}absent{{/payload.nothing}}|{{#payload.nul}}x{{/payload.nul}}",
        ),
        _tpl(
            "template_html_chars",
            "every HTML-escaped character",
            "{{payload}}",
            payload=("&<>\"'/`=", "str"),
        ),
    ]
    # template writing into flow context, read back
    f = FlowBuilder()
    f.inject("i1", ["tpl"], prop("payload", "v1", "str"))
    f.template("tpl", [], "stored {{payload}}", field_type="flow", field_name="saved")
    f.inject("i2", ["dbg"], prop("payload", "saved", "flow"))
    f.debug("dbg", "payload")
    out.append(
        f.case("template_to_flow_read_back", "template output stored in flow context", ["i1", "i2"])
    )

    f = FlowBuilder()
    f.inject("inj", ["tpl"], prop("payload", "1", "num"))
    f.template("tpl", ["never"], "{oops", output="json")
    f.debug("never", "true")
    f.catch("c", ["dbg"])
    f.debug("dbg", "error.source")
    out.append(
        f.case("template_json_error_caught", "template JSON parse error reaches catch", ["inj"])
    )
    return out
