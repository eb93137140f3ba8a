"""Fixtures for the tests of the test-support code itself."""

from tests.support.fixtures import (  # noqa: F401
    camunda_server,
    kafka,
    mosquitto,
    pytest_collection_modifyitems,
    unique_topic,
)
