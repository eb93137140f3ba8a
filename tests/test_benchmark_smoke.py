"""Smoke tests of the benchmark harness (``benchmarks/``) on flowengine alone, with tiny N.

Checks that every message arrives, that the load generator, counter and report work
end to end against a real Mosquitto, and that the Node-RED variants of the seed flow
are built as described; no timing asserts and no Node.js needed.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from benchmarks import run_all
from benchmarks.flows import KAFKA_TOPIC, bridge_flow, node_red_seed_flow
from benchmarks.report import evaluate_goals, render_markdown
from benchmarks.services import Endpoint
from flowengine.flowfile import parse_flows
from flowengine.registry import default_registry
from tests.support.fixtures import mosquitto  # noqa: F401  (the session's Mosquitto)

REPO = Path(__file__).resolve().parent.parent
HARNESS = REPO / "benchmarks" / "runtime_hops.py"


def _load_harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("runtime_hops", HARNESS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("scenario", ["chain", "fanout", "fanout10k"])
def test_every_message_reaches_the_sinks(scenario: str) -> None:
    harness = _load_harness()
    sc = harness.SCENARIOS[scenario]
    result = harness.run_flowengine(sc, n=250, batch=100, timeout=60)
    assert result["received"] == 250 * sc.sinks
    assert result["last_topic"] == ("hop-10" if scenario == "chain" else None)
    assert result["elapsed_s"] > 0
    assert result["cpu_s"] >= 0
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


def test_the_fanout_payload_is_ten_kilobytes() -> None:
    harness = _load_harness()
    size = len(json.dumps(harness.payload_10k(), separators=(",", ":")))
    assert 9_000 < size < 11_000


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
    assert "| source → 4 sinks, 10 kB object payload | 4 |" in report
    assert "`flowengine run flows/demo.json`" in report


def test_the_bridge_flow_loads_in_flowengine() -> None:
    flow = bridge_flow(Endpoint("127.0.0.1", 1883), 1)
    flowset = parse_flows("<bridge>", flow, default_registry())
    assert not flowset.unknown and not flowset.warnings
    assert sorted(n["type"] for n in flowset.items if n["type"] != "tab") == [
        "change",
        "mqtt in",
        "mqtt out",
        "mqtt-broker",
    ]
    change = next(n for n in flow if n["type"] == "change")
    assert [r["from"] for r in change["rules"]] == [
        "iotkit/alert",
        "iotkit/sensor",
        "iotkit/rfid",
        "iotkit/encoder",
        "iotkit/button",
    ]


def test_node_red_seed_flow_swaps_the_producer_for_kafkajs() -> None:
    mqtt, kafka = Endpoint("127.0.0.1", 1883), Endpoint("127.0.0.1", 9092)
    swapped = {n["id"]: n for n in node_red_seed_flow(mqtt, kafka, "kafkajs")}
    producer = swapped["e5b153fe.e7e89"]
    assert producer["type"] == "kafkajs-producer"
    assert producer["topic"] == KAFKA_TOPIC and producer["acknowledge"] == "leader"
    assert swapped["33fcb129.b6642e"]["type"] == "kafkajs-client"
    assert swapped["33fcb129.b6642e"]["brokers"] == "127.0.0.1:9092"
    assert swapped["8a4d6f84.20268"]["broker"] == "127.0.0.1"
    as_is = {n["id"]: n for n in node_red_seed_flow(mqtt, kafka, "kafka-manager")}
    assert as_is["e5b153fe.e7e89"]["type"] == "Kafka Producer"
    assert as_is["33fcb129.b6642e"]["hosts"] == [{"host": "127.0.0.1", "port": 9092}]


def _fake_doc() -> dict[str, Any]:
    def sample(rate: float, cpu: float, rss: float) -> dict[str, Any]:
        return {"rate": rate, "cpu_us": cpu, "peak_rss_mb": rss, "received": 10, "expected": 10}

    return {
        "meta": {"date": "today", "runs": 1},
        "scenarios": [
            {
                "key": "ceiling-q0-20k",
                "title": "ceiling",
                "group": "ceiling",
                "n": 20000,
                "samples": {"no engine (ceiling)": [sample(100.0, 0, 0)]},
            },
            {
                "key": "bridge-q0-20k",
                "title": "bridge",
                "group": "bridge",
                "n": 20000,
                "compare": "node-red",
                "samples": {
                    "flowengine": [sample(30.0, 8.0, 40.0)],
                    "node-red": [sample(20.0, 10.0, 100.0)],
                },
            },
        ],
    }


def test_goals_are_judged_on_ratios_of_medians() -> None:
    verdicts = {g.text: (round(g.measured or 0, 2), g.met) for g in evaluate_goals(_fake_doc())}
    assert verdicts["bridge: msg/s ≥ 1.5× Node-RED"] == (1.5, True)
    assert verdicts["bridge: ≥ 60 % of the no-engine ceiling"] == (0.3, False)
    assert verdicts["bridge: CPU/msg ≤ 0.8×"] == (0.8, True)
    assert verdicts["bridge: peak RSS ≤ 0.5×"] == (0.4, True)
    assert "| bridge | flowengine |" in render_markdown(_fake_doc())


@pytest.mark.timeout(900)  # a first start may install Mosquitto
def test_suite_runs_end_to_end_on_flowengine(
    mosquitto: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    args = ["--engines", "flowengine", "--groups", "ceiling,bridge,latency,hops", "--runs", "1"]
    args += ["--bridge-n", "300", "--qos", "0,1", "--latency-rate", "200"]
    args += ["--latency-seconds", "1", "--hops-n", "300", "--fanout10k-n", "50"]
    args += ["--mosquitto", mosquitto.address, "--out-dir", str(tmp_path)]
    assert run_all.main(args) == 0
    doc = json.loads((tmp_path / "suite.json").read_text(encoding="utf-8"))
    for sc in doc["scenarios"]:
        for label, samples in sc["samples"].items():
            assert len(samples) == 1, (sc["key"], label)
            sample = samples[0]
            assert "error" not in sample, (sc["key"], label, sample)
            assert sample["received"] == sample["expected"], (sc["key"], label, sample)
            if sc["group"] in ("bridge", "latency"):
                assert sample["topics"] == ["broker_message"]
                assert sample["startup_s"] > 0 and sample["peak_rss_mb"] > 0
    latencies = [sc for sc in doc["scenarios"] if sc["group"] == "latency"]
    assert [sc["qos"] for sc in latencies] == [0, 1]
    for sc in latencies:
        assert sc["samples"]["flowengine"][0]["p99"] >= sc["samples"]["flowengine"][0]["p50"]
    report = (tmp_path / "suite.md").read_text(encoding="utf-8")
    assert "| MQTT bridge, QoS 1, burst 300 | flowengine |" in report
    assert (tmp_path / "suite.png").stat().st_size > 0
