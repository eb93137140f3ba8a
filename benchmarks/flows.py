"""The flows of the network scenarios, in Node-RED's flow-file format, for both engines.

- The MQTT bridge: ``mqtt in`` (``iotkit/#``, QoS 0 or 1, datatype auto) → the seed
  flow's own ``change`` node (its five topic rules, copied from
  ``flows/Node-RED-Kafka.json``) → ``mqtt out`` (topic from ``msg.topic``, so
  ``broker_message``). Both engines load the same JSON.
- The seed flow ``flows/Node-RED-Kafka.json``: flowengine runs the file itself with
  ``--set`` overrides for the two broker addresses; Node-RED gets a copy with the same
  addresses, and either kafka-manager's nodes as they are (against Kafka 3.9) or its
  ``Kafka Producer``/``Kafka Broker`` swapped for node-red-contrib-kafkajs's
  ``kafkajs-producer``/``kafkajs-client`` (against the same Kafka 4 as flowengine),
  with the same topic and the same acks (``requireAcks: 1`` → ``acknowledge: leader``).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from benchmarks.procs import REPO
from benchmarks.services import Endpoint

__all__ = [
    "KAFKA_TOPIC",
    "SEED_FLOW",
    "bridge_flow",
    "flowengine_seed_overrides",
    "node_red_seed_flow",
]

SEED_FLOW = REPO / "flows" / "Node-RED-Kafka.json"
SEED_MQTT_BROKER = "8a4d6f84.20268"
SEED_KAFKA_BROKER = "33fcb129.b6642e"
SEED_PRODUCER = "e5b153fe.e7e89"
SEED_CHANGE = "dd3f2f21.58773"
KAFKA_TOPIC = "broker_message"
#: The topic the bridge's change node writes (every IoTKit topic becomes this).
BRIDGE_OUT_TOPIC = "broker_message"


def _seed() -> list[dict[str, Any]]:
    flow: list[dict[str, Any]] = json.loads(SEED_FLOW.read_text(encoding="utf-8"))
    return flow


def mqtt_broker_node(node_id: str, mosquitto: Endpoint) -> dict[str, Any]:
    """An mqtt-broker config node as Node-RED 5's editor saves it."""
    return {
        "id": node_id,
        "type": "mqtt-broker",
        "name": "bench",
        "broker": mosquitto.host,
        "port": str(mosquitto.port),
        "clientid": "",
        "autoConnect": True,
        "usetls": False,
        "protocolVersion": "4",
        "keepalive": "60",
        "cleansession": True,
        "autoUnsubscribe": True,
        "birthTopic": "",
        "birthQos": "0",
        "birthRetain": "false",
        "birthPayload": "",
        "birthMsg": {},
        "closeTopic": "",
        "closeQos": "0",
        "closeRetain": "false",
        "closePayload": "",
        "closeMsg": {},
        "willTopic": "",
        "willQos": "0",
        "willRetain": "false",
        "willPayload": "",
        "willMsg": {},
        "userProps": "",
        "sessionExpiry": "",
    }


def bridge_flow(mosquitto: Endpoint, qos: int) -> list[dict[str, Any]]:
    """mqtt in → the seed flow's change node → mqtt out."""
    tab = "bench-bridge"
    change = copy.deepcopy(next(n for n in _seed() if n["id"] == SEED_CHANGE))
    change.update({"id": "bench-change", "z": tab, "x": 400, "y": 100, "wires": [["bench-out"]]})
    return [
        {"id": tab, "type": "tab", "label": "MQTT bridge", "disabled": False, "info": ""},
        mqtt_broker_node("bench-broker", mosquitto),
        {
            "id": "bench-in",
            "type": "mqtt in",
            "z": tab,
            "name": "",
            "topic": "iotkit/#",
            "qos": str(qos),
            "datatype": "auto",
            "broker": "bench-broker",
            "nl": False,
            "rap": True,
            "rh": 0,
            "inputs": 0,
            "x": 200,
            "y": 100,
            "wires": [["bench-change"]],
        },
        change,
        {
            "id": "bench-out",
            "type": "mqtt out",
            "z": tab,
            "name": "",
            "topic": "",
            "qos": str(qos),
            "retain": "false",
            "respTopic": "",
            "contentType": "",
            "userProps": "",
            "correl": "",
            "expiry": "",
            "broker": "bench-broker",
            "x": 600,
            "y": 100,
            "wires": [],
        },
    ]


def flowengine_seed_overrides(mosquitto: Endpoint, kafka: Endpoint) -> list[str]:
    """``flowengine run flows/Node-RED-Kafka.json`` arguments pointing it at our brokers."""
    hosts = json.dumps([{"host": kafka.host, "port": kafka.port}])
    return [
        "--set",
        f"{SEED_MQTT_BROKER}.broker={mosquitto.host}",
        "--set",
        f"{SEED_MQTT_BROKER}.port={mosquitto.port}",
        "--set",
        f"{SEED_KAFKA_BROKER}.hosts={hosts}",
    ]


def node_red_seed_flow(mosquitto: Endpoint, kafka: Endpoint, variant: str) -> list[dict[str, Any]]:
    """The seed flow for Node-RED: ``kafka-manager`` as is, or ``kafkajs`` swapped in."""
    flow = _seed()
    for node in flow:
        if node["id"] == SEED_MQTT_BROKER:
            node["broker"] = mosquitto.host
            node["port"] = str(mosquitto.port)
        elif node["id"] == SEED_KAFKA_BROKER:
            if variant == "kafka-manager":
                node["hosts"] = [{"host": kafka.host, "port": kafka.port}]
            else:
                node.clear()
                node.update(
                    {
                        "id": SEED_KAFKA_BROKER,
                        "type": "kafkajs-client",
                        "z": "",
                        "name": "kafka",
                        "brokers": kafka.address,
                        "clientid": "node-red",
                        "connectiontimeout": "3000",
                        "requesttimeout": "25000",
                        "advancedretry": False,
                        "maxretrytime": "30000",
                        "initialretrytime": "300",
                        "factor": "0.2",
                        "multiplier": "2",
                        "retries": "5",
                        "auth": "none",
                        "tlsselfsign": False,
                        "saslssl": True,
                        "saslmechanism": "plain",
                        "loglevel": "error",
                    }
                )
        elif node["id"] == SEED_PRODUCER and variant == "kafkajs":
            keep = {k: node[k] for k in ("id", "z", "x", "y", "wires")}
            node.clear()
            node.update(
                {
                    **keep,
                    "type": "kafkajs-producer",
                    "name": "",
                    "client": SEED_KAFKA_BROKER,
                    "topic": KAFKA_TOPIC,
                    "advancedoptions": False,
                    "acknowledge": "leader",  # the seed flow's requireAcks: 1
                    "partition": "",
                    "headeritems": {},
                    "key": "",
                    "responsetimeout": 30000,
                    "transactiontimeout": 60000,
                    "metadatamaxage": 300000,
                    "allowautotopiccreation": False,
                }
            )
    return flow
