"""Settings of the IoTKit program: Wi-Fi, broker, topics, timing. Edit, then copy to the board.

Kept apart from the program so one program serves every board and network. The simulator
(``flowengine simulate``) starts from these values and overrides them from its options.
"""

# Wi-Fi (UIFlow 2 may already have joined a network; then these are not needed)
WIFI_SSID = "my-network"
WIFI_PASSWORD = "my-password"
WIFI_TIMEOUT_MS = 20000

# MQTT broker
MQTT_BROKER = "192.168.1.10"
MQTT_PORT = 1883
MQTT_USER = ""
MQTT_PASSWORD = ""
MQTT_KEEPALIVE = 60
CLIENT_ID = "iotkit-core2"

# What is published
TOPIC_PREFIX = "iotkit"  # <prefix>/sensor, <prefix>/alert; subscribes to <prefix>/actors/#
SENSOR_ID = "0xBC"  # the IoTKit's temperature/humidity sensor id, which the flows expect
INTERVAL_MS = 1000  # one reading per second
SEND_NUL = False  # True: end each payload with a NUL byte like the mbed firmware
LOOP_MS = 20  # pause between two passes of the loop
MAX_READINGS = 0  # stop after this many readings (0: run forever)
