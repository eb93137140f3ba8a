"""``template``: render a Mustache (or plain) template into a message property or context.

Behaviour of Node-RED 5.0.7's template node (``80-template.js``), which renders with
mustache.js 4.2 through a custom lookup: message properties first, then
``env.NAME``, then ``flow.x`` / ``global.x`` / ``flow[store].x`` context values,
else ``""``. The Mustache implementation here reproduces mustache.js rather than
the Mustache spec where they differ: its HTML escaping (``& < > " ' / ` =``),
JavaScript truthiness and ``String()`` conversions, standalone-line whitespace,
set-delimiter tags and its error messages. Partials always fail, as they do in
Node-RED ("tokens.forEach is not a function"). With ``output: "json"`` top-level
string values are backslash-escaped before the result is parsed by ``JSON.parse``;
``output: "yaml"`` parses with js-yaml 4's default schema (PyYAML configured to
resolve scalars the same way). ``msg.template`` is used only when the configured
template is empty. The editor-only ``format`` (syntax highlighting) is accepted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import yaml
from flowengine.nodes.parser.json_node import js_json_parse

from flowengine import ConfigError, JSError, Node
from flowengine.context import parse_context_key
from flowengine.jsvalues import (
    UNDEFINED,
    js_loose_eq,
    js_number_str,
    js_string,
    js_truthy,
    js_typeof,
)
from flowengine.message import Message
from flowengine.node import Delivery, Done
from flowengine.props import (
    PropertyExpressionError,
    normalise_property_expression,
    set_message_property,
)

__all__ = ["MustacheError", "TemplateNode", "html_escape", "js_yaml_load", "parse_mustache"]

# ---------------------------------------------------------------------------
# Mustache, as mustache.js 4.2 parses and renders it
# ---------------------------------------------------------------------------

# JavaScript's \s (differs from Python's: includes U+FEFF, excludes U+001C-U+001F, U+0085).
_JS_SPACE = (
    " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_WS = "[" + re.escape(_JS_SPACE) + "]"
_TAG_TYPE = re.compile(r"[#^/>{&=!]")
_EQUALS = re.compile(_WS + "*=")
_CURLY = re.compile(_WS + r"*\}")
_SPACES = re.compile(_WS + "+")
_OPTIONAL_SPACE = re.compile(_WS + "*")
_HTML_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&#39;",
        "/": "&#x2F;",
        "`": "&#x60;",
        "=": "&#x3D;",
    }
)
# Backslash escapes Node-RED applies to string values when the output is JSON.
_JSON_STRING_ESCAPES = str.maketrans(
    {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\f": "\\f", "\b": "\\b"}
)

Token = tuple[Any, ...]  # (kind, value) or (kind, value, children) for sections


class MustacheError(Exception):
    """A template mustache.js would refuse; the text is mustache.js's message."""


def html_escape(text: str) -> str:
    """mustache.js's ``escapeHtml``."""
    return text.translate(_HTML_ESCAPES)


def _utf16_offset(text: str, index: int) -> int:
    """A position as JavaScript reports it (UTF-16 code units)."""
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)


