"""Helpers of the microservice-flow tests: Kafka positions, records, engine arguments."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from tests.e2e.iotkit import WAIT, EngineProcess, wait_until
from tests.support.services import REPO, Endpoint

__all__ = [
    "ALERT_FLOW",
    "CONSUMER_FLOW",
    "GROUPS",
    "PIPE_FLOW",
    "debug_counts",
    "end_offset",
    "position_groups_at_end",
    "produce",
    "read_records",
    "wait_node_debug",
]

CONSUMER_FLOW = REPO / "flows" / "iot-kafka-consumer.json"
PIPE_FLOW = REPO / "flows" / "iot-kafka-pipe.json"
ALERT_FLOW = REPO / "flows" / "iot-kafka-alert.json"
SOURCE_TOPIC = "broker_message"
#: The consumer groups of the three flows (the pipe's is its Kafka Streams application id).
GROUPS = ("iot", "streams-pipe", "alert")


def ensure_topic(kafka: Endpoint, topic: str) -> None:
    """Create ``topic`` (one partition) unless it exists."""
    admin = KafkaAdminClient(bootstrap_servers=kafka.address)
    try:
        if topic not in admin.list_topics():
            try:
                admin.create_topics([NewTopic(topic, 1, 1)])
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()


def end_offset(kafka: Endpoint, topic: str) -> int:
    """Where partition 0 of ``topic`` ends now (the topic is created when missing)."""
    ensure_topic(kafka, topic)
    partition = TopicPartition(topic, 0)
    consumer = KafkaConsumer(bootstrap_servers=kafka.address)
    try:
        return int(consumer.end_offsets([partition])[partition])
    finally:
        consumer.close()


def position_groups_at_end(kafka: Endpoint, groups: tuple[str, ...] = GROUPS) -> int:
    """Commit every group's offset at the end of ``broker_message``; returns that offset.

    The groups then start exactly there, whatever their ``fromOffset`` and whenever they
    join — so a test may produce before the engine's consumers are assigned.
    """
    end = end_offset(kafka, SOURCE_TOPIC)
    partition = TopicPartition(SOURCE_TOPIC, 0)
    for group in groups:
        consumer = KafkaConsumer(
            bootstrap_servers=kafka.address, group_id=group, enable_auto_commit=False
        )
        try:
            consumer.commit({partition: OffsetAndMetadata(end, "", -1)})
        finally:
            consumer.close()
    return end


def produce(kafka: Endpoint, values: list[bytes]) -> None:
    """Write ``values`` to ``broker_message`` as the Kafka flow does (key ``""``, partition 0)."""
    producer = KafkaProducer(bootstrap_servers=kafka.address, acks=1)
    try:
        for value in values:
            producer.send(SOURCE_TOPIC, value=value, key=b"", partition=0).get(WAIT)
    finally:
        producer.close()


def read_records(
    kafka: Endpoint, topic: str, start: int, count: int, timeout: float = WAIT
) -> list[Any]:
    """``count`` records of ``topic`` from offset ``start`` (fails when fewer arrive)."""
    partition = TopicPartition(topic, 0)
    consumer = KafkaConsumer(bootstrap_servers=kafka.address, enable_auto_commit=False)
    records: list[Any] = []
    try:
        consumer.assign([partition])
        consumer.seek(partition, start)
        polls = int(timeout)
        while len(records) < count and polls > 0:
            polls -= 1
            for batch in consumer.poll(timeout_ms=1000).values():
                records.extend(batch)
    finally:
        consumer.close()
    assert len(records) >= count, f"only {len(records)} of {count} record(s) on {topic}"
    return records


def debug_counts(proc: EngineProcess) -> Counter[str]:
    """How many ``--debug-out`` lines each debug node has written so far."""
    return Counter(line["debug"] for line in proc.debug_lines())


def wait_node_debug(proc: EngineProcess, node_id: str, count: int) -> list[Any]:
    """Wait until debug node ``node_id`` has shown ``count`` messages; returns their values."""

    def enough() -> list[Any] | None:
        if proc.proc.poll() is not None:
            raise AssertionError(f"engine exited ({proc.proc.returncode}):\n{proc.stderr}")
        values = [line["msg"] for line in proc.debug_lines() if line["debug"] == node_id]
        return values if len(values) >= count else None

    return wait_until(enough, WAIT, f"{count} message(s) on debug {node_id}")  # type: ignore[no-any-return]


def wait_file_bytes(path: Path, expected: bytes) -> bytes:
    """Wait until ``path`` holds at least ``len(expected)`` bytes; returns its content."""

    def enough() -> bytes | None:
        data = path.read_bytes() if path.exists() else b""
        return data if len(data) >= len(expected) else None

    return wait_until(enough, WAIT, f"{len(expected)} bytes in {path}")  # type: ignore[no-any-return]
