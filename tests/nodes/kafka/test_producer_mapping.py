"""Kafka Producer record mapping = kafka-manager 0.1–0.5.x (reference kafka-nodes.md §1.4).

Every row of the reference table is sent through the node and read back with a real
kafka-python consumer: value bytes, key bytes, partition, order.
"""

from __future__ import annotations

from typing import Any

from flowengine.testing import FlowTestHelper
from tests.support.services import Endpoint

from .kafka_helpers import TAB, WAIT, broker, create_topic, node, producer, read_records


def _run(kafka: Endpoint, msgs: list[dict[str, Any]], **props: Any) -> FlowTestHelper:
    flow = [
        TAB,
        broker(kafka),
        producer(**props),
        node("done", "complete", scope=["kp"], wires=[["out"]]),
        node("out", "helper"),
    ]
    h = FlowTestHelper(flow)
    h.start()
    for m in msgs:
        h.inject("kp", m)
    return h


def test_reference_table_rows(kafka: Endpoint, unique_topic: Any) -> None:
    topic = unique_topic("bm")
    other = unique_topic("other")
    create_topic(kafka, topic, partitions=3)
    create_topic(kafka, other)
    msgs = [
        {"topic": topic, "payload": "hello"},
        {"topic": topic, "payload": 42},
        {"topic": topic, "payload": {"temp": 21.5, "id": "s1"}},
        {"topic": topic, "payload": b"AB\x00"},
        {"topic": topic, "payload": [1, "a", {"x": 1}]},
        {"topic": topic, "payload": True},
        {"topic": topic, "payload": None},
        {"topic": topic, "payload": "k", "key": "sensor-1"},
        {"topic": topic, "payload": "k1", "key": 1},
        {"topic": topic, "payload": "p2", "partition": 2},
        {"topic": other, "payload": "t"},
        {"payload": "nt"},
        {"topic": topic, "payload": "a1", "attributes": 1},
        {"topic": topic, "payload": 21.5},
        {"topic": topic, "payload": [[2, 3], None, b"\x01"]},
        {"topic": topic, "payload": "z", "partition": 0, "key": ""},
    ]
    h = _run(kafka, msgs, topic=topic)
    try:
        h.wait_for("out", len(msgs), WAIT)
        assert h.errors() == []
    finally:
        h.stop()
    p0 = read_records(kafka, topic, 18, partitions=(0,))
    assert [(r.key, r.value) for r in p0] == [
        (b"", b"hello"),
        (b"", b"42"),
        (b"", b"[object Object]"),
        (b"", b"AB\x00"),
        (b"", b"1"),
        (b"", b"a"),
        (b"", b"[object Object]"),
        (b"", b"true"),
        (b"", None),
        (b"sensor-1", b"k"),
        (b"1", b"k1"),
        (b"", b"nt"),
        (b"", b"a1"),
        (b"", b"21.5"),
        (b"", b"2,3"),
        (b"", None),
        (b"", b"\x01"),
        (b"", b"z"),
    ]
    assert all(r.headers == [] for r in p0)
    [p2] = read_records(kafka, topic, 1, partitions=(2,))
    assert (p2.partition, p2.key, p2.value) == (2, b"", b"p2")
    [t] = read_records(kafka, other, 1)
    assert (t.key, t.value) == (b"", b"t")
    assert read_records(kafka, topic, 1, partitions=(1,), timeout=1) == []
