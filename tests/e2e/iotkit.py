"""The IoTKit message set and the tools the end-to-end tests drive it with.

The payloads are what an IoTKit board publishes (``../shared/seed/microservices.md``): the
mbed firmware sends ``strlen(buf)+1`` bytes, so board payloads end in a NUL byte. The
sensor lines are real captures (``data/iotkit-captures/data.csv`` of the tutorial's
CSV consumer, mc-b/mlg, Apache-2.0; note the leading space) with the NUL restored.
Two payloads come without NUL, as ``mosquitto_pub`` or another tool would send them.

Also here: an outside MQTT publisher (paho), a runner for ``python -m flowengine run``
as a subprocess (stderr read by a thread, ``--debug-out`` file read back), and the
list of flows under ``flows/``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from tests.support.services import REPO, Endpoint

__all__ = [
    "BURST",
    "IOTKIT_MESSAGES",
    "KAFKA_FLOW",
    "REST_FLOW",
    "WAIT",
    "EngineProcess",
    "IoTKitMessage",
    "Publisher",
    "engine",
    "publisher",
    "wait_until",
]

REST_FLOW = REPO / "flows" / "Node-RED-REST.json"
KAFKA_FLOW = REPO / "flows" / "Node-RED-Kafka.json"
#: Generous: a first run may share two CPUs with Kafka's JVM.
WAIT = 60.0

#: The first 30 sensor lines of the capture, without their NUL (added when published).
CAPTURED_SENSOR_LINES = [
    " 0xBC,20.40,51.6,low", " 0xBC,25.40,51.6,middle", " 0xBC,30.40,51.5,high",
    " 0xBC,20.40,51.4,low", " 0xBC,25.40,51.5,middle", " 0xBC,30.40,51.3,high",
    " 0xBC,20.50,51.4,low", " 0xBC,25.50,51.3,middle", " 0xBC,30.40,51.2,high",
    " 0xBC,20.40,51.4,low", " 0xBC,25.40,51.2,middle", " 0xBC,30.50,51.3,high",
    " 0xBC,20.50,51.3,low", " 0xBC,25.50,51.2,middle", " 0xBC,33.90,41.5,high",
    " 0xBC,24.40,43.0,low", " 0xBC,27.80,54.0,middle", " 0xBC,32.20,52.7,high",
    " 0xBC,21.90,51.8,low", " 0xBC,26.70,51.4,middle", " 0xBC,31.60,50.9,high",
    " 0xBC,21.40,50.5,low", " 0xBC,26.30,50.2,middle", " 0xBC,31.20,50.1,high",
    " 0xBC,21.20,49.9,low", " 0xBC,26.10,49.9,middle", " 0xBC,31.10,49.9,high",
    " 0xBC,21.10,49.9,low", " 0xBC,26.00,49.8,middle", " 0xBC,31.00,49.8,high",
]  # fmt: skip


@dataclass(frozen=True)
class IoTKitMessage:
    """One MQTT publish of the set."""

    label: str
    topic: str
    payload: bytes
    qos: int

    @property
    def renamed_by_kafka_flow(self) -> bool:
        """The Kafka flow's change node renames these five topics to ``broker_message``."""
        return self.topic in {
            "iotkit/sensor",
            "iotkit/alert",
            "iotkit/rfid",
            "iotkit/encoder",
            "iotkit/button",
        }

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "topic": self.topic, "payload": self.payload.hex(),
                "qos": self.qos}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IoTKitMessage:
        return cls(data["label"], data["topic"], bytes.fromhex(data["payload"]), data["qos"])


IOTKIT_MESSAGES: list[IoTKitMessage] = [
    IoTKitMessage("sensor, NUL-terminated, QoS 0", "iotkit/sensor",
                  CAPTURED_SENSOR_LINES[0].encode() + b"\0", 0),
    IoTKitMessage("alert, NUL-terminated, QoS 0", "iotkit/alert", b"alert: hall\0", 0),
    IoTKitMessage("rfid, NUL-terminated, QoS 1", "iotkit/rfid", b"04:A2:3B:C1:5D:80\0", 1),
    IoTKitMessage("encoder, NUL-terminated, QoS 2", "iotkit/encoder", b"42\0", 2),
    IoTKitMessage("button, NUL-terminated, QoS 1", "iotkit/button", b"ON\0", 1),
    IoTKitMessage("unrelated topic outside iotkit/#", "other/topic", b"not for the flows", 1),
    IoTKitMessage("other iotkit topic, not renamed", "iotkit/status", b"online", 0),
    IoTKitMessage("sensor, plain text, QoS 2", "iotkit/sensor",
                  CAPTURED_SENSOR_LINES[1].encode(), 2),
    IoTKitMessage("alert, plain text, QoS 2", "iotkit/alert", b"alert: hall", 2),
    IoTKitMessage("sensor, NUL-terminated, QoS 1", "iotkit/sensor",
                  CAPTURED_SENSOR_LINES[2].encode() + b"\0", 1),
]  # fmt: skip

