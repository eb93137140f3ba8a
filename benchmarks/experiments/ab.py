"""A/B of the MQTT transport proposals: Node-RED, flowengine, flowengine + P1, + P3.

    .venv/bin/python -m benchmarks.experiments.ab --runs 3

Runs the MQTT bridge (QoS 0/1, bursts of 20 000 and 200 000) and the 1 000 msg/s latency
scenario for each variant, variants alternating, and writes
``benchmarks/results/ab-mqtt-transport.{md,json}``. P0 = a 0.5 ms GIL switch interval
(``switch_interval_cli.py``), P1 = paho driven by the engine loop
(``paho_on_loop_cli.py``), P3 = a minimal asyncio MQTT client (``asyncio_mqtt_cli.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from benchmarks.network import NetworkContext, close_topics, run_bridge, run_latency
from benchmarks.nodered import NodeRed
from benchmarks.procs import REPO, as_json_safe
from benchmarks.report import median
from benchmarks.services import BenchServices

__all__ = ["main"]

HERE = Path(__file__).resolve().parent
OUT = REPO / "benchmarks" / "results" / "ab-mqtt-transport"
VARIANTS: dict[str, str | None] = {
    "node-red": None,
    "flowengine": "",
    "flowengine + P0 (switch interval)": f"{sys.executable} {HERE / 'switch_interval_cli.py'}",
    "flowengine + P1 (paho on the loop)": f"{sys.executable} {HERE / 'paho_on_loop_cli.py'}",
    "flowengine + P3 (asyncio client)": f"{sys.executable} {HERE / 'asyncio_mqtt_cli.py'}",
}
CONFIGS = [("q0", 0, 20000), ("q1", 1, 20000), ("q0", 0, 200000), ("q1", 1, 200000)]


def _run(ctx: NetworkContext, variant: str, config: tuple[str, int, int]) -> dict[str, Any]:
    command = VARIANTS[variant]
    if command:
        os.environ["FLOWENGINE_BENCH_COMMAND"] = command
    else:
        os.environ.pop("FLOWENGINE_BENCH_COMMAND", None)
    engine = "node-red" if command is None else "flowengine"
    name, qos, n = config
    if name == "latency":
        return run_latency(ctx, engine, qos, 1000.0, n)
    return run_bridge(ctx, engine, qos, n)


def render(results: dict[str, dict[str, list[dict[str, Any]]]]) -> str:
    lines = [
        "# A/B: flowengine's MQTT transport (experiments P1, P3) vs Node-RED 5.0.7",
        "",
        "Medians of alternating runs; each flowengine variant is the same engine with one "
        "change monkeypatched in (`benchmarks/experiments/`).",
        "",
        "| scenario | variant | msg/s | lost | CPU µs/msg | p50 / p99 ms | peak RSS | "
        "÷ Node-RED msg/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, by_variant in results.items():
        base = median([s for s in by_variant.get("node-red", []) if "error" not in s], "rate")
        for variant, samples in by_variant.items():
            ok = [s for s in samples if "error" not in s]
            if not ok:
                lines.append(f"| {key} | {variant} | failed | | | | | |")
                continue
            rate = median(ok, "rate") or 0.0
            lost = sum(int(s["expected"]) - int(s["received"]) for s in ok)
            p50, p99 = median(ok, "p50"), median(ok, "p99")
            latency = f"{p50:.1f} / {p99:.1f}" if p50 is not None and p99 is not None else "–"
            ratio = f"{rate / base:.2f}×" if base else "–"
            peak = max(float(s["peak_rss_mb"]) for s in ok)
            lines.append(
                f"| {key} | {variant} | {rate:,.0f} | {lost:,} | "
                f"{median(ok, 'cpu_us') or 0:.1f} | {latency} | {peak:.0f} MB | {ratio} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--latency-seconds", type=int, default=15)
    p.add_argument("--render", help="only render this results JSON")
    args = p.parse_args(argv)
    if args.render:
        results = json.loads(Path(args.render).read_text(encoding="utf-8"))
    else:
        ctx = NetworkContext(BenchServices(), NodeRed.locate())
        configs = [*CONFIGS, ("latency", 1, args.latency_seconds)]
        results = {}
        try:
            for run in range(args.runs):
                order = list(VARIANTS) if run % 2 == 0 else list(reversed(VARIANTS))
                for config in configs:
                    key = f"{config[0]} {config[2]:,}" if config[0] != "latency" else "latency q1"
                    for variant in order:
                        try:
                            sample = _run(ctx, variant, config)
                        except Exception as e:  # one failed run must not lose the others
                            sample = {"error": f"{type(e).__name__}: {e}"}
                        results.setdefault(key, {}).setdefault(variant, []).append(sample)
                        print(run + 1, key, variant, f"{sample.get('rate', 0):,.0f}", flush=True)
        finally:
            close_topics()
            ctx.services.down()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.with_suffix(".json").write_text(json.dumps(as_json_safe(results), indent=1), "utf-8")
    OUT.with_suffix(".md").write_text(render(results), encoding="utf-8")
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
