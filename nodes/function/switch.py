"""The ``switch`` node: route a message to the outputs whose rule matches.

Node-RED 5.0.7 behaviour (``10-switch.js``): JavaScript comparison semantics
(``==``, ``<`` with string/number coercion), every operator, typed rule values
(``prev`` is the property of the previous message), "checking all rules" or
"stopping after first match", sequence rules (``head``/``tail``/``index``,
which buffer a message group until its count is known) and ``repair``
(rebuild ``msg.parts`` per output). Like Node-RED, the node handles one
message at a time and yields to the delivery queue between messages (a
scheduler hop, as Node-RED's ``setImmediate``), so ordering across branches
matches. A switch never triggers Complete nodes (its Node-RED handler has no
``done``). Rules Node-RED would refuse or never run (invalid JSONata/regex
values, unknown operators or value types) are load-time ``ConfigError``s.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from typing import Any

from flowengine.envvars import evaluate_env_property
from flowengine.errors import ConfigError, JSError
from flowengine.jsvalues import (
    UNDEFINED,
    js_compare,
    js_json_loads,
    js_loose_eq,
    js_regexp_source,
    js_string,
    to_number,
)
from flowengine.message import Message, clone_message, generate_id
from flowengine.node import Delivery, Node
from flowengine.props import PropertyExpressionError, compile_property
from flowengine.typed import (
    JSONataExpression,
    evaluate_static,
    get_context_value,
    js_regex,
    parse_bin,
    parse_json,
    resolve_context_key,
)

__all__ = ["SwitchNode"]

Done = Callable[..., None]
# Marker message the node sends itself to resume its queue after a scheduler hop.
_RESUME: Message = {"_switch_resume": True}

_PROPERTY_TYPES = ("msg", "flow", "global", "jsonata", "env")
_VALUE_TYPES = frozenset(
    ("msg", "flow", "global", "str", "num", "bool", "json", "bin", "re", "date", "jsonata",
     "env", "prev", "null")
)  # fmt: skip
_ISTYPE_NAMES = frozenset(
    ("string", "number", "boolean", "array", "buffer", "object", "json", "undefined", "null")
)
_NO_VALUE_OPERATORS = frozenset(("true", "false", "null", "nnull", "empty", "nempty", "else"))


class _PropertyWarning(Exception):
    """The switched-on property could not be evaluated (JSONata): warn and drop."""


class _RuleError(Exception):
    """A rule value could not be evaluated (JSONata): node.error with this text, drop."""


# ---- operators (a: property, b: value, c: second value, case, parts) ----------------


def _op_eq(a: Any, b: Any, *_: Any) -> bool:
    return js_loose_eq(a, b)


def _op_neq(a: Any, b: Any, *_: Any) -> bool:
    return not js_loose_eq(a, b)


def _op_lt(a: Any, b: Any, *_: Any) -> bool:
    return js_compare("lt", a, b)


def _op_lte(a: Any, b: Any, *_: Any) -> bool:
    return js_compare("lte", a, b)


def _op_gt(a: Any, b: Any, *_: Any) -> bool:
    return js_compare("gt", a, b)


def _op_gte(a: Any, b: Any, *_: Any) -> bool:
    return js_compare("gte", a, b)


def _op_btwn(a: Any, b: Any, c: Any, *_: Any) -> bool:
    return (js_compare("gte", a, b) and js_compare("lte", a, c)) or (
        js_compare("lte", a, b) and js_compare("gte", a, c)
    )


def _op_cont(a: Any, b: Any, *_: Any) -> bool:
    return js_string(b) in js_string(a)


_regex_cache: dict[tuple[str, str], re.Pattern[str]] = {}


def _regex_for(value: Any, ignore_case: bool) -> re.Pattern[str]:
    """``new RegExp(value, case ? "i" : "")`` (cached: values are usually constant)."""
    flags = "i" if ignore_case else ""
    if isinstance(value, re.Pattern):
        source = js_regexp_source(value)
        source = source[1 : source.rindex("/")]
    elif value is UNDEFINED:
        source = "(?:)"
    else:
        source = js_string(value)
    key = (source, flags)
    compiled = _regex_cache.get(key)
    if compiled is None:
        compiled = js_regex(source, flags)
        if len(_regex_cache) > 1024:
            _regex_cache.clear()
        _regex_cache[key] = compiled
    return compiled


def _op_regex(a: Any, b: Any, c: Any, case: Any, *_: Any) -> bool:
    return _regex_for(b, bool(case)).search(js_string(a)) is not None


def _op_true(a: Any, *_: Any) -> bool:
    return a is True


def _op_false(a: Any, *_: Any) -> bool:
    return a is False


def _op_null(a: Any, *_: Any) -> bool:
    return a is None or a is UNDEFINED


def _op_nnull(a: Any, *_: Any) -> bool:
    return not (a is None or a is UNDEFINED)


def _size(a: Any) -> int | None:
    """Length of a string/array/Buffer, key count of an object; None for other types."""
    if isinstance(a, str | list | bytes | bytearray | dict):
        return len(a)
    if a is None or a is UNDEFINED or isinstance(a, bool | int | float):
        return None
    return 0  # other objects (Date, RegExp) have no own enumerable keys


def _op_empty(a: Any, *_: Any) -> bool:
    return _size(a) == 0


def _op_nempty(a: Any, *_: Any) -> bool:
    size = _size(a)
    return size is not None and size != 0


def _op_istype(a: Any, b: Any, *_: Any) -> bool:
    if b == "array":
        return isinstance(a, list)
    if b == "buffer":
        return isinstance(a, bytes | bytearray)
    if b == "json":
        try:
            js_json_loads(a)
        except ValueError:
            return False
        return True
    if b == "null":
        return a is None
    if b == "number":
        return isinstance(a, int | float) and not isinstance(a, bool) and a == a
    if b == "string":
        return isinstance(a, str)
    if b == "boolean":
        return isinstance(a, bool)
    if b == "undefined":
        return a is UNDEFINED
    if b == "object":
        return not (
            a is None
            or a is UNDEFINED
            or isinstance(a, str | int | float | bool | list | bytes | bytearray)
        )
    return False  # typeof never gives any other name for message data


def _parts_field(parts: Any, name: str) -> Any:
    """``parts[name]`` with JavaScript's TypeError when parts is null/undefined."""
    if parts is None or parts is UNDEFINED:
        kind = "null" if parts is None else "undefined"
        raise JSError(f"Cannot read properties of {kind} (reading '{name}')", "TypeError")
    return parts.get(name, UNDEFINED) if isinstance(parts, dict) else UNDEFINED


