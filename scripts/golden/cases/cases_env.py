"""Environment variables: ${VAR} substitution and env scopes (group/tab/global-config/process)."""

from __future__ import annotations

from .builder import Case, FlowBuilder, prop


def _set(p: str, to: str, tot: str = "str", pt: str = "msg") -> dict:
    return {"t": "set", "p": p, "pt": pt, "to": to, "tot": tot}


def _env(name: str, value: str, typ: str = "str") -> dict:
    return {"name": name, "type": typ, "value": value}


def _reader(f: FlowBuilder, node_id: str, names: list[str], wires: list[str], **kw: object) -> str:
    rules = [_set(f"payload.{n}", n, "env") for n in names]
    return f.change(node_id, wires, rules, **kw)


def cases() -> list[Case]:
    out: list[Case] = []

    f = FlowBuilder()
    f.inject("inj", ["ch"], prop("payload", "{}", "json"))
    f.change(
        "ch",
        ["dbg"],
        [
            _set("payload.whole", "${FE_GOLDEN_FOO}"),
            _set("payload.partial", "pre-${FE_GOLDEN_FOO}"),
            _set("payload.legacy", "$(FE_GOLDEN_BAR)"),
            _set("payload.missing", "${FE_GOLDEN_NOT_SET}"),
            _set("payload.empty", "${FE_GOLDEN_EMPTY}"),
            _set("payload.spaced", "${ FE_GOLDEN_FOO }"),
            _set("payload.num", "${FE_GOLDEN_NUM}", "num"),
            _set("payload.json", "${FE_GOLDEN_JSON}", "json"),
        ],
    )
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "env_substitution_forms",
            "${VAR} replaces whole string properties only (also inside rules)",
            ["inj"],
        )
    )

    f = FlowBuilder()
    f.inject(
        "inj",
        ["dbg"],
        prop("payload", "${FE_GOLDEN_FOO}", "str"),
        prop("topic", "${FE_GOLDEN_SPACES}", "str"),
        prop("n", "${FE_GOLDEN_NUM}", "num"),
    )
    f.debug("dbg", "true")
    out.append(f.case("env_substitution_inject_props", "substitution inside inject props", ["inj"]))

    f = FlowBuilder()
    f.injects(["sw"], [("42", "num"), ("hello", "str"), ("x", "str")])
    f.switch(
        "sw",
        [["p0"], ["p1"], ["p2"]],
        [
            {"t": "eq", "v": "${FE_GOLDEN_NUM}", "vt": "num"},
            {"t": "eq", "v": "${FE_GOLDEN_FOO}", "vt": "str"},
            {"t": "else"},
        ],
    )
    for p in ("p0", "p1", "p2"):
        f.debug(p, "payload")
    out.append(
        f.case(
            "env_substitution_switch_rules",
            "substitution in switch rule values",
            ["i1", "i2", "i3"],
        )
    )

    f = FlowBuilder(
        tab_env=[
            _env("TAB_STR", "tab-string"),
            _env("TAB_NUM", "3.5", "num"),
            _env("TAB_BOOL", "false", "bool"),
            _env("TAB_JSON", '{"t":[1,2]}', "json"),
            _env("TAB_FROM_ENV", "FE_GOLDEN_FOO", "env"),
            _env("TAB_BIN", "[65,66]", "bin"),
            _env("TAB_JSONATA", "1 + 1", "jsonata"),
        ]
    )
    f.inject("inj", ["rd"], prop("payload", "{}", "json"))
    _reader(
        f,
        "rd",
        [
            "TAB_STR",
            "TAB_NUM",
            "TAB_BOOL",
            "TAB_JSON",
            "TAB_FROM_ENV",
            "TAB_BIN",
            "TAB_JSONATA",
            "FE_GOLDEN_FOO",
            "NOT_DEFINED_ANYWHERE",
        ],
        ["dbg"],
    )
    f.debug("dbg", "payload")
    out.append(f.case("env_tab_typed_entries", "tab env entries of each type", ["inj"]))

    f = FlowBuilder(tab_env=[_env("TAB_STR", "tab-string"), _env("TAB_NUM", "3", "num")])
    f.inject("inj", ["tpl"], prop("payload", "", "str"))
    f.template("tpl", ["ch"], "{{env.TAB_STR}}|{{env.TAB_NUM}}|{{env.FE_GOLDEN_FOO}}")
    f.change(
        "ch", ["dbg"], [_set("topic", '$env("TAB_STR") & $string($env("TAB_NUM"))', "jsonata")]
    )
    f.debug("dbg", "true")
    out.append(
        f.case("env_tab_in_template_and_jsonata", "tab env through template and $env()", ["inj"])
    )

    f = FlowBuilder(tab_env=[_env("SCOPE", "tab"), _env("TAB_ONLY", "t")])
    f.global_config(
        "gc",
        [
            _env("SCOPE", "global"),
            _env("GLOBAL_ONLY", "g"),
            _env("FE_GOLDEN_SHARED", "from-global-config"),
        ],
    )
    f.inject("inj", ["in_g", "out_g"], prop("payload", "{}", "json"))
    names = ["SCOPE", "TAB_ONLY", "GLOBAL_ONLY", "FE_GOLDEN_SHARED", "GROUP_ONLY"]
    _reader(f, "in_g", names, ["dbg"], name="in group")
    _reader(f, "out_g", names, ["dbg"], name="outside group")
    f.group(
        "grp", ["in_g"], name="Env group", env=[_env("SCOPE", "group"), _env("GROUP_ONLY", "gr")]
    )
    f.debug("dbg", "payload")
    out.append(f.case("env_precedence", "group > tab > global-config > process", ["inj"]))

    f = FlowBuilder(tab_env=[_env("V", "tab")])
    f.inject("inj", ["rd"], prop("payload", "{}", "json"))
    f.change(
        "rd",
        ["dbg"],
        [
            _set("payload.v", "V", "env"),
            _set("payload.parent", "$parent.V", "env"),
            _set("payload.gname", "NR_GROUP_NAME", "env"),
        ],
    )
    f.group("outer", [], name="Outer", env=[_env("V", "outer")])
    f.group("inner", ["rd"], name="Inner", env=[_env("V", "inner")], parent="outer")
    f.nodes[-2]["nodes"].append("inner")
    f.debug("dbg", "payload")
    out.append(
        f.case("env_nested_groups", "nested groups: innermost wins, $parent. skips one", ["inj"])
    )

    f = FlowBuilder(label="Names Tab")
    f.inject("inj", ["rd"], prop("payload", "{}", "json"))
    _reader(
        f,
        "rd",
        [
            "NR_NODE_NAME",
            "NR_NODE_ID",
            "NR_NODE_PATH",
            "NR_FLOW_NAME",
            "NR_FLOW_ID",
            "NR_GROUP_NAME",
            "NR_GROUP_ID",
        ],
        ["dbg"],
        name="the reader",
    )
    f.group("grp", ["rd"], name="The Group")
    f.debug("dbg", "payload")
    out.append(f.case("env_nr_builtins", "NR_NODE_*, NR_FLOW_*, NR_GROUP_* values", ["inj"]))

    f = FlowBuilder(label="Tab Two")
    f.inject("inj", ["rd"], prop("payload", "{}", "json"))
    _reader(f, "rd", ["NR_NODE_NAME", "NR_GROUP_NAME", "NR_GROUP_ID"], ["dbg"])
    f.debug("dbg", "payload")
    out.append(
        f.case("env_nr_builtins_unnamed", "NR_* values for an unnamed node, no group", ["inj"])
    )

    f = FlowBuilder(
        tab_env=[
            _env("FE_GOLDEN_FOO", "FE_GOLDEN_FOO", "env"),
            _env("WRAPPED", "${FE_GOLDEN_BAR}!", "env"),
        ]
    )
    f.inject("inj", ["rd"], prop("payload", "{}", "json"))
    _reader(f, "rd", ["FE_GOLDEN_FOO", "WRAPPED"], ["dbg"])
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "env_self_reference",
            "a tab env entry of type env naming itself reads the parent scope",
            ["inj"],
        )
    )

    f = FlowBuilder(tab_env=[_env("NUMVAR", "5", "num")])
    f.inject("inj", ["rg"], prop("payload", "5", "num"))
    f.range("rg", ["dbg"], "0", "${NUMVAR}", "0", "${FE_GOLDEN_NUM}")
    f.debug("dbg", "payload")
    out.append(f.case("env_substitution_range_limits", "substitution in range limits", ["inj"]))

    f = FlowBuilder(tab_env=[_env("A", "tab1-a")])
    f.extra_tab("tab2", "Other", env=[_env("A", "tab2-a")])
    f.inject("inj", ["rd1"], prop("payload", "{}", "json"))
    _reader(f, "rd1", ["A", "NR_FLOW_NAME"], ["dbg"])
    f.debug("dbg", "payload")
    f.inject("inj2", ["rd2"], prop("payload", "{}", "json"), z="tab2")
    _reader(f, "rd2", ["A", "NR_FLOW_NAME"], ["dbg2"], z="tab2")
    f.debug("dbg2", "payload", z="tab2")
    out.append(f.case("env_per_tab", "each tab has its own env scope", ["inj", "inj2"]))

    f = FlowBuilder()
    f.global_config(
        "gc",
        [
            _env("G_JSON", '{"g":true}', "json"),
            _env("G_NUM", "9", "num"),
            _env("G_FROM", "FE_GOLDEN_BAR", "env"),
        ],
    )
    f.inject("inj", ["rd"], prop("payload", "{}", "json"))
    _reader(f, "rd", ["G_JSON", "G_NUM", "G_FROM"], ["dbg"])
    f.debug("dbg", "payload")
    out.append(f.case("env_global_config_types", "typed global-config env entries", ["inj"]))

    f = FlowBuilder(tab_env=[_env("OBJ", '{"n":1}', "json")])
    f.inject("i1", ["mut"], prop("payload", "", "str"))
    f.change("mut", [], [_set("payload", "OBJ", "env"), _set("payload.n", "2", "num")])
    f.inject("i2", ["rd"], prop("payload", "", "str"))
    f.change("rd", ["dbg"], [_set("payload", "OBJ", "env")])
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "env_object_values_are_copies",
            "an object env value is a fresh copy on each read",
            ["i1", "i2"],
        )
    )
    return out
