"""The device simulator: N IoTKit boards on a PC, each the firmware's own :class:`IoTKit`.

Every simulated board gets the PC shims (``shims.py``) in place of its hardware — its own
display, buttons, power chip, a seeded sensor and a real MQTT connection — and runs the same
``IoTKit.start()`` / ``IoTKit.step()`` the Core2 runs. One thread steps all boards, sleeping
until the next reading is due (at most 50 ms, so actor messages and button presses are handled
promptly). ``alert_every`` presses button A after every N readings of a board; ``count`` stops
a board after N readings (the firmware's ``MAX_READINGS``). :class:`CaptureWriter` records the
sensor topic in the capture format (payload bytes and a newline per reading), which is how the
sample data in ``data/samples/`` was made.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from paho.mqtt import client as paho
from paho.mqtt.enums import CallbackAPIVersion

from . import config as device_config
from .iotkit import Env3Sensor, IoTKit, McuSensor, connect_wifi
from .shims import (
    PahoMQTTClient,
    PcClock,
    ShimM5,
    ShimPower,
    ShimWLAN,
    SimulatedEnvUnit,
    SimulatedMcu,
)

__all__ = [
    "CaptureWriter",
    "DeviceSettings",
    "SimulatedDevice",
    "Simulator",
    "SimulatorError",
    "SimulatorOptions",
]

#: longest pause between two passes over the boards (s)
MAX_PAUSE = 0.05
#: highest reading rate per board: the firmware schedules in whole milliseconds
MAX_RATE = 1000.0
SENSORS = ("env3", "mcu")


class SimulatorError(Exception):
    """The simulator cannot run (e.g. no connection to the broker)."""


@dataclass(frozen=True)
class DeviceSettings:
    """What ``config.py`` holds on a board, for one simulated board."""

    CLIENT_ID: str
    MQTT_BROKER: str
    MQTT_PORT: int
    TOPIC_PREFIX: str
    SENSOR_ID: str
    INTERVAL_MS: int
    SEND_NUL: bool
    LOOP_MS: int
    MAX_READINGS: int
    MQTT_KEEPALIVE: int = 60


@dataclass(frozen=True)
class SimulatorOptions:
    host: str
    port: int
    devices: int = 1
    rate: float = 1.0
    count: int = 0  # readings per board; 0: until stopped
    nul: bool = False
    alert_every: int = 0  # press button A after every N readings; 0: never
    sensor: str = "env3"
    seed: int | None = None
    topic_prefix: str = device_config.TOPIC_PREFIX
    client_id: str = "iotkit-sim"

    def __post_init__(self) -> None:
        if self.devices < 1:
            raise ValueError(f"devices must be >= 1, got {self.devices}")
        if not 0 < self.rate <= MAX_RATE:
            raise ValueError(f"rate must be > 0 and <= {MAX_RATE:g} Hz, got {self.rate}")
        if self.count < 0 or self.alert_every < 0:
            raise ValueError("count and alert_every must be >= 0")
        if self.sensor not in SENSORS:
            raise ValueError(f"sensor must be one of {', '.join(SENSORS)}, got {self.sensor!r}")
        if not self.topic_prefix or any(c in self.topic_prefix for c in "#+\x00"):
            raise ValueError(f"bad topic prefix {self.topic_prefix!r}")

    def settings(self, index: int) -> DeviceSettings:
        client_id = self.client_id if self.devices == 1 else f"{self.client_id}-{index}"
        return DeviceSettings(
            CLIENT_ID=client_id,
            MQTT_BROKER=self.host,
            MQTT_PORT=self.port,
            TOPIC_PREFIX=self.topic_prefix,
            SENSOR_ID=device_config.SENSOR_ID,
            INTERVAL_MS=max(1, round(1000 / self.rate)),
            SEND_NUL=self.nul,
            LOOP_MS=device_config.LOOP_MS,
            MAX_READINGS=self.count,
        )


class SimulatedDevice:
    """One board: the firmware's :class:`IoTKit` on PC shims."""

    def __init__(self, index: int, options: SimulatorOptions, rng: random.Random) -> None:
        self.index = index
        self.settings = options.settings(index)
        self.m5 = ShimM5(ShimPower(rng))
        self.clock = PcClock()
        self.client = PahoMQTTClient(
            self.settings.CLIENT_ID,
            options.host,
            port=options.port,
            keepalive=self.settings.MQTT_KEEPALIVE,
        )
        sensor: Env3Sensor | McuSensor
        if options.sensor == "env3":
            sensor = Env3Sensor(SimulatedEnvUnit(rng))
        else:
            sensor = McuSensor(SimulatedMcu(rng).temperature, self.m5.Power)
        self.kit = IoTKit(self.m5, self.client, sensor, self.clock, self.settings)
        self.alert_every = options.alert_every
        self.next_alert_at = options.alert_every

    def start(self) -> None:
        connect_wifi(ShimWLAN(), device_config.WIFI_SSID, "", self.clock, 1000)
        self.kit.start()

    def step(self) -> None:
        self.kit.step()
        # The simulated finger: press button A once per alert_every readings.
        while self.alert_every and self.kit.readings_sent >= self.next_alert_at:
            self.m5.BtnA.press()
            self.next_alert_at += self.alert_every

    def done(self) -> bool:
        return self.kit.finished() and self.m5.BtnA.pending() == 0

    def close(self) -> None:
        self.client.disconnect()


