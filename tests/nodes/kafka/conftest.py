"""Kafka node tests run against a real Kafka 4 broker (``tests.support.fixtures``)."""

from tests.support.fixtures import (  # noqa: F401
    kafka,
    mosquitto,
    pytest_collection_modifyitems,
    unique_topic,
)
