"""``inject``: emits messages by hand, once at start, on an interval or a cron schedule.

Node-RED 5.0.7 behaviour (``20-inject.js``): the ``props`` list is evaluated in
order onto the message (``{}`` for timer shots, the received message for a
``node.receive``, e.g. from ``POST /inject/:id``); evaluation errors are joined
with ``"; "`` into ``done(err)``. ``repeat`` (seconds) wins over ``crontab``;
``once`` fires after ``onceDelay`` seconds (``0`` → 0.1 s) and then starts the
repeater. Crontabs use cronosjs syntax, which ``croniter`` agrees with for every
form the editor writes; the few forms where they differ are refused at load.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from typing import Any

from croniter import croniter

from flowengine import Node
from flowengine.errors import ConfigError, JSError
from flowengine.flow import error_text
from flowengine.jsvalues import UNDEFINED, js_string, to_number
from flowengine.message import Message, generate_id
from flowengine.node import Delivery, Done
from flowengine.props import (
    PropertyExpressionError,
    normalise_property_expression,
    set_message_property,
)
from flowengine.typed import JSONataExpression, parse_bin

__all__ = ["CronSchedule", "InjectNode"]

#: The editor's typed-input choices for a property, plus legacy spellings the
#: runtime passes through unchanged (``string``/``none`` from pre-2.1 flows).
_VALUE_TYPES = frozenset(
    {"flow", "global", "str", "num", "bool", "json", "bin", "date", "jsonata", "env", "msg", "re"}
)
_LEGACY_RAW_TYPES = frozenset({"string", "none"})
_MAX_REPEAT_SECONDS = 2147483

# cronosjs' predefined schedules, as 7-field expressions (second ... year).
_PREDEFINED = {
    "@yearly": "0 0 0 1 1 * *",
    "@annually": "0 0 0 1 1 * *",
    "@monthly": "0 0 0 1 * * *",
    "@weekly": "0 0 0 * * 0 *",
    "@daily": "0 0 0 * * * *",
    "@midnight": "0 0 0 * * * *",
    "@hourly": "0 0 * * * * *",
}
_DOM_RANGE = re.compile(r"^(\d+)-(\d+)(/\d+)?$")
_DOW_ZERO_TO_SEVEN = re.compile(r"^0-7(/\d+)?$")


class CronSchedule:
    """A cronosjs-style crontab: 5 fields, or 6/7 with seconds first (and year last)."""

    def __init__(self, expression: str) -> None:
        self.expression = expression
        text = expression.strip().lower()
        text = _PREDEFINED.get(text, text)
        fields = text.split()
        if not 5 <= len(fields) <= 7:
            raise ValueError("Expression must have at least 5 fields, and no more than 7 fields")
        if len(fields) == 5:
            fields.insert(0, "0")  # cronosjs: second 0
        self._check_cronos_differences(fields)
        self.fields = " ".join(fields)
        try:
            croniter(self.fields, datetime(2000, 1, 1), second_at_beginning=True)
        except Exception as e:
            raise ValueError(str(e)) from None

    @staticmethod
    def _check_cronos_differences(fields: list[str]) -> None:
        """Refuse the forms croniter would read differently from cronosjs."""
        for item in fields[3].split(","):
            m = _DOM_RANGE.match(item)
            if m and int(m.group(1)) > int(m.group(2)):
                raise ValueError(f"day-of-month range '{item}' runs backwards")
        for item in fields[5].split(","):
            if _DOW_ZERO_TO_SEVEN.match(item):
                raise ValueError(f"day-of-week range '{item}' is ambiguous (cronosjs reads 0-0)")

    def next_after(self, timestamp: float) -> float:
        """Epoch seconds of the first scheduled time strictly after ``timestamp`` (local time)."""
        start = datetime.fromtimestamp(timestamp)
        it = croniter(self.fields, start, second_at_beginning=True)
        # A naive local datetime; .timestamp() interprets it in local time (DST aware).
        return float(it.get_next(datetime).timestamp())


class InjectNode(Node):
    type = "inject"
    category = "common"
    # Inject has no input port in the editor: the runtime treats it as a source
    # (stop_source cancels its timers); receive() still works for the admin route.
    has_input = False

    def setup(self) -> None:
        cfg = self.config
        props = cfg.get("props")
        if props is None:
            # Legacy form: payload/payloadType and topic.
            props = [
                {"p": "payload", "v": cfg.get("payload", UNDEFINED), "vt": cfg.get("payloadType")},
                {"p": "topic", "v": cfg.get("topic", UNDEFINED), "vt": "str"},
            ]
        elif isinstance(props, list):
            props = [self._fill_legacy(entry) for entry in props]
        else:
            raise ConfigError("props", "must be a list of {p, v, vt} entries")
        self.props: list[dict[str, Any]] = props
        self._jsonata_cache: dict[str, JSONataExpression] = {}
        for index, entry in enumerate(props):
            self._validate_prop(entry, f"props[{index}]")
        self.repeat_seconds = self._parse_repeat(cfg.get("repeat"))
        self.cron: CronSchedule | None = None
        crontab = cfg.get("crontab")
        if crontab not in (None, "") and self.repeat_seconds is None:
            if not isinstance(crontab, str):
                raise ConfigError("crontab", f"must be a string, not {crontab!r}")
            try:
                self.cron = CronSchedule(crontab)
            except ValueError as e:
                raise ConfigError("crontab", f"invalid crontab {crontab!r}: {e}") from None
        once = cfg.get("once")
        if once is not None and not isinstance(once, bool):
            raise ConfigError("once", f"must be true or false, not {once!r}")
        self.once = bool(once)
        self.once_delay = self._parse_once_delay(cfg.get("onceDelay"))

    # ---- setup helpers -------------------------------------------------------
    def _fill_legacy(self, entry: Any) -> Any:
        """A ``payload`` (or ``topic`` with ``vt: "str"``) entry without ``v``: legacy fields."""
        if not isinstance(entry, dict):
            return entry
        if entry.get("p") == "payload" and "v" not in entry:
            entry = dict(entry)
            entry["v"] = self.config.get("payload", UNDEFINED)
            entry["vt"] = self.config.get("payloadType")
        elif entry.get("p") == "topic" and entry.get("vt") == "str" and "v" not in entry:
            entry = dict(entry)
            entry["v"] = self.config.get("topic", UNDEFINED)
        return entry

    def _validate_prop(self, entry: Any, field: str) -> None:
        if not isinstance(entry, dict):
            raise ConfigError(field, "must be an object {p, v, vt}")
        prop = entry.get("p")
        if prop in (None, ""):
            return  # Node-RED skips entries without a property name
        if not isinstance(prop, str):
            raise ConfigError(field, f"property name must be a string, not {prop!r}")
        try:
            normalise_property_expression(prop)
        except PropertyExpressionError as e:
            raise ConfigError(field, f"msg.{prop}: {e}") from None
        vtype = entry.get("vt")
        value = entry.get("v", UNDEFINED)
        if vtype in (None, "") or vtype in _LEGACY_RAW_TYPES:
            return
        if vtype not in _VALUE_TYPES:
            raise ConfigError(field, f"msg.{prop}: unsupported value type {vtype!r}")
        text = "" if value is UNDEFINED or value is None else value
        try:
            if vtype == "json":
                json.loads(text)
            elif vtype == "bin":
                parse_bin(text)
            elif vtype == "jsonata" and text:
                self._jsonata(js_string(text))
            elif vtype == "msg" and isinstance(text, str):
                normalise_property_expression(text)
        except (ValueError, TypeError, JSError, PropertyExpressionError) as e:
            kind = {"json": "invalid JSON data", "jsonata": "invalid JSONata expression"}.get(
                vtype, "invalid value"
            )
            raise ConfigError(field, f"msg.{prop}: {kind}: {error_text(e)}") from None

    @staticmethod
    def _parse_repeat(value: Any) -> float | None:
        """``repeat`` in seconds, or None when off ("" / 0)."""
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise ConfigError("repeat", f"invalid repeat value {value!r}")
        number = to_number(value)
        if not isinstance(number, int | float) or number != number:
            raise ConfigError("repeat", f"invalid repeat value {value!r}")
        if number < 0:
            raise ConfigError("repeat", f"invalid repeat value {value!r}")
        if number > _MAX_REPEAT_SECONDS:
            raise ConfigError("repeat", f"Interval too large (max {_MAX_REPEAT_SECONDS} s)")
        return float(number) if number > 0 else None

    @staticmethod
    def _parse_once_delay(value: Any) -> float:
        if value is None or value == "":
            return 0.1
        if isinstance(value, bool):
            raise ConfigError("onceDelay", f"must be a number of seconds, not {value!r}")
        number = to_number(value)
        if number != number or number < 0:
            raise ConfigError("onceDelay", f"must be a number of seconds, not {value!r}")
        return float(number) if number else 0.1  # (onceDelay || 0.1)

    # ---- timers --------------------------------------------------------------
    def start(self) -> None:
        if self.once:
            self.set_timeout(self.once_delay, self._fire_once)
        else:
            self._start_repeater()

    def _fire_once(self) -> None:
        self._shoot()
        self._start_repeater()

    def _start_repeater(self) -> None:
        if self.repeat_seconds is not None:
            self.debug(f"repeat = {int(self.repeat_seconds * 1000)}")
            self.set_interval(self.repeat_seconds, self._shoot)
        elif self.cron is not None:
            self.debug(f"crontab = {self.cron.expression}")
            self._schedule_cron(time.time())

    def _schedule_cron(self, after: float) -> None:
        assert self.cron is not None
        due = self.cron.next_after(after)

        def fire() -> None:
            # Next shot strictly after this one, even if the timer ran a little early.
            self._schedule_cron(max(due, time.time()))
            self._shoot()

        self.set_timeout(due - time.time(), fire)

    def _shoot(self) -> None:
        """A timer shot: ``{}`` straight into the handler, as ``node.emit("input", {})`` does."""
        msg: Message = {}
        delivery = Delivery(self, msg, None)
        self._inject(msg, delivery, delivery.done)

    # ---- input -------------------------------------------------------------
    def _jsonata(self, source: str) -> JSONataExpression:
        """Compiled expressions, kept per node (user-supplied props may bring new ones)."""
        cache = self._jsonata_cache
        expr = cache.get(source)
        if expr is None:
            expr = JSONataExpression(source, self)
            if len(cache) < 100:
                cache[source] = expr
        return expr

    def on_input(self, msg: Message, send: Delivery, done: Done) -> None:
        """A received message (``node.receive``, e.g. the ``POST /inject/:id`` route)."""
        if "_msgid" not in msg:
            msg["_msgid"] = generate_id()  # Node.receive stamps an id on arrival
        self._inject(msg, send, done)

    def _inject(self, msg: Message, send: Delivery, done: Done) -> None:
        props = self.props
        user_props = msg.pop("__user_inject_props__", None)
        if isinstance(user_props, list):
            props = user_props
        errors: list[str] = []
        for entry in props:
            if not isinstance(entry, dict):
                continue
            prop = entry.get("p")
            if not prop:
                continue
            value = entry.get("v", UNDEFINED)
            if value is UNDEFINED:
                value = ""
            vtype = entry.get("vt")
            if vtype is None:
                vtype = "str"
            try:
                if vtype == "jsonata":
                    if not value:
                        continue
                    try:
                        expr = self._jsonata(js_string(value))
                    except JSError as e:
                        errors.append(e.message)
                        continue
                    try:
                        result = expr.evaluate(msg)
                    except JSError as e:
                        errors.append(f"Invalid JSONata expression: {e.message}")
                        continue
                elif vtype in _LEGACY_RAW_TYPES or vtype not in _VALUE_TYPES:
                    result = value  # evaluateNodeProperty returns unknown types unchanged
                else:
                    result = self.evaluate(value, vtype, msg)
                set_message_property(msg, prop, result, True)
            except Exception as e:
                errors.append(_js_error_string(e))
        if errors:
            done("; ".join(errors))
            return
        send(msg)
        done()


def _js_error_string(err: BaseException) -> str:
    """``err.toString()`` for the errors evaluation raises."""
    if isinstance(err, JSError):
        return str(err)
    if isinstance(err, TypeError):
        return f"TypeError: {err}"
    if isinstance(err, PropertyExpressionError):
        return f"Error: {err}"
    return error_text(err)
