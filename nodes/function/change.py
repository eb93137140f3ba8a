"""The ``change`` node: set, change, delete and move message and context properties.

Node-RED 5.0.7 behaviour (``15-change.js``), including its quirks: a rule that
throws is skipped, a ``change`` of a flow/global value that does not match
drops the message, ``env`` values are read once at start, ``date`` per message.
Unlike Node-RED, a rule Node-RED would refuse at start (invalid JSON, regex or
JSONata) or silently never run (unknown property type, bad property
expression, a ``move`` without a target type) is a load-time ``ConfigError``.

Everything is compiled in :meth:`ChangeNode.setup` into a list of small step
functions; the per-message work is just running them (this node is the hot
path of the chain benchmark).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flowengine.context import Context
from flowengine.envvars import evaluate_env_property
from flowengine.errors import ConfigError, JSError
from flowengine.jsvalues import UNDEFINED, js_regexp_source, js_string, js_typeof, to_number
from flowengine.message import Message, clone_message, clone_value
from flowengine.node import Delivery, Node
from flowengine.props import PropertyExpressionError, PropertyPath, compile_property
from flowengine.typed import (
    JSONataExpression,
    format_date,
    js_regex,
    js_regex_replace,
    parse_json,
    resolve_context_key,
)

__all__ = ["ChangeNode"]

Step = Callable[[Message], None]
Getter = Callable[[Message], Any]

_RULE_TYPES = ("set", "change", "delete", "move")
_SCOPES = ("msg", "flow", "global")
_TO_TYPES = ("msg", "flow", "global", "str", "num", "bool", "json", "bin", "date", "jsonata", "env")
_FROM_TYPES = ("msg", "flow", "global", "str", "re", "num", "bool", "env")
_TRUE_RE = re.compile(r"^true$", re.IGNORECASE)
# JavaScript's "abc".replace(undefined, x) searches for the text "undefined" (once).
_UNDEFINED_TEXT = re.compile("undefined")


class _Drop(Exception):
    """Stop processing this message; report ``error`` (if any) with node.error."""

    def __init__(self, error: Any = None) -> None:
        super().__init__(error)
        self.error = error


class _From:
    """What a ``change`` rule searches for: Node-RED's fromType/fromValue/fromRE."""

    __slots__ = ("count", "kind", "literal", "regex", "value")

    def __init__(
        self,
        kind: str | None,
        value: Any,
        regex: re.Pattern[str] | None,
        count: int = 0,
        literal: str | None = None,
    ) -> None:
        self.kind = kind  # num bool str re env ..., None when the type was unsupported
        self.value = value
        self.regex = regex  # None: search for the text "undefined" once (JS quirk)
        self.count = count  # 0 = replace all (a "g" regex)
        self.literal = literal  # plain text search: str.replace is enough

    def replace(self, text: str, replacement: Any) -> str:
        repl = replacement if type(replacement) is str else js_string(replacement)
        if self.literal is not None and "$" not in repl:
            return text.replace(self.literal, repl)
        if self.regex is None:
            return js_regex_replace(text, _UNDEFINED_TEXT, repl, 1)
        return js_regex_replace(text, self.regex, repl, self.count)


def _literal_from(text: str, kind: str) -> _From:
    return _From(kind, text, re.compile(re.escape(text)), 0, text)


def _dynamic_from(value: Any, node: ChangeNode, msg: Message) -> _From:
    """``getFromValueType`` for a from-value read from msg/flow/global."""
    if isinstance(value, bool):
        return _From("bool", value, None)
    if isinstance(value, int | float):
        return _From("num", value, None)
    if isinstance(value, str):
        return _literal_from(value, "str")
    if isinstance(value, re.Pattern):
        is_global = "g" in js_regexp_source(value).rsplit("/", 1)[1]
        return _From("re", value, value, 0 if is_global else 1)
    # Node-RED reports the error and then still applies the rule with no search value.
    node.error(JSError(f"Invalid 'from' property: unsupported type: {js_typeof(value)}"), msg)
    return _From(None, value, None)