def _op_head(a: Any, b: Any, c: Any, case: Any, parts: Any) -> bool:
    return js_compare("lt", _parts_field(parts, "index"), to_number(b))


def _op_tail(a: Any, b: Any, c: Any, case: Any, parts: Any) -> bool:
    remaining = to_number(_parts_field(parts, "count")) - to_number(b)
    return js_compare("lte", remaining, _parts_field(parts, "index"))


def _op_index(a: Any, b: Any, c: Any, case: Any, parts: Any) -> bool:
    index = _parts_field(parts, "index")
    return js_compare("lte", to_number(b), index) and js_compare("lte", index, to_number(c))


def _has_own(a: Any, key: str) -> bool:
    if isinstance(a, dict):
        return key in a
    if isinstance(a, list | str | bytes | bytearray):
        if key == "length":
            return not isinstance(a, bytes | bytearray)
        return (
            key.isdigit() and key.isascii() and (key == "0" or key[0] != "0") and int(key) < len(a)
        )
    return False


def _op_hask(a: Any, b: Any, *_: Any) -> bool:
    if a is None or a is UNDEFINED:
        return False
    if b is None or isinstance(b, dict | list | bytes | bytearray):
        return False  # typeof b === "object"
    return _has_own(a, js_string(b))


def _op_jsonata_exp(a: Any, b: Any, *_: Any) -> bool:
    return b is True


def _op_else(a: Any, *_: Any) -> bool:
    return a is True


