"""The board's messages through the whole pipeline in one engine process.

``python -m flowengine run flows/Node-RED-Kafka.json flows/iot-kafka-*.json --host-map …``:
IoTKit payloads published to a real Mosquitto (NUL-terminated as the board sends them)
→ the documented Kafka flow → ``broker_message`` in a real Kafka 4 → the three
microservice flows: the CSV file's bytes, the ``iot`` records and the bodies the
Camunda-speaking server received.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.iotkit import IOTKIT_MESSAGES, KAFKA_FLOW, engine, publisher
from tests.support.camunda import CamundaServer
from tests.support.services import Endpoint

from .pipeline import (
    ALERT_FLOW,
    CONSUMER_FLOW,
    PIPE_FLOW,
    end_offset,
    position_groups_at_end,
    read_records,
    wait_file_bytes,
    wait_node_debug,
)
from .test_microservice_flows import STATUS_DEBUG, body

pytestmark = pytest.mark.timeout(900)

KAFKA_FLOW_DEBUG = "82463576.0e6568"  # shows every message mqtt in receives


def humtemp(payload: bytes) -> bytes:
    """The pipe's record for a 0xBC reading, as JSON.stringify writes it."""
    fields = payload.rstrip(b"\0").decode().split(",")
    doc = {"humtemp": {"temp": float(fields[1]), "hum": float(fields[2])}}
    return json.dumps(doc, separators=(",", ":")).encode()


def test_board_to_csv_iot_topic_and_camunda(
    e2e_mosquitto: Endpoint, e2e_kafka: Endpoint, camunda_server: CamundaServer, tmp_path: Path
) -> None:
    position_groups_at_end(e2e_kafka)
    iot_start = end_offset(e2e_kafka, "iot")
    csv = tmp_path / "ml-data.csv"
    args = [
        str(KAFKA_FLOW), str(CONSUMER_FLOW), str(PIPE_FLOW), str(ALERT_FLOW),
        "--host-map", f"iotkit.mc-b.ch={e2e_mosquitto.address}",
        "--host-map", f"kafka={e2e_kafka.address}",
        "--host-map", f"camunda=127.0.0.1:{camunda_server.port}",
        "--env", f"ML_DATA_CSV={csv}",
    ]  # fmt: skip
    bridged = [m for m in IOTKIT_MESSAGES if m.renamed_by_kafka_flow]
    sensors = [m.payload for m in bridged if m.topic == "iotkit/sensor"]
    alerts = [m.payload for m in bridged if m.topic == "iotkit/alert"]
    assert b"\0" in sensors[0] and b"\0" not in sensors[1]  # both kinds travel
    expected_csv = b"".join(p + b"\n" for p in sensors)
    expected_iot = [humtemp(m.payload) if m.topic == "iotkit/sensor" else m.payload
                    for m in bridged]  # fmt: skip

    with engine(args, tmp_path / "debug.jsonl") as flowengine:
        flowengine.wait_log("Subscribed to iotkit/# on mqtt://127.0.0.1:")
        shown = 0
        with publisher(e2e_mosquitto) as pub:
            # One at a time: a QoS 0 message sent right after a QoS 2 one could overtake it.
            for message in IOTKIT_MESSAGES:
                pub.publish(message)
                if message.topic.startswith("iotkit/"):
                    shown += 1
                    wait_node_debug(flowengine, KAFKA_FLOW_DEBUG, shown)
        assert wait_file_bytes(csv, expected_csv) == expected_csv
        records = read_records(e2e_kafka, "iot", iot_start, len(expected_iot))
        requests = camunda_server.wait_for(len(alerts), 60)
        statuses = wait_node_debug(flowengine, STATUS_DEBUG, len(alerts))
        assert flowengine.stop() == 0
        stderr = flowengine.stderr

    assert csv.read_bytes() == expected_csv
    assert [r.value for r in records] == expected_iot
    assert records[0].value == b'{"humtemp":{"temp":20.4,"hum":51.6}}'
    assert end_offset(e2e_kafka, "iot") == iot_start + len(expected_iot)
    # Numbered in arrival order; the POSTs run concurrently, so they may reach Camunda in
    # either order (http request does not wait for one answer before the next request).
    assert sorted(r.body for r in requests) == [body(n) for n in range(1, len(alerts) + 1)]
    assert {r.headers["content-type"] for r in requests} == {"application/json"}
    assert statuses == [200] * len(alerts)
    # The only error: the Kafka flow's producer refusing iotkit/status (not renamed).
    errors = [line for line in stderr.splitlines() if "[error]" in line]
    assert len(errors) == 1 and 'Topic name "iotkit/status" is illegal' in errors[0]
