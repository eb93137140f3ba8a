"""Record what Node-RED 5.0.7 shows for the documented flows against real services.

    .venv/bin/python scripts/golden_e2e/record.py             # every scenario
    .venv/bin/python scripts/golden_e2e/record.py -k rest     # names containing "rest"

Starts a private Mosquitto (``scripts/services.sh`` with its own state dir), the
Camunda-speaking test server (``tests/support/camunda.py``) and Node-RED 5.0.7
(``scripts/install_node_red.sh``; temporary userDir, our settings). For each scenario
(``scenarios.py``: a copy of a documented flow plus extra debug nodes) ``recorder.js``
deploys the flow with its hosts pointed at the local services; this script then
publishes the IoTKit message set (``tests/e2e/iotkit.py``) one message at a time and
waits for the debug outputs each one must produce (and a short quiet time for
unexpected ones), keeping every debug message and every request the Camunda server
received. Writes ``tests/e2e/golden/<scenario>.json``; a recording whose normalised
content is unchanged is left alone. Needs Node.js (installed into a cache on first
use), not Kafka: the Kafka Producer is not part of any recorded copy.

Timing-based waits are fine here (this is the recorder, never a test): after the
``mqtt in`` node shows "connected", the subscription gets a second to be acknowledged.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
GOLDEN = REPO / "tests" / "e2e" / "golden"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from scenarios import SCENARIOS, Scenario  # noqa: E402

from flowengine import default_registry  # noqa: E402
from flowengine.hostmap import ORIGINAL_KEY, HostMap, apply_host_map  # noqa: E402
from tests.e2e.golden_compare import normalise_recording  # noqa: E402
from tests.e2e.iotkit import IOTKIT_MESSAGES, Publisher  # noqa: E402
from tests.support.camunda import CamundaServer  # noqa: E402
from tests.support.services import service_down, service_up  # noqa: E402

SETTINGS_JS = """\
// Settings for recording end-to-end golden files (scripts/golden_e2e/record.py).
module.exports = {
    uiHost: "127.0.0.1",
    uiPort: %(port)d,
    userDir: %(user_dir)s,
    flowFile: "flows.json",
    credentialSecret: false,
    debugMaxLength: 100000000,
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    editorTheme: { projects: { enabled: false }, tours: false },
    logging: { console: { level: "info", metrics: false, audit: false } },
};
"""
CONNECTED = "node-red:common.status.connected"
OUTPUT_WAIT = 20.0
QUIET = 0.5
SUBSCRIBE_SETTLE = 1.0


def locate_node_red() -> tuple[str, str]:
    out = subprocess.run(
        ["bash", str(REPO / "scripts" / "install_node_red.sh")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    paths = dict(line.split("=", 1) for line in out.strip().splitlines() if "=" in line)
    return paths["NODE"], paths["NODE_RED"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_node_red(node: str, red: str, user_dir: Path, log: IO[bytes]) -> tuple[Any, str]:
    port = free_port()
    settings = user_dir / "settings.js"
    settings.write_text(SETTINGS_JS % {"port": port, "user_dir": json.dumps(str(user_dir))})
    proc = subprocess.Popen(
        [node, red, "--settings", str(settings), "--userDir", str(user_dir)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Node-RED exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/flows", timeout=2) as resp:
                if resp.status == 200:
                    return proc, base
        except OSError:
            pass
        time.sleep(0.2)
    stop_process_group(proc)
    raise RuntimeError("Node-RED did not answer within 60 s")


def stop_process_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


class Bridge:
    """``recorder.js`` for one scenario: its events, collected by a reader thread."""

    def __init__(self, node: str, base: str, flow_file: Path) -> None:
        self.proc = subprocess.Popen(
            [node, str(HERE / "recorder.js"), base, str(flow_file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.debug: list[dict[str, Any]] = []
        self.status: dict[str, dict[str, Any]] = {}
        self.started = threading.Event()
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            event = json.loads(line)
            with self._lock:
                if event["event"] == "debug":
                    self.debug.append(event["data"])
                elif event["event"] == "status":
                    self.status[event["topic"].removeprefix("status/")] = event["data"]
                elif event["event"] == "started":
                    self.started.set()

    def debug_count(self) -> int:
        with self._lock:
            return len(self.debug)

    def wait(self, predicate: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"recorder.js exited ({self.proc.returncode}) waiting for {what}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            time.sleep(0.02)

    def finish(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        if self.proc.wait(30) != 0:
            raise RuntimeError(f"recorder.js exited with {self.proc.returncode}")


def pick_debug(data: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "name", "format", "msg", "path", "property", "topic")
    return {k: data[k] for k in keys if k in data}


def node_red_flow(scenario: Scenario, mqtt_port: int, camunda_port: int) -> list[dict[str, Any]]:
    """The scenario's flow with hosts pointed at the local services (Node-RED has no
    --host-map: the copy it runs is edited), without our bookkeeping key."""
    specs = [s.format(mqtt=mqtt_port, camunda=camunda_port) for s in scenario.node_red_host_map]
    mapped = apply_host_map(scenario.flow, default_registry(), HostMap.parse(specs))
    return [{k: v for k, v in item.items() if k != ORIGINAL_KEY} for item in mapped]


def record(
    scenario: Scenario, node: str, base: str, work: Path, mqtt: Any, camunda: CamundaServer
) -> dict[str, Any]:
    flow_file = work / f"{scenario.name}.flow.json"
    flow_file.write_text(json.dumps(node_red_flow(scenario, mqtt.port, camunda.port), indent=1))
    bridge = Bridge(node, base, flow_file)
    messages: list[dict[str, Any]] = []
    try:
        bridge.wait(bridge.started.is_set, 60, "deploy")
        bridge.wait(
            lambda: bridge.status.get(scenario.mqtt_in_id, {}).get("text") == CONNECTED,
            60,
            "mqtt in connected",
        )
        time.sleep(SUBSCRIBE_SETTLE)
        pub = Publisher(mqtt)
        try:
            for message in IOTKIT_MESSAGES:
                expected = scenario.expected_outputs(message)
                requests = scenario.expected_requests(message)
                debug_mark, request_mark = bridge.debug_count(), len(camunda.requests)
                pub.publish(message)
                bridge.wait(
                    lambda m=debug_mark, n=expected: bridge.debug_count() >= m + n,
                    OUTPUT_WAIT,
                    f"{expected} output(s) for {message.label}",
                )
                if requests:
                    camunda.wait_for(request_mark + requests, OUTPUT_WAIT)
                time.sleep(QUIET)
                outputs = [pick_debug(d) for d in bridge.debug[debug_mark:]]
                got = camunda.requests[request_mark:]
                if len(outputs) != expected or len(got) != requests:
                    raise RuntimeError(
                        f"{message.label}: {len(outputs)} output(s), {len(got)} request(s); "
                        f"expected {expected} and {requests}"
                    )
                messages.append(
                    {
                        **message.to_json(),
                        "outputs": outputs,
                        "requests": [
                            {
                                "method": r.method,
                                "path": r.path,
                                "headers": list(r.headers.items()),
                                "body": r.body.decode("utf-8"),
                                "status": r.status,
                            }
                            for r in got
                        ],
                    }
                )
        finally:
            pub.close()
    finally:
        bridge.finish()
    return {
        "scenario": scenario.name,
        "description": scenario.description,
        "recorded_with": "node-red 5.0.7",
        "node_red_host_map": scenario.node_red_host_map,
        "replay_host_map": scenario.replay_host_map,
        "camunda_port": camunda.port,
        "flow": scenario.flow,
        "messages": messages,
    }


def write_recording(recording: dict[str, Any]) -> str:
    path = GOLDEN / f"{recording['scenario']}.json"
    if path.exists():
        try:
            if normalise_recording(json.loads(path.read_text())) == normalise_recording(recording):
                return "unchanged"
        except (ValueError, KeyError):
            pass
    path.write_text(json.dumps(recording, indent=1, ensure_ascii=False) + "\n")
    return "written"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("-k", action="append", default=[], help="scenarios whose name contains")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    scenarios = [s for s in SCENARIOS if not args.k or any(k in s.name for k in args.k)]
    if not scenarios:
        print("no scenario matches", file=sys.stderr)
        return 2
    node, red = locate_node_red()
    GOLDEN.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="golden-e2e-"))
    services = work / "services"
    failed = True
    mqtt = service_up("mosquitto", services)
    try:
        with CamundaServer() as camunda, open(work / "node-red.log", "wb") as log:
            proc, base = start_node_red(node, red, work, log)
            print(f"Node-RED 5.0.7 on {base}, Mosquitto {mqtt.address}, "
                  f"Camunda server {camunda.url}, work dir {work}", file=sys.stderr)  # fmt: skip
            try:
                for scenario in scenarios:
                    recording = record(scenario, node, base, work, mqtt, camunda)
                    state = write_recording(recording)
                    count = sum(len(m["outputs"]) for m in recording["messages"])
                    print(f"{state:9} {scenario.name}: {count} output(s)", file=sys.stderr)
                failed = False
            finally:
                stop_process_group(proc)
    finally:
        service_down("mosquitto", services)
        if failed:
            print(f"failed; Node-RED log kept in {work}", file=sys.stderr)
        elif not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
