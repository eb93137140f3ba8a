# MicroPython's esp32 module: the chip's internal temperature sensor.
def raw_temperature() -> int: ...  # the original ESP32 (Core2): degrees Fahrenheit
def mcu_temperature() -> int: ...  # ESP32-S2/S3/C3 ports: degrees Celsius
