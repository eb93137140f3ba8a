"""pytest fixtures for tests against real services.

Enable them in a directory's conftest.py by importing them (``pytest_plugins`` is only
honoured in the rootdir conftest)::

    from tests.support.fixtures import (  # noqa: F401
        camunda_server, kafka, mosquitto, pytest_collection_modifyitems, unique_topic,
    )

``mosquitto`` and ``kafka`` are session-scoped: started through ``scripts/services.sh up``
on first use and stopped with ``down`` at the end of the session, unless they were
already running before (then they are used and left running). They yield an
:class:`~tests.support.services.Endpoint` (``host``, ``port``, ``address``).
``pytest_collection_modifyitems`` gives tests that use them a timeout long enough for a
first start (apt-get, Maven download).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterator

import pytest

from .camunda import CamundaServer
from .services import Endpoint, service_down, service_status, service_up

__all__ = [
    "SERVICE_TIMEOUT",
    "camunda_server",
    "kafka",
    "mosquitto",
    "pytest_collection_modifyitems",
    "unique_topic",
]

#: Per-test timeout (s) for tests using a service: covers a first install/download.
SERVICE_TIMEOUT = 900

_SERVICE_FIXTURES = frozenset({"mosquitto", "kafka"})
_counter = itertools.count(1)


def _session_service(name: str) -> Iterator[Endpoint]:
    already = service_status(name)
    if already is not None:
        yield already
        return
    endpoint = service_up(name)
    try:
        yield endpoint
    finally:
        service_down(name)


@pytest.fixture(scope="session")
def mosquitto() -> Iterator[Endpoint]:
    """A Mosquitto broker on 127.0.0.1 for the whole test session."""
    yield from _session_service("mosquitto")


@pytest.fixture(scope="session")
def kafka() -> Iterator[Endpoint]:
    """A single-node Kafka 4 broker (KRaft) on 127.0.0.1 for the whole test session."""
    yield from _session_service("kafka")


@pytest.fixture
def camunda_server() -> Iterator[CamundaServer]:
    """A Camunda-7-speaking HTTP server on 127.0.0.1 (known key: ``RechnungStep3``)."""
    with CamundaServer() as server:
        yield server


@pytest.fixture
def unique_topic(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """``unique_topic("iotkit")`` → ``"iotkit-test_x-1234-1"``: a topic no other test uses.

    Only characters legal in both MQTT topics and Kafka topic names are used.
    """
    test = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)[:60]

    def make(prefix: str = "t") -> str:
        return f"{prefix}-{test}-{os.getpid()}-{next(_counter)}"

    return make


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give tests that need a real service a timeout that covers its first start."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & _SERVICE_FIXTURES and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(SERVICE_TIMEOUT))
