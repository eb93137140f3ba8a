"""Make ``docs/viewer.png``: the tutorial flow running, seen in the viewer.

Runs flows/Node-RED-Kafka.json against the test Mosquitto and Kafka (started with
``scripts/services.sh`` when not running, and stopped again afterwards), publishes two
IoTKit readings, opens the viewer in Chromium, expands the last debug message and saves
the screenshot.

    .venv/bin/python tests/web/docs_screenshot.py [--out docs/viewer.png]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.support.services import service_down, service_status, service_up  # noqa: E402
from tests.web.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.web.live import LiveRuntime  # noqa: E402

FLOW = REPO / "flows" / "Node-RED-Kafka.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "viewer.png")
    args = parser.parse_args()
    started = []
    endpoints = {}
    for name in ("mosquitto", "kafka"):
        endpoint = service_status(name)
        if endpoint is None:
            endpoint = service_up(name)
            started.append(name)
        endpoints[name] = endpoint
    mqtt, kafka = endpoints["mosquitto"], endpoints["kafka"]
    overrides: dict[str, dict[str, Any]] = {
        "8a4d6f84.20268": {"broker": mqtt.host, "port": str(mqtt.port)},
        "33fcb129.b6642e": {"hosts": [{"host": kafka.host, "port": kafka.port}]},
    }
    try:
        from playwright.sync_api import expect, sync_playwright

        with LiveRuntime(FLOW, overrides=overrides) as live, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 640})
            page.goto(live.url)
            page.wait_for_selector("body[data-live=connected]")
            mqtt_status = page.locator('[data-id="c7e8bd77.5df84"] .red-ui-flow-node-status-label')
            expect(mqtt_status).to_have_text("connected", timeout=60_000)
            kafka_status = page.locator('[data-id="e5b153fe.e7e89"] .red-ui-flow-node-status-label')
            expect(kafka_status).to_contain_text("Connected", timeout=120_000)
            client = paho.Client(paho.CallbackAPIVersion.VERSION2)
            client.connect(mqtt.host, mqtt.port)
            client.loop_start()
            for reading in (b"0xBC,22.90,36.9,low\x00", b"0xBC,27.40,41.2,high\x00"):
                client.publish("iotkit/sensor", reading, qos=1).wait_for_publish(30)
            client.loop_stop()
            client.disconnect()
            messages = page.locator(".red-ui-debug-msg")
            expect(messages).to_have_count(2, timeout=30_000)
            last = messages.nth(1)
            last.locator(".red-ui-debug-msg-row").first.click()
            expect(page.locator('[data-id="dd3f2f21.58773"] .fe-counter')).to_have_attribute(
                "data-out", "2"
            )
            page.screenshot(path=str(args.out))
            browser.close()
    finally:
        for name in started:
            service_down(name)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
