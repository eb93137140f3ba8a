"""Boot file of the IoTKit program on the M5Stack Core2 (UIFlow 2): wires the real hardware.

Copy ``main.py``, ``iotkit.py`` and ``config.py`` to the board's flash. This file only opens
the hardware — display and buttons (``M5``), Wi-Fi (``network``), the broker (``umqtt``), the
ENV III unit on port A if one answers on I2C address 0x44, else the MCU temperature sensor and
the battery gauge — and hands it to :class:`iotkit.IoTKit`, which holds the program's logic.
"""

import time

import config
import iotkit
import M5
import network
from umqtt import MQTTClient

ENV3_ADDRESS = 0x44  # the SHT30 of an ENV III unit


def mcu_temperature() -> float:
    import esp32

    if hasattr(esp32, "mcu_temperature"):
        return float(esp32.mcu_temperature())
    return (esp32.raw_temperature() - 32) / 1.8  # the Core2's ESP32 reports °F


def open_sensor() -> "iotkit.Env3Sensor | iotkit.McuSensor":
    try:
        from hardware import I2C, Pin
        from unit import ENVUnit

        i2c = I2C(0, scl=Pin(33), sda=Pin(32), freq=100000)  # port A
        if ENV3_ADDRESS in i2c.scan():
            return iotkit.Env3Sensor(ENVUnit(i2c=i2c, type=3))
    except (ImportError, OSError):
        pass
    return iotkit.McuSensor(mcu_temperature, M5.Power)


def main() -> None:
    M5.begin()
    wlan = network.WLAN(network.STA_IF)
    if not iotkit.connect_wifi(
        wlan, config.WIFI_SSID, config.WIFI_PASSWORD, time, config.WIFI_TIMEOUT_MS
    ):
        M5.Lcd.drawString(f"Wi-Fi {config.WIFI_SSID}: no connection", 8, 8)
        return
    client = MQTTClient(
        config.CLIENT_ID,
        config.MQTT_BROKER,
        port=config.MQTT_PORT,
        user=config.MQTT_USER or None,
        password=config.MQTT_PASSWORD or None,
        keepalive=config.MQTT_KEEPALIVE,
    )
    kit = iotkit.IoTKit(M5, client, open_sensor(), time, config)
    kit.run()
    client.disconnect()


main()
