"""Boot the board's own ``main.py`` on a PC, unchanged, with the shims as its hardware modules.

``python -m flowengine.firmware.pc_boot --broker HOST:PORT [--count N] [--sensor env3|mcu]``
puts stand-ins for UIFlow 2's modules into ``sys.modules`` — ``M5``, ``network``, ``umqtt``,
``hardware``, ``unit``, ``esp32``, MicroPython's ``time`` (CPython's plus the tick functions),
``config`` (``config.py`` with the broker and count from the command line) and ``iotkit`` —
and runs ``main.py`` as the board would. One board per process (the modules are global);
``flowengine simulate`` runs many boards in one process through ``IoTKit`` directly. It replaces
``time`` for the whole process, so it is meant to run as a process of its own.
"""

from __future__ import annotations

import argparse
import os
import random
import runpy
import sys
import time
import types
from typing import Any

from . import config as device_config
from . import iotkit
from .shims import PahoMQTTClient, ShimM5, ShimPower, ShimWLAN, SimulatedEnvUnit, SimulatedMcu

__all__ = ["install_modules", "main"]

MAIN_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "main.py")
ENV3_ADDRESS = 0x44


def _module(name: str, **attrs: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    for key, value in attrs.items():
        setattr(module, key, value)
    return module


def install_modules(settings: dict[str, Any], sensor: str, seed: int | None) -> ShimM5:
    """Put the device modules into ``sys.modules``; returns the board's ``M5``."""
    rng = random.Random(seed)
    board = ShimM5(ShimPower(rng))
    mcu = SimulatedMcu(rng)

    class Pin:
        def __init__(self, id: int, *args: Any, **kwargs: Any) -> None:
            self.id = id

    class I2C:
        def __init__(self, id: int, *, scl: Pin, sda: Pin, freq: int = 400000) -> None:
            self.id = id

        def scan(self) -> list[int]:
            return [ENV3_ADDRESS] if sensor == "env3" else []

    def env_unit(i2c: Any = None, type: int = 3) -> SimulatedEnvUnit:
        return SimulatedEnvUnit(rng, i2c=i2c, type=type)

    micro_time = _module(
        "time",
        **{k: getattr(time, k) for k in dir(time) if not k.startswith("__")},
        ticks_ms=lambda: time.monotonic_ns() // 1_000_000,
        ticks_add=lambda ticks, delta: ticks + delta,
        ticks_diff=lambda a, b: a - b,
        sleep_ms=lambda ms: time.sleep(ms / 1000),
    )
    config = _module(
        "config",
        **{k: getattr(device_config, k) for k in dir(device_config) if k.isupper()},
    )
    for key, value in settings.items():
        setattr(config, key, value)
    modules = {
        "M5": board,
        "network": _module("network", STA_IF=0, AP_IF=1, WLAN=ShimWLAN),
        "umqtt": _module("umqtt", MQTTClient=PahoMQTTClient),
        "hardware": _module("hardware", I2C=I2C, Pin=Pin),
        "unit": _module("unit", ENVUnit=env_unit),
        "esp32": _module("esp32", raw_temperature=mcu.raw_temperature),
        "time": micro_time,
        "config": config,
        "iotkit": iotkit,
    }
    sys.modules.update(modules)  # type: ignore[arg-type]
    return board


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m flowengine.firmware.pc_boot", description=__doc__)
    p.add_argument("--broker", required=True, metavar="HOST:PORT")
    p.add_argument("--count", type=int, default=0, help="readings, then main.py returns")
    p.add_argument("--rate", type=float, default=1.0, help="readings per second")
    p.add_argument("--sensor", choices=("env3", "mcu"), default="env3")
    p.add_argument("--topic-prefix", default=device_config.TOPIC_PREFIX)
    p.add_argument("--client-id", default="iotkit-pc")
    p.add_argument("--nul", action="store_true")
    p.add_argument("--seed", type=int, default=None)
    args = p.parse_args(argv)
    host, _, port = args.broker.rpartition(":")
    settings = {
        "MQTT_BROKER": host,
        "MQTT_PORT": int(port),
        "MAX_READINGS": args.count,
        "INTERVAL_MS": max(1, round(1000 / args.rate)),
        "TOPIC_PREFIX": args.topic_prefix,
        "CLIENT_ID": args.client_id,
        "SEND_NUL": args.nul,
    }
    board = install_modules(settings, args.sensor, args.seed)
    runpy.run_path(MAIN_PY, run_name="__main__")
    print("\n".join(board.Lcd.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
