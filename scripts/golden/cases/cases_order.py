"""Message cloning and delivery order.

Identity (first wire gets the original object, later wires a clone) is made
visible through flow context: a change node stores ``msg.payload`` by
reference (no deep copy) and a later mutation of the original object shows up
when a second inject reads the stored value back.
"""

from __future__ import annotations

from typing import Any

from .builder import Case, FlowBuilder, prop


def _set(p: str, to: str, tot: str = "str", pt: str = "msg") -> dict:
    return {"t": "set", "p": p, "pt": pt, "to": to, "tot": tot}


def _identity_case(
    name: str, description: str, mutate_first: bool, deep_copy: bool = False
) -> Case:
    f = FlowBuilder()
    f.inject("i1", ["save"], prop("payload", '{"a":1}', "json"))
    rule: dict[str, Any] = {"t": "set", "p": "saved", "pt": "flow", "to": "payload", "tot": "msg"}
    if deep_copy:
        rule["dc"] = True
    f.change("save", ["mut", "tap"] if mutate_first else ["tap", "mut"], [rule])
    f.change("mut", ["after"], [_set("payload.a", "2", "num")])
    f.debug("tap", "payload")
    f.debug("after", "payload")
    f.inject("i2", ["read"], prop("payload", "saved", "flow"))
    f.debug("read", "payload")
    return f.case(name, description, ["i1", "i2"])


