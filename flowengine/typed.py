"""Typed inputs (``RED.util.evaluateNodeProperty``) and JSONata.

Every node property that comes as a value/type pair (``to``/``tot``,
``v``/``vt`` ...) is evaluated here, so nodes agree with each other and with
Node-RED 5.0.7; JSONata expressions get Node-RED's extra functions
(:class:`JSONataExpression`). JavaScript regexes (:mod:`flowengine.jsregex`)
and moment.js (:mod:`flowengine.moment`) are re-exported for node modules.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .context import parse_context_key
from .envvars import evaluate_env_property
from .errors import JSError
from .jsregex import js_regex, js_regex_replace
from .jsvalues import (
    UNDEFINED,
    js_json_dumps,
    js_string,
    to_number,
)
from .message import clone_value
from .moment import Moment, format_date, moment_factory, moment_format
from .props import PropertyExpressionError, compile_property, get_message_property

if TYPE_CHECKING:
    from .node import Node

__all__ = [
    "JSONataExpression",
    "Moment",
    "PropertyExpressionError",
    "evaluate_node_property",
    "evaluate_static",
    "format_date",
    "get_context_value",
    "js_regex",
    "js_regex_replace",
    "moment_format",
    "parse_bin",
    "parse_json",
    "resolve_context_key",
]

_TRUE_RE = re.compile(r"^true$", re.IGNORECASE)


def parse_json(value: Any) -> Any:
    """``JSON.parse(value)``; raises :class:`JSError` with V8's ``SyntaxError`` text."""
    from .util.jsjson import js_json_loads as v8_json_loads

    return v8_json_loads(value)


def _to_uint8(value: Any) -> int:
    n = to_number(value)
    if n != n or n in (math.inf, -math.inf):
        return 0
    return int(n) & 0xFF  # int() truncates toward zero, as ToUint8 does


def parse_bin(value: Any) -> bytes:
    """``bin`` typed value: ``Buffer.from(JSON.parse(value))`` of a byte array or a string."""
    data = parse_json(value) if isinstance(value, str) else value
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, list):
        return bytes(_to_uint8(b) for b in data)
    raise JSError("Not string or array", code="INVALID_BUFFER_DATA")


# ---- typed values ------------------------------------------------------------------


def evaluate_static(value: Any, vtype: str | None, env_lookup: Callable[[str], Any]) -> Any:
    """Types whose value does not depend on a message (used for env entries too)."""
    if vtype in (None, "", "str"):
        return js_string(value)
    if vtype == "num":
        return to_number(value)
    if vtype == "bool":
        return bool(_TRUE_RE.match(js_string(value)))
    if vtype == "json":
        return parse_json(value)
    if vtype == "bin":
        return parse_bin(value)
    if vtype == "re":
        return js_regex(value)
    if vtype == "date":
        return format_date(value)
    if vtype == "env":
        return evaluate_env_property(value, env_lookup)
    if vtype == "jsonata":
        return JSONataExpression(value, None, env_lookup).evaluate({})
    return value


def evaluate_node_property(
    value: Any, vtype: str | None, node: Node | None, msg: dict[str, Any] | None
) -> Any:
    """``RED.util.evaluateNodeProperty``: typed value for ``node`` and ``msg``.

    Raises what Node-RED would throw (a missing parent in a ``msg`` path is a
    ``TypeError``; invalid JSON a ``SyntaxError`` :class:`JSError` ...).
    """
    if vtype == "msg":
        if msg is None:
            return value
        return get_message_property(msg, value)
    if vtype in ("flow", "global"):
        if node is None:
            return value
        return get_context_value(node, vtype, value, msg)
    if vtype == "env":
        return evaluate_env_property(value, node.get_env if node is not None else _process_env)
    if vtype == "jsonata":
        return JSONataExpression(value, node).evaluate(msg if msg is not None else {})
    lookup = node.get_env if node is not None else _process_env
    return evaluate_static(value, vtype, lookup)


def _process_env(name: str) -> Any:
    value = os.environ.get(name)
    return UNDEFINED if value is None else value


def resolve_context_key(key: str, msg: dict[str, Any] | None) -> tuple[str | None, str]:
    """``#:(store)::key`` split, with ``[msg.x]`` references resolved (Node-RED's text form)."""
    store, key = parse_context_key(key)
    if msg is not None and "[msg" in key:
        key = compile_property(key).to_string(msg)
    return store, key


def get_context_value(node: Node, scope: str, key: str, msg: dict[str, Any] | None) -> Any:
    """A ``flow``/``global`` typed value; raises PropertyExpressionError for a bad reference."""
    store, key = resolve_context_key(key, msg)
    ctx = node.flow_context if scope == "flow" else node.global_context
    return ctx.get(key, store)


# ---- JSONata -----------------------------------------------------------------------

_LEGACY_MSG = re.compile(r"(^|[^a-zA-Z0-9_'\".])msg([^a-zA-Z0-9_'\"]|(?![\s\S]))")


