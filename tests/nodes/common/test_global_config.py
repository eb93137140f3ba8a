"""global-config (``91-global-config.js``): global env entries reach every node; validation."""

from __future__ import annotations

from typing import Any

import pytest

from flowengine.testing import load_error_lines

from .conftest import TAB, Runner, node


def global_config(env: Any) -> dict[str, Any]:
    return {"id": "gc", "type": "global-config", "name": "", "env": env, "modules": {}}


def test_global_env_reaches_nodes(run: Runner) -> None:
    flow = [
        global_config(
            [
                {"name": "SITE", "value": "plant-7", "type": "str"},
                {"name": "LIMIT", "value": "12", "type": "num"},
            ]
        ),
        TAB,
        node(
            "i1",
            "inject",
            props=[
                {"p": "site", "v": "SITE", "vt": "env"},
                {"p": "limit", "v": "LIMIT", "vt": "env"},
            ],
            wires=[["out"]],
        ),
        node("out", "helper"),
    ]
    h = run(flow)
    h.inject("i1")
    [msg] = h.wait_for("out")
    assert msg["site"] == "plant-7" and msg["limit"] == 12


def test_no_env_is_fine() -> None:
    assert load_error_lines([{"id": "gc", "type": "global-config"}, TAB]) == []


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        # structural problems are found by the flow-file schema already
        ({"A": 1}, "gc (global-config): env"),
        (["A"], "gc (global-config): env[0]"),
        ([{"value": "x"}], "gc (global-config): env[0]"),
        ([{"name": "", "value": "x"}], "env[0]: name must be a non-empty string"),
        ([{"name": "A", "value": "x", "type": "weird"}], "env[0]: A: unsupported type 'weird'"),
    ],
)
def test_bad_entries_are_refused(env: Any, fragment: str) -> None:
    lines = load_error_lines([global_config(env), TAB])
    assert any(fragment in line for line in lines), lines
