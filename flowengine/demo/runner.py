"""``flowengine demo``: the whole seed pipeline in one engine process, with a simulated board.

Order of events: check the brokers answer; train a model on the shipped sample data when the
data dir has none; start the Camunda stand-in; load the two documented flows, the three
microservice flows and the scoring flow into one :class:`~flowengine.runtime.Runtime` with host
maps to the local brokers and the stand-in; create the Kafka topics and position new consumer
groups at the end of ``broker_message``; start the engine (and the viewer with ``--ui``); once
the engine's MQTT subscriptions are in place, run the simulated IoTKit board — the firmware's
own code (:mod:`flowengine.firmware.simulator`) — in a thread; print a status line every few
seconds. A first Ctrl-C / SIGTERM (or ``--duration``) stops, in this order: the board, the
engine (sources first, in-flight messages drain, nodes close and producers flush), the viewer
and the stand-in; a final status line follows. The brokers are not ours: they keep running.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..errors import FlowFileError
from .brokers import (
    Endpoint,
    TopicCounter,
    check_mqtt,
    check_reachable,
    ensure_topics,
    position_new_groups,
)
from .camunda_standin import CamundaStandIn
from .status import CsvRows, PredictionWatch, Snapshot, call_quietly, format_status, source_counts

__all__ = ["DemoError", "DemoOptions", "REPO", "run_demo"]

EXIT_OK, EXIT_FAILURE, EXIT_USER = 0, 1, 2

#: the source checkout this package lives in (flows/, data/samples/, scripts/)
REPO = Path(__file__).resolve().parents[2]
FLOW_FILES = (
    "Node-RED-Kafka.json",
    "Node-RED-REST.json",
    "iot-kafka-consumer.json",
    "iot-kafka-pipe.json",
    "iot-kafka-alert.json",
    "iot-scoring.json",
)
SAMPLE_TRAIN = REPO / "data" / "samples" / "iotkit-train.csv"
SAMPLE_TEST = REPO / "data" / "samples" / "iotkit-test.csv"
#: k-NN with 5 neighbours: probabilities in steps of 0.2, so the scoring flow's
#: minConfidence 0.8 means something (the notebook's k = 1 is always 100 % sure)
DEMO_K = 5
#: the scoring flow's debug nodes (flows/iot-scoring.json)
PREDICTION_DEBUG = "b1e0c5a1.0f0008"
LOW_CONFIDENCE_DEBUG = "b1e0c5a1.0f0009"
KAFKA_TOPICS = ("broker_message", "iot", "predictions")
#: how long to wait for the engine's MQTT subscriptions before starting the board anyway (s)
SUBSCRIBE_WAIT = 20.0

log = logging.getLogger("flowengine")


class DemoError(Exception):
    """Why the demo cannot run: one line for the user, and the exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class DemoOptions:
    data_dir: Path
    mqtt: Endpoint
    kafka: Endpoint
    duration: float | None = None
    rate: float = 2.0
    alert_every: int = 20
    status_every: float = 5.0
    ui: bool = False
    ui_host: str = "127.0.0.1"
    ui_port: int = 1880
    admin_token: str | None = None
    insecure: bool = False
    log_level: str = "warn"
    out: TextIO = field(default_factory=lambda: sys.stdout)


def run_demo(options: DemoOptions) -> int:
    """Run the demo until ``duration``, Ctrl-C or SIGTERM; returns the exit code."""
    say = _sayer(options.out)
    _setup_logging(options.log_level)
    missing = [str(p) for p in _needed_files() if not p.exists()]
    if missing:
        raise DemoError(f"files of the source checkout are missing: {', '.join(missing)}")
    check_mqtt(options.mqtt)
    check_reachable("Kafka broker", "--kafka", options.kafka)
    data_dir = options.data_dir
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DemoError(f"--data-dir {data_dir}: {e.strerror or e}", EXIT_USER) from None
    model = data_dir / "model.skops"
    csv = data_dir / "ml-data.csv"
    if not model.exists():
        _train(model, data_dir / "regions.png", say)
    standin = CamundaStandIn(max_recorded=100).start()
    try:
        say(f"Camunda stand-in (NOT Camunda: a local stub answering Camunda 7's process "
            f"start) at {standin.url}")  # fmt: skip
        runtime = _build_runtime(options, standin, model, csv)
        _prepare_kafka(options.kafka, runtime, say)
        counter = TopicCounter(options.kafka, KAFKA_TOPICS)
        try:
            call_quietly(counter.start, None)
            rows = CsvRows(csv)
            rows.start()
            return asyncio.run(_run(options, runtime, standin, counter, rows, say))
        finally:
            counter.close()
    finally:
        standin.stop()


def _needed_files() -> list[Path]:
    return [*(REPO / "flows" / name for name in FLOW_FILES), SAMPLE_TRAIN, SAMPLE_TEST]


def _sayer(out: TextIO) -> Callable[[str], None]:
    def say(text: str) -> None:
        out.write(f"demo: {text}\n")
        out.flush()

    return say


