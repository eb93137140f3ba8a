"""Firmware tests: the device program's logic, and the simulator against a real Mosquitto."""

from tests.support.fixtures import (  # noqa: F401
    mosquitto,
    pytest_collection_modifyitems,
    unique_topic,
)
