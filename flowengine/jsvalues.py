"""JavaScript value semantics on Python data.

Node-RED messages are JavaScript objects. We hold them as plain Python data
(dict, list, str, int, float, bool, None, bytes) and reproduce the handful of
JavaScript conversions that leak into observable behaviour: ``String(x)``,
``Number(x)``, ``JSON.stringify``, loose equality and ``typeof``.

``UNDEFINED`` stands for JavaScript's ``undefined`` where a value must be
passed around; in a message it is simply an absent key.
"""

from __future__ import annotations

import json
import math
import re
import weakref
from datetime import UTC, datetime
from typing import Any, Final

__all__ = [
    "UNDEFINED",
    "Undefined",
    "is_buffer",
    "js_compare",
    "js_date_iso",
    "js_json_dumps",
    "js_json_loads",
    "js_loose_eq",
    "js_regexp_source",
    "js_number_str",
    "js_string",
    "js_truthy",
    "js_typeof",
    "register_regexp_source",
    "to_number",
]


class Undefined:
    """JavaScript's ``undefined``: falsy, distinct from ``None`` (null)."""

    _instance: Undefined | None = None

    def __new__(cls) -> Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "undefined"

    def __copy__(self) -> Undefined:
        return self

    def __deepcopy__(self, memo: Any) -> Undefined:
        return self


UNDEFINED: Final = Undefined()


def is_buffer(value: Any) -> bool:
    return isinstance(value, bytes | bytearray)


def js_number_str(x: float | int) -> str:
    """Format a number as JavaScript's ``Number.prototype.toString()`` does."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        if abs(x) <= 2**53:
            return str(x)
        x = float(x)  # JavaScript numbers are doubles
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 2**53:
        return str(int(x))
    r = repr(x)
    if "e" not in r:
        # repr switches to exponent form for |x| < 1e-4; JavaScript only below 1e-6.
        return r[:-2] if r.endswith(".0") else r
    mantissa, exp_s = r.split("e")
    exp = int(exp_s)
    if -7 < exp < 21:
        digits = mantissa.replace("-", "").replace(".", "")
        sign = "-" if x < 0 else ""
        if exp < 0:
            return sign + "0." + "0" * (-exp - 1) + digits.rstrip("0")
        int_len = exp + 1
        digits = digits.ljust(int_len, "0")
        head, tail = digits[:int_len], digits[int_len:].rstrip("0")
        return sign + head + ("." + tail if tail else "")
    if mantissa.endswith(".0"):
        mantissa = mantissa[:-2]
    return f"{mantissa}e{'+' if exp > 0 else '-'}{abs(exp)}"


def js_string(value: Any) -> str:
    """JavaScript's ``String(value)``."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return js_number_str(value)
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, list | tuple):
        return ",".join("" if v is None or v is UNDEFINED else js_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, re.Pattern):
        return js_regexp_source(value)
    if isinstance(value, datetime):
        return _date_to_string(value)
    return str(value)


# JavaScript source and flags of patterns compiled from JavaScript regexes (the
# compiled Python pattern is a translation, so its ``.pattern`` differs).
_REGEXP_SOURCES: weakref.WeakKeyDictionary[re.Pattern[str], tuple[str, str]] = (
    weakref.WeakKeyDictionary()
)


def register_regexp_source(pattern: re.Pattern[str], source: str, flags: str) -> None:
    _REGEXP_SOURCES[pattern] = (source, flags)


def js_regexp_source(pattern: re.Pattern[Any]) -> str:
    """``RegExp.prototype.toString()``: ``/source/flags``."""
    known = _REGEXP_SOURCES.get(pattern)
    if known is not None:
        source, flags = known
    else:
        source = pattern.pattern if isinstance(pattern.pattern, str) else repr(pattern.pattern)
        flags = "i" if pattern.flags & re.IGNORECASE else ""
    return f"/{source or '(?:)'}/{flags}"


