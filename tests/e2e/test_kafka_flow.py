"""``flows/Node-RED-Kafka.json`` as is: IoTKit messages on Mosquitto → records in Kafka 4.

``python -m flowengine run flows/Node-RED-Kafka.json --host-map iotkit.mc-b.ch=… --host-map
kafka=…`` bridges ``iotkit/#`` into the topic ``broker_message``; a real kafka-python
consumer reads the records back: the exact value bytes (a NUL-terminated payload as the
raw bytes), an empty (non-null) key, partition 0, in publish order. Then a Kafka restart
in the middle of a stream: the engine keeps running and no message is lost.

Node-RED itself cannot run this flow against Kafka 4 (the plugin's client speaks
protocol versions Kafka 4 removed), so the golden files cover only its MQTT part.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from tests.e2e_pipeline.pipeline import read_records
from tests.support.camunda import CamundaServer
from tests.support.services import Endpoint, service_down, service_up

from .iotkit import (
    BURST,
    IOTKIT_MESSAGES,
    KAFKA_FLOW,
    REST_FLOW,
    WAIT,
    EngineProcess,
    IoTKitMessage,
    engine,
    publisher,
)
from .test_rest_flow import CAMUNDA_BODY

pytestmark = pytest.mark.timeout(900)

TOPIC = "broker_message"
PARTITION = TopicPartition(TOPIC, 0)
MQTT_DEBUG = "82463576.0e6568"


def end_offset(kafka: Endpoint) -> int:
    """Where ``broker_message`` ends now (0 when it does not exist yet)."""
    admin = KafkaAdminClient(bootstrap_servers=kafka.address)
    try:
        if TOPIC not in admin.list_topics():
            return 0
    finally:
        admin.close()
    consumer = KafkaConsumer(bootstrap_servers=kafka.address)
    try:
        return int(consumer.end_offsets([PARTITION])[PARTITION])
    finally:
        consumer.close()


def run_args(mqtt: Endpoint, kafka: Endpoint) -> list[str]:
    return [
        str(KAFKA_FLOW),
        "--host-map", f"iotkit.mc-b.ch={mqtt.address}",
        "--host-map", f"kafka={kafka.address}",
    ]  # fmt: skip


def start_engine(proc: EngineProcess) -> None:
    proc.wait_log("Subscribed to iotkit/# on mqtt://127.0.0.1:")


def test_kafka_flow_as_is(e2e_mosquitto: Endpoint, e2e_kafka: Endpoint, tmp_path: Path) -> None:
    start = end_offset(e2e_kafka)
    with engine(run_args(e2e_mosquitto, e2e_kafka), tmp_path / "debug.jsonl") as flowengine:
        start_engine(flowengine)
        shown = 0
        with publisher(e2e_mosquitto) as pub:
            for message in IOTKIT_MESSAGES:
                pub.publish(message)
                if message.topic.startswith("iotkit/"):
                    shown += 1  # the debug node shows everything mqtt in receives
                    flowengine.wait_debug(shown)
        expected = [m for m in IOTKIT_MESSAGES if m.renamed_by_kafka_flow]
        records = read_records(e2e_kafka, TOPIC, start, len(expected))
        assert flowengine.stop() == 0
        stderr = flowengine.stderr
    assert "host map: Kafka Broker 33fcb129.b6642e: hosts: kafka:9092 → 127.0.0.1:" in stderr
    # iotkit/status is not renamed by the change node: msg.topic stays, and Kafka has no
    # topic of that name (the plugin's kafka-node fails the send as well).
    assert [line.split("] ", 2)[-1] for line in stderr.splitlines() if "[error]" in line] == [
        'Topic name "iotkit/status" is illegal: it may only contain ASCII alphanumerics, ".", '
        '"_" and "-", at most 249 characters, and not be "." or ".."'
    ]

    assert [r.value for r in records] == [m.payload for m in expected]
    assert records[0].value == b" 0xBC,20.40,51.6,low\0"  # the NUL travels as a raw byte
    assert {r.key for r in records} == {b""}  # key "" in the flow: empty, not null
    assert {r.partition for r in records} == {0}
    assert [r.offset for r in records] == list(range(start, start + len(expected)))
    assert end_offset(e2e_kafka) == start + len(expected)  # nothing else was written

    # The debug node shows each message as it came from MQTT (whole message).
    lines = [json.loads(line) for line in (tmp_path / "debug.jsonl").read_text().splitlines()]
    shown_messages = [m for m in IOTKIT_MESSAGES if m.topic.startswith("iotkit/")]
    assert [(d["debug"], d["msg"]["topic"]) for d in lines] == [
        (MQTT_DEBUG, m.topic) for m in shown_messages
    ]
    assert lines[0]["msg"]["payload"] == {
        "type": "Buffer",
        "data": list(IOTKIT_MESSAGES[0].payload),
    }
    assert "_topic" not in lines[0]["msg"]  # the flow's broker is iotkit.mc-b.ch, not local


def test_kafka_flow_keeps_the_order_of_a_burst(
    e2e_mosquitto: Endpoint, e2e_kafka: Endpoint, tmp_path: Path
) -> None:
    """Thirty QoS 1 sensor readings published back to back: records in the same order."""
    start = end_offset(e2e_kafka)
    with engine(run_args(e2e_mosquitto, e2e_kafka), tmp_path / "debug.jsonl") as flowengine:
        start_engine(flowengine)
        with publisher(e2e_mosquitto) as pub:
            infos = [pub.client.publish(m.topic, m.payload, m.qos) for m in BURST]
            for info in infos:
                info.wait_for_publish(WAIT)
        records = read_records(e2e_kafka, TOPIC, start, len(BURST))
        assert flowengine.stop() == 0
    assert [r.value for r in records] == [m.payload for m in BURST]
    assert {(r.key, r.partition) for r in records} == {(b"", 0)}


def test_both_documented_flows_in_one_engine(
    e2e_mosquitto: Endpoint, e2e_kafka: Endpoint, camunda_server: CamundaServer, tmp_path: Path
) -> None:
    """``flowengine run flows/Node-RED-Kafka.json flows/Node-RED-REST.json --host-map …``:
    one alert from the board reaches Kafka and starts a Camunda process."""
    start = end_offset(e2e_kafka)
    args = [
        str(KAFKA_FLOW),
        str(REST_FLOW),
        *run_args(e2e_mosquitto, e2e_kafka)[1:],
        "--host-map", f"camunda=127.0.0.1:{camunda_server.port}",
    ]  # fmt: skip
    alert = IOTKIT_MESSAGES[1]
    assert alert.payload == b"alert: hall\0"
    with engine(args, tmp_path / "debug.jsonl") as flowengine:
        flowengine.wait_log("Subscribed to iotkit/# on mqtt://127.0.0.1:")
        flowengine.wait_log("Subscribed to iotkit/alert on mqtt://127.0.0.1:")
        with publisher(e2e_mosquitto) as pub:
            pub.publish(alert)
            [request] = camunda_server.wait_for(1, WAIT)
        [record] = read_records(e2e_kafka, TOPIC, start, 1)
        flowengine.wait_debug(3)  # Kafka flow's debug, REST flow's two
        assert flowengine.stop() == 0
    assert (record.value, record.key, record.partition) == (alert.payload, b"", 0)
    assert request.json() == json.loads(CAMUNDA_BODY)
    assert request.status == 200


# ---- Kafka restarted in the middle of a stream ----------------------------------------
class PrivateKafka:
    """A Kafka of one test; ``stop()`` and ``start()`` keep its ports and data."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.endpoint: Endpoint = service_up("kafka", state)

    def stop(self) -> None:
        service_down("kafka", self.state)

    def start(self) -> None:
        again = service_up("kafka", self.state)
        assert again == self.endpoint, "restarted Kafka must keep its port"


