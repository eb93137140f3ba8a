"""Range node: scale, clamp, roll, drop, rounding, inverted limits, non-numbers."""

from __future__ import annotations

from .builder import Case, FlowBuilder


def _range(
    name: str,
    description: str,
    limits: tuple[str, str, str, str],
    payloads: list[tuple[str, str]],
    *,
    action: str = "scale",
    round_: bool = False,
    compare_logs: bool = False,
) -> Case:
    f = FlowBuilder()
    ids = f.injects(["rg"], payloads)
    f.range("rg", ["dbg"], *limits, action=action, round_=round_)
    f.debug("dbg", "payload")
    return f.case(name, description, ids, compare_logs=compare_logs)


_VALUES = [("-5", "num"), ("0", "num"), ("2.5", "num"), ("10", "num"), ("15", "num"), ("7", "str")]


def cases() -> list[Case]:
    return [
        _range(
            "range_scale",
            "scale 0..10 to 0..100 (out-of-range values extrapolate)",
            ("0", "10", "0", "100"),
            _VALUES,
        ),
        _range(
            "range_clamp",
            "clamp to the input range first",
            ("0", "10", "0", "100"),
            _VALUES,
            action="clamp",
        ),
        _range(
            "range_roll",
            "roll around within the input range",
            ("0", "10", "0", "100"),
            _VALUES,
            action="roll",
        ),
        _range(
            "range_drop",
            "drop values outside the input range",
            ("0", "10", "0", "100"),
            _VALUES,
            action="drop",
        ),
        _range(
            "range_round",
            "round to the nearest integer",
            ("0", "3", "0", "10"),
            [("1", "num"), ("2", "num"), ("0.15", "num"), ("0.45", "num")],
            round_=True,
        ),
        _range(
            "range_inverted",
            "minin > maxin swaps both ranges",
            ("10", "0", "0", "1"),
            [("0", "num"), ("2.5", "num"), ("10", "num")],
        ),
        _range(
            "range_non_numbers",
            "Number() coercion of other types; NaN is dropped",
            ("0", "10", "0", "1"),
            [("abc", "str"), ("", "str"), ("true", "bool"), ("[5]", "json"), ("null", "json")],
        ),
        _range(
            "range_negative_output",
            "scaling into a negative output range",
            ("0", "1", "-1", "1"),
            [("0", "num"), ("0.25", "num"), ("1", "num")],
        ),
        _range_missing(),
        _range_other_property(),
    ]


def _range_missing() -> Case:
    f = FlowBuilder()
    f.inject("inj", ["rg"], {"p": "topic", "v": "no payload", "vt": "str"})
    f.range("rg", ["dbg"], "0", "10", "0", "1")
    f.debug("dbg", "true")
    return f.case(
        "range_missing_property", "a message without the property passes unchanged", ["inj"]
    )


def _range_other_property() -> Case:
    f = FlowBuilder()
    f.inject(
        "inj",
        ["rg"],
        {"p": "payload", "v": "keep", "vt": "str"},
        {"p": "reading.value", "v": "512", "vt": "num"},
    )
    f.range("rg", ["dbg"], "0", "1023", "0", "100", round_=True, prop="reading.value")
    f.debug("dbg", "true")
    return f.case("range_other_property", "scale a nested property, rounded", ["inj"])
