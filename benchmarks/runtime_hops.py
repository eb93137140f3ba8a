"""Runtime throughput benchmark: flowengine against Node-RED 5.0.7 on the same flows.

Three flows, each run in a fresh process per engine, engines alternating:

- ``chain``:  bench-source → 10 change nodes → bench-sink (11 hops per message)
- ``fanout``: bench-source → 4 bench-sinks (4 hops per message, 3 of them clones)
- ``fanout10k``: the same fan-out with a 10 kB JSON object as payload (clone cost)

``bench-source`` sends N messages in batches, yielding to the event loop between
batches (so the runtime delivers while the source emits); ``bench-sink`` counts
and stops the clock at the last expected delivery. Both node types exist twice
with the same behaviour: in Python below (registered on a copy of the registry)
and in JavaScript in ``benchmarks/nodered/``. Each change node sets
``msg.topic`` to a string, the most common change rule.

Reported: msg·hops/s (median of the runs), the flowengine ÷ Node-RED ratio, CPU
time per source message (the worker's own process CPU during the run), peak RSS of
each worker process, and the idle RSS of ``flowengine run flows/demo.json`` (and of
Node-RED on the same flow, headless). ``benchmarks/run_all.py`` reuses the workers.

    .venv/bin/python benchmarks/runtime_hops.py                  # full run, writes results
    .venv/bin/python benchmarks/runtime_hops.py --engines flowengine --n 1000 --runs 1
    .venv/bin/python benchmarks/runtime_hops.py --profile chain  # cProfile of flowengine
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.engines import flowengine_command
from benchmarks.nodered import NodeRed
from benchmarks.procs import LineReader, machine, stop_process
from flowengine.flowfile import parse_flows
from flowengine.message import Message
from flowengine.node import Delivery, Node
from flowengine.registry import NodeRegistry, default_registry
from flowengine.runtime import Runtime

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "benchmarks" / "results" / "runtime_hops.md"
DEMO_FLOW = REPO / "flows" / "demo.json"
RESULT_MARKER = "BENCH_RESULT "
PAYLOAD = "0xBC,22.90,36.9,low"  # an IoTKit sensor reading
CHAIN_LENGTH = 10
FANOUT_SINKS = 4
ENGINES = ("flowengine", "node-red")


def payload_10k() -> dict[str, Any]:
    """A 10 kB JSON object (160 sensor readings): what a fan-out has to clone."""
    readings = [
        {"seq": i, "sensor": f"s{i % 8}", "temp": 22.9, "hum": 36.9, "level": "low"}
        for i in range(160)
    ]
    return {"device": "iotkit-42", "readings": readings}


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    hops: int  # deliveries per source message
    sinks: int  # deliveries that reach a sink per source message
    big_payload: bool = False  # the 10 kB object instead of the sensor reading


SCENARIOS = {
    "chain": Scenario("chain", f"source → {CHAIN_LENGTH} change → sink", CHAIN_LENGTH + 1, 1),
    "fanout": Scenario("fanout", f"source → {FANOUT_SINKS} sinks (fan-out)", FANOUT_SINKS, 4),
    "fanout10k": Scenario(
        "fanout10k", f"source → {FANOUT_SINKS} sinks, 10 kB object payload", FANOUT_SINKS, 4, True
    ),
}


def build_flow(scenario: Scenario, n: int, batch: int) -> list[dict[str, Any]]:
    """The flow both engines run, in Node-RED's flow-file format."""
    tab = "bench-tab"
    flow: list[dict[str, Any]] = [{"id": tab, "type": "tab", "label": scenario.title}]
    source: dict[str, Any] = {
        "id": "source",
        "type": "bench-source",
        "z": tab,
        "name": "",
        "count": n,
        "batch": batch,
        "expect": n * scenario.sinks,
        "payload": payload_10k() if scenario.big_payload else PAYLOAD,
        "x": 100,
        "y": 100,
        "wires": [[]],
    }
    flow.append(source)
    if scenario.name == "chain":  # the others are fan-outs
        previous = source
        for i in range(1, CHAIN_LENGTH + 1):
            change = {
                "id": f"change{i}",
                "type": "change",
                "z": tab,
                "name": "",
                "rules": [{"t": "set", "p": "topic", "pt": "msg", "to": f"hop-{i}", "tot": "str"}],
                "x": 100 + 100 * i,
                "y": 100,
                "wires": [[]],
            }
            previous["wires"] = [[change["id"]]]
            flow.append(change)
            previous = change
        previous["wires"] = [["sink1"]]
        sink_ids = ["sink1"]
    else:
        sink_ids = [f"sink{i}" for i in range(1, FANOUT_SINKS + 1)]
        source["wires"] = [sink_ids]
    for i, sink_id in enumerate(sink_ids):
        sink = {"id": sink_id, "type": "bench-sink", "z": tab, "x": 600, "y": 100 + 60 * i}
        flow.append({**sink, "wires": []})
    return flow


