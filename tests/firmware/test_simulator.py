"""``flowengine simulate``: the firmware's own code on PC shims against a real Mosquitto."""

from __future__ import annotations

import re
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flowengine.firmware.simulator import Simulator, SimulatorOptions

from flowengine.commands import simulate
from tests.ml.support import REPO, command_args
from tests.support.services import Endpoint

from .mqtt_probe import WAIT, Probe

READING = re.compile(rb"0xBC,(-?\d+\.\d{2}),(\d+\.\d),(low|middle|high)")


@pytest.fixture
def probe_factory(mosquitto: Endpoint) -> Iterator[Callable[[str], Probe]]:
    probes: list[Probe] = []

    def make(topic: str) -> Probe:
        probes.append(Probe(mosquitto, topic))
        return probes[-1]

    yield make
    for p in probes:
        p.close()


def run_simulate(endpoint: Endpoint, *argv: str) -> int:
    args = command_args(simulate, ["simulate", "--broker", endpoint.address, *argv])
    return simulate.run(args)


def test_readings_with_nul_class_cycle_and_shift(
    mosquitto: Endpoint,
    unique_topic: Callable[[str], str],
    probe_factory: Callable[[str], Probe],
    capsys: pytest.CaptureFixture[str],
) -> None:
    prefix = unique_topic("iotkit")
    probe = probe_factory(f"{prefix}/#")
    argv = ["--topic-prefix", prefix, "--count", "9", "--rate", "200", "--nul", "--seed", "7"]
    code = run_simulate(mosquitto, *argv)
    assert code == 0
    messages = probe.wait(9)
    assert {t for t, _ in messages} == {f"{prefix}/sensor"}
    payloads = [p for _, p in messages]
    for p in payloads:
        assert p.endswith(b"\x00") and p.count(b"\x00") == 1  # strlen(buf)+1 bytes
        assert READING.fullmatch(p[:-1]), p
    fields = [READING.fullmatch(p[:-1]).groups() for p in payloads]  # type: ignore[union-attr]
    assert [f[2] for f in fields] == [b"low", b"middle", b"high"] * 3
    temps = [float(f[0]) for f in fields]
    for i in range(0, 9, 3):  # ±5 °C around the middle reading, give or take the drift
        assert temps[i + 1] - temps[i] == pytest.approx(5.0, abs=2.0)
        assert temps[i + 2] - temps[i + 1] == pytest.approx(5.0, abs=2.0)
    out = capsys.readouterr().out
    assert "sent 9 reading(s) and 0 alert(s)" in out


def test_several_boards_alerts_and_no_nul(
    mosquitto: Endpoint,
    unique_topic: Callable[[str], str],
    probe_factory: Callable[[str], Probe],
    capsys: pytest.CaptureFixture[str],
) -> None:
    prefix = unique_topic("iotkit")
    probe = probe_factory(f"{prefix}/#")
    argv = ["--topic-prefix", prefix, "--devices", "3", "--count", "6", "--rate", "100"]
    code = run_simulate(mosquitto, *argv, "--alert-every", "3")
    assert code == 0
    messages = probe.wait(18 + 6)
    by_topic = Counter(t for t, _ in messages)
    assert by_topic == {f"{prefix}/sensor": 18, f"{prefix}/alert": 6}
    assert {p for t, p in messages if t.endswith("/alert")} == {b"alert: button"}
    assert all(b"\x00" not in p for _, p in messages)
    labels = Counter(p.split(b",")[3] for t, p in messages if t.endswith("/sensor"))
    assert labels == {b"low": 6, b"middle": 6, b"high": 6}
    out = capsys.readouterr().out
    assert out.count("sent 'alert: button'") == 6
    assert "iotkit-sim-3" in out


def test_mcu_variant_sends_temperature_and_battery(
    mosquitto: Endpoint, unique_topic: Callable[[str], str], probe_factory: Callable[[str], Probe]
) -> None:
    prefix = unique_topic("iotkit")
    probe = probe_factory(f"{prefix}/sensor")
    argv = ["--topic-prefix", prefix, "--count", "3", "--rate", "100", "--sensor", "mcu"]
    assert run_simulate(mosquitto, *argv, "--quiet") == 0
    for _, payload in probe.wait(3):
        match = READING.fullmatch(payload)
        assert match, payload
        battery = float(match.group(2))
        assert 0 <= battery <= 100 and battery.is_integer()


