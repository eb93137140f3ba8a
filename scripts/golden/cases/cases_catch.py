"""Catch, status and complete nodes: scopes, msg.error shape, uncaught, groups.

Errors are raised with a change node whose JSONata rule calls ``$error(...)``
(a deterministic message), or with a json node parsing invalid text.
"""

from __future__ import annotations

from .builder import Case, FlowBuilder, prop


def _boom(text: str) -> list[dict]:
    return [{"t": "set", "p": "payload", "pt": "msg", "to": f'$error("{text}")', "tot": "jsonata"}]


def _set(p: str, to: str, tot: str = "str") -> dict:
    return {"t": "set", "p": p, "pt": "msg", "to": to, "tot": tot}


def cases() -> list[Case]:
    out: list[Case] = []

    f = FlowBuilder()
    f.inject("inj", ["bad"], prop("payload", "p", "str"), prop("topic", "t", "str"))
    f.change("bad", ["never"], _boom("first failure"), name="failing change")
    f.debug("never", "true")
    f.catch("c", ["dbg"])
    f.debug("dbg", "true")
    out.append(f.case("catch_all_error_shape", "catch all: the msg.error shape", ["inj"]))

    f = FlowBuilder()
    f.inject("inj", ["js"], prop("payload", "{bad", "str"))
    f.json("js", ["never"])
    f.debug("never", "true")
    f.catch("c", ["dbg"])
    f.debug("dbg", "error")
    out.append(f.case("catch_json_error_shape", "json parse error as seen by catch", ["inj"]))

    f = FlowBuilder()
    f.inject("i1", ["bad1"], prop("payload", "1", "str"))
    f.inject("i2", ["bad2"], prop("payload", "2", "str"))
    f.change("bad1", [], _boom("from one"))
    f.change("bad2", [], _boom("from two"))
    f.catch("c1", ["d1"], scope=["bad1"])
    f.catch("call", ["d2"])
    f.debug("d1", "error.message")
    f.debug("d2", "error.message")
    out.append(
        f.case("catch_scoped_and_all", "a scoped catch and a catch-all both receive", ["i1", "i2"])
    )

    f = FlowBuilder()
    f.inject("i1", ["bad1"], prop("payload", "1", "str"))
    f.inject("i2", ["bad2"], prop("payload", "2", "str"))
    f.change("bad1", [], _boom("from one"))
    f.change("bad2", [], _boom("from two"))
    f.catch("c1", ["d1"], scope=["bad1"])
    f.catch("cu", ["du"], uncaught=True)
    f.debug("d1", "error.message")
    f.debug("du", "error.message")
    out.append(
        f.case("catch_uncaught", "an uncaught-only catch fires when nothing else did", ["i1", "i2"])
    )

    f = FlowBuilder()
    f.inject("i1", ["inner"], prop("payload", "in", "str"))
    f.inject("i2", ["outer"], prop("payload", "out", "str"))
    f.change("inner", [], _boom("inside group"))
    f.change("outer", [], _boom("outside group"))
    f.catch("cg", ["dg"], scope="group")
    f.debug("dg", "error.message")
    f.catch("ca", ["da"])
    f.debug("da", "error.message")
    f.group("grp", ["inner", "cg", "dg"], name="G")
    out.append(
        f.case("catch_group_scope", "a group-scoped catch sees only its group", ["i1", "i2"])
    )

    f = FlowBuilder()
    f.inject("i1", ["deep"], prop("payload", "x", "str"))
    f.change("deep", [], _boom("nested group"))
    f.catch("cg", ["dg"], scope="group")
    f.debug("dg", "error.message")
    f.group("outer", ["cg", "dg"], name="outer")
    f.group("inner", ["deep"], name="inner", parent="outer")
    f.nodes[-2]["nodes"].append("inner")  # the outer group lists the nested group
    out.append(
        f.case("catch_nested_group", "a group catch sees errors from a nested group", ["i1"])
    )

    f = FlowBuilder()
    f.inject("inj", ["pre"], prop("payload", "x", "str"))
    f.change("pre", ["bad"], [_set("error", '{"message":"older","keep":true}', "json")])
    f.change("bad", [], _boom("newer"))
    f.catch("c", ["dbg"])
    f.debug("dbg", "true")
    out.append(
        f.case("catch_existing_error_moved", "an existing msg.error moves to msg._error", ["inj"])
    )

    f = FlowBuilder()
    f.extra_tab("tab2", "Other")
    f.inject("inj", ["bad"], prop("payload", "x", "str"), z="tab2")
    f.change("bad", [], _boom("other tab"), z="tab2")
    f.catch("c", ["dbg"])
    f.debug("dbg", "error.message")
    f.inject("inj2", ["dbg"], prop("payload", "marker", "str"))
    out.append(
        f.case(
            "catch_other_tab",
            "a catch does not see errors from another tab",
            ["inj", "inj2"],
            compare_logs=True,
        )
    )

    f = FlowBuilder()
    f.inject("inj", ["js"], prop("payload", "{bad", "str"))
    f.json("js", [])
    f.catch("c", ["js", "dbg"], scope=["js"])
    f.debug("dbg", "error")
    out.append(
        f.case(
            "catch_loop_protection",
            "a catch wired back into the failing node stops after 10 rounds",
            ["inj"],
            compare_logs=True,
        )
    )

    f = FlowBuilder()
    f.inject("inj", ["bad"], prop("payload", "x", "str"))
    f.change("bad", [], _boom("nobody listens"))
    f.inject("inj2", ["dbg"], prop("payload", "after", "str"))
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "catch_none_logs_error",
            "an uncaught error is logged",
            ["inj", "inj2"],
            compare_logs=True,
        )
    )

    f = FlowBuilder()
    f.inject("inj", ["bad"], prop("payload", "x", "str"))
    f.change("bad", [], _boom("two catchers"))
    f.catch("c1", ["d1"])
    f.catch("c2", ["d2"])
    f.change("d1", ["dbg"], [_set("payload", "mutated by c1 path")])
    f.debug("d2", "true")
    f.debug("dbg", "true")
    out.append(
        f.case("catch_two_catch_all", "two catch-all nodes each get their own copy", ["inj"])
    )

    # ---- status ---------------------------------------------------------------------
    f = FlowBuilder()
    f.inject("inj", ["shows"], prop("payload", "status text", "str"))
    f.debug("shows", "payload", tostatus=True, name="reporter")
    f.status("st", ["dbg"], scope=["shows"])
    f.debug("dbg", "true")
    out.append(
        f.case("status_scoped", "a status node gets status from a debug node (tostatus)", ["inj"])
    )

    f = FlowBuilder()
    f.inject("inj", ["shows"], prop("payload", '{"obj":[1,2]}', "json"))
    f.debug("shows", "payload", tostatus=True)
    f.status("st", ["dbg"])
    f.debug("dbg", "status")
    out.append(f.case("status_all", "a status node with no scope", ["inj"]))

    f = FlowBuilder()
    f.inject("inj", ["in_g", "out_g"], prop("payload", "text", "str"))
    f.debug("in_g", "payload", tostatus=True)
    f.debug("out_g", "payload", tostatus=True)
    f.status("sg", ["dg"], scope="group")
    f.debug("dg", "status.source.id")
    f.group("grp", ["in_g", "sg", "dg"])
    out.append(f.case("status_group_scope", "a group-scoped status node", ["inj"]))

    f = FlowBuilder()
    f.injects(
        ["shows"],
        [
            ("a long status text that is truncated somewhere", "str"),
            ("same", "str"),
            ("same", "str"),
            ("42", "num"),
        ],
    )
    f.debug("shows", "payload", tostatus=True)
    f.status("st", ["dbg"], scope=["shows"])
    f.debug("dbg", "status")
    out.append(
        f.case(
            "status_debug_truncation_and_repeat",
            "debug status truncation; an unchanged status is not re-emitted",
            ["i1", "i2", "i3", "i4"],
        )
    )

    # ---- complete -------------------------------------------------------------------
    f = FlowBuilder()
    f.inject("inj", ["work"], prop("payload", "x", "str"))
    f.change("work", ["after"], [_set("payload", "worked")])
    f.debug("after", "payload")
    f.complete("cmp", ["dbg"], ["work"])
    f.debug("dbg", "true")
    out.append(f.case("complete_basic", "complete gets the input msg with msg.complete", ["inj"]))

    f = FlowBuilder()
    f.inject("i1", ["js"], prop("payload", "{bad", "str"))
    f.inject("i2", ["js"], prop("payload", '{"ok":1}', "str"))
    f.json("js", [])
    f.complete("cmp", ["dbg"], ["js"])
    f.debug("dbg", "payload")
    out.append(
        f.case("complete_not_on_error", "a failed node does not trigger complete", ["i1", "i2"])
    )

    f = FlowBuilder()
    f.inject("inj", ["a", "d"], prop("payload", "x", "str"))
    f.change("a", [], [_set("topic", "from a")])
    f.debug("d", "payload")
    f.complete("cmp", ["dbg"], ["a", "d"])
    f.debug("dbg", "complete")
    out.append(
        f.case("complete_multiple_scope", "complete scoped to a change and a debug node", ["inj"])
    )

    f = FlowBuilder()
    f.inject("inj", ["a"], prop("payload", "x", "str"))
    f.change("a", ["dbg"], [_set("topic", "a")])
    f.complete("c1", ["dbg"], ["a"])
    f.complete("c2", ["dbg"], ["a"])
    f.debug("dbg", "true")
    out.append(f.case("complete_two_nodes", "two complete nodes for the same node", ["inj"]))

    f = FlowBuilder()
    f.inject("inj", ["a"], prop("payload", "x", "str"))
    f.change("a", ["dbg"], [_set("topic", "a")])
    f.complete("cmp", ["dbg"], ["a", "dbg"])
    f.debug("dbg", "true")
    out.append(
        f.case(
            "complete_wired_scope_removed",
            "a complete node ignores scope ids it is wired to (no loop)",
            ["inj"],
        )
    )
    return out