def cases() -> list[Case]:
    out = [
        _identity_case(
            "order_first_wire_gets_original",
            "the first wire gets the original object: its mutation reaches context",
            mutate_first=True,
        ),
        _identity_case(
            "order_second_wire_gets_clone",
            "a later wire gets a clone: its mutation does not reach context",
            mutate_first=False,
        ),
        _identity_case(
            "order_context_deep_copy",
            "change rule with dc stores a copy, so no mutation reaches context",
            mutate_first=True,
            deep_copy=True,
        ),
    ]

    f = FlowBuilder()
    f.inject("inj", ["chb", "dbg"], prop("payload", "orig", "str"))
    f.change("chb", ["dbg"], [_set("payload", "via-b")])
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "order_breadth_first",
            "A->[B,D], B->D: D sees A's message before B's (breadth-first)",
            ["inj"],
        )
    )

    f = FlowBuilder()
    f.inject("inj", ["j1", "short", "dbg"], prop("payload", "direct", "str"))
    f.junction("j1", ["j2"])
    f.junction("j2", ["long"])
    f.change("long", ["dbg"], [_set("payload", "long")])
    f.change("short", ["dbg"], [_set("payload", "short")])
    f.debug("dbg", "payload")
    out.append(f.case("order_branch_lengths", "shorter branches arrive first", ["inj"]))

    f = FlowBuilder()
    f.inject("inj", ["cha", "chb"], prop("payload", "x", "str"))
    f.change("cha", ["dbg", "j"], [_set("topic", "A")])
    f.change("chb", ["dbg"], [_set("topic", "B")])
    f.junction("j", ["tagj"])
    f.change("tagj", ["dbg"], [_set("topic", "A-via-j")])
    f.debug("dbg", "true")
    out.append(f.case("order_levels", "delivery proceeds level by level across branches", ["inj"]))

    f = FlowBuilder()
    f.inject("inj", ["save"], prop("payload", '{"a":0}', "json"))
    f.change(
        "save", ["sw"], [{"t": "set", "p": "saved", "pt": "flow", "to": "payload", "tot": "msg"}]
    )
    f.switch("sw", [["ma"], ["mb"], ["mc"]], [{"t": "nnull"}, {"t": "nnull"}, {"t": "nnull"}])
    f.change("ma", ["dbg"], [_set("payload.a", "A"), _set("topic", "port0")])
    f.change("mb", ["dbg"], [_set("payload.a", "B"), _set("topic", "port1")])
    f.change("mc", ["dbg"], [_set("payload.a", "C"), _set("topic", "port2")])
    f.debug("dbg", "true")
    f.inject("i2", ["read"], prop("payload", "saved", "flow"))
    f.debug("read", "payload")
    out.append(
        f.case(
            "order_switch_ports",
            "switch matching 3 rules: port order, port 0 gets the original",
            ["inj", "i2"],
        )
    )

    f = FlowBuilder()
    f.inject("inj", ["loop"], prop("payload", "0", "num"))
    f.junction("loop", ["inc"])
    f.change(
        "inc",
        ["sw"],
        [{"t": "set", "p": "payload", "pt": "msg", "to": "payload + 1", "tot": "jsonata"}],
    )
    f.switch(
        "sw",
        [["iter", "loop"], ["done"]],
        [{"t": "lt", "v": "4", "vt": "num"}, {"t": "else"}],
        checkall="false",
    )
    f.debug("iter", "payload")
    f.debug("done", "true")
    f.inject("side", ["s1"], prop("payload", "side", "str"))
    f.junction("s1", ["s2"])
    f.junction("s2", ["iter"])
    out.append(
        f.case("order_loop", "a counting loop through a junction and a switch", ["inj", "side"])
    )

    f = FlowBuilder()
    f.inject("inj", ["t1"], prop("payload", "5", "num"), prop("topic", "id-check", "str"))
    f.change("t1", ["sw", "tap1"], [_set("step", "1", "num")])
    f.switch("sw", [["tpl"]], [{"t": "gt", "v": "1", "vt": "num"}])
    f.template("tpl", ["js", "tap2"], '{"v": {{payload}}}', output="str")
    f.json("js", ["tap3"])
    f.debug("tap1", "true")
    f.debug("tap2", "true")
    f.debug("tap3", "true")
    out.append(
        f.case("order_msgid_preserved", "_msgid stays the same through a chain of nodes", ["inj"])
    )

    f = FlowBuilder()
    f.inject("inj", ["j"], prop("payload", '{"k":1}', "json"))
    f.junction("j", ["m1", "m2"])
    f.change("m1", ["dbg"], [_set("payload.k", "one")])
    f.change("m2", ["dbg"], [_set("payload.k", "two")])
    f.debug("dbg", "payload")
    out.append(f.case("order_junction_fanout", "a junction clones for its second wire", ["inj"]))

    f = FlowBuilder()
    f.injects(["dbg", "cnt"], [("first", "str"), ("second", "str"), ("third", "str")])
    f.change("cnt", ["dbg"], [_set("topic", "counted")])
    f.debug("dbg", "true")
    out.append(f.case("order_successive_injects", "three injects in a row", ["i1", "i2", "i3"]))

    f = FlowBuilder()
    f.inject("inj", ["lo", "direct"], prop("payload", "p", "str"))
    f.link_out("lo", ["li"])
    f.link_in("li", ["viaLink"], ["lo"])
    f.change("viaLink", ["dbg"], [_set("topic", "via-link")])
    f.change("direct", ["j1"], [_set("topic", "direct")])
    f.junction("j1", ["dbg"])
    f.debug("dbg", "true")
    out.append(
        f.case("order_link_hops", "a link out/in pair costs hops like ordinary wires", ["inj"])
    )

    f = FlowBuilder()
    f.inject("inj", ["bad", "ok"], prop("payload", "{not json", "str"))
    f.json("bad", ["never"])
    f.debug("never", "true")
    f.change("ok", ["dbg"], [_set("topic", "normal-path")])
    f.catch("c", ["dbg"])
    f.debug("dbg", "topic")
    out.append(
        f.case(
            "order_catch_vs_normal_path",
            "an error routed to catch versus a parallel normal path",
            ["inj"],
        )
    )

    f = FlowBuilder()
    f.inject("inj", ["a", "b"], prop("payload", "1", "num"))
    f.change("a", ["dbg"], [_set("topic", "a")])
    f.change("b", ["dbg"], [_set("topic", "b")])
    f.complete("done", ["dbg"], ["a"])
    f.debug("dbg", "true")
    out.append(
        f.case(
            "order_complete_vs_send",
            "complete node output relative to the completed node's own output",
            ["inj"],
        )
    )
    return out