class JSONataExpression:
    """A compiled JSONata expression with Node-RED's extra functions bound.

    ``$flowContext``, ``$globalContext``, ``$env``, ``$moment`` and ``$clone``
    are available; an expression mentioning a bare ``msg`` is evaluated against
    ``{"msg": msg}`` (Node-RED's legacy mode). Compile once, evaluate per message.
    """

    def __init__(
        self,
        source: str,
        node: Node | None,
        env_lookup: Callable[[str], Any] | None = None,
    ) -> None:
        import jsonata

        self.source = source
        self.node = node
        self.legacy = bool(_LEGACY_MSG.search(source)) if isinstance(source, str) else False
        try:
            expr = jsonata.Jsonata(source)
        except Exception as e:  # the library raises its own JException
            raise JSError(_jsonata_message(e), code=_jsonata_code(e)) from None
        expr.set_output_convert_nulls(False)  # keep JSONata null apart from undefined
        expr.set_validate_input(False)  # messages may hold bytes (Buffers)
        self._expr = expr
        self._lookup = env_lookup or (node.get_env if node is not None else _process_env)
        self._bind_functions()

    def _bind_functions(self) -> None:
        expr = self._expr
        node = self.node

        def env(name: Any) -> Any:
            value = self._lookup(js_string(name))
            return "" if value is UNDEFINED else _to_jsonata(value)

        expr.register_lambda("env", env)

        def flow_context(key: Any, store: Any = None) -> Any:
            if node is None:
                return ""
            return _to_jsonata(node.flow_context.get(js_string(key), _opt_str(store)))

        def global_context(key: Any, store: Any = None) -> Any:
            if node is None:
                return ""
            return _to_jsonata(node.global_context.get(js_string(key), _opt_str(store)))

        expr.register_lambda("flowContext", flow_context)
        expr.register_lambda("globalContext", global_context)
        expr.register_lambda("clone", lambda value=None: clone_value(value))
        expr.register_lambda("moment", moment_factory)
        expr.register_lambda("number", _jsonata_number)

    def assign(self, name: str, value: Any) -> None:
        """Bind ``$name`` for later evaluations (the switch node's ``$I``/``$N``)."""
        self._expr.assign(name, _to_jsonata(value))

    def evaluate(
        self,
        msg: Any,
        env_lookup: Callable[[str], Any] | None = None,
        bindings: dict[str, Any] | None = None,
    ) -> Any:
        """Evaluate against ``msg``: ``UNDEFINED`` for no result, None for JSONata null.

        Raises :class:`JSError` with the JSONata message (e.g. ``D3030``'s text).
        """
        if env_lookup is not None:
            previous = self._lookup
            self._lookup = env_lookup
            try:
                return self.evaluate(msg, None, bindings)
            finally:
                self._lookup = previous
        data = {"msg": msg} if self.legacy else msg
        try:
            if bindings:
                result = self._expr.evaluate(data, {k: _to_jsonata(v) for k, v in bindings.items()})
            else:
                result = self._expr.evaluate(data)
        except JSError:
            raise
        except RecursionError:
            raise JSError("Stack overflow error: Check for non-terminating recursive function.")
        except Exception as e:
            raise JSError(_jsonata_message(e), code=_jsonata_code(e)) from None
        return _from_jsonata(result)


_JSONATA_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?([Ee][-+]?\d+)?$")


def _jsonata_number(value: Any = None) -> Any:
    """JSONata's ``$number()`` (the library's raises a Python error for bad strings)."""
    from jsonata.jexception import JException

    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, str):
        text = value
        if _JSONATA_NUMBER.match(text):
            n = float(text)
            return int(n) if n.is_integer() and abs(n) <= 2**53 else n
        if re.match(r"^0[xX][0-9a-fA-F]+$|^0[oO][0-7]+$|^0[bB][01]+$", text):
            return int(text, 0)
    raise JException("D3030", -1, value)


def _opt_str(value: Any) -> str | None:
    return None if value is None or value is UNDEFINED else js_string(value)


def _to_jsonata(value: Any) -> Any:
    """A context/env value as JSONata sees it: undefined → None, null → JSONata null."""
    from jsonata.utils import Utils

    if value is UNDEFINED:
        return None
    if value is None:
        return Utils.NULL_VALUE
    return value


def _from_jsonata(value: Any) -> Any:
    """A JSONata result as message data: plain lists, None for null, UNDEFINED for nothing."""
    from jsonata.utils import Utils

    if value is None:
        return UNDEFINED
    t = type(value)
    if t is str or t is int or t is float or t is bool:
        return value
    return _plain(value, Utils.NULL_VALUE)


def _plain(value: Any, null: Any) -> Any:
    """Replace JSONata nulls, sequences and moments inside a result (in place where possible)."""
    if value is null:
        return None
    if isinstance(value, Moment):
        return value.to_datetime()
    if isinstance(value, dict):
        for k, v in value.items():
            if v is null or isinstance(v, list | dict):
                new = _plain(v, null)
                if new is not v:
                    value[k] = new
        return value
    if isinstance(value, list):
        items = [_plain(v, null) if v is null or isinstance(v, list | dict) else v for v in value]
        if type(value) is not list:
            return items  # a JSONata sequence becomes a plain list
        if any(a is not b for a, b in zip(items, value, strict=True)):
            value[:] = items
        return value
    return value


_PLACEHOLDER = re.compile(r"\{\{\{?\w+\}?\}\}")


def _jsonata_message(e: Exception) -> str:
    """The error text as jsonata-js writes it: ``{{value}}`` parts JSON-stringified."""
    from jsonata.jexception import JException
    from jsonata.utils import Utils

    if not isinstance(e, JException):
        return str(getattr(e, "message", None) or e)
    template = JException.error_codes.get(e.error)
    if not template or template == "{{{message}}}":
        return str(e)
    args = [e.current, e.expected] + ([e.extra] if e.extra is not None else [])
    values = iter(args)

    def fill(m: re.Match[str]) -> str:
        value = next(values, None)
        if m.group(0).startswith("{{{"):
            return js_string(value)
        if value is None:
            return "undefined"
        if value is Utils.NULL_VALUE:
            return "null"
        try:
            return js_json_dumps(value)
        except (TypeError, ValueError):
            return js_string(value)

    try:
        return _PLACEHOLDER.sub(fill, template)
    except Exception:  # never let message formatting hide the error itself
        return str(e)


def _jsonata_code(e: Exception) -> str | None:
    code = getattr(e, "error", None)
    return code if isinstance(code, str) else None
