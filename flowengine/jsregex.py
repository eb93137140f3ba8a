"""JavaScript regular expressions on Python's ``re``.

``js_regex`` translates a JavaScript pattern (flags ``gimsuy``) into an
equivalent Python pattern, rejecting what Python cannot express, with V8's
error messages; ``js_regex_replace`` is ``String.prototype.replace`` with
``$1``/``$&``/``$<name>`` replacement patterns and JavaScript's empty-match rules.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import JSError
from .jsvalues import UNDEFINED, js_string, register_regexp_source

__all__ = ["js_regex", "js_regex_replace"]


_JS_LINE_END = "\\n\\r\\u2028\\u2029"
# Escapes whose meaning is the same in both engines (ASCII letters only matter:
# Python rejects unknown letter escapes, JavaScript treats them as the letter).
_SHARED_LETTER_ESCAPES = frozenset("sSbBfnrtvx")


_QUANTIFIER = re.compile(r"\{\d+(?:,\d*)?\}")
_GROUP_NAME = re.compile(r"\(\?<([A-Za-z_][A-Za-z0-9_]*)>")


def _translate_regex(source: str, flags: str) -> str:
    """Rewrite JavaScript regex syntax into Python ``re`` syntax with the same meaning."""
    multiline = "m" in flags
    dotall = "s" in flags
    out: list[str] = []
    i, n = 0, len(source)
    in_class = False
    # After a quantifier only a lazy "?" may follow (Python would read "a*+" as possessive).
    quantified = ""  # "", "quant" or "lazy"
    while i < n:
        c = source[i]
        if c == "\\" and i + 1 < n:
            e = source[i + 1]
            i += 2
            quantified = ""
            if e == "d":
                out.append("0-9" if in_class else "[0-9]")
            elif e == "D":
                out.append("\\D" if in_class else "[^0-9]")
            elif e == "w":
                out.append("A-Za-z0-9_" if in_class else "[A-Za-z0-9_]")
            elif e == "W":
                out.append("\\W" if in_class else "[^A-Za-z0-9_]")
            elif e == "k" and not in_class and i < n and source[i] == "<":
                end = source.find(">", i)
                if end < 0:
                    out.append("k")
                else:
                    out.append(f"(?P={source[i + 1 : end]})")
                    i = end + 1
            elif e == "c" and i < n and source[i].isascii() and source[i].isalpha():
                out.append(re.escape(chr(ord(source[i]) % 32)))
                i += 1
            elif e == "u" and i < n and source[i] == "{" and "u" in flags:
                end = source.find("}", i)
                out.append(re.escape(chr(int(source[i + 1 : end], 16))))
                i = end + 1
            elif e == "u":
                hexdigits = source[i : i + 4]
                if len(hexdigits) == 4 and all(h in "0123456789abcdefABCDEF" for h in hexdigits):
                    out.append("\\u" + hexdigits)
                    i += 4
                else:
                    out.append("u")
            elif e == "0" and not (i < n and source[i].isdigit()):
                out.append("\\x00")
            elif e.isdigit() or e in _SHARED_LETTER_ESCAPES:
                out.append("\\" + e)
            elif e.isascii() and e.isalpha():
                out.append(e)  # identity escape (\e, \A, \Z ... are plain letters in JS)
            else:
                out.append(re.escape(e))
            continue
        if in_class:
            if c == "]":
                in_class = False
                quantified = ""
                out.append(c)
            elif c in "[&~|":
                out.append("\\" + c)  # Python warns about (future) set operations
            else:
                out.append(c)
            i += 1
            continue
        if c == "[":
            if source.startswith("[^]", i):
                out.append("[\\s\\S]")
                i += 3
                continue
            if source.startswith("[]", i):
                out.append("(?!)")
                i += 2
                continue
            in_class = True
            out.append(c)
            i += 1
            if i < n and source[i] == "^":
                out.append("^")
                i += 1
            if i < n and source[i] == "]":
                out.append("\\]")  # cannot happen after the checks above, kept for safety
                i += 1
            continue
        if c in "*+?":
            if quantified == "lazy" or (quantified == "quant" and c != "?"):
                raise re.error("Nothing to repeat")
            quantified = "lazy" if quantified else "quant"
            out.append(c)
            i += 1
            continue
        if c == "{":
            bounds = _QUANTIFIER.match(source, i)
            if bounds is None:
                out.append("\\{")  # a literal brace in JavaScript ("{,5}" included)
                quantified = ""
                i += 1
                continue
            if quantified:
                raise re.error("Nothing to repeat")
            out.append(bounds.group(0))
            quantified = "quant"
            i = bounds.end()
            continue
        quantified = ""
        if c == "(" and source.startswith("(?", i):
            if source.startswith(("(?:", "(?=", "(?!", "(?<=", "(?<!"), i):
                out.append(source[i : i + (4 if source[i + 2] == "<" else 3)])
                i += 4 if source[i + 2] == "<" else 3
                continue
            name = _GROUP_NAME.match(source, i)
            if name is None:
                raise re.error("Invalid group")  # (?i), (?P<..>), (?#..), (?>..) are not JS
            out.append(f"(?P<{name.group(1)}>")
            i = name.end()
            continue
        if c == ".":
            out.append("[\\s\\S]" if dotall else f"[^{_JS_LINE_END}]")
        elif c == "$":
            out.append(f"(?=[{_JS_LINE_END}]|\\Z)" if multiline else "\\Z")
        elif c == "^":
            out.append(f"(?:(?<=[{_JS_LINE_END}])|\\A)" if multiline else "\\A")
        else:
            out.append(c)
        i += 1
    return "".join(out)


# Python's regex error texts → V8's, for the messages users see.
_V8_REGEX_ERRORS = (
    ("missing ), unterminated subpattern", "Unterminated group"),
    ("unbalanced parenthesis", "Unmatched ')'"),
    ("nothing to repeat", "Nothing to repeat"),
    ("multiple repeat", "Nothing to repeat"),
    ("unterminated character set", "Unterminated character class"),
    ("bad character range", "Range out of order in character class"),
    ("bad escape", "Invalid escape"),
    ("unknown group name", "Invalid named capture referenced"),
    ("missing group name", "Invalid capture group name"),
    ("bad character in group name", "Invalid capture group name"),
    ("redefinition of group name", "Duplicate capture group name"),
    ("unknown extension", "Invalid group"),
    ("min repeat greater than max repeat", "numbers out of order in {} quantifier"),
)


def _v8_regex_error(text: str) -> str:
    for python_text, v8_text in _V8_REGEX_ERRORS:
        if text.startswith(python_text):
            return v8_text
    return text


def js_regex(pattern: str, flags: str = "") -> re.Pattern[str]:
    """Compile a JavaScript regular expression (``new RegExp(pattern, flags)``).

    The ``g`` and ``y`` flags do not change what the pattern matches; callers
    decide between one and all matches. Raises :class:`JSError` (``SyntaxError``).
    """
    if not isinstance(pattern, str):
        pattern = "(?:)" if pattern is UNDEFINED else js_string(pattern)
    py_flags = re.IGNORECASE if "i" in flags else 0
    try:
        compiled = re.compile(_translate_regex(pattern, flags), py_flags)
    except (re.error, ValueError, OverflowError) as e:
        msg = _v8_regex_error(getattr(e, "msg", None) or str(e))
        raise JSError(
            f"Invalid regular expression: /{pattern}/{flags}: {msg}", "SyntaxError"
        ) from None
    register_regexp_source(compiled, pattern, "".join(f for f in "dgimsuvy" if f in flags))
    return compiled


def _expand_replacement(template: str) -> list[Any]:
    """Split a ``String.prototype.replace`` replacement into literal and special parts."""
    parts: list[Any] = []
    buf: list[str] = []
    i, n = 0, len(template)
    while i < n:
        c = template[i]
        if c != "$" or i + 1 >= n:
            buf.append(c)
            i += 1
            continue
        e = template[i + 1]
        token: Any = None
        width = 2
        if e == "$":
            buf.append("$")
            i += 2
            continue
        if e in "&`'":
            token = ("special", e)
        elif e.isdigit():
            two = template[i + 1 : i + 3]
            if len(two) == 2 and two.isdigit():
                token = ("group2", int(two), int(e), two[1])
                width = 3
            elif e != "0":
                token = ("group", int(e))
        elif e == "<":
            end = template.find(">", i + 2)
            if end >= 0:
                token = ("named", template[i + 2 : end], template[i : end + 1])
                width = end + 1 - i
        if token is None:
            buf.append(c)
            i += 1
            continue
        if buf:
            parts.append("".join(buf))
            buf = []
        parts.append(token)
        i += width
    if buf:
        parts.append("".join(buf))
    return parts


def _substitute(parts: list[Any], m: re.Match[str], text: str) -> str:
    out: list[str] = []
    ngroups = m.re.groups
    for p in parts:
        if type(p) is str:
            out.append(p)
        elif p[0] == "special":
            if p[1] == "&":
                out.append(m.group(0))
            elif p[1] == "`":
                out.append(text[: m.start()])
            else:
                out.append(text[m.end() :])
        elif p[0] == "group":
            if p[1] <= ngroups:
                out.append(m.group(p[1]) or "")
            else:
                out.append(f"${p[1]}")
        elif p[0] == "group2":
            _, nn, first, second = p
            if 1 <= nn <= ngroups:
                out.append(m.group(nn) or "")
            elif 1 <= first <= ngroups:
                out.append((m.group(first) or "") + second)
            else:
                out.append(f"${nn:02d}" if nn < 10 else f"${nn}")
        else:  # named
            if m.re.groupindex:
                out.append(m.group(p[1]) or "" if p[1] in m.re.groupindex else "")
            else:
                out.append(p[2])
    return "".join(out)


_can_match_empty_cache: dict[re.Pattern[str], bool] = {}


def _can_match_empty(pattern: re.Pattern[str]) -> bool:
    found = _can_match_empty_cache.get(pattern)
    if found is None:
        try:
            from re import _parser  # type: ignore[attr-defined]

            found = _parser.parse(pattern.pattern, pattern.flags).getwidth()[0] == 0
        except Exception:  # the private parser moved: take the always-correct path
            found = True
        if len(_can_match_empty_cache) > 1024:
            _can_match_empty_cache.clear()
        _can_match_empty_cache[pattern] = found
    return found


def _js_matches(pattern: re.Pattern[str], text: str, count: int) -> list[re.Match[str]]:
    """Matches in JavaScript's order: after an empty match the search moves on one character.

    (Python would instead retry a non-empty match at the same position.)
    """
    found: list[re.Match[str]] = []
    pos, end = 0, len(text)
    while pos <= end:
        m = pattern.search(text, pos)
        if m is None:
            break
        found.append(m)
        if count and len(found) >= count:
            break
        pos = m.end() + 1 if m.end() == m.start() else m.end()
    return found


def js_regex_replace(text: str, pattern: re.Pattern[str], replacement: str, count: int = 0) -> str:
    """``text.replace(regex, replacement)``: all matches (``count=0``, a ``g`` regex) or ``count``.

    ``$$``, ``$&``, ``$``` ``, ``$'``, ``$1``..``$99`` and ``$<name>`` work as in JavaScript.
    """
    parts = _expand_replacement(replacement) if "$" in replacement else None
    if not _can_match_empty(pattern):
        if parts is None:
            return pattern.sub(replacement.replace("\\", "\\\\"), text, count)
        return pattern.sub(lambda m: _substitute(parts, m, text), text, count)
    out: list[str] = []
    last = 0
    for m in _js_matches(pattern, text, count):
        out.append(text[last : m.start()])
        out.append(replacement if parts is None else _substitute(parts, m, text))
        last = m.end()
    out.append(text[last:])
    return "".join(out)