class ChangeNode(Node):
    type = "change"
    category = "function"

    def setup(self) -> None:
        self._steps: list[Step] = []
        rules = self.config.get("rules")
        if rules is None:
            self._compile_rule(self._legacy_rule(), None)
        elif not isinstance(rules, list):
            raise ConfigError("rules", "must be a list of rules")
        else:
            for index, rule in enumerate(rules):
                if not isinstance(rule, dict):
                    raise ConfigError(f"rules[{index}]", "must be an object")
                self._compile_rule(dict(rule), index)
        self._apply = self._combine(self._steps)

    @staticmethod
    def _combine(steps: list[Step]) -> Step:
        """One function applying every step, as cheap as the rules allow."""
        constants = [getattr(step, "constant_item", None) for step in steps]
        if steps and all(item is not None for item in constants):
            # Only "set msg.<key> to a constant" rules: one dict update does them all
            # (same key order and final values as setting them one by one).
            values = dict(constants)  # type: ignore[arg-type]
            return lambda msg: msg.update(values)
        if len(steps) == 1:
            return steps[0]  # on_input skips it if it throws, as a rule loop would

        def apply_all(msg: Message) -> None:
            for step in steps:
                try:
                    step(msg)
                except _Drop:
                    raise
                except Exception:  # Node-RED skips a rule that throws
                    continue

        return apply_all

    # ---- configuration ---------------------------------------------------------

    def _legacy_rule(self) -> dict[str, Any]:
        """A node saved before rules existed: ``action``/``property``/``from``/``to``/``reg``."""
        cfg = self.config
        action = cfg.get("action")
        rule: dict[str, Any] = {
            "t": "set" if action == "replace" else action,
            "p": cfg.get("property") or "",
        }
        if rule["t"] in ("set", "move"):
            rule["to"] = cfg.get("to") or ""
        elif rule["t"] == "change":
            rule["from"] = cfg.get("from") or ""
            rule["to"] = cfg.get("to") or ""
            reg = cfg.get("reg", UNDEFINED)
            rule["re"] = reg is None or (bool(reg) and reg is not UNDEFINED)
        return rule

    def _field(self, index: int | None, name: str) -> str:
        if index is None:
            legacy = {"t": "action", "p": "property", "to": "to", "from": "from", "tot": "to"}
            return legacy.get(name, name)
        return f"rules[{index}].{name}"

    def _compile_rule(self, rule: dict[str, Any], index: int | None) -> None:
        t = rule.get("t")
        if t not in _RULE_TYPES:
            raise ConfigError(
                self._field(index, "t"),
                f"unknown rule type {js_string(t)!r} (expected set, change, delete or move)",
            )
        # Node-RED's construction-time normalisation of older rule formats.
        if not rule.get("pt"):
            rule["pt"] = "msg"
        if t == "change" and rule.get("re"):
            rule["fromt"] = "re"
        if t == "set" and not rule.get("tot"):
            to = rule.get("to")
            if not isinstance(to, str):
                raise ConfigError(self._field(index, "to"), "must be a string")
            if to.startswith("msg."):
                rule["to"] = to[4:]
                rule["tot"] = "msg"
        if not rule.get("tot"):
            rule["tot"] = "str"
        if not rule.get("fromt"):
            rule["fromt"] = "str"
        if rule["pt"] not in _SCOPES:
            raise ConfigError(
                self._field(index, "pt"),
                f"unsupported property type {js_string(rule['pt'])!r} (expected msg, flow or "
                "global; Node-RED never finishes such a rule and drops every message)",
            )
        if t == "move":
            self._compile_move(rule, index)
            return
        self._steps.append(self._compile_basic(rule, index))

    def _compile_move(self, rule: dict[str, Any], index: int | None) -> None:
        p, pt, to, tot = rule.get("p"), rule["pt"], rule.get("to"), rule["tot"]
        if tot not in _SCOPES:
            raise ConfigError(
                self._field(index, "tot"),
                f"a move target must be msg, flow or global, not {js_string(tot)!r} (Node-RED "
                "drops every message for such a rule; re-save the node in the editor)",
            )
        self._check_property(p, pt, index, "p")
        self._check_property(to, tot, index, "to")
        assert isinstance(p, str) and isinstance(to, str)
        # Node-RED moves in two steps (set target, delete source) unless source and
        # target share a scope and the source does not contain the target's text;
        # then it goes through a temporary msg/context property "_temp_move".
        if tot != pt or (to in p and p != to):
            sub_rules = [
                {"t": "set", "p": to, "pt": tot, "to": p, "tot": pt},
                {"t": "delete", "p": p, "pt": pt},
            ]
        else:
            sub_rules = [
                {"t": "set", "p": "_temp_move", "pt": tot, "to": p, "tot": pt},
                {"t": "delete", "p": p, "pt": pt},
                {"t": "set", "p": to, "pt": tot, "to": "_temp_move", "tot": pt},
                {"t": "delete", "p": "_temp_move", "pt": pt},
            ]
        for sub in sub_rules:
            self._steps.append(self._compile_basic(sub, index))

    def _check_property(self, expr: Any, scope: str, index: int | None, name: str) -> None:
        field = self._field(index, name)
        if not isinstance(expr, str):
            raise ConfigError(field, "must be a string property expression")
        if scope == "msg":
            text = expr[4:] if expr.startswith("msg.") else expr
        else:
            _, text = resolve_context_key(expr, None)
        try:
            compile_property(text)
        except PropertyExpressionError as e:
            raise ConfigError(field, str(e)) from None

    def _compile_basic(self, rule: dict[str, Any], index: int | None) -> Step:
        """One set/change/delete rule as a step function."""
        t = rule["t"]
        pt = rule["pt"]
        self._check_property(rule.get("p"), pt, index, "p")
        p: str = rule["p"]
        if t == "delete":
            return self._delete_step(p, pt)
        tot = rule["tot"]
        if tot not in _TO_TYPES:
            raise ConfigError(
                self._field(index, "tot"),
                f"unsupported value type {js_string(tot)!r} (expected one of "
                f"{', '.join(_TO_TYPES)})",
            )
        constant, getter = self._value_source(rule, index)
        if rule.get("dc"):
            getter = _copying(getter, constant)
        if t == "set":
            return self._set_step(p, pt, constant, getter)
        return self._change_step(rule, index, p, pt, constant, getter)

    def _value_source(self, rule: dict[str, Any], index: int | None) -> tuple[Any, Getter | None]:
        """The rule's ``to`` value: a constant, or a getter run per message."""
        tot, to = rule["tot"], rule.get("to", UNDEFINED)
        field = self._field(index, "to")
        if tot == "msg":
            self._check_property(to, "msg", index, "to")
            path = compile_property(to[4:] if to.startswith("msg.") else to)
            return None, path.get
        if tot in ("flow", "global"):
            self._check_property(to, tot, index, "to")
            return None, self._context_getter(tot, to)
        if tot == "num":
            return to_number(to), None
        if tot == "bool":
            return bool(_TRUE_RE.match(js_string(to))), None
        if tot == "json":
            try:
                parsed = parse_json(to)
            except JSError as e:
                raise ConfigError(field, f"Invalid 'to' JSON property: {e.message}") from None
            if isinstance(parsed, dict | list):
                text = to if isinstance(to, str) else js_string(to)
                return None, lambda _msg: parse_json(text)  # a fresh object per message
            return parsed, None
        if tot == "bin":
            return _buffer_from_json(to, field), None
        if tot == "date":
            return None, lambda _msg: format_date(to)
        if tot == "jsonata":
            try:
                expr = JSONataExpression(to, self)
            except JSError as e:
                raise ConfigError(field, f"Invalid JSONata expression: {e.message}") from None

            def evaluate(msg: Message) -> Any:
                try:
                    return expr.evaluate(msg)
                except JSError as e:
                    raise _Drop(f"Invalid JSONata expression: {e.message}") from None

            return None, evaluate
        if tot == "env":
            return evaluate_env_property(js_string(to), self.get_env), None
        return to, None  # str: the raw value, as Node-RED uses it

    def _context_getter(self, scope: str, key: str) -> Getter:
        ctx = self._context_of(scope)
        store, plain_key = resolve_context_key(key, None)
        if "[msg" not in plain_key:
            return lambda _msg: ctx.get(plain_key, store)

        def read(msg: Message) -> Any:
            msg_store, msg_key = resolve_context_key(key, msg)
            return ctx.get(msg_key, msg_store)

        return read

    def _context_of(self, scope: str) -> Context:
        return self.flow_context if scope == "flow" else self.global_context

    # ---- steps ---------------------------------------------------------------------

    def _delete_step(self, p: str, pt: str) -> Step:
        if pt == "msg":
            path = compile_property(p[4:] if p.startswith("msg.") else p)
            key = path.first

            def delete(msg: Message) -> None:
                if key is not None:
                    msg.pop(key, None)
                else:
                    path.set(msg, UNDEFINED)

            return delete
        return self._context_setter(pt, p, UNDEFINED, None)

    def _context_setter(self, scope: str, p: str, constant: Any, getter: Getter | None) -> Step:
        ctx = self._context_of(scope)

        def set_context(msg: Message) -> None:
            value = getter(msg) if getter is not None else constant
            store, key = resolve_context_key(p, msg)
            ctx.set(key, value, store)

        return set_context

    def _set_step(self, p: str, pt: str, constant: Any, getter: Getter | None) -> Step:
        if pt != "msg":
            return self._context_setter(pt, p, constant, getter)
        path = compile_property(p[4:] if p.startswith("msg.") else p)
        key = path.first
        if getter is None and key is not None and constant is not UNDEFINED:

            def set_constant(msg: Message) -> None:
                msg[key] = constant

            set_constant.constant_item = (key, constant)  # type: ignore[attr-defined]
            return set_constant

        warn = self.warn
        warning = f"Cannot set property of non-object type: {p}"

        def set_value(msg: Message) -> None:
            value = getter(msg) if getter is not None else constant
            if not _set_quietly(path, msg, value):
                warn(warning)

        return set_value

    def _change_step(
        self,
        rule: dict[str, Any],
        index: int | None,
        p: str,
        pt: str,
        constant: Any,
        getter: Getter | None,
    ) -> Step:
        fromt = rule["fromt"]
        source = rule.get("from", UNDEFINED)
        field = self._field(index, "from")
        if fromt not in _FROM_TYPES:
            raise ConfigError(
                self._field(index, "fromt"),
                f"unsupported search type {js_string(fromt)!r} (expected one of "
                f"{', '.join(_FROM_TYPES)})",
            )
        from_getter: Callable[[Message], _From]
        if fromt in _SCOPES:
            self._check_property(source, fromt, index, "from")
            from_getter = self._dynamic_from_getter(fromt, source)
        else:
            if not isinstance(source, str):
                raise ConfigError(field, "must be a string")
            if fromt == "re":
                try:
                    fixed = _From("re", source, js_regex(source, "g"))
                except JSError as e:
                    raise ConfigError(field, f"Invalid 'from' property: {e.message}") from None
            else:
                # Every other type (env included: the name itself) is searched as text.
                fixed = _literal_from(source, fromt)
            from_getter = lambda _msg: fixed  # noqa: E731
        to_bool = rule["tot"] == "bool"
        if pt == "msg":
            path = compile_property(p[4:] if p.startswith("msg.") else p)

            def change_msg(msg: Message) -> None:
                value = getter(msg) if getter is not None else constant
                found = from_getter(msg)
                try:
                    current = path.get(msg)
                    replaced = _changed(current, found, value, to_bool)
                    if replaced is not _UNCHANGED:
                        path.set(msg, replaced)
                except Exception:  # Node-RED ignores errors here
                    return

            return change_msg

        ctx = self._context_of(pt)

        def change_context(msg: Message) -> None:
            value = getter(msg) if getter is not None else constant
            found = from_getter(msg)
            store, key = resolve_context_key(p, msg)
            current = ctx.get(key, store)
            replaced = _changed(current, found, value, False)
            if replaced is _UNCHANGED:
                # Node-RED's context callback is never called: the message vanishes.
                raise _Drop()
            ctx.set(key, replaced, store)

        return change_context

    def _dynamic_from_getter(self, scope: str, source: str) -> Callable[[Message], _From]:
        if scope == "msg":
            path = compile_property(source[4:] if source.startswith("msg.") else source)
            return lambda msg: _dynamic_from(path.get(msg), self, msg)
        ctx = self._context_of(scope)

        def read(msg: Message) -> _From:
            store, key = resolve_context_key(source, None)
            if "[msg." in key:
                key = compile_property(key).to_string(msg)
            return _dynamic_from(ctx.get(key, store), self, msg)

        return read

    # ---- messages ------------------------------------------------------------------

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        try:
            self._apply(msg)
        except _Drop as drop:
            if drop.error is not None:
                done(drop.error)
            else:
                send.drop()
            return
        except Exception:  # a single rule that throws is skipped
            pass
        send(msg)
        done()


