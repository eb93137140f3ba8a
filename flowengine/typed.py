"""Typed inputs (``RED.util.evaluateNodeProperty``) and JSONata.

Every node property that comes as a value/type pair (``to``/``tot``,
``v``/``vt`` ...) is evaluated here, so nodes agree with each other and with
Node-RED.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .context import parse_context_key
from .envvars import evaluate_env_property
from .errors import JSError
from .jsvalues import UNDEFINED, js_string, to_number
from .props import get_message_property, normalise_property_expression

if TYPE_CHECKING:
    from .node import Node

__all__ = [
    "JSONataExpression",
    "evaluate_node_property",
    "evaluate_static",
    "format_date",
    "js_regex",
    "parse_bin",
]

_TRUE_RE = re.compile(r"^true$", re.IGNORECASE)


def parse_bin(value: Any) -> bytes:
    """``Buffer.from(JSON.parse(value))``: a byte array or a string."""
    data = json.loads(value) if isinstance(value, str) else value
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, list) and all(isinstance(b, int | float) for b in data):
        return bytes(int(b) & 0xFF for b in data)
    raise JSError(f"Invalid buffer value: {js_string(value)}")


def js_regex(pattern: str, flags: str = "") -> re.Pattern[str]:
    """Compile a JavaScript regular expression source with Python's ``re``."""
    py_flags = 0
    if "i" in flags:
        py_flags |= re.IGNORECASE
    if "m" in flags:
        py_flags |= re.MULTILINE
    if "s" in flags:
        py_flags |= re.DOTALL
    # Named groups (?<name>...) are (?P<name>...) in Python; \d etc. behave alike.
    source = re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", pattern)
    source = source.replace("\\/", "/")
    return re.compile(source, py_flags)


def format_date(fmt: str, now_ms: float | None = None) -> Any:
    """``date``-typed value: ms timestamp, ``iso``, ``object`` or a moment format."""
    ms = now_ms if now_ms is not None else time.time() * 1000
    if fmt == "" or fmt is None:
        return int(ms)
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    if fmt == "iso":
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ms) % 1000:03d}Z"
    if fmt == "object":
        return dt
    return _moment_format(fmt, datetime.fromtimestamp(ms / 1000).astimezone())


_MOMENT_TOKENS = re.compile(
    r"\[[^\]]*\]|YYYY|YY|MMMM|MMM|MM|M|DDDD|DD|D|dddd|ddd|dd|d|HH|H|hh|h|mm|m|ss|s|SSS|SS|S|A|a|ZZ|Z|X|x|Do"
)


