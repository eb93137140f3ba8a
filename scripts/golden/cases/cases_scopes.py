"""Scope interplay: subflows inside groups, nested group catches, ${} inside subflows."""

from __future__ import annotations

from typing import Any

from .builder import Case, FlowBuilder, prop


def _set(p: str, to: str, tot: str = "str", pt: str = "msg") -> dict[str, Any]:
    return {"t": "set", "p": p, "pt": pt, "to": to, "tot": tot}


def _env(name: str, value: str, typ: str = "str") -> dict[str, Any]:
    return {"name": name, "type": typ, "value": value}


def _boom(text: str) -> list[dict[str, Any]]:
    return [_set("payload", f'$error("{text}")', "jsonata")]


def cases() -> list[Case]:
    out: list[Case] = []

    f = FlowBuilder(tab_env=[_env("TAB_V", "tab value")])
    f.subflow("sf", "Subst", ["sf_ch"], [[("sf_ch", 0)]], env=[_env("SF_V", "subflow value")])
    f.change(
        "sf_ch",
        [],
        [
            _set("payload.sf", "${SF_V}"),
            _set("payload.tab", "${TAB_V}"),
            _set("payload.name", "${NR_NODE_NAME}"),
            _set("payload.sfname", "${NR_SUBFLOW_NAME}"),
        ],
        z="sf",
        name="inner",
    )
    f.inject("inj", ["inst"], prop("payload", "{}", "json"))
    f.instance("inst", "sf", ["dbg"], name="the instance", env=[_env("SF_V", "instance value")])
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "scope_subflow_env_substitution",
            "${VAR} in a node inside a subflow resolves through the instance env",
            ["inj"],
        )
    )

    f = FlowBuilder()
    f.subflow("sf", "Fails", ["sf_bad"], [[("sf_bad", 0)]])
    f.change("sf_bad", [], _boom("from grouped instance"), z="sf")
    f.inject("inj", ["inst"], prop("payload", "x", "str"))
    f.instance("inst", "sf", [])
    f.catch("cg", ["dg"], scope="group")
    f.debug("dg", "error")
    f.group("grp", ["inst", "cg", "dg"], name="G")
    out.append(
        f.case(
            "scope_group_catch_subflow_error",
            "a group-scoped catch gets errors bubbling out of a subflow instance in its group",
            ["inj"],
        )
    )

    f = FlowBuilder()
    f.inject("inj", ["deep"], prop("payload", "x", "str"))
    f.change("deep", [], _boom("nested"))
    f.catch("c_inner", ["d_inner"], scope="group")
    f.debug("d_inner", "error.message")
    f.catch("c_outer", ["d_outer"], scope="group")
    f.debug("d_outer", "error.message")
    f.catch("c_all", ["d_all"])
    f.debug("d_all", "error.message")
    f.catch("c_unc", ["d_unc"], uncaught=True)
    f.debug("d_unc", "error.message")
    f.group("outer", ["c_outer", "d_outer"], name="outer")
    f.group("inner", ["deep", "c_inner", "d_inner"], name="inner", parent="outer")
    f.nodes[-2]["nodes"].append("inner")
    out.append(
        f.case(
            "scope_catch_group_distance",
            "catches in the inner group, outer group, flow-wide and uncaught: who fires, in order",
            ["inj"],
        )
    )

    f = FlowBuilder()
    f.inject("inj", ["a", "b"], prop("payload", "x", "str"))
    f.debug("a", "payload", tostatus=True)
    f.debug("b", "payload", tostatus=True)
    f.status("s_inner", ["d_inner"], scope="group")
    f.debug("d_inner", "status.source.id")
    f.status("s_outer", ["d_outer"], scope="group")
    f.debug("d_outer", "status.source.id")
    f.group("outer", ["b", "s_outer", "d_outer"], name="outer")
    f.group("inner", ["a", "s_inner", "d_inner"], name="inner", parent="outer")
    f.nodes[-2]["nodes"].append("inner")
    out.append(
        f.case(
            "scope_status_nested_groups",
            "group-scoped status nodes in nested groups",
            ["inj"],
        )
    )

    f = FlowBuilder()
    f.subflow("sf", "Pass", ["sf_ch"], [[("sf_ch", 0)]])
    f.change("sf_ch", [], [_set("topic", "inside")], z="sf")
    f.inject("inj", ["inst"], prop("payload", "x", "str"))
    f.instance("inst", "sf", ["dbg"])
    f.complete("cmp", ["dcmp"], ["inst"])
    f.debug("dbg", "topic")
    f.debug("dcmp", "true")
    out.append(
        f.case(
            "scope_complete_on_instance",
            "a complete node scoped to a subflow instance",
            ["inj"],
        )
    )

    f = FlowBuilder(tab_env=[_env("SHARED", "tab-level")])
    f.subflow(
        "sf",
        "Inherit",
        ["sf_ch"],
        [[("sf_ch", 0)]],
        env=[_env("SHARED", "SHARED", "env"), _env("PARENT_REF", "$parent.SHARED", "env")],
    )
    f.change(
        "sf_ch",
        [],
        [_set("payload.shared", "SHARED", "env"), _set("payload.ref", "PARENT_REF", "env")],
        z="sf",
    )
    f.inject("inj", ["inst"], prop("payload", "{}", "json"))
    f.instance("inst", "sf", ["dbg"])
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "scope_subflow_env_from_parent",
            "a subflow env entry of type env naming itself, and $parent., read the parent",
            ["inj"],
        )
    )

    f = FlowBuilder()
    f.subflow("sf", "Ctx", ["sf_tpl"], [[("sf_tpl", 0)]])
    f.template("sf_tpl", [], "{{flow.own}}|{{flow.$parent.pv}}", z="sf")
    f.inject("setup", ["ctx"], prop("payload", "", "str"))
    f.change("ctx", [], [_set("pv", "parent", "str", pt="flow")])
    f.inject("inj", ["inst"], prop("payload", "", "str"))
    f.instance("inst", "sf", ["dbg"])
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "scope_template_flow_in_subflow",
            "template flow.x lookups inside a subflow",
            ["setup", "inj"],
        )
    )

    f = FlowBuilder()
    f.subflow("inner", "Inner", ["in_st"], [[("in_st", 0)]], status=[("in_st", 0)])
    f.change("in_st", [], [_set("payload", "inner status")], z="inner")
    f.subflow("outer", "Outer", ["inner_inst"], [[("inner_inst", 0)]])
    f.instance("inner_inst", "inner", [], z="outer")
    f.inject("inj", ["oi"], prop("payload", "x", "str"))
    f.instance("oi", "outer", ["dbg"])
    f.status("st", ["sdbg"])
    f.debug("dbg", "payload")
    f.debug("sdbg", "status")
    out.append(
        f.case(
            "scope_nested_subflow_status",
            "status of a nested subflow instance, seen from the top flow",
            ["inj"],
        )
    )
    return out