_UNCHANGED = object()


def _changed(current: Any, found: _From, value: Any, to_bool: bool) -> Any:
    """The new value of a property a ``change`` rule applies to, or ``_UNCHANGED``."""
    kind = found.kind
    if type(current) is str:
        if (kind == "str" or kind == "num" or kind == "bool") and current == found.value:
            return value  # the whole text matched: take the value with its type
        result = found.replace(current, value)
        if to_bool and result == js_string(value):
            return value
        return result
    if isinstance(current, int | float) and not isinstance(current, bool):
        if kind == "num" and current == to_number(found.value):
            return value
        return _UNCHANGED
    if isinstance(current, bool) and kind == "bool" and js_string(current) == found.value:
        return value
    return _UNCHANGED


def _set_quietly(path: PropertyPath, msg: Message, value: Any) -> bool:
    """``setMessageProperty``; an exception (bad cross-reference ...) counts as done."""
    try:
        return path.set(msg, value)
    except Exception:  # Node-RED swallows these
        return True


def _deep_copy(value: Any) -> Any:
    return clone_message(value) if type(value) is dict else clone_value(value)


def _copying(getter: Getter | None, constant: Any) -> Getter:
    """The ``dc`` option: a deep copy of the value, made per message."""
    if getter is None:
        return lambda _msg: _deep_copy(constant)
    inner = getter
    return lambda msg: _deep_copy(inner(msg))


def _buffer_from_json(to: Any, field: str) -> bytes:
    """``Buffer.from(JSON.parse(to))`` as the change node does it (no type check first)."""
    try:
        data = parse_json(to)
    except JSError as e:
        raise ConfigError(field, f"Invalid 'to' JSON property: {e.message}") from None
    if (
        isinstance(data, dict)
        and data.get("type") == "Buffer"
        and isinstance(data.get("data"), list)
    ):
        data = data["data"]
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, list):
        out = bytearray()
        for item in data:
            n = to_number(item)
            out.append(0 if n != n or n in (float("inf"), float("-inf")) else int(n) & 0xFF)
        return bytes(out)
    raise ConfigError(
        field,
        "Buffer data must be a JSON array of bytes or a string (Node-RED skips this rule)",
    )