class _Scanner:
    """A cursor over the template, matching regexes at (or searching from) it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def eos(self) -> bool:
        return self.pos >= len(self.text)

    def scan(self, pattern: re.Pattern[str]) -> str:
        m = pattern.match(self.text, self.pos)
        if m is None:
            return ""
        self.pos = m.end()
        return m.group(0)

    def scan_until(self, pattern: re.Pattern[str]) -> str:
        m = pattern.search(self.text, self.pos)
        end = len(self.text) if m is None else m.start()
        found = self.text[self.pos : end]
        self.pos = end
        return found


class _Tags:
    """The regexes for the current delimiters (changed by ``{{=<% %>=}}``)."""

    def __init__(self, opening: str, closing: str) -> None:
        self.opening = re.compile(re.escape(opening) + _WS + "*")
        self.closing = re.compile(_WS + "*" + re.escape(closing))
        self.closing_curly = re.compile(_WS + "*" + re.escape("}" + closing))

    @classmethod
    def from_spec(cls, spec: str) -> _Tags:
        parts = _SPACES.split(spec)[:2]  # JavaScript's split(re, 2)
        if len(parts) != 2:
            raise MustacheError(f"Invalid tags: {','.join(parts)}")
        return cls(parts[0], parts[1])


@lru_cache(maxsize=256)
def parse_mustache(template: str) -> tuple[Token, ...]:
    """Parse ``template`` into a token tree; raises :class:`MustacheError`."""
    flat: list[Token | None] = []
    line_spaces: list[int] = []  # indices of whitespace text tokens on this line
    line_has_tag = False
    line_has_content = False
    open_sections: list[str] = []
    tags = _Tags("{{", "}}")
    scanner = _Scanner(template)

    def end_line() -> None:
        # A line holding only whitespace and non-output tags disappears entirely.
        nonlocal line_has_tag, line_has_content
        if line_has_tag and not line_has_content:
            for index in line_spaces:
                flat[index] = None
        line_spaces.clear()
        line_has_tag = line_has_content = False

    while not scanner.eos():
        start = scanner.pos
        for ch in scanner.scan_until(tags.opening):
            if ch in _JS_SPACE:
                line_spaces.append(len(flat))
            else:
                line_has_content = True
            flat.append(("text", ch))
            start += 1
            if ch == "\n":
                end_line()
        if not scanner.scan(tags.opening):
            break
        line_has_tag = True
        kind = scanner.scan(_TAG_TYPE) or "name"
        scanner.scan(_OPTIONAL_SPACE)
        if kind == "=":
            value = scanner.scan_until(_EQUALS)
            scanner.scan(_EQUALS)
            scanner.scan_until(tags.closing)
        elif kind == "{":
            value = scanner.scan_until(tags.closing_curly)
            scanner.scan(_CURLY)
            scanner.scan_until(tags.closing)
            kind = "&"
        else:
            value = scanner.scan_until(tags.closing)
        if not scanner.scan(tags.closing):
            raise MustacheError(f"Unclosed tag at {_utf16_offset(template, scanner.pos)}")
        flat.append((kind, value))
        if kind in ("#", "^"):
            open_sections.append(value)
        elif kind == "/":
            where = _utf16_offset(template, start)
            if not open_sections:
                raise MustacheError(f'Unopened section "{value}" at {where}')
            opened = open_sections.pop()
            if opened != value:
                raise MustacheError(f'Unclosed section "{opened}" at {where}')
        elif kind in ("name", "&"):
            line_has_content = True
        elif kind == "=":
            tags = _Tags.from_spec(value)
    end_line()
    if open_sections:
        where = _utf16_offset(template, scanner.pos)
        raise MustacheError(f'Unclosed section "{open_sections[-1]}" at {where}')
    return _nest(_squash(flat))


def _squash(flat: list[Token | None]) -> list[Token]:
    out: list[Token] = []
    for token in flat:
        if token is None:
            continue
        if token[0] == "text" and out and out[-1][0] == "text":
            out[-1] = ("text", out[-1][1] + token[1])
        else:
            out.append(token)
    return out


def _nest(tokens: list[Token]) -> tuple[Token, ...]:
    root: list[Token] = []
    stack: list[tuple[Token, list[Token]]] = []
    current = root
    for token in tokens:
        if token[0] in ("#", "^"):
            children: list[Token] = []
            stack.append((token, current))
            current = children
        elif token[0] == "/":
            opener, parent = stack.pop()
            parent.append((opener[0], opener[1], tuple(current)))
            current = parent
        else:
            current.append(token)
    return tuple(root)


def _token_names(tokens: tuple[Token, ...], names: dict[str, None]) -> dict[str, None]:
    """Every tag name in the template, in order (Node-RED pre-resolves env/context ones)."""
    for token in tokens:
        kind = token[0]
        if kind == "text":
            continue
        names[token[1]] = None
        if kind == ">":
            # Node-RED walks into a partial token's indentation string and fails.
            raise MustacheError("tokens.forEach is not a function")
        if kind in ("#", "^"):
            _token_names(token[2], names)
    return names


# ---- JavaScript property access as mustache.js's Context.lookup sees it ---------


def _array_index(key: str, size: int) -> int | None:
    if key.isdigit() and (key == "0" or not key.startswith("0")):
        index = int(key)
        return index if index < size else None
    return None


def _has_property(obj: Any, key: str) -> bool:
    """JavaScript ``key in obj`` for an object (false for primitives)."""
    if isinstance(obj, dict):
        return key in obj
    if isinstance(obj, list | tuple | bytes | bytearray):
        return key == "length" or _array_index(key, len(obj)) is not None
    return False


def _primitive_has_own(obj: Any, key: str) -> bool:
    """``primitive.hasOwnProperty(key)``: only strings have own properties."""
    if isinstance(obj, str):
        return key == "length" or _array_index(key, len(obj)) is not None
    return False


def _get_property(obj: Any, key: str) -> Any:
    """JavaScript ``obj[key]`` for message data."""
    if isinstance(obj, dict):
        return obj.get(key, UNDEFINED)
    if isinstance(obj, list | tuple | bytes | bytearray | str):
        if key == "length":
            return len(obj)
        index = _array_index(key, len(obj))
        return UNDEFINED if index is None else obj[index]
    return UNDEFINED


class _Scope:
    """One mustache.js ``Context``: a view and the context it was pushed onto."""

    __slots__ = ("parent", "view")

    def __init__(self, view: Any, parent: _Scope | None) -> None:
        self.view = view
        self.parent = parent

    def lookup(self, name: str) -> Any:
        if name == ".":
            return self.view
        scope: _Scope | None = self
        dotted = name.find(".") > 0
        keys = name.split(".") if dotted else []
        while scope is not None:
            if dotted:
                value, hit = scope.view, False
                for i, key in enumerate(keys):
                    if value is None or value is UNDEFINED:
                        break
                    if i == len(keys) - 1:
                        hit = _has_property(value, key) or _primitive_has_own(value, key)
                    value = _get_property(value, key)
            else:
                if scope.view is None or scope.view is UNDEFINED:
                    # mustache.js reads view[name] unguarded (a section over [null]).
                    kind = "null" if scope.view is None else "undefined"
                    raise MustacheError(f"Cannot read properties of {kind} (reading '{name}')")
                value = _get_property(scope.view, name)
                hit = _has_property(scope.view, name)
            if hit:
                return value
            scope = scope.parent
        return UNDEFINED


_ENV_NAME = re.compile(r"^env\.(.+)")
_CONTEXT_NAME = re.compile(r"^(flow|global)(\[(\w+)\])?\.(.+)", re.ASCII)


class _View:
    """Node-RED's ``NodeContext``: message lookup with env/context fallbacks."""

    __slots__ = ("escape_strings", "resolved", "scope")

    def __init__(self, scope: _Scope, resolved: dict[str, Any], escape_strings: bool) -> None:
        self.scope = scope
        self.resolved = resolved
        self.escape_strings = escape_strings

    def push(self, value: Any) -> _View:
        # Node-RED's push does not pass the JSON escaping on to sections.
        return _View(_Scope(value, self.scope), self.resolved, False)

    def lookup(self, name: str) -> Any:
        value = self.scope.lookup(name)
        if value is not UNDEFINED:
            if self.escape_strings and isinstance(value, str):
                value = value.translate(_JSON_STRING_ESCAPES)
            return value
        if _ENV_NAME.match(name) or _CONTEXT_NAME.match(name):
            return self.resolved.get(name, UNDEFINED)
        return ""


