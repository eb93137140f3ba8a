"""The brokers of a benchmark run, started by ``scripts/services.sh`` in private state dirs.

- ``main``: Mosquitto and Kafka 4 (``KAFKA_VERSION`` of the script, 4.4.0), state in
  ``.cache/bench-services/main`` — not the test suite's brokers, so tests running at
  the same time do not share them.
- ``kafka39``: a second, Kafka 3.9 broker (``KAFKA_VERSION=3.9.1``, state in
  ``.cache/bench-services/kafka39``) for node-red-contrib-kafka-manager 0.6.2, whose
  kafka-node client speaks only protocol versions that Kafka 4 removed.

The script picks free ports and keeps each set apart by its state dir, so both Kafka
brokers run at once. Also here: the Kafka side of the seed-flow scenario — topic
creation, the topic's end offset (records counted without consuming them), and the
last records' values (to show what a producer wrote).
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.procs import REPO
from flowengine.demo.brokers import Endpoint, services_endpoints

__all__ = ["BenchServices", "Endpoint", "KafkaTopic"]

STATE_ROOT = REPO / ".cache" / "bench-services"
KAFKA_39_VERSION = "3.9.1"


def _script(action: str, which: str, state_dir: Path, extra_env: dict[str, str]) -> str:
    env = {**os.environ, "FLOWENGINE_SERVICES_DIR": str(state_dir), **extra_env}
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "services.sh"), action, which],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=1200,
    )
    if proc.returncode not in (0, 3):
        raise RuntimeError(f"services.sh {action} {which} failed: {proc.stderr[-2000:]}")
    return proc.stdout


def _endpoint(output: str, name: str) -> Endpoint:
    found = services_endpoints(output).get(name)
    if found is None:
        raise RuntimeError(f"services.sh printed no {name}= line: {output!r}")
    return found


@dataclass
class BenchServices:
    """Starts what a run needs (once) and stops what it started."""

    started: list[tuple[str, Path, dict[str, str]]] = field(default_factory=list)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    #: key → the service's own state dir (its pid file), for brokers that ``_up`` found
    state_dirs: dict[str, Path] = field(default_factory=dict)

    def _up(self, key: str, which: str, state: str, env: dict[str, str]) -> Endpoint:
        if key in self.endpoints:
            return self.endpoints[key]
        state_dir = STATE_ROOT / state
        was_running = _script("status", which, state_dir, env).strip() != ""
        out = _script("up", which, state_dir, env)
        if not was_running:
            self.started.append((which, state_dir, env))
        self.endpoints[key] = _endpoint(out, which)
        self.state_dirs[key] = state_dir / which
        return self.endpoints[key]

    def mosquitto(self) -> Endpoint:
        return self._up("mosquitto", "mosquitto", "main", {})

    def kafka(self) -> Endpoint:
        return self._up("kafka", "kafka", "main", {})

    def kafka39(self) -> Endpoint:
        env = {"KAFKA_VERSION": KAFKA_39_VERSION}
        return self._up("kafka39", "kafka", "kafka39", env)

    def down(self) -> None:
        for which, state_dir, env in reversed(self.started):
            _script("down", which, state_dir, env)
        self.started.clear()
        self.endpoints.clear()
        self.state_dirs.clear()

    def pids(self) -> dict[str, int]:
        """Our broker processes by name (for their CPU per message in the results)."""
        out: dict[str, int] = {}
        for key, state_dir in self.state_dirs.items():
            pid_file = state_dir / "pid"
            if pid_file.exists():
                out[key] = int(pid_file.read_text().strip())
        return out


class KafkaTopic:
    """One single-partition topic of a broker: create it, read its end offset, peek at it."""

    def __init__(self, endpoint: Endpoint, topic: str) -> None:
        from kafka import KafkaConsumer, TopicPartition

        self.endpoint = endpoint
        self.topic = topic
        self.ensure()
        self.partition = TopicPartition(topic, 0)
        self.consumer = KafkaConsumer(
            bootstrap_servers=endpoint.address,
            enable_auto_commit=False,
            client_id="bench-offsets",
            request_timeout_ms=30000,
        )

    def ensure(self) -> None:
        from kafka.admin import KafkaAdminClient, NewTopic
        from kafka.errors import TopicAlreadyExistsError

        admin = KafkaAdminClient(bootstrap_servers=self.endpoint.address, client_id="bench")
        try:
            admin.create_topics([NewTopic(self.topic, 1, 1)])
        except TopicAlreadyExistsError:
            pass
        finally:
            admin.close()
        # The topic's leader must be known before producers start.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self._end_offset_once()
                return
            except Exception:
                time.sleep(0.2)

    def _end_offset_once(self) -> int:
        from kafka import KafkaConsumer, TopicPartition

        consumer = KafkaConsumer(bootstrap_servers=self.endpoint.address)
        try:
            tp = TopicPartition(self.topic, 0)
            return int(consumer.end_offsets([tp])[tp])
        finally:
            consumer.close()

    def end_offset(self) -> int:
        return int(self.consumer.end_offsets([self.partition])[self.partition])

    def last_records(self, count: int) -> list[dict[str, Any]]:
        """The last ``count`` records: key and value as Python values (None = null)."""
        from kafka import KafkaConsumer

        consumer = KafkaConsumer(
            bootstrap_servers=self.endpoint.address,
            enable_auto_commit=False,
            consumer_timeout_ms=5000,
        )
        try:
            consumer.assign([self.partition])
            end = int(consumer.end_offsets([self.partition])[self.partition])
            consumer.seek(self.partition, max(0, end - count))
            out = []
            for record in consumer:
                out.append({"offset": record.offset, "key": record.key, "value": record.value})
                if record.offset >= end - 1:
                    break
            return out
        finally:
            consumer.close()

    def close(self) -> None:
        self.consumer.close()
