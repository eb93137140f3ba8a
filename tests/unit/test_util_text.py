"""UTF-16 string measures and JavaScript key order (``flowengine.util.utf16``/``jsobject``)."""

from __future__ import annotations

from flowengine.jsvalues import UNDEFINED
from flowengine.util.jsobject import is_array_index, js_class_name, js_own_get, js_own_keys
from flowengine.util.utf16 import utf16_len, utf16_slice, utf16_units


def test_utf16_measures() -> None:
    assert utf16_len("a😀") == 3
    assert utf16_units("a😀") == [0x61, 0xD83D, 0xDE00]
    assert utf16_slice("a😀b", 1, 3) == "😀"
    assert utf16_slice("a😀b", 3) == "b"


def test_object_keys_put_array_indexes_first() -> None:
    assert js_own_keys({"b": 1, "10": 2, "01": 3, "2": 4}) == ["2", "10", "b", "01"]
    assert js_own_keys("ab") == ["0", "1"]
    assert js_own_keys(5) == []
    assert js_own_get({"a": 1}, "b") is UNDEFINED
    assert js_own_get(b"\x07", "0") == 7
    assert [is_array_index(k) for k in ("0", "4294967294", "4294967295", "²", "-1")] == [
        True,
        True,
        False,
        False,
        False,
    ]


def test_class_names() -> None:
    values = [None, UNDEFINED, True, 1.5, "s", [], b"", {}]
    assert [js_class_name(v)[8:-1] for v in values] == [
        "Null",
        "Undefined",
        "Boolean",
        "Number",
        "String",
        "Array",
        "Uint8Array",
        "Object",
    ]
