"""Kafka Producer under faults: broker restart, send errors, close flushing, the down queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowengine.testing import FlowTestHelper
from tests.support.fixtures import SERVICE_TIMEOUT
from tests.support.services import Endpoint, service_down, service_up

from .kafka_helpers import TAB, WAIT, broker, create_topic, node, producer, read_records


@pytest.fixture
def private_kafka(tmp_path: Path) -> Iterator[tuple[Endpoint, Path]]:
    """A Kafka broker of this test alone: it is stopped and restarted on the same port."""
    state = tmp_path / "services"
    endpoint = service_up("kafka", state)
    try:
        yield endpoint, state
    finally:
        service_down("kafka", state)


def _counting_flow(kafka: Endpoint, topic: str, **broker_props: Any) -> list[dict[str, Any]]:
    return [
        TAB,
        broker(kafka, **broker_props),
        producer(topic=topic),
        node("acked", "complete", scope=["kp"], wires=[["acks"]]),
        node("caught", "catch", scope=["kp"], wires=[["errors"]]),
        node("acks", "helper"),
        node("errors", "helper"),
    ]


@pytest.mark.timeout(SERVICE_TIMEOUT)
def test_broker_restart_heals_and_loses_no_acknowledged_record(
    private_kafka: tuple[Endpoint, Path], unique_topic: Any
) -> None:
    kafka, state = private_kafka
    topic = unique_topic("restart")
    create_topic(kafka, topic)
    h = FlowTestHelper(_counting_flow(kafka, topic, checkInterval="1"))
    h.start()
    try:
        kp = h.node("kp")
        kb = h.node("kb")
        for i in range(50):
            h.inject("kp", {"payload": f"before-{i}"})
        h.wait_for("acks", 50, WAIT)
        service_down("kafka", state)
        for i in range(20):  # the probe may not have noticed yet: kafka-python holds these
            h.inject("kp", {"payload": f"unnoticed-{i}"})
        h.wait_until(lambda: not kb.available, WAIT, "the broker node to see the outage")
        for i in range(150):  # now the node's own queue holds them
            h.inject("kp", {"payload": f"queued-{i}"})
        h.wait_until(
            lambda: (
                {"fill": "red", "shape": "ring", "text": "Connection down, queue depth reached 100"}
                in h.statuses["kp"]
            ),
            WAIT,
            "the queue depth status",
        )
        assert "Connection down started queuing messages" in h.warnings()
        service_up("kafka", state)
        h.wait_for("acks", 220, 120)
        h.wait_until(
            lambda: h.statuses["kp"][-1] == {"fill": "green", "shape": "ring",
                                             "text": "Connected to kafka"},
            WAIT,
            "Connected to kafka",
        )  # fmt: skip
        for i in range(10):
            h.inject("kp", {"payload": f"after-{i}"})
        h.wait_for("acks", 230, WAIT)
        assert h.received("errors") == []
        assert kp.sender is not None and not kp.sender.queue
    finally:
        h.stop()
    expected = (
        [f"before-{i}" for i in range(50)]
        + [f"unnoticed-{i}" for i in range(20)]
        + [f"queued-{i}" for i in range(150)]
        + [f"after-{i}" for i in range(10)]
    )
    records = read_records(kafka, topic, len(expected))
    values = [r.value.decode() for r in records]
    # acks=1 without idempotence may repeat a retried batch; nothing is lost or reordered
    deduplicated = list(dict.fromkeys(values))
    assert deduplicated == expected


def test_send_errors_reach_catch_with_the_message(kafka: Endpoint, unique_topic: Any) -> None:
    topic = unique_topic("err")
    create_topic(kafka, topic)
    with FlowTestHelper(_counting_flow(kafka, topic)) as h:
        h.inject("kp", {"payload": "fine"})
        h.wait_for("acks", 1, WAIT)
        h.inject("kp", {"payload": "no such partition", "partition": 5})
        h.inject("kp", {"payload": "bad topic", "topic": "other/x"})
        h.inject("kp", {"payload": "slash", "topic": 5, "partition": "x"})
        caught = h.wait_for("errors", 3, WAIT)
        statuses = list(h.statuses["kp"])
    assert [m["payload"] for m in caught] == ["no such partition", "bad topic", "slash"]
    assert (
        caught[0]["error"]["message"] == "ValueError: Unrecognized partition 5 for topic " + topic
    )
    assert caught[0]["error"]["source"]["id"] == "kp"
    assert caught[1]["error"]["message"].startswith('Topic name "other/x" is illegal')
    assert caught[2]["error"]["message"] == "Error: invalid partition x"
    assert statuses[-1]["fill"] == "yellow" and statuses[-1]["text"].startswith("send error ")


def test_close_flushes_every_record(kafka: Endpoint, unique_topic: Any) -> None:
    topic = unique_topic("flush")
    create_topic(kafka, topic)
    h = FlowTestHelper(_counting_flow(kafka, topic))
    h.start()
    h.wait_until(
        lambda: any(s.get("text") == "Connected to kafka" for s in h.statuses.get("kp", [])),
        WAIT,
        "the producer to connect",
    )
    for i in range(2000):
        h.inject("kp", {"payload": f"m{i}"})
    h.stop()
    assert len(h.received("acks")) == 2000
    assert h.statuses["kp"][-1]["text"] in ("closed", "Connected to kafka")
    records = read_records(kafka, topic, 2000)
    assert [r.value for r in records] == [f"m{i}".encode() for i in range(2000)]


def test_headers_are_opt_in(kafka: Endpoint, unique_topic: Any) -> None:
    topic = unique_topic("hdr")
    create_topic(kafka, topic)
    flow = [
        TAB,
        broker(kafka),
        producer(topic=topic),
        {**producer("kh", topic=topic, sendHeaders=True), "wires": []},
        node("caught", "catch", scope=["kh"], wires=[["errors"]]),
        node("errors", "helper"),
        node("acked", "complete", scope=["kp", "kh"], wires=[["acks"]]),
        node("acks", "helper"),
    ]
    headers = {"content-type": "text/plain", "n": 1, "raw": b"\x00"}
    with FlowTestHelper(flow) as h:
        h.inject("kp", {"payload": "plain", "headers": headers})
        h.wait_for("acks", 1, WAIT)
        h.inject("kh", {"payload": "with", "headers": headers})
        h.wait_for("acks", 2, WAIT)
        h.inject("kh", {"payload": "listed", "headers": [["a", "1"], ["a", "2"]]})
        h.wait_for("acks", 3, WAIT)
        h.inject("kh", {"payload": "bad", "headers": {"x": {"y": 1}}})
        [bad] = h.wait_for("errors", 1, WAIT)
    assert bad["error"]["message"] == (
        'Error: msg.headers: header "x" must be a string, Buffer, number or boolean'
    )
    records = read_records(kafka, topic, 3)
    assert [(r.value, r.headers) for r in records] == [
        (b"plain", []),
        (b"with", [("content-type", b"text/plain"), ("n", b"1"), ("raw", b"\x00")]),
        (b"listed", [("a", b"1"), ("a", b"2")]),
    ]


def test_close_right_after_start_flushes_instead_of_failing(
    kafka: Endpoint, unique_topic: Any
) -> None:
    # SIGTERM while the producer is still connecting: records queued before the first
    # connection are sent within the close timeout, not failed.
    topic = unique_topic("early")
    create_topic(kafka, topic)
    h = FlowTestHelper(_counting_flow(kafka, topic))
    h.start()
    for i in range(50):
        h.inject("kp", {"payload": f"e{i}"})
    h.stop()
    assert len(h.received("acks")) == 50
    records = read_records(kafka, topic, 50)
    assert [r.value for r in records] == [f"e{i}".encode() for i in range(50)]