_OPERATORS: dict[str, Callable[..., bool]] = {
    "eq": _op_eq,
    "neq": _op_neq,
    "lt": _op_lt,
    "lte": _op_lte,
    "gt": _op_gt,
    "gte": _op_gte,
    "btwn": _op_btwn,
    "cont": _op_cont,
    "regex": _op_regex,
    "true": _op_true,
    "false": _op_false,
    "null": _op_null,
    "nnull": _op_nnull,
    "empty": _op_empty,
    "nempty": _op_nempty,
    "istype": _op_istype,
    "head": _op_head,
    "tail": _op_tail,
    "index": _op_index,
    "hask": _op_hask,
    "jsonata_exp": _op_jsonata_exp,
    "else": _op_else,
}


def _is_numeric(value: Any) -> bool:
    """``!isNaN(Number(value))``."""
    n = to_number(value)
    return n == n


def _has_parts(msg: Message) -> bool:
    parts = msg.get("parts")
    return isinstance(parts, dict) and "id" in parts and "index" in parts


def _group_key(value: Any) -> str:
    return value if type(value) is str else js_string(value)


class _Rule:
    """One compiled rule: operator plus getters for its value(s)."""

    __slots__ = ("case", "is_else", "op", "parts_expr", "t", "v1", "v2")

    def __init__(
        self,
        t: str,
        op: Callable[..., bool],
        v1: Callable[[Message], Any],
        v2: Callable[[Message], Any],
        case: Any,
    ) -> None:
        self.t = t
        self.op = op
        self.v1 = v1
        self.v2 = v2
        self.case = case
        self.is_else = t == "else"
        # jsonata_exp rules bind $I/$N (msg.parts index and count) on their expression.
        self.parts_expr = v1.expr if t == "jsonata_exp" and isinstance(v1, _JsonataValue) else None


class _Group:
    """Messages of one sequence (``parts.id``) waiting for the group to be complete."""

    __slots__ = ("count", "msgs")

    def __init__(self) -> None:
        self.count: Any = UNDEFINED
        self.msgs: list[Message] = []


