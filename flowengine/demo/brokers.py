"""The demo's brokers: default addresses (as ``scripts/services.sh`` records them), a
reachability check, consumer-group start positions and record counts per Kafka topic.

kafka-python is imported by the functions that need it, never at module import.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "BrokerError",
    "Endpoint",
    "TopicCounter",
    "default_endpoint",
    "parse_endpoint",
    "services_endpoints",
    "position_new_groups",
    "check_mqtt",
    "check_reachable",
    "ensure_topics",
]

#: the standard ports, used when scripts/services.sh has recorded none
STANDARD_PORTS = {"mosquitto": 1883, "kafka": 9092}
#: what kafka-python may wait for one request (ms): a status line must not hang for minutes
KAFKA_REQUEST_MS = 10_000


class BrokerError(Exception):
    """A broker cannot be used; the message is one line for the user."""


@dataclass(frozen=True)
class Endpoint:
    """Where a service listens (also the tests' and benchmarks' broker address)."""

    host: str
    port: int

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_endpoint(text: str) -> Endpoint:
    """``HOST:PORT`` (``[v6]:PORT`` too) → :class:`Endpoint`; ValueError with a reason."""
    host, sep, port_text = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host:
        raise ValueError(f"expected HOST:PORT, got {text!r}")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"bad port in {text!r}")
    return Endpoint(host, int(port_text))


def services_endpoints(output: str) -> dict[str, Endpoint]:
    """The ``NAME=HOST:PORT`` lines ``scripts/services.sh`` prints, by lower-case name."""
    found: dict[str, Endpoint] = {}
    for line in output.splitlines():
        name, sep, address = line.strip().partition("=")
        host, colon, port = address.rpartition(":")
        if sep and colon and port.isdigit():
            found[name.lower()] = Endpoint(host, int(port))
    return found


def services_dir(repo: Path) -> Path:
    """Where ``scripts/services.sh`` keeps its state (``$FLOWENGINE_SERVICES_DIR``)."""
    configured = os.environ.get("FLOWENGINE_SERVICES_DIR")
    return Path(configured) if configured else repo / ".cache" / "services"


def default_endpoint(service: str, repo: Path) -> Endpoint:
    """127.0.0.1 and the port ``scripts/services.sh`` recorded for ``service`` (mosquitto or
    kafka), else the standard port."""
    try:
        text = (services_dir(repo) / service / "port").read_text().strip()
        if text.isdigit():
            return Endpoint("127.0.0.1", int(text))
    except OSError:
        pass
    return Endpoint("127.0.0.1", STANDARD_PORTS[service])


def check_reachable(what: str, option: str, endpoint: Endpoint, timeout: float = 3.0) -> None:
    """A TCP connection to ``endpoint`` works, else :class:`BrokerError` saying how to fix it."""
    try:
        with socket.create_connection((endpoint.host, endpoint.port), timeout=timeout):
            return
    except OSError as e:
        reason = e.strerror or str(e) or type(e).__name__
    raise BrokerError(
        f"cannot reach the {what} at {endpoint.address} ({option}): {reason.lower()}; "
        "start the brokers with: bash scripts/services.sh up"
    )


#: MQTT 3.1.1 CONNECT: clean session, keep-alive 60 s, empty client id (the broker assigns one)
_MQTT_CONNECT = b"\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00"
_MQTT_DISCONNECT = b"\xe0\x00"


def check_mqtt(endpoint: Endpoint, timeout: float = 5.0) -> None:
    """The broker at ``endpoint`` accepts an MQTT 3.1.1 connection, else :class:`BrokerError`
    (a TCP port that answers is not enough: it may be Kafka's)."""
    check_reachable("MQTT broker", "--mqtt", endpoint, timeout)
    problem = ""
    try:
        with socket.create_connection((endpoint.host, endpoint.port), timeout=timeout) as conn:
            conn.sendall(_MQTT_CONNECT)
            answer = b""
            while len(answer) < 4:
                chunk = conn.recv(4 - len(answer))
                if not chunk:
                    break
                answer += chunk
            if len(answer) < 4 or answer[:2] != b"\x20\x02":
                problem = "does not answer as an MQTT broker"
            elif answer[3] != 0:
                problem = f"refused the connection (CONNACK return code {answer[3]})"
            else:
                conn.sendall(_MQTT_DISCONNECT)
    except OSError as e:
        problem = f"does not answer as an MQTT broker ({e.strerror or e or type(e).__name__})"
    if problem:
        raise BrokerError(f"the MQTT broker at {endpoint.address} (--mqtt) {problem}")


def _kafka_error(kafka: Endpoint, e: Exception) -> BrokerError:
    text = str(e) or type(e).__name__
    return BrokerError(f"Kafka at {kafka.address} (--kafka) does not answer: {text}")


def position_new_groups(kafka: Endpoint, groups: Iterable[tuple[str, str]]) -> list[str]:
    """For each ``(group, topic)`` whose group has no committed offset on ``topic`` yet, commit
    the topic's current end; returns those groups.

    A new group then starts exactly there whenever it joins, whatever its ``fromOffset``: a
    first demo run neither replays an old ``broker_message`` (``earliest``) nor misses the
    readings sent while the groups are still joining (``latest``). Groups that have committed
    before resume where they stopped, as the flows would.
    """
    from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition
    from kafka.errors import KafkaError

    positioned: list[str] = []
    try:
        for group, topic in groups:
            consumer = KafkaConsumer(
                bootstrap_servers=kafka.address,
                group_id=group,
                enable_auto_commit=False,
                request_timeout_ms=KAFKA_REQUEST_MS,
            )
            try:
                partitions = [
                    TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()
                ]
                if not partitions or any(consumer.committed(tp) is not None for tp in partitions):
                    continue
                ends = consumer.end_offsets(partitions)
                consumer.commit({tp: OffsetAndMetadata(ends[tp], "", -1) for tp in partitions})
                positioned.append(group)
            finally:
                consumer.close()
    except KafkaError as e:
        raise _kafka_error(kafka, e) from None
    return positioned


def ensure_topics(kafka: Endpoint, topics: Iterable[str]) -> list[str]:
    """Create the missing ``topics`` (one partition each); returns those created."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import KafkaError, TopicAlreadyExistsError

    try:
        admin = KafkaAdminClient(
            bootstrap_servers=kafka.address, request_timeout_ms=KAFKA_REQUEST_MS
        )
    except KafkaError as e:
        raise _kafka_error(kafka, e) from None
    created: list[str] = []
    try:
        existing = set(admin.list_topics())
        for topic in topics:
            if topic in existing:
                continue
            try:
                admin.create_topics([NewTopic(topic, 1, 1)])
                created.append(topic)
            except TopicAlreadyExistsError:
                pass
    except KafkaError as e:
        raise _kafka_error(kafka, e) from None
    finally:
        admin.close()
    return created


class TopicCounter:
    """Records written to some topics since :meth:`start` (end offsets, all partitions).

    Blocking (kafka-python): call it from a worker thread, not from the engine's loop.
    """

    def __init__(self, kafka: Endpoint, topics: Iterable[str]) -> None:
        self.kafka = kafka
        self.topics = list(topics)
        self._consumer: Any = None
        self._baseline: dict[str, int] = {}

    def _ends(self) -> dict[str, int]:
        from kafka import KafkaConsumer, TopicPartition

        if self._consumer is None:
            self._consumer = KafkaConsumer(
                bootstrap_servers=self.kafka.address, request_timeout_ms=KAFKA_REQUEST_MS
            )
        consumer = self._consumer
        ends: dict[str, int] = {}
        for topic in self.topics:
            partitions = [
                TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()
            ]
            ends[topic] = sum(consumer.end_offsets(partitions).values()) if partitions else 0
        return ends

    def start(self) -> None:
        """Take the current ends as zero."""
        self._baseline = self._ends()

    def counts(self) -> dict[str, int] | None:
        """Records per topic since :meth:`start`; None when Kafka does not answer."""
        from kafka.errors import KafkaError

        try:
            ends = self._ends()
        except (KafkaError, OSError):
            return None
        return {t: ends[t] - self._baseline.get(t, 0) for t in self.topics}

    def close(self) -> None:
        if self._consumer is not None:
            try:
                self._consumer.close()
            except Exception:
                pass  # closing a consumer that lost its broker must not fail the stop
            self._consumer = None
