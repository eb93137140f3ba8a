"""Kafka Consumer / Kafka Consumer Group / Kafka Commit / Kafka Rollback against a real broker."""

from __future__ import annotations

from typing import Any

from kafka import KafkaAdminClient, TopicPartition

from flowengine.testing import FlowTestHelper
from tests.support.services import Endpoint

from .kafka_helpers import TAB, WAIT, broker, create_topic, node, produce


def committed(kafka: Endpoint, group: str, topic: str, partition: int = 0) -> int | None:
    admin = KafkaAdminClient(bootstrap_servers=kafka.address)
    try:
        offsets = admin.list_group_offsets({group: [TopicPartition(topic, partition)]})
    finally:
        admin.close()
    meta = offsets.get(group, {}).get(TopicPartition(topic, partition))
    return None if meta is None or meta.offset < 0 else meta.offset


def consumer(topic: str, group: str, wires: list[list[str]], **props: Any) -> dict[str, Any]:
    """A ``Kafka Consumer`` as kafka-manager 0.5 saved it."""
    defaults: dict[str, Any] = {
        "name": "",
        "broker": "kb",
        "regex": False,
        "topics": [{"topic": topic, "offset": 0, "partition": 0}],
        "groupId": group,
        "autoCommit": "true",
        "autoCommitIntervalMs": 5000,
        "fetchMaxWaitMs": 100,
        "fetchMinBytes": 1,
        "fetchMaxBytes": 1048576,
        "fromOffset": 0,
        "encoding": "utf8",
        "keyEncoding": "utf8",
        "connectionType": "",
        "convertToJson": False,
    }
    return node("kc", "Kafka Consumer", wires=wires, **{**defaults, **props})


def test_consumer_output_shape(kafka: Endpoint, unique_topic: Any) -> None:
    topic = unique_topic("in")
    create_topic(kafka, topic)
    produce(kafka, topic, b"0xBC,22.90,36.9,low\x00", b"alert: hall", None, key=b"k")
    flow = [TAB, broker(kafka), consumer(topic, unique_topic("g"), [["out"]]),
            node("out", "helper")]  # fmt: skip
    with FlowTestHelper(flow) as h:
        msgs = h.wait_for("out", 3, WAIT)
        statuses = list(h.statuses["kc"])
    first = msgs[0]
    assert set(first) == {"topic", "payload", "_kafka", "_msgid"}
    assert first["topic"] == topic
    assert first["payload"] == "0xBC,22.90,36.9,low\x00"
    kafka_part = first["_kafka"]
    assert set(kafka_part) == {
        "offset",
        "partition",
        "highWaterOffset",
        "key",
        "commit",
        "rollback",
    }
    assert (kafka_part["offset"], kafka_part["partition"], kafka_part["key"]) == (0, 0, "k")
    assert kafka_part["highWaterOffset"] == 3
    assert callable(kafka_part["commit"])
    assert [m["payload"] for m in msgs[1:]] == ["alert: hall", None]
    assert [m["_kafka"]["offset"] for m in msgs] == [0, 1, 2]
    texts = [s.get("text") for s in statuses]
    assert texts[0] == "Initialising"
    assert "Ready with kafka" in texts


def test_consumer_buffer_encoding_and_json(kafka: Endpoint, unique_topic: Any) -> None:
    topic = unique_topic("in")
    create_topic(kafka, topic)
    produce(kafka, topic, b'{"a":1}', b"nope", key=None)
    flow = [
        TAB,
        broker(kafka),
        consumer(topic, unique_topic("g"), [["out"]], encoding="buffer", keyEncoding="buffer"),
        {**consumer(topic, unique_topic("g2"), [["json"]], convertToJson=True), "id": "kc2"},
        node("out", "helper"),
        node("json", "helper"),
    ]
    with FlowTestHelper(flow) as h:
        raw = h.wait_for("out", 2, WAIT)
        parsed = h.wait_for("json", 2, WAIT)
    assert [m["payload"] for m in raw] == [b'{"a":1}', b"nope"]
    assert raw[0]["_kafka"]["key"] is None
    assert parsed[0]["payload"] == {"a": 1} and "error" not in parsed[0]
    assert parsed[1]["payload"] == "nope"
    assert parsed[1]["error"].startswith("Unexpected token")