# ---- the Python twins of benchmarks/nodered/bench-nodes.js ----------------------------------


@dataclass
class BenchRun:
    """Shared by the source and the sinks of one run (``runtime.settings["bench"]``)."""

    expected: int = 0
    received: int = 0
    started_at: float = 0.0
    finished_at: float = 0.0
    cpu_started: float = 0.0  # process CPU seconds at the first send
    cpu_finished: float = 0.0
    last_topic: Any = None  # proves the change nodes ran
    finished: asyncio.Future[None] | None = None


class BenchSourceNode(Node):
    """Sends ``count`` messages in batches of ``batch``, yielding between batches."""

    type = "bench-source"
    category = "common"
    has_input = False

    def setup(self) -> None:
        self.count = int(self.config["count"])
        self.batch = int(self.config.get("batch") or 1000)
        payload = self.config.get("payload")
        self.payload = payload if isinstance(payload, dict) else str(payload or "")
        self.run: BenchRun = self.runtime.settings["bench"]
        self.run.expected = int(self.config["expect"])
        self.seq = 0
        self.stopped = False

    def start(self) -> None:
        # Same settling delay as the JS twin before the clock starts.
        self.set_timeout(0.1, self.begin)

    def begin(self) -> None:
        self.run.started_at = time.perf_counter()
        self.run.cpu_started = time.process_time()
        self.emit_batch()

    def emit_batch(self) -> None:
        if self.stopped:
            return
        end = min(self.seq + self.batch, self.count)
        send = self.send
        payload = self.payload
        for seq in range(self.seq, end):
            send({"payload": payload, "seq": seq})
        self.seq = end
        if end < self.count:
            self.runtime.loop.call_soon(self.emit_batch)  # = setImmediate

    def stop_source(self) -> None:
        self.stopped = True
        super().stop_source()


class BenchSinkNode(Node):
    """Counts deliveries; resolves the run's future at the last expected one."""

    type = "bench-sink"
    category = "common"

    def setup(self) -> None:
        self.run: BenchRun = self.runtime.settings["bench"]

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        run = self.run
        run.received += 1
        if run.received == run.expected:
            run.finished_at = time.perf_counter()
            run.cpu_finished = time.process_time()
            run.last_topic = msg.get("topic")
            if run.finished is not None and not run.finished.done():
                run.finished.set_result(None)
        done()


def bench_registry() -> NodeRegistry:
    registry = default_registry().copy()
    registry.register(BenchSourceNode)
    registry.register(BenchSinkNode)
    return registry


