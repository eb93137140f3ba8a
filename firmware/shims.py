"""PC stand-ins for the Core2's hardware modules, so the IoTKit program runs as a simulator.

- :class:`ShimM5`: UIFlow 2's ``M5`` (buttons A/B/C that a test or the simulator can press,
  a display that remembers what was drawn where, the power chip's battery gauge and LED).
- :class:`PahoMQTTClient`: UIFlow 2's ``umqtt.MQTTClient`` on paho-mqtt — a real MQTT
  connection; ``connect``/``subscribe`` block until the broker answers, ``check_msg`` runs the
  subscription handlers on the caller's thread, as umqtt does.
- :class:`PcClock`: MicroPython's ``time.ticks_ms``/``ticks_add``/``ticks_diff``/``sleep_ms``.
- :class:`ShimWLAN`: ``network.WLAN`` of a PC that is on the network already.
- :class:`SimulatedEnvUnit`, :class:`SimulatedMcu`: sensors with slowly drifting values and a
  little noise (seeded, so a run can be repeated).
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from paho.mqtt import client as paho
from paho.mqtt.enums import CallbackAPIVersion

__all__ = [
    "PahoMQTTClient",
    "PcClock",
    "ShimButton",
    "ShimDisplay",
    "ShimM5",
    "ShimPower",
    "ShimWLAN",
    "SimulatedEnvUnit",
    "SimulatedMcu",
]


class ShimButton:
    """A button the simulator presses; ``wasPressed`` is true for one ``M5.update()``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending = 0
        self._was = False

    def press(self) -> None:
        with self._lock:
            self._pending += 1

    def pending(self) -> int:
        with self._lock:
            return self._pending

    def update(self) -> None:
        with self._lock:
            self._was = self._pending > 0
            if self._was:
                self._pending -= 1

    def wasPressed(self) -> bool:
        return self._was

    def isPressed(self) -> bool:
        return self._was


class ShimDisplay:
    """A 320×240 display that keeps the text drawn on each row (by its y)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[int, str] = {}

    def fillScreen(self, color: int = 0) -> None:
        with self._lock:
            self._rows.clear()

    def fillRect(self, x: int, y: int, w: int, h: int, color: int = 0) -> None:
        with self._lock:
            for row in [r for r in self._rows if y <= r < y + h]:
                del self._rows[row]

    def setTextColor(self, fgcolor: int, bgcolor: int = 0) -> None:
        pass

    def drawString(self, text: str, x: int, y: int, font: Any = None) -> None:
        with self._lock:
            self._rows[y] = text

    def lines(self) -> list[str]:
        """What the screen shows, top to bottom."""
        with self._lock:
            return [self._rows[y] for y in sorted(self._rows) if self._rows[y]]


class ShimPower:
    """The power chip: a battery that drains slowly (and is recharged at 20 %), the LED."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()
        self._battery = 100.0
        self.led = 0

    def getBatteryLevel(self) -> int:
        self._battery -= 0.02 + self._rng.random() * 0.02
        if self._battery < 20:
            self._battery = 100.0
        return round(self._battery)

    def setLed(self, br: int) -> None:
        self.led = br


class ShimM5:
    """UIFlow 2's ``M5`` module for one simulated board."""

    def __init__(self, power: ShimPower | None = None) -> None:
        self.BtnA = ShimButton()
        self.BtnB = ShimButton()
        self.BtnC = ShimButton()
        self.Lcd = ShimDisplay()
        self.Power = power or ShimPower()

    def begin(self) -> None:
        pass

    def update(self) -> None:
        for button in (self.BtnA, self.BtnB, self.BtnC):
            button.update()


class PcClock:
    """MicroPython's tick functions on the PC's monotonic clock (no wrap-around needed)."""

    def ticks_ms(self) -> int:
        return time.monotonic_ns() // 1_000_000

    def ticks_add(self, ticks: int, delta: int) -> int:
        return ticks + delta

    def ticks_diff(self, ticks1: int, ticks2: int) -> int:
        return ticks1 - ticks2

    def sleep_ms(self, ms: int) -> None:
        time.sleep(ms / 1000)


