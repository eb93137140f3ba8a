"""The ``change`` node against Node-RED 5.0.7.

``EXPECTED`` was recorded by running Node-RED 5.0.7's own ``15-change.js`` (with
``@node-red/util``) on the same rules, messages and context: the messages sent,
errors and warnings logged, and the flow/global context afterwards. The cases
follow the describe blocks of Node-RED's ``15-change_spec.js`` (#set, #change,
#delete, #move, multiple rules, legacy format). One recorded value is replaced:
"set env ${}" expects what the full runtime does (it substitutes ``${NAME}``
before the node is created; checked on a running Node-RED 5.0.7).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

import pytest

from flowengine.jsvalues import UNDEFINED
from flowengine.message import Message
from flowengine.node import Delivery, Node
from flowengine.runtime import Tracker
from flowengine.testing import FlowTestHelper, load_error_lines

# ---- cases -----------------------------------------------------------------------------------


def B(*data: int) -> dict[str, list[int]]:
    return {"$buf": list(data)}


U = {"$u": 1}  # undefined


def S(p: str, to: Any, tot: str = "str", pt: str = "msg", **kw: Any) -> dict[str, Any]:
    return {"t": "set", "p": p, "pt": pt, "to": to, "tot": tot, **kw}


def C(
    p: str, frm: str, fromt: str, to: Any, tot: str = "str", pt: str = "msg", **kw: Any
) -> dict[str, Any]:
    return {"t": "change", "p": p, "pt": pt, "from": frm, "fromt": fromt, "to": to, "tot": tot,
            **kw}  # fmt: skip


def D(p: str, pt: str = "msg") -> dict[str, Any]:
    return {"t": "delete", "p": p, "pt": pt}


def M(p: str, to: str, pt: str = "msg", tot: str = "msg") -> dict[str, Any]:
    return {"t": "move", "p": p, "pt": pt, "to": to, "tot": tot}


def R(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"rules": list(rules)}


CASES: list[tuple[str, dict[str, Any], list[Any], dict[str, Any]]] = [
    # ---- set
    ("set str", R(S("payload", "changed")), [{"payload": "x"}], {}),
    ("set str on missing prop", R(S("topic", "t")), [{"payload": "x"}], {}),
    ("set raw non-string str value", R(S("payload", 5)), [{"payload": "x"}], {}),
    (
        "set str with no to",
        R({"t": "set", "p": "payload", "pt": "msg", "tot": "str"}),
        [{"payload": "x", "a": 1}],
        {},
    ),
    ("set num", R(S("payload", "123", "num")), [{"payload": "x"}], {}),
    ("set num 1e3", R(S("payload", "1e3", "num")), [{"payload": "x"}], {}),
    ("set num invalid → NaN (null in JSON)", R(S("payload", "abc", "num")), [{"payload": "x"}], {}),
    ("set bool true", R(S("payload", "true", "bool")), [{"payload": "x"}], {}),
    ("set bool TRUE", R(S("payload", "TRUE", "bool")), [{"payload": "x"}], {}),
    ("set bool other", R(S("payload", "yes", "bool")), [{"payload": "x"}], {}),
    (
        "set json object",
        R(S("payload", '{"a":[1,2,{"b":null}]}', "json")),
        [{"payload": "x"}, {"payload": "y"}],
        {},
    ),
    ("set json string", R(S("payload", '"str"', "json")), [{"payload": "x"}], {}),
    ("set json number", R(S("payload", "12.5", "json")), [{"payload": "x"}], {}),
    ("set bin array", R(S("payload", '[1,2,300,-1,"7"]', "bin")), [{"payload": "x"}], {}),
    ("set bin string", R(S("payload", '"héllo"', "bin")), [{"payload": "x"}], {}),
    (
        "set bin Buffer json",
        R(S("payload", '{"type":"Buffer","data":[65,66]}', "bin")),
        [{"payload": "x"}],
        {},
    ),
    ("set msg", R(S("payload", "topic", "msg")), [{"payload": "x", "topic": "T"}], {}),
    (
        "set msg deep",
        R(S("payload", "topic.a[1]", "msg")),
        [{"payload": "x", "topic": {"a": [0, {"k": 1}]}}],
        {},
    ),
    (
        "set msg missing leaf deletes",
        R(S("payload", "nothere", "msg")),
        [{"payload": "x", "topic": "T"}],
        {},
    ),
    (
        "set msg missing parent skips rule",
        R(S("payload", "no.where", "msg"), S("topic", "after")),
        [{"payload": "x"}],
        {},
    ),
    (
        "set msg shares reference (no dc)",
        R(S("payload", "topic", "msg"), S("topic.a", "changed")),
        [{"topic": {"a": 1}}],
        {},
    ),
    (
        "set msg deep copy",
        R(S("payload", "topic", "msg", dc=True), S("topic.a", "changed")),
        [{"topic": {"a": 1}}],
        {},
    ),
    (
        "legacy to msg.",
        R({"t": "set", "p": "payload", "to": "msg.topic"}),
        [{"payload": "x", "topic": "T"}],
        {},
    ),
    (
        "legacy no pt",
        R({"t": "set", "p": "payload", "to": "v", "tot": "str"}),
        [{"payload": "x"}],
        {},
    ),
    ("set deep path creates", R(S('payload.a[0]["b c"]', "v")), [{}], {}),
    ("set deep path creates arrays", R(S("payload[2][1]", "v")), [{}], {}),
    ("set deep existing", R(S("payload.a.b", "v")), [{"payload": {"a": {"c": 1}}}], {}),
    ("set on primitive warns", R(S("payload.a", "v"), S("topic", "next")), [{"payload": 5}], {}),
    ("set on string primitive warns", R(S("payload.a", "v")), [{"payload": "str"}], {}),
    ("set msg. prefixed property", R(S("msg.payload", "v")), [{"payload": 1}], {}),
    ("set with cross-ref", R(S("payload[msg.topic]", "v")), [{"payload": {}, "topic": "k"}], {}),
    (
        "set with missing cross-ref (ignored)",
        R(S("payload[msg.topic]", "v"), S("x", 1, "num")),
        [{"payload": {}}],
        {},
    ),
    ("set flow", R(S("f", "fv", pt="flow")), [{"payload": 1}], {}),
    ("set global", R(S("g", "gv", pt="global")), [{"payload": 1}], {}),
    ("set flow nested", R(S("f.a.b", "fv", pt="flow")), [{"payload": 1}], {}),
    ("set flow with store prefix", R(S("#:(memory)::f", "fv", pt="flow")), [{"payload": 1}], {}),
    (
        "set flow key with msg ref",
        R(S("f[msg.topic]", "fv", pt="flow")),
        [{"topic": "k"}],
        {"flow": {"f": {}}},
    ),
    ("set flow to msg", R(S("f", "payload", "msg", pt="flow")), [{"payload": {"a": 1}}], {}),
    ("set msg to flow", R(S("payload", "f", "flow")), [{"payload": 1}], {"flow": {"f": [1, 2]}}),
    (
        "set msg to flow nested",
        R(S("payload", "f.a", "flow")),
        [{"payload": 1}],
        {"flow": {"f": {"a": "x"}}},
    ),
    ("set msg to missing flow deletes", R(S("payload", "nope", "flow")), [{"payload": 1}], {}),
    ("set msg to global", R(S("payload", "g", "global")), [{"payload": 1}], {"glob": {"g": "G"}}),
    (
        "set msg to global with store",
        R(S("payload", "#:(memory)::g", "global")),
        [{"payload": 1}],
        {"glob": {"g": "G"}},
    ),
    (
        "set msg to flow with msg ref",
        R(S("payload", "f[msg.topic]", "flow")),
        [{"topic": "k"}],
        {"flow": {"f": {"k": "hit"}}},
    ),
    (
        "set msg to flow deep copy",
        R(S("payload", "f", "flow", dc=True), S("payload.a", 2)),
        [{}],
        {"flow": {"f": {"a": 1}}},
    ),
    (
        "set msg to flow no copy",
        R(S("payload", "f", "flow"), S("payload.a", 2)),
        [{}],
        {"flow": {"f": {"a": 1}}},
    ),
    (
        "set env process",
        R(S("payload", "NR_TEST_A", "env")),
        [{"payload": 1}],
        {"env": {"NR_TEST_A": "aa"}},
    ),
    (
        "set env template",
        R(S("payload", "x${NR_TEST_A}y${NR_TEST_B}", "env")),
        [{"payload": 1}],
        {"env": {"NR_TEST_A": "aa"}},
    ),
    (
        "set env ${}",
        R(S("payload", "${NR_TEST_A}", "env")),
        [{"payload": 1}],
        {"env": {"NR_TEST_A": "aa"}},
    ),
    ("set env missing", R(S("payload", "NR_TEST_NOPE", "env")), [{"payload": 1}], {}),
    (
        "set jsonata",
        R(S("payload", "$uppercase(payload) & topic", "jsonata")),
        [{"payload": "ab", "topic": "!"}],
        {},
    ),
    ("set jsonata legacy msg", R(S("payload", "msg.payload * 2", "jsonata")), [{"payload": 4}], {}),
    (
        "set jsonata object",
        R(S("payload", '{"a": payload, "n": null, "arr": [1, 2]}', "jsonata")),
        [{"payload": 4}],
        {},
    ),
    ("set jsonata no result deletes", R(S("payload", "nothing", "jsonata")), [{"payload": 4}], {}),
    ("set jsonata null", R(S("payload", "null", "jsonata")), [{"payload": 4}], {}),
    (
        "set jsonata flowContext",
        R(S("payload", '$flowContext("f") & $globalContext("g")', "jsonata")),
        [{"payload": 4}],
        {"flow": {"f": "F"}, "glob": {"g": "G"}},
    ),
    (
        "set jsonata flowContext nested+store",
        R(S("payload", '$flowContext("f.a", "memory")', "jsonata")),
        [{"payload": 4}],
        {"flow": {"f": {"a": 7}}},
    ),
    (
        "set jsonata env",
        R(S("payload", '$env("NR_TEST_A") & "|" & $env("NR_TEST_NOPE") & "|"', "jsonata")),
        [{"payload": 4}],
        {"env": {"NR_TEST_A": "aa"}},
    ),
    (
        "set jsonata clone",
        R(S("payload", "$clone(topic)", "jsonata"), S("topic.a", 9, "num")),
        [{"topic": {"a": 1}}],
        {},
    ),
    (
        "set jsonata error drops",
        R(S("payload", '$number("x")', "jsonata"), S("topic", "no")),
        [{"payload": 4}],
        {},
    ),
    ("set jsonata runtime error 2", R(S("payload", "$foo()", "jsonata")), [{"payload": 4}], {}),
    (
        "set jsonata sum",
        R(S("payload", "$sum(payload)", "jsonata")),
        [{"payload": [1, 2, 3.5]}],
        {},
    ),
    (
        "set jsonata filter",
        R(S("payload", "payload[$ > 1]", "jsonata")),
        [{"payload": [1, 2, 3]}],
        {},
    ),
    (
        "set jsonata string fn",
        R(S("payload", "$string(payload)", "jsonata")),
        [{"payload": {"a": [1, None, 1.5]}}],
        {},
    ),
    ("set buffer payload untouched", R(S("topic", "t")), [{"payload": B(1, 2)}], {}),
    # ---- change
    (
        "change partial str",
        R(C("payload", "Hello", "str", "Goodbye")),
        [{"payload": "Hello World Hello"}],
        {},
    ),
    ("change no match", R(C("payload", "xyz", "str", "Goodbye")), [{"payload": "Hello World"}], {}),
    (
        "change special chars literal",
        R(C("payload", "a.b*(c)", "str", "X")),
        [{"payload": "a.b*(c) aXb*(c)"}],
        {},
    ),
    (
        "change literal $& in to",
        R(C("payload", "b", "str", "[$&|$$|$1|$`|$']")),
        [{"payload": "abc"}],
        {},
    ),
    ("change regex", R(C("payload", "[aeiou]", "re", "_")), [{"payload": "education"}], {}),
    (
        "change regex groups",
        R(C("payload", "(\\w+)@(\\w+)", "re", "$2 at $1")),
        [{"payload": "me@host you@there"}],
        {},
    ),
    ("change regex anchors", R(C("payload", "^a|c$", "re", "_")), [{"payload": "abca\nc"}], {}),
    (
        "change regex named group",
        R(C("payload", "(?<x>\\d+)", "re", "<$<x>>")),
        [{"payload": "a12b3"}],
        {},
    ),
    ("change regex empty match", R(C("payload", "x*", "re", "-")), [{"payload": "abc"}], {}),
    (
        "change legacy re true",
        R({"t": "change", "p": "payload", "from": "l+", "to": "L", "re": True}),
        [{"payload": "hello"}],
        {},
    ),
    (
        "change whole match to num",
        R(C("payload", "Hello", "str", "123", "num")),
        [{"payload": "Hello"}, {"payload": "Hello!"}],
        {},
    ),
    (
        "change whole match to bool",
        R(C("payload", "yes", "str", "true", "bool")),
        [{"payload": "yes"}, {"payload": "yes!"}],
        {},
    ),
    (
        "change partial to bool result string true",
        R(C("payload", "yes", "str", "true", "bool")),
        [{"payload": "yes"}, {"payload": "true"}, {"payload": "yesyes"}],
        {},
    ),
    (
        "change regex to bool whole",
        R(C("payload", "^y.*", "re", "true", "bool")),
        [{"payload": "yes"}],
        {},
    ),
    (
        "change whole match to json",
        R(C("payload", "X", "str", '{"a":1}', "json")),
        [{"payload": "X"}, {"payload": "aXb"}],
        {},
    ),
    (
        "change to bin",
        R(C("payload", "X", "str", "[65,66]", "bin")),
        [{"payload": "X"}, {"payload": "aXb"}],
        {},
    ),
    (
        "change num property fromt num",
        R(C("payload", "5", "num", "six")),
        [{"payload": 5}, {"payload": 6}, {"payload": "5"}, {"payload": "15"}],
        {},
    ),
    (
        "change num property fromt num to num",
        R(C("payload", "5.0", "num", "7", "num")),
        [{"payload": 5}],
        {},
    ),
    ("change num property fromt str", R(C("payload", "5", "str", "six")), [{"payload": 5}], {}),
    (
        "change bool property fromt bool",
        R(C("payload", "true", "bool", "false", "bool")),
        [{"payload": True}, {"payload": False}, {"payload": "true"}],
        {},
    ),
    ("change bool fromt bool case", R(C("payload", "True", "bool", "x")), [{"payload": True}], {}),
    (
        "change object property untouched",
        R(C("payload", "a", "str", "b")),
        [{"payload": {"a": "a"}}, {"payload": ["a"]}, {"payload": None}, {}],
        {},
    ),
    (
        "change deep property",
        R(C("payload.a[0]", "x", "str", "y")),
        [{"payload": {"a": ["xx"]}}],
        {},
    ),
    (
        "change to msg value",
        R(C("payload", "x", "str", "topic", "msg")),
        [{"payload": "axb", "topic": "T"}, {"payload": "x", "topic": {"o": 1}}],
        {},
    ),
    (
        "change to missing msg value",
        R(C("payload", "x", "str", "nope", "msg")),
        [{"payload": "axb"}, {"payload": "x"}],
        {},
    ),
    ("change to num partial", R(C("payload", "x", "str", "5", "num")), [{"payload": "axb"}], {}),
    (
        "change to json partial object",
        R(C("payload", "x", "str", '{"a":1}', "json")),
        [{"payload": "axb"}],
        {},
    ),
    (
        "change from msg string",
        R(C("payload", "topic", "msg", "Y")),
        [{"payload": "aXb", "topic": "X"}, {"payload": "X", "topic": "X"}],
        {},
    ),
    (
        "change from msg special chars",
        R(C("payload", "topic", "msg", "Y")),
        [{"payload": "a.*b", "topic": ".*"}],
        {},
    ),
    (
        "change from msg number quirk",
        R(C("payload", "topic", "msg", "Y")),
        [
            {"payload": "5 undefined undefined", "topic": 5},
            {"payload": 5, "topic": 5},
            {"payload": 6, "topic": 5},
        ],
        {},
    ),
    (
        "change from msg bool",
        R(C("payload", "topic", "msg", "Y")),
        [{"payload": True, "topic": True}, {"payload": "true", "topic": True}],
        {},
    ),
    (
        "change from msg object errors and continues",
        R(C("payload", "topic", "msg", "Y"), S("x", "after")),
        [{"payload": "a undefined", "topic": {"o": 1}}],
        {},
    ),
    (
        "change from msg missing errors",
        R(C("payload", "topic", "msg", "Y")),
        [{"payload": "abc"}],
        {},
    ),
    (
        "change from msg missing parent skips",
        R(C("payload", "a.b", "msg", "Y"), S("x", "after")),
        [{"payload": "abc"}],
        {},
    ),
    (
        "change from flow",
        R(C("payload", "f", "flow", "Y")),
        [{"payload": "aXb"}],
        {"flow": {"f": "X"}},
    ),
    (
        "change from global num",
        R(C("payload", "g", "global", "Y")),
        [{"payload": 5}, {"payload": "5"}],
        {"glob": {"g": 5}},
    ),
    (
        "change from flow with msg ref",
        R(C("payload", "f[msg.topic]", "flow", "Y")),
        [{"payload": "aXb", "topic": "k"}],
        {"flow": {"f": {"k": "X"}}},
    ),
    (
        "change from env is literal",
        R(C("payload", "NR_TEST_A", "env", "bar")),
        [{"payload": "xNR_TEST_Ax"}, {"payload": "xaax"}],
        {"env": {"NR_TEST_A": "aa"}},
    ),
    (
        "change to env",
        R(C("payload", "X", "str", "NR_TEST_A", "env")),
        [{"payload": "aXb"}],
        {"env": {"NR_TEST_A": "aa"}},
    ),
    (
        "change flow string",
        R(C("f", "X", "str", "Y", pt="flow")),
        [{"payload": 1}],
        {"flow": {"f": "aXbX"}},
    ),
    (
        "change flow whole match",
        R(C("f", "X", "str", "1", "num", pt="flow")),
        [{"payload": 1}],
        {"flow": {"f": "X"}},
    ),
    (
        "change flow to bool no conversion",
        R(C("f", "yes", "str", "true", "bool", pt="flow")),
        [{"payload": 1}],
        {"flow": {"f": "yesyes"}},
    ),
    (
        "change flow number mismatch drops",
        R(C("f", "5", "num", "x", pt="flow"), S("after", "x")),
        [{"payload": 1}],
        {"flow": {"f": 6}},
    ),
    (
        "change flow number match",
        R(C("f", "5", "num", "x", pt="flow")),
        [{"payload": 1}],
        {"flow": {"f": 5}},
    ),
    (
        "change flow object drops",
        R(C("f", "5", "str", "x", pt="flow")),
        [{"payload": 1}],
        {"flow": {"f": {"a": 1}}},
    ),
    ("change flow missing drops", R(C("f", "5", "str", "x", pt="flow")), [{"payload": 1}], {}),
    (
        "change global bool",
        R(C("g", "true", "bool", "false", "bool", pt="global")),
        [{"payload": 1}],
        {"glob": {"g": True}},
    ),
    (
        "change global bool mismatch drops",
        R(C("g", "true", "bool", "false", "bool", pt="global")),
        [{"payload": 1}],
        {"glob": {"g": False}},
    ),
    (
        "change with jsonata to",
        R(C("payload", "X", "str", "topic & '!'", "jsonata")),
        [{"payload": "aXb", "topic": "T"}],
        {},
    ),
    (
        "change dc",
        R(C("payload", "X", "str", "topic", "msg", dc=True), S("topic.a", 2, "num")),
        [{"payload": "X", "topic": {"a": 1}}],
        {},
    ),
    # ---- delete
    ("delete", R(D("payload")), [{"payload": 1, "topic": "t"}], {}),
    ("delete deep", R(D("payload.a.b")), [{"payload": {"a": {"b": 1, "c": 2}}}], {}),
    ("delete missing parent", R(D("payload.a.b"), S("x", "after")), [{"payload": 1}], {}),
    ("delete array element splices", R(D("payload[1]")), [{"payload": [1, 2, 3]}], {}),
    ("delete array element dot", R(D("payload.1")), [{"payload": [1, 2, 3]}], {}),
    ("delete flow", R(D("f", "flow")), [{"payload": 1}], {"flow": {"f": 1, "g": 2}}),
    (
        "delete global nested",
        R(D("g.a", "global")),
        [{"payload": 1}],
        {"glob": {"g": {"a": 1, "b": 2}}},
    ),
    ("delete msg. prefix", R(D("msg.topic")), [{"payload": 1, "topic": 2}], {}),
    # ---- move
    (
        "move msg to msg",
        R(M("payload", "topic")),
        [{"_z": 0, "payload": "p", "topic": "t", "other": 1}],
        {},
    ),
    ("move to new prop", R(M("payload", "dest")), [{"payload": "p", "other": 1}], {}),
    ("move missing deletes target", R(M("nope", "topic")), [{"payload": "p", "topic": "t"}], {}),
    ("move to sub-property", R(M("payload", "payload.a")), [{"payload": {"x": 1}}], {}),
    (
        "move from sub-property",
        R(M("payload.a", "payload")),
        [{"payload": {"a": {"b": 1}, "c": 2}}],
        {},
    ),
    ("move same", R(M("payload", "payload")), [{"payload": 1, "topic": 2}], {}),
    ("move deep", R(M("a.b", "c.d")), [{"a": {"b": 1, "x": 2}}], {}),
    (
        "move msg to flow",
        R(M("payload", "f", "msg", "flow")),
        [{"payload": {"a": 1}, "topic": 1}],
        {},
    ),
    (
        "move flow to msg",
        R(M("f", "payload", "flow", "msg")),
        [{"payload": 1}],
        {"flow": {"f": "F", "k": 1}},
    ),
    (
        "move flow to global",
        R(M("f", "g", "flow", "global")),
        [{"payload": 1}],
        {"flow": {"f": "F"}},
    ),
    ("move flow to flow", R(M("f", "h", "flow", "flow")), [{"payload": 1}], {"flow": {"f": "F"}}),
    ("move with msg. prefix", R(M("msg.payload", "msg.topic")), [{"payload": 1}], {}),
    # ---- multiple
    (
        "multiple rules in order",
        R(
            S("payload", "a"),
            C("payload", "a", "str", "b"),
            S("topic", "payload", "msg"),
            D("payload"),
        ),
        [{"payload": 1}],
        {},
    ),
    (
        "multiple rules with warn continue",
        R(S("payload.a", "x"), S("topic", "t")),
        [{"payload": "s"}],
        {},
    ),
    ("no rules passes", R(), [{"payload": 1}], {}),
    # ---- legacy format
    (
        "legacy replace",
        {"action": "replace", "property": "payload", "to": "new"},
        [{"payload": 1}],
        {},
    ),
    (
        "legacy replace to msg.",
        {"action": "replace", "property": "payload", "to": "msg.topic"},
        [{"payload": 1, "topic": "T"}],
        {},
    ),
    (
        "legacy change reg false",
        {"action": "change", "property": "payload", "from": "a.", "to": "X", "reg": False},
        [{"payload": "a.ab"}],
        {},
    ),
    (
        "legacy change reg true",
        {"action": "change", "property": "payload", "from": "a.", "to": "X", "reg": True},
        [{"payload": "a.ab"}],
        {},
    ),
    (
        "legacy change reg null",
        {"action": "change", "property": "payload", "from": "a.", "to": "X", "reg": None},
        [{"payload": "a.ab"}],
        {},
    ),
    (
        "legacy change reg missing",
        {"action": "change", "property": "payload", "from": "a.", "to": "X"},
        [{"payload": "a.ab"}],
        {},
    ),
    ("legacy delete", {"action": "delete", "property": "topic"}, [{"payload": 1, "topic": 2}], {}),
]

# ---- recorded from Node-RED 5.0.7 ----------------------------------------------------------

EXPECTED: dict[str, dict[str, Any]] = {
    "set str": {"outs": [{"payload": "changed"}]},
    "set str on missing prop": {"outs": [{"payload": "x", "topic": "t"}]},
    "set raw non-string str value": {"outs": [{"payload": 5}]},
    "set str with no to": {"outs": [{"a": 1}]},
    "set num": {"outs": [{"payload": 123}]},
    "set num 1e3": {"outs": [{"payload": 1000}]},
    "set num invalid → NaN (null in JSON)": {"outs": [{"payload": None}]},
    "set bool true": {"outs": [{"payload": True}]},
    "set bool TRUE": {"outs": [{"payload": True}]},
    "set bool other": {"outs": [{"payload": False}]},
    "set json object": {
        "outs": [{"payload": {"a": [1, 2, {"b": None}]}}, {"payload": {"a": [1, 2, {"b": None}]}}]
    },
    "set json string": {"outs": [{"payload": "str"}]},
    "set json number": {"outs": [{"payload": 12.5}]},
    "set bin array": {"outs": [{"payload": {"$buf": [1, 2, 44, 255, 7]}}]},
    "set bin string": {"outs": [{"payload": {"$buf": [104, 195, 169, 108, 108, 111]}}]},
    "set bin Buffer json": {"outs": [{"payload": {"$buf": [65, 66]}}]},
    "set msg": {"outs": [{"payload": "T", "topic": "T"}]},
    "set msg deep": {"outs": [{"payload": {"k": 1}, "topic": {"a": [0, {"k": 1}]}}]},
    "set msg missing leaf deletes": {"outs": [{"topic": "T"}]},
    "set msg missing parent skips rule": {"outs": [{"payload": "x", "topic": "after"}]},
    "set msg shares reference (no dc)": {
        "outs": [{"topic": {"a": "changed"}, "payload": {"a": "changed"}}]
    },
    "set msg deep copy": {"outs": [{"topic": {"a": "changed"}, "payload": {"a": 1}}]},
    "legacy to msg.": {"outs": [{"payload": "T", "topic": "T"}]},
    "legacy no pt": {"outs": [{"payload": "v"}]},
    "set deep path creates": {"outs": [{"payload": {"a": [{"b c": "v"}]}}]},
    "set deep path creates arrays": {
        "outs": [{"payload": ["__undefined__", "__undefined__", ["__undefined__", "v"]]}]
    },
    "set deep existing": {"outs": [{"payload": {"a": {"c": 1, "b": "v"}}}]},
    "set on primitive warns": {
        "outs": [{"payload": 5, "topic": "next"}],
        "warns": ["Cannot set property of non-object type: payload.a"],
    },
    "set on string primitive warns": {
        "outs": [{"payload": "str"}],
        "warns": ["Cannot set property of non-object type: payload.a"],
    },
    "set msg. prefixed property": {"outs": [{"payload": "v"}]},
    "set with cross-ref": {"outs": [{"payload": {"k": "v"}, "topic": "k"}]},
    "set with missing cross-ref (ignored)": {"outs": [{"payload": {}, "x": 1}]},
    "set flow": {"outs": [{"payload": 1}], "flow": {"f": "fv"}},
    "set global": {"outs": [{"payload": 1}], "global": {"g": "gv"}},
    "set flow nested": {"outs": [{"payload": 1}], "flow": {"f": {"a": {"b": "fv"}}}},
    "set flow with store prefix": {"outs": [{"payload": 1}], "flow": {"f": "fv"}},
    "set flow key with msg ref": {"outs": [{"topic": "k"}], "flow": {"f": {"k": "fv"}}},
    "set flow to msg": {"outs": [{"payload": {"a": 1}}], "flow": {"f": {"a": 1}}},
    "set msg to flow": {"outs": [{"payload": [1, 2]}], "flow": {"f": [1, 2]}},
    "set msg to flow nested": {"outs": [{"payload": "x"}], "flow": {"f": {"a": "x"}}},
    "set msg to missing flow deletes": {"outs": [{}]},
    "set msg to global": {"outs": [{"payload": "G"}], "global": {"g": "G"}},
    "set msg to global with store": {"outs": [{"payload": "G"}], "global": {"g": "G"}},
    "set msg to flow with msg ref": {
        "outs": [{"topic": "k", "payload": "hit"}],
        "flow": {"f": {"k": "hit"}},
    },
    "set msg to flow deep copy": {"outs": [{"payload": {"a": 2}}], "flow": {"f": {"a": 1}}},
    "set msg to flow no copy": {"outs": [{"payload": {"a": 2}}], "flow": {"f": {"a": 2}}},
    "set env process": {"outs": [{"payload": "aa"}]},
    "set env template": {"outs": [{"payload": "xaay"}]},
    "set env ${}": {"outs": [{"payload": ""}]},
    "set env missing": {"outs": [{"payload": ""}]},
    "set jsonata": {"outs": [{"payload": "AB!", "topic": "!"}]},
    "set jsonata legacy msg": {"outs": [{"payload": 8}]},
    "set jsonata object": {"outs": [{"payload": {"a": 4, "n": None, "arr": [1, 2]}}]},
    "set jsonata no result deletes": {"outs": [{}]},
    "set jsonata null": {"outs": [{"payload": None}]},
    "set jsonata flowContext": {
        "outs": [{"payload": "FG"}],
        "flow": {"f": "F"},
        "global": {"g": "G"},
    },
    "set jsonata flowContext nested+store": {"outs": [{"payload": 7}], "flow": {"f": {"a": 7}}},
    "set jsonata env": {"outs": [{"payload": "aa||"}]},
    "set jsonata clone": {"outs": [{"topic": {"a": 9}, "payload": {"a": 1}}]},
    "set jsonata error drops": {
        "outs": [],
        "errors": ['Invalid JSONata expression: Unable to cast value to a number: "x"'],
    },
    "set jsonata runtime error 2": {
        "outs": [],
        "errors": ["Invalid JSONata expression: Attempted to invoke a non-function"],
    },
    "set jsonata sum": {"outs": [{"payload": 6.5}]},
    "set jsonata filter": {"outs": [{"payload": [2, 3]}]},
    "set jsonata string fn": {"outs": [{"payload": '{"a":[1,null,1.5]}'}]},
    "set buffer payload untouched": {"outs": [{"payload": {"$buf": [1, 2]}, "topic": "t"}]},
    "change partial str": {"outs": [{"payload": "Goodbye World Goodbye"}]},
    "change no match": {"outs": [{"payload": "Hello World"}]},
    "change special chars literal": {"outs": [{"payload": "X aXb*(c)"}]},
    "change literal $& in to": {"outs": [{"payload": "a[b|$|$1|a|c]c"}]},
    "change regex": {"outs": [{"payload": "_d_c_t__n"}]},
    "change regex groups": {"outs": [{"payload": "host at me there at you"}]},
    "change regex anchors": {"outs": [{"payload": "_bca\n_"}]},
    "change regex named group": {"outs": [{"payload": "a<12>b<3>"}]},
    "change regex empty match": {"outs": [{"payload": "-a-b-c-"}]},
    "change legacy re true": {"outs": [{"payload": "heLo"}]},
    "change whole match to num": {"outs": [{"payload": 123}, {"payload": "123!"}]},
    "change whole match to bool": {"outs": [{"payload": True}, {"payload": "true!"}]},
    "change partial to bool result string true": {
        "outs": [{"payload": True}, {"payload": True}, {"payload": "truetrue"}]
    },
    "change regex to bool whole": {"outs": [{"payload": True}]},
    "change whole match to json": {
        "outs": [{"payload": {"a": 1}}, {"payload": "a[object Object]b"}]
    },
    "change to bin": {"outs": [{"payload": {"$buf": [65, 66]}}, {"payload": "aABb"}]},
    "change num property fromt num": {
        "outs": [{"payload": "six"}, {"payload": 6}, {"payload": "six"}, {"payload": "1six"}]
    },
    "change num property fromt num to num": {"outs": [{"payload": 7}]},
    "change num property fromt str": {"outs": [{"payload": 5}]},
    "change bool property fromt bool": {
        "outs": [{"payload": False}, {"payload": False}, {"payload": False}]
    },
    "change bool fromt bool case": {"outs": [{"payload": True}]},
    "change object property untouched": {
        "outs": [{"payload": {"a": "a"}}, {"payload": ["a"]}, {"payload": None}, {}]
    },
    "change deep property": {"outs": [{"payload": {"a": ["yy"]}}]},
    "change to msg value": {
        "outs": [{"payload": "aTb", "topic": "T"}, {"payload": {"o": 1}, "topic": {"o": 1}}]
    },
    "change to missing msg value": {"outs": [{"payload": "aundefinedb"}, {}]},
    "change to num partial": {"outs": [{"payload": "a5b"}]},
    "change to json partial object": {"outs": [{"payload": "a[object Object]b"}]},
    "change from msg string": {
        "outs": [{"payload": "aYb", "topic": "X"}, {"payload": "Y", "topic": "X"}]
    },
    "change from msg special chars": {"outs": [{"payload": "aYb", "topic": ".*"}]},
    "change from msg number quirk": {
        "outs": [
            {"payload": "5 Y undefined", "topic": 5},
            {"payload": "Y", "topic": 5},
            {"payload": 6, "topic": 5},
        ]
    },
    "change from msg bool": {
        "outs": [{"payload": True, "topic": True}, {"payload": "true", "topic": True}]
    },
    "change from msg object errors and continues": {
        "outs": [{"payload": "a Y", "topic": {"o": 1}, "x": "after"}],
        "errors": ["Error: Invalid 'from' property: unsupported type: object"],
    },
    "change from msg missing errors": {
        "outs": [{"payload": "abc"}],
        "errors": ["Error: Invalid 'from' property: unsupported type: undefined"],
    },
    "change from msg missing parent skips": {"outs": [{"payload": "abc", "x": "after"}]},
    "change from flow": {"outs": [{"payload": "aYb"}], "flow": {"f": "X"}},
    "change from global num": {"outs": [{"payload": "Y"}, {"payload": "5"}], "global": {"g": 5}},
    "change from flow with msg ref": {
        "outs": [{"payload": "aYb", "topic": "k"}],
        "flow": {"f": {"k": "X"}},
    },
    "change from env is literal": {"outs": [{"payload": "xbarx"}, {"payload": "xaax"}]},
    "change to env": {"outs": [{"payload": "aaab"}]},
    "change flow string": {"outs": [{"payload": 1}], "flow": {"f": "aYbY"}},
    "change flow whole match": {"outs": [{"payload": 1}], "flow": {"f": 1}},
    "change flow to bool no conversion": {"outs": [{"payload": 1}], "flow": {"f": "truetrue"}},
    "change flow number mismatch drops": {"outs": [], "flow": {"f": 6}},
    "change flow number match": {"outs": [{"payload": 1}], "flow": {"f": "x"}},
    "change flow object drops": {"outs": [], "flow": {"f": {"a": 1}}},
    "change flow missing drops": {"outs": []},
    "change global bool": {"outs": [{"payload": 1}], "global": {"g": False}},
    "change global bool mismatch drops": {"outs": [], "global": {"g": False}},
    "change with jsonata to": {"outs": [{"payload": "aT!b", "topic": "T"}]},
    "change dc": {"outs": [{"payload": {"a": 1}, "topic": {"a": 2}}]},
    "delete": {"outs": [{"topic": "t"}]},
    "delete deep": {"outs": [{"payload": {"a": {"c": 2}}}]},
    "delete missing parent": {"outs": [{"payload": 1, "x": "after"}]},
    "delete array element splices": {"outs": [{"payload": [1, 3]}]},
    "delete array element dot": {"outs": [{"payload": [1, "__undefined__", 3]}]},
    "delete flow": {"outs": [{"payload": 1}], "flow": {"g": 2}},
    "delete global nested": {"outs": [{"payload": 1}], "global": {"g": {"b": 2}}},
    "delete msg. prefix": {"outs": [{"payload": 1}]},
    "move msg to msg": {"outs": [{"_z": 0, "topic": "p", "other": 1}]},
    "move to new prop": {"outs": [{"other": 1, "dest": "p"}]},
    "move missing deletes target": {"outs": [{"payload": "p"}]},
    "move to sub-property": {"outs": [{"payload": {"a": {"x": 1}}}]},
    "move from sub-property": {"outs": [{"payload": {"b": 1}}]},
    "move same": {"outs": [{"topic": 2, "payload": 1}]},
    "move deep": {"outs": [{"a": {"x": 2}, "c": {"d": 1}}]},
    "move msg to flow": {"outs": [{"topic": 1}], "flow": {"f": {"a": 1}}},
    "move flow to msg": {"outs": [{"payload": "F"}], "flow": {"k": 1}},
    "move flow to global": {"outs": [{"payload": 1}], "global": {"g": "F"}},
    "move flow to flow": {"outs": [{"payload": 1}], "flow": {"h": "F"}},
    "move with msg. prefix": {"outs": [{"topic": 1}]},
    "multiple rules in order": {"outs": [{"topic": "b"}]},
    "multiple rules with warn continue": {
        "outs": [{"payload": "s", "topic": "t"}],
        "warns": ["Cannot set property of non-object type: payload.a"],
    },
    "no rules passes": {"outs": [{"payload": 1}]},
    "legacy replace": {"outs": [{"payload": "new"}]},
    "legacy replace to msg.": {"outs": [{"payload": "T", "topic": "T"}]},
    "legacy change reg false": {"outs": [{"payload": "Xab"}]},
    "legacy change reg true": {"outs": [{"payload": "XX"}]},
    "legacy change reg null": {"outs": [{"payload": "XX"}]},
    "legacy change reg missing": {"outs": [{"payload": "Xab"}]},
    "legacy delete": {"outs": [{"payload": 1}]},
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
    if isinstance(value, float):
        return int(value) if value.is_integer() else (None if value != value else value)
    return value


def _change_flow(config: dict[str, Any], **extra: Any) -> list[dict[str, Any]]:
    node = {"id": "ch", "type": "change", "z": "t1", "x": 1, "y": 1, **copy.deepcopy(config),
            "wires": [["out"]], **extra}  # fmt: skip
    return [
        {"id": "t1", "type": "tab", "label": "change"},
        node,
        {"id": "out", "type": "helper", "z": "t1", "x": 1, "y": 1, "wires": []},
    ]


def _snapshot(ctx: Any) -> dict[str, Any]:
    names = ctx.keys()
    return {name: ctx.get(name) for name in names}


def run_change(
    config: dict[str, Any],
    msgs: list[Any],
    flow: dict[str, Any] | None = None,
    glob: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    with FlowTestHelper(_change_flow(config), env=env) as h:
        node = h.node("ch")

        def init() -> None:
            for key, value in _decode(flow or {}).items():
                node.flow_context.set(key, value)
            for key, value in _decode(glob or {}).items():
                node.global_context.set(key, value)

        h.call(init)
        for msg in msgs:
            h.inject("ch", _decode(copy.deepcopy(msg)))
            h.wait_idle()

        def contexts() -> tuple[dict[str, Any], dict[str, Any]]:
            return _snapshot(node.flow_context), _snapshot(node.global_context)

        flow_after, global_after = h.call(contexts)
        result: dict[str, Any] = {"outs": [_encode(m) for m in h.received("out")]}
        if h.errors():
            result["errors"] = h.errors()
        if h.warnings():
            result["warns"] = h.warnings()
        if flow_after:
            result["flow"] = _encode(flow_after)
        if global_after:
            result["global"] = _encode(global_after)
        return result


@pytest.mark.parametrize(("name", "config", "msgs", "context"), CASES, ids=[c[0] for c in CASES])
def test_matches_node_red(
    name: str, config: dict[str, Any], msgs: list[Any], context: dict[str, Any]
) -> None:
    assert run_change(config, msgs, **context) == EXPECTED[name]


# ---- values that depend on time or identity -------------------------------------------------


def test_date_values_are_taken_per_message() -> None:
    rules = R(S("ms", "", "date"), S("iso", "iso", "date"), S("obj", "object", "date"),
              S("year", "YYYY", "date"))  # fmt: skip
    before = time.time() * 1000
    with FlowTestHelper(_change_flow(rules)) as h:
        h.inject("ch", {"payload": 1})
        [msg] = h.wait_for("out")
    assert isinstance(msg["ms"], int) and before - 1 <= msg["ms"] <= time.time() * 1000 + 1
    assert msg["iso"].endswith("Z") and msg["iso"][:4] == msg["year"]
    assert isinstance(msg["obj"], datetime)


def test_json_values_are_fresh_objects_per_message() -> None:
    with FlowTestHelper(_change_flow(R(S("payload", '{"a":[1]}', "json")))) as h:
        h.inject("ch", {})
        h.inject("ch", {})
        first, second = h.wait_for("out", 2)
    assert first["payload"] == second["payload"] == {"a": [1]}
    assert first["payload"] is not second["payload"]


def test_constant_sets_keep_javascript_key_order() -> None:
    rules = R(S("b", "1"), S("a", "2"), S("b", "3"))
    with FlowTestHelper(_change_flow(rules)) as h:
        h.inject("ch", {"z": 0})
        [msg] = h.wait_for("out")
    assert [k for k in msg if k != "_msgid"] == ["z", "b", "a"]
    assert msg["b"] == "3"


# ---- environment ----------------------------------------------------------------------------


def test_env_values_from_tab_group_and_node_read_once_at_start() -> None:
    flow = [
        {"id": "t1", "type": "tab", "env": [{"name": "TAB_V", "value": "tab", "type": "str"},
                                            {"name": "BOTH", "value": "from tab", "type": "str"}]},
        {"id": "g1", "type": "group", "z": "t1", "nodes": ["ch"],
         "env": [{"name": "BOTH", "value": "from group", "type": "str"}]},
        {"id": "ch", "type": "change", "z": "t1", "g": "g1", "name": "named", "x": 1, "y": 1,
         "rules": [S("a", "TAB_V", "env"), S("b", "BOTH", "env"), S("c", "NR_NODE_NAME", "env"),
                   S("d", "x-${TAB_V}-${BOTH}", "env"),
                   S("e", '$env("BOTH") & $env("NR_NODE_ID")', "jsonata")],
         "wires": [["out"]]},
        {"id": "out", "type": "helper", "z": "t1", "x": 1, "y": 1, "wires": []},
    ]  # fmt: skip
    with FlowTestHelper(flow) as h:
        h.inject("ch", {})
        [msg] = h.wait_for("out")
    assert msg["a"] == "tab"
    assert msg["b"] == "from group"
    assert msg["c"] == "named"
    assert msg["d"] == "x-tab-from group"
    assert msg["e"] == "from groupch"


# ---- completion -------------------------------------------------------------------------------


class _Complete(Node):
    """Stands in for a Complete node: records what it is told about."""

    type = "complete"
    seen: ClassVar[list[Message]] = []

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        self.seen.append(msg)
        done()


class _Source(Node):
    """Sends one message per input with a completion callback (like an acking source)."""

    type = "test-source"
    finished: ClassVar[list[Tracker]] = []

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        self.send(msg, on_complete=self.finished.append)
        done()


def test_complete_fires_for_sent_messages_but_not_dropped_ones() -> None:
    _Complete.seen.clear()
    _Source.finished.clear()
    rules = R(C("f", "5", "num", "x", pt="flow"))  # drops unless flow.f == 5
    flow = _change_flow(rules)
    flow += [
        {"id": "src", "type": "test-source", "z": "t1", "x": 1, "y": 1, "wires": [["ch"]]},
        {"id": "cmp", "type": "complete", "z": "t1", "x": 1, "y": 1, "scope": ["ch"],
         "wires": []},
    ]  # fmt: skip
    with FlowTestHelper(flow, extra_types=[_Complete, _Source]) as h:
        node = h.node("ch")
        h.call(lambda: node.flow_context.set("f", 6))
        h.inject("src", {"payload": "dropped"})
        h.wait_until(lambda: len(_Source.finished) == 1)
        h.call(lambda: node.flow_context.set("f", 5))
        h.inject("src", {"payload": "sent"})
        h.wait_for("out")
        h.wait_until(lambda: len(_Complete.seen) == 1 and len(_Source.finished) == 2)
    assert [m["payload"] for m in _Complete.seen] == ["sent"]
    assert all(t.ok for t in _Source.finished)


def test_jsonata_error_reports_and_drops_without_complete() -> None:
    _Complete.seen.clear()
    flow = _change_flow(R(S("payload", '$number("x")', "jsonata")))
    flow.append({"id": "cmp", "type": "complete", "z": "t1", "x": 1, "y": 1, "scope": ["ch"],
                 "wires": []})  # fmt: skip
    with FlowTestHelper(flow, extra_types=[_Complete]) as h:
        h.inject("ch", {"payload": 1})
        h.wait_until(lambda: bool(h.errors()))
        h.wait_idle()
        assert h.received("out") == []
        assert h.errors() == ['Invalid JSONata expression: Unable to cast value to a number: "x"']
    assert _Complete.seen == []


# ---- load-time errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (R(S("payload", "{bad", "json")), "rules[0].to: Invalid 'to' JSON property"),
        (R(S("payload", "5", "bin")), "rules[0].to: Buffer data must be a JSON array"),
        (R(S("payload", "[1,", "bin")), "rules[0].to: Invalid 'to' JSON property"),
        (R(S("payload", "$$$(", "jsonata")), "rules[0].to: Invalid JSONata expression"),
        (
            R(C("payload", "(", "re", "x")),
            "rules[0].from: Invalid 'from' property: Invalid "
            "regular expression: /(/g: Unterminated group",
        ),
        (R(C("payload", 5, "str", "x")), "rules[0].from: must be a string"),  # type: ignore[arg-type]
        (R(C("payload", "a", "json", "x")), "rules[0].fromt: unsupported search type 'json'"),
        (R(C("payload", "a b", "msg", "x")), "rules[0].from: Invalid property expression"),
        (R({"t": "shift", "p": "payload"}), "rules[0].t: unknown rule type 'shift'"),
        (R(S("payload", "x", pt="node")), "rules[0].pt: unsupported property type 'node'"),
        (R(S("payload", "x", "cred")), "rules[0].tot: unsupported value type 'cred'"),
        (R(S("a b", "x")), "rules[0].p: Invalid property expression: unexpected ' '"),
        (R(S("", "x")), "rules[0].p: Invalid property expression: zero-length"),
        (R(S("f..g", "x", pt="flow")), "rules[0].p: Invalid property expression"),
        (R(S("payload", "a[", "msg")), "rules[0].to: Invalid property expression"),
        (R({"t": "set", "p": "payload", "to": 5}), "rules[0].to: must be a string"),
        (R(M("payload", "topic", tot="str")), "rules[0].tot: a move target must be msg, flow"),
        (R({"t": "move", "p": "payload", "to": "topic"}), "rules[0].tot: a move target must"),
        ({"action": "move", "property": "payload", "to": "topic"}, "to: a move target must"),
        ({"action": "", "property": "payload"}, "action: unknown rule type ''"),
        ({"rules": {"t": "set"}}, "rules: must be a list of rules"),
        ({"rules": ["set"]}, "rules[0]: must be an object"),
    ],
)
def test_bad_rules_are_rejected_at_load(config: dict[str, Any], message: str) -> None:
    lines = load_error_lines(_change_flow(config))
    assert len(lines) == 1
    assert f"node ch (change): {message}" in lines[0]


def test_fields_a_rule_type_does_not_use_are_not_checked() -> None:
    rules = R({"t": "delete", "p": "payload", "to": "{bad", "tot": "json", "from": 5})
    assert load_error_lines(_change_flow(rules)) == []
