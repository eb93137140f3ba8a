"""Flow-level behaviour: disabled nodes and tabs, comments, junction fan-in, groups."""

from __future__ import annotations

from .builder import Case, FlowBuilder, prop


def _set(p: str, to: str, tot: str = "str") -> dict:
    return {"t": "set", "p": p, "pt": "msg", "to": to, "tot": tot}


def cases() -> list[Case]:
    out: list[Case] = []

    f = FlowBuilder()
    f.inject("inj", ["off", "on"], prop("payload", "x", "str"))
    f.change("off", ["dbg"], [_set("topic", "disabled node ran")], d=True)
    f.change("on", ["dbg"], [_set("topic", "enabled node ran")])
    f.debug("dbg", "true")
    out.append(f.case("flow_disabled_node", "messages to a disabled node are dropped", ["inj"]))

    f = FlowBuilder()
    f.inject("inj", ["dbg"], prop("payload", "x", "str"))
    f.debug("dbg", "payload", d=True)
    f.inject("inj2", ["dbg2"], prop("payload", "y", "str"))
    f.debug("dbg2", "payload")
    out.append(
        f.case("flow_disabled_debug", "a disabled debug node shows nothing", ["inj", "inj2"])
    )

    f = FlowBuilder()
    f.comment("note", "just a comment")
    f.inject("inj", ["j1", "j2"], prop("payload", "fan-in", "str"))
    f.junction("j1", ["j3"])
    f.junction("j2", ["j3"])
    f.junction("j3", ["dbg"])
    f.debug("dbg", "true")
    out.append(
        f.case("flow_junction_fan_in", "two junction paths merging: two deliveries", ["inj"])
    )

    f = FlowBuilder()
    f.inject("inj", ["ch"], prop("payload", "grouped", "str"))
    f.change("ch", ["dbg"], [_set("topic", "in group")])
    f.debug("dbg", "true")
    f.group("grp", ["inj", "ch", "dbg"], name="Everything")
    out.append(f.case("flow_groups_transparent", "groups do not change message flow", ["inj"]))

    f = FlowBuilder()
    f.inject(
        "inj",
        ["ch"],
        prop("payload", '{"keep":"me"}', "json"),
        prop("_private", "underscore", "str"),
        prop("req", "not http", "str"),
    )
    f.change("ch", ["dbg", "dbg2"], [_set("extra", "1", "num")])
    f.debug("dbg", "true")
    f.debug("dbg2", "true")
    out.append(
        f.case(
            "flow_clone_special_props",
            "underscore props and a non-HTTP msg.req survive cloning",
            ["inj"],
        )
    )
    return out
