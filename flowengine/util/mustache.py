"""Mustache templates as mustache.js 4.2 parses and renders them.

Node-RED renders with mustache.js (the template node, the http request node's
URL), so this follows mustache.js rather than the Mustache spec where they
differ: its HTML escaping (``& < > " ' / ` =``), JavaScript truthiness,
property lookup and ``String()`` conversions, standalone-line whitespace,
set-delimiter tags and its error messages. No partials are ever given, so a
partial tag renders nothing.

A :class:`Context` is mustache.js's ``Context`` (a view and the context it was
pushed onto); subclass it to change lookups, as Node-RED's template node does.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from flowengine.errors import JSError
from flowengine.jsvalues import UNDEFINED, js_number_str, js_string, js_truthy, js_typeof

from .jsobject import is_array_index
from .utf16 import utf16_len, utf16_slice

__all__ = [
    "Context",
    "MustacheError",
    "MustacheTemplate",
    "Token",
    "html_escape",
    "parse_mustache",
    "render_mustache",
]

# A token: ("text", text), (kind, name) for kind in "name" (escaped), "&" (raw),
# ">" (partial), "!" (comment), "=" (delimiters); (kind, name, children) for
# the sections "#" and "^".
Token = tuple[Any, ...]

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


class MustacheError(JSError, ValueError):
    """What mustache.js throws: its message, and ``name`` ``Error`` or ``TypeError``.

    A ValueError too: most are the template text being invalid.
    """


def html_escape(text: str) -> str:
    """mustache.js's ``escapeHtml``."""
    return text.translate(_HTML_ESCAPES)


# ---- parsing -------------------------------------------------------------------------


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


def parse_mustache(template: Any) -> tuple[Token, ...]:
    """``Mustache.parse(template)``: the token tree; raises :class:`MustacheError`.

    Like mustache.js, a falsy non-string parses to no tokens and any other
    non-string fails in the scanner.
    """
    if isinstance(template, str):
        return _parse(template)
    if js_truthy(template):
        raise MustacheError("this.tail.search is not a function", "TypeError")
    return ()


@lru_cache(maxsize=256)
def _parse(template: str) -> tuple[Token, ...]:
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
            raise MustacheError(f"Unclosed tag at {utf16_len(template[: scanner.pos])}")
        flat.append((kind, value))
        if kind in ("#", "^"):
            open_sections.append(value)
        elif kind == "/":
            where = utf16_len(template[:start])
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
        where = utf16_len(template[: scanner.pos])
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


# ---- JavaScript property access as mustache.js's Context.lookup sees it ---------------


def _index(key: str, size: int) -> int | None:
    return int(key) if is_array_index(key) and int(key) < size else None


def _has_property(obj: Any, key: str) -> bool:
    """JavaScript ``key in obj`` for an object (false for primitives)."""
    if isinstance(obj, dict):
        return key in obj
    if isinstance(obj, list | tuple | bytes | bytearray):
        return key == "length" or _index(key, len(obj)) is not None
    return False


def _primitive_has_own(obj: Any, key: str) -> bool:
    """``primitive.hasOwnProperty(key)``: only strings have own properties."""
    if isinstance(obj, str):
        return key == "length" or _index(key, utf16_len(obj)) is not None
    return False


def _get_property(obj: Any, key: str) -> Any:
    """JavaScript ``obj[key]`` for message data (strings index UTF-16 units)."""
    if isinstance(obj, dict):
        return obj.get(key, UNDEFINED)
    if not isinstance(obj, str | list | tuple | bytes | bytearray):
        return UNDEFINED
    size = utf16_len(obj) if isinstance(obj, str) else len(obj)
    if key == "length":
        return size
    index = _index(key, size)
    if index is None:
        return UNDEFINED
    return utf16_slice(obj, index, index + 1) if isinstance(obj, str) else obj[index]


class Context:
    """mustache.js's ``Context``: a view and the context it was pushed onto."""

    __slots__ = ("parent", "view")

    def __init__(self, view: Any, parent: Context | None = None) -> None:
        self.view = view
        self.parent = parent

    def push(self, view: Any) -> Context:
        """The context a section renders ``view`` in."""
        return Context(view, self)

    def lookup(self, name: str) -> Any:
        """The value of a tag name: ``.``, ``a.b.c`` or ``name``, nearest view first."""
        if name == ".":
            return self.view
        context: Context | None = self
        dotted = name.find(".") > 0
        keys = name.split(".") if dotted else []
        while context is not None:
            if dotted:
                value, hit = context.view, False
                for i, key in enumerate(keys):
                    if value is None or value is UNDEFINED:
                        break
                    if i == len(keys) - 1:
                        hit = _has_property(value, key) or _primitive_has_own(value, key)
                    value = _get_property(value, key)
            else:
                if context.view is None or context.view is UNDEFINED:
                    # mustache.js reads view[name] unguarded (a section over [null]).
                    kind = "null" if context.view is None else "undefined"
                    message = f"Cannot read properties of {kind} (reading '{name}')"
                    raise MustacheError(message, "TypeError")
                value = _get_property(context.view, name)
                hit = _has_property(context.view, name)
            if hit:
                return value
            context = context.parent
        return UNDEFINED


# ---- rendering -----------------------------------------------------------------------


def _render(tokens: tuple[Token, ...], context: Context, out: list[str]) -> None:
    for token in tokens:
        kind = token[0]
        if kind == "text":
            out.append(token[1])
        elif kind == "name":
            value = context.lookup(token[1])
            if value is not None and value is not UNDEFINED:
                number = isinstance(value, int | float) and not isinstance(value, bool)
                out.append(js_number_str(value) if number else html_escape(js_string(value)))
        elif kind == "&":
            value = context.lookup(token[1])
            if value is not None and value is not UNDEFINED:
                out.append(js_string(value))
        elif kind == "#":
            value = context.lookup(token[1])
            if not js_truthy(value):
                continue
            if isinstance(value, list):
                for item in value:
                    _render(token[2], context.push(item), out)
            elif isinstance(value, bool):
                _render(token[2], context, out)
            else:
                _render(token[2], context.push(value), out)
        elif kind == "^":
            value = context.lookup(token[1])
            if not js_truthy(value) or (isinstance(value, list) and not value):
                _render(token[2], context, out)


class MustacheTemplate:
    """A template parsed once (errors show at construction) and rendered per view."""

    def __init__(self, template: str) -> None:
        self.tokens = parse_mustache(template)

    def render(self, view: Any) -> str:
        """The text for ``view`` (a :class:`Context` is used as it is)."""
        out: list[str] = []
        _render(self.tokens, view if isinstance(view, Context) else Context(view), out)
        return "".join(out)


def render_mustache(template: Any, view: Any) -> str:
    """``Mustache.render(template, view)``; raises :class:`MustacheError`."""
    if not isinstance(template, str):
        kind = "array" if isinstance(template, list) else js_typeof(template)
        raise MustacheError(
            f'Invalid template! Template should be a "string" but "{kind}" was given '
            "as the first argument for mustache#render(template, view, partials)",
            "TypeError",
        )
    return MustacheTemplate(template).render(view)
