"""The tolerant capture reader (flowengine.ml.captures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowengine.ml.captures import parse_reading, read_capture
from flowengine.ml.features import FeatureError

from .support import SAMPLE_TEST, SAMPLE_TRAIN


def test_a_board_line_with_leading_space_and_nul() -> None:
    r = parse_reading(" 0xBC,20.40,51.6,low\x00", 3)
    assert (r.sensor, r.temperature, r.humidity, r.label, r.line) == ("0xBC", 20.4, 51.6, "low", 3)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("0xBC,20.4,51.6", "expected 4 fields"),
        ("0xBC,20.4,51.6,low,extra", "expected 4 fields"),
        ("0xBC,warm,51.6,low", "temperature: expected a number"),
        ("0xBC,20.4,nan,low", "humidity: expected a number"),
        ("0xBC,inf,51.6,low", "temperature: expected a number"),
        ("0xBC,20.4,51.6,", "empty class"),
        (",20.4,51.6,low", "empty sensor id"),
    ],
)
def test_broken_lines_say_why(line: str, reason: str) -> None:
    with pytest.raises(FeatureError, match=reason):
        parse_reading(line)


def test_blank_broken_and_dropped_lines_are_counted_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "capture.csv"
    path.write_bytes(
        b"\n"  # 1 blank (not counted by --drop-first)
        b" 0xBC,20.40,51.6,low\x00\n"  # 2 dropped
        b"0xBC,25.40,51.6,middle\x00\r\n"  # 3 dropped
        b"0xBC,30.40,51.5,high\x00\n"  # 4
        b"   \x00\n"  # 5 blank
        b"0xBC,20.4\n"  # 6 broken
        b"\xff\xfe,1,2,low\n"  # 7 not UTF-8
        b"0xBC,25.50,51.3,middle"  # 8, no final newline
    )
    capture = read_capture(path, drop_first=2)
    assert capture.lines == 8
    assert capture.blank == 2
    assert capture.dropped == 2
    assert capture.broken == 2
    assert [(r.label, r.line) for r in capture.readings] == [("high", 4), ("middle", 8)]
    assert [(b.line, b.reason) for b in capture.broken_examples] == [
        (6, "expected 4 fields (sensor,temperature,humidity,class), got 2"),
        (7, "not UTF-8 text"),
    ]
    assert "8 lines, 2 readings, 2 dropped" in capture.summary()
    assert capture.as_dict()["broken"] == 2


def test_progress_reaches_the_end(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("0xBC,20.4,51.6,low\n" * 10_000)
    seen: list[tuple[int, int]] = []
    capture = read_capture(path, progress=lambda done, total: seen.append((done, total)))
    assert len(capture.readings) == 10_000
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)
    assert len(seen) >= 3  # the first line, every 4096 lines, the end


def test_missing_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        read_capture(tmp_path / "nope.csv")


def test_the_shipped_sample_is_clean_and_cycles_the_classes() -> None:
    for path, n in ((SAMPLE_TRAIN, 300), (SAMPLE_TEST, 150)):
        capture = read_capture(path)
        assert (len(capture.readings), capture.broken, capture.blank) == (n, 0, 0)
        labels = [r.label for r in capture.readings]
        assert labels[:6] == ["low", "middle", "high"] * 2
        assert path.read_bytes().count(b"\x00\n") == n  # NUL-terminated, as the boards send