class Simulator:
    """Runs the boards; ``on_event(text)`` gets alerts and actor messages as they happen."""

    def __init__(
        self,
        options: SimulatorOptions,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self.options = options
        self.on_event = on_event
        base = options.seed if options.seed is not None else random.randrange(2**32)
        self.devices = [
            SimulatedDevice(i + 1, options, random.Random(base + i)) for i in range(options.devices)
        ]
        self._seen: dict[int, tuple[int, int]] = {}

    # ---- totals -----------------------------------------------------------------------
    @property
    def readings(self) -> int:
        return sum(d.kit.readings_sent for d in self.devices)

    @property
    def alerts(self) -> int:
        return sum(d.kit.alerts_sent for d in self.devices)

    @property
    def actor_messages(self) -> int:
        return sum(d.kit.actor_messages for d in self.devices)

    # ---- running ----------------------------------------------------------------------
    def start(self) -> None:
        """Connect every board; :class:`SimulatorError` if one cannot reach the broker."""
        for device in self.devices:
            device.start()
            if not device.kit.connected:
                self.close()
                raise SimulatorError(
                    f"cannot connect to {self.options.host}:{self.options.port}: "
                    f"{device.kit.problem}"
                )

    def step(self) -> float:
        """One pass over the boards; returns how long to pause before the next (s)."""
        pause = MAX_PAUSE
        for device in self.devices:
            if device.done():
                continue
            device.step()
            self._report(device)
            if not device.kit.finished():
                pause = min(pause, device.kit.ms_until_due() / 1000)
            elif not device.done():
                pause = 0.0  # an alert is still to be sent
        return pause

    def finished(self) -> bool:
        return all(d.done() for d in self.devices)

    def run(self, stop: threading.Event | None = None) -> None:
        """Step until every board is finished (``count``) or ``stop`` is set."""
        stop = stop or threading.Event()
        while not stop.is_set() and not self.finished():
            pause = self.step()
            if pause > 0:
                stop.wait(pause)

    def close(self) -> None:
        """Disconnect every board (after what it published has gone out)."""
        for device in self.devices:
            device.close()

    def _report(self, device: SimulatedDevice) -> None:
        if self.on_event is None:
            return
        kit = device.kit
        alerts, actors = self._seen.get(device.index, (0, 0))
        if kit.alerts_sent != alerts:
            self.on_event(f"{kit.client_id}: sent {kit.last_alert!r}")
        if kit.actor_messages != actors:
            self.on_event(f"{kit.client_id}: actor {kit.last_actor}")
        self._seen[device.index] = (kit.alerts_sent, kit.actor_messages)


class CaptureWriter:
    """Appends every payload on ``topic`` to ``path`` (bytes + newline), like the consumer."""

    def __init__(self, host: str, port: int, topic: str, path: str, timeout: float = 15.0) -> None:
        self.path = path
        self.topic = topic
        self.received = 0
        self._cond = threading.Condition()
        self._file = open(path, "ab")  # noqa: SIM115 - closed in close()
        self._client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=f"iotkit-capture-{os.getpid()}-{id(self)}",
            protocol=paho.MQTTv311,
        )
        subscribed = threading.Event()
        self._client.on_message = self._on_message
        self._client.on_connect = lambda c, u, f, rc, p: c.subscribe(topic, 0)
        self._client.on_subscribe = lambda c, u, mid, rc, p: subscribed.set()
        try:
            self._client.connect(host, port, 60)
        except OSError as e:
            self._file.close()
            raise SimulatorError(f"capture: cannot connect to {host}:{port}: {e}") from None
        self._client.loop_start()
        if not subscribed.wait(timeout):
            self.close()
            raise SimulatorError(f"capture: no subscription to {topic} on {host}:{port}")

    def _on_message(self, client: paho.Client, userdata: object, message: paho.MQTTMessage) -> None:
        with self._cond:
            self._file.write(bytes(message.payload) + b"\n")
            self.received += 1
            self._cond.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` payloads were written; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.received < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
        with self._cond:
            self._file.close()


def print_event(stream: TextIO = sys.stdout) -> Callable[[str], None]:
    def show(text: str) -> None:
        stream.write(f"simulate: {text}\n")
        stream.flush()

    return show
