"""Debug node output selection and sidebar value formats."""

from __future__ import annotations

from .builder import Case, FlowBuilder, prop

_PAYLOAD = (
    '{"s":"text","n":1.5,"i":-3,"b":false,"nul":null,"arr":[1,[2,3],{"x":"y"}],'
    '"obj":{"deep":{"er":"est"}},"empty":"","zero":0,"eobj":{},"earr":[]}'
)


def cases() -> list[Case]:
    out: list[Case] = []

    # One debug node per property, in wire order (fan-out order is part of the check).
    f = FlowBuilder()
    props = [
        "payload.s",
        "payload.n",
        "payload.i",
        "payload.b",
        "payload.nul",
        "payload.arr",
        "payload.obj",
        "payload.empty",
        "payload.zero",
        "payload.eobj",
        "payload.earr",
        "payload.missing",
        "payload.obj.deep.er",
        "payload.arr[1][0]",
    ]
    ids = [f"d{n}" for n in range(len(props))]
    f.inject("inj", ids, prop("payload", _PAYLOAD, "json"))
    for node_id, path in zip(ids, props, strict=True):
        f.debug(node_id, path)
    out.append(
        f.case(
            "debug_property_formats", "debug property mode on values of every JSON type", ["inj"]
        )
    )

    f = FlowBuilder()
    f.inject("inj", ["dp", "dc"], prop("payload", "[104,105,0,255]", "bin"))
    f.debug("dp", "false")
    f.debug("dc", "true")
    out.append(
        f.case("debug_buffer", "a Buffer payload, as property and inside the whole msg", ["inj"])
    )

    f = FlowBuilder()
    f.inject("inj", ["dp", "dt", "dd"], prop("payload", "7", "num"), prop("topic", "tp", "str"))
    f.debug("dp", "false")
    f.debug("dt", "topic")
    f.debug("dd", "payload.a.b")
    out.append(
        f.case(
            "debug_complete_false_topic",
            "complete false = payload; topic property; missing intermediate -> undefined",
            ["inj"],
        )
    )

    f = FlowBuilder()
    f.inject("inj", ["dj", "dk"], prop("payload", "21", "num"), prop("topic", "x", "str"))
    f.debug("dj", "payload * 2", targetType="jsonata")
    f.debug("dk", '{"t": topic, "p": payload}', targetType="jsonata")
    out.append(f.case("debug_jsonata", "debug with a JSONata expression", ["inj"]))

    f = FlowBuilder()
    f.inject("inj", ["off", "nosb", "on"], prop("payload", "shown once", "str"))
    f.debug("off", "payload", active=False)
    f.debug("nosb", "payload", tosidebar=False)
    f.debug("on", "payload")
    out.append(
        f.case("debug_inactive", "inactive and tosidebar:false debug nodes show nothing", ["inj"])
    )

    f = FlowBuilder()
    f.injects(
        ["dbg"],
        [
            ("", "str"),
            ("null", "json"),
            ("[]", "json"),
            ("{}", "json"),
            ("true", "bool"),
            ("0", "num"),
        ],
    )
    f.debug("dbg", "false")
    out.append(
        f.case(
            "debug_edge_values",
            "empty string, null, [], {}, true, 0 as payload",
            ["i1", "i2", "i3", "i4", "i5", "i6"],
        )
    )

    f = FlowBuilder()
    f.inject("inj", ["dbg"], prop("payload", "x", "str"))
    f.debug("dbg", "true", name="named debug")
    out.append(f.case("debug_named_node", "a named debug node", ["inj"]))

    f = FlowBuilder()
    f.inject("inj", ["dbg"], prop("payload", '{"u":"ünïcødé ✓ \\u0000 \\t tab"}', "json"))
    f.debug("dbg", "payload.u")
    out.append(
        f.case("debug_unicode_string", "non-ASCII and control characters in a string", ["inj"])
    )
    return out