def _setup_logging(level_name: str) -> None:
    """The engine's log on stderr: ``[warn] text`` lines (default level warn: the status line
    is the demo's output)."""
    levels = {"fatal": 50, "error": 40, "warn": 30, "info": 20, "debug": 10, "trace": 5}
    handler = logging.StreamHandler(sys.stderr)
    names = {50: "fatal", 40: "error", 30: "warn", 20: "info", 10: "debug", 5: "trace"}

    class Formatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
            return f"{stamp} [{names.get(record.levelno, 'info')}] {record.getMessage()}"

    handler.setFormatter(Formatter())
    root = logging.getLogger("flowengine")
    root.handlers[:] = [handler]
    root.setLevel(levels[level_name])
    root.propagate = False


# ---- before the engine starts ----------------------------------------------------------


def _train(model: Path, plot: Path, say: Callable[[str], None]) -> None:
    """``flowengine train`` on the shipped sample data, in this process; a short summary."""
    from ..commands import train

    parser = argparse.ArgumentParser(prog="flowengine")
    train.add_parser(parser.add_subparsers(dest="command"))
    argv = ["train", str(SAMPLE_TRAIN), "--test", str(SAMPLE_TEST), "--k", str(DEMO_K),
            "--model", str(model), "--plot", str(plot), "--quiet"]  # fmt: skip
    say(f"no model in {model.parent}/: training one on the sample data (flowengine "
        f"train data/samples/iotkit-train.csv --k {DEMO_K} ...)")  # fmt: skip
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = train.run(parser.parse_args(argv))
    lines = output.getvalue().splitlines()
    if code != 0 or not model.exists():
        sys.stderr.write(output.getvalue())
        raise DemoError(f"training the model failed (flowengine train exit code {code})")
    accuracy = next((line.split(":", 1)[1].strip() for line in lines
                     if line.startswith("test accuracy")), "?")  # fmt: skip
    say(f"model trained: k-NN (k = {DEMO_K}), test accuracy {accuracy} → {model} "
        f"(decision regions: {plot})")  # fmt: skip


def _build_runtime(options: DemoOptions, standin: CamundaStandIn, model: Path, csv: Path) -> Any:
    from ..flowfile import load_flow_files
    from ..hostmap import HostMap, host_map_overrides
    from ..registry import default_registry
    from ..runtime import Runtime

    registry = default_registry()
    paths = [str(REPO / "flows" / name) for name in FLOW_FILES]
    host_map = HostMap.parse([
        f"iotkit.mc-b.ch={options.mqtt.address}",
        f"kafka={options.kafka.address}",
        f"camunda={standin.host}:{standin.port}",
    ])  # fmt: skip
    env = {"ML_DATA_CSV": str(csv.resolve()), "ML_MODEL": str(model.resolve())}
    try:
        flowset = load_flow_files(paths, registry)
        overrides, _ = host_map_overrides(flowset, registry, host_map)
        runtime = Runtime(flowset, registry, env=env, overrides=overrides)
        runtime.build()
    except FlowFileError as e:
        for problem in e.problems:
            print(str(problem), file=sys.stderr)
        raise DemoError("the demo's flows did not load (see above)") from None
    return runtime


def _prepare_kafka(kafka: Endpoint, runtime: Any, say: Callable[[str], None]) -> None:
    created = ensure_topics(kafka, KAFKA_TOPICS)
    if created:
        say(f"created Kafka topic(s) {', '.join(created)}")
    groups = []
    for node in runtime.iter_nodes():
        if node.type == "Kafka Consumer Group":
            for topic in node.config.get("topics") or ():
                groups.append((str(node.config.get("groupId")), str(topic)))
    positioned = position_new_groups(kafka, groups)
    if positioned:
        say(f"new consumer group(s) {', '.join(positioned)} start at the end of broker_message")


# ---- running ------------------------------------------------------------------------------


