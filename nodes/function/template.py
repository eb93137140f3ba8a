"""``template``: render a Mustache (or plain) template into a message property or context.

Behaviour of Node-RED 5.0.7's template node (``80-template.js``), which renders with
mustache.js 4.2 (:mod:`flowengine.util.mustache`) through a custom lookup: message
properties first, then ``env.NAME``, then ``flow.x`` / ``global.x`` / ``flow[store].x``
context values, else ``""``. Partials always fail, as they do in Node-RED
("tokens.forEach is not a function"). With ``output: "json"`` top-level string
values are backslash-escaped before the result is parsed by ``JSON.parse``;
``output: "yaml"`` parses with js-yaml 4's default schema. ``msg.template`` is used
only when the configured template is empty. The editor-only ``format`` (syntax
highlighting) is accepted.
"""

from __future__ import annotations

import re
from typing import Any

from flowengine import ConfigError, JSError, Node
from flowengine.context import parse_context_key
from flowengine.jsvalues import UNDEFINED, js_loose_eq
from flowengine.message import Message
from flowengine.node import Delivery, Done
from flowengine.props import (
    PropertyExpressionError,
    normalise_property_expression,
    set_message_property,
)
from flowengine.util.jsjson import js_json_loads
from flowengine.util.jsyaml import js_yaml_load
from flowengine.util.mustache import (
    Context,
    MustacheError,
    Token,
    parse_mustache,
    render_mustache,
)

__all__ = ["TemplateNode"]

# Backslash escapes Node-RED applies to string values when the output is JSON.
_JSON_STRING_ESCAPES = str.maketrans(
    {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\f": "\\f", "\b": "\\b"}
)
_ENV_NAME = re.compile(r"^env\.(.+)")
_CONTEXT_NAME = re.compile(r"^(flow|global)(\[(\w+)\])?\.(.+)", re.ASCII)


def _token_names(tokens: tuple[Token, ...], names: dict[str, None]) -> dict[str, None]:
    """Every tag name in the template, in order (Node-RED pre-resolves env/context ones)."""
    for token in tokens:
        kind = token[0]
        if kind == "text":
            continue
        names[token[1]] = None
        if kind == ">":
            # Node-RED walks into a partial token's indentation string and fails.
            raise MustacheError("tokens.forEach is not a function", "TypeError")
        if kind in ("#", "^"):
            _token_names(token[2], names)
    return names


class _NodeContext(Context):
    """Node-RED's ``NodeContext``: message lookup with env/context fallbacks."""

    __slots__ = ("escape_strings", "resolved")

    def __init__(
        self, view: Any, parent: Context | None, resolved: dict[str, Any], escape_strings: bool
    ) -> None:
        super().__init__(view, parent)
        self.resolved = resolved
        self.escape_strings = escape_strings

    def push(self, view: Any) -> Context:
        # Node-RED's push does not pass the JSON escaping on to sections.
        return _NodeContext(view, self, self.resolved, False)

    def lookup(self, name: str) -> Any:
        value = super().lookup(name)
        if value is not UNDEFINED:
            if self.escape_strings and isinstance(value, str):
                value = value.translate(_JSON_STRING_ESCAPES)
            return value
        if _ENV_NAME.match(name) or _CONTEXT_NAME.match(name):
            return self.resolved.get(name, UNDEFINED)
        return ""


class TemplateNode(Node):
    type = "template"
    category = "function"
    assigns_name = True  # Node-RED's constructor sets this.name = n.name

    def setup(self) -> None:
        config = self.config
        self.field: str = config.get("field") or "payload"
        self.field_type: str = config.get("fieldType") or "msg"
        if self.field_type not in ("msg", "flow", "global"):
            expected = 'must be "msg", "flow" or "global"'
            raise ConfigError("fieldType", f"{expected}, not {self.field_type!r}")
        try:
            if self.field_type == "msg":
                normalise_property_expression(self.field)
            else:
                normalise_property_expression(parse_context_key(self.field)[1])
        except PropertyExpressionError as e:
            raise ConfigError("field", str(e)) from None
        self.syntax: str = config.get("syntax") or "mustache"
        if self.syntax not in ("mustache", "plain"):
            raise ConfigError("syntax", f'must be "mustache" or "plain", not {self.syntax!r}')
        self.output: str = config.get("output") or "str"
        if self.output not in ("str", "json", "yaml"):
            raise ConfigError("output", f'must be "str", "json" or "yaml", not {self.output!r}')
        # null in the flow file is JavaScript null; an absent key is undefined.
        self.template: Any = config.get("template", UNDEFINED)
        fmt = config.get("format")
        if fmt is not None and not isinstance(fmt, str):
            raise ConfigError("format", "must be a string (the editor's syntax highlighting)")

    def on_input(self, msg: Message, send: Delivery, done: Done) -> None:
        template = self.template
        if "template" in msg and (template is None or js_loose_eq(template, "")):
            template = msg["template"]
        try:
            if self.syntax == "mustache":
                value: Any = self._render(template, msg)
            else:
                value = template
            if self.output == "json":
                value = js_json_loads(value)
            elif self.output == "yaml":
                value = js_yaml_load(value)
        except JSError as e:  # MustacheError included
            done(e.message)
            return
        self._store(msg, value, send, done)

    def _render(self, template: Any, msg: Message) -> str:
        # Node-RED parses first (to find env/context names), then renders.
        tokens = parse_mustache(template)
        resolved = self._resolve(_token_names(tokens, {}))
        return render_mustache(template, _NodeContext(msg, None, resolved, self.output == "json"))

    def _resolve(self, names: dict[str, None]) -> dict[str, Any]:
        """Values of the ``env.X`` and ``flow.x``/``global.x`` names the template uses."""
        resolved: dict[str, Any] = {}
        for name in names:
            env = _ENV_NAME.match(name)
            if env:
                resolved[name] = self.evaluate(env.group(1), "env")
                continue
            context = _CONTEXT_NAME.match(name)
            if context:
                scope, store, key = context.group(1), context.group(3), context.group(4)
                target = self.flow_context if scope == "flow" else self.global_context
                try:
                    resolved[name] = target.get(key, store)
                except (TypeError, ValueError) as e:
                    raise JSError(str(e)) from None
        return resolved

    def _store(self, msg: Message, value: Any, send: Delivery, done: Done) -> None:
        if self.field_type == "msg":
            set_message_property(msg, self.field, value)
        else:
            store, key = parse_context_key(self.field)
            target = self.flow_context if self.field_type == "flow" else self.global_context
            target.set(key, value, store)
        send(msg)
        done()
