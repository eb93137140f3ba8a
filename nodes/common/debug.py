"""``debug``: shows a message property (or the whole message) in the sidebar, log and status.

Node-RED 5.0.7 behaviour (``21-debug.js``): ``complete`` picks what is shown
(``"false"``/missing → ``payload``, ``"true"`` → the whole message, a property
path, or a JSONata expression with ``targetType: "jsonata"``). The sidebar gets
``{id, z, path, name, topic, property, msg, format}`` encoded like
``RED.util.encodeObject``; observers receive it through the runtime's ``debug``
event together with the raw value. ``console`` logs at info level, ``tostatus``
shows the value (or a counter) as node status, re-emitted only when it changes.
"""

from __future__ import annotations

import time
from typing import Any

from flowengine import Node
from flowengine.debugformat import DEFAULT_MAX_LENGTH, encode_object
from flowengine.errors import ConfigError, JSError
from flowengine.inspect import inspect_value, js_length
from flowengine.jsvalues import UNDEFINED, js_json_dumps, js_typeof
from flowengine.message import Message
from flowengine.node import Delivery, Done
from flowengine.props import (
    PropertyExpressionError,
    get_message_property,
    normalise_property_expression,
)
from flowengine.typed import JSONataExpression

__all__ = ["DebugNode"]

_TARGET_TYPES = frozenset({"msg", "full", "jsonata"})
_STATUS_TYPES = frozenset({"auto", "msg", "jsonata", "counter"})
_COUNTER_DIRECT_GAP = 0.1  # a counter update sooner than this after the last one is deferred
_COUNTER_DEFER = 0.2
_DEFAULT_STATUS_LENGTH = 32


