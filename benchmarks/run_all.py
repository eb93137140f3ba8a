"""The benchmark suite of issue 6 in one command: flowengine and Node-RED 5.0.7 side by side.

    .venv/bin/python -m benchmarks                 # the full suite (~15 min), writes results
    .venv/bin/python -m benchmarks --quick         # small N, one run: checks the set-up
    .venv/bin/python -m benchmarks --groups bridge,latency --runs 5

It installs Node-RED 5.0.7 and its Kafka nodes on first use, starts its own Mosquitto,
Kafka 4 and Kafka 3.9 (``scripts/services.sh``, private state dirs) and stops them at
the end. Groups (each scenario runs ``--runs`` times per engine, engines alternating,
every run a fresh process):

- ``ceiling``: publisher → Mosquitto → counter, no engine (QoS 0/1, each burst size);
- ``bridge``: mqtt in → change (the seed flow's 5 topic rules) → mqtt out, bursts;
- ``seed``: ``flows/Node-RED-Kafka.json`` MQTT → Kafka, records counted on the topic;
- ``latency``: 1 000 msg/s for 30 s through the bridge (QoS 0 and 1), p50/p99/max;
- ``hops``: in-process chain of 10 change nodes, fan-out 1→4, fan-out 1→4 of 10 kB.

Start-up time to first message and idle RSS come with every bridge and seed run.
Writes ``benchmarks/results/suite.{md,json,png}``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import runtime_hops
from benchmarks.engines import ENGINES
from benchmarks.network import (
    NetworkContext,
    close_topics,
    run_bridge,
    run_ceiling,
    run_latency,
    run_seed,
)
from benchmarks.nodered import NodeRed
from benchmarks.procs import REPO, LoadSampler, as_json_safe, machine
from benchmarks.report import CEILING, render_markdown, update_docs, write_chart
from benchmarks.services import KAFKA_39_VERSION, BenchServices, Endpoint

__all__ = ["main"]

GROUPS = ("ceiling", "bridge", "seed", "latency", "hops")
DEFAULT_OUT = REPO / "benchmarks" / "results"
DOCS_FILE = REPO / "docs" / "benchmarks.md"
KAFKAJS = "node-red + kafkajs (Kafka 4)"
KAFKA_MANAGER = f"node-red + kafka-manager 0.6.2 (Kafka {KAFKA_39_VERSION}; writes null values)"


@dataclass
class Plan:
    """One scenario: its results entry and how to run one sample of one engine label."""

    entry: dict[str, Any]
    labels: list[str]
    run: Callable[[str], dict[str, Any]]


def _n_label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def build_plans(args: argparse.Namespace, ctx: NetworkContext, engines: list[str]) -> list[Plan]:
    plans: list[Plan] = []
    groups = args.groups
    sizes = [int(x) for x in args.bridge_n.split(",") if x]
    qoses = [int(x) for x in args.qos.split(",") if x]
    for n in sizes:
        for qos in qoses:
            tag = f"q{qos}-{_n_label(n)}"
            if "ceiling" in groups:
                plans.append(
                    Plan(
                        {
                            "key": f"ceiling-{tag}",
                            "title": f"No-engine ceiling, QoS {qos}, burst {n:,}",
                            "group": "ceiling",
                            "n": n,
                            "qos": qos,
                        },
                        [CEILING],
                        partial(_ceiling, ctx, qos, n),
                    )
                )
            if "bridge" in groups:
                plans.append(
                    Plan(
                        {
                            "key": f"bridge-{tag}",
                            "title": f"MQTT bridge, QoS {qos}, burst {n:,}",
                            "group": "bridge",
                            "n": n,
                            "qos": qos,
                            "compare": "node-red",
                        },
                        list(engines),
                        partial(_bridge, ctx, qos, n),
                    )
                )
    if "seed" in groups:
        labels = []
        if "flowengine" in engines:
            labels.append("flowengine")
        if "node-red" in engines:
            labels += [KAFKAJS, KAFKA_MANAGER]
        variants = {
            "flowengine": "flowengine",
            KAFKAJS: "node-red-kafkajs",
            KAFKA_MANAGER: "node-red-kafka-manager",
        }
        n, qos = args.seed_n, args.seed_qos
        plans.append(
            Plan(
                {
                    "key": "seed",
                    "title": f"Seed flow MQTT → Kafka, QoS {qos}, burst {n:,}",
                    "group": "seed",
                    "n": n,
                    "qos": qos,
                    "compare": KAFKAJS,
                },
                labels,
                lambda label: run_seed(ctx, variants[label], n, qos),
            )
        )
    if "latency" in groups:
        rate, seconds = args.latency_rate, args.latency_seconds
        for qos in [int(x) for x in args.latency_qos.split(",") if x]:
            plans.append(
                Plan(
                    {
                        "key": f"latency-q{qos}",
                        "title": f"Latency, bridge QoS {qos}, {rate:,.0f} msg/s for {seconds:g} s",
                        "group": "latency",
                        "n": int(rate * seconds),
                        "qos": qos,
                        "compare": "node-red",
                    },
                    list(engines),
                    partial(_latency, ctx, qos, rate, seconds),
                )
            )
    if "hops" in groups:
        for name, n in (
            ("chain", args.hops_n),
            ("fanout", args.hops_n),
            ("fanout10k", args.fanout10k_n),
        ):
            sc = runtime_hops.SCENARIOS[name]
            plans.append(
                Plan(
                    {
                        "key": f"hops-{name}",
                        "title": f"In-process {sc.title}, {n:,} msgs",
                        "group": "hops",
                        "n": n,
                        "compare": "node-red",
                    },
                    list(engines),
                    partial(_hops, sc, n, ctx.node_red),
                )
            )
    return plans


def _ceiling(ctx: NetworkContext, qos: int, n: int, _label: str) -> dict[str, Any]:
    return run_ceiling(ctx, qos, n)


def _bridge(ctx: NetworkContext, qos: int, n: int, engine: str) -> dict[str, Any]:
    return run_bridge(ctx, engine, qos, n)


def _latency(
    ctx: NetworkContext, qos: int, rate: float, seconds: float, engine: str
) -> dict[str, Any]:
    return run_latency(ctx, engine, qos, rate, seconds)


def _hops(
    sc: runtime_hops.Scenario, n: int, node_red: NodeRed | None, engine: str
) -> dict[str, Any]:
    r = runtime_hops.run_worker(engine, sc, n, 1000, node_red)
    return {
        "received": r["received"] // sc.sinks,
        "expected": n,
        "rate": r["msg_rate"],
        "hops_rate": r["rate"],
        "seconds": r["elapsed_s"],
        "cpu_us": r["cpu_us"],
        "peak_rss_mb": r["max_rss_kb"] / 1024,
    }


def _versions(node_red: NodeRed | None) -> dict[str, str]:
    out = {"python": platform.python_version(), "machine": machine(), "cpus": str(os.cpu_count())}
    if node_red is not None:
        out["node"] = node_red.version()
    try:
        text = subprocess.run(
            ["mosquitto", "-h"], capture_output=True, text=True, check=False
        ).stdout
        out["mosquitto"] = text.splitlines()[0].replace("mosquitto version ", "") if text else ""
    except OSError:
        out["mosquitto"] = ""
    out["kafka"] = f"{os.environ.get('KAFKA_VERSION', '4.4.0')} (and {KAFKA_39_VERSION})"
    out["commit"] = _git("rev-parse", "--short", "HEAD")
    if _git("status", "--porcelain", "--", "flowengine", "nodes"):
        out["commit"] += " + uncommitted changes in flowengine/ or nodes/"
    return out


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], capture_output=True, text=True, cwd=REPO, check=False
    ).stdout.strip()


def kafka_nodes_state() -> str:
    """Whether flowengine's Kafka producer is committed (the seed flow depends on it)."""
    log = _git("log", "--oneline", "-1", "--", "nodes/kafka/producer.py")
    if log:
        return f"flowengine's Kafka nodes as committed ({log.split()[0]})"
    return "flowengine's Kafka nodes from the working tree (not committed yet)"


