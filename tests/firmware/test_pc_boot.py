"""The board's main.py, unchanged, on a PC: shims as its modules, a real broker."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

from tests.support.services import Endpoint

from .mqtt_probe import WAIT, Probe


@pytest.mark.parametrize("sensor", ["env3", "mcu"])
def test_main_py_boots_and_publishes(
    mosquitto: Endpoint, unique_topic: Callable[[str], str], sensor: str
) -> None:
    prefix = unique_topic("iotkit")
    probe = Probe(mosquitto, f"{prefix}/#")
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "flowengine.firmware.pc_boot",
                "--broker",
                mosquitto.address,
                "--count",
                "3",
                "--rate",
                "50",
                "--topic-prefix",
                prefix,
                "--sensor",
                sensor,
                "--nul",
            ],
            capture_output=True,
            text=True,
            timeout=WAIT * 2,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        payloads = [p for _, p in probe.wait(3)]
    finally:
        probe.close()
    assert [p.split(b",")[3] for p in payloads] == [b"low\x00", b"middle\x00", b"high\x00"]
    screen = result.stdout.splitlines()
    assert screen[0] == "IoTKit iotkit-pc"
    assert "class high" in screen and "sent 3  alerts 0" in screen
    assert any(line.startswith("battery " if sensor == "mcu" else "humidity ") for line in screen)
