"""node-red-contrib-kafka-node-latest: ``kafka`` and ``kafka in``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flowengine.testing import FlowTestHelper
from tests.support.services import Endpoint

from .kafka_helpers import TAB, WAIT, create_topic, node, read_records


def test_kafka_producer_and_consumer(kafka: Endpoint, unique_topic: Any) -> None:
    topic = unique_topic("latest")
    create_topic(kafka, topic)
    flow = [
        TAB,
        node("p", "kafka", name="", brokerUrl=kafka.address, topic=topic, partition="0",
             debug=""),
        node("c", "kafka in", name="", brokerUrl=kafka.address, topic=topic,
             groupId=unique_topic("g"), partition="0", debug="", autoCommit=True,
             fetchMaxBytes=1048576, sessionTimeout=30000, delayConsumerCreation=False,
             wires=[["out"]]),
        node("out", "helper"),
    ]  # fmt: skip
    with FlowTestHelper(flow) as h:
        h.inject("p", {"topic": "ignored", "key": "ignored", "payload": "hello"})
        h.inject("p", {"payload": ["a", {"b": 1}]})
        h.inject("p", {"payload": None})
        got = h.wait_for("out", 4, WAIT)
        assert h.errors() == []
        assert {"fill": "green", "shape": "dot", "text": f"connected to {kafka.address}"} in (
            h.statuses["p"]
        )
    records = read_records(kafka, topic, 4)
    assert [(r.key, r.value) for r in records] == [
        (None, b"hello"),
        (None, b"a"),
        (None, b"[object Object]"),
        (None, None),
    ]
    first = got[0]
    assert set(first) == {"payload", "_msgid"}
    p = first["payload"]
    assert (p["topic"], p["value"], p["offset"], p["partition"], p["key"]) == (
        topic, "hello", 0, 0, None)  # fmt: skip
    assert p["highWaterOffset"] >= 1
    assert isinstance(p["timestamp"], datetime)
    assert [m["payload"]["value"] for m in got[1:]] == ["a", "[object Object]", None]