def _moment_format(fmt: str, dt: datetime) -> str:
    def tok(m: re.Match[str]) -> str:
        t = m.group(0)
        if t.startswith("["):
            return t[1:-1]
        ms = dt.microsecond // 1000
        offset = dt.utcoffset()
        off_min = int(offset.total_seconds() // 60) if offset else 0
        sign = "+" if off_min >= 0 else "-"
        oh, om = divmod(abs(off_min), 60)
        h12 = dt.hour % 12 or 12
        table: dict[str, Callable[[], str]] = {
            "YYYY": lambda: f"{dt.year:04d}",
            "YY": lambda: f"{dt.year % 100:02d}",
            "MMMM": lambda: dt.strftime("%B"),
            "MMM": lambda: dt.strftime("%b"),
            "MM": lambda: f"{dt.month:02d}",
            "M": lambda: str(dt.month),
            "DDDD": lambda: f"{dt.timetuple().tm_yday:03d}",
            "DD": lambda: f"{dt.day:02d}",
            "D": lambda: str(dt.day),
            "Do": lambda: f"{dt.day}{_ordinal(dt.day)}",
            "dddd": lambda: dt.strftime("%A"),
            "ddd": lambda: dt.strftime("%a"),
            "dd": lambda: dt.strftime("%a")[:2],
            "d": lambda: str((dt.weekday() + 1) % 7),
            "HH": lambda: f"{dt.hour:02d}",
            "H": lambda: str(dt.hour),
            "hh": lambda: f"{h12:02d}",
            "h": lambda: str(h12),
            "mm": lambda: f"{dt.minute:02d}",
            "m": lambda: str(dt.minute),
            "ss": lambda: f"{dt.second:02d}",
            "s": lambda: str(dt.second),
            "SSS": lambda: f"{ms:03d}",
            "SS": lambda: f"{ms // 10:02d}",
            "S": lambda: str(ms // 100),
            "A": lambda: "AM" if dt.hour < 12 else "PM",
            "a": lambda: "am" if dt.hour < 12 else "pm",
            "ZZ": lambda: f"{sign}{oh:02d}{om:02d}",
            "Z": lambda: f"{sign}{oh:02d}:{om:02d}",
            "X": lambda: str(int(dt.timestamp())),
            "x": lambda: str(int(dt.timestamp() * 1000)),
        }
        return table[t]()

    return _MOMENT_TOKENS.sub(tok, fmt)


def _ordinal(n: int) -> str:
    if 11 <= n % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def evaluate_static(value: Any, vtype: str | None, env_lookup: Callable[[str], Any]) -> Any:
    """Types whose value does not depend on a message (used for env entries too)."""
    if vtype in (None, "", "str"):
        return "" if value is None else js_string(value)
    if vtype == "num":
        return to_number(value)
    if vtype == "bool":
        return bool(_TRUE_RE.match(js_string(value)))
    if vtype == "json":
        try:
            return json.loads(value)
        except (TypeError, ValueError) as e:
            raise JSError(str(e), "SyntaxError") from None
    if vtype == "bin":
        return parse_bin(value)
    if vtype == "re":
        return js_regex(value)
    if vtype == "date":
        return format_date(value or "")
    if vtype == "env":
        return evaluate_env_property(value, env_lookup)
    if vtype == "jsonata":
        return JSONataExpression(value, None).evaluate({}, env_lookup=env_lookup)
    return value


def evaluate_node_property(
    value: Any, vtype: str | None, node: Node | None, msg: dict[str, Any] | None
) -> Any:
    """``RED.util.evaluateNodeProperty``: typed value for ``node`` and ``msg``."""
    if vtype == "msg":
        if msg is None:
            return UNDEFINED
        return get_message_property(msg, value)
    if vtype in ("flow", "global", "node"):
        if node is None:
            return UNDEFINED
        return get_context_value(node, vtype, value, msg)
    if vtype == "env":
        lookup = node.get_env if node is not None else _process_env
        return evaluate_env_property(value, lookup)
    if vtype == "jsonata":
        return JSONataExpression(value, node).evaluate(msg or {})
    lookup = node.get_env if node is not None else _process_env
    return evaluate_static(value, vtype, lookup)


def _process_env(name: str) -> Any:
    import os

    return os.environ.get(name, UNDEFINED)


def get_context_value(node: Node, scope: str, key: str, msg: dict[str, Any] | None) -> Any:
    store, key = parse_context_key(key)
    if msg is not None and "[msg." in key:
        key = _resolve_key(key, msg)
    ctx = (
        node.flow_context
        if scope == "flow"
        else node.global_context
        if scope == "global"
        else node.context()
    )
    return ctx.get(key, store)


def _resolve_key(key: str, msg: dict[str, Any]) -> str:
    parts = normalise_property_expression(key, msg)
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif out:
            out += f'["{p}"]' if not re.fullmatch(r"[A-Za-z_$][\w$]*", p) else f".{p}"
        else:
            out = p
    return out


_LEGACY_MSG = re.compile(r"(^|[^a-zA-Z0-9_'\".])msg([^a-zA-Z0-9_'\"]|$)")


class JSONataExpression:
    """A compiled JSONata expression with Node-RED's extra functions bound."""

    _compiled_cache: dict[str, Any] = {}

    def __init__(self, source: str, node: Node | None) -> None:
        import jsonata

        self.source = source
        self.node = node
        self.legacy = bool(_LEGACY_MSG.search(source))
        try:
            self._expr = jsonata.Jsonata(source)
        except Exception as e:  # the library raises its own JException
            raise JSError(_jsonata_message(e)) from None

    def evaluate(
        self, msg: dict[str, Any], env_lookup: Callable[[str], Any] | None = None
    ) -> Any:
        node = self.node
        expr = self._expr
        lookup = env_lookup or (node.get_env if node is not None else _process_env)

        def env(name: str) -> Any:
            v = lookup(name)
            return "" if v is UNDEFINED else v

        expr.register_lambda("env", env)
        if node is not None:
            expr.register_lambda("flowContext", lambda k, s=None: _none(node.flow_context.get(k, s)))
            expr.register_lambda(
                "globalContext", lambda k, s=None: _none(node.global_context.get(k, s))
            )
        expr.register_lambda("clone", lambda v: json.loads(json.dumps(v)))
        data = {"msg": msg} if self.legacy else msg
        try:
            result = expr.evaluate(data)
        except Exception as e:
            raise JSError(_jsonata_message(e)) from None
        return UNDEFINED if result is None and not _returns_null(self.source) else result


def _none(v: Any) -> Any:
    return None if v is UNDEFINED else v


def _returns_null(source: str) -> bool:
    return source.strip() == "null"


def _jsonata_message(e: Exception) -> str:
    return str(getattr(e, "message", None) or e)
