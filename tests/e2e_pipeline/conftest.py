"""Fixtures of the microservice-flow tests: private brokers, as ``tests/e2e`` uses them.

The flows read and write fixed topics (``broker_message``, ``iot``) in fixed consumer
groups (``iot``, ``streams-pipe``, ``alert``), so topics cannot be unique per test. The
tests run on a Mosquitto and a Kafka of their own (``e2e_mosquitto``, ``e2e_kafka``:
``tests/e2e/conftest.py``'s approach, a private state dir for this session), and every
test first commits each group's offset at the current end of ``broker_message``
(``pipeline.position_groups_at_end``), so it sees only the records it produces.
"""

from __future__ import annotations

from tests.e2e.conftest import (  # noqa: F401
    e2e_kafka,
    e2e_mosquitto,
    e2e_services_dir,
)
from tests.support.fixtures import (  # noqa: F401
    camunda_server,
    pytest_collection_modifyitems,
)
