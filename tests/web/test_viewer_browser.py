"""The viewer in a real browser (Debian's Chromium through Playwright).

The reference flow is drawn where Node-RED's editor draws it (``golden/`` holds what
Node-RED 5.0.7 itself drew, read back from its DOM); live status, counters and debug
output appear as the flow runs, against a real Mosquitto; the inject button works.
Screenshots of every test go to ``tests/artifacts/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest

from flowengine.flowfile import load_flow_files
from flowengine.registry import default_registry
from flowengine.web import UIHandle, start_view

from .conftest import ARTIFACTS, WAIT_MS
from .live import LiveRuntime
from .test_api import KAFKA_FLOW, _flow
from .test_live_updates import _kafka_flow_overrides

HERE = Path(__file__).resolve().parent
SHOWCASE = HERE / "flows" / "showcase.json"


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _golden(name: str) -> dict[str, Any]:
    return json.loads((HERE / "golden" / f"{name}.nodered.json").read_text())


@pytest.fixture
def viewing(request: pytest.FixtureRequest) -> Iterator[UIHandle]:
    path = request.param
    flowset = load_flow_files([str(path)], None, allow_unknown=True)
    handle = start_view(flowset, default_registry(), port=0)
    try:
        yield handle
    finally:
        handle.stop()


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")


def _numbers(path: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", path)]


@pytest.mark.parametrize("viewing", [KAFKA_FLOW], indirect=True)
def test_kafka_flow_is_drawn_where_node_red_draws_it(page: Any, viewing: UIHandle) -> None:
    _open(page, viewing.url)
    expected = _golden("Node-RED-Kafka")["f6371c6a.06fcc"]
    svg = page.locator('#fe-chart svg[data-tab="f6371c6a.06fcc"]')
    _expect()(svg).to_be_visible()
    origin = svg.bounding_box()
    assert origin is not None
    assert page.locator("#fe-chart svg:visible .red-ui-flow-node-group").count() == len(
        expected["nodes"]
    )
    for node in expected["nodes"]:
        group = svg.locator(f'.red-ui-flow-node-group[data-id="{node["id"]}"]')
        x, y = node["pos"]
        assert group.get_attribute("transform") == f"translate({x:g},{y:g})"
        body = group.locator(":scope > rect.red-ui-flow-node")
        assert float(body.get_attribute("width")) == node["w"]
        assert float(body.get_attribute("height")) == node["h"]
        assert body.get_attribute("fill") == node["fill"]
        box = body.bounding_box()  # where the browser actually put it (zoom 1, no pan)
        assert box is not None
        assert (box["x"] - origin["x"], box["y"] - origin["y"]) == pytest.approx((x, y), abs=1)
        labels = group.locator(".red-ui-flow-node-label-text").all_text_contents()
        assert labels == node["lines"]
        classes = set(
            (group.locator(":scope > .red-ui-flow-node-label").get_attribute("class") or "").split()
        )
        assert classes == set(node["labelClass"].split())
    wires = svg.locator(".red-ui-flow-link")
    assert wires.count() == len(expected["wires"])
    drawn = sorted(
        _numbers(wires.nth(i).locator(".red-ui-flow-link-line").get_attribute("d") or "")
        for i in range(wires.count())
    )
    assert drawn == sorted(_numbers(w["path"]) for w in expected["wires"])
    ends = {
        (wires.nth(i).get_attribute("data-source"), wires.nth(i).get_attribute("data-target"))
        for i in range(wires.count())
    }
    assert ends == {(w["source"], w["target"]) for w in expected["wires"]}
    # Config nodes with their users
    page.click('.fe-sidebar-tab[data-panel="config"]')
    mosquitto = page.locator('.fe-config-node[data-id="8a4d6f84.20268"]')
    _expect()(mosquitto).to_contain_text("mosquitto")
    _expect()(mosquitto).to_contain_text("1 user: iotkit/#")
    _expect()(page.locator('.fe-config-node[data-id="33fcb129.b6642e"]')).to_contain_text(
        "1 user: Kafka Producer"
    )


@pytest.mark.parametrize("viewing", [SHOWCASE], indirect=True)
def test_tabs_subflows_selection_pan_and_zoom(page: Any, viewing: UIHandle) -> None:
    expect = _expect()
    _open(page, viewing.url)
    tabs = page.locator("#fe-tabs .red-ui-tab")
    expect(tabs).to_have_text(["Showcase", "Other tab", "Switched off", "scale"])
    expect(page.locator('.red-ui-tab[data-tab="tab-off"]')).to_have_class(
        re.compile("red-ui-workspace-disabled")
    )
    expect(page.locator('#fe-chart svg[data-tab="tab-off"]')).to_have_class(
        re.compile("red-ui-workspace-disabled")
    )
    main = page.locator('#fe-chart svg[data-tab="tab-main"]')
    expect(main.locator('[data-id="n-unknown"] > rect.red-ui-flow-node')).to_have_class(
        re.compile("red-ui-flow-node-unknown")
    )
    expect(main.locator('[data-id="n-json"]')).to_have_class(
        re.compile("red-ui-flow-node-disabled")
    )
    expect(main.locator(".fe-link-wire")).to_have_count(1)  # link out → link in, dashed
    expect(main.locator(".red-ui-flow-link-off-flow text")).to_have_text("Other tab")
    expect(main.locator(".red-ui-flow-group")).to_have_count(2)
    expect(main.locator(".red-ui-flow-junction")).to_have_count(1)
    # The subflow definition as its own tab, with its ports
    page.click('.red-ui-tab[data-tab="sf-scale"]')
    subflow = page.locator('#fe-chart svg[data-tab="sf-scale"]')
    expect(subflow).to_be_visible()
    expect(main).to_be_hidden()
    expect(subflow.locator(".red-ui-flow-subflow-port-output")).to_have_count(2)
    expect(subflow.locator(".red-ui-flow-subflow-port-input")).to_have_count(1)
    expect(subflow.locator(".red-ui-flow-subflow-port-status")).to_have_count(1)
    # Click a node: its properties (Other tab's mqtt in)
    page.click('.red-ui-tab[data-tab="tab-other"]')
    page.locator(
        '#fe-chart svg[data-tab="tab-other"] [data-id="n-mqtt-in"] > rect.red-ui-flow-node'
    ).click()
    info = page.locator("#fe-info")
    expect(info).to_be_visible()
    expect(info.locator('tr[data-prop="topic"]')).to_contain_text("iotkit/#")
    expect(info.locator('tr[data-prop="broker"]')).to_contain_text("cfg-broker")
    expect(info).to_contain_text("uses")
    expect(page.locator('#fe-chart svg[data-tab="tab-other"] [data-id="n-mqtt-in"]')).to_have_class(
        re.compile("fe-selected")
    )
    # Zoom and pan change the view, not the drawing
    other = page.locator('#fe-chart svg[data-tab="tab-other"]')
    viewport = other.locator(".fe-viewport")
    page.click("#fe-zoom-in")
    expect(viewport).to_have_attribute("transform", re.compile(r"scale\(1\.25\)"))
    page.click("#fe-zoom-reset")
    expect(viewport).to_have_attribute("transform", "translate(0,0) scale(1)")
    chart = page.locator("#fe-chart").bounding_box()
    assert chart is not None
    page.mouse.move(chart["x"] + 600, chart["y"] + 400)
    page.mouse.down()
    page.mouse.move(chart["x"] + 650, chart["y"] + 430, steps=5)
    page.mouse.up()
    expect(viewport).to_have_attribute("transform", "translate(50,30) scale(1)")


def _two_debug_flow() -> list[dict[str, Any]]:
    """The API flow with a second debug node ("second", showing msg.topic) on the change."""
    flow = _flow()
    change = next(n for n in flow if n["id"] == "chg")
    change["wires"] = [["dbg", "dbg2"]]
    second = {**next(n for n in flow if n["id"] == "dbg"), "id": "dbg2", "name": "second"}
    flow.append({**second, "complete": "topic", "y": 140})
    return flow


def test_inject_button_and_debug_sidebar(page: Any) -> None:
    expect = _expect()
    with LiveRuntime(_two_debug_flow()) as live:
        _open(page, live.url)
        page.wait_for_selector("body[data-live=connected]")
        expect(page.locator("#fe-state")).to_have_text("running")
        page.click('[data-id="inj"] .red-ui-flow-node-button-button')
        expect(page.locator(".fe-notification")).to_contain_text("Successfully injected: hello")
        messages = page.locator(".red-ui-debug-msg")
        expect(messages).to_have_count(2)
        message = messages.filter(has_text="node: dbg").filter(has_not_text="second")
        expect(message.locator(".red-ui-debug-msg-name")).to_have_text("node: dbg")
        expect(message.locator(".red-ui-debug-msg-topic")).to_have_text(
            "t : msg.payload : string[5]"
        )
        expect(message.locator(".red-ui-debug-msg-payload")).to_have_text('"hello"')
        other = messages.filter(has_text="node: second")
        expect(other.locator(".red-ui-debug-msg-topic")).to_have_text("t : msg.topic : string[1]")
        expect(other.locator(".red-ui-debug-msg-payload")).to_have_text('"t"')
        expect(page.locator('[data-id="dbg"] .fe-counter')).to_have_attribute("data-in", "1")
        expect(page.locator('[data-id="chg"] .fe-counter')).to_have_attribute("data-out", "1")
        # filter by node: only the chosen debug nodes' messages stay visible
        page.select_option("#fe-debug-filter", "selected")
        page.locator('#fe-debug-nodes input[data-node="dbg2"]').uncheck()
        expect(other).to_be_hidden()
        expect(message).to_be_visible()
        page.select_option("#fe-debug-filter", "all")
        expect(other).to_be_visible()
        # pause drops what arrives; clear empties the list
        page.click("#fe-debug-pause")
        page.click('[data-id="inj"] .red-ui-flow-node-button-button')
        expect(page.locator('[data-id="dbg"] .fe-counter')).to_have_attribute("data-in", "2")
        expect(page.locator('[data-id="dbg2"] .fe-counter')).to_have_attribute("data-in", "2")
        expect(messages).to_have_count(2)
        page.click("#fe-debug-pause")
        expect(page.locator(".fe-debug-dropped")).to_contain_text("2 messages dropped while paused")
        page.click("#fe-debug-clear")
        expect(page.locator(".red-ui-debug-msg")).to_have_count(0)


# Sets window.__feShownAt (ms since the epoch, page clock) when a debug message with
# the topic is added to the sidebar.
_WATCH_FOR_TOPIC_JS = """(topic) => {
  window.__feShownAt = null;
  const list = document.getElementById("fe-debug-messages");
  const seen = new MutationObserver(() => {
    if (window.__feShownAt === null && list.textContent.includes(topic)) {
      window.__feShownAt = performance.timeOrigin + performance.now();
      seen.disconnect();
    }
  });
  seen.observe(list, { childList: true, subtree: true, characterData: true });
}"""


def _record_latency(record_property: Callable[[str, object], None], latency_ms: float) -> None:
    """Publish → shown in the sidebar: printed, kept as a JUnit property and in
    ``tests/artifacts/mqtt_debug_latency.txt`` (observed, not asserted)."""
    line = f"MQTT publish -> debug sidebar: {latency_ms:.0f} ms"
    print(line)
    record_property("mqtt_to_debug_sidebar_ms", round(latency_ms))
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / "mqtt_debug_latency.txt").open("a") as out:
        out.write(line + "\n")


def test_published_mqtt_message_shows_in_the_debug_sidebar(
    page: Any, mosquitto: Any, unique_topic: Any, record_property: Any
) -> None:
    expect = _expect()
    topic = "iotkit/" + unique_topic("browser")
    overrides = _kafka_flow_overrides(mosquitto, topic)
    # Batched every 0.2 s, as `flowengine run --ui` does, so the latency is the real one.
    with LiveRuntime(KAFKA_FLOW, overrides=overrides, interval=0.2) as live:
        _open(page, live.url)
        status = page.locator('[data-id="c7e8bd77.5df84"] .red-ui-flow-node-status-label')
        expect(status).to_have_text("connected", timeout=WAIT_MS)
        expect(
            page.locator('[data-id="c7e8bd77.5df84"] rect.red-ui-flow-node-status')
        ).to_have_class(re.compile("red-ui-flow-node-status-dot-green"))
        # The page notes (its own clock) when the message appears in the sidebar.
        page.evaluate(_WATCH_FOR_TOPIC_JS, topic)
        client = paho.Client(paho.CallbackAPIVersion.VERSION2)
        client.connect(mosquitto.host, mosquitto.port)
        client.loop_start()
        try:
            published_ms = page.evaluate("() => performance.timeOrigin + performance.now()")
            client.publish(topic, b'{"temperature": 22.9}', qos=1).wait_for_publish(30)
        finally:
            client.loop_stop()
            client.disconnect()
        message = page.locator(".red-ui-debug-msg", has_text=topic)
        expect(message).to_have_count(1, timeout=WAIT_MS)  # generous: no timing assert
        shown_ms = page.evaluate("() => window.__feShownAt")
        _record_latency(record_property, shown_ms - published_ms)
        expect(message.locator(".red-ui-debug-msg-name")).to_have_text("node: 82463576.0e6568")
        expect(message.locator(".red-ui-debug-msg-topic")).to_have_text(f"{topic} : msg : Object")
        expect(message.locator(".red-ui-debug-msg-payload")).to_contain_text("topic")
        message.locator(".red-ui-debug-msg-row").first.click()  # expand the message
        entry = message.locator(".red-ui-debug-msg-object-entry > .red-ui-debug-msg-element")
        expect(entry.filter(has_text=re.compile(r"^.?\s*payload:"))).to_be_visible()
        expect(page.locator('[data-id="82463576.0e6568"] .fe-counter')).to_have_attribute(
            "data-in", re.compile(r"[1-9]")
        )
