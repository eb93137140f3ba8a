"""Change node: set / change / delete / move with every value type, context, legacy format."""

from __future__ import annotations

from typing import Any

from .builder import Case, FlowBuilder, prop

# A legacy (pre-rules) change node's fields for a change action.
_LEGACY_CHANGE: dict[str, Any] = {
    "action": "change",
    "property": "payload",
    "from": "a.c",
    "to": "X",
}

_BASE = '{"a":{"b":1,"arr":[10,20,30]},"s":"hello world","n":5,"t":true}'


def _rule(t: str, p: str, pt: str = "msg", **kw: Any) -> dict[str, Any]:
    return {"t": t, "p": p, "pt": pt, **kw}


def _set(p: str, to: str, tot: str = "str", pt: str = "msg", **kw: Any) -> dict[str, Any]:
    return _rule("set", p, pt, to=to, tot=tot, **kw)


def _chg(
    p: str, frm: str, fromt: str, to: str, tot: str = "str", pt: str = "msg"
) -> dict[str, Any]:
    return _rule("change", p, pt, **{"from": frm, "fromt": fromt, "to": to, "tot": tot})


def _one(
    name: str,
    description: str,
    rules: list[dict[str, Any]] | None,
    payload: tuple[str, str] = (_BASE, "json"),
    *,
    debug: str = "true",
    extra_props: tuple[dict[str, Any], ...] = (),
    compare_logs: bool = False,
    **change_kw: Any,
) -> Case:
    f = FlowBuilder()
    f.inject("inj", ["ch"], prop("payload", *payload), prop("topic", "tp", "str"), *extra_props)
    f.change("ch", ["dbg"], rules, **change_kw)
    f.debug("dbg", debug)
    return f.case(name, description, ["inj"], compare_logs=compare_logs)


def _payloads(
    name: str, description: str, rules: list[dict[str, Any]], payloads: list[tuple[str, str]]
) -> Case:
    f = FlowBuilder()
    ids = f.injects(["ch"], payloads)
    f.change("ch", ["dbg"], rules)
    f.debug("dbg", "payload")
    return f.case(name, description, ids)


