"""Payload decoding of ``mqtt in``, topic rules and small helpers (no broker needed).

The expected values were recorded from Node-RED 5.0.7 (mqtt in → function → file) with
these payloads published to Mosquitto 2.0.11; see docs/services.md for the setup.
"""

from __future__ import annotations

import base64
import math
from typing import Any

import pytest
from flowengine.nodes.network.mqtt_broker import (
    is_valid_publish_topic,
    is_valid_subscription_topic,
    js_parse_int,
    topic_matcher,
    user_properties_from,
)
from flowengine.nodes.network.mqtt_in import _DecodeError, decode_payload, is_utf8

from flowengine.jsvalues import js_json_loads as js_json_parse

BUF = object()  # "a Buffer": the payload bytes unchanged
INVALID = ("error", "Invalid JSON string")
FAILED = ("error", "Failed to parse JSON string")

# payload → (auto, auto-detect, utf8, json), as Node-RED 5.0.7 produced them.
RECORDED: list[tuple[bytes, Any, Any, Any, Any]] = [
    (b" 0xBC,20.40,51.6,low\x00", BUF, BUF, " 0xBC,20.40,51.6,low\x00", INVALID),
    (b"alert: hall\x00", BUF, BUF, "alert: hall\x00", INVALID),
    (b"42", "42", 42, "42", 42),
    (b'{"a":1}', '{"a":1}', {"a": 1}, '{"a":1}', {"a": 1}),
    (b"\xff\xfe", BUF, BUF, "\ufffd\ufffd", INVALID),
    (b"tab\there", "tab\there", "tab\there", "tab\there", FAILED),
    (b"del\x7f", BUF, BUF, "del\x7f", INVALID),
    (b"", "", "", "", FAILED),
    (b"caf\xc3\xa9", "café", "café", "café", FAILED),
    (b"\xc2\x80", "\x80", "\x80", "\x80", FAILED),
    (b"NaN", "NaN", "NaN", "NaN", FAILED),
    (b" 1 ", " 1 ", 1, " 1 ", 1),
    (b'"x"', '"x"', "x", '"x"', "x"),
    (b"null", "null", None, "null", None),
    (b'{"a":1}\x00', BUF, BUF, '{"a":1}\x00', INVALID),
    (b"\x0b", BUF, BUF, "\x0b", INVALID),
    (
        b"12345678901234567890",
        "12345678901234567890",
        1.2345678901234567e19,
        "12345678901234567890",
        1.2345678901234567e19,
    ),
    (b"1.0", "1.0", 1, "1.0", 1),
    (b"\xed\xa0\x80", BUF, BUF, "\ufffd\ufffd\ufffd", INVALID),
    (b'{"a":1,"a":2}', '{"a":1,"a":2}', {"a": 2}, '{"a":1,"a":2}', {"a": 2}),
    (b"-0", "-0", -0.0, "-0", -0.0),  # JavaScript -0 (shown as 0)
    (b"1e400", "1e400", math.inf, "1e400", math.inf),
    (b'"\\ud800"', '"\\ud800"', "\ud800", '"\\ud800"', "\ud800"),
    (b"\xef\xbb\xbf1", "\ufeff1", "\ufeff1", "\ufeff1", FAILED),
]


def _check(datatype: str, payload: bytes, expected: Any, **v5: Any) -> None:
    if isinstance(expected, tuple) and expected[0] == "error":
        with pytest.raises(_DecodeError) as info:
            decode_payload(datatype, payload, **v5)
        assert info.value.text == expected[1]
        return
    got = decode_payload(datatype, payload, **v5)
    if expected is BUF:
        assert got == payload and isinstance(got, bytes)
    else:
        assert (got == expected and type(got) is type(expected)) or (
            isinstance(expected, float) and got == expected
        ), (datatype, payload, got)


@pytest.mark.parametrize(("payload", "auto", "detect", "utf8", "as_json"), RECORDED)
def test_decoding_matches_node_red(
    payload: bytes, auto: Any, detect: Any, utf8: Any, as_json: Any
) -> None:
    _check("auto", payload, auto)
    _check("auto-detect", payload, detect)
    _check("utf8", payload, utf8)
    if as_json is not None:
        _check("json", payload, as_json)
    assert decode_payload("buffer", payload) == payload
    assert decode_payload("base64", payload) == base64.b64encode(payload).decode()


def test_base64_as_recorded() -> None:
    assert decode_payload("base64", b" 0xBC,20.40,51.6,low\x00") == "IDB4QkMsMjAuNDAsNTEuNixsb3cA"
    assert decode_payload("base64", b"") == ""


