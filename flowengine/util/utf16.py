"""Strings measured as JavaScript measures them: in UTF-16 code units.

Python strings count code points; JavaScript's ``length``, indexes and the
positions in its error messages count UTF-16 code units, so a character outside
the Basic Multilingual Plane counts twice.
"""

from __future__ import annotations

__all__ = ["utf16_len", "utf16_slice", "utf16_units"]


def utf16_len(text: str) -> int:
    """``text.length`` in JavaScript."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf16_units(text: str) -> list[int]:
    """The UTF-16 code units of ``text`` (``charCodeAt`` of each index)."""
    data = text.encode("utf-16-le", "surrogatepass")
    return [data[i] | (data[i + 1] << 8) for i in range(0, len(data), 2)]


def utf16_slice(text: str, start: int, end: int | None = None) -> str:
    """``text.slice(start, end)`` for non-negative bounds (may split a surrogate pair)."""
    units = text.encode("utf-16-le", "surrogatepass")
    part = units[2 * start : None if end is None else 2 * end]
    return part.decode("utf-16-le", "surrogatepass")
