"""IoTKit sensor program for the M5Stack Core2 (MicroPython, UIFlow 2) and its PC simulator.

Publishes a reading every ``INTERVAL_MS`` to ``<prefix>/sensor`` in the IoTKit CSV format
``<sensor id>,<temperature %.2f>,<humidity %.1f>,<class>`` (e.g. ``0xBC,22.90,36.9,low``): from
an ENV III unit when one is plugged in, else the MCU temperature and the battery level in percent
(the tutorial's Core2 variant). The class cycles low → middle → high and the temperature is
shifted by −5 / 0 / +5 °C to match, as the IoTKit firmware does, so the class is learnable from
the temperature. Button A publishes ``alert: button`` to ``<prefix>/alert`` (the Core2 has no
hall sensor). Messages on ``<prefix>/actors/#`` are shown on the screen; ``actors/led`` switches
the power LED. With ``SEND_NUL`` every payload ends with a NUL byte, as the mbed firmware's
``strlen(buf)+1`` bytes do. The screen shows the last values.

This module touches no hardware module itself: ``main.py`` hands it the real ones (``M5``,
umqtt's client, the sensor, ``time``) on the board; the simulator hands it the PC shims of
``shims.py``. So the logic that runs on the PC is this very code. It is MicroPython (1.22 or
later, as UIFlow 2 ships): no ``typing`` at run time (annotations are not evaluated there; types
that exist only for the type checker are quoted), no dataclasses.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Protocol

    class Button(Protocol):
        def wasPressed(self) -> bool: ...

    class Display(Protocol):
        def fillScreen(self, color: int = ...) -> None: ...
        def fillRect(self, x: int, y: int, w: int, h: int, color: int = ...) -> None: ...
        def setTextColor(self, fgcolor: int, bgcolor: int = ...) -> None: ...
        def drawString(self, text: str, x: int, y: int, font: Any = ...) -> None: ...

    class Power(Protocol):
        def getBatteryLevel(self) -> int: ...
        def setLed(self, br: int) -> None: ...

    class Board(Protocol):
        """What the program uses of UIFlow 2's ``M5`` module."""

        @property
        def BtnA(self) -> Button: ...
        @property
        def Lcd(self) -> Display: ...
        @property
        def Power(self) -> Power: ...
        def update(self) -> None: ...

    class Client(Protocol):
        """What the program uses of UIFlow 2's ``umqtt.MQTTClient``."""

        def connect(self, clean_session: bool = True) -> bool: ...
        def disconnect(self) -> None: ...
        def publish(
            self, topic: str | bytes, msg: str | bytes, retain: bool = False, qos: int = 0
        ) -> None: ...
        def subscribe(
            self, topic: str | bytes, handler: Callable[[tuple[bytes, bytes]], None], qos: int = 0
        ) -> None: ...
        def check_msg(self) -> None: ...

    class Clock(Protocol):
        """MicroPython's ``time`` tick functions."""

        def ticks_ms(self) -> int: ...
        def ticks_add(self, ticks: int, delta: int) -> int: ...
        def ticks_diff(self, ticks1: int, ticks2: int) -> int: ...
        def sleep_ms(self, ms: int) -> None: ...

    class WLAN(Protocol):
        def active(self, is_active: bool = ...) -> bool: ...
        def connect(self, ssid: str, key: str | None = None) -> None: ...
        def isconnected(self) -> bool: ...

    class Sensor(Protocol):
        kind: str

        def read(self) -> tuple[float, float]: ...

    class Settings(Protocol):
        """The settings ``config.py`` holds."""

        @property
        def CLIENT_ID(self) -> str: ...
        @property
        def MQTT_BROKER(self) -> str: ...
        @property
        def MQTT_PORT(self) -> int: ...
        @property
        def TOPIC_PREFIX(self) -> str: ...
        @property
        def SENSOR_ID(self) -> str: ...
        @property
        def INTERVAL_MS(self) -> int: ...
        @property
        def SEND_NUL(self) -> bool: ...
        @property
        def LOOP_MS(self) -> int: ...
        @property
        def MAX_READINGS(self) -> int: ...


#: the class cycle and its temperature shift (°C), as the IoTKit firmware has them
CLASSES = ("low", "middle", "high")
SHIFTS = (-5.0, 0.0, 5.0)
#: at most this many overdue readings are caught up in one step, then the schedule restarts
MAX_CATCH_UP = 10
RECONNECT_MS = 5000

