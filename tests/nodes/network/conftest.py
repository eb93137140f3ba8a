"""MQTT node tests run against a real Mosquitto (``tests.support.fixtures``)."""

from tests.support.fixtures import (  # noqa: F401
    camunda_server,
    kafka,
    mosquitto,
    pytest_collection_modifyitems,
    unique_topic,
)