async def _run(
    options: DemoOptions,
    runtime: Any,
    standin: CamundaStandIn,
    counter: TopicCounter,
    rows: CsvRows,
    say: Callable[[str], None],
) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    _install_signal_handlers(loop, stop.set, say)
    watch = PredictionWatch(PREDICTION_DEBUG, LOW_CONFIDENCE_DEBUG)
    runtime.on("debug", watch.on_debug)
    subscribed = _SubscriptionWatch(sum(1 for n in runtime.iter_nodes() if n.type == "mqtt in"))
    runtime.on("log", subscribed.on_log)
    ui = _start_ui(runtime, options, say) if options.ui else None
    board: _Board | None = None
    started_at = time.monotonic()

    def snapshot(kafka: dict[str, int] | None) -> Snapshot:
        flows_in, errors = source_counts(runtime)
        return Snapshot(
            elapsed=time.monotonic() - started_at,
            readings=board.readings if board else 0,
            alerts=board.alerts if board else 0,
            flows_in=flows_in,
            errors=errors,
            kafka=kafka,
            csv_rows=rows.added(),
            prediction=watch.describe(),
            standin_calls=standin.calls,
            standin_statuses=dict(standin.statuses),
        )

    try:
        await runtime.start()
        say(f"engine running {len(FLOW_FILES)} flow files in one process: "
            + ", ".join(name.removesuffix(".json") for name in FLOW_FILES))  # fmt: skip
        if options.duration is not None:
            loop.call_later(options.duration, stop.set)
        await _first(subscribed.done.wait(), stop.wait(), timeout=SUBSCRIBE_WAIT)
        if not subscribed.done.is_set() and not stop.is_set():
            log.warning("the engine's MQTT subscriptions are not confirmed yet; starting the board")
        if not stop.is_set():
            board = _Board(options)
            await asyncio.to_thread(board.start)
            say(f"simulated IoTKit board (the firmware's own code) on {options.mqtt.address}: "
                f"{options.rate:g} reading(s)/s on iotkit/sensor, 'alert: button' on "
                f"iotkit/alert every {options.alert_every} readings"
                + ("" if options.duration is None else f"; stopping after {options.duration:g} s")
                + "; Ctrl-C stops")  # fmt: skip

        while not stop.is_set():
            await _first(stop.wait(), timeout=options.status_every)
            if stop.is_set():
                break
            kafka = await asyncio.to_thread(counter.counts)
            options.out.write(format_status(snapshot(kafka)) + "\n")
            options.out.flush()
    finally:
        if board is not None:
            await asyncio.to_thread(board.stop)
        await runtime.stop()
        if ui is not None:
            ui.stop()
    kafka = await asyncio.to_thread(counter.counts)
    options.out.write(format_status(snapshot(kafka), "demo stopped") + "\n")
    say("stopped the simulated board, the engine" + (", the viewer" if ui else "")
        + " and the Camunda stand-in; Mosquitto and Kafka keep running "
        "(bash scripts/services.sh down stops them)")  # fmt: skip
    if board is not None and board.problem:
        raise DemoError(f"the simulated board failed: {board.problem}")
    return EXIT_OK


async def _first(*waits: Any, timeout: float) -> None:
    """Wait until the first of ``waits`` finishes, or ``timeout``; cancels the others."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


class _SubscriptionWatch:
    """Sets ``done`` once the MQTT broker nodes have logged ``expected`` subscriptions."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.seen = 0
        self.done = asyncio.Event()
        if expected == 0:
            self.done.set()

    def on_log(self, node: Any, level: int, message: str) -> None:
        if node.type == "mqtt-broker" and message.startswith("Subscribed to "):
            self.seen += 1
            if self.seen >= self.expected:
                self.done.set()


class _Board:
    """The simulated IoTKit board: the firmware's :class:`IoTKit` stepped in a thread."""

    def __init__(self, options: DemoOptions) -> None:
        from ..firmware.simulator import Simulator, SimulatorOptions

        self.simulator = Simulator(
            SimulatorOptions(
                host=options.mqtt.host,
                port=options.mqtt.port,
                rate=options.rate,
                nul=True,  # as the IoTKit boards send: strlen(buf)+1 bytes
                alert_every=options.alert_every,
                client_id=f"iotkit-demo-{os.getpid()}",
            )
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.problem: str | None = None

    @property
    def readings(self) -> int:
        return int(self.simulator.readings)

    @property
    def alerts(self) -> int:
        return int(self.simulator.alerts)

    def start(self) -> None:
        """Connect (blocking) and start stepping; :class:`DemoError` if it cannot connect."""
        from ..firmware.simulator import SimulatorError

        try:
            self.simulator.start()
        except SimulatorError as e:
            raise DemoError(f"the simulated board cannot start: {e}") from None
        self._thread = threading.Thread(target=self._run, name="iotkit-board", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.simulator.run(self._stop)
        except Exception as e:  # reported at the end; the engine keeps running meanwhile
            self.problem = str(e) or type(e).__name__

    def stop(self) -> None:
        """Stop stepping, then disconnect (what was published goes out first)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        self.simulator.close()


def _start_ui(runtime: Any, options: DemoOptions, say: Callable[[str], None]) -> Any:
    from ..web import UIOptionError, start_ui

    try:
        ui = start_ui(runtime, options.ui_host, options.ui_port, options.admin_token,
                      options.insecure)  # fmt: skip
    except UIOptionError as e:
        raise DemoError(str(e), EXIT_USER) from None
    say(f"flow viewer at {ui.url}")
    return ui


def _install_signal_handlers(
    loop: asyncio.AbstractEventLoop, stop: Callable[[], None], say: Callable[[str], None]
) -> None:
    """First Ctrl-C / SIGTERM: a clean stop. Another one: leave at once."""
    received: list[int] = []

    def on_signal(sig: int) -> None:
        received.append(sig)
        if len(received) == 1:
            say(f"{signal.Signals(sig).name}: stopping (again to leave at once)")
            stop()
        else:
            logging.shutdown()
            os._exit(EXIT_FAILURE)

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, on_signal, sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread: the caller stops us
