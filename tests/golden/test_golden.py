"""Replay every golden recording (``tests/golden/recorded``) on flowengine and compare.

Each recording holds a flow, the inject node ids triggered in order and the
debug-sidebar messages Node-RED 5.0.7 produced. The flow is run with
:class:`FlowTestHelper`, each inject node gets ``{}`` (as ``POST /inject/:id``
does), the runtime is allowed to go idle after each, and:

- ``test_golden_outputs``: the sequence of ``(debug node id, value)`` across
  all debug nodes must equal the recording's after normalisation (see
  ``sidebar.py`` and ``README.md``);
- ``test_golden_logs``: for cases marked ``compare_logs``, the node warnings
  and errors must equal the recorded ones;
- ``test_golden_sidebar``: when the values match, the sidebar messages the
  debug nodes publish (``format``, encoded ``msg``, ``name``, ``path``,
  ``property``, ``topic``) must decode to the recorded ones.

Needs no Node.js.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from flowengine.errors import FlowFileError
from flowengine.testing import FlowTestHelper

from .sidebar import (
    canonical,
    decode_sidebar,
    describe,
    first_deep_difference,
    normalise_outputs,
    recorded_outputs,
)

RECORDED = Path(__file__).parent / "recorded"
RECORDINGS = sorted(RECORDED.glob("*.json"))

# Cases flowengine may reject at load time instead of reproducing Node-RED (see
# README "Accepted deviations"): case name -> text the load error must contain.
# A case that loads is compared with Node-RED as usual.
ACCEPTED_LOAD_REJECTIONS: dict[str, str] = {
    "change_legacy_move": "a move target must be msg, flow or global",
    "change_invalid_property_expression": "Invalid property expression",
    "js_regex_python_only_syntax": "regular expression",
}

# The recorder's Node-RED settings that change what debug nodes show.
REPLAY_SETTINGS: dict[str, Any] = {"debugMaxLength": 100000000}

# Node-RED log levels in debug-sidebar log records → Python logging levels.
_LEVELS = {20: logging.ERROR, 30: logging.WARNING}

# Sidebar fields compared by test_golden_sidebar (besides format and msg).
_SIDEBAR_FIELDS = ("name", "path", "_alias", "property", "topic")


@dataclass
class Outcome:
    """What one replay produced."""

    outputs: list[tuple[str, Any]] = field(default_factory=list)  # (node id, canonical value)
    sidebar: list[dict[str, Any]] = field(default_factory=list)  # decoded sidebar messages
    logs: list[tuple[str, int, str]] = field(default_factory=list)  # (node id, level, text)
    load_error: str | None = None


@functools.cache
def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _sidebar_entry(node_id: str, sidebar: dict[str, Any]) -> dict[str, Any]:
    """The comparable part of one sidebar message (decoded value, no z)."""
    entry: dict[str, Any] = {"id": node_id, "format": sidebar.get("format")}
    try:
        entry["msg"] = decode_sidebar(str(sidebar.get("format")), sidebar.get("msg"))
    except (ValueError, TypeError) as e:
        entry["msg"] = f"<undecodable: {e}>"
    for key in _SIDEBAR_FIELDS:
        if key in sidebar:
            entry[key] = canonical(sidebar[key])
    return entry


def _run(recording: dict[str, Any]) -> Outcome:
    """Run the recorded flow on flowengine."""
    outcome = Outcome()

    def on_debug(node: Any, value: Any, *rest: Any) -> None:
        # Snapshot at emission time, as Node-RED encodes the value when it is sent.
        if rest and rest[0] is False:
            return  # emitted with sidebar output off
        outcome.outputs.append((node.id, canonical(value)))
        if rest and isinstance(rest[0], dict):
            outcome.sidebar.append(_sidebar_entry(node.id, rest[0]))

    try:
        helper = FlowTestHelper(
            recording["flow"], env=dict(recording["env"]), settings=dict(REPLAY_SETTINGS)
        )
        helper.runtime.on("debug", on_debug)
        helper.start()
    except FlowFileError as e:  # problems found when parsing or building the flow
        outcome.load_error = str(e)
        return outcome
    try:
        helper.wait_idle()
        for inject_id in recording["injects"]:
            helper.inject(inject_id, {})
            helper.wait_idle()
    finally:
        helper.stop()
    outcome.logs = [
        (node_id, level, text)
        for node_id, level, text in list(helper.logs)
        if level >= logging.WARNING
    ]
    return outcome


@functools.cache
def replay(path: Path) -> Outcome:
    """Run a recording once per test session (the three tests share the result)."""
    return _run(_load(path))


def accepted_rejection(recording: dict[str, Any], outcome: Outcome) -> bool | str:
    """True for an accepted load rejection, a failure text for any other load failure,
    False when the flow loaded (then it is compared with Node-RED as usual)."""
    if outcome.load_error is None:
        return False
    accepted = ACCEPTED_LOAD_REJECTIONS.get(recording["case"])
    if accepted and accepted in outcome.load_error:
        return True
    return f"the flow does not load: {outcome.load_error}"


def expected_logs(recording: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [
        (entry["id"], _LEVELS.get(entry["level"], entry["level"]), entry["msg"])
        for entry in recording["logs"]
        if entry.get("id")
    ]


def recorded_sidebar(recording: dict[str, Any]) -> list[dict[str, Any]]:
    entries = []
    for output in recording["outputs"]:
        entry: dict[str, Any] = {"id": output["id"], "format": output["format"]}
        entry["msg"] = decode_sidebar(output["format"], output["msg"])
        for key in _SIDEBAR_FIELDS:
            if key in output:
                entry[key] = canonical(output[key])
        entries.append(entry)
    return entries


def normalise_sidebar(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    pairs = normalise_outputs([(e["id"], e) for e in entries])
    return [entry for _, entry in pairs]


def compare(expected: list[Any], got: list[Any]) -> str | None:
    """None when equal, else a readable description of the first difference."""
    if expected == got:
        return None
    lines = [f"expected {len(expected)} item(s), got {len(got)}"]
    for i in range(max(len(expected), len(got))):
        want = expected[i] if i < len(expected) else "(nothing)"
        have = got[i] if i < len(got) else "(nothing)"
        if want != have:
            lines.append(f"first difference at #{i}:")
            lines.append(f"  Node-RED:   {describe(want)}")
            lines.append(f"  flowengine: {describe(have)}")
            where = first_deep_difference(want, have)
            if where:
                lines.append(
                    f"  at {where[0]}: {describe(where[1], 200)} != {describe(where[2], 200)}"
                )
            break
    lines.append("Node-RED ids:   " + describe([_item_id(x) for x in expected], 300))
    lines.append("flowengine ids: " + describe([_item_id(x) for x in got], 300))
    return "\n".join(lines)


def _item_id(item: Any) -> Any:
    if isinstance(item, tuple):
        return item[0]
    if isinstance(item, dict):
        return item.get("id")
    return item


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


@pytest.mark.parametrize("path", RECORDINGS, ids=_ids(RECORDINGS))
def test_golden_outputs(path: Path) -> None:
    recording = _load(path)
    outcome = replay(path)
    verdict = accepted_rejection(recording, outcome)
    if verdict is True:
        return
    if verdict:
        pytest.fail(f"{recording['case']}: {verdict}", pytrace=False)
    expected = normalise_outputs(recorded_outputs(recording))
    problem = compare(expected, normalise_outputs(outcome.outputs))
    if problem:
        pytest.fail(f"{recording['case']}: {recording['description']}\n{problem}", pytrace=False)


LOG_RECORDINGS = [p for p in RECORDINGS if _load(p).get("compare_logs")]


@pytest.mark.parametrize("path", LOG_RECORDINGS, ids=_ids(LOG_RECORDINGS))
def test_golden_logs(path: Path) -> None:
    recording = _load(path)
    outcome = replay(path)
    verdict = accepted_rejection(recording, outcome)
    if verdict is True:
        return
    if verdict:
        pytest.fail(f"{recording['case']}: {verdict}", pytrace=False)
    problem = compare(expected_logs(recording), outcome.logs)
    if problem:
        pytest.fail(f"{recording['case']}: node warnings/errors differ\n{problem}", pytrace=False)


@pytest.mark.parametrize("path", RECORDINGS, ids=_ids(RECORDINGS))
def test_golden_sidebar(path: Path) -> None:
    recording = _load(path)
    outcome = replay(path)
    if outcome.load_error is not None:
        pytest.skip("the flow does not load (see test_golden_outputs)")
    expected_values = normalise_outputs(recorded_outputs(recording))
    if normalise_outputs(outcome.outputs) != expected_values:
        pytest.skip("the debug values differ (see test_golden_outputs)")
    if len(outcome.sidebar) != len(outcome.outputs):
        pytest.fail(
            f"{recording['case']}: {len(outcome.outputs)} debug event(s) but only "
            f"{len(outcome.sidebar)} carried a sidebar message",
            pytrace=False,
        )
    problem = compare(
        normalise_sidebar(recorded_sidebar(recording)), normalise_sidebar(outcome.sidebar)
    )
    if problem:
        pytest.fail(f"{recording['case']}: sidebar messages differ\n{problem}", pytrace=False)