def _render(tokens: tuple[Token, ...], view: _View, out: list[str]) -> None:
    for token in tokens:
        kind = token[0]
        if kind == "text":
            out.append(token[1])
        elif kind == "name":
            value = view.lookup(token[1])
            if value is not None and value is not UNDEFINED:
                number = isinstance(value, int | float) and not isinstance(value, bool)
                out.append(js_number_str(value) if number else html_escape(js_string(value)))
        elif kind == "&":
            value = view.lookup(token[1])
            if value is not None and value is not UNDEFINED:
                out.append(js_string(value))
        elif kind == "#":
            value = view.lookup(token[1])
            if not js_truthy(value):
                continue
            if isinstance(value, list):
                for item in value:
                    _render(token[2], view.push(item), out)
            elif isinstance(value, bool):
                _render(token[2], view, out)
            else:
                _render(token[2], view.push(value), out)
        elif kind == "^":
            value = view.lookup(token[1])
            if not js_truthy(value) or (isinstance(value, list) and not value):
                _render(token[2], view, out)


# ---------------------------------------------------------------------------
# YAML, as js-yaml 4's load() reads it
# ---------------------------------------------------------------------------

_SAFE_INT = 2**53


class _JSYamlLoader(yaml.SafeLoader):
    """PyYAML resolving and constructing like js-yaml 4 (YAML 1.2 core schema + extras)."""

    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}


