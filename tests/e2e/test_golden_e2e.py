"""Replay the Node-RED 5.0.7 recordings of ``tests/e2e/golden`` on flowengine.

Each recording (``scripts/golden_e2e/record.py``) holds a copy of a documented flow, the
IoTKit messages published to Mosquitto one at a time, what Node-RED's debug nodes showed
for each, and the requests the Camunda-speaking server received. Here the same copy runs
through :class:`FlowTestHelper` with ``--host-map``'s rewriting (the unedited hosts
``iotkit.mc-b.ch``/``camunda`` mapped to the local services), the same messages are
published to a real Mosquitto, and outputs and requests must equal the recording after
the normalisation described in ``README.md``. Needs no Node.js.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from flowengine import default_registry
from flowengine.hostmap import HostMap, apply_host_map
from flowengine.testing import FlowTestHelper
from tests.golden.sidebar import describe, first_deep_difference
from tests.support.camunda import CamundaServer
from tests.support.services import Endpoint

from .golden_compare import (
    Output,
    canonical_output,
    normalise_outputs_e2e,
    recorded_outputs,
    request_view,
)
from .iotkit import WAIT, IoTKitMessage, publisher

pytestmark = pytest.mark.timeout(900)

GOLDEN = Path(__file__).parent / "golden"
RECORDINGS = sorted(GOLDEN.glob("*.json"))
#: The recorder's Node-RED setting that changes what debug nodes show.
SETTINGS = {"debugMaxLength": 100000000}


class Replay:
    """The recording's flow on flowengine, with its hosts mapped to the live services."""

    def __init__(self, recording: dict[str, Any], mqtt: Endpoint, camunda: CamundaServer) -> None:
        specs = [
            spec.format(mqtt=mqtt.port, camunda=camunda.port)
            for spec in recording["replay_host_map"]
        ]
        flow = apply_host_map(recording["flow"], default_registry(), HostMap.parse(specs))
        self.helper = FlowTestHelper(flow, settings=dict(SETTINGS))
        self.outputs: list[Output] = []
        self.formats: list[str] = []
        self._lock = threading.Lock()
        self.helper.runtime.on("debug", self._on_debug)
        self.broker_id = next(i["id"] for i in flow if i["type"] == "mqtt-broker")
        self.topic = next(i["topic"] for i in flow if i["type"] == "mqtt in")

    def _on_debug(self, node: Any, value: Any, *rest: Any) -> None:
        # A snapshot at emission time, as Node-RED encodes the value when it is sent.
        with self._lock:
            self.outputs.append(canonical_output(node.id, value))
            if rest and isinstance(rest[0], dict):
                self.formats.append(str(rest[0].get("format")))

    def count(self) -> int:
        with self._lock:
            return len(self.outputs)


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.mark.parametrize("path", RECORDINGS, ids=[p.stem for p in RECORDINGS])
def test_golden_e2e(path: Path, e2e_mosquitto: Endpoint, camunda_server: CamundaServer) -> None:
    recording = _load(path)
    replay = Replay(recording, e2e_mosquitto, camunda_server)
    h = replay.helper
    with h, publisher(e2e_mosquitto) as pub:
        broker: Any = h.node(replay.broker_id)
        h.wait_until(lambda: replay.topic in broker.active_subscriptions, WAIT, "subscribed")
        expected_total = 0
        expected_requests = 0
        for message in recording["messages"]:
            expected_total += len(message["outputs"])
            expected_requests += len(message["requests"])
            pub.publish(IoTKitMessage.from_json(message))
            h.wait_until(
                lambda n=expected_total: replay.count() >= n, WAIT, f"outputs of {message['label']}"
            )
            if expected_requests:
                camunda_server.wait_for(expected_requests, WAIT)
    # Stopped gracefully: anything unexpected in flight has arrived by now.
    ours = normalise_outputs_e2e(replay.outputs, camunda_server.port)
    theirs = normalise_outputs_e2e(
        [o for m in recording["messages"] for o in recorded_outputs(m)],
        recording["camunda_port"],
    )
    if ours != theirs:
        where, want, have = first_deep_difference(theirs, ours) or ("?", None, None)
        pytest.fail(
            f"{path.stem}: debug outputs differ from Node-RED 5.0.7 at {where}:\n"
            f"  node-red:   {describe(want)}\n  flowengine: {describe(have)}"
        )
    assert replay.formats == [o["format"] for m in recording["messages"] for o in m["outputs"]]
    assert [
        request_view(r.method, r.path, r.headers, r.body.decode("utf-8"), camunda_server.port)
        for r in camunda_server.requests
    ] == [
        request_view(r["method"], r["path"], r["headers"], r["body"], recording["camunda_port"])
        for m in recording["messages"]
        for r in m["requests"]
    ]
    assert h.errors() == []


def test_recordings_cover_the_documented_flows() -> None:
    names = {p.stem for p in RECORDINGS}
    assert {"rest", "kafka_mqtt", "kafka_mqtt_localhost"} <= names
    rest = _load(GOLDEN / "rest.json")
    # Node-RED POSTed the change node's JSON, as the tutorial's Camunda expects it.
    [first, *_] = [r for m in rest["messages"] for r in m["requests"]]
    assert dict(first["headers"])["content-type"] == "application/json"
    assert first["body"] == (
        '{"variables":{"rnr":{"value":"123","type":"long"},'
        '"rbetrag":{"value":"200.00","type":"String"}}}'
    )


def test_recordings_show_the_topic_rule() -> None:
    """Node-RED adds msg._topic only for a broker configured as localhost/127.0.0.1: not
    for the flow's iotkit.mc-b.ch (recorded through 127.1), but for 127.0.0.1."""

    def underscore_topics(name: str) -> set[bool]:
        outputs = [
            o for m in _load(GOLDEN / f"{name}.json")["messages"] for o in recorded_outputs(m)
        ]
        return {"_topic" in value for _, value in outputs}

    assert underscore_topics("kafka_mqtt") == {False}
    assert underscore_topics("kafka_mqtt_localhost") == {True}
