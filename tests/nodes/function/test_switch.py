"""The ``switch`` node against Node-RED 5.0.7.

``EXPECTED`` was recorded by running Node-RED 5.0.7's own ``10-switch.js`` (with
``@node-red/util``) on the same configurations and messages: for each case, which
input messages (by index) left on each output, or the full messages for
``repair`` cases (``parts.id`` is random: named by port), plus errors/warnings.
The cases follow the describe blocks of Node-RED's ``10-switch_spec.js``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from flowengine.jsvalues import UNDEFINED
from flowengine.message import Message
from flowengine.node import Delivery, Node
from flowengine.testing import FlowTestHelper, load_error_lines

# ---- cases -----------------------------------------------------------------------------------

U = {"$u": 1}  # undefined


def B(*data: int) -> dict[str, list[int]]:
    return {"$buf": list(data)}


def SW(
    rules: list[dict[str, Any]],
    prop: str = "payload",
    ptype: str = "msg",
    checkall: Any = "true",
    **kw: Any,
) -> dict[str, Any]:
    return {
        "property": prop,
        "propertyType": ptype,
        "rules": rules,
        "checkall": checkall,
        "outputs": len(rules),
        **kw,
    }


def r(t: str, v: Any = None, vt: str | None = None, **kw: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {"t": t}
    if v is not None:
        rule["v"] = v
    if vt is not None:
        rule["vt"] = vt
    rule.update(kw)
    return rule


def P(*values: Any) -> list[dict[str, Any]]:
    return [{"payload": v} for v in values]


def parts(i: int, n: int, gid: str = "g1") -> dict[str, Any]:
    return {"id": gid, "index": i, "count": n}


VALS = [0, 1, 5, "5", "05", 10, "10", "abc", "", True, False, None, U, [5], [], {}, {"a": 1},
        B(53), 2.5, "2.5", " 5 ", "a", "B", "b"]  # fmt: skip
TYPE_PROBES = [*VALS, "1", "[1]", '{"a":1}', "null", "x{", [1], [1, 2], 3]
ISTYPE = ("string", "number", "boolean", "array", "buffer", "object", "json", "undefined", "null")

CASES: list[tuple[str, dict[str, Any], list[Any], dict[str, Any]]] = [
    ("eq num", SW([r("eq", "5", "num")]), P(*VALS), {}),
    ("eq str", SW([r("eq", "5", "str")]), P(*VALS), {}),
    ("eq default vt numeric", SW([r("eq", "5")]), P(*VALS), {}),
    ("eq default vt text", SW([r("eq", "abc")]), P(*VALS), {}),
    ("eq empty v default", SW([r("eq", "")]), P(*VALS), {}),
    ("eq no v", SW([{"t": "eq"}]), P(*VALS), {}),
    ("neq", SW([r("neq", "5", "num")]), P(*VALS), {}),
    ("lt num", SW([r("lt", "5", "num")]), P(*VALS), {}),
    ("lte num", SW([r("lte", "5", "num")]), P(*VALS), {}),
    ("gt num", SW([r("gt", "5", "num")]), P(*VALS), {}),
    ("gte num", SW([r("gte", "5", "num")]), P(*VALS), {}),
    ("lt str", SW([r("lt", "b", "str")]), P(*VALS), {}),
    ("gte str 10", SW([r("gte", "10", "str")]), P(*VALS), {}),
    ("btwn", SW([r("btwn", "3", "num", v2="6", v2t="num")]), P(*VALS), {}),
    ("btwn reverse", SW([r("btwn", "6", "num", v2="3", v2t="num")]), P(*VALS), {}),
    ("btwn strings", SW([r("btwn", "a", "str", v2="c", v2t="str")]), P(*VALS), {}),
    ("btwn default types", SW([r("btwn", "1", v2="abc")]), P(*VALS), {}),
    (
        "btwn msg props",
        SW([r("btwn", "lo", "msg", v2="hi", v2t="msg")]),
        [{"payload": 5, "lo": 1, "hi": 9}, {"payload": 5, "lo": 6, "hi": 9}, {"payload": 5}],
        {},
    ),
    ("cont", SW([r("cont", "5", "str")]), P(*VALS), {}),
    ("cont num default", SW([r("cont", "5")]), P(*VALS, "x5y"), {}),
    ("cont empty", SW([r("cont", "", "str")]), P(*VALS), {}),
    ("regex", SW([r("regex", "^a.c$", "str")]), P(*VALS, "aXc", "AXC", "abc\n", "a\nc"), {}),
    ("regex case", SW([r("regex", "^a.c$", "str", case=True)]), P("AXC", "abc", "xabc"), {}),
    ("regex numeric v", SW([r("regex", "5")]), P(*VALS), {}),
    (
        "regex msg value",
        SW([r("regex", "re", "msg")]),
        [{"payload": "abc", "re": "b+"}, {"payload": "abc", "re": "^b"}, {"payload": "abc"}],
        {},
    ),
    (
        "regex invalid dynamic",
        SW([r("regex", "re", "msg"), r("else")]),
        [{"payload": "abc", "re": "("}, {"payload": "abc", "re": "a"}],
        {},
    ),
    ("regex \\d \\w", SW([r("regex", "^\\d+\\w$", "str")]), P("123a", "١٢٣a", "12é"), {}),
    ("true", SW([r("true")]), P(*VALS), {}),
    ("false", SW([r("false")]), P(*VALS), {}),
    ("null", SW([r("null")]), P(*VALS), {}),
    ("null missing property", SW([r("null")], prop="nope"), P(1), {}),
    ("nnull", SW([r("nnull")]), P(*VALS), {}),
    ("empty", SW([r("empty")]), P(*VALS), {}),
    ("nempty", SW([r("nempty")]), P(*VALS), {}),
    *[(f"istype {t}", SW([r("istype", t, t)]), P(*TYPE_PROBES), {}) for t in ISTYPE],
    ("hask", SW([r("hask", "a", "str")]), P(*VALS, {"b": 1}, "abc", [1, 2]), {}),
    ("hask length", SW([r("hask", "length", "str")]), P("abc", [1], {"length": 1}, {}, B(1)), {}),
    ("hask index", SW([r("hask", "0", "str")]), P("abc", "", [1], [], B(1), {"0": 1}), {}),
    ("hask numeric v", SW([r("hask", "1")]), P([1, 2], [1], {"1": 1}), {}),
    (
        "hask object key",
        SW([r("hask", "k", "msg")]),
        [
            {"payload": {"a": 1}, "k": {"x": 1}},
            {"payload": {"a": 1}, "k": "a"},
            {"payload": {"a": 1}, "k": None},
        ],
        {},
    ),
    ("else", SW([r("eq", "1", "num"), r("eq", "2", "num"), r("else")]), P(1, 2, 3), {}),
    (
        "else twice",
        SW([r("eq", "1", "num"), r("else"), r("eq", "2", "num"), r("else")]),
        P(1, 2, 3),
        {},
    ),
    ("else only", SW([r("else")]), P(1), {}),
    (
        "checkall false",
        SW([r("gt", "1", "num"), r("gt", "2", "num"), r("else")], checkall="false"),
        P(0, 2, 3),
        {},
    ),
    (
        "checkall boolean false checks all",
        SW([r("gt", "1", "num"), r("gt", "2", "num")], checkall=False),
        P(3),
        {},
    ),
    (
        "multiple outputs same msg",
        SW([r("gt", "1", "num"), r("gt", "2", "num"), r("gt", "3", "num")]),
        P(5),
        {},
    ),
    ("prev", SW([r("eq", None, "prev"), r("gt", None, "prev")]), P(1, 1, 2, 1, None), {}),
    ("prev btwn", SW([r("btwn", None, "prev", v2="10", v2t="num")]), P(1, 5, 12, 11), {}),
    (
        "msg value",
        SW([r("eq", "topic", "msg")]),
        [{"payload": 1, "topic": 1}, {"payload": 1, "topic": "1"}, {"payload": 1}],
        {},
    ),
    ("msg value missing parent", SW([r("eq", "a.b", "msg")]), [{"payload": 1}], {}),
    (
        "flow value",
        SW([r("eq", "f", "flow"), r("eq", "#:(memory)::g", "global")]),
        P(1, 2, "1"),
        {"flow": {"f": 1}, "glob": {"g": 2}},
    ),
    (
        "flow value with msg ref",
        SW([r("eq", "f[msg.topic]", "flow")]),
        [{"payload": 1, "topic": "k"}, {"payload": 2, "topic": "k"}],
        {"flow": {"f": {"k": 1}}},
    ),
    ("env value", SW([r("eq", "NR_TEST_A", "env")]), P("aa", "bb"), {"env": {"NR_TEST_A": "aa"}}),
    (
        "jsonata value",
        SW([r("eq", "topic & 'x'", "jsonata")]),
        [{"payload": "tx", "topic": "t"}, {"payload": "t", "topic": "t"}],
        {},
    ),
    (
        "jsonata_exp",
        SW([r("jsonata_exp", "payload > 3", "jsonata"), r("jsonata_exp", "payload", "jsonata")]),
        P(1, 5, True, "true"),
        {},
    ),
    (
        "jsonata_exp error",
        SW([r("jsonata_exp", "$number(payload) > 1", "jsonata"), r("else")]),
        P("x", "5"),
        {},
    ),
    (
        "jsonata_exp parts",
        SW([r("jsonata_exp", "$I = 1 or $N = 5", "jsonata")]),
        [
            {"payload": 1, "parts": parts(1, 3)},
            {"payload": 2, "parts": parts(0, 5)},
            {"payload": 3, "parts": parts(0, 3)},
            {"payload": 4},
        ],
        {},
    ),
    (
        "property jsonata",
        SW([r("eq", "6", "num")], prop="payload * 2", ptype="jsonata"),
        P(3, 4),
        {},
    ),
    (
        "property jsonata error warns",
        SW([r("else")], prop="$number(payload)", ptype="jsonata"),
        P("x", "1"),
        {},
    ),
    ("property flow", SW([r("eq", "1", "num")], prop="f", ptype="flow"), P(0), {"flow": {"f": 1}}),
    (
        "property global nested",
        SW([r("eq", "1", "num")], prop="g.a", ptype="global"),
        P(0),
        {"glob": {"g": {"a": 1}}},
    ),
    (
        "property env",
        SW([r("eq", "aa", "str")], prop="NR_TEST_A", ptype="env"),
        P(0),
        {"env": {"NR_TEST_A": "aa"}},
    ),
    (
        "property nested",
        SW([r("eq", "1", "num")], prop="payload.a[0]"),
        [{"payload": {"a": [1]}}, {"payload": {"a": []}}, {"payload": 5}, {}],
        {},
    ),
    (
        "property msg. prefix",
        SW([r("eq", "1", "num")], prop="msg.topic"),
        [{"topic": 1}, {"topic": 2}],
        {},
    ),
    (
        "head",
        SW([r("head", "2", "num"), r("else")]),
        [{"payload": i, "parts": parts(i, 4)} for i in range(4)],
        {},
    ),
    ("head no parts errors", SW([r("head", "2", "num"), r("else")]), P(1), {}),
    (
        "index",
        SW([r("index", "1", "num", v2="2", v2t="num")]),
        [{"payload": i, "parts": parts(i, 4)} for i in range(4)],
        {},
    ),
    (
        "tail",
        SW([r("tail", "2", "num")]),
        [{"payload": i, "parts": parts(i, 4)} for i in range(4)],
        {},
    ),
    (
        "tail count at end only",
        SW([r("tail", "1", "num")]),
        [
            {"payload": i, "parts": {"id": "x", "index": i, **({"count": 3} if i == 2 else {})}}
            for i in range(3)
        ],
        {},
    ),
    (
        "tail interleaved groups",
        SW([r("tail", "1", "num")]),
        [{"payload": f"{g}{i}", "parts": parts(i, 2, g)} for i in range(2) for g in ("A", "B")],
        {},
    ),
    ("tail no parts passes through rules", SW([r("tail", "1", "num")]), P(1), {}),
    (
        "repair",
        SW([r("lt", "2", "num"), r("gte", "1", "num")], repair=True),
        [{"payload": i, "parts": parts(i, 4)} for i in range(4)],
        {},
    ),
    (
        "repair checkall false",
        SW([r("lt", "2", "num"), r("gte", "1", "num")], checkall="false", repair=True),
        [{"payload": i, "parts": parts(i, 4)} for i in range(4)],
        {},
    ),
    ("repair no parts", SW([r("lt", "2", "num")], repair=True), P(1, 3), {}),
    (
        "too many pending",
        SW([r("tail", "1", "num")]),
        [{"payload": i, "parts": {"id": "x", "index": i}} for i in range(4)],
        {"settings": {"nodeMessageBufferMaxLength": 2}},
    ),
    ("vt num non numeric", SW([r("eq", "abc", "num")]), P("abc", None), {}),
    ("vt bool", SW([r("eq", "true", "bool")]), P(True, "true", 1), {}),
    ("vt json v1 is the text json", SW([r("eq", '{"a":1}', "json")]), P("json", {"a": 1}), {}),
    ("v2 json parsed", SW([r("btwn", "1", "num", v2="5", v2t="json")]), P(3, 6), {}),
    ("no rules", SW([]), P(1), {}),
    ("date vt", SW([r("gt", "", "date")]), P(1, 1e15), {}),
]

# ---- recorded from Node-RED 5.0.7 ----------------------------------------------------------

EXPECTED: dict[str, dict[str, Any]] = {
    "eq num": {"ports": [[2, 3, 4, 13, 17, 20]]},
    "eq str": {"ports": [[2, 3, 13, 17]]},
    "eq default vt numeric": {"ports": [[2, 3, 4, 13, 17, 20]]},
    "eq default vt text": {"ports": [[7]]},
    "eq empty v default": {"ports": [[0, 8, 10, 14]]},
    "eq no v": {"ports": [[]]},
    "neq": {"ports": [[0, 1, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 18, 19, 21, 22, 23]]},
    "lt num": {"ports": [[0, 1, 8, 9, 10, 11, 14, 18, 19]]},
    "lte num": {"ports": [[0, 1, 2, 3, 4, 8, 9, 10, 11, 13, 14, 17, 18, 19, 20]]},
    "gt num": {"ports": [[5, 6]]},
    "gte num": {"ports": [[2, 3, 4, 5, 6, 13, 17, 20]]},
    "lt str": {"ports": [[3, 4, 6, 7, 8, 13, 14, 15, 16, 17, 19, 20, 21, 22]]},
    "gte str 10": {"ports": [[3, 5, 6, 7, 13, 15, 16, 17, 19, 21, 22, 23]]},
    "btwn": {"ports": [[2, 3, 4, 13, 17, 20]]},
    "btwn reverse": {"ports": [[2, 3, 4, 13, 17, 20]]},
    "btwn strings": {"ports": [[7, 21, 23]]},
    "btwn default types": {"ports": [[3, 4, 6, 13, 17, 19, 20]]},
    "btwn msg props": {"ports": [[0]]},
    "cont": {"ports": [[2, 3, 4, 13, 17, 18, 19, 20]]},
    "cont num default": {"ports": [[2, 3, 4, 13, 17, 18, 19, 20, 24]]},
    "cont empty": {
        "ports": [
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]
        ]
    },
    "regex": {"ports": [[7, 24]]},
    "regex case": {"ports": [[0, 1]]},
    "regex numeric v": {"ports": [[2, 3, 4, 13, 17, 18, 19, 20]]},
    "regex msg value": {"ports": [[0, 2]]},
    "regex invalid dynamic": {
        "ports": [[1], []],
        "errors": ["SyntaxError: Invalid regular expression: /(/: Unterminated group"],
    },
    "regex \\d \\w": {"ports": [[0]]},
    "true": {"ports": [[1]]},
    "false": {"ports": [[0]]},
    "null": {"ports": [[11, 12]]},
    "null missing property": {"ports": [[0]]},
    "nnull": {
        "ports": [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]]
    },
    "empty": {"ports": [[8, 14, 15]]},
    "nempty": {"ports": [[3, 4, 6, 7, 13, 16, 17, 19, 20, 21, 22, 23]]},
    "istype string": {"ports": [[3, 4, 6, 7, 8, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28]]},
    "istype number": {"ports": [[0, 1, 2, 5, 18, 31]]},
    "istype boolean": {"ports": [[1, 10]]},
    "istype array": {"ports": [[13, 14, 29, 30]]},
    "istype buffer": {"ports": [[17]]},
    "istype object": {"ports": [[15, 16]]},
    "istype json": {
        "ports": [[0, 1, 2, 3, 5, 6, 9, 10, 11, 13, 17, 18, 19, 20, 24, 25, 26, 27, 29, 31]]
    },
    "istype undefined": {"ports": [[12]]},
    "istype null": {"ports": [[11]]},
    "hask": {"ports": [[16]]},
    "hask length": {"ports": [[0, 1, 2]]},
    "hask index": {"ports": [[0, 2, 4, 5]]},
    "hask numeric v": {"ports": [[0, 2]]},
    "hask object key": {"ports": [[1]]},
    "else": {"ports": [[0], [1], [2]]},
    "else twice": {"ports": [[0], [1, 2], [1], [0]]},
    "else only": {"ports": [[0]]},
    "checkall false": {"ports": [[1, 2], [], [0]]},
    "checkall boolean false checks all": {"ports": [[0], [0]]},
    "multiple outputs same msg": {"ports": [[0], [0], [0]]},
    "prev": {"ports": [[0], [0, 2]]},
    "prev btwn": {"ports": [[0, 1, 3]]},
    "msg value": {"ports": [[0, 1]]},
    "msg value missing parent": {"ports": [[]]},
    "flow value": {"ports": [[0, 2], [1]]},
    "flow value with msg ref": {"ports": [[0]]},
    "env value": {"ports": [[0]]},
    "jsonata value": {"ports": [[0]]},
    "jsonata_exp": {
        "ports": [[1], []],
        "errors": [
            "Invalid JSONata expression: The expressions either side of "
            'operator ">" must evaluate to numeric or string values',
            'Invalid JSONata expression: The values "true" and 3 either side '
            'of operator ">" must be of the same data type',
        ],
    },
    "jsonata_exp error": {
        "ports": [[1], []],
        "errors": ['Invalid JSONata expression: Unable to cast value to a number: "x"'],
    },
    "jsonata_exp parts": {"ports": [[0, 1]]},
    "property jsonata": {"ports": [[0]]},
    "property jsonata error warns": {
        "ports": [[1]],
        "warns": ['Invalid JSONata expression: Unable to cast value to a number: "x"'],
    },
    "property flow": {"ports": [[0]]},
    "property global nested": {"ports": [[0]]},
    "property env": {"ports": [[0]]},
    "property nested": {"ports": [[0]]},
    "property msg. prefix": {"ports": [[0]]},
    "head": {"ports": [[0, 1], [2, 3]]},
    "head no parts errors": {
        "ports": [[], []],
        "errors": ["TypeError: Cannot read properties of undefined (reading 'index')"],
    },
    "index": {"ports": [[1, 2]]},
    "tail": {"ports": [[2, 3]]},
    "tail count at end only": {"ports": [[2]]},
    "tail interleaved groups": {"ports": [[2, 3]]},
    "tail no parts passes through rules": {
        "ports": [[]],
        "errors": ["TypeError: Cannot read properties of undefined (reading 'count')"],
    },
    "repair": {
        "outs": [
            [
                {"payload": 0, "parts": {"id": "<port 0 id>", "index": 0, "count": 2}},
                {"payload": 1, "parts": {"id": "<port 0 id>", "index": 1, "count": 2}},
            ],
            [
                {"payload": 1, "parts": {"id": "<port 1 id>", "index": 0, "count": 3}},
                {"payload": 2, "parts": {"id": "<port 1 id>", "index": 1, "count": 3}},
                {"payload": 3, "parts": {"id": "<port 1 id>", "index": 2, "count": 3}},
            ],
        ]
    },
    "repair checkall false": {
        "outs": [
            [
                {"payload": 0, "parts": {"id": "<port 0 id>", "index": 0, "count": 2}},
                {"payload": 1, "parts": {"id": "<port 0 id>", "index": 1, "count": 2}},
            ],
            [
                {"payload": 2, "parts": {"id": "<port 1 id>", "index": 0, "count": 4}},
                {"payload": 3, "parts": {"id": "<port 1 id>", "index": 1, "count": 4}},
            ],
        ]
    },
    "repair no parts": {"outs": [[{"payload": 1}]]},
    "too many pending": {"ports": [[]], "errors": ["too many pending messages in switch node"]},
    "vt num non numeric": {"ports": [[]]},
    "vt bool": {"ports": [[0, 2]]},
    "vt json v1 is the text json": {"ports": [[0]]},
    "v2 json parsed": {"ports": [[0]]},
    "no rules": {"ports": [[]]},
    "date vt": {"ports": [[1]]},
}


# ---- running a case ----------------------------------------------------------------------


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$u" in value:
            return UNDEFINED
        if "$buf" in value:
            return bytes(value["$buf"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _encode(value: Any) -> Any:
    if value is UNDEFINED:
        return "__undefined__"
    if isinstance(value, bytes | bytearray):
        return {"$buf": list(value)}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items() if k != "_msgid"}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _switch_flow(config: dict[str, Any], outputs: int) -> list[dict[str, Any]]:
    node = {"id": "sw", "type": "switch", "z": "t1", "x": 1, "y": 1, **copy.deepcopy(config)}
    node["wires"] = [[f"o{i}"] for i in range(outputs)]
    helpers = [
        {"id": f"o{i}", "type": "helper", "z": "t1", "x": 1, "y": 1, "wires": []}
        for i in range(outputs)
    ]
    return [{"id": "t1", "type": "tab", "label": "switch"}, node, *helpers]


def run_switch(
    config: dict[str, Any],
    msgs: list[Any],
    flow: dict[str, Any] | None = None,
    glob: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    outputs = max(1, len(config["rules"]))
    with FlowTestHelper(_switch_flow(config, outputs), env=env, settings=settings) as h:
        node = h.node("sw")

        def init() -> None:
            for key, value in _decode(flow or {}).items():
                node.flow_context.set(key, value)
            for key, value in _decode(glob or {}).items():
                node.global_context.set(key, value)

        h.call(init)
        for msg in msgs:
            h.inject("sw", _decode(copy.deepcopy(msg)))
            h.wait_idle()
        return {
            "outs": [[_encode(m) for m in h.received(f"o{i}")] for i in range(outputs)],
            "errors": h.errors(),
            "warns": h.warnings(),
        }


def _as_indexes(inputs: list[Any], outs: list[list[Any]]) -> list[list[Any]]:
    """Each output message as the index of the input it is (in order), else itself."""
    plain_inputs = [_encode(_decode(m)) for m in inputs]
    ports = []
    for messages in outs:
        found: list[Any] = []
        start = 0
        for m in messages:
            for k in range(start, len(plain_inputs)):
                if plain_inputs[k] == m:
                    found.append(k)
                    start = k + 1
                    break
            else:
                found.append(m)
        ports.append(found)
    return ports


def _name_group_ids(outs: list[list[Any]]) -> list[list[Any]]:
    names: dict[str, str] = {}
    named = []
    for port, messages in enumerate(outs):
        port_msgs = []
        for m in messages:
            if "parts" in m:
                pid = names.setdefault(m["parts"]["id"], f"<port {port} id>")
                m = {**m, "parts": {**m["parts"], "id": pid}}
            port_msgs.append(m)
        named.append(port_msgs)
    return named


@pytest.mark.parametrize(("name", "config", "msgs", "context"), CASES, ids=[c[0] for c in CASES])
def test_matches_node_red(
    name: str, config: dict[str, Any], msgs: list[Any], context: dict[str, Any]
) -> None:
    expected = EXPECTED[name]
    got = run_switch(config, msgs, **context)
    if "ports" in expected:
        assert _as_indexes(msgs, got["outs"]) == expected["ports"]
    else:
        assert _name_group_ids(got["outs"]) == expected["outs"]
    assert got["errors"] == expected.get("errors", [])
    assert got["warns"] == expected.get("warns", [])


# ---- behaviour around the rules ------------------------------------------------------------


def test_every_matching_output_gets_the_message_first_original_then_copies() -> None:
    config = SW([r("gt", "1", "num"), r("gt", "2", "num")])
    with FlowTestHelper(_switch_flow(config, 2)) as h:
        msg = {"payload": 5, "obj": {"a": 1}}
        h.inject("sw", msg)
        [first] = h.wait_for("o0")
        [second] = h.wait_for("o1")
    assert first is msg
    assert second is not msg and second["obj"] is not msg["obj"]
    assert second == first


class _Recorder(Node):
    """Appends ``<label><payload>`` to a shared log (checks ordering across branches)."""

    type = "test-recorder"
    log: ClassVar[list[str]] = []

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        self.log.append(f"{self.config['label']}{msg['payload']}")
        done()


class _Burst(Node):
    """Sends three messages in one ``send`` call."""

    type = "test-burst"

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        send([[{"payload": 1}, {"payload": 2}, {"payload": 3}]])
        done()


def test_one_message_at_a_time_interleaves_with_other_branches_as_node_red() -> None:
    # Verified on Node-RED 5.0.7: a burst into [switch → A, B → C] is recorded as
    # A1 C1 C2 C3 A2 A3, because the switch yields (setImmediate) between messages.
    _Recorder.log.clear()
    flow = [
        {"id": "t1", "type": "tab"},
        {"id": "src", "type": "test-burst", "z": "t1", "x": 1, "y": 1, "wires": [["sw", "B"]]},
        {**SW([r("nnull")]), "id": "sw", "type": "switch", "z": "t1", "x": 1, "y": 1,
         "wires": [["A"]]},
        {"id": "A", "type": "test-recorder", "label": "A", "z": "t1", "x": 1, "y": 1,
         "wires": []},
        {"id": "B", "type": "helper", "z": "t1", "x": 1, "y": 1, "wires": [["C"]]},
        {"id": "C", "type": "test-recorder", "label": "C", "z": "t1", "x": 1, "y": 1,
         "wires": []},
    ]  # fmt: skip
    with FlowTestHelper(flow, extra_types=[_Recorder, _Burst]) as h:
        h.inject("src", {})
        h.wait_until(lambda: len(_Recorder.log) == 6)
    assert _Recorder.log == ["A1", "C1", "C2", "C3", "A2", "A3"]


class _Complete(Node):
    """Stands in for a Complete node: records what it is told about."""

    type = "complete"
    seen: ClassVar[list[Message]] = []

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        self.seen.append(msg)
        done()


def test_switch_never_triggers_complete_nodes() -> None:
    # Node-RED's switch input handler takes one argument: it never calls done().
    _Complete.seen.clear()
    flow = _switch_flow(SW([r("nnull")]), 1)
    flow.append({"id": "cmp", "type": "complete", "z": "t1", "x": 1, "y": 1, "scope": ["sw"],
                 "wires": []})  # fmt: skip
    flow.append({"id": "h2", "type": "helper", "z": "t1", "x": 1, "y": 1, "wires": []})
    with FlowTestHelper(flow, extra_types=[_Complete]) as h:
        h.inject("sw", {"payload": 1})
        h.wait_for("o0")
        h.wait_idle()
    assert _Complete.seen == []


def test_sequence_buffering_is_released_on_close() -> None:
    config = SW([r("tail", "1", "num")])
    with FlowTestHelper(_switch_flow(config, 1)) as h:
        h.inject("sw", {"payload": 1, "parts": {"id": "x", "index": 0}})
        h.wait_idle()
        node = h.node("sw")
        assert h.call(lambda: node._pending_count) == 1  # type: ignore[attr-defined]
    node.close()
    assert node._pending_count == 0  # type: ignore[attr-defined]


# ---- load-time errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (SW([r("foo", "1")]), "rules[0].t: unknown operator 'foo'"),
        (SW([r("eq", "$$$(", "jsonata")]), "rules[0].v: Invalid JSONata expression:"),
        (SW([r("btwn", "1", "num", v2="(", v2t="jsonata")]), "rules[0].v2: Invalid JSONata"),
        (SW([r("regex", "(", "str")]), "rules[0].v: Invalid regular expression: /(/: Unterminated"),
        (SW([r("btwn", "1", "num", v2="{x", v2t="json")]), "rules[0].v2:"),
        (SW([r("eq", "[1,", "bin")]), "rules[0].v:"),
        (SW([r("eq", "1", "weird")]), "rules[0].vt: unsupported value type 'weird'"),
        (SW([r("istype", "colour", "colour")]), "rules[0].vt: unknown type name 'colour'"),
        (SW([r("eq", "a b", "msg")]), "rules[0].v: Invalid property expression"),
        (SW([r("eq", "1")], ptype="str"), "propertyType: unsupported type 'str'"),
        (SW([r("eq", "1")], prop=""), "property: a property is required"),
        (SW([r("eq", "1")], prop="a..b"), "property: Invalid property expression"),
        (SW([r("eq", "1")], prop="payload +", ptype="jsonata"), "property: Invalid JSONata"),
        (SW([r("eq", "1")], checkall="maybe"), 'checkall: must be "true" or "false"'),
        (SW([r("eq", "1")], outputs="x"), "outputs: must be a number"),
        ({**SW([]), "rules": {"t": "eq"}}, "rules: must be a list of rules"),
        (SW(["eq"]), "rules[0]: must be an object"),  # type: ignore[list-item]
    ],
)
def test_bad_options_are_rejected_at_load(config: dict[str, Any], message: str) -> None:
    lines = load_error_lines(_switch_flow(config, 1))
    assert len(lines) == 1
    assert f"node sw (switch): {message}" in lines[0]


def test_rules_without_values_ignore_their_value_type() -> None:
    config = SW([r("true", "whatever", "weird"), r("else", "x", "y")])
    assert load_error_lines(_switch_flow(config, 2)) == []
