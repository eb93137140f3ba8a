"""Tolerant reader of IoTKit capture files (``data.csv``, ``test.csv``, ``ml-data.csv``).

One reading per line, as the board publishes it and the iot-kafka-consumer appends it:
``sensor,temperature,humidity,class`` — e.g. `` 0xBC,20.40,51.6,low\\0``. Leading and trailing
white space and the NUL terminator are stripped. Blank lines are counted and skipped; lines that
are not four fields with two finite numbers and a class (or not UTF-8) are counted as broken,
with their line number and reason, and skipped. Nothing here is fatal: the caller decides
whether what is left is enough. Pure Python, so reading never imports numpy.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from .features import FeatureError, parse_number, strip_line

__all__ = ["BrokenLine", "Capture", "Reading", "parse_reading", "read_capture"]

#: how many broken lines are kept with their text (all are counted)
MAX_EXAMPLES = 20


@dataclass(frozen=True)
class Reading:
    """One sensor reading from a capture line."""

    sensor: str
    temperature: float
    humidity: float
    label: str
    line: int


@dataclass(frozen=True)
class BrokenLine:
    line: int
    reason: str
    text: str


@dataclass
class Capture:
    """What a capture file held."""

    path: str
    readings: list[Reading] = field(default_factory=list)
    lines: int = 0
    blank: int = 0
    dropped: int = 0
    broken: int = 0
    broken_examples: list[BrokenLine] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{len(self.readings)} readings"]
        if self.dropped:
            parts.append(f"{self.dropped} dropped (--drop-first)")
        parts.append(f"{self.blank} blank")
        parts.append(f"{self.broken} broken line(s)")
        return f"{self.path}: {self.lines} lines, " + ", ".join(parts)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "lines": self.lines,
            "readings": len(self.readings),
            "dropped": self.dropped,
            "blank": self.blank,
            "broken": self.broken,
            "broken_examples": [
                {"line": b.line, "reason": b.reason, "text": b.text} for b in self.broken_examples
            ],
        }


def parse_reading(text: str, line: int = 0) -> Reading:
    """One capture line → :class:`Reading`; raises :class:`FeatureError` saying why not."""
    fields = [f.strip() for f in strip_line(text).split(",")]
    if len(fields) != 4:
        raise FeatureError(
            f"expected 4 fields (sensor,temperature,humidity,class), got {len(fields)}"
        )
    sensor, temp, hum, label = fields
    if not sensor:
        raise FeatureError("empty sensor id")
    if not label:
        raise FeatureError("empty class")
    return Reading(
        sensor, parse_number(temp, "temperature"), parse_number(hum, "humidity"), label, line
    )


def read_capture(
    path: str | os.PathLike[str],
    drop_first: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Capture:
    """Read a capture file; the first ``drop_first`` non-blank lines are skipped (the notebook
    drops the first rows as noise). ``progress(bytes_done, bytes_total)`` is called as it goes.
    Raises ``OSError`` only when the file cannot be read at all."""
    capture = Capture(path=os.fspath(path))
    with open(path, "rb") as f:
        data = f.read()
    total = len(data)
    to_drop = drop_first
    offset = 0
    for number, raw in enumerate(data.split(b"\n"), start=1):
        offset += len(raw) + 1
        if progress is not None and (number == 1 or number % 4096 == 0):
            progress(min(offset, total), total)
        if offset > total and not raw:
            break  # the empty piece after a final newline is not a line
        capture.lines += 1
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and not strip_line(text):
            capture.blank += 1
            continue
        if to_drop > 0:
            to_drop -= 1
            capture.dropped += 1
            continue
        if text is None:
            _broken(capture, number, "not UTF-8 text", raw.decode("utf-8", "replace"))
            continue
        try:
            capture.readings.append(parse_reading(text, number))
        except FeatureError as e:
            _broken(capture, number, str(e), text)
    if progress is not None:
        progress(total, total)
    return capture


def _broken(capture: Capture, line: int, reason: str, text: str) -> None:
    capture.broken += 1
    if len(capture.broken_examples) < MAX_EXAMPLES:
        shown = strip_line(text)
        capture.broken_examples.append(BrokenLine(line, reason, shown[:80]))
