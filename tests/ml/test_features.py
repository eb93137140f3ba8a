"""Feature vectors from message values (flowengine.ml.features)."""

from __future__ import annotations

from typing import Any

import pytest

from flowengine.jsvalues import UNDEFINED
from flowengine.ml.features import FeatureError, FeatureReader, parse_number


@pytest.mark.parametrize(
    "value",
    [b" 0xBC,22.90,36.9,low\x00", "0xBC,22.90,36.9,low", "0xBC, 22.90 , 36.9 ,low\r\n"],
)
def test_csv_lines_bytes_or_text(value: Any) -> None:
    assert FeatureReader("csv").read(value) == [22.9, 36.9]


def test_csv_columns_and_separator() -> None:
    assert FeatureReader("csv", columns=[3, 0], separator=";").read("1;2;3;4") == [4.0, 1.0]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0xBC", "column 1: the line has only 1 field"),
        ("0xBC,hot,36.9,low", "column 1: expected a number, got 'hot'"),
        ("0xBC,NaN,36.9,low", "column 1: expected a number"),
        ("0xBC,1e999,36.9,low", "column 1: expected a finite number"),
        (b"\xff,1,2", "not UTF-8"),
        (12, "expected a CSV line"),
    ],
)
def test_csv_errors(value: Any, message: str) -> None:
    with pytest.raises(FeatureError, match=message):
        FeatureReader("csv").read(value)


def test_paths() -> None:
    reader = FeatureReader("paths")
    assert reader.read({"humtemp": {"temp": 22.9, "hum": "36.9"}}) == [22.9, 36.9]
    with pytest.raises(FeatureError, match=r"humtemp\.hum: expected a number, got undefined"):
        reader.read({"humtemp": {"temp": 22.9}})
    with pytest.raises(FeatureError, match=r"humtemp\.temp: expected a number, got true"):
        reader.read({"humtemp": {"temp": True, "hum": 1}})
    with pytest.raises(FeatureError, match=r"humtemp\.temp: expected a number, got undefined"):
        reader.read({"humtemp": None})
    with pytest.raises(FeatureError, match="expected an object"):
        reader.read([1, 2])
    assert FeatureReader("paths", paths=["a[1]", "b.c"]).read({"a": [0, 5], "b": {"c": 6}}) == [
        5.0,
        6.0,
    ]


def test_arrays() -> None:
    assert FeatureReader("array").read([1, 2.5, "3"]) == [1.0, 2.5, 3.0]
    assert FeatureReader("array", columns=[2]).read([1, 2, 3]) == [3.0]
    with pytest.raises(FeatureError, match="element 1: expected a number, got null"):
        FeatureReader("array").read([1, None])
    with pytest.raises(FeatureError, match="element 4: the array has only 3"):
        FeatureReader("array", columns=[4]).read([1, 2, 3])


def test_auto_chooses_by_type() -> None:
    reader = FeatureReader()
    assert reader.read("0xBC,1,2,low") == [1.0, 2.0]
    assert reader.read({"humtemp": {"temp": 1, "hum": 2}}) == [1.0, 2.0]
    assert reader.read([1, 2]) == [1.0, 2.0]
    with pytest.raises(FeatureError, match="expected a CSV line, an object or an array, got 5"):
        reader.read(5)
    assert reader.widths() == {2, -1}
    assert FeatureReader("array", columns=[0, 1, 2]).widths() == {3}


@pytest.mark.parametrize("value", [True, None, UNDEFINED, "1_000", "0x10", " ", float("nan")])
def test_parse_number_refuses(value: Any) -> None:
    with pytest.raises(FeatureError):
        parse_number(value, "x")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fmt": "xml"}, "unknown format"),
        ({"columns": []}, "columns must not be empty"),
        ({"columns": [-1]}, "not a position"),
        ({"paths": []}, "paths must not be empty"),
        ({"paths": ["a..b"]}, "bad path"),
        ({"separator": ""}, "separator"),
    ],
)
def test_bad_reader_options(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FeatureReader(**kwargs)