class ShimWLAN:
    """``network.WLAN`` on a PC: the network is there already."""

    def __init__(self, interface_id: int = 0) -> None:
        self._active = False

    def active(self, is_active: bool | None = None) -> bool:
        if is_active is not None:
            self._active = is_active
        return self._active

    def connect(self, ssid: str, key: str | None = None) -> None:
        self._active = True

    def disconnect(self) -> None:
        pass

    def isconnected(self) -> bool:
        return True

    def ifconfig(self) -> tuple[str, str, str, str]:
        return ("127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1")


class _Drift:
    """A value that wanders slowly around a base value, read with a little noise and, now and
    then, a glitch (a draught, a hand on the sensor) as in the tutorial's captures."""

    def __init__(
        self,
        rng: random.Random,
        base: float,
        step: float,
        noise: float,
        glitch: float = 0.0,
        glitch_rate: float = 0.0,
    ) -> None:
        self.rng = rng
        self.base = base
        self.value = base + rng.uniform(-step * 10, step * 10)
        self.step = step
        self.noise = noise
        self.glitch = glitch
        self.glitch_rate = glitch_rate

    def read(self) -> float:
        rng = self.rng
        self.value += rng.gauss(0.0, self.step) + 0.01 * (self.base - self.value)
        reading = self.value + rng.gauss(0.0, self.noise)
        if self.glitch_rate and rng.random() < self.glitch_rate:
            reading += rng.gauss(0.0, self.glitch)
        return reading


class SimulatedEnvUnit:
    """``unit.ENVUnit`` (ENV III): room temperature and humidity, as in the tutorial's captures."""

    def __init__(
        self,
        rng: random.Random | None = None,
        temperature: float = 25.5,
        humidity: float = 50.5,
        i2c: Any = None,
        type: int = 3,
    ) -> None:
        rng = rng or random.Random()
        self._temperature = _Drift(rng, temperature, 0.06, 0.05, glitch=1.5, glitch_rate=0.02)
        self._humidity = _Drift(rng, humidity, 0.15, 0.1, glitch=4.0, glitch_rate=0.02)

    def read_temperature(self) -> float:
        return self._temperature.read()

    def read_humidity(self) -> float:
        return self._humidity.read()

    def read_pressure(self) -> float:
        return 1013.25


class SimulatedMcu:
    """The ESP32's internal temperature sensor (warmer than the room)."""

    def __init__(self, rng: random.Random | None = None, temperature: float = 42.0) -> None:
        self._temperature = _Drift(rng or random.Random(), temperature, 0.05, 0.2)

    def temperature(self) -> float:
        return self._temperature.read()

    def raw_temperature(self) -> int:
        """``esp32.raw_temperature()``: whole degrees Fahrenheit."""
        return round(self._temperature.read() * 1.8 + 32)


Handler = Callable[[tuple[bytes, bytes]], None]