def run_flowengine(scenario: Scenario, n: int, batch: int, timeout: float = 600) -> dict[str, Any]:
    """One run in this process; returns elapsed seconds and peak RSS so far."""
    registry = bench_registry()
    flowset = parse_flows("<benchmark>", build_flow(scenario, n, batch), registry)
    run = BenchRun()
    runtime = Runtime(flowset, registry, settings={"bench": run})

    async def main() -> None:
        run.finished = asyncio.get_running_loop().create_future()
        await runtime.start()
        try:
            await asyncio.wait_for(run.finished, timeout)
        finally:
            await runtime.stop()

    asyncio.run(main())
    return {
        "elapsed_s": run.finished_at - run.started_at,
        "cpu_s": run.cpu_finished - run.cpu_started,
        "received": run.received,
        "last_topic": run.last_topic,
        "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


# ---- worker processes ------------------------------------------------------------------------


def run_worker(
    engine: str, scenario: Scenario, n: int, batch: int, node_red: NodeRed | None
) -> dict[str, Any]:
    """One run of one engine in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="flowengine-bench-") as tmp:
        workdir = Path(tmp)
        if engine == "flowengine":
            cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", scenario.name]
            cmd += ["--n", str(n), "--batch", str(batch)]
        else:
            assert node_red is not None
            flow_file = workdir / "flows.json"
            flow_file.write_text(json.dumps(build_flow(scenario, n, batch)), encoding="utf-8")
            cmd = node_red.command(workdir, flow_file, "warn")
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=str(REPO),
        )
        try:
            line = LineReader(proc.stdout).wait_for(RESULT_MARKER, timeout=900)
        finally:
            stop_process(proc)
        result: dict[str, Any] = json.loads(line.split(RESULT_MARKER, 1)[1])
    expected = n * scenario.sinks
    if result["received"] != expected:
        raise RuntimeError(f"{engine} {scenario.name}: {result['received']} of {expected} arrived")
    want_topic = f"hop-{CHAIN_LENGTH}" if scenario.name == "chain" else None
    if result.get("last_topic") != want_topic:
        raise RuntimeError(f"{engine} {scenario.name}: last topic {result.get('last_topic')!r}")
    result["rate"] = n * scenario.hops / result["elapsed_s"]
    result["msg_rate"] = n / result["elapsed_s"]
    result["cpu_us"] = result.get("cpu_s", float("nan")) / n * 1e6
    return result


def idle_rss(cmd: list[str], started_marker: str, settle: float) -> dict[str, float]:
    """Start a process, wait for its 'started' log line plus ``settle`` s, read its RSS."""
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=str(REPO),
    )
    try:
        reader = LineReader(proc.stdout)
        reader.wait_for(started_marker, timeout=120)
        time.sleep(settle)  # measuring a steady state, not synchronising
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd[0]} exited ({proc.returncode}) when idle: {reader.tail()}")
        status = Path(f"/proc/{proc.pid}/status").read_text(encoding="utf-8")
    finally:
        stop_process(proc)
    fields = {}
    for line in status.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return {"rss_mb": fields["VmRSS"], "hwm_mb": fields["VmHWM"]}


# ---- reporting -------------------------------------------------------------------------------


@dataclass
class Results:
    n: int
    runs: int
    batch: int
    engines: list[str]
    scenarios: list[Scenario]
    samples: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    idle: dict[str, dict[str, float]] = field(default_factory=dict)
    node_version: str = ""
    load: list[float] = field(default_factory=list)  # 1-minute load average, before/after


def _mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


def _rate(value: float) -> str:
    return f"{value:,.0f}"


def _cpu(samples: list[dict[str, Any]]) -> str:
    values = [r["cpu_us"] for r in samples if r.get("cpu_us") == r.get("cpu_us")]
    return f"{statistics.median(values):.1f}" if values else "–"


def render_markdown(res: Results) -> str:
    both = "node-red" in res.engines and "flowengine" in res.engines
    lines = [
        "# Runtime throughput: flowengine vs Node-RED 5.0.7",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {machine()}; "
        f"Python {platform.python_version()}"
        + (f", Node {res.node_version}" if res.node_version else "")
        + f". N = {res.n:,} messages per run, batches of {res.batch}, {res.runs} run(s) per "
        "engine and flow, engines alternating, each run in a fresh process; "
        "throughput is the median run."
        + (
            f" Load average {res.load[0]:.2f} before, {res.load[-1]:.2f} after"
            " (other work on the machine skews both engines)."
            if res.load
            else ""
        ),
        "",
    ]
    header = "| flow | hops/msg | flowengine msg·hops/s |"
    rule = "|---|---:|---:|"
    if both:
        header += " Node-RED msg·hops/s | flowengine ÷ Node-RED |"
        rule += "---:|---:|"
    header += " flowengine CPU µs/msg |"
    rule += "---:|"
    if both:
        header += " Node-RED CPU µs/msg |"
        rule += "---:|"
    header += " flowengine peak RSS |"
    rule += "---:|"
    if both:
        header += " Node-RED peak RSS |"
        rule += "---:|"
    lines += [header, rule]
    for sc in res.scenarios:
        ours = res.samples.get(("flowengine", sc.name), [])
        theirs = res.samples.get(("node-red", sc.name), [])
        our_rate = statistics.median(r["rate"] for r in ours) if ours else 0.0
        row = f"| {sc.title} | {sc.hops} | {_rate(our_rate)} |"
        if both:
            their_rate = statistics.median(r["rate"] for r in theirs) if theirs else 0.0
            ratio = our_rate / their_rate if their_rate else 0.0
            row += f" {_rate(their_rate)} | {ratio:.2f}× |"
        row += f" {_cpu(ours)} |"
        if both:
            row += f" {_cpu(theirs)} |"
        row += f" {_mb(max((r['max_rss_kb'] for r in ours), default=0))} |"
        if both:
            row += f" {_mb(max((r['max_rss_kb'] for r in theirs), default=0))} |"
        lines.append(row)
    lines.append("")
    if res.idle:
        lines += ["## Idle memory", "", "| process | RSS at idle | peak RSS |", "|---|---:|---:|"]
        labels = {
            "flowengine": "`flowengine run flows/demo.json`",
            "node-red": "Node-RED 5.0.7 headless, same flow",
            "node-red-editor": "Node-RED 5.0.7 with its editor, same flow",
        }
        for engine, m in res.idle.items():
            lines.append(f"| {labels[engine]} | {m['rss_mb']:.1f} MB | {m['hwm_mb']:.1f} MB |")
        if "flowengine" in res.idle:
            ok = "met" if res.idle["flowengine"]["rss_mb"] < 40 else "NOT met"
            lines += ["", f"Goal for flowengine at idle: < 40 MB ({ok})."]
        lines.append("")
    lines += ["## Runs", "", "| run | engine | flow | seconds | msg·hops/s | peak RSS |"]
    lines.append("|---:|---|---|---:|---:|---:|")
    for sc in res.scenarios:
        for engine in res.engines:
            for i, r in enumerate(res.samples.get((engine, sc.name), []), 1):
                lines.append(
                    f"| {i} | {engine} | {sc.name} | {r['elapsed_s']:.3f} | {_rate(r['rate'])} "
                    f"| {_mb(r['max_rss_kb'])} |"
                )
    lines += [
        "",
        "## How it is measured",
        "",
        "- Both engines load the same flow JSON (built by `build_flow` in "
        "`benchmarks/runtime_hops.py`). The source and sink node types are written twice with "
        "the same behaviour: Python in `benchmarks/runtime_hops.py`, JavaScript in "
        "`benchmarks/nodered/bench-nodes.js`; the change nodes are each engine's own.",
        "- The source sends `{payload, seq}` messages in batches, yielding to the event loop "
        "between batches (`setImmediate` / `loop.call_soon`); the clock runs from the first "
        "send to the last delivery at a sink. Start-up is not timed.",
        "- A hop is one delivery of a message to a node's input; msg·hops/s = N × hops ÷ seconds.",
        "- CPU µs/msg: the worker process's CPU time (user + system, `time.process_time()` / "
        "`process.cpuUsage()`) from the first send to the last delivery, ÷ N.",
        "- Peak RSS is the worker process's own maximum resident set "
        "(`getrusage` / `process.resourceUsage().maxRSS`) at the end of the run.",
        "- Idle RSS is `VmRSS` read from `/proc` a few seconds after the 'Started flows' log "
        "line, the demo flow's injects having fired.",
        "",
        "Reproduce: `.venv/bin/python benchmarks/runtime_hops.py` "
        "(Node-RED is installed by `scripts/install_node_red.sh` on first use).",
        "",
    ]
    return "\n".join(lines)


# ---- entry points ----------------------------------------------------------------------------


def worker_main(scenario_name: str, n: int, batch: int) -> int:
    result = run_flowengine(SCENARIOS[scenario_name], n, batch)
    print(RESULT_MARKER + json.dumps(result), flush=True)
    return 0


def profile_main(scenario_name: str, n: int, batch: int, top: int) -> int:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    result = run_flowengine(SCENARIOS[scenario_name], n, batch)
    profiler.disable()
    print(f"{scenario_name}: {result['elapsed_s']:.3f}s under cProfile (inflated)")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)
    return 0


def bench_main(args: argparse.Namespace) -> int:
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        raise SystemExit(f"unknown engine(s): {', '.join(unknown)} (known: {', '.join(ENGINES)})")
    scenarios = [SCENARIOS[s.strip()] for s in args.scenarios.split(",") if s.strip()]
    node_red = NodeRed.locate() if "node-red" in engines else None
    res = Results(args.n, args.runs, args.batch, engines, scenarios)
    if node_red is not None:
        res.node_version = node_red.version()
    res.load.append(os.getloadavg()[0])
    for run in range(args.runs):
        # Alternate which engine goes first, so drift (thermal, caches) hits both alike.
        order = engines if run % 2 == 0 else list(reversed(engines))
        for sc in scenarios:
            for engine in order:
                r = run_worker(engine, sc, args.n, args.batch, node_red)
                res.samples.setdefault((engine, sc.name), []).append(r)
                print(
                    f"run {run + 1}/{args.runs} {engine:10s} {sc.name:6s} "
                    f"{r['elapsed_s']:7.3f}s {_rate(r['rate']):>12s} msg·hops/s "
                    f"peak RSS {_mb(r['max_rss_kb'])}",
                    flush=True,
                )
    if not args.no_idle:
        if "flowengine" in engines:
            cmd = [*flowengine_command(), "run", str(DEMO_FLOW), "--log-level", "info"]
            res.idle["flowengine"] = idle_rss(cmd, "Started flows", args.idle_settle)
        if node_red is not None:
            for key, editor in (("node-red", False), ("node-red-editor", True)):
                with tempfile.TemporaryDirectory(prefix="flowengine-bench-") as tmp:
                    cmd = node_red.command(Path(tmp), DEMO_FLOW, "info", editor=editor)
                    res.idle[key] = idle_rss(cmd, "Started flows", args.idle_settle)
        for engine, m in res.idle.items():
            print(f"idle {engine:16s} RSS {m['rss_mb']:.1f} MB (peak {m['hwm_mb']:.1f} MB)")
    res.load.append(os.getloadavg()[0])
    text = render_markdown(res)
    if args.out == "-":
        print(text)
    else:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}")
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=int, default=200_000, help="messages per run (default 200000)")
    p.add_argument("--runs", type=int, default=3, help="runs per engine and flow (default 3)")
    p.add_argument("--batch", type=int, default=1000, help="messages per source batch")
    p.add_argument("--engines", default="flowengine,node-red", help="comma-separated")
    p.add_argument(
        "--scenarios",
        default="chain,fanout,fanout10k",
        help="comma-separated: chain, fanout, fanout10k",
    )
    p.add_argument("--out", default=str(DEFAULT_OUT), help="Markdown results file, or -")
    p.add_argument("--no-idle", action="store_true", help="skip the idle-RSS measurement")
    p.add_argument("--idle-settle", type=float, default=3.0, help="seconds idle before reading")
    p.add_argument("--worker", choices=sorted(SCENARIOS), help=argparse.SUPPRESS)
    p.add_argument("--profile", choices=sorted(SCENARIOS), help="cProfile flowengine on a flow")
    p.add_argument("--top", type=int, default=30, help="functions shown by --profile")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.worker:
        return worker_main(args.worker, args.n, args.batch)
    if args.profile:
        return profile_main(args.profile, args.n, args.batch, args.top)
    return bench_main(args)


if __name__ == "__main__":
    sys.exit(main())