def test_actor_messages_reach_the_screen_and_the_led(
    mosquitto: Endpoint, unique_topic: Callable[[str], str], probe_factory: Callable[[str], Probe]
) -> None:
    prefix = unique_topic("iotkit")
    probe = probe_factory(f"{prefix}/none")
    events: list[str] = []
    actor_seen = threading.Event()

    def on_event(text: str) -> None:  # called on the simulator's thread
        events.append(text)
        if " actor " in text:
            actor_seen.set()

    options = SimulatorOptions(mosquitto.host, mosquitto.port, topic_prefix=prefix, rate=5.0)
    simulator = Simulator(options, on_event=on_event)
    simulator.start()  # connected and subscribed to <prefix>/actors/# when this returns
    board = simulator.devices[0]
    stop = threading.Event()
    runner = threading.Thread(target=simulator.run, args=(stop,))
    runner.start()
    try:
        probe.publish(f"{prefix}/actors/led", b"ON\x00")
        assert actor_seen.wait(WAIT), "the actor message never arrived"
    finally:
        stop.set()
        runner.join(WAIT)
        simulator.close()
    assert board.kit.last_actor == "led = ON"
    assert board.m5.Power.led == 255
    assert "actor led = ON" in board.m5.Lcd.lines()
    assert any("actor led = ON" in e for e in events)


def test_capture_file_trains(
    mosquitto: Endpoint, unique_topic: Callable[[str], str], tmp_path: Path
) -> None:
    from flowengine.commands import train

    prefix = unique_topic("iotkit")
    capture = tmp_path / "ml-data.csv"
    argv = ["--topic-prefix", prefix, "--count", "60", "--rate", "500", "--nul", "--seed", "3"]
    assert run_simulate(mosquitto, *argv, "--capture", str(capture), "--quiet") == 0
    lines = capture.read_bytes().splitlines()
    assert len(lines) == 60 and all(line.endswith(b"\x00") for line in lines)
    args = command_args(train, ["train", str(capture), "--quiet", "--min-accuracy", "1.0"])
    assert train.run(args) == 0


def test_no_broker_is_a_clear_failure(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    args = command_args(simulate, ["simulate", "--broker", f"127.0.0.1:{port}", "--count", "1"])
    assert simulate.run(args) == 1
    assert f"cannot connect to 127.0.0.1:{port}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--broker", "nohost"], "expected HOST:PORT"),
        (["--broker", "h:99999"], "bad port 99999"),
        (["--broker", "h:1", "--rate", "5000"], "rate must be > 0 and <= 1000"),
        (["--broker", "h:1", "--topic-prefix", "a/#"], "bad topic prefix"),
    ],
)
def test_bad_options(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert simulate.run(command_args(simulate, ["simulate", *argv])) == 2
    assert message in capsys.readouterr().err


def test_sigterm_stops_cleanly(
    mosquitto: Endpoint, unique_topic: Callable[[str], str], probe_factory: Callable[[str], Probe]
) -> None:
    import signal
    import subprocess
    import sys

    prefix = unique_topic("iotkit")
    probe = probe_factory(f"{prefix}/sensor")
    code = (
        "import sys\n"
        "from flowengine.commands import simulate\n"
        "from tests.ml.support import REPO, command_args\n"
        "sys.exit(simulate.run(command_args(simulate, sys.argv[1:])))\n"
    )
    argv = ["simulate", "--broker", mosquitto.address, "--topic-prefix", prefix, "--rate", "50"]
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *argv], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        assert proc.stdout is not None
        assert "board(s) connected" in proc.stdout.readline()
        probe.wait(1)  # it is publishing
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    sent = int(re.search(r"sent (\d+) reading", out).group(1))  # type: ignore[union-attr]
    assert sent >= 1
    assert len(probe.wait(sent)) >= sent  # everything it counted went out before DISCONNECT
