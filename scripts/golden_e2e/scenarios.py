"""The recorded copies of the documented flows (what ``record.py`` runs on Node-RED).

Each copy is the flow file as is, plus debug nodes that show more of what travels:

- ``rest``: ``flows/Node-RED-REST.json`` + ``e2e.response``, a debug node showing the
  whole http response message (statusCode, headers, responseUrl ...), wired after the
  http request next to the flow's own debug node.
- ``kafka_mqtt``: the MQTT part of ``flows/Node-RED-Kafka.json``: the ``Kafka Producer``
  is removed (Node-RED cannot run it here: node-red-contrib-kafka-manager's client
  speaks protocol versions Kafka 4 removed) and ``e2e.tokafka``, a debug node showing
  the whole message the producer would get, takes its place after the change node.
- ``kafka_mqtt_localhost``: the same with the broker configured as ``127.0.0.1``
  instead of ``iotkit.mc-b.ch``: Node-RED then adds ``msg._topic`` (its rule for
  brokers named localhost/127.0.0.1).

Node-RED has no ``--host-map``, so it runs the copy with hosts edited
(``node_red_host_map``): the broker becomes ``127.1`` — the loopback address under a
name that is not literally ``localhost``/``127.0.0.1``, so Node-RED behaves as for
``iotkit.mc-b.ch`` — and Camunda the local server. flowengine replays the unedited copy
with ``--host-map`` (``replay_host_map``). ``{mqtt}``/``{camunda}`` are the ports.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

__all__ = ["SCENARIOS", "Scenario"]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    flow: list[dict[str, Any]]
    mqtt_in_id: str
    node_red_host_map: list[str]
    replay_host_map: list[str]
    outputs_per_message: Callable[[str], int]
    requests_per_message: Callable[[str], int]

    def expected_outputs(self, message: Any) -> int:
        return self.outputs_per_message(message.topic)

    def expected_requests(self, message: Any) -> int:
        return self.requests_per_message(message.topic)


def _load(name: str) -> list[dict[str, Any]]:
    return list(json.loads((REPO / "flows" / name).read_text(encoding="utf-8")))


def _debug(node_id: str, z: str, name: str, x: int, y: int) -> dict[str, Any]:
    """A debug node as the Node-RED 5 editor saves it, showing the whole message."""
    return {
        "id": node_id, "type": "debug", "z": z, "name": name, "active": True,
        "tosidebar": True, "console": False, "tostatus": False, "complete": "true",
        "targetType": "full", "statusVal": "", "statusType": "auto", "x": x, "y": y,
        "wires": [],
    }  # fmt: skip


def rest_copy() -> list[dict[str, Any]]:
    flow = _load("Node-RED-REST.json")
    for item in flow:
        if item["id"] == "1b516bca.97aaf4":  # http request
            item["wires"] = [[*item["wires"][0], "e2e.response"]]
    return [*flow, _debug("e2e.response", "f1dd9383.9968b", "whole response", 910, 240)]


def kafka_mqtt_copy(broker_host: str | None = None) -> list[dict[str, Any]]:
    flow = [i for i in _load("Node-RED-Kafka.json") if not i["type"].startswith("Kafka ")]
    for item in flow:
        if item["id"] == "dd3f2f21.58773":  # change: was wired to the Kafka Producer
            item["wires"] = [["e2e.tokafka"]]
        if item["id"] == "8a4d6f84.20268" and broker_host is not None:
            item["broker"] = broker_host
    return [*flow, _debug("e2e.tokafka", "f6371c6a.06fcc", "to Kafka", 720, 120)]


SCENARIOS = [
    Scenario(
        name="rest",
        description="flows/Node-RED-REST.json + a debug node showing the whole http response",
        flow=rest_copy(),
        mqtt_in_id="df92ef0.9ff3e1",
        node_red_host_map=["iotkit.mc-b.ch=127.1:{mqtt}", "camunda=127.0.0.1:{camunda}"],
        replay_host_map=["iotkit.mc-b.ch=127.0.0.1:{mqtt}", "camunda=127.0.0.1:{camunda}"],
        outputs_per_message=lambda topic: 3 if topic == "iotkit/alert" else 0,
        requests_per_message=lambda topic: 1 if topic == "iotkit/alert" else 0,
    ),
    Scenario(
        name="kafka_mqtt",
        description="the MQTT part of flows/Node-RED-Kafka.json (Kafka Producer replaced by "
        "a debug node showing what it would get)",
        flow=kafka_mqtt_copy(),
        mqtt_in_id="c7e8bd77.5df84",
        node_red_host_map=["iotkit.mc-b.ch=127.1:{mqtt}"],
        replay_host_map=["iotkit.mc-b.ch=127.0.0.1:{mqtt}"],
        outputs_per_message=lambda topic: 2 if topic.startswith("iotkit/") else 0,
        requests_per_message=lambda topic: 0,
    ),
    Scenario(
        name="kafka_mqtt_localhost",
        description="as kafka_mqtt, with the broker configured as 127.0.0.1 (msg._topic)",
        flow=kafka_mqtt_copy("127.0.0.1"),
        mqtt_in_id="c7e8bd77.5df84",
        node_red_host_map=["127.0.0.1:1883=127.0.0.1:{mqtt}"],
        replay_host_map=["127.0.0.1:1883=127.0.0.1:{mqtt}"],
        outputs_per_message=lambda topic: 2 if topic.startswith("iotkit/") else 0,
        requests_per_message=lambda topic: 0,
    ),
]
