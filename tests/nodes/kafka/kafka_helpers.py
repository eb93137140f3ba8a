"""Helpers for Kafka node tests: flow builders and an outside kafka-python client."""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from tests.support.services import Endpoint

TAB = {"id": "t1", "type": "tab", "label": "T"}
WAIT = 60.0


def node(
    id: str, type: str, z: str = "t1", wires: list[list[str]] | None = None, **props: Any
) -> dict[str, Any]:
    return {"id": id, "type": type, "z": z, "x": 10, "y": 10, "wires": wires or [], **props}


def broker(endpoint: Endpoint, id: str = "kb", name: str = "kafka", **props: Any) -> dict[str, Any]:
    """A ``Kafka Broker`` config node as kafka-manager 0.2 saved it (the tutorial's)."""
    return {
        "id": id,
        "type": "Kafka Broker",
        "z": "",
        "name": name,
        "hosts": [{"host": endpoint.host, "port": endpoint.port}],
        "connectTimeout": "10000",
        "requestTimeout": "30000",
        "autoConnect": "true",
        "idleConnection": "5",
        "reconnectOnIdle": "true",
        "maxAsyncRequests": "10",
        "checkInterval": "10",
        "usetls": False,
        **props,
    }


def producer(
    id: str = "kp", topic: str = "", broker_id: str = "kb", **props: Any
) -> dict[str, Any]:
    """A ``Kafka Producer`` exactly as the tutorial flow has it."""
    tutorial: dict[str, Any] = {
        "name": "",
        "broker": broker_id,
        "topic": topic,
        "requireAcks": 1,
        "ackTimeoutMs": 100,
        "partitionerType": 0,
        "key": "",
        "partition": 0,
        "attributes": 0,
        "connectionType": "Producer",
    }
    return node(id, "Kafka Producer", **{**tutorial, **props})


def create_topic(endpoint: Endpoint, topic: str, partitions: int = 1) -> None:
    admin = KafkaAdminClient(bootstrap_servers=endpoint.address)
    try:
        admin.create_topics([NewTopic(topic, partitions, 1)])
    finally:
        admin.close()


def produce(endpoint: Endpoint, topic: str, *values: bytes | None, key: bytes | None = b"") -> None:
    """Write records with an outside producer (acks=all, flushed)."""
    p = KafkaProducer(bootstrap_servers=endpoint.address, acks="all")
    try:
        for v in values:
            p.send(topic, value=v, key=key, partition=0)
        p.flush(30)
    finally:
        p.close()


def read_records(
    endpoint: Endpoint,
    topic: str,
    count: int,
    partitions: tuple[int, ...] = (0,),
    timeout: float = WAIT,
    start: dict[int, int] | None = None,
    keep: Any = None,
) -> list[Any]:
    """Read ``count`` records of ``topic`` from the beginning (or ``start`` offsets);
    with ``keep`` only records it accepts count."""
    consumer = KafkaConsumer(
        bootstrap_servers=endpoint.address, enable_auto_commit=False, group_id=None
    )
    try:
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        for tp in tps:
            if start and tp.partition in start:
                consumer.seek(tp, start[tp.partition])
            else:
                consumer.seek_to_beginning(tp)
        got: list[Any] = []
        deadline = time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                got.extend(r for r in records if keep is None or keep(r))
        return got
    finally:
        consumer.close()


def end_offset(endpoint: Endpoint, topic: str, partition: int = 0) -> int:
    consumer = KafkaConsumer(bootstrap_servers=endpoint.address, group_id=None)
    try:
        tp = TopicPartition(topic, partition)
        return consumer.end_offsets([tp])[tp]
    finally:
        consumer.close()