def js_date_iso(value: datetime) -> str:
    """``Date.prototype.toISOString()``: UTC with milliseconds."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _date_to_string(value: datetime) -> str:
    """``Date.prototype.toString()`` in the local time zone."""
    local = value.astimezone() if value.tzinfo is not None else value
    offset = local.strftime("%z") or "+0000"
    name = local.tzname() or "UTC"
    return local.strftime("%a %b %d %Y %H:%M:%S") + f" GMT{offset} ({name})"


def _date_ms(value: datetime) -> float | int:
    ts = value.timestamp() if value.tzinfo is not None else value.replace(tzinfo=UTC).timestamp()
    return round(ts * 1000)


_NUMERIC_RE = re.compile(r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$")
_RADIX_RE = re.compile(r"^0([xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)$")
# StrWhiteSpaceChar: WhiteSpace and LineTerminator, as String.prototype.trim uses.
_JS_SPACE = (
    " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_SAFE_INT = 2**53


def _string_to_number(text: str) -> float | int:
    s = text.strip(_JS_SPACE)
    if s == "":
        return 0
    if _NUMERIC_RE.match(s):
        if "." not in s and "e" not in s and "E" not in s:
            n = int(s)
            return n if -_SAFE_INT <= n <= _SAFE_INT else float(n)
        f = float(s)
        if f.is_integer() and abs(f) <= _SAFE_INT and not (f == 0 and s.startswith("-")):
            return int(f)
        return f
    m = _RADIX_RE.match(s)
    if m:
        n = int(s, 0)
        return n if n <= _SAFE_INT else float(n)
    if s in ("Infinity", "+Infinity"):
        return math.inf
    if s == "-Infinity":
        return -math.inf
    return math.nan


def to_number(value: Any) -> float | int:
    """JavaScript's ``Number(value)``; an int when the result is a safe integer."""
    t = type(value)
    if t is int:
        return value
    if t is float:
        return value
    if t is str:
        return _string_to_number(value)
    if t is bool:
        return 1 if value else 0
    if value is None:
        return 0
    if value is UNDEFINED:
        return math.nan
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return _date_ms(value)
    if isinstance(value, list | tuple | bytes | bytearray):
        return _string_to_number(js_string(value))
    return math.nan


def js_truthy(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    if isinstance(value, dict | list | bytes | bytearray):
        return True
    return bool(value)


def js_typeof(value: Any) -> str:
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if callable(value):
        return "function"
    return "object"


def _is_js_object(value: Any) -> bool:
    return isinstance(value, list | dict | tuple | bytes | bytearray | datetime | re.Pattern)


def _to_primitive(value: Any, hint_number: bool = False) -> Any:
    """``ToPrimitive``: objects become strings (Dates numbers when the hint is number)."""
    if isinstance(value, datetime) and hint_number:
        return _date_ms(value)
    if _is_js_object(value):
        return js_string(value)
    return value


def js_loose_eq(a: Any, b: Any) -> bool:
    """JavaScript's ``a == b`` (abstract equality)."""
    a_nullish = a is None or a is UNDEFINED
    b_nullish = b is None or b is UNDEFINED
    if a_nullish or b_nullish:
        return a_nullish and b_nullish
    if _is_js_object(a) and _is_js_object(b):
        return a is b
    a, b = _to_primitive(a), _to_primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, bool) and isinstance(b, bool):
        return a == b
    na, nb = to_number(a), to_number(b)
    return bool(na == nb)


def _bmp_only(text: str) -> bool:
    return text.isascii() or all(ord(c) <= 0xFFFF for c in text)


def _less_than(a: Any, b: Any) -> bool | None:
    """The abstract relational comparison ``a < b``; None stands for undefined (NaN)."""
    a = _to_primitive(a, True)
    b = _to_primitive(b, True)
    if type(a) is str and type(b) is str:
        if a == b:
            return False
        if _bmp_only(a) and _bmp_only(b):
            return a < b
        # JavaScript compares UTF-16 code units, Python code points.
        return a.encode("utf-16-be") < b.encode("utf-16-be")
    na, nb = to_number(a), to_number(b)
    if na != na or nb != nb:
        return None
    return na < nb