class SwitchNode(Node):
    # Node-RED's switch input handler takes no ``done``: Complete nodes never fire.
    fires_complete = False
    type = "switch"
    category = "function"

    def setup(self) -> None:
        cfg = self.config
        self._property_type = cfg.get("propertyType") or "msg"
        self._get_property = self._compile_property(cfg.get("property"), self._property_type)
        checkall = cfg.get("checkall")
        # Node-RED: ``n.checkall || "true"``, then ``checkall == "false"`` stops at the
        # first match; so only the text "false" stops (a boolean false checks all).
        if checkall not in (None, "", "true", "false", True, False):
            raise ConfigError("checkall", 'must be "true" or "false"')
        self._stop_at_first = checkall == "false"
        self._repair = bool(cfg.get("repair"))
        outputs = cfg.get("outputs")
        if outputs is not None and not _is_numeric(outputs):
            raise ConfigError("outputs", "must be a number")
        rules = cfg.get("rules") or []
        if not isinstance(rules, list):
            raise ConfigError("rules", "must be a list of rules")
        self._rules = [self._compile_rule(i, r) for i, r in enumerate(rules)]
        self._needs_count = self._repair or any(r.t == "tail" for r in self._rules)
        self._previous: Any = None
        # Message queue (one at a time) and sequence buffers.
        self._queue: deque[tuple[Message, Delivery, Done]] = deque()
        self._handling = False
        self._draining: deque[Message] | None = None
        self._drain_count: Any = None
        self._drain_finish: Callable[[], None] | None = None
        self._hop_pending = False
        self._clear_pending()

    def close(self) -> None:
        self._clear_pending()
        self._queue.clear()
        self._draining = None

    # ---- configuration ---------------------------------------------------------

    def _compile_property(self, prop: Any, ptype: Any) -> Callable[[Message], Any]:
        if ptype not in _PROPERTY_TYPES:
            raise ConfigError(
                "propertyType",
                f"unsupported type {js_string(ptype)!r} (expected msg, flow, global, jsonata "
                "or env)",
            )
        if not isinstance(prop, str) or (prop == "" and ptype != "env"):
            raise ConfigError("property", "a property is required")
        if ptype == "jsonata":
            expr = self._jsonata("property", prop)

            def evaluate(msg: Message) -> Any:
                try:
                    return expr.evaluate(msg)
                except JSError as e:
                    raise _PropertyWarning(f"Invalid JSONata expression: {e.message}") from None

            return evaluate
        if ptype == "env":
            return lambda _msg: evaluate_env_property(prop, self.get_env)
        try:
            if ptype == "msg":
                path = compile_property(prop[4:] if prop.startswith("msg.") else prop)
            else:
                compile_property(resolve_context_key(prop, None)[1])
        except PropertyExpressionError as e:
            raise ConfigError("property", str(e)) from None
        if ptype == "msg":
            return _safe_getter(path.get)
        return lambda msg: get_context_value(self, ptype, prop, msg)

    def _jsonata(self, field: str, source: Any) -> JSONataExpression:
        try:
            return JSONataExpression(js_string(source), self)
        except JSError as e:
            raise ConfigError(field, f"Invalid JSONata expression: {e.message}") from None

    def _compile_rule(self, index: int, rule: Any) -> _Rule:
        prefix = f"rules[{index}]"
        if not isinstance(rule, dict):
            raise ConfigError(prefix, "must be an object")
        t = rule.get("t")
        op = _OPERATORS.get(t) if isinstance(t, str) else None
        if op is None:
            raise ConfigError(f"{prefix}.t", f"unknown operator {js_string(t)!r}")
        assert isinstance(t, str)
        v, vt = rule.get("v", UNDEFINED), rule.get("vt")
        if not vt:
            vt = "num" if _is_numeric(v) else "str"
        if t == "istype" and vt not in _VALUE_TYPES:
            if vt not in _ISTYPE_NAMES:
                raise ConfigError(f"{prefix}.vt", f"unknown type name {js_string(vt)!r}")
            v1 = self._constant(v)
        elif t == "istype" and vt in ("json", "null"):
            v1 = self._constant(vt)  # Node-RED hands these two type names over as text
        else:
            v1 = self._value_getter(f"{prefix}.v", v, vt, t)
        if "v2" in rule and rule["v2"] is not UNDEFINED:
            v2_value, v2t = rule["v2"], rule.get("v2t")
            if not v2t:
                v2t = "num" if _is_numeric(v2_value) else "str"
            v2 = self._value_getter(f"{prefix}.v2", v2_value, v2t, t, second=True)
        else:
            v2 = self._constant(UNDEFINED)
        case = rule.get("case")
        if t == "regex" and vt == "str":
            try:
                _regex_for(js_string(v), bool(case))
            except JSError as e:
                raise ConfigError(f"{prefix}.v", e.message) from None
        return _Rule(t, op, v1, v2, case)

    @staticmethod
    def _constant(value: Any) -> Callable[[Message], Any]:
        return lambda _msg: value

    def _value_getter(
        self,
        field: str,
        value: Any,
        vtype: str,
        operator: str,
        second: bool = False,
    ) -> Any:
        if vtype not in _VALUE_TYPES:
            if operator in _NO_VALUE_OPERATORS:
                return self._constant(value)  # the value is never looked at
            raise ConfigError(f"{field}t", f"unsupported value type {js_string(vtype)!r}")
        if vtype == "prev":
            return lambda _msg: self._previous
        if vtype == "jsonata":
            return _JsonataValue(self._jsonata(field, value))
        if vtype == "msg":
            if not isinstance(value, str):
                raise ConfigError(field, "must be a property expression")
            try:
                path = compile_property(value[4:] if value.startswith("msg.") else value)
            except PropertyExpressionError as e:
                raise ConfigError(field, str(e)) from None
            return _safe_getter(path.get)
        if vtype in ("flow", "global"):
            if not isinstance(value, str):
                raise ConfigError(field, "must be a context key")
            return _safe_getter(lambda msg: get_context_value(self, vtype, value, msg))
        if vtype == "env":
            text = js_string(value)
            return lambda _msg: evaluate_env_property(text, self.get_env)
        if vtype == "date":
            return lambda _msg: evaluate_static(value, "date", self.get_env)
        if vtype in ("json", "null") and not second:
            return self._constant(vtype)  # Node-RED's getV1 returns the type name here
        constant: Any
        try:
            if vtype == "json":
                return self._json_value(value)
            if vtype == "bin":
                constant = parse_bin(value)
            elif vtype == "re":
                constant = js_regex(js_string(value))
            elif vtype == "null":
                constant = value  # not a typed-input type: the raw value
            else:
                constant = evaluate_static(value, vtype, self.get_env)
        except JSError as e:
            raise ConfigError(field, e.message) from None
        return self._constant(constant)

    def _json_value(self, value: Any) -> Callable[[Message], Any]:
        parsed = parse_json(value)
        if isinstance(parsed, dict | list):
            text = value if isinstance(value, str) else js_string(value)
            return lambda _msg: parse_json(text)
        return self._constant(parsed)

    # ---- message queue (one message at a time, a scheduler hop in between) --------

    def on_input(self, msg: Message, send: Delivery, done: Done) -> None:
        if msg is _RESUME:
            self._hop_pending = False
            try:
                self._resume(send)
            finally:
                done()
            return
        self._queue.append((msg, send, done))
        if self._handling:
            return
        self._next()

    def _hop(self, send: Delivery) -> None:
        """``setImmediate``: continue after everything already queued is delivered."""
        self._hop_pending = True
        send.to(self, _RESUME)

    def _resume(self, send: Delivery) -> None:
        if self._draining is not None:
            self._drain_next(send)
            return
        self._next()

    def _next(self) -> None:
        if not self._queue:
            self._handling = False
            return
        msg, send, done = self._queue.popleft()
        self._handling = True
        try:
            self._process(msg, send, check_parts=True)
        except Exception as e:  # never leave the queue stalled
            self.error(e, msg)
            if not self._hop_pending:
                self._hop(send)
        finally:
            done()

    def _process(self, msg: Message, send: Delivery, check_parts: bool) -> None:
        """Node-RED's ``processMessage``; always ends with exactly one hop scheduled."""
        has_parts = _has_parts(msg)
        if self._needs_count and check_parts and has_parts:
            self._add_to_pending(msg, send)
            return
        self._evaluate(msg, send, has_parts)
        self._hop(send)

    def _evaluate(self, msg: Message, send: Delivery, has_parts: bool) -> None:
        try:
            value = self._get_property(msg)
        except _PropertyWarning as w:
            self.warn(str(w))
            return
        except Exception as e:  # a bad [msg.x] reference in a context key
            self.error(e, msg)
            return
        try:
            onward = self._apply_rules(msg, value, has_parts)
        except _RuleError as e:
            self.error(str(e), msg)
            return
        except Exception as e:
            self.error(e, msg)
            return
        if not self._repair or not has_parts:
            send(onward)
        else:
            self._send_group_messages(onward, msg, send)

    def _apply_rules(self, msg: Message, value: Any, has_parts: bool) -> list[Any]:
        onward: list[Any] = []
        else_flag = True
        parts = msg.get("parts", UNDEFINED)
        stop = self._stop_at_first
        for rule in self._rules:
            if rule.parts_expr is not None and has_parts:
                # Node-RED assigns on the shared expression: the values stay bound
                # for later messages without parts too.
                rule.parts_expr.assign("I", parts.get("index", UNDEFINED))
                rule.parts_expr.assign("N", parts.get("count", UNDEFINED))
            v1 = rule.v1(msg)
            v2 = rule.v2(msg)
            subject = value
            if rule.is_else:
                subject = else_flag
                else_flag = True
            if rule.op(subject, v1, v2, rule.case, parts):
                onward.append(msg)
                else_flag = False
                if stop:
                    break
            else:
                onward.append(None)
        self._previous = value
        return onward

    # ---- sequences -------------------------------------------------------------------

    def _clear_pending(self) -> None:
        self._pending_count = 0
        self._pending_in: dict[str, _Group] = {}
        self._pending_out: dict[str, list[list[Any]]] = {}
        self._received: dict[str, int] = {}

    def _max_kept(self) -> int:
        value = self.runtime.settings.get("nodeMessageBufferMaxLength", 0)
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0

    def _too_many(self, msg: Message) -> None:
        limit = self._max_kept()
        if limit > 0 and self._pending_count > limit:
            self._clear_pending()
            self.error("too many pending messages in switch node", msg)

    def _add_to_pending(self, msg: Message, send: Delivery) -> None:
        parts = msg["parts"]
        gid = _group_key(parts["id"])
        group = self._pending_in.get(gid)
        if group is None:
            group = self._pending_in[gid] = _Group()
        group.msgs.append(msg)
        self._pending_count += 1
        self._too_many(msg)
        if "count" in parts:
            group.count = parts["count"]
        count = group.count
        msgs_count = len(group.msgs)
        if isinstance(count, int | float) and not isinstance(count, bool) and count == msgs_count:
            # The group is complete: process its messages, one per scheduler hop.
            def finish() -> None:
                self._pending_count -= msgs_count
                self._pending_in.pop(gid, None)

            self._draining = deque(group.msgs)
            group.msgs.clear()
            self._drain_count = count
            self._drain_finish = finish
            self._drain_next(send)
            return
        self._hop(send)

    def _drain_next(self, send: Delivery) -> None:
        draining = self._draining
        assert draining is not None
        msg = draining.popleft()
        parts = msg.get("parts")
        if isinstance(parts, dict):
            parts["count"] = self._drain_count
        self._evaluate(msg, send, _has_parts(msg))
        if not draining:
            self._draining = None
            if self._drain_finish is not None:
                self._drain_finish()
                self._drain_finish = None
        self._hop(send)

    def _send_group_messages(self, onward: list[Any], msg: Message, send: Delivery) -> None:
        parts = msg["parts"]
        gid = _group_key(parts["id"])
        self._received[gid] = self._received.get(gid, 0) + 1
        complete = self._received[gid] == parts.get("count")
        onwards = self._pending_out.setdefault(gid, [])
        onwards.append(onward)
        self._pending_count += 1
        if complete:
            self._send_group(onwards, len(onward), send)
            self._pending_count -= len(onward)  # (sic) Node-RED subtracts the port count
            self._pending_out.pop(gid, None)
            self._received.pop(gid, None)
        self._too_many(msg)

    def _send_group(self, onwards: list[list[Any]], port_count: int, send: Delivery) -> None:
        """Send a buffered group with ``msg.parts`` renumbered per output port."""
        # A missing entry (a shorter onward list) counts like Node-RED's ``undefined``.
        counts = [
            sum(1 for onward in onwards if j >= len(onward) or onward[j] is not None)
            for j in range(port_count)
        ]
        ids = [generate_id() for _ in range(port_count)]
        indexes = [0] * port_count
        for onward in onwards:
            ports: list[Any] = []
            for j in range(port_count):
                original = onward[j] if j < len(onward) else None
                if original:
                    copy = clone_message(original)
                    copy_parts = copy["parts"]
                    copy_parts["id"] = ids[j]
                    copy_parts["index"] = indexes[j]
                    copy_parts["count"] = counts[j]
                    indexes[j] += 1
                    ports.append(copy)
                else:
                    ports.append(None)
            send(ports)


class _JsonataValue:
    """A ``jsonata`` rule value: an evaluation error is the rule's error."""

    __slots__ = ("expr",)

    def __init__(self, expr: JSONataExpression) -> None:
        self.expr = expr

    def __call__(self, msg: Message) -> Any:
        try:
            return self.expr.evaluate(msg)
        except JSError as e:
            raise _RuleError(f"Invalid JSONata expression: {e.message}") from None


def _safe_getter(get: Callable[[Message], Any]) -> Callable[[Message], Any]:
    """A value lookup whose failure (missing parent, bad reference) gives undefined."""

    def read(msg: Message) -> Any:
        try:
            return get(msg)
        except (TypeError, PropertyExpressionError):
            return UNDEFINED

    return read
