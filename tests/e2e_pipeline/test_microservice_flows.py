"""Each microservice flow alone, fed by records written straight to ``broker_message``.

``python -m flowengine run flows/iot-kafka-<name>.json --host-map kafka=… [--host-map
camunda=…] [--env ML_DATA_CSV=…]`` as a subprocess; kafka-python writes the records the
Kafka flow would write (raw MQTT payload bytes, NUL included, key ``""``) and reads the
``iot`` topic back; the Camunda-speaking server records the process starts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.iotkit import engine
from tests.support.camunda import CamundaServer
from tests.support.services import Endpoint

from .pipeline import (
    ALERT_FLOW,
    CONSUMER_FLOW,
    PIPE_FLOW,
    end_offset,
    position_groups_at_end,
    produce,
    read_records,
    wait_file_bytes,
    wait_node_debug,
)

pytestmark = pytest.mark.timeout(900)

CONSUMED_DEBUG = "b1e0c5a1.0c0006"
STATUS_DEBUG = "b1e0c5a1.0e0007"

SENSOR_NUL = b" 0xBC,20.40,51.6,low\0"  # as the board sends it (capture line + NUL)
SENSOR_PLAIN = b"0xBC,25.40,51.6,middle"  # as mosquitto_pub would send it
OTHER_SENSOR = b"0x5C,1013.2\0"  # another I2C device: CSV yes, not humtemp
ALERT_NUL = b"alert: hall\0"
ALERT_PLAIN = b"alert: hall"
RFID = b"04:A2:3B:C1:5D:80\0"
FIELDS = b"a,b,,c,,"  # Java's split: a, b, "", c (trailing empty fields dropped)
ONLY_COMMAS = b","  # Java's split: no field at all
VALUES = [SENSOR_NUL, ALERT_NUL, SENSOR_PLAIN, RFID, OTHER_SENSOR, FIELDS, ONLY_COMMAS,
          ALERT_PLAIN]  # fmt: skip


def body(rnr: int) -> bytes:
    """The iot-kafka-alert request body, byte for byte as microservices.md shows it."""
    return (
        b'{"variables": {"rnr": {"value": %d, "type": "long"}, '
        b'"rbetrag": {"value": 100.0, "type": "String"}}}' % rnr
    )


def kafka_args(kafka: Endpoint) -> list[str]:
    return ["--host-map", f"kafka={kafka.address}"]


def test_consumer_flow_appends_0x_values_to_the_csv(e2e_kafka: Endpoint, tmp_path: Path) -> None:
    start = position_groups_at_end(e2e_kafka, ("iot",))
    csv = tmp_path / "data" / "ml-data.csv"  # the directory is created by the file node
    args = [str(CONSUMER_FLOW), *kafka_args(e2e_kafka), "--env", f"ML_DATA_CSV={csv}"]
    expected = SENSOR_NUL + b"\n" + SENSOR_PLAIN + b"\n" + OTHER_SENSOR + b"\n"
    with engine(args, tmp_path / "debug.jsonl") as flowengine:
        produce(e2e_kafka, VALUES)
        shown = wait_node_debug(flowengine, CONSUMED_DEBUG, 3)
        assert wait_file_bytes(csv, expected) == expected
        assert flowengine.stop() == 0
    # The value is written as it came, leading space and NUL included (as data.csv has it).
    assert csv.read_bytes() == expected
    assert shown == [
        f"offset = {start}, value = {SENSOR_NUL.decode()}",
        f"offset = {start + 2}, value = {SENSOR_PLAIN.decode()}",
        f"offset = {start + 4}, value = {OTHER_SENSOR.decode()}",
    ]
    assert "[error]" not in flowengine.stderr


def test_pipe_flow_writes_humtemp_json_and_fields_to_iot(
    e2e_kafka: Endpoint, tmp_path: Path
) -> None:
    position_groups_at_end(e2e_kafka, ("streams-pipe",))
    start = end_offset(e2e_kafka, "iot")
    expected = [
        b'{"humtemp":{"temp":20.4,"hum":51.6}}',
        ALERT_NUL,  # one field: the value as it is, NUL included (as the Java pipe)
        b'{"humtemp":{"temp":25.4,"hum":51.6}}',
        RFID,
        b"0x5C", b"1013.2\0",
        b"a", b"b", b"", b"c",
        # ONLY_COMMAS: no record
        ALERT_PLAIN,
    ]  # fmt: skip
    with engine([str(PIPE_FLOW), *kafka_args(e2e_kafka)], tmp_path / "debug.jsonl") as proc:
        produce(e2e_kafka, VALUES)
        records = read_records(e2e_kafka, "iot", start, len(expected))
        assert proc.stop() == 0
    assert [r.value for r in records] == expected
    assert {(r.key, r.partition) for r in records} == {(b"", 0)}
    assert end_offset(e2e_kafka, "iot") == start + len(expected)  # nothing more was written
    assert "[error]" not in proc.stderr


def test_alert_flow_starts_one_process_per_alert(
    e2e_kafka: Endpoint, camunda_server: CamundaServer, tmp_path: Path
) -> None:
    position_groups_at_end(e2e_kafka, ("alert",))
    args = [str(ALERT_FLOW), *kafka_args(e2e_kafka),
            "--host-map", f"camunda=127.0.0.1:{camunda_server.port}"]  # fmt: skip
    with engine(args, tmp_path / "debug.jsonl") as flowengine:
        produce(e2e_kafka, VALUES)
        requests = camunda_server.wait_for(2, 60)
        statuses = wait_node_debug(flowengine, STATUS_DEBUG, 2)
        assert flowengine.stop() == 0
    # Concurrent POSTs: the numbers are 1 and 2, the arrival order may differ.
    assert sorted(r.body for r in requests) == [body(1), body(2)]
    for request in requests:
        assert request.method == "POST"
        assert request.path == "/engine-rest/process-definition/key/RechnungStep3/start"
        assert request.headers["content-type"] == "application/json"
        assert request.status == 200
    assert statuses == [200, 200]
    assert len(camunda_server.requests) == 2
    assert "[error]" not in flowengine.stderr


def test_alert_flow_shows_camundas_404(e2e_kafka: Endpoint, tmp_path: Path) -> None:
    """No RechnungStep3 deployed: Camunda answers 404, the debug node shows it."""
    position_groups_at_end(e2e_kafka, ("alert",))
    with CamundaServer(known_keys=()) as camunda:
        args = [str(ALERT_FLOW), *kafka_args(e2e_kafka),
                "--host-map", f"camunda=127.0.0.1:{camunda.port}"]  # fmt: skip
        with engine(args, tmp_path / "debug.jsonl") as flowengine:
            produce(e2e_kafka, [ALERT_NUL])
            [request] = camunda.wait_for(1, 60)
            statuses = wait_node_debug(flowengine, STATUS_DEBUG, 1)
            assert flowengine.stop() == 0
    assert request.body == body(1)  # a new engine counts from 1 again, as a new JVM did
    assert (request.status, statuses) == (404, [404])