BLACK = 0x000000
WHITE = 0xFFFFFF
GREY = 0x808080
HEADER = 0x003366
ROW_HEIGHT = 28
ROWS = ("title", "temperature", "humidity", "class", "counts", "alert", "actor", "mqtt")


def format_reading(sensor_id: str, temperature: float, humidity: float, label: str) -> str:
    """The IoTKit CSV line: ``0xBC,22.90,36.9,low``."""
    return f"{sensor_id},{temperature:.2f},{humidity:.1f},{label}"


def encode_payload(text: str, nul: bool) -> bytes:
    """The bytes to publish; with ``nul`` a trailing NUL as ``strlen(buf)+1`` sends."""
    data = text.encode()
    return data + b"\x00" if nul else data


def as_text(value: "str | bytes") -> str:
    """Topic or payload bytes as text (NUL terminator dropped)."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = value.decode()
        except UnicodeError:
            text = repr(value)
    while text.endswith("\x00"):
        text = text[:-1]
    return text


def connect_wifi(wlan: "WLAN", ssid: str, password: str, clock: "Clock", timeout_ms: int) -> bool:
    """Join the Wi-Fi network (if not joined yet); False when it timed out."""
    if wlan.isconnected():
        return True
    wlan.active(True)
    wlan.connect(ssid, password)
    started = clock.ticks_ms()
    while not wlan.isconnected():
        if clock.ticks_diff(clock.ticks_ms(), started) > timeout_ms:
            return False
        clock.sleep_ms(100)
    return True


class Env3Sensor:
    """Temperature and humidity from an ENV III unit (UIFlow 2's ``unit.ENVUnit``)."""

    kind = "env3"

    def __init__(self, unit: "Any") -> None:
        self.unit = unit

    def read(self) -> "tuple[float, float]":
        return float(self.unit.read_temperature()), float(self.unit.read_humidity())


class McuSensor:
    """The MCU's temperature and the battery level in percent (the tutorial's Core2 variant)."""

    kind = "mcu"

    def __init__(self, read_temperature: "Callable[[], float]", power: "Power") -> None:
        self.read_temperature = read_temperature
        self.power = power

    def read(self) -> "tuple[float, float]":
        return float(self.read_temperature()), float(self.power.getBatteryLevel())


class IoTKit:
    """The program's state and its loop, one :meth:`step` at a time."""

    def __init__(
        self,
        m5: "Board",
        client: "Client",
        sensor: "Sensor",
        clock: "Clock",
        settings: "Settings",
    ) -> None:
        self.m5 = m5
        self.client = client
        self.sensor = sensor
        self.clock = clock
        self.client_id = settings.CLIENT_ID
        self.broker = f"{settings.MQTT_BROKER}:{settings.MQTT_PORT}"
        self.prefix = settings.TOPIC_PREFIX
        self.sensor_id = settings.SENSOR_ID
        self.interval_ms = max(1, int(settings.INTERVAL_MS))
        self.send_nul = bool(settings.SEND_NUL)
        self.loop_ms = max(1, int(settings.LOOP_MS))
        self.max_readings = int(settings.MAX_READINGS)
        self.cycle = 0
        self.readings_sent = 0
        self.alerts_sent = 0
        self.actor_messages = 0
        self.last_reading = ""
        self.last_alert = ""
        self.last_actor = ""
        self.led = 0
        self.connected = False
        self.problem = ""
        self.next_due = 0
        self.retry_at = 0
        self.shown = {}  # type: dict[str, str]
        self.rows = {}  # type: dict[str, str]

    # ---- lifecycle --------------------------------------------------------------------
    def start(self) -> None:
        """Draw the screen, connect to the broker, subscribe; the first reading is due now."""
        self.m5.Lcd.fillScreen(BLACK)
        self.rows["title"] = f"IoTKit {self.client_id}"
        self.rows["mqtt"] = f"MQTT {self.broker} connecting"
        self.refresh()
        self.connect()

    def connect(self) -> bool:
        try:
            self.client.connect()
            self.client.subscribe(self.prefix + "/actors/#", self.on_actor)
        except OSError as e:
            self.lost(f"connect failed: {e}")
            return False
        self.connected = True
        self.problem = ""
        self.next_due = self.clock.ticks_ms()  # a reading right away
        self.rows["mqtt"] = f"MQTT {self.broker} connected"
        return True

    def lost(self, why: str) -> None:
        self.connected = False
        self.problem = why
        self.retry_at = self.clock.ticks_add(self.clock.ticks_ms(), RECONNECT_MS)
        self.rows["mqtt"] = f"MQTT {why}"

    def finished(self) -> bool:
        """True once ``MAX_READINGS`` (if set) readings are out."""
        return self.max_readings > 0 and self.readings_sent >= self.max_readings

    def run(self) -> None:
        """The program: start, then step until :meth:`finished` (forever by default)."""
        self.start()
        while not self.finished():
            self.step()
            self.clock.sleep_ms(self.loop_ms)

    def ms_until_due(self) -> int:
        """Milliseconds until the next reading (or, offline, the next connection attempt)."""
        due = self.next_due if self.connected else self.retry_at
        return max(0, self.clock.ticks_diff(due, self.clock.ticks_ms()))

    # ---- one pass of the loop --------------------------------------------------------------
    def step(self) -> None:
        self.m5.update()
        if self.m5.BtnA.wasPressed():
            self.send_alert("button")
        now = self.clock.ticks_ms()
        if not self.connected and self.clock.ticks_diff(now, self.retry_at) >= 0:
            self.connect()
        if self.connected:
            try:
                self.client.check_msg()
            except OSError as e:
                self.lost(f"lost: {e}")
        if not self.connected:
            # No readings while offline; the first one as soon as the link is back.
            self.next_due = now
            self.refresh()
            return
        caught_up = 0
        while self.clock.ticks_diff(now, self.next_due) >= 0 and not self.finished():
            self.publish_reading()
            if not self.connected:
                break
            self.next_due = self.clock.ticks_add(self.next_due, self.interval_ms)
            caught_up += 1
            if caught_up >= MAX_CATCH_UP:
                # Far behind (blocked on Wi-Fi, say): restart the schedule, no burst.
                self.next_due = self.clock.ticks_add(now, self.interval_ms)
                break
        self.refresh()

    def publish_reading(self) -> None:
        try:
            temperature, humidity = self.sensor.read()
        except OSError as e:
            self.rows["temperature"] = f"sensor error: {e}"
            return
        index = self.cycle % len(CLASSES)
        self.cycle += 1
        label = CLASSES[index]
        temperature += SHIFTS[index]
        text = format_reading(self.sensor_id, temperature, humidity, label)
        if not self.publish(self.prefix + "/sensor", encode_payload(text, self.send_nul)):
            return
        self.readings_sent += 1
        self.last_reading = text
        self.rows["temperature"] = f"temperature {temperature:.2f} C"
        if self.sensor.kind == "mcu":
            self.rows["humidity"] = f"battery {humidity:.0f} %"
        else:
            self.rows["humidity"] = f"humidity {humidity:.1f} %"
        self.rows["class"] = f"class {label}"
        self.rows["counts"] = self.counts_text()

    def send_alert(self, source: str) -> None:
        text = f"alert: {source}"
        if self.publish(self.prefix + "/alert", encode_payload(text, self.send_nul)):
            self.alerts_sent += 1
            self.last_alert = text
            self.rows["alert"] = text
            self.rows["counts"] = self.counts_text()

    def publish(self, topic: str, payload: bytes) -> bool:
        if not self.connected:
            return False
        try:
            self.client.publish(topic, payload)
        except OSError as e:
            self.lost(f"lost: {e}")
            return False
        return True

    def on_actor(self, data: "tuple[str | bytes, str | bytes]") -> None:
        """Handler of ``<prefix>/actors/#``: show the message; ``led`` switches the LED."""
        topic = as_text(data[0])
        value = as_text(data[1])
        base = self.prefix + "/actors/"
        name = topic[len(base) :] if topic.startswith(base) else topic
        self.actor_messages += 1
        self.last_actor = f"{name} = {value}"
        self.rows["actor"] = "actor " + self.last_actor
        if name == "led":
            self.led = 255 if value.strip().lower() in ("on", "1", "true") else 0
            self.m5.Power.setLed(self.led)

    # ---- screen ---------------------------------------------------------------------------
    def counts_text(self) -> str:
        return f"sent {self.readings_sent}  alerts {self.alerts_sent}"

    def refresh(self) -> None:
        """Redraw the rows whose text changed."""
        lcd = self.m5.Lcd
        for i, key in enumerate(ROWS):
            text = self.rows.get(key, "")
            if self.shown.get(key) == text:
                continue
            self.shown[key] = text
            y = 4 + i * ROW_HEIGHT
            background = HEADER if key == "title" else BLACK
            lcd.fillRect(0, y, 320, ROW_HEIGHT, background)
            lcd.setTextColor(GREY if key == "mqtt" else WHITE, background)
            lcd.drawString(text, 8, y + 4)
