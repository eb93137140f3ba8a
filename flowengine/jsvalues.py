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
from typing import Any, Final

__all__ = [
    "UNDEFINED",
    "Undefined",
    "is_buffer",
    "js_json_dumps",
    "js_loose_eq",
    "js_number_str",
    "js_string",
    "js_truthy",
    "js_typeof",
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
        if abs(x) < 10**21:
            return str(x)
        x = float(x)
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
        return r
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
        return f"/{value.pattern}/"
    return str(value)


_NUMERIC_RE = re.compile(r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$")


def to_number(value: Any) -> float | int:
    """JavaScript's ``Number(value)``; returns an int when the result is integral."""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int | float):
        return value
    if value is None:
        return 0
    if value is UNDEFINED:
        return math.nan
    if isinstance(value, bytes | bytearray):
        value = js_string(value)
    if isinstance(value, list):
        if not value:
            return 0
        if len(value) == 1:
            return to_number(value[0] if not isinstance(value[0], list) else js_string(value[0]))
        return math.nan
    if isinstance(value, str):
        s = value.strip()
        if s == "":
            return 0
        if _NUMERIC_RE.match(s):
            f = float(s)
            if f.is_integer() and "e" not in s.lower() and "." not in s:
                return int(s)
            return f
        low = s.lower()
        try:
            if low.startswith("0x"):
                return int(s[2:], 16)
            if low.startswith("0o"):
                return int(s[2:], 8)
            if low.startswith("0b"):
                return int(s[2:], 2)
        except ValueError:
            return math.nan
        if s in ("Infinity", "+Infinity"):
            return math.inf
        if s == "-Infinity":
            return -math.inf
        return math.nan
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


def _to_primitive(value: Any) -> Any:
    if isinstance(value, list | dict | bytes | bytearray):
        return js_string(value)
    return value


def js_loose_eq(a: Any, b: Any) -> bool:
    """JavaScript's ``a == b`` (abstract equality)."""
    a_nullish = a is None or a is UNDEFINED
    b_nullish = b is None or b is UNDEFINED
    if a_nullish or b_nullish:
        return a_nullish and b_nullish
    if isinstance(a, list | dict | bytes | bytearray) and isinstance(
        b, list | dict | bytes | bytearray
    ):
        return a is b
    a, b = _to_primitive(a), _to_primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, bool) and isinstance(b, bool):
        return a == b
    na, nb = to_number(a), to_number(b)
    return bool(na == nb)


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
        return [
            None if v is UNDEFINED or callable(v) else _json_value(v, True) for v in value
        ]
    if isinstance(value, bytes | bytearray):
        return {"type": "Buffer", "data": list(value)}
    if value is UNDEFINED:
        return None
    if isinstance(value, re.Pattern):
        return {}
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
        json.encoder.py_encode_basestring,  # type: ignore[attr-defined]
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