class PahoMQTTClient:
    """UIFlow 2's ``umqtt.MQTTClient`` API over a real paho-mqtt connection (MQTT 3.1.1)."""

    def __init__(
        self,
        client_id: str,
        server: str,
        port: int = 0,
        user: str | None = None,
        password: str | None = None,
        keepalive: int = 0,
        ssl: bool = False,
        ssl_params: dict[str, Any] | None = None,
        timeout: float = 15.0,
    ) -> None:
        if ssl:
            raise OSError("the PC shim of umqtt does not do TLS")
        self.server = server
        self.port = port or 1883
        self.keepalive = keepalive or 60
        self.timeout = timeout
        self._client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=paho.MQTTv311,
            clean_session=True,
        )
        if user:
            self._client.username_pw_set(user, password)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe
        self._inbox: queue.SimpleQueue[tuple[str, bytes]] = queue.SimpleQueue()
        self._handlers: list[tuple[str, Handler]] = []
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._connect_reason = ""
        self._subacks: dict[int, threading.Event] = {}
        self._last_publish: paho.MQTTMessageInfo | None = None
        self._started = False

    # ---- paho's thread -----------------------------------------------------------------
    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        self._connect_reason = "" if not reason.is_failure else str(reason)
        self._connected.set()

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        self._connected.clear()

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        self._inbox.put((message.topic, bytes(message.payload)))

    def _on_subscribe(self, client: Any, userdata: Any, mid: int, reasons: Any, props: Any) -> None:
        with self._lock:
            self._subacks.setdefault(mid, threading.Event()).set()

    # ---- umqtt's API ---------------------------------------------------------------------
    def connect(self, clean_session: bool = True) -> bool:
        """Connect and wait for the broker's CONNACK; ``OSError`` if that fails."""
        if self._client.is_connected():
            return False
        if not self._started:
            self._connected.clear()
            self._client.connect(self.server, self.port, self.keepalive)
            self._client.loop_start()
            self._started = True
        # (After a connection loss paho's loop reconnects by itself; wait for it.)
        if not self._connected.wait(self.timeout):
            raise OSError(f"no answer from {self.server}:{self.port}")
        if self._connect_reason:
            raise OSError(f"{self.server}:{self.port} refused: {self._connect_reason}")
        return False

    def subscribe(self, topic: str | bytes, handler: Handler, qos: int = 0) -> None:
        """Subscribe and wait for the SUBACK; ``handler((topic, msg))`` runs in check_msg."""
        text = topic.decode() if isinstance(topic, bytes) else topic
        with self._lock:
            self._handlers = [(t, h) for t, h in self._handlers if t != text] + [(text, handler)]
        rc, mid = self._client.subscribe(text, qos)
        if rc != paho.MQTT_ERR_SUCCESS or mid is None:
            raise OSError(f"subscribe {text}: {paho.error_string(rc)}")
        with self._lock:
            done = self._subacks.setdefault(mid, threading.Event())
        if not done.wait(self.timeout):
            raise OSError(f"subscribe {text}: no SUBACK")
        with self._lock:
            self._subacks.pop(mid, None)

    def publish(
        self, topic: str | bytes, msg: str | bytes, retain: bool = False, qos: int = 0
    ) -> None:
        text = topic.decode() if isinstance(topic, bytes) else topic
        payload = msg.encode() if isinstance(msg, str) else bytes(msg)
        info = self._client.publish(text, payload, qos, retain)
        if info.rc != paho.MQTT_ERR_SUCCESS:
            raise OSError(f"publish {text}: {paho.error_string(info.rc)}")
        self._last_publish = info

    def check_msg(self) -> None:
        """Run the handlers for every message that has arrived (does not block)."""
        while True:
            try:
                topic, payload = self._inbox.get_nowait()
            except queue.Empty:
                return
            self._dispatch(topic, payload)

    def wait_msg(self) -> None:
        topic, payload = self._inbox.get()
        self._dispatch(topic, payload)

    def _dispatch(self, topic: str, payload: bytes) -> None:
        with self._lock:
            handlers = [h for t, h in self._handlers if paho.topic_matches_sub(t, topic)]
        for handler in handlers:
            handler((topic.encode(), payload))

    def ping(self) -> None:
        pass  # paho's loop keeps the connection alive

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until everything published so far has been written to the socket."""
        info = self._last_publish
        if info is not None and self._client.is_connected():
            try:
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError):
                pass  # the connection went away: nothing more to wait for

    def disconnect(self) -> None:
        """Send what is queued, then DISCONNECT and stop paho's thread."""
        if not self._started:
            return
        self.flush()
        self._client.disconnect()
        self._client.loop_stop()
        self._started = False
        self._connected.clear()
