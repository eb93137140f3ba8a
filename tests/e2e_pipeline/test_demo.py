"""``flowengine demo`` as the user runs it: a subprocess against real Mosquitto and Kafka.

The demo trains a model (fresh data dir), starts the Camunda stand-in, runs the six flows in one
engine with the simulated board, and prints status lines; the tests read them: messages from
MQTT, records on ``broker_message``/``iot``/``predictions``, rows in ``ml-data.csv``, a
prediction and calls to the stand-in — and a clean exit 0 after ``--duration`` and after
SIGINT. Option mistakes and an unreachable broker are one line and exit 2 (no brokers needed).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.e2e.iotkit import WAIT, wait_until
from tests.support.services import REPO, Endpoint

from .pipeline import GROUPS, position_groups_at_end

pytestmark = pytest.mark.timeout(900)

STATUS = re.compile(r"^demo (?:stopped )?\d+:\d\d \| ")


def demo_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "flowengine", "demo", *args]


def brokers(mqtt: Endpoint, kafka: Endpoint, data_dir: Path) -> list[str]:
    return ["--mqtt", mqtt.address, "--kafka", kafka.address, "--data-dir", str(data_dir),
            "--rate", "5", "--alert-every", "3", "--status-every", "1"]  # fmt: skip


class DemoProcess:
    """The demo with its stdout and stderr read by threads (the lines so far, any time)."""

    def __init__(self, args: list[str]) -> None:
        env = {k: v for k, v in os.environ.items() if k != "FLOWENGINE_SERVICES_DIR"}
        env["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(
            demo_command(*args), cwd=REPO, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        )  # fmt: skip
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: object, lines: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.append(line.rstrip("\n"))

    def wait(self, timeout: float) -> int:
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"demo did not stop:\n{self.output}") from None
        for reader in self._readers:
            reader.join(10)
        return code

    @property
    def output(self) -> str:
        return "\n".join([*self.out, "--- stderr ---", *self.err])

    def status_lines(self) -> list[str]:
        return [line for line in list(self.out) if STATUS.match(line)]


def numbers(line: str) -> dict[str, int]:
    """The counts of one status line the tests look at."""
    found: dict[str, int] = {}
    patterns = {
        "readings": r"device (\d+) readings?",
        "alerts": r", (\d+) alerts?",
        "mqtt": r"MQTT to Kafka (\d+)",
        "broker_message": r"broker_message \+(\d+)",
        "iot": r" iot \+(\d+)",
        "predictions": r"predictions \+(\d+)",
        "rows": r"ml-data\.csv (\d+) rows?",
        "calls": r"Camunda stand-in: (\d+) calls?",
        "errors": r"errors (\d+)$",
    }
    for key, pattern in patterns.items():
        match = re.search(pattern, line)
        assert match, f"no {key} in status line {line!r}"
        found[key] = int(match.group(1))
    return found


def assert_pipeline_ran(line: str) -> None:
    counts = numbers(line)
    for key in ("readings", "alerts", "mqtt", "broker_message", "iot", "predictions", "rows",
                "calls"):  # fmt: skip
        assert counts[key] > 0, f"{key} is 0 in {line!r}"
    assert re.search(r"last prediction: 0xBC [\d.]+ °C [\d.]+ % → (low|middle|high) \(", line)
    assert counts["errors"] == 0, line


def test_demo_runs_for_its_duration_and_exits_0(
    e2e_mosquitto: Endpoint, e2e_kafka: Endpoint, tmp_path: Path
) -> None:
    position_groups_at_end(e2e_kafka, (*GROUPS, "scoring"))
    data_dir = tmp_path / "demo-data"
    # long enough for every consumer group to be assigned even when a rebalance first waits
    # out a member left behind by an earlier engine (the flows' sessionTimeout is 15 s)
    demo = DemoProcess([*brokers(e2e_mosquitto, e2e_kafka, data_dir), "--duration", "40"])
    code = demo.wait(WAIT * 5)
    assert code == 0, demo.output
    lines = demo.status_lines()
    assert len(lines) >= 3, demo.output
    final = lines[-1]
    assert final.startswith("demo stopped "), demo.output
    assert_pipeline_ran(final)
    assert any(line.startswith("demo: model trained: k-NN (k = 5)") for line in demo.out)
    assert any("Camunda stand-in (NOT Camunda" in line for line in demo.out)
    assert demo.out[-1].startswith("demo: stopped the simulated board, the engine")
    assert (data_dir / "model.skops").is_file() and (data_dir / "regions.png").is_file()
    rows = (data_dir / "ml-data.csv").read_bytes().splitlines()
    assert len(rows) == numbers(final)["rows"]
    assert all(re.fullmatch(rb"0xBC,[\d.]+,[\d.]+,(low|middle|high)\0", row) for row in rows)
    assert "Traceback" not in demo.output


def test_demo_stops_cleanly_on_sigint(
    e2e_mosquitto: Endpoint, e2e_kafka: Endpoint, tmp_path: Path
) -> None:
    position_groups_at_end(e2e_kafka, (*GROUPS, "scoring"))
    demo = DemoProcess(brokers(e2e_mosquitto, e2e_kafka, tmp_path / "data"))
    try:

        def everything_flowed() -> bool:
            # every part must have moved before the signal: consumer groups join at
            # different times, so a line with a prediction may still show iot +0
            if demo.proc.poll() is not None:
                raise AssertionError(f"demo exited early:\n{demo.output}")
            for line in demo.status_lines():
                try:
                    assert_pipeline_ran(line)
                except AssertionError:
                    continue
                return True
            return False

        wait_until(everything_flowed, WAIT * 3, "a status line where every part has moved")
        demo.proc.send_signal(signal.SIGINT)
        code = demo.wait(WAIT)
    finally:
        if demo.proc.poll() is None:
            demo.proc.kill()
            demo.proc.wait()
    assert code == 0, demo.output
    assert "demo: SIGINT: stopping" in demo.output
    assert demo.status_lines()[-1].startswith("demo stopped ")
    assert_pipeline_ran(demo.status_lines()[-1])
    assert "Traceback" not in demo.output


def run_demo_at(port: int, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """``flowengine demo`` with both brokers at 127.0.0.1:``port`` (a start that must fail)."""
    return subprocess.run(
        demo_command("--mqtt", f"127.0.0.1:{port}", "--kafka", f"127.0.0.1:{port}",
                     "--data-dir", str(data_dir)),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--nope"], "flowengine demo: unrecognized arguments: --nope"),
        (["--duration", "soon"], "flowengine demo: argument --duration: expected a number"),
        (["--rate", "0"], "flowengine demo: argument --rate: expected a number > 0"),
        (["--mqtt", "localhost"], "flowengine demo: --mqtt: expected HOST:PORT"),
        (["--kafka", "127.0.0.1:99999"], "flowengine demo: --kafka: bad port"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = subprocess.run(demo_command(*args), capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(message), result.stderr
    assert result.stdout == ""


def test_an_unreachable_broker_is_one_line_and_exit_2(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    result = run_demo_at(port, tmp_path / "d")
    assert result.returncode == 2
    assert result.stderr == (
        f"flowengine demo: cannot reach the MQTT broker at 127.0.0.1:{port} (--mqtt): "
        "connection refused; start the brokers with: bash scripts/services.sh up\n"
    )
    assert not (tmp_path / "d").exists()  # nothing done before the check


def test_a_port_that_is_not_mqtt_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        def close_each() -> None:  # accept, then hang up without a CONNACK
            for _ in range(2):
                conn, _ = server.accept()
                conn.close()

        threading.Thread(target=close_each, daemon=True).start()
        result = run_demo_at(port, tmp_path / "d")
    assert result.returncode == 2
    # It hangs up before or after reading the CONNECT: with or without "(Connection reset…)".
    assert result.stderr.startswith(
        f"flowengine demo: the MQTT broker at 127.0.0.1:{port} (--mqtt) does not answer as an "
        "MQTT broker"
    )
    assert result.stderr.count("\n") == 1
