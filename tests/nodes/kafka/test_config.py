"""Load-time handling of every Kafka property: accepted, or refused with one clear line."""

from __future__ import annotations

from typing import Any

import pytest

from flowengine.testing import load_error_lines
from tests.support.services import Endpoint

from .kafka_helpers import TAB, broker, node, producer

LOCAL = Endpoint("127.0.0.1", 9092)


def _problems(*nodes: dict[str, Any]) -> list[str]:
    return load_error_lines([TAB, *nodes])


def test_tutorial_shapes_load() -> None:
    assert _problems(broker(LOCAL), producer(topic="broker_message")) == []


def test_hosts_env_var_and_legacy_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_HOSTS", '[{"host": "k1", "port": 9093}]')
    legacy = {"id": "kb", "type": "Kafka Broker", "name": "", "host": "old", "port": "9092",
              "hosts": [], "hostsEnvVar": "KAFKA_HOSTS"}  # fmt: skip
    assert _problems(legacy, producer(topic="t")) == []
    monkeypatch.setenv("KAFKA_HOSTS", "{nope")
    [line] = _problems(legacy)
    assert "hostsEnvVar: process.env variable KAFKA_HOSTS" in line


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"requireAcks": 2}, "requireAcks: must be 0, 1 or -1"),
        ({"partitionerType": 4}, "partitionerType: No customer partitioner defined"),
        ({"connectionType": "Fancy"}, 'connectionType: unknown connection type "Fancy"'),
        ({"compressionType": "gzip"}, 'compressionType: "gzip" (0.6.x compresses'),
        ({"keyType": "jsonata"}, 'keyType: unsupported key type "jsonata"'),
        ({"partition": "x"}, "partition: invalid partition x"),
        ({"attributes": 2}, "attributes: snappy compression needs the python-snappy package"),
    ],
)
def test_producer_refusals(props: dict[str, Any], expected: str) -> None:
    [line] = _problems(broker(LOCAL), producer(topic="t", **props))
    assert expected in line
    assert "node kp (Kafka Producer)" in line


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"reconnectOnIdle": "false"}, 'reconnectOnIdle: "false" is not supported'),
        ({"hosts": [], "host": ""}, "hosts: host and/or port not defined"),
        ({"hosts": [{"host": "h", "port": 70000}]}, "hosts[0].port: port out of range"),
        ({"checkInterval": "often"}, 'checkInterval: expected a number, got "often"'),
        ({"useCredentials": True}, "credentials: useCredentials is set but no user is given"),
    ],
)
def test_broker_refusals(props: dict[str, Any], expected: str) -> None:
    [line] = _problems(broker(LOCAL, **props))
    assert expected in line


def test_consumer_refusals() -> None:
    base = {"broker": "kb", "topics": [{"topic": "t", "offset": 0, "partition": 0}]}
    assert _problems(broker(LOCAL), node("c", "Kafka Consumer", **base)) == []
    [line] = _problems(broker(LOCAL), node("c", "Kafka Consumer", encoding="hex", **base))
    assert 'encoding: unknown encoding "hex"' in line
    [line] = _problems(
        broker(LOCAL), node("g", "Kafka Consumer Group", broker="kb", topics=["t"],
                            fromOffset="middle"))  # fmt: skip
    assert 'fromOffset: expected latest, earliest or none, got "middle"' in line
    [line] = _problems(node("k", "kafka in", brokerUrl="", topic="t"))
    assert "brokerUrl: no broker URL given" in line
