"""End-to-end fixtures: the real services of ``tests.support`` (see docs/services.md).

The documented flows subscribe to fixed topics (``iotkit/#``, ``iotkit/alert``) and write
to a fixed Kafka topic (``broker_message``), so these tests cannot make their topics
unique. They run on brokers of their own instead (``e2e_mosquitto``, ``e2e_kafka``:
services started from a private state dir for this session, stopped at its end), so a
test run elsewhere on the shared brokers can never add or take messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fixtures import (  # noqa: F401
    camunda_server,
    pytest_collection_modifyitems,
    unique_topic,
)
from tests.support.services import Endpoint, service_down, service_up


@pytest.fixture(scope="session")
def e2e_services_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-services")


@pytest.fixture(scope="session")
def e2e_mosquitto(e2e_services_dir: Path) -> Iterator[Endpoint]:
    """A Mosquitto only these tests use (the flows' topics are fixed)."""
    endpoint = service_up("mosquitto", e2e_services_dir)
    try:
        yield endpoint
    finally:
        service_down("mosquitto", e2e_services_dir)


@pytest.fixture(scope="session")
def e2e_kafka(e2e_services_dir: Path) -> Iterator[Endpoint]:
    """A Kafka 4 broker only these tests use (``broker_message`` is a fixed topic)."""
    endpoint = service_up("kafka", e2e_services_dir)
    try:
        yield endpoint
    finally:
        service_down("kafka", e2e_services_dir)
