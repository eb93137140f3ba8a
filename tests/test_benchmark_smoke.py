"""Smoke test of benchmarks/runtime_hops.py on flowengine alone, with tiny N.

Checks that every message arrives and the report is written; no timing asserts
and no Node.js needed.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent
HARNESS = REPO / "benchmarks" / "runtime_hops.py"


def _load_harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("runtime_hops", HARNESS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("scenario", ["chain", "fanout"])
def test_every_message_reaches_the_sinks(scenario: str) -> None:
    harness = _load_harness()
    sc = harness.SCENARIOS[scenario]
    result = harness.run_flowengine(sc, n=250, batch=100, timeout=60)
    assert result["received"] == 250 * sc.sinks
    assert result["last_topic"] == ("hop-10" if scenario == "chain" else None)
    assert result["elapsed_s"] > 0
    assert result["max_rss_kb"] > 0


def test_chain_flow_has_ten_change_nodes_in_a_row() -> None:
    harness = _load_harness()
    flow = harness.build_flow(harness.SCENARIOS["chain"], n=10, batch=5)
    by_id = {n["id"]: n for n in flow}
    path = []
    node = by_id["source"]
    while node["wires"] and node["wires"][0]:
        node = by_id[node["wires"][0][0]]
        path.append(node["type"])
    assert path == ["change"] * 10 + ["bench-sink"]


def test_command_line_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "runtime_hops.md"
    cmd = [sys.executable, str(HARNESS), "--engines", "flowengine", "--n", "300"]
    cmd += ["--runs", "1", "--batch", "100", "--idle-settle", "0.2", "--out", str(out)]
    proc = subprocess.run(
        cmd, cwd=REPO, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = out.read_text(encoding="utf-8")
    assert "| source → 10 change → sink | 11 |" in report
    assert "| source → 4 sinks (fan-out) | 4 |" in report
    assert "`flowengine run flows/demo.json`" in report
