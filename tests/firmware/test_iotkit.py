"""The device program (firmware/iotkit.py) step by step, on shims and a recording client."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flowengine.firmware import config as device_config
from flowengine.firmware.iotkit import (
    RECONNECT_MS,
    Env3Sensor,
    IoTKit,
    McuSensor,
    as_text,
    connect_wifi,
    encode_payload,
    format_reading,
)
from flowengine.firmware.shims import ShimM5, ShimWLAN
from flowengine.firmware.simulator import DeviceSettings


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000

    def ticks_ms(self) -> int:
        return self.now

    def ticks_add(self, ticks: int, delta: int) -> int:
        return ticks + delta

    def ticks_diff(self, ticks1: int, ticks2: int) -> int:
        return ticks1 - ticks2

    def sleep_ms(self, ms: int) -> None:
        self.now += ms


class RecordingClient:
    """umqtt's client API, recording what the program does."""

    def __init__(self) -> None:
        self.published: list[tuple[str, bytes]] = []
        self.handlers: dict[str, Callable[[tuple[bytes, bytes]], None]] = {}
        self.inbox: list[tuple[bytes, bytes]] = []
        self.fail: OSError | None = None
        self.connects = 0

    def connect(self, clean_session: bool = True) -> bool:
        if self.fail:
            raise self.fail
        self.connects += 1
        return False

    def disconnect(self) -> None:
        pass

    def subscribe(
        self, topic: str | bytes, handler: Callable[[tuple[bytes, bytes]], None], qos: int = 0
    ) -> None:
        self.handlers[as_text(topic)] = handler

    def publish(
        self, topic: str | bytes, msg: str | bytes, retain: bool = False, qos: int = 0
    ) -> None:
        if self.fail:
            raise self.fail
        self.published.append((as_text(topic), msg if isinstance(msg, bytes) else msg.encode()))

    def check_msg(self) -> None:
        while self.inbox:
            data = self.inbox.pop(0)
            for handler in self.handlers.values():
                handler(data)


class FixedSensor:
    kind = "env3"

    def read_temperature(self) -> float:
        return 25.4

    def read_humidity(self) -> float:
        return 51.63


def settings(**overrides: object) -> DeviceSettings:
    values: dict[str, object] = {
        "CLIENT_ID": "kit-1",
        "MQTT_BROKER": "broker",
        "MQTT_PORT": 1883,
        "TOPIC_PREFIX": "iotkit",
        "SENSOR_ID": device_config.SENSOR_ID,
        "INTERVAL_MS": 1000,
        "SEND_NUL": False,
        "LOOP_MS": 20,
        "MAX_READINGS": 0,
    }
    values.update(overrides)
    return DeviceSettings(**values)  # type: ignore[arg-type]


def make_kit(**overrides: object) -> tuple[IoTKit, ShimM5, RecordingClient, FakeClock]:
    m5, client, clock = ShimM5(), RecordingClient(), FakeClock()
    kit = IoTKit(m5, client, Env3Sensor(FixedSensor()), clock, settings(**overrides))
    return kit, m5, client, clock


def test_payload_format_of_the_iotkit() -> None:
    assert format_reading("0xBC", 22.9, 36.94, "low") == "0xBC,22.90,36.9,low"
    assert encode_payload("0xBC,22.90,36.9,low", nul=True) == b"0xBC,22.90,36.9,low\x00"
    assert encode_payload("x", nul=False) == b"x"


def test_class_cycle_and_temperature_shift() -> None:
    kit, _, client, clock = make_kit()
    kit.start()
    for _ in range(6):
        kit.step()
        clock.sleep_ms(1000)
    assert (
        client.published
        == [
            ("iotkit/sensor", b"0xBC,20.40,51.6,low"),
            ("iotkit/sensor", b"0xBC,25.40,51.6,middle"),
            ("iotkit/sensor", b"0xBC,30.40,51.6,high"),
        ]
        * 2
    )
    assert kit.readings_sent == 6


def test_nul_terminated_like_strlen_plus_one() -> None:
    kit, m5, client, _ = make_kit(SEND_NUL=True)
    kit.start()
    kit.step()
    m5.BtnA.press()
    kit.step()
    assert [p for _, p in client.published] == [b"0xBC,20.40,51.6,low\x00", b"alert: button\x00"]