#: A stream of sensor readings at the board's QoS 1 alternative (order must hold).
BURST: list[IoTKitMessage] = [
    IoTKitMessage(f"sensor {i}", "iotkit/sensor", line.encode() + b"\0", 1)
    for i, line in enumerate(CAPTURED_SENSOR_LINES)
]


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``predicate`` until it returns a truthy value (for state outside our process)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        pause.wait(0.02)


class Publisher:
    """An outside MQTT client (v3.1.1) that publishes one message at a time."""

    def __init__(self, endpoint: Endpoint, client_id: str = "") -> None:
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        self.client.connect(endpoint.host, endpoint.port)
        self.client.loop_start()

    def publish(self, message: IoTKitMessage) -> None:
        """Publish and wait for the broker's acknowledgement (PUBACK/PUBCOMP, or the write)."""
        info = self.client.publish(message.topic, message.payload, message.qos)
        info.wait_for_publish(WAIT)
        assert info.is_published(), f"not published: {message.label}"

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@contextmanager
def publisher(endpoint: Endpoint) -> Iterator[Publisher]:
    pub = Publisher(endpoint)
    try:
        yield pub
    finally:
        pub.close()


class EngineProcess:
    """``python -m flowengine run ARGS --debug-out FILE --log-level debug`` as a subprocess."""

    def __init__(self, args: list[str], debug_out: Path) -> None:
        self.debug_out = debug_out
        self.stderr_lines: list[str] = []
        self._cond = threading.Condition()
        env = {k: v for k, v in os.environ.items() if k != "FLOWENGINE_CREDENTIAL_SECRET"}
        env["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flowengine", "run", *args,
             "--debug-out", str(debug_out), "--log-level", "debug"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._cond:
                self.stderr_lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def stderr(self) -> str:
        with self._cond:
            return "\n".join(self.stderr_lines)

    def wait_log(self, text: str, timeout: float = WAIT) -> str:
        """Wait for a stderr line containing ``text``; fails early if the engine exits."""

        def found() -> str | None:
            for line in self.stderr_lines:
                if text in line:
                    return line
            return None

        with self._cond:
            ok = self._cond.wait_for(
                lambda: found() is not None or self.proc.poll() is not None, timeout
            )
            line = found()
        if line is None:
            state = "exited" if self.proc.poll() is not None else "still running"
            raise AssertionError(f"engine ({state}) never logged {text!r}:\n{self.stderr}")
        assert ok
        return line

    def debug_lines(self) -> list[dict[str, Any]]:
        if not self.debug_out.exists():
            return []
        text = self.debug_out.read_text(encoding="utf-8")
        # only complete lines: the engine may be writing the next one
        return [json.loads(line) for line in text.split("\n")[:-1] if line]

    def wait_debug(self, count: int, timeout: float = WAIT) -> list[dict[str, Any]]:
        """Wait until ``--debug-out`` holds at least ``count`` lines; returns them all."""

        def enough() -> list[dict[str, Any]] | None:
            if self.proc.poll() is not None:
                raise AssertionError(f"engine exited ({self.proc.returncode}):\n{self.stderr}")
            lines = self.debug_lines()
            return lines if len(lines) >= count else None

        return wait_until(enough, timeout, f"{count} debug line(s)")  # type: ignore[no-any-return]

    def stop(self, timeout: float = WAIT) -> int:
        """SIGTERM (a graceful stop) and the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"engine did not stop on SIGTERM:\n{self.stderr}") from None
        self._reader.join(timeout)
        return code


@contextmanager
def engine(args: list[str], debug_out: Path) -> Iterator[EngineProcess]:
    proc = EngineProcess(args, debug_out)
    try:
        yield proc
    finally:
        if proc.proc.poll() is None:
            proc.proc.kill()
            proc.proc.wait()
