"""inject (reference §3.1, ``20-inject.js``): props, legacy form, timers, cron, errors."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import pytest
from flowengine.nodes.common.inject import CronSchedule, InjectNode

from flowengine.jsvalues import UNDEFINED
from flowengine.testing import load_error_lines

from .conftest import TAB, Runner, node


def inject(id: str = "i1", wires: list[list[str]] | None = None, **props: Any) -> dict[str, Any]:
    return node(id, "inject", wires=wires if wires is not None else [["out"]], **props)


OUT = node("out", "helper")


# ---- properties ------------------------------------------------------------------
def test_editor_defaults_give_a_timestamp_payload_and_empty_topic(run: Runner) -> None:
    cfg = inject(
        props=[{"p": "payload"}, {"p": "topic", "vt": "str"}],
        payload="",
        payloadType="date",
        topic="",
    )
    h = run([TAB, cfg, OUT])
    before = int(time.time() * 1000)
    h.inject("i1")
    [msg] = h.wait_for("out")
    assert isinstance(msg["payload"], int) and before - 1000 <= msg["payload"] <= before + 60_000
    assert msg["topic"] == ""
    assert list(msg) == ["_msgid", "payload", "topic"]  # receive() stamps the id first


def test_legacy_form_without_props(run: Runner) -> None:
    h = run([TAB, inject(payload="", payloadType="num", topic="legacy"), OUT])
    h.inject("i1")
    [msg] = h.wait_for("out")
    assert msg["payload"] == 0 and msg["topic"] == "legacy"


def test_legacy_form_without_payload_type_is_a_string(run: Runner) -> None:
    h = run([TAB, inject(payload="hi"), OUT])
    h.inject("i1")
    [msg] = h.wait_for("out")
    assert msg["payload"] == "hi" and msg["topic"] == ""


def test_payload_and_topic_entries_without_value_use_the_legacy_fields(run: Runner) -> None:
    cfg = inject(
        props=[{"p": "payload"}, {"p": "topic", "vt": "str"}],
        payload="42",
        payloadType="num",
        topic="room/1",
    )
    h = run([TAB, cfg, OUT])
    h.inject("i1")
    [msg] = h.wait_for("out")
    assert msg["payload"] == 42 and msg["topic"] == "room/1"


def test_a_topic_entry_without_type_does_not_take_the_legacy_topic(run: Runner) -> None:
    cfg = inject(props=[{"p": "topic"}, {"p": "payload", "v": "5", "vt": "num"}], topic="ignored")
    h = run([TAB, cfg, OUT])
    h.inject("i1")
    [msg] = h.wait_for("out")
    assert msg["topic"] == "" and msg["payload"] == 5


def test_every_value_type(run: Runner) -> None:
    props = [
        {"p": "s", "v": "text", "vt": "str"},
        {"p": "n", "v": "1e3", "vt": "num"},
        {"p": "b", "v": "TRUE", "vt": "bool"},
        {"p": "j", "v": '{"a":[1,2]}', "vt": "json"},
        {"p": "buf", "v": "[1,2,3]", "vt": "bin"},
        {"p": "bufs", "v": '"hi"', "vt": "bin"},
        {"p": "d", "v": "", "vt": "date"},
        {"p": "iso", "v": "iso", "vt": "date"},
        {"p": "e", "v": "FOO", "vt": "env"},
        {"p": "f", "v": "fk", "vt": "flow"},
        {"p": "g", "v": "gk", "vt": "global"},
        {"p": "copy", "v": "j.a[1]", "vt": "msg"},
        {"p": "expr", "v": "n + j.a[0]", "vt": "jsonata"},
        {"p": "deep.er.path", "v": "x", "vt": "str"},
        {"p": "missing"},
    ]
    h = run([TAB, inject(props=props), OUT], env={"FOO": "bar"})

    def set_context() -> None:
        n = h.node("i1")
        n.flow_context.set("fk", "from flow")
        n.global_context.set("gk", {"v": 1})

    h.call(set_context)
    h.inject("i1")
    [msg] = h.wait_for("out")
    assert msg["s"] == "text" and msg["n"] == 1000 and msg["b"] is True
    assert msg["j"] == {"a": [1, 2]}
    assert msg["buf"] == b"\x01\x02\x03" and msg["bufs"] == b"hi"
    assert isinstance(msg["d"], int)
    assert isinstance(msg["iso"], str) and msg["iso"].endswith("Z")
    assert msg["e"] == "bar"
    assert msg["f"] == "from flow" and msg["g"] == {"v": 1}
    assert msg["copy"] == 2
    assert msg["expr"] == 1001  # evaluated in order: sees n and j set just before
    assert msg["deep"] == {"er": {"path": "x"}}
    assert msg["missing"] == ""


def test_an_empty_props_list_sends_an_empty_message(run: Runner) -> None:
    h = run([TAB, inject(props=[]), OUT])
    h.inject("i1")
    [msg] = h.wait_for("out")
    assert list(msg) == ["_msgid"]


def test_entries_without_a_property_name_are_skipped(run: Runner) -> None:
    h = run([TAB, inject(props=[{"p": "", "v": "x"}, {"v": "y"}, {"p": "a", "v": "z"}]), OUT])
    h.inject("i1")
    [msg] = h.wait_for("out")
    assert msg["a"] == "z" and "" not in msg


def test_user_inject_props_replace_props_for_one_shot(run: Runner) -> None:
    h = run([TAB, inject(props=[{"p": "payload", "v": "normal", "vt": "str"}]), OUT])
    h.inject(
        "i1",
        {
            "__user_inject_props__": [{"p": "payload", "v": "up", "vt": "str"}, {"p": "x"}],
            "other": 1,
        },
    )
    h.inject("i1")
    first, second = h.wait_for("out", 2)
    assert first["payload"] == "up" and first["x"] == "" and first["other"] == 1
    assert "__user_inject_props__" not in first
    assert list(first) == ["other", "_msgid", "payload", "x"]
    assert second["payload"] == "normal"


def test_evaluation_errors_are_joined_into_one_catchable_error(run: Runner) -> None:
    flow = [
        TAB,
        inject(props=[]),
        OUT,
        node("c", "catch", scope=None, wires=[["caught"]]),
        node("caught", "helper"),
    ]
    h = run(flow)
    user_props = [
        {"p": "a", "v": "x.y.z", "vt": "msg"},
        {"p": "ok", "v": "fine", "vt": "str"},
        {"p": "b", "v": "$foo(", "vt": "jsonata"},
        {"p": "c", "v": "{bad", "vt": "json"},
    ]
    h.inject("i1", {"__user_inject_props__": user_props})
    [err] = h.wait_for("caught")
    parts = err["error"]["message"].split("; ")
    assert len(parts) == 3
    assert parts[0] == "TypeError: Cannot read properties of undefined (reading 'y')"
    assert parts[2].startswith("SyntaxError")
    assert err["ok"] == "fine"  # the good properties were still set
    assert err["error"]["source"]["id"] == "i1"
    h.wait_idle()
    assert h.received("out") == []


def test_a_jsonata_runtime_error_is_reported_as_invalid_expression(run: Runner) -> None:
    flow = [
        TAB,
        inject(props=[]),
        OUT,
        node("c", "catch", wires=[["caught"]]),
        node("caught", "helper"),
    ]
    h = run(flow)
    h.inject("i1", {"__user_inject_props__": [{"p": "a", "v": "$error('nope')", "vt": "jsonata"}]})
    [err] = h.wait_for("caught")
    assert err["error"]["message"].startswith("Invalid JSONata expression: ")


# ---- timers --------------------------------------------------------------------------
def test_once_fires_after_the_delay_with_a_fresh_message(run: Runner) -> None:
    cfg = inject(props=[{"p": "payload", "v": "hi", "vt": "str"}], once=True, onceDelay=0.05)
    h = run([TAB, cfg, OUT])
    [msg] = h.wait_for("out", 1, timeout=10)
    assert list(msg) == ["payload", "_msgid"]  # timer shots get their id when sent
    h.wait_idle()
    assert len(h.received("out")) == 1


def test_once_then_repeat(run: Runner) -> None:
    cfg = inject(props=[], once=True, onceDelay=0.01, repeat="0.05")
    h = run([TAB, cfg, OUT])
    msgs = h.wait_for("out", 3, timeout=20)
    assert len({m["_msgid"] for m in msgs}) == len(msgs)


def test_repeat_interval(run: Runner) -> None:
    h = run([TAB, inject(props=[{"p": "payload", "v": "1", "vt": "num"}], repeat="0.05"), OUT])
    msgs = h.wait_for("out", 3, timeout=20)
    assert all(m["payload"] == 1 for m in msgs)


def test_stopping_cancels_the_timers(run: Runner) -> None:
    h = run([TAB, inject(props=[], repeat="0.05"), OUT])
    h.wait_for("out", 1, timeout=20)
    h.stop()
    count = len(h.received("out"))
    assert not h.node("i1")._timers
    assert len(h.received("out")) == count


def test_zero_once_delay_means_a_tenth_of_a_second(run: Runner) -> None:
    h = run([TAB, inject(props=[], once=True, onceDelay=0), OUT])
    assert h.node("i1").once_delay == pytest.approx(0.1)  # type: ignore[attr-defined]
    h.wait_for("out", 1, timeout=10)


def test_inject_is_a_source() -> None:
    assert InjectNode.has_input is False


def test_a_crontab_schedules_shots(run: Runner) -> None:
    h = run(
        [
            TAB,
            inject(props=[{"p": "payload", "v": "tick", "vt": "str"}], crontab="* * * * * *"),
            OUT,
        ]
    )
    msgs = h.wait_for("out", 1, timeout=15)
    assert msgs[0]["payload"] == "tick"


def test_repeat_wins_over_crontab(run: Runner) -> None:
    h = run([TAB, inject(props=[], repeat="0.05", crontab="not a crontab"), OUT])
    h.wait_for("out", 2, timeout=20)
    assert h.node("i1").cron is None  # type: ignore[attr-defined]


def test_completion_is_reported_for_timer_and_received_shots(run: Runner) -> None:
    flow = [
        TAB,
        inject(props=[], once=True, onceDelay=0.01),
        OUT,
        node("done", "complete", scope=["i1"], wires=[["completed"]]),
        node("completed", "helper"),
    ]
    h = run(flow)
    h.wait_for("completed", 1, timeout=10)
    h.inject("i1")
    got = h.wait_for("completed", 2, timeout=10)
    assert got[1]["complete"] == {"source": {"id": "i1", "type": "inject", "name": UNDEFINED}}


# ---- cron schedule computation (no waiting) ---------------------------------------
def _local(*args: Any) -> float:
    return datetime(*args).timestamp()  # naive = local time, as crontabs are


@pytest.mark.parametrize(
    ("expression", "start", "expected"),
    [
        ("*/5 * * * *", (2024, 2, 27, 10, 17, 33), [(2024, 2, 27, 10, 20), (2024, 2, 27, 10, 25)]),
        ("0 9 * * 1-5", (2024, 3, 1, 10, 0, 0), [(2024, 3, 4, 9, 0), (2024, 3, 5, 9, 0)]),
        ("*/1 8-17 * * *", (2024, 2, 27, 17, 59, 30), [(2024, 2, 28, 8, 0), (2024, 2, 28, 8, 1)]),
        ("00 09 * * 1,2,3", (2024, 2, 28, 9, 0, 0), [(2024, 3, 4, 9, 0), (2024, 3, 5, 9, 0)]),
        ("0 22-23,0-1 * * *", (2024, 2, 27, 23, 30, 0), [(2024, 2, 28, 0, 0), (2024, 2, 28, 1, 0)]),
        (
            "30 * * * * *",
            (2024, 2, 27, 10, 0, 31),
            [(2024, 2, 27, 10, 1, 30), (2024, 2, 27, 10, 2, 30)],
        ),
        ("@daily", (2024, 2, 28, 12, 0, 0), [(2024, 2, 29, 0, 0), (2024, 3, 1, 0, 0)]),
        ("0 0 L * *", (2024, 1, 31, 1, 0, 0), [(2024, 2, 29, 0, 0), (2024, 3, 31, 0, 0)]),
        ("0 12 * jan-feb MON", (2024, 2, 20, 0, 0, 0), [(2024, 2, 26, 12, 0), (2025, 1, 6, 12, 0)]),
        ("0 0 1 * 1", (2024, 3, 30, 0, 0, 0), [(2024, 4, 1, 0, 0), (2024, 4, 8, 0, 0)]),
    ],
)
def test_next_fire_times(
    expression: str, start: tuple[int, ...], expected: list[tuple[int, ...]]
) -> None:
    # Expectations were computed with cronosjs (Node-RED's cron library).
    schedule = CronSchedule(expression)
    t = _local(*start)
    for want in expected:
        t = schedule.next_after(t)
        assert t == _local(*want)


@pytest.mark.parametrize(
    "expression",
    [
        "* * *",
        "* * * * * * * *",
        "0 0 * * 5L",
        "0 0 5-1 * *",
        "0 0 * * 0-7",
        "61 * * * *",
        "@often",
    ],
)
def test_crontabs_cronosjs_rejects_or_reads_differently_are_refused(expression: str) -> None:
    with pytest.raises(ValueError):
        CronSchedule(expression)


# ---- load-time validation ------------------------------------------------------------
@pytest.mark.parametrize(
    ("props", "fragment"),
    [
        ({"repeat": "abc"}, "repeat: invalid repeat value"),
        ({"repeat": "-1"}, "repeat: invalid repeat value"),
        ({"repeat": "3000000"}, "Interval too large"),
        ({"crontab": "* * *"}, "crontab: invalid crontab"),
        ({"once": "yes"}, "once: must be true or false"),
        ({"onceDelay": "soon"}, "onceDelay: must be a number"),
        ({"props": {"p": "payload"}}, "props: must be a list"),
        ({"props": ["payload"]}, "props[0]: must be an object"),
        ({"props": [{"p": "a..b", "v": "1"}]}, "props[0]: msg.a..b"),
        ({"props": [{"p": "a", "v": "1", "vt": "cred"}]}, "unsupported value type 'cred'"),
        ({"props": [{"p": "a", "v": "{", "vt": "json"}]}, "msg.a: invalid JSON data"),
        ({"props": [{"p": "a", "v": "$x(", "vt": "jsonata"}]}, "invalid JSONata expression"),
        ({"props": [{"p": "a", "v": "[1,", "vt": "bin"}]}, "props[0]: msg.a"),
        ({"props": [{"p": "a", "v": "b..c", "vt": "msg"}]}, "props[0]: msg.a"),
    ],
)
def test_bad_options_are_refused_at_load(props: dict[str, Any], fragment: str) -> None:
    lines = load_error_lines([TAB, inject(wires=[], **props)])
    assert len(lines) == 1 and fragment in lines[0], lines


def test_legacy_value_types_load() -> None:
    props = [{"p": "a", "v": "x", "vt": "string"}, {"p": "payload"}]
    assert load_error_lines([TAB, inject(wires=[], props=props, payloadType="none")]) == []