def test_nul_terminated_board_payload_stays_bytes() -> None:
    # The IoTKit firmware publishes strlen(buf)+1 bytes.
    payload = b"0xBC,22.90,36.9,low\x00"
    assert decode_payload("auto", payload) == payload
    assert decode_payload("auto-detect", payload) == payload
    assert not is_utf8(payload)
    assert is_utf8(payload[:-1])


def test_json_error_payload_is_what_node_red_reports() -> None:
    with pytest.raises(_DecodeError) as info:
        decode_payload("json", b"tab\there")
    assert info.value.payload == b"tab\there"  # still the Buffer
    with pytest.raises(_DecodeError) as info:
        decode_payload("auto", b"nope", False, "application/json")
    assert info.value.payload == "nope"  # already a string (v5 content type path)


# v5: (payloadFormatIndicator, contentType, payload) → (auto, auto-detect), recorded.
RECORDED_V5: list[tuple[bool | None, str | None, bytes, Any, Any]] = [
    (None, "application/json", b'{"b":2}', '{"b":2}', {"b": 2}),
    (None, "application/json", b"nope", FAILED, FAILED),
    (None, "text/plain", b'{"b":2}', '{"b":2}', '{"b":2}'),
    (True, None, b'{"c":3}', '{"c":3}', {"c": 3}),
    (True, None, b"x\x00", "x\x00", "x\x00"),
    (None, "application/octet-stream", b"abc", BUF, BUF),
    (None, "foo/bar", b'{"d":4}', '{"d":4}', {"d": 4}),
    (None, "foo/bar", b"\xff", BUF, BUF),
    (False, None, b'{"e":5}', '{"e":5}', {"e": 5}),
    (None, "Application/JSON", b'{"f":6}', '{"f":6}', {"f": 6}),
]


@pytest.mark.parametrize(("pfi", "content_type", "payload", "auto", "detect"), RECORDED_V5)
def test_v5_decoding_matches_node_red(
    pfi: bool | None, content_type: str | None, payload: bytes, auto: Any, detect: Any
) -> None:
    v5 = {"format_utf8": pfi is True, "content_type": content_type}
    _check("auto", payload, auto, **v5)
    _check("auto-detect", payload, detect, **v5)


def test_js_json_parse() -> None:
    assert js_json_parse(" [1, 2.5, true, null] ") == [1, 2.5, True, None]
    assert math.copysign(1, js_json_parse("-0")) == -1
    for bad in ("NaN", "Infinity", "-Infinity", "'x'", "{a:1}", "1 2", ""):
        with pytest.raises(ValueError):
            js_json_parse(bad)


@pytest.mark.parametrize(
    ("topic_filter", "topic", "matches"),
    [
        ("#", "a/b", True),
        ("a/#", "a", True),
        ("a/#", "a/b/c", True),
        ("a/#", "ab", False),
        ("a/+/c", "a/b/c", True),
        ("a/+/c", "a//c", False),  # Node-RED's + needs at least one character
        ("+", "a", True),
        ("+", "a/b", False),
        ("a/b", "a/b", True),
        ("a/b", "a/c", False),
        ("$share/g/a/+", "a/x", True),
        ("$share/g/#", "any/thing", True),
        ("a.b/*", "a.b/*", True),
        ("a.b/*", "axb/x", False),
        ("$SYS/+", "$SYS/x", True),
    ],
)
def test_topic_matching(topic_filter: str, topic: str, matches: bool) -> None:
    assert topic_matcher(topic_filter)(topic) is matches


def test_topic_validity() -> None:
    for ok in ("#", "a/#", "+/b", "a/+/c", "a", "", "$share/g/a/#"):
        assert is_valid_subscription_topic(ok), ok
    for bad in ("a#", "a/#/b", "a+/b", "#/a"):
        assert not is_valid_subscription_topic(bad), bad
    assert is_valid_publish_topic("a/b c")
    not_topics: list[Any] = ["", "a/+", "a/#", "a\nb", "a\x00b", "a\tb", None, 5]
    for bad_topic in not_topics:
        assert not is_valid_publish_topic(bad_topic), bad_topic


def test_parse_int_and_user_properties() -> None:
    assert js_parse_int("2") == 2
    assert js_parse_int(" 1x") == 1
    assert js_parse_int(2.9) == 2
    assert js_parse_int("x") is None
    assert js_parse_int(True) is None
    assert user_properties_from({"a": "b", "n": 1, "o": {"x": [1]}, "z": None}) == {
        "a": "b",
        "n": "1",
        "o": '{"x":[1]}',
    }
    assert user_properties_from({}) is None
    assert user_properties_from("x") is None