def test_schedule_interval_catch_up_and_limit() -> None:
    kit, _, client, clock = make_kit(INTERVAL_MS=100, MAX_READINGS=25)
    kit.start()
    kit.step()
    assert kit.readings_sent == 1 and kit.ms_until_due() == 100
    clock.sleep_ms(50)
    kit.step()
    assert kit.readings_sent == 1  # not due yet
    clock.sleep_ms(250)  # 3 intervals late: caught up
    kit.step()
    assert kit.readings_sent == 4
    clock.sleep_ms(5000)  # far behind: at most 10, then the schedule restarts
    kit.step()
    assert kit.readings_sent == 14 and kit.ms_until_due() == 100
    clock.sleep_ms(5000)
    kit.step()
    clock.sleep_ms(5000)
    kit.step()
    assert kit.readings_sent == 25 and kit.finished()
    assert len(client.published) == 25


def test_run_stops_after_max_readings() -> None:
    kit, _, client, _ = make_kit(INTERVAL_MS=100, MAX_READINGS=5)
    kit.run()
    assert len(client.published) == 5


def test_button_a_publishes_an_alert_once_per_press() -> None:
    kit, m5, client, _ = make_kit()
    kit.start()
    kit.step()
    m5.BtnA.press()
    m5.BtnA.press()
    kit.step()
    kit.step()
    kit.step()
    alerts = [p for t, p in client.published if t == "iotkit/alert"]
    assert alerts == [b"alert: button", b"alert: button"]
    assert kit.alerts_sent == 2
    assert "alert: button" in m5.Lcd.lines()


def test_actor_messages_are_shown_and_led_switches() -> None:
    kit, m5, client, _ = make_kit(TOPIC_PREFIX="kit")
    kit.start()
    assert list(client.handlers) == ["kit/actors/#"]
    client.inbox.append((b"kit/actors/led", b"ON\x00"))
    kit.step()
    assert kit.last_actor == "led = ON" and m5.Power.led == 255
    client.inbox.append((b"kit/actors/led", b"off"))
    client.inbox.append((b"kit/actors/servo", b"90"))
    kit.step()
    assert m5.Power.led == 0
    assert kit.actor_messages == 3
    assert "actor servo = 90" in m5.Lcd.lines()


def test_screen_shows_the_last_values() -> None:
    kit, m5, _, clock = make_kit()
    kit.start()
    kit.step()
    clock.sleep_ms(1000)
    kit.step()
    assert m5.Lcd.lines() == [
        "IoTKit kit-1",
        "temperature 25.40 C",
        "humidity 51.6 %",
        "class middle",
        "sent 2  alerts 0",
        "MQTT broker:1883 connected",
    ]


def test_mcu_variant_sends_the_battery_level() -> None:
    m5, client, clock = ShimM5(), RecordingClient(), FakeClock()
    sensor = McuSensor(lambda: 41.234, m5.Power)
    kit = IoTKit(m5, client, sensor, clock, settings())
    kit.start()
    kit.step()
    [(_, payload)] = client.published
    assert re.fullmatch(rb"0xBC,36\.23,(\d+)\.0,low", payload)
    assert any(line.startswith("battery ") for line in m5.Lcd.lines())


def test_a_lost_connection_is_retried_later() -> None:
    kit, m5, client, clock = make_kit()
    kit.start()
    client.fail = OSError(104, "ECONNRESET")
    kit.step()
    assert not kit.connected and kit.readings_sent == 0
    assert any("lost" in line for line in m5.Lcd.lines())
    assert kit.ms_until_due() == RECONNECT_MS
    client.fail = None
    clock.sleep_ms(RECONNECT_MS // 2)
    kit.step()
    assert not kit.connected  # not yet
    clock.sleep_ms(RECONNECT_MS)
    kit.step()
    assert kit.connected and client.connects == 2
    assert kit.readings_sent == 1


def test_no_broker_at_start() -> None:
    kit, _, client, _ = make_kit()
    client.fail = OSError(111, "ECONNREFUSED")
    kit.start()
    assert not kit.connected
    assert kit.problem.startswith("connect failed")


def test_sensor_errors_skip_the_reading() -> None:
    class Broken:
        kind = "env3"

        def read(self) -> tuple[float, float]:
            raise OSError(19, "ENODEV")

    m5, client, clock = ShimM5(), RecordingClient(), FakeClock()
    kit = IoTKit(m5, client, Broken(), clock, settings())
    kit.start()
    kit.step()
    assert client.published == []
    assert any(line.startswith("sensor error") for line in m5.Lcd.lines())


@pytest.mark.parametrize("joined", [True, False])
def test_wifi(joined: bool) -> None:
    class Radio(ShimWLAN):
        def __init__(self) -> None:
            super().__init__()
            self.polls = 0

        def isconnected(self) -> bool:
            self.polls += 1
            return joined and self.polls > 2

    clock = FakeClock()
    assert connect_wifi(Radio(), "net", "pw", clock, timeout_ms=1000) is joined
    assert clock.now > 1000