_YAML_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_YAML_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_YAML_INT = re.compile(r"^[-+]?(?:0b[01]+|0x[0-9a-fA-F]+|0o[0-7]+|[0-9]+)$")
_YAML_FLOAT = re.compile(
    r"^(?:[-+]?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_YAML_TIMESTAMP = re.compile(
    r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
    r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$"
)
for _tag, _regex, _first in (
    ("null", _YAML_NULL, ["~", "n", "N", ""]),
    ("bool", _YAML_BOOL, list("tTfF")),
    ("int", _YAML_INT, list("-+0123456789")),
    ("float", _YAML_FLOAT, list("-+0123456789.")),
    ("timestamp", _YAML_TIMESTAMP, list("0123456789")),
):
    _JSYamlLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", _regex, _first)
_JSYamlLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^<<$"), ["<"])


def _scalar(loader: _JSYamlLoader, node: yaml.ScalarNode, pattern: re.Pattern[str]) -> str:
    """The scalar's text, which must fit the type (explicit tags are not coerced)."""
    text = str(loader.construct_scalar(node))
    if not pattern.match(text):
        raise yaml.constructor.ConstructorError(
            None, None, f"cannot resolve a node with !<{node.tag}> explicit tag", node.start_mark
        )
    return text


def _construct_null(loader: _JSYamlLoader, node: yaml.ScalarNode) -> None:
    _scalar(loader, node, _YAML_NULL)


def _construct_bool(loader: _JSYamlLoader, node: yaml.ScalarNode) -> bool:
    return _scalar(loader, node, _YAML_BOOL).lower() == "true"


def _construct_int(loader: _JSYamlLoader, node: yaml.ScalarNode) -> int | float:
    text = _scalar(loader, node, _YAML_INT)
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    bases = {"0b": 2, "0x": 16, "0o": 8}
    value = int(digits[2:], bases[digits[:2]]) if digits[:2] in bases else int(digits)
    value *= sign
    return float(value) if abs(value) > _SAFE_INT else value  # JavaScript numbers


def _construct_float(loader: _JSYamlLoader, node: yaml.ScalarNode) -> float | str:
    text = _scalar(loader, node, _YAML_FLOAT)
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    value = float(text)
    return text if math.isinf(value) else value  # js-yaml leaves "1e400" a string


def _construct_timestamp(loader: _JSYamlLoader, node: yaml.ScalarNode) -> datetime:
    value = yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    if not isinstance(value, datetime):
        assert isinstance(value, date)
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    # A Date: times without a zone are UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _construct_map(loader: _JSYamlLoader, node: yaml.MappingNode) -> Iterator[dict[str, Any]]:
    data: dict[str, Any] = {}
    yield data
    merge_keys = sum(1 for key, _ in node.value if key.tag == "tag:yaml.org,2002:merge")
    explicit = len(node.value) - merge_keys
    loader.flatten_mapping(node)
    merged = len(node.value) - explicit
    explicit_keys: set[str] = set()
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        name = key if isinstance(key, str) else js_string(key)  # object keys are strings
        if index >= merged:
            if name in explicit_keys:
                raise yaml.constructor.ConstructorError(
                    None, None, "duplicated mapping key", key_node.start_mark
                )
            explicit_keys.add(name)
        data[name] = loader.construct_object(value_node, deep=True)


