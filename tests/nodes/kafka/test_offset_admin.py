"""Kafka Offset and Kafka Admin against a real broker."""

from __future__ import annotations

from typing import Any

from flowengine.testing import FlowTestHelper
from tests.support.services import Endpoint

from .kafka_helpers import TAB, WAIT, broker, create_topic, node, produce


def _flow(kafka: Endpoint, type_: str) -> list[dict[str, Any]]:
    return [
        TAB,
        broker(kafka),
        node("n", type_, name="", broker="kb", wires=[["ok"], ["failed"]]),
        node("ok", "helper"),
        node("failed", "helper"),
    ]


def test_offset_actions(kafka: Endpoint, unique_topic: Any) -> None:
    topic = unique_topic("off")
    create_topic(kafka, topic)
    produce(kafka, topic, b"a", b"b", b"c")
    with FlowTestHelper(_flow(kafka, "Kafka Offset")) as h:
        h.inject(
            "n", {"action": "fetch", "payload": [{"topic": topic, "partition": 0, "time": -1}]}
        )
        h.inject("n", {"topic": "fetchLatestOffsets", "payload": [topic]})
        h.inject("n", {"topic": "fetchEarliestOffsets", "payload": [topic]})
        h.inject("n", {"topic": "fetchCommits", "groupid": "nobody",
                       "payload": [{"topic": topic, "partition": 0}]})  # fmt: skip
        h.inject("n", {"topic": "whatever", "payload": 1})
        ok = h.wait_for("ok", 4, WAIT)
        [bad] = h.wait_for("failed", 1, WAIT)
        assert next(s["text"] for s in h.statuses["n"]) == "Deferred connection"
    assert [m["payload"] for m in ok] == [
        {topic: {"0": [3]}},
        {topic: {"0": 3}},
        {topic: {"0": 0}},
        {topic: {"0": -1}},
    ]
    assert bad["error"] == "Error: invalid msg action or topic, e.g msg.action='fetch'"


def test_admin_topics(kafka: Endpoint, unique_topic: Any) -> None:
    topic = unique_topic("adm")
    with FlowTestHelper(_flow(kafka, "Kafka Admin")) as h:
        entry = {"topic": topic, "partitions": 2, "replicationFactor": 1}
        h.inject("n", {"topic": "createTopics", "payload": [entry]})
        [created] = h.wait_for("ok", 1, WAIT)
        assert created == {"topic": "createTopics", "payload": [entry], "_msgid": created["_msgid"]}
        h.inject("n", {"topic": "createTopics", "payload": [entry]})
        [exists] = h.wait_for("failed", 1, WAIT)
        assert exists["error"].startswith("TopicAlreadyExistsError")
        h.inject("n", {"topic": "listTopics"})
        listed = h.wait_for("ok", 2, WAIT)[1]["payload"]
        brokers, meta = listed
        assert next(iter(brokers.values()))["port"] == kafka.port
        assert sorted(meta["metadata"][topic]) == ["0", "1"]
        assert meta["metadata"][topic]["0"]["topic"] == topic
        h.inject("n", {"topic": "describeConfigs", "payload": {"type": "topic", "name": topic}})
        [described] = h.wait_for("ok", 3, WAIT)[2]["payload"]
        assert (described["resourceType"], described["resourceName"]) == ("topic", topic)
        entries = {e["configName"]: e for e in described["configEntries"]}
        assert entries["cleanup.policy"]["configValue"] == "delete"
        h.inject("n", {"topic": "createAcls", "payload": []})
        unsupported = h.wait_for("failed", 2, WAIT)[1]
        assert unsupported["error"] == "Error: Kafka Admin action createAcls is not supported"
        h.inject("n", {"topic": "deleteTopics", "payload": [topic]})
        deleted = h.wait_for("ok", 4, WAIT)[3]
        assert deleted["payload"] == [{"topic": topic}]
        h.inject("n", {"topic": "listGroups"})
        groups = h.wait_for("ok", 5, WAIT)[4]["payload"]
        assert isinstance(groups, dict)
        h.inject("n", {"topic": "describeGroups", "payload": ["nobody-here"]})
        described_groups = h.wait_for("ok", 6, WAIT)[5]["payload"]
        assert described_groups["nobody-here"]["group_state"] == "Dead"