def cases() -> list[Case]:
    out: list[Case] = [
        # ---- set: value types -------------------------------------------------------
        _one("change_set_str", "set payload to a string", [_set("payload", "new value")]),
        _one(
            "change_set_num",
            "set numbers: integer, decimal, exponent, invalid -> NaN",
            [
                _set("payload", "12", "num"),
                _set("d", "0.25", "num"),
                _set("e", "2e3", "num"),
                _set("bad", "twelve", "num"),
            ],
        ),
        _one(
            "change_set_bool",
            "set booleans: true, TRUE, false, other",
            [
                _set("payload", "true", "bool"),
                _set("u", "TRUE", "bool"),
                _set("f", "false", "bool"),
                _set("o", "nope", "bool"),
            ],
        ),
        _one(
            "change_set_json",
            "set JSON object and array",
            [
                _set("payload", '{"x":[1,{"y":null}],"z":"w"}', "json"),
                _set("arr", '[3,"4",false]', "json"),
            ],
        ),
        _one(
            "change_set_bin",
            "set a Buffer from a byte array",
            [_set("payload", "[0,1,127,128,255]", "bin")],
        ),
        _one(
            "change_set_msg",
            "copy one msg property to another (same object, no clone)",
            [_set("copy", "payload.a", "msg"), _set("topic", "payload.s", "msg")],
        ),
        _one(
            "change_set_msg_missing_deletes",
            "set from a missing msg property deletes the target",
            [_set("topic", "nothing", "msg")],
        ),
        _one(
            "change_set_msg_missing_parent_skipped",
            "set from a msg path whose parent is missing: the rule is skipped",
            [_set("topic", "no.such.path", "msg"), _set("after", "still runs")],
        ),
        _one(
            "change_set_jsonata",
            "set from JSONata expressions",
            [
                _set("payload", "payload.n * 2 + $count(payload.a.arr)", "jsonata"),
                _set("joined", '$join(["x","y"], "-")', "jsonata"),
                _set("obj", '{"sum": $sum([1,2,3]), "up": $uppercase("abc")}', "jsonata"),
            ],
        ),
        _one(
            "change_set_jsonata_legacy_msg",
            "JSONata referring to msg (legacy mode)",
            [_set("payload", "msg.topic & '!'", "jsonata")],
        ),
        _one(
            "change_set_jsonata_context",
            "JSONata reading flow and global context",
            [
                _set("f1", "fromflow", "str", pt="flow"),
                _set("g1", "fromglobal", "str", pt="global"),
                _set("payload", '$flowContext("f1") & "/" & $globalContext("g1")', "jsonata"),
            ],
        ),
        _one(
            "change_set_env",
            "set from env: name, ${} template, missing",
            [
                _set("payload", "FE_GOLDEN_FOO", "env"),
                _set("tpl", "x-${FE_GOLDEN_BAR}-${FE_GOLDEN_NUM}", "env"),
                _set("missing", "FE_GOLDEN_NOT_SET", "env"),
            ],
        ),
        _one(
            "change_set_deep_create",
            "deep paths create objects and arrays",
            [
                _set('payload.a.c[0]["b"]', "deep"),
                _set("x.y.z", "1", "num"),
                _set("list[2]", "third"),
            ],
        ),
        _one(
            "change_set_on_primitive_warns",
            "set a property of a string: warning, message continues",
            [_set("payload.sub", "x"), _set("after", "ok")],
            payload=("just a string", "str"),
            compare_logs=True,
        ),
        _one(
            "change_set_array_index",
            "set an existing array element",
            [_set("payload.a.arr[1]", "99", "num"), _set("payload.a.arr[3]", "new")],
        ),
        _one(
            "change_set_legacy_msg_prefix",
            "set with to 'msg.x' and no tot copies msg.x",
            [{"t": "set", "p": "payload", "to": "msg.topic"}],
        ),
        _one(
            "change_set_no_pt_no_tot",
            "rules without pt/tot default to msg/str",
            [{"t": "set", "p": "payload", "to": "plain"}],
        ),
        _one(
            "change_set_msg_deep_copy",
            "set from msg with dc: later changes do not leak",
            [_set("copy", "payload.a", "msg", dc=True), _set("payload.a.b", "99", "num")],
        ),
        _one(
            "change_set_msg_no_copy",
            "set from msg without dc shares the object",
            [_set("copy", "payload.a", "msg"), _set("payload.a.b", "99", "num")],
        ),
        _one(
            "change_set_msg_ref_path",
            "a target path with a [msg.x] reference",
            [_set("payload[msg.topic]", "by ref")],
        ),
        _one(
            "change_move_same_path",
            "move a property onto itself",
            [_rule("move", "topic", to="topic", tot="msg")],
        ),
        # ---- change -----------------------------------------------------------------
        _one(
            "change_change_str_partial",
            "replace every occurrence of a substring",
            [_chg("payload", "o", "str", "0")],
            payload=("foo boo zoo", "str"),
            debug="payload",
        ),
        _one(
            "change_change_str_escaped",
            "regex special characters in a str search are literal",
            [_chg("payload", "a.b*(c)", "str", "[X]")],
            payload=("aXb a.b*(c) a.b*(c)", "str"),
            debug="payload",
        ),
        _one(
            "change_change_regex_groups",
            "regex with capture groups and $n references",
            [_chg("payload", "(\\w+)@(\\w+)\\.com", "re", "$2 at $1")],
            payload=("mail bob@example.com and amy@test.com", "str"),
            debug="payload",
        ),
        _one(
            "change_change_regex_special_replacements",
            "$& and $$ in a replacement",
            [_chg("payload", "\\d+", "re", "<$&>$$")],
            payload=("a1b22c333", "str"),
            debug="payload",
        ),
        _one(
            "change_change_regex_anchor",
            "regex with anchors and an empty match",
            [_chg("payload", "^", "re", ">")],
            payload=("line", "str"),
            debug="payload",
        ),
        _one(
            "change_change_whole_str_to_num",
            "whole-string match takes the to value's type",
            [_chg("payload", "42", "str", "7", "num")],
            payload=("42", "str"),
            debug="payload",
        ),
        _one(
            "change_change_partial_to_num",
            "partial match keeps a string (to coerced to text)",
            [_chg("payload", "4", "str", "7", "num")],
            payload=("a4b4", "str"),
            debug="payload",
        ),
        _one(
            "change_change_num_match",
            "a number equal to a num from is replaced",
            [_chg("payload", "5", "num", "five")],
            payload=("5", "num"),
            debug="payload",
        ),
        _one(
            "change_change_num_nomatch",
            "a number not equal to from is unchanged",
            [_chg("payload", "6", "num", "six")],
            payload=("5", "num"),
            debug="payload",
        ),
        _one(
            "change_change_num_with_str_from",
            "a number with a str from is unchanged",
            [_chg("payload", "5", "str", "five")],
            payload=("5", "num"),
            debug="payload",
        ),
        _one(
            "change_change_bool_match",
            "a boolean equal to a bool from is replaced",
            [_chg("payload", "true", "bool", "yes")],
            payload=("true", "bool"),
            debug="payload",
        ),
        _one(
            "change_change_str_to_bool",
            "a replacement producing 'true' with tot bool -> boolean",
            [
                _chg("payload", "yes", "str", "true", "bool"),
                _chg("topic", "t", "str", "true", "bool"),
            ],
            payload=("yes", "str"),
        ),
        _one(
            "change_change_regex_dotstar_bool",
            "regex .* matches twice in JavaScript",
            [_chg("payload", ".*", "re", "true", "bool")],
            payload=("x-yes", "str"),
            debug="payload",
        ),
        _one(
            "change_change_from_msg",
            "the search value comes from another msg property",
            [_chg("payload", "topic", "msg", "[T]")],
            payload=("tp and tp", "str"),
            debug="payload",
        ),
        _one(
            "change_change_to_msg",
            "the replacement comes from another msg property",
            [_chg("payload", "world", "str", "topic", "msg")],
            payload=("hello world", "str"),
            debug="payload",
        ),
        _one(
            "change_change_env_from_trap",
            "fromt env is not resolved: the variable name itself is searched",
            [_chg("payload", "FE_GOLDEN_FOO", "env", "X")],
            payload=("aFE_GOLDEN_FOOb hello", "str"),
            debug="payload",
        ),
        _one(
            "change_change_to_env",
            "the replacement is an environment variable",
            [_chg("payload", "NAME", "str", "FE_GOLDEN_FOO", "env")],
            payload=("say NAME", "str"),
            debug="payload",
        ),
        _one(
            "change_change_object_unchanged",
            "change on an object leaves it unchanged",
            [_chg("payload", "hello", "str", "bye")],
        ),
        _one(
            "change_change_missing_property",
            "change on a missing property does nothing",
            [_chg("nothing", "a", "str", "b")],
        ),
        # ---- delete / move -------------------------------------------------------------
        _one(
            "change_delete",
            "delete top-level and deep properties",
            [
                _rule("delete", "topic"),
                _rule("delete", "payload.a.b"),
                _rule("delete", "payload.nothing.deeper"),
            ],
        ),
        _one(
            "change_delete_array_element",
            "delete an array element splices the array",
            [_rule("delete", "payload.a.arr[1]")],
        ),
        _one("change_delete_payload", "delete the payload itself", [_rule("delete", "payload")]),
        _one(
            "change_move_msg",
            "move payload.s to topic",
            [_rule("move", "payload.s", to="topic", tot="msg")],
        ),
        _one(
            "change_move_to_child",
            "move payload into payload.inner (temporary move)",
            [_rule("move", "payload", to="payload.inner", tot="msg")],
        ),
        _one(
            "change_move_to_parent",
            "move payload.a.arr up to payload",
            [_rule("move", "payload.a.arr", to="payload", tot="msg")],
        ),
        _one(
            "change_move_missing_source",
            "moving a missing property deletes the target",
            [_rule("move", "nothing", to="topic", tot="msg")],
        ),
        _one(
            "change_move_to_flow_and_back",
            "move to flow context and back to msg",
            [
                _rule("move", "payload.n", to="stash", tot="flow"),
                _rule("move", "stash", pt="flow", to="back", tot="msg"),
            ],
        ),
        # ---- several rules -----------------------------------------------------------
        _one(
            "change_multiple_rules_in_order",
            "rules apply in order to the same message",
            [
                _set("payload", "a-b-c"),
                _chg("payload", "-", "str", "+"),
                _set("copy", "payload", "msg"),
                _rule("delete", "topic"),
                _set("payload", "$length(copy)", "jsonata"),
            ],
        ),
        # ---- legacy format -------------------------------------------------------------
        _one(
            "change_legacy_replace",
            "legacy node: action replace",
            None,
            action="replace",
            property="payload",
            to="legacy",
        ),
        _one(
            "change_legacy_change_str",
            "legacy node: action change, reg false",
            None,
            payload=("a.c abc", "str"),
            debug="payload",
            **_LEGACY_CHANGE,
            reg=False,
        ),
        _one(
            "change_legacy_change_regex",
            "legacy node: action change, reg true",
            None,
            payload=("a.c abc", "str"),
            debug="payload",
            **_LEGACY_CHANGE,
            reg=True,
        ),
        _one(
            "change_legacy_delete",
            "legacy node: action delete",
            None,
            action="delete",
            property="topic",
        ),
        _one(
            "change_legacy_move",
            "legacy node: action move",
            None,
            action="move",
            property="topic",
            to="moved",
        ),
    ]

    # ---- context targets ---------------------------------------------------------------
    f = FlowBuilder()
    f.inject("i1", ["w"], prop("payload", "in context", "str"))
    f.change(
        "w",
        [],
        [
            _set("fs", "payload", "msg", pt="flow"),
            _set("gs", "42", "num", pt="global"),
            _set("deep.a.b", "nested", "str", pt="flow"),
        ],
    )
    f.inject("i2", ["r"], prop("payload", "", "str"))
    f.change(
        "r",
        ["dbg"],
        [
            _set("payload", "fs", "flow"),
            _set("g", "gs", "global"),
            _set("deep", "deep", "flow"),
            _set("leaf", "deep.a.b", "flow"),
            _set("none", "nothing", "flow"),
        ],
    )
    f.debug("dbg", "true")
    out.append(
        f.case(
            "change_context_set_get", "set flow/global (incl. deep keys), read back", ["i1", "i2"]
        )
    )

    f = FlowBuilder()
    f.inject("i1", ["w"], prop("payload", "", "str"))
    f.change(
        "w",
        ["dbg"],
        [
            _set("cs", "one two one", "str", pt="flow"),
            _chg("cs", "one", "str", "1", pt="flow"),
            _set("payload", "cs", "flow"),
        ],
    )
    f.debug("dbg", "payload")
    out.append(f.case("change_context_change_string", "change a flow context string", ["i1"]))

    f = FlowBuilder()
    f.inject("i1", ["w"], prop("payload", "passes?", "str"))
    f.change(
        "w", ["dbg"], [_set("cn", "5", "num", pt="flow"), _chg("cn", "x", "str", "y", pt="flow")]
    )
    f.debug("dbg", "payload")
    f.inject("i2", ["w2"], prop("payload", "", "str"))
    f.change(
        "w2", ["dbg"], [_chg("cn", "5", "num", "changed", pt="flow"), _set("payload", "cn", "flow")]
    )
    out.append(
        f.case(
            "change_context_change_mismatch_drops",
            "change on a context value of another type drops the message",
            ["i1", "i2"],
        )
    )

    f = FlowBuilder()
    f.inject("i1", ["w"], prop("payload", "", "str"))
    f.change(
        "w",
        ["dbg"],
        [
            _set("del", "x", "str", pt="global"),
            _rule("delete", "del", "global"),
            _set("payload", "del", "global"),
        ],
    )
    f.debug("dbg", "true")
    out.append(f.case("change_context_delete", "delete a global context value", ["i1"]))

    f = FlowBuilder()
    f.inject("i1", ["w"], prop("payload", "", "str"), prop("key", "dyn", "str"))
    f.change(
        "w",
        ["dbg"],
        [
            _set("store[msg.key]", "by-msg-key", "str", pt="flow"),
            _set("payload", "store.dyn", "flow"),
        ],
    )
    f.debug("dbg", "true")
    out.append(f.case("change_context_msg_key", "a context key with a [msg.x] reference", ["i1"]))

    # ---- errors ------------------------------------------------------------------------
    f = FlowBuilder()
    f.inject("inj", ["ch"], prop("payload", "1", "num"))
    f.change("ch", ["never"], [_set("payload", '$error("custom failure")', "jsonata")])
    f.debug("never", "true")
    f.catch("c", ["dbg"])
    f.debug("dbg", "true")
    out.append(
        f.case("change_jsonata_error_caught", "a JSONata runtime error goes to catch", ["inj"])
    )

    out.append(
        _payloads(
            "change_change_by_payload_type",
            "the same change rule on string, number, boolean, object payloads",
            [_chg("payload", "1", "str", "one")],
            [("1", "str"), ("1", "num"), ("true", "bool"), ('{"k":"1"}', "json"), ("a1b1", "str")],
        )
    )
    return out