class DebugNode(Node):
    assigns_name = True
    type = "debug"
    category = "common"

    def setup(self) -> None:
        cfg = self.config
        target_type = cfg.get("targetType")
        if target_type not in (None, "") and target_type not in _TARGET_TYPES:
            raise ConfigError("targetType", f"unsupported output type {target_type!r}")
        complete = cfg.get("complete")
        self.expression: JSONataExpression | None = None
        self.edit_expression: str | None = None
        if target_type == "jsonata":
            # complete holds the expression; there is no property.
            self.edit_expression = "" if complete is None else str(complete)
            self.complete: str | None = None
            self.expression = self._compile("complete", self.edit_expression)
        else:
            if complete in (None, "", False):
                complete = "payload"
            elif complete is True:
                complete = "true"
            elif not isinstance(complete, str):
                raise ConfigError("complete", f"must be a property name, not {complete!r}")
            if complete == "false":
                complete = "payload"
            if complete != "true":
                self._check_property("complete", complete)
            self.complete = complete
        self.active = self._flag("active", default=True, none_value=True)
        self.tosidebar = self._flag("tosidebar", default=True, none_value=False)
        self.tostatus = self._flag("tostatus", default=False, none_value=False)
        console = cfg.get("console")
        if console not in (None, True, False, "true", "false", ""):
            raise ConfigError("console", f"must be true or false, not {console!r}")
        self.console = console is True or console == "true"
        status_type = cfg.get("statusType") or "auto"
        if status_type not in _STATUS_TYPES:
            raise ConfigError("statusType", f"unsupported status type {status_type!r}")
        self.status_type: str = status_type
        status_val = cfg.get("statusVal")
        if status_val not in (None, "") and not isinstance(status_val, str):
            raise ConfigError("statusVal", f"must be a string, not {status_val!r}")
        self.status_val: str | None = status_val or self.complete
        self.status_expression: JSONataExpression | None = None
        if status_type == "jsonata" and status_val:
            self.status_expression = self._compile("statusVal", status_val)
        elif status_type == "msg" and self.status_val is not None:
            self._check_property("statusVal", self.status_val)
        settings = self.runtime.settings
        self.max_length = int(settings.get("debugMaxLength") or DEFAULT_MAX_LENGTH)
        self.status_length = int(settings.get("debugStatusLength") or _DEFAULT_STATUS_LENGTH)
        self.counter = 0
        self.last_time = time.monotonic()
        self._counter_timer: Any = None
        self.old_state: str | None = "{}" if self.tostatus else None

    def _flag(self, field: str, default: bool, none_value: bool) -> bool:
        """A boolean option: missing → ``default``, null → ``none_value``."""
        if field not in self.config:
            return default
        value = self.config[field]
        if value is None:
            return none_value
        if not isinstance(value, bool):
            raise ConfigError(field, f"must be true or false, not {value!r}")
        return value

    def _compile(self, field: str, source: str) -> JSONataExpression:
        try:
            return JSONataExpression(source, self)
        except JSError as e:
            raise ConfigError(field, f"Invalid JSONata expression: {e.message}") from None

    @staticmethod
    def _check_property(field: str, path: str) -> None:
        try:
            normalise_property_expression(path)
        except PropertyExpressionError as e:
            raise ConfigError(field, str(e)) from None

    # ---- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        # Startup statuses are shown but, as in Node-RED, reach no status node.
        if self.tostatus:
            self.runtime.emit_status(self, {"fill": "grey", "shape": "ring"})
        if self.status_type == "counter":
            self.runtime.emit_status(self, {"fill": "blue", "shape": "ring", "text": "0"})
        elif self.tostatus:
            self.runtime.emit_status(self, {"fill": "", "shape": "", "text": ""})

    def close(self) -> None:
        if self.old_state:
            self.runtime.emit_status(self, {})

    # ---- input -------------------------------------------------------------------
    def on_input(self, msg: Message, send: Delivery, done: Done) -> None:
        status = msg.get("status")
        if isinstance(status, dict):
            source = status.get("source")
            if isinstance(source, dict) and source.get("id") == self.id:
                done()  # our own status coming back through a status node
                return
        if self.tostatus:
            if self.status_type == "counter":
                self._count()
            else:
                try:
                    self._show_status(msg)
                except _ExpressionFailed as e:
                    self.error(str(e))
        if self.complete == "true":
            if self.console:
                self.log("\n" + inspect_value(msg, depth=10))
            if self.active and self.tosidebar:
                self._publish(msg, {"msg": msg})
            done()
            return
        try:
            value = self._value(msg)
        except _ExpressionFailed as e:
            # Node-RED logs the failure and never completes the message.
            _finish_without_completion(send, str(e))
            return
        if self.console:
            if isinstance(value, str):
                self.log(("\n" if "\n" in value else "") + value)
            elif js_typeof(value) == "object":
                self.log("\n" + inspect_value(value, depth=10))
            else:
                self.log(inspect_value(value))
        if self.active and self.tosidebar:
            extra: dict[str, Any] = {"msg": value}
            if self.expression is None:
                extra = {"property": self.complete, "msg": value}
            self._publish(msg, extra)
        done()

    def _value(self, msg: Message) -> Any:
        """The displayed value: JSONata result or the ``complete`` property."""
        if self.expression is not None:
            try:
                return self.expression.evaluate(msg)
            except JSError:
                raise _ExpressionFailed(
                    f"Invalid JSONata expression: {self.edit_expression}"
                ) from None
        return _property(msg, self.complete)

    def _publish(self, msg: Message, extra: dict[str, Any]) -> None:
        if not self._has_debug_listeners():
            return
        sidebar: dict[str, Any] = {"id": self.id, "z": self.z}
        if self.alias:
            sidebar["_alias"] = self.alias
        sidebar["path"] = self.flow.path
        name = self.config.get("name")
        if name is not None:
            sidebar["name"] = name
        topic = msg.get("topic", UNDEFINED)
        if topic is not UNDEFINED:
            sidebar["topic"] = topic
        sidebar.update(extra)
        value = sidebar["msg"]
        self.runtime.emit("debug", self, value, encode_object(sidebar, self.max_length))

    def _has_debug_listeners(self) -> bool:
        """Whether anyone listens to ``debug`` events (encoding is skipped otherwise)."""
        return self.runtime.has_listeners("debug")

    # ---- status --------------------------------------------------------------------
    def _count(self) -> None:
        now = time.monotonic()
        gap = now - self.last_time
        self.last_time = now
        self.counter += 1
        if gap > _COUNTER_DIRECT_GAP:
            self.status({"fill": "blue", "shape": "ring", "text": self.counter})
            return
        if self._counter_timer is not None:
            self.clear_timeout(self._counter_timer)
        self._counter_timer = self.set_timeout(_COUNTER_DEFER, self._show_counter)

    def _show_counter(self) -> None:
        self._counter_timer = None
        self.status({"fill": "blue", "shape": "ring", "text": self.counter})

    def _status_value(self, msg: Message) -> Any:
        if self.status_type == "auto":
            if self.complete == "true":
                return msg.get("payload", UNDEFINED)
            return self._value(msg)
        if self.status_expression is not None:
            try:
                return self.status_expression.evaluate(msg)
            except JSError:
                # Node-RED reports the *output* expression here (its own quirk).
                raise _ExpressionFailed(
                    f"Invalid JSONata expression: {_js_null(self.edit_expression)}"
                ) from None
        return _property(msg, self.status_val)

    def _show_status(self, msg: Message) -> None:
        output = self._status_value(msg)
        text: Any = output if isinstance(output, str) else inspect_value(output)
        fill, shape = "grey", "dot"
        if isinstance(output, dict) and all(
            _truthy(output.get(k, UNDEFINED)) for k in ("fill", "shape", "text")
        ):
            fill, shape, text = output["fill"], output["shape"], output["text"]
        if self.status_type == "auto":
            if "error" in msg:
                fill = "red"
                text = _attribute(msg["error"], "message")
            if "status" in msg:
                status = msg["status"]
                fill = _attribute(status, "fill") or "grey"
                shape = _attribute(status, "shape") or "ring"
                text = _attribute(status, "text") or ""
        if text is UNDEFINED or text is None:
            raise JSError("Cannot read properties of undefined (reading 'length')", "TypeError")
        if isinstance(text, str) and js_length(text) > self.status_length:
            text = _js_prefix(text, self.status_length) + "..."
        new_status = {"fill": fill, "shape": shape, "text": text}
        state = js_json_dumps(new_status)
        if state != self.old_state:
            self.status(new_status)
            self.old_state = state


