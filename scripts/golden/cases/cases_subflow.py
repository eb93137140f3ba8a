"""Subflows: ports, pass-through ordering, env, status port, errors, context, nesting."""

from __future__ import annotations

from .builder import Case, FlowBuilder, prop


def _set(p: str, to: str, tot: str = "str", pt: str = "msg") -> dict:
    return {"t": "set", "p": p, "pt": pt, "to": to, "tot": tot}


def _env(name: str, value: str, typ: str = "str") -> dict:
    return {"name": name, "type": typ, "value": value}


def cases() -> list[Case]:
    out: list[Case] = []

    f = FlowBuilder()
    f.subflow("sf", "Tagger", ["sf_ch"], [[("sf_ch", 0)]])
    f.change("sf_ch", [], [_set("topic", "tagged in subflow")], z="sf")
    f.inject("inj", ["inst"], prop("payload", "p", "str"))
    f.instance("inst", "sf", ["dbg"], name="my tagger")
    f.debug("dbg", "true")
    out.append(f.case("subflow_basic", "one input, one output, a change node inside", ["inj"]))

    f = FlowBuilder()
    f.subflow("sf", "Pass", ["sf_ch"], [[("sf_ch", 0), ("sf", 0)]])
    f.change("sf_ch", [], [_set("payload", "processed")], z="sf")
    f.inject("inj", ["inst"], prop("payload", "raw", "str"))
    f.instance("inst", "sf", ["dbg"])
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "subflow_passthrough_order",
            "an output wired to the input and to a node: pass-through arrives first",
            ["inj"],
        )
    )

    f = FlowBuilder()
    f.subflow("sf", "Splitter", ["sf_sw"], [[("sf_sw", 0)], [("sf_sw", 1)]])
    f.switch(
        "sf_sw",
        [[], []],
        [{"t": "gt", "v": "0", "vt": "num"}, {"t": "else"}],
        z="sf",
        checkall="false",
    )
    f.injects(["inst"], [("5", "num"), ("-5", "num")])
    f.instance("inst", "sf", [["pos"], ["neg"]], outputs=2)
    f.debug("pos", "payload")
    f.debug("neg", "payload")
    out.append(f.case("subflow_two_outputs", "two output ports", ["i1", "i2"]))

    f = FlowBuilder()
    f.subflow(
        "sf",
        "Env",
        ["sf_ch"],
        [[("sf_ch", 0)]],
        env=[
            _env("SF_STR", "template-str"),
            _env("SF_NUM", "7", "num"),
            _env("SF_BOOL", "true", "bool"),
            _env("SF_JSON", '{"j":[1]}', "json"),
            _env("SF_OVERRIDE", "from-template"),
            _env("SF_FROM_ENV", "FE_GOLDEN_FOO", "env"),
        ],
    )
    f.change(
        "sf_ch",
        [],
        [
            _set("payload.str", "SF_STR", "env"),
            _set("payload.num", "SF_NUM", "env"),
            _set("payload.bool", "SF_BOOL", "env"),
            _set("payload.json", "SF_JSON", "env"),
            _set("payload.override", "SF_OVERRIDE", "env"),
            _set("payload.fromEnv", "SF_FROM_ENV", "env"),
            _set("payload.process", "FE_GOLDEN_BAR", "env"),
            _set("payload.viaJsonata", '$env("SF_NUM")', "jsonata"),
            _set("payload.sfName", "NR_SUBFLOW_NAME", "env"),
            _set("payload.sfId", "NR_SUBFLOW_ID", "env"),
            _set("payload.sfPath", "NR_SUBFLOW_PATH", "env"),
            _set("payload.nodeName", "NR_NODE_NAME", "env"),
            _set("payload.nodeId", "NR_NODE_ID", "env"),
            _set("payload.nodePath", "NR_NODE_PATH", "env"),
            _set("payload.flowName", "NR_FLOW_NAME", "env"),
        ],
        z="sf",
        name="reader",
    )
    f.inject("inj", ["inst"], prop("payload", "{}", "json"))
    f.instance(
        "inst", "sf", ["dbg"], name="env instance", env=[_env("SF_OVERRIDE", "from-instance")]
    )
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "subflow_env",
            "subflow env: typed template entries, instance override, NR_* names, process env",
            ["inj"],
        )
    )

    f = FlowBuilder()
    f.subflow("sf", "Env2", ["sf_ch"], [[("sf_ch", 0)]], env=[_env("WHO", "template")])
    f.change("sf_ch", [], [_set("payload", "WHO", "env")], z="sf")
    f.inject("inj", ["a", "b"], prop("payload", "", "str"))
    f.instance("a", "sf", ["dbg"], name="A", env=[_env("WHO", "instance A")])
    f.instance("b", "sf", ["dbg"], name="B")
    f.debug("dbg", "payload")
    out.append(
        f.case("subflow_two_instances", "two instances of one subflow, different env", ["inj"])
    )

    f = FlowBuilder()
    f.subflow("sf", "Status", ["sf_ch"], [[("sf_ch", 0)]], status=[("sf_st", 0)])
    f.change("sf_ch", ["sf_st"], [_set("topic", "t")], z="sf")
    f.change(
        "sf_st",
        [],
        [_set("payload", '{"fill":"red","shape":"ring","text":"busy"}', "json")],
        z="sf",
    )
    f.inject("inj", ["inst"], prop("payload", "go", "str"))
    f.instance("inst", "sf", ["dbg"])
    f.status("st", ["sdbg"], scope=["inst"])
    f.debug("dbg", "payload")
    f.debug("sdbg", "status")
    out.append(f.case("subflow_status_port", "the status port sets the instance status", ["inj"]))

    f = FlowBuilder()
    f.subflow("sf", "StatusText", ["sf_st"], [], status=[("sf_st", 0)])
    f.junction("sf_st", [], z="sf")
    f.injects(["inst"], [("plain text", "str"), ("12", "num"), ('{"a":{"b":1}}', "json")])
    f.instance("inst", "sf", None, outputs=0)
    f.status("st", ["sdbg"], scope=["inst"])
    f.debug("sdbg", "status")
    out.append(
        f.case(
            "subflow_status_payload_kinds",
            "status port with string, number and object payloads",
            ["i1", "i2", "i3"],
        )
    )

    f = FlowBuilder()
    f.subflow("sf", "Failing", ["sf_bad"], [[("sf_bad", 0)]])
    f.change(
        "sf_bad",
        [],
        [_set("payload", '$error("inside subflow")', "jsonata")],
        z="sf",
        name="inner change",
    )
    f.inject("inj", ["inst"], prop("payload", "x", "str"))
    f.instance("inst", "sf", ["never"], name="failing instance")
    f.debug("never", "true")
    f.catch("c", ["dbg"], scope=["inst"])
    f.debug("dbg", "true")
    out.append(
        f.case(
            "subflow_error_bubbles",
            "an uncaught error inside reaches a parent catch scoped to the instance",
            ["inj"],
        )
    )

    f = FlowBuilder()
    f.subflow("sf", "Failing", ["sf_bad"], [[("sf_bad", 0)], [("sf_c", 0)]])
    f.change("sf_bad", [], [_set("payload", '$error("handled inside")', "jsonata")], z="sf")
    f.catch("sf_c", [], z="sf")
    f.inject("inj", ["inst"], prop("payload", "x", "str"))
    f.instance("inst", "sf", [["never"], ["inner_caught"]], outputs=2)
    f.debug("never", "true")
    f.debug("inner_caught", "error")
    f.catch("c", ["dbg"])
    f.debug("dbg", "error")
    out.append(
        f.case(
            "subflow_error_caught_inside",
            "a catch inside the subflow handles it; the parent catch does not",
            ["inj"],
        )
    )

    f = FlowBuilder()
    f.subflow("sf", "WithDebug", ["sf_dbg", "sf_ch"], [[("sf_ch", 0)]])
    f.debug("sf_dbg", "true", z="sf")
    f.change("sf_ch", [], [_set("topic", "inner")], z="sf")
    f.inject("inj", ["inst"], prop("payload", "seen inside", "str"))
    f.instance("inst", "sf", ["dbg"])
    f.debug("dbg", "true")
    out.append(f.case("subflow_debug_inside", "a debug node inside a subflow instance", ["inj"]))

    f = FlowBuilder()
    f.subflow("inner", "Inner", ["in_ch"], [[("in_ch", 0)]], env=[_env("LEVEL", "inner")])
    f.change(
        "in_ch",
        [],
        [
            _set("payload.inner", "LEVEL", "env"),
            _set("payload.outerVar", "OUTER_ONLY", "env"),
            _set("payload.path", "NR_SUBFLOW_PATH", "env"),
        ],
        z="inner",
    )
    f.subflow(
        "outer",
        "Outer",
        ["out_ch"],
        [[("inner_inst", 0)]],
        env=[_env("LEVEL", "outer"), _env("OUTER_ONLY", "outer-only")],
    )
    f.change("out_ch", ["inner_inst"], [_set("payload.outer", "LEVEL", "env")], z="outer")
    f.instance("inner_inst", "inner", [], z="outer")
    f.inject("inj", ["oi"], prop("payload", "{}", "json"))
    f.instance("oi", "outer", ["dbg"])
    f.debug("dbg", "payload")
    out.append(
        f.case("subflow_nested_env", "a subflow inside a subflow: env lookup chain", ["inj"])
    )

    f = FlowBuilder()
    f.subflow("sf", "Ctx", ["sf_ch"], [[("sf_ch", 0)]])
    f.change(
        "sf_ch",
        [],
        [
            _set("x", "inside", "str", pt="flow"),
            _set("payload.own", "x", "flow"),
            _set("payload.parent", "$parent.x", "flow"),
        ],
        z="sf",
    )
    f.inject("setup", ["pset"], prop("payload", "", "str"))
    f.change("pset", [], [_set("x", "parent-value", "str", pt="flow")])
    f.inject("inj", ["inst"], prop("payload", "{}", "json"))
    f.instance("inst", "sf", ["rd"])
    f.change("rd", ["dbg"], [_set("payload.parentSees", "x", "flow")])
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "subflow_flow_context",
            "a subflow has its own flow context; $parent. reaches the parent's",
            ["setup", "inj"],
        )
    )

    f = FlowBuilder()
    f.subflow("sf", "Reporter", ["sf_dbg"], [])
    f.debug("sf_dbg", "payload", z="sf", tostatus=True)
    f.inject("inj", ["inst"], prop("payload", "from inside", "str"))
    f.instance("inst", "sf", None, outputs=0)
    f.status("st", ["sdbg"], scope=["inst"])
    f.debug("sdbg", "status")
    out.append(
        f.case(
            "subflow_status_bubbles_without_port",
            "status inside a subflow without status port reaches the parent",
            ["inj"],
        )
    )

    f = FlowBuilder()
    f.subflow("sf", "Completer", ["sf_ch"], [[("sf_cmp", 0)]])
    f.change("sf_ch", [], [_set("topic", "worked")], z="sf")
    f.complete("sf_cmp", [], ["sf_ch"], z="sf")
    f.inject("inj", ["inst"], prop("payload", "x", "str"))
    f.instance("inst", "sf", ["dbg"])
    f.debug("dbg", "true")
    out.append(f.case("subflow_complete_inside", "a complete node inside a subflow", ["inj"]))

    f = FlowBuilder()
    f.subflow("sf", "Wire only", [], [[("sf", 0)]])
    f.inject("inj", ["inst"], prop("payload", "straight through", "str"))
    f.instance("inst", "sf", ["dbg"])
    f.debug("dbg", "true")
    out.append(
        f.case("subflow_wire_only", "a subflow whose output is wired to its input only", ["inj"])
    )

    f = FlowBuilder(tab_env=[_env("WHERE", "tab"), _env("TAB_ONLY", "t")])
    f.global_config("gc", [_env("WHERE", "global"), _env("GLOBAL_ONLY", "g")])
    f.subflow("sf", "Lookup", ["sf_ch"], [[("sf_ch", 0)]], env=[_env("SF_ONLY", "s")])
    f.change(
        "sf_ch",
        [],
        [
            _set(f"payload.{n}", n, "env")
            for n in ("WHERE", "TAB_ONLY", "GLOBAL_ONLY", "SF_ONLY", "GROUP_ONLY", "NR_GROUP_NAME")
        ],
        z="sf",
    )
    f.inject("inj", ["in_g", "out_g"], prop("payload", "{}", "json"))
    f.instance("in_g", "sf", ["dbg"], name="grouped")
    f.instance("out_g", "sf", ["dbg"], name="ungrouped", env=[_env("WHERE", "instance")])
    f.group(
        "grp", ["in_g"], name="SF group", env=[_env("WHERE", "group"), _env("GROUP_ONLY", "gr")]
    )
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "subflow_env_precedence",
            "inside a subflow: subflow env, then the instance's group, tab, global",
            ["inj"],
        )
    )
    return out
