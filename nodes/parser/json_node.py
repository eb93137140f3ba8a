"""``json``: convert between a JSON string and an object (Node-RED ``70-JSON.js``).

Behaviour of Node-RED 5.0.7's json node: ``action`` ``""`` converts either way,
``"str"`` only stringifies, ``"obj"`` only parses; ``pretty`` indents with four
spaces; ``msg.schema`` validates the object with ajv 8's semantics, errors and
texts (:mod:`flowengine.util.jsonschema_ajv`). Parse errors carry the messages of
V8's ``JSON.parse`` (:mod:`flowengine.util.jsjson`), so flows that test
``msg.error.message`` behave the same.
"""

from __future__ import annotations

from typing import Any

from flowengine import ConfigError, JSError, Node
from flowengine.jsvalues import UNDEFINED, js_json_dumps, js_truthy, js_typeof
from flowengine.message import Message
from flowengine.node import Delivery, Done
from flowengine.props import (
    PropertyExpressionError,
    get_message_property,
    normalise_property_expression,
    set_message_property,
)
from flowengine.util.jsjson import is_circular, js_json_loads
from flowengine.util.jsonschema_ajv import AjvSchema, SchemaCompileError, errors_text

__all__ = ["JSONNode"]

_SCHEMA_ERROR = "JSON Schema error"


class JSONNode(Node):
    type = "json"
    category = "parser"

    def setup(self) -> None:
        action = self.config.get("action") or ""
        if action not in ("", "str", "obj"):
            raise ConfigError("action", f'unknown action {action!r}; expected "", "str" or "obj"')
        self.action: str = action
        self.indent = 4 if js_truthy(self.config.get("pretty", False)) else None
        self.property: str = self.config.get("property") or "payload"
        try:
            normalise_property_expression(self.property)
        except PropertyExpressionError as e:
            raise ConfigError("property", str(e)) from None
        self._schema_key: str | None = None
        self._schema: AjvSchema | None = None

    def _compile(self, schema: Any) -> bool:
        """Compile ``msg.schema`` unless it is the one compiled last time."""
        try:
            key = js_json_dumps(schema)
        except (TypeError, ValueError):
            key = None
        if key is not None and key == self._schema_key and self._schema is not None:
            return True
        try:
            self._schema = AjvSchema(schema)
            self._schema_key = key
            return True
        except SchemaCompileError:
            self._schema = None
            self._schema_key = None
            return False

    def _check(self, msg: Message, data: Any, send: Delivery, done: Done) -> None:
        """Validate ``data``: pass the message on (dropping msg.schema) or fail it."""
        assert self._schema is not None
        errors = self._schema.validate(data)
        if errors is None:
            msg.pop("schema", None)
            send(msg)
            done()
        else:
            msg["schemaError"] = errors
            done(f"{_SCHEMA_ERROR}: {errors_text(errors)}")

    def on_input(self, msg: Message, send: Delivery, done: Done) -> None:
        validate = js_truthy(msg.get("schema", UNDEFINED))
        if validate and not self._compile(msg["schema"]):
            done(f"{_SCHEMA_ERROR}: failed to compile schema")
            return
        try:
            value = get_message_property(msg, self.property)
        except TypeError as e:
            raise JSError(str(e), "TypeError") from None
        if value is UNDEFINED:
            send(msg)
            done()
            return
        # Node-RED validates msg[property] (a top-level key), even for nested paths.
        top_level = self.property
        if isinstance(value, str | bytes | bytearray):
            if self.action in ("", "obj"):
                try:
                    parsed = js_json_loads(_text(value))
                except JSError as e:
                    done(e.message)
                    return
                set_message_property(msg, self.property, parsed)
                if validate:
                    self._check(msg, msg.get(top_level, UNDEFINED), send, done)
                else:
                    send(msg)
                    done()
            elif validate:
                try:
                    data = js_json_loads(_text(msg.get(top_level, UNDEFINED)))
                except JSError as e:
                    done(e.message)
                    return
                self._check(msg, data, send, done)
            else:
                send(msg)
                done()
        elif js_typeof(value) in ("object", "boolean", "number"):
            if self.action in ("", "str"):
                if validate:
                    errors = self._schema.validate(value) if self._schema else None
                    if errors is not None:
                        msg["schemaError"] = errors
                        done(f"{_SCHEMA_ERROR}: {errors_text(errors)}")
                        return
                try:
                    if is_circular(value):
                        raise ValueError("circular structure")
                    text = js_json_dumps(value, self.indent)
                except (TypeError, ValueError, RecursionError):
                    done("Failed to convert payload")
                    return
                set_message_property(msg, self.property, text)
                if validate:
                    msg.pop("schema", None)
                send(msg)
                done()
            elif validate:
                self._check(msg, value, send, done)
            else:
                send(msg)
                done()
        else:
            self.warn("Ignored unsupported payload type")
            done()


def _text(value: Any) -> Any:
    """What ``JSON.parse`` sees: a Buffer becomes its UTF-8 text."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return value