def test_manual_commit_through_kafka_commit(kafka: Endpoint, unique_topic: Any) -> None:
    topic = unique_topic("in")
    group = unique_topic("g")
    create_topic(kafka, topic)
    produce(kafka, topic, b"a", b"b", b"c")
    flow = [
        TAB,
        broker(kafka),
        consumer(topic, group, [["commit"]], autoCommit="false"),
        node("commit", "Kafka Commit", name="", wires=[["ok"], ["failed"]]),
        node("ok", "helper"),
        node("failed", "helper"),
    ]
    with FlowTestHelper(flow) as h:
        msgs = h.wait_for("ok", 3, WAIT)
        assert h.received("failed") == []
    assert [m["payload"] for m in msgs] == ["a", "b", "c"]
    assert committed(kafka, group, topic) == 3
    # Restarted, the consumer starts after the committed offset: nothing new comes.
    produce(kafka, topic, b"d")
    with FlowTestHelper(flow) as h:
        [again] = h.wait_for("ok", 1, WAIT)
    assert again["payload"] == "d"


def test_commit_passes_messages_without_kafka(kafka: Endpoint) -> None:
    flow = [TAB, node("commit", "Kafka Commit", wires=[["ok"], ["failed"]]),
            node("ok", "helper"), node("failed", "helper")]  # fmt: skip
    with FlowTestHelper(flow) as h:
        h.inject("commit", {"payload": 1})
        [msg] = h.wait_for("ok", 1, WAIT)
    assert msg["payload"] == 1


def test_consumer_group_earliest_commit_and_rollback(kafka: Endpoint, unique_topic: Any) -> None:
    topic = unique_topic("in")
    group = unique_topic("g")
    create_topic(kafka, topic)
    produce(kafka, topic, b"one", b"two")
    flow = [
        TAB,
        broker(kafka),
        node("cg", "Kafka Consumer Group", name="", broker="kb", groupId=group,
             sessionTimeout=15000, protocol=["roundrobin"], encoding="utf8",
             fromOffset="earliest", commitOffsetsOnFirstJoin="true",
             outOfRangeOffset="earliest", topics=[topic], wires=[["out", "commit"]]),
        node("commit", "Kafka Commit", wires=[["ok"], ["failed"]]),
        node("out", "helper"),
        node("ok", "helper"),
        node("failed", "helper"),
    ]  # fmt: skip
    with FlowTestHelper(flow) as h:
        msgs = h.wait_for("out", 2, WAIT)
        h.wait_for("ok", 2, WAIT)
        assert [m["payload"] for m in msgs] == ["one", "two"]
        assert [m["topic"] for m in msgs] == [topic, topic]
        assert committed(kafka, group, topic) == 2
    assert h.errors() == []


def test_rollback_rewinds_to_the_committed_offset(kafka: Endpoint, unique_topic: Any) -> None:
    topic = unique_topic("in")
    group = unique_topic("g")
    create_topic(kafka, topic)
    produce(kafka, topic, b"a", b"b")
    flow = [
        TAB,
        broker(kafka),
        consumer(topic, group, [["out"]], autoCommit="false"),
        node("rb", "Kafka Rollback", wires=[["ok"], ["failed"]]),
        node("out", "helper"),
        node("ok", "helper"),
        node("failed", "helper"),
    ]
    with FlowTestHelper(flow) as h:
        first = h.wait_for("out", 2, WAIT)
        h.inject("rb", first[1])
        h.wait_for("ok", 1, WAIT)
        again = h.wait_for("out", 4, WAIT)
        assert h.warnings() == ["kafka rollback: the consumer goes back to its committed offsets"]
    assert [m["payload"] for m in again] == ["a", "b", "a", "b"]