class _ExpressionFailed(Exception):
    """A JSONata expression failed at run time (reported without the message)."""


def _property(msg: Message, path: str | None) -> Any:
    """``getMessageProperty``, with a failing path reading as undefined."""
    if path is None:
        return UNDEFINED
    try:
        return get_message_property(msg, path)
    except (TypeError, PropertyExpressionError):
        return UNDEFINED


def _attribute(value: Any, key: str) -> Any:
    """``value[key]`` as JavaScript reads it (null/undefined throw, primitives give undefined)."""
    if value is None or value is UNDEFINED:
        shown = "null" if value is None else "undefined"
        raise JSError(f"Cannot read properties of {shown} (reading '{key}')", "TypeError")
    if isinstance(value, dict):
        return value.get(key, UNDEFINED)
    return UNDEFINED


def _truthy(value: Any) -> bool:
    """JavaScript truthiness."""
    if value is UNDEFINED or value is None or value is False:
        return False
    if isinstance(value, str):
        return value != ""
    if isinstance(value, int | float):
        return value != 0 and value == value
    return True


def _js_null(value: str | None) -> str:
    return "null" if value is None else value


def _js_prefix(text: str, units: int) -> str:
    """``text.substr(0, units)`` counting UTF-16 code units."""
    if text.isascii():
        return text[:units]
    raw = text.encode("utf-16-le", "surrogatepass")[: units * 2]
    return raw.decode("utf-16-le", "surrogatepass")


def _finish_without_completion(send: Delivery, error: str) -> None:
    """Log ``error`` without the message (not catchable) and release the delivery.

    Node-RED never calls ``done`` here; we still settle the delivery so the
    message's completion tracking ends, but with the error (so no Complete node fires).
    """
    send.msg = None  # type: ignore[assignment]  # node.error(err) without a message
    send.done(error)
