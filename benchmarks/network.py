"""The network scenarios: MQTT bridge bursts, the no-engine ceiling, latency, the seed flow.

Each run is one fresh engine process between a load generator and a counter, each a
process of its own (``benchmarks/loadgen.py``):

1. the counter subscribes (MQTT) or the Kafka topic's end offset is read;
2. the engine is spawned; warm-up messages (payload ``warmup``) go out every few
   milliseconds until the first one comes out the other side — that is the start-up
   time to first message; the engine then idles ``SETTLE`` seconds and its idle RSS
   and CPU are read;
3. the publisher sends the burst (or the paced stream); the clock runs from its first
   send to the counter's last expected message (MQTT) or to the poll that sees the
   topic's end offset grown by N (Kafka, polled every 20 ms);
4. the engine's CPU time and peak RSS (``VmHWM``) are read, and it is stopped.

Throughput = messages received ÷ that time; CPU µs/msg = engine CPU during the run ÷
messages sent. A run that loses messages is reported with its count.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.engines import EngineProcess
from benchmarks.flows import (
    BRIDGE_OUT_TOPIC,
    KAFKA_TOPIC,
    SEED_FLOW,
    bridge_flow,
    flowengine_seed_overrides,
    node_red_seed_flow,
)
from benchmarks.mqttwire import MQTTWire, publish_packet
from benchmarks.nodered import NodeRed, kafka_nodes_dir
from benchmarks.procs import Child, pids_cpu
from benchmarks.services import BenchServices, Endpoint, KafkaTopic

__all__ = [
    "SETTLE",
    "NetworkContext",
    "run_bridge",
    "run_ceiling",
    "run_latency",
    "run_seed",
]

SETTLE = 1.5  # seconds an engine idles after its first message before the burst
WARMUP_TOPIC = b"iotkit/sensor"
WARMUP_EVERY = 0.005  # seconds between warm-up messages (start-up time resolution)
START_TIMEOUT = 90.0
#: A run ends this many seconds after the last message when not all arrived (a loss).
STALL = 30.0
LOADGEN = [sys.executable, "-m", "benchmarks.loadgen"]


@dataclass
class NetworkContext:
    services: BenchServices
    node_red: NodeRed | None
    log: Callable[[str], None] = print


def _counter(mosquitto: Endpoint, topic: str, qos: int, expect: int, latency: bool) -> Child:
    cmd = [*LOADGEN, "count", "--port", str(mosquitto.port), "--host", mosquitto.host]
    cmd += ["--topic", topic, "--qos", str(qos), "--expect", str(expect)]
    cmd += ["--stall", str(STALL)]
    if latency:
        cmd.append("--latency")
    counter = Child.spawn(cmd, stdin=True)
    counter.out.wait_for("READY", 30)
    return counter


def _publisher(
    mosquitto: Endpoint, qos: int, n: int, rate: float = 0.0, stamp: bool = False
) -> Child:
    cmd = [*LOADGEN, "publish", "--port", str(mosquitto.port), "--host", mosquitto.host]
    cmd += ["--qos", str(qos), "--n", str(n)]
    if rate:
        cmd += ["--rate", str(rate)]
    if stamp:
        cmd.append("--stamp")
    return Child.spawn(cmd)


def _publisher_times(pub: Child, timeout: float) -> tuple[int, int, dict[str, Any]]:
    start_ns = int(pub.out.wait_for("START", 30).split()[1])
    _, end_ns, info = pub.out.wait_for("END", timeout).split(" ", 2)
    return start_ns, int(end_ns), json.loads(info)


def _counter_result(counter: Child, timeout: float) -> dict[str, Any]:
    try:
        line = counter.out.wait_for("DONE", timeout)
    except TimeoutError:
        counter.send_line("STOP")
        line = counter.out.wait_for("DONE", 30)
    result: dict[str, Any] = json.loads(line.split("DONE ", 1)[1])
    return result


def _warm_up(engine: EngineProcess, first_seen: Callable[[], bool]) -> float:
    """Send warm-ups until ``first_seen()``; the start-up time from spawn to then."""
    wire = _warmup_wire
    assert wire is not None
    packet = publish_packet(WARMUP_TOPIC, b"warmup")  # QoS 0: no acks to read
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        wire.sock.sendall(packet)
        if first_seen():
            return time.monotonic() - engine.child.started
        engine.check_alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{engine.engine}: no message through within {START_TIMEOUT}s")


_warmup_wire: MQTTWire | None = None


def _warmup_connection(mosquitto: Endpoint) -> MQTTWire:
    """One warm-up publisher connection for the whole suite (acks are never read)."""
    global _warmup_wire
    if _warmup_wire is None:
        _warmup_wire = MQTTWire(mosquitto.host, mosquitto.port, "bench-warmup")
    return _warmup_wire


def _first_line(counter: Child, marker: str) -> Callable[[], bool]:
    def seen() -> bool:
        try:
            counter.out.wait_for(marker, WARMUP_EVERY)
        except TimeoutError:
            return False
        return True

    return seen


def _idle(engine: EngineProcess) -> tuple[float, float]:
    time.sleep(SETTLE)  # a steady idle state to read, not synchronisation
    engine.check_alive()
    return engine.memory()["rss"], engine.cpu()


def _broker_cpu(ctx: NetworkContext) -> dict[str, float]:
    return pids_cpu(ctx.services.pids())


class Profiler:
    """py-spy sampling the engine process during the burst only (``--profile``)."""

    def __init__(self, output: Path | None) -> None:
        self.output = output
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, engine: EngineProcess) -> None:
        if self.output is None:
            return
        py_spy = Path(sys.executable).with_name("py-spy")
        if engine.engine != "flowengine" or not py_spy.exists():
            return
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                *(str(py_spy), "record", "--pid", str(engine.pid), "--format", "raw"),
                *("--threads", "--rate", "250", "--output", str(self.output)),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)  # py-spy attaches before the burst starts

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


def run_bridge(
    ctx: NetworkContext,
    engine_name: str,
    qos: int,
    n: int,
    latency_rate: float = 0.0,
    profile: Path | None = None,
) -> dict[str, Any]:
    """One MQTT bridge run: a burst of ``n`` (or ``n`` paced at ``latency_rate`` msg/s)."""
    mosquitto = ctx.services.mosquitto()
    _warmup_connection(mosquitto)
    latency = latency_rate > 0
    counter = _counter(mosquitto, BRIDGE_OUT_TOPIC, qos, n, latency)
    engine = EngineProcess.start(engine_name, bridge_flow(mosquitto, qos), ctx.node_red)
    profiler = Profiler(profile)
    try:
        startup = _warm_up(engine, _first_line(counter, "WARM"))
        idle_rss, cpu_before = _idle(engine)
        profiler.start(engine)
        cpu_before = engine.cpu()
        brokers_before = _broker_cpu(ctx)
        pub = _publisher(mosquitto, qos, n, rate=latency_rate, stamp=latency)
        budget = n / latency_rate + 120 if latency else 600
        start_ns, end_ns, pub_info = _publisher_times(pub, budget)
        got = _counter_result(counter, budget)
        cpu_after = engine.cpu()
        profiler.stop()
        memory = engine.memory()
        brokers_after = _broker_cpu(ctx)
        engine.check_alive()
        engine.child.out.drain()
        log_tail = engine.child.out.tail(4)
    finally:
        profiler.stop()
        engine.stop()
        counter.stop()
    received = int(got["received"])
    elapsed = (got["last_ns"] - start_ns) / 1e9 if got["last_ns"] else float("nan")
    sample: dict[str, Any] = {
        "received": received,
        "expected": n,
        "rate": received / elapsed if received else 0.0,
        "seconds": elapsed,
        "cpu_us": (cpu_after - cpu_before) / n * 1e6,
        "startup_s": startup,
        "idle_rss_mb": idle_rss,
        "peak_rss_mb": memory["hwm"],
        "publish_s": (end_ns - start_ns) / 1e9,
        "publisher_cpu_s": pub_info["cpu_s"],
        "counter_cpu_s": got["cpu_s"],
        "broker_cpu_us": {
            k: (brokers_after[k] - brokers_before.get(k, 0.0)) / n * 1e6 for k in brokers_after
        },
        "topics": got["topics"],
        "end": got["reason"],
    }
    if received < n:
        sample["engine_log"] = log_tail
    if latency:
        sample.update(got.get("latency_ms", {}))
    return sample


def run_latency(
    ctx: NetworkContext,
    engine_name: str,
    qos: int,
    rate: float,
    seconds: float,
    profile: Path | None = None,
) -> dict[str, Any]:
    """A steady ``rate`` msg/s for ``seconds`` with timestamps: p50/p99/max end to end."""
    return run_bridge(ctx, engine_name, qos, int(rate * seconds), rate, profile)


def run_ceiling(ctx: NetworkContext, qos: int, n: int) -> dict[str, Any]:
    """Publisher → broker → counter, no engine: what the clients and Mosquitto allow."""
    mosquitto = ctx.services.mosquitto()
    counter = _counter(mosquitto, "iotkit/#", qos, n, False)
    try:
        brokers_before = _broker_cpu(ctx)
        pub = _publisher(mosquitto, qos, n)
        start_ns, end_ns, pub_info = _publisher_times(pub, 600)
        got = _counter_result(counter, 600)
        brokers_after = _broker_cpu(ctx)
    finally:
        counter.stop()
    received = int(got["received"])
    elapsed = (got["last_ns"] - start_ns) / 1e9 if got["last_ns"] else float("nan")
    return {
        "received": received,
        "expected": n,
        "rate": received / elapsed if received else 0.0,
        "seconds": elapsed,
        "publish_s": (end_ns - start_ns) / 1e9,
        "publisher_cpu_s": pub_info["cpu_s"],
        "counter_cpu_s": got["cpu_s"],
        "broker_cpu_us": {
            k: (brokers_after[k] - brokers_before.get(k, 0.0)) / n * 1e6 for k in brokers_after
        },
        "end": got["reason"],
    }


# ---- the seed flow: MQTT → Kafka ---------------------------------------------------------

SEED_VARIANTS = {
    # variant: (engine, Kafka broker, Node-RED Kafka node package or None)
    "flowengine": ("flowengine", "kafka", None),
    "node-red-kafkajs": ("node-red", "kafka", "kafkajs"),
    "node-red-kafka-manager": ("node-red", "kafka39", "kafka-manager"),
}

_topics: dict[str, KafkaTopic] = {}


def _kafka_topic(ctx: NetworkContext, which: str) -> tuple[Endpoint, KafkaTopic]:
    endpoint = ctx.services.kafka() if which == "kafka" else ctx.services.kafka39()
    if which not in _topics:
        _topics[which] = KafkaTopic(endpoint, KAFKA_TOPIC)
    return endpoint, _topics[which]


def close_topics() -> None:
    for topic in _topics.values():
        topic.close()
    _topics.clear()
    global _warmup_wire
    if _warmup_wire is not None:
        _warmup_wire.close()
        _warmup_wire = None


def run_seed(
    ctx: NetworkContext, variant: str, n: int, qos: int, profile: Path | None = None
) -> dict[str, Any]:
    """The seed flow: a burst of ``n`` MQTT messages at ``qos``; records counted on Kafka."""
    engine_name, which, package = SEED_VARIANTS[variant]
    mosquitto = ctx.services.mosquitto()
    _warmup_connection(mosquitto)
    kafka, topic = _kafka_topic(ctx, which)
    flow: list[dict[str, Any]] | Path
    if engine_name == "flowengine":
        flow, args, dirs = SEED_FLOW, flowengine_seed_overrides(mosquitto, kafka), None
    else:
        assert package is not None
        flow = node_red_seed_flow(mosquitto, kafka, package)
        args, dirs = None, [kafka_nodes_dir(package)]
    before_start = topic.end_offset()
    engine = EngineProcess.start(engine_name, flow, ctx.node_red, args, dirs)
    profiler = Profiler(profile)
    try:
        last_poll = [0.0]

        def record_arrived() -> bool:
            # Poll the end offset at most every 20 ms while warm-ups go out.
            now = time.monotonic()
            if now - last_poll[0] < 0.02:
                time.sleep(WARMUP_EVERY)
                return False
            last_poll[0] = now
            return topic.end_offset() > before_start

        startup = _warm_up(engine, record_arrived)
        idle_rss, _ = _idle(engine)
        profiler.start(engine)
        cpu_before = engine.cpu()
        base = topic.end_offset()
        brokers_before = _broker_cpu(ctx)
        pub = _publisher(mosquitto, qos, n)
        start_ns, _end_ns, pub_info = _publisher_times(pub, 600)
        target = base + n
        done_at = 0.0
        last_change = time.monotonic()
        seen = base
        deadline = time.monotonic() + 600
        while True:
            offset = topic.end_offset()
            now = time.monotonic()
            if offset != seen:
                seen, last_change = offset, now
            if offset >= target:
                done_at = now
                break
            if now - last_change > STALL or now > deadline:
                break
            engine.check_alive()
            time.sleep(0.02)
        cpu_after = engine.cpu()
        profiler.stop()
        memory = engine.memory()
        brokers_after = _broker_cpu(ctx)
    finally:
        profiler.stop()
        engine.stop()
    records = seen - base
    elapsed = (done_at or last_change) - start_ns / 1e9
    last = topic.last_records(3)
    values = [r["value"] for r in last]
    return {
        "received": records,
        "expected": n,
        "rate": records / elapsed if records else 0.0,
        "seconds": elapsed,
        "cpu_us": (cpu_after - cpu_before) / n * 1e6,
        "startup_s": startup,
        "idle_rss_mb": idle_rss,
        "peak_rss_mb": memory["hwm"],
        "publisher_cpu_s": pub_info["cpu_s"],
        "broker_cpu_us": {
            k: (brokers_after[k] - brokers_before.get(k, 0.0)) / n * 1e6 for k in brokers_after
        },
        "null_values": sum(v is None for v in values),
        "last_values": [v.decode(errors="replace") if v is not None else None for v in values],
        "end": "expected" if done_at else "stalled",
    }