@pytest.fixture
def private_kafka(tmp_path: Path) -> Iterator[PrivateKafka]:
    kafka = PrivateKafka(tmp_path / "services")
    try:
        yield kafka
    finally:
        kafka.stop()


def reading(i: int) -> IoTKitMessage:
    """A distinct sensor reading in the board's format (NUL-terminated), QoS 1."""
    cls = ("low", "middle", "high")[i % 3]
    return IoTKitMessage(
        f"reading {i}", "iotkit/sensor", f" 0xBC,{20 + i / 100:.2f},51.6,{cls}\0".encode(), 1
    )


def test_kafka_restart_mid_stream_loses_nothing(
    e2e_mosquitto: Endpoint, private_kafka: PrivateKafka, tmp_path: Path, record_property: Any
) -> None:
    kafka = private_kafka.endpoint
    stream = [reading(i) for i in range(200)]
    before, down, after = stream[:100], stream[100:150], stream[150:]
    start = end_offset(kafka)
    with engine(run_args(e2e_mosquitto, kafka), tmp_path / "debug.jsonl") as flowengine:
        start_engine(flowengine)
        with publisher(e2e_mosquitto) as pub:
            for message in before:
                pub.publish(message)
            read_records(kafka, TOPIC, start, 20)  # the stream reached Kafka
            private_kafka.stop()
            for message in down:
                pub.publish(message)
            flowengine.wait_debug(len(before) + len(down))  # the engine took them all
            private_kafka.start()
            for message in after:
                pub.publish(message)
            flowengine.wait_debug(len(stream))
        records = read_records(kafka, TOPIC, start, len(stream), timeout=180)
        assert flowengine.proc.poll() is None, "the engine kept running"
        assert flowengine.stop() == 0
        producer_log = [line for line in flowengine.stderr_lines if "Kafka" in line]
    print("\n".join(producer_log))
    values = [r.value for r in records]
    assert set(values) == {m.payload for m in stream}  # nothing lost
    first_seen = list(dict.fromkeys(values))
    assert first_seen == [m.payload for m in stream]  # and in order
    duplicates = len(values) - len(stream)
    record_property("kafka_restart_duplicates", duplicates)
    print(f"Kafka restart: {len(stream)} published, all arrived, {duplicates} duplicate(s)")
