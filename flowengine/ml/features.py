"""Feature vectors from message values, for the ``ml-score`` node.

Three ways to read a value:

- ``csv``: an IoTKit CSV line such as ``0xBC,22.90,36.9,low\\0`` (a ``str`` or ``bytes``;
  NUL bytes and white space around the line and around each field are stripped), by column
  positions (zero-based; the IoTKit default is columns 1 and 2: temperature, humidity);
- ``paths``: an object such as ``{"humtemp": {"temp": 22.9, "hum": 36.9}}``, by property
  paths (``humtemp.temp``, ``humtemp.hum``);
- ``array``: a list of numbers (optionally picking columns).

``auto`` chooses by the value's type. Numbers may be JSON numbers or numeric strings; booleans,
NaN and infinities are refused. Anything else is a :class:`FeatureError` with a message that
says what was wrong. Pure Python: no numpy here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from flowengine.jsvalues import UNDEFINED
from flowengine.props import PropertyExpressionError, PropertyPath, compile_property

__all__ = [
    "DEFAULT_COLUMNS",
    "DEFAULT_PATHS",
    "FORMATS",
    "FeatureError",
    "FeatureReader",
    "parse_number",
    "strip_line",
]

FORMATS = ("auto", "csv", "paths", "array")
#: IoTKit CSV: sensor id, temperature, humidity, class
DEFAULT_COLUMNS = (1, 2)
#: the record the iot-kafka-pipe flow writes
DEFAULT_PATHS = ("humtemp.temp", "humtemp.hum")

# A plain decimal number, as the firmware prints them (no NaN, no "1_0", no hex).
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_LINE_JUNK = "\x00 \t\r\n"


class FeatureError(ValueError):
    """A message value that does not give a usable feature vector."""


def strip_line(text: str) -> str:
    """A capture line without the NUL terminator and surrounding white space."""
    return text.strip(_LINE_JUNK)


def parse_number(value: Any, what: str) -> float:
    """A finite float from a JSON number or a numeric string; ``what`` names it in errors."""
    if isinstance(value, bool) or value is None or value is UNDEFINED:
        raise FeatureError(f"{what}: expected a number, got {_describe(value)}")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip(_LINE_JUNK)
        if not _NUMBER.fullmatch(text):
            raise FeatureError(f"{what}: expected a number, got {_describe(value)}")
        number = float(text)
    else:
        raise FeatureError(f"{what}: expected a number, got {_describe(value)}")
    if not math.isfinite(number):
        raise FeatureError(f"{what}: expected a finite number, got {_describe(value)}")
    return number


def _describe(value: Any) -> str:
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value[:40] + ("…" if len(value) > 40 else ""))
    if isinstance(value, bytes):
        return f"a Buffer of {len(value)} bytes"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return f"an array of {len(value)}"
    return repr(value)


class FeatureReader:
    """Reads a feature vector (list of floats) from a message value."""

    def __init__(
        self,
        fmt: str = "auto",
        columns: Sequence[int] | None = None,
        paths: Sequence[str] = DEFAULT_PATHS,
        separator: str = ",",
    ) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
        if not separator:
            raise ValueError("separator must not be empty")
        if columns is not None:
            if not columns:
                raise ValueError("columns must not be empty")
            for c in columns:
                if isinstance(c, bool) or not isinstance(c, int) or c < 0:
                    raise ValueError(f"column {c!r} is not a position (0, 1, 2, ...)")
        if not paths:
            raise ValueError("paths must not be empty")
        self.format = fmt
        self.separator = separator
        self.explicit_columns = tuple(columns) if columns is not None else None
        self.csv_columns = self.explicit_columns or DEFAULT_COLUMNS
        self.path_texts = tuple(paths)
        self.paths: list[PropertyPath] = []
        for p in paths:
            try:
                self.paths.append(compile_property(p))
            except PropertyExpressionError as e:
                raise ValueError(f"bad path {p!r}: {e}") from None

    def widths(self) -> set[int]:
        """The vector lengths this reader can produce (``-1``: any, from an array)."""
        out: set[int] = set()
        if self.format in ("auto", "csv"):
            out.add(len(self.csv_columns))
        if self.format in ("auto", "paths"):
            out.add(len(self.paths))
        if self.format in ("auto", "array"):
            out.add(len(self.explicit_columns) if self.explicit_columns else -1)
        return out

    def read(self, value: Any) -> list[float]:
        fmt = self.format
        if fmt == "auto":
            if isinstance(value, str | bytes | bytearray):
                fmt = "csv"
            elif isinstance(value, dict):
                fmt = "paths"
            elif isinstance(value, list | tuple):
                fmt = "array"
            else:
                raise FeatureError(
                    f"expected a CSV line, an object or an array, got {_describe(value)}"
                )
        if fmt == "csv":
            return self._read_csv(value)
        if fmt == "paths":
            return self._read_paths(value)
        return self._read_array(value)

    def _read_csv(self, value: Any) -> list[float]:
        if isinstance(value, bytes | bytearray):
            try:
                text = bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                raise FeatureError("the CSV line is not UTF-8 text") from None
        elif isinstance(value, str):
            text = value
        else:
            raise FeatureError(f"expected a CSV line, got {_describe(value)}")
        fields = strip_line(text).split(self.separator)
        out = []
        for c in self.csv_columns:
            if c >= len(fields):
                raise FeatureError(
                    f"column {c}: the line has only {len(fields)} field(s): {_describe(text)}"
                )
            out.append(parse_number(fields[c], f"column {c}"))
        return out

    def _read_paths(self, value: Any) -> list[float]:
        if not isinstance(value, dict):
            raise FeatureError(f"expected an object, got {_describe(value)}")
        out = []
        for text, path in zip(self.path_texts, self.paths, strict=True):
            try:
                item = path.get(value)
            except (TypeError, PropertyExpressionError):
                item = UNDEFINED
            out.append(parse_number(item, text))
        return out

    def _read_array(self, value: Any) -> list[float]:
        if not isinstance(value, list | tuple):
            raise FeatureError(f"expected an array, got {_describe(value)}")
        columns = self.explicit_columns
        if columns is None:
            return [parse_number(v, f"element {i}") for i, v in enumerate(value)]
        out = []
        for c in columns:
            if c >= len(value):
                raise FeatureError(f"element {c}: the array has only {len(value)} element(s)")
            out.append(parse_number(value[c], f"element {c}"))
        return out