def _construct_set(loader: _JSYamlLoader, node: yaml.MappingNode) -> dict[str, None]:
    keys = [loader.construct_object(k, deep=True) for k, _ in node.value]
    return {k if isinstance(k, str) else js_string(k): None for k in keys}


def _construct_omap(loader: _JSYamlLoader, node: yaml.SequenceNode) -> list[Any]:
    return [loader.construct_object(item, deep=True) for item in node.value]


def _construct_pairs(loader: _JSYamlLoader, node: yaml.SequenceNode) -> list[list[Any]]:
    pairs: list[list[Any]] = []
    for item in node.value:
        for key_node, value_node in getattr(item, "value", []):
            key = loader.construct_object(key_node, deep=True)
            pairs.append([key, loader.construct_object(value_node, deep=True)])
    return pairs


_CONSTRUCTORS: dict[str, Callable[..., Any]] = {
    "tag:yaml.org,2002:null": _construct_null,
    "tag:yaml.org,2002:bool": _construct_bool,
    "tag:yaml.org,2002:int": _construct_int,
    "tag:yaml.org,2002:float": _construct_float,
    "tag:yaml.org,2002:timestamp": _construct_timestamp,
    "tag:yaml.org,2002:map": _construct_map,
    "tag:yaml.org,2002:set": _construct_set,
    "tag:yaml.org,2002:omap": _construct_omap,
    "tag:yaml.org,2002:pairs": _construct_pairs,
}
for _tag, _constructor in _CONSTRUCTORS.items():
    _JSYamlLoader.add_constructor(_tag, _constructor)


def js_yaml_load(text: Any) -> Any:
    """js-yaml's ``load(text)``: ``UNDEFINED`` for an empty document.

    Raises ``JSError(..., "YAMLException")``; the message is PyYAML's problem with
    js-yaml's ``(line:column)`` suffix (js-yaml's source snippet is not reproduced).
    """
    if not isinstance(text, str):
        text = js_string(text)
    loader = _JSYamlLoader(text)
    try:
        node = loader.get_single_node()
        return UNDEFINED if node is None else loader.construct_document(node)
    except yaml.composer.ComposerError as e:
        if (e.context or "").startswith("expected a single document"):
            message = "expected a single document in the stream, but found more"
            raise JSError(message, "YAMLException") from None
        raise JSError(_yaml_message(e), "YAMLException") from None
    except yaml.YAMLError as e:
        raise JSError(_yaml_message(e), "YAMLException") from None
    finally:
        loader.dispose()


def _yaml_message(e: yaml.YAMLError) -> str:
    if isinstance(e, yaml.MarkedYAMLError):
        problem = e.problem or e.context or "YAML error"
        mark = e.problem_mark or e.context_mark
        if mark is not None:
            return f"{problem} ({mark.line + 1}:{mark.column + 1})"
        return problem
    return str(e)


# ---------------------------------------------------------------------------
# The node
# ---------------------------------------------------------------------------


class TemplateNode(Node):
    assigns_name = True
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
                value = js_json_parse(value)
            elif self.output == "yaml":
                value = js_yaml_load(value)
        except JSError as e:
            done(e.message)
            return
        except MustacheError as e:
            done(str(e))
            return
        self._store(msg, value, send, done)

    def _render(self, template: Any, msg: Message) -> str:
        if not isinstance(template, str):
            if js_truthy(template):
                # mustache.js's scanner calls String.prototype.search on it.
                raise MustacheError("this.tail.search is not a function")
            kind = "array" if isinstance(template, list) else js_typeof(template)
            raise MustacheError(
                f'Invalid template! Template should be a "string" but "{kind}" was given '
                "as the first argument for mustache#render(template, view, partials)"
            )
        tokens = parse_mustache(template)
        resolved = self._resolve(_token_names(tokens, {}))
        out: list[str] = []
        _render(tokens, _View(_Scope(msg, None), resolved, self.output == "json"), out)
        return "".join(out)

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
