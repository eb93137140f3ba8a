"""Link in / link out / link call (static, dynamic, return mode, across tabs)."""

from __future__ import annotations

from .builder import Case, FlowBuilder, prop


def _set(p: str, to: str, tot: str = "str") -> dict:
    return {"t": "set", "p": p, "pt": "msg", "to": to, "tot": tot}


def cases() -> list[Case]:
    out: list[Case] = []

    f = FlowBuilder()
    f.inject("inj", ["lo"], prop("payload", "through link", "str"))
    f.link_out("lo", ["li"])
    f.link_in("li", ["dbg"], ["lo"])
    f.debug("dbg", "true")
    out.append(f.case("link_basic", "link out -> link in; msg._event names the link out", ["inj"]))

    f = FlowBuilder()
    f.inject("inj", ["lo"], prop("payload", '{"v":1}', "json"))
    f.link_out("lo", ["li1", "li2"])
    f.link_in("li1", ["m1"], ["lo"])
    f.link_in("li2", ["m2"], ["lo"])
    f.change("m1", ["dbg"], [_set("payload.v", "one")])
    f.change("m2", ["dbg"], [_set("payload.v", "two")])
    f.debug("dbg", "payload")
    out.append(
        f.case("link_out_two_targets", "one link out to two link ins (clone, order)", ["inj"])
    )

    f = FlowBuilder()
    f.inject("inj", ["lo"], prop("payload", "x", "str"))
    f.link_out("lo", [])
    f.link_in("li", ["dbg"], ["lo"])
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "link_in_lists_out_only",
            "a link in listing the link out is connected even if the out does not list it",
            ["inj"],
        )
    )

    f = FlowBuilder()
    f.extra_tab("tab2", "Second")
    f.inject("inj", ["lo"], prop("payload", "cross-tab", "str"))
    f.link_out("lo", ["li"])
    f.link_in("li", ["dbg"], ["lo"], z="tab2")
    f.debug("dbg", "true", z="tab2")
    out.append(f.case("link_cross_tab", "link to another tab", ["inj"]))

    f = FlowBuilder()
    f.inject("inj", ["lo", "lo2"], prop("payload", "fan", "str"))
    f.link_out("lo", ["li"])
    f.link_out("lo2", ["li"])
    f.link_in("li", ["a", "b"], ["lo", "lo2"])
    f.change("a", ["dbg"], [_set("topic", "a")])
    f.change("b", ["dbg"], [_set("topic", "b")])
    f.debug("dbg", "true")
    out.append(
        f.case("link_two_outs_one_in", "two link outs into one link in with fan-out", ["inj"])
    )

    f = FlowBuilder()
    f.inject("inj", ["call"], prop("payload", "3", "num"), prop("topic", "caller", "str"))
    f.link_call("call", ["dbg"], ["svc"])
    f.link_in("svc", ["work", "tap"], [])
    f.change(
        "work",
        ["ret"],
        [{"t": "set", "p": "payload", "pt": "msg", "to": "payload * 10", "tot": "jsonata"}],
    )
    f.debug("tap", "true")
    f.link_out("ret", [], "return")
    f.debug("dbg", "true")
    out.append(f.case("link_call_return", "link call with a return-mode link out", ["inj"]))

    f = FlowBuilder()
    f.inject("inj", ["call1"], prop("payload", "", "str"))
    f.link_call("call1", ["dbg"], ["svcA"])
    f.link_in("svcA", ["markA"], [])
    f.change("markA", ["call2"], [_set("payload", "A")])
    f.link_call("call2", ["markA2"], ["svcB"])
    f.change(
        "markA2",
        ["retA"],
        [{"t": "set", "p": "payload", "pt": "msg", "to": "payload & '>A2'", "tot": "jsonata"}],
    )
    f.link_out("retA", [], "return")
    f.link_in("svcB", ["markB", "tapB"], [])
    f.change(
        "markB",
        ["retB"],
        [{"t": "set", "p": "payload", "pt": "msg", "to": "payload & '>B'", "tot": "jsonata"}],
    )
    f.debug("tapB", "true")
    f.link_out("retB", [], "return")
    f.debug("dbg", "true")
    out.append(f.case("link_call_nested", "a called flow itself uses link call", ["inj"]))

    f = FlowBuilder()
    f.inject("byname", ["call"], prop("payload", "n", "str"), prop("target", "service one", "str"))
    f.inject("byid", ["call"], prop("payload", "i", "str"), prop("target", "svc2", "str"))
    f.link_call("call", ["dbg"], [], "dynamic")
    f.link_in("svc1", ["m1"], [], name="service one")
    f.link_in("svc2", ["m2"], [], name="service two")
    f.change("m1", ["r1"], [_set("topic", "one")])
    f.change("m2", ["r2"], [_set("topic", "two")])
    f.link_out("r1", [], "return")
    f.link_out("r2", [], "return")
    f.debug("dbg", "true")
    out.append(
        f.case("link_call_dynamic", "dynamic link call by name and by id", ["byname", "byid"])
    )

    f = FlowBuilder()
    f.inject("inj", ["ret"], prop("payload", "nowhere", "str"))
    f.link_out("ret", [], "return")
    f.inject("inj2", ["dbg"], prop("payload", "after", "str"))
    f.debug("dbg", "payload")
    out.append(
        f.case(
            "link_return_without_call",
            "return mode with no caller: warning only",
            ["inj", "inj2"],
            compare_logs=True,
        )
    )

    f = FlowBuilder()
    f.extra_tab("tab2", "Service tab")
    f.inject("inj", ["call"], prop("payload", "x", "str"))
    f.link_call("call", ["dbg"], ["svc"])
    f.link_in("svc", ["m"], [], z="tab2")
    f.change(
        "m",
        ["ret"],
        [{"t": "set", "p": "payload", "pt": "msg", "to": "$env('NR_FLOW_NAME')", "tot": "jsonata"}],
        z="tab2",
    )
    f.link_out("ret", [], "return", z="tab2")
    f.debug("dbg", "true")
    out.append(
        f.case("link_call_cross_tab", "link call into another tab (env of that tab)", ["inj"])
    )

    f = FlowBuilder()
    f.inject("inj", ["call"], prop("payload", "keep", "str"))
    f.link_call("call", ["dbg"], ["svc"])
    f.link_in("svc", ["both"], [])
    f.link_out("both", ["li2"], "return")
    f.link_in("li2", ["never"], [])
    f.debug("never", "true")
    f.debug("dbg", "payload")
    out.append(
        f.case("link_return_ignores_links", "a return-mode link out does not follow links", ["inj"])
    )

    f = FlowBuilder()
    f.inject("inj", ["lo"], prop("payload", "to disabled", "str"))
    f.link_out("lo", ["li", "li_off"])
    f.link_in("li", ["dbg"], ["lo"])
    f.link_in("li_off", ["dbg"], ["lo"], d=True)
    f.debug("dbg", "payload")
    out.append(f.case("link_disabled_target", "a disabled link in receives nothing", ["inj"]))
    return out