def _write(doc: dict[str, Any], out_dir: Path, chart: bool) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "suite.json").write_text(
        json.dumps(as_json_safe(doc), indent=1, default=str), encoding="utf-8"
    )
    (out_dir / "suite.md").write_text(render_markdown(doc), encoding="utf-8")
    if chart:
        write_chart(doc, out_dir / "suite.png")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--runs", type=int, default=3, help="runs per engine and scenario (3)")
    p.add_argument(
        "--groups", default=",".join(GROUPS), help="comma-separated: " + ", ".join(GROUPS)
    )
    p.add_argument("--engines", default="flowengine,node-red", help="comma-separated")
    p.add_argument("--bridge-n", default="20000,200000", help="burst sizes (20000,200000)")
    p.add_argument("--qos", default="0,1", help="bridge QoS levels (0,1)")
    p.add_argument("--seed-n", type=int, default=20000, help="seed flow burst (20000)")
    p.add_argument("--seed-qos", type=int, default=1, choices=(0, 1), help="publish QoS (1)")
    p.add_argument("--latency-rate", type=float, default=1000.0, help="msg/s (1000)")
    p.add_argument("--latency-seconds", type=float, default=30.0, help="seconds (30)")
    p.add_argument("--latency-qos", default="0,1", help="QoS levels (0,1)")
    p.add_argument("--hops-n", type=int, default=200000, help="in-process messages (200000)")
    p.add_argument("--fanout10k-n", type=int, default=5000, help="10 kB fan-out messages (5000)")
    p.add_argument("--quick", action="store_true", help="small N and 1 run: a set-up check")
    p.add_argument("--mosquitto", help="HOST:PORT of a running broker to use instead of ours")
    p.add_argument("--out-dir", default=str(DEFAULT_OUT), help="where suite.{md,json,png} go")
    p.add_argument("--no-chart", action="store_true", help="skip the PNG")
    p.add_argument("--keep-services", action="store_true", help="leave our brokers running")
    p.add_argument(
        "--update-docs", action="store_true", help="put the results into docs/benchmarks.md"
    )
    p.add_argument("--report-only", help="re-render the report of a suite.json, run nothing")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.report_only:
        stored: dict[str, Any] = json.loads(Path(args.report_only).read_text(encoding="utf-8"))
        _write(stored, Path(args.out_dir), chart=not args.no_chart)
        if args.update_docs:
            update_docs(stored, DOCS_FILE)
        return 0
    if args.quick:
        args.runs = 1
        args.bridge_n, args.seed_n, args.hops_n, args.fanout10k_n = "2000", 2000, 20000, 500
        args.latency_seconds = 5.0
    args.groups = [g.strip() for g in args.groups.split(",") if g.strip()]
    unknown = [g for g in args.groups if g not in GROUPS]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown += [e for e in engines if e not in ENGINES]
    if unknown:
        raise SystemExit(f"unknown group(s) or engine(s): {', '.join(unknown)}")
    node_red = NodeRed.locate() if "node-red" in engines else None
    services = BenchServices()
    if args.mosquitto:
        host, port = args.mosquitto.rsplit(":", 1)
        services.endpoints["mosquitto"] = Endpoint(host, int(port))
    ctx = NetworkContext(services, node_red)
    plans = build_plans(args, ctx, engines)
    began = time.monotonic()
    sampler = LoadSampler()
    sampler.start()
    doc: dict[str, Any] = {
        "meta": {
            **_versions(node_red),
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "runs": args.runs,
            "notes": [],
        },
        "scenarios": [dict(p.entry, samples={label: [] for label in p.labels}) for p in plans],
    }
    if "seed" in args.groups:
        doc["meta"]["notes"].append(
            f"Seed flow: {kafka_nodes_state()}. kafka-manager 0.6.2 (what npm serves) writes "
            "every record with a null value (its open bug #61) and needs Kafka < 4: its row is "
            "for the record, the comparison is node-red-contrib-kafkajs 0.0.7 (kafkajs 1.16) "
            "on the same Kafka 4 broker as flowengine."
        )
    try:
        for run in range(args.runs):
            for plan, entry in zip(plans, doc["scenarios"], strict=True):
                # Alternate which engine goes first, so drift hits both alike.
                labels = plan.labels if run % 2 == 0 else list(reversed(plan.labels))
                for label in labels:
                    t0 = time.monotonic()
                    try:
                        sample = plan.run(label)
                    except Exception as e:  # one failed run must not lose the suite
                        traceback.print_exc()
                        sample = {"error": f"{type(e).__name__}: {e}"}
                    entry["samples"][label].append(sample)
                    _progress(run, args.runs, entry["key"], label, sample, time.monotonic() - t0)
                doc["meta"]["load"] = _load_now(sampler)
                doc["meta"]["duration_min"] = (time.monotonic() - began) / 60
                _write(doc, Path(args.out_dir), chart=False)
    finally:
        close_topics()
        if not args.keep_services:
            services.down()
    doc["meta"]["load"] = sampler.stop()
    doc["meta"]["duration_min"] = (time.monotonic() - began) / 60
    _write(doc, Path(args.out_dir), chart=not args.no_chart)
    print(f"wrote {Path(args.out_dir) / 'suite.md'}", flush=True)
    if args.update_docs and update_docs(doc, DOCS_FILE):
        print(f"updated {DOCS_FILE}", flush=True)
    return 0


def _load_now(sampler: LoadSampler) -> dict[str, float]:
    samples = sampler.samples or [os.getloadavg()[0]]
    return {"min": min(samples), "max": max(samples), "mean": sum(samples) / len(samples)}


def _progress(
    run: int, runs: int, key: str, label: str, sample: dict[str, Any], took: float
) -> None:
    if "error" in sample:
        text = "ERROR " + sample["error"][:200]
    else:
        text = f"{sample.get('rate', 0):>10,.0f} msg/s"
        if sample.get("received") != sample.get("expected"):
            text += f" ({sample.get('received')}/{sample.get('expected')})"
        if sample.get("cpu_us") is not None:
            text += f"  CPU {sample['cpu_us']:.1f} µs/msg"
        if sample.get("p99") is not None:
            text += f"  p50 {sample['p50']:.1f} p99 {sample['p99']:.1f} ms"
        if sample.get("peak_rss_mb") is not None:
            text += f"  peak {sample['peak_rss_mb']:.0f} MB"
    print(f"run {run + 1}/{runs} {key:18s} {label[:28]:28s} {text}  [{took:.0f}s]", flush=True)


if __name__ == "__main__":
    sys.exit(main())