def js_compare(op: str, a: Any, b: Any) -> bool:
    """JavaScript ``a < b``, ``a <= b``, ``a > b`` or ``a >= b`` (``op``: lt lte gt gte)."""
    if op == "lt":
        return _less_than(a, b) is True
    if op == "gt":
        return _less_than(b, a) is True
    if op == "lte":
        return _less_than(b, a) is False
    if op == "gte":
        return _less_than(a, b) is False
    raise ValueError(f"unknown comparison {op!r}")


class _JSONParseError(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _JSONParseError(f"Unexpected token '{name[0]}', \"{name}\" is not valid JSON")


def _json_int(text: str) -> int | float:
    n = int(text)
    if n == 0 and text.startswith("-"):
        return -0.0  # JSON.parse("-0") is negative zero
    return n if -_SAFE_INT <= n <= _SAFE_INT else float(n)


def _json_float(text: str) -> int | float:
    f = float(text)
    if f.is_integer() and abs(f) <= _SAFE_INT and not (f == 0 and text.startswith("-")):
        return int(f)
    return f


# One decoder for every call: json.loads with hooks would build a new one each time.
_JSON_DECODER = json.JSONDecoder(
    parse_constant=_reject_constant, parse_int=_json_int, parse_float=_json_float
)


def js_json_loads(text: Any) -> Any:
    """JavaScript's ``JSON.parse(text)``: numbers are doubles, no NaN/Infinity literals.

    A non-string argument is converted with ``String()`` first, as JavaScript does.
    Raises ``ValueError``.
    """
    if not isinstance(text, str):
        text = js_string(text)
    return _JSON_DECODER.decode(text)


def _json_value(value: Any, in_array: bool) -> Any:
    """Convert to data ``json.dumps`` writes the way ``JSON.stringify`` does."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        if value.is_integer() and abs(value) < 1e21:
            return int(value)
        return _JSNumber(value)
    if isinstance(value, dict):
        return {
            str(k): _json_value(v, False)
            for k, v in value.items()
            if v is not UNDEFINED and not callable(v)
        }
    if isinstance(value, list | tuple):
        return [None if v is UNDEFINED or callable(v) else _json_value(v, True) for v in value]
    if isinstance(value, bytes | bytearray):
        return {"type": "Buffer", "data": list(value)}
    if value is UNDEFINED:
        return None
    if isinstance(value, re.Pattern):
        return {}
    if isinstance(value, datetime):
        return js_date_iso(value)
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return _json_value(to_json(), in_array)
    return js_string(value)


class _JSNumber(float):
    """A float that ``json`` writes in JavaScript's notation."""

    def __repr__(self) -> str:
        return js_number_str(float(self))

    __str__ = __repr__


def _needs_slow_path(value: Any) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is dict:
            stack.extend(v.values())
        elif t is list:
            stack.extend(v)
        elif t is str or t is int or t is bool or v is None:
            continue
        else:
            return True
    return False


def js_json_dumps(value: Any, indent: int | str | None = None) -> str:
    """JavaScript's ``JSON.stringify(value, null, indent)``."""
    if indent == 0 or indent == "":
        indent = None
    separators = (",", ":") if indent is None else (",", ": ")
    if not _needs_slow_path(value):
        return json.dumps(value, ensure_ascii=False, indent=indent, separators=separators)
    return _dumps_with_js_floats(_json_value(value, False), indent, separators)


def _dumps_with_js_floats(value: Any, indent: int | str | None, separators: tuple[str, str]) -> str:
    if isinstance(indent, int):
        indent = " " * indent
    # floatstr is looked up on the encoder's _make_iterencode; the pure-Python path
    # calls float.__repr__ directly, so we substitute our formatter there.
    chunks = json.encoder._make_iterencode(  # type: ignore[attr-defined]
        {},
        _reject,
        json.encoder.py_encode_basestring,
        indent,
        lambda o, *_a: js_number_str(float(o)),
        separators[1],
        separators[0],
        False,
        True,
        False,
    )(value, 0)
    return "".join(chunks)


def _reject(o: Any) -> Any:
    raise TypeError(f"cannot serialise {type(o).__name__}")
