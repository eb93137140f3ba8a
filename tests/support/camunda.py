"""The Camunda-speaking test server: the demo's Camunda stand-in under its test name.

The implementation lives in :mod:`flowengine.demo.camunda_standin` (the demo serves it too);
``CamundaServer`` is :class:`~flowengine.demo.camunda_standin.CamundaStandIn`: it answers
``POST /engine-rest/process-definition/key/{key}/start`` as Camunda 7 does (200 and a process
instance for a known key, 404 ``RestException`` for an unknown one, 400 for a body that is not
JSON), on 127.0.0.1 on a free port, and records every request. See docs/services.md.
"""

from __future__ import annotations

from flowengine.demo.camunda_standin import CamundaStandIn, RecordedRequest

__all__ = ["CamundaServer", "RecordedRequest"]

CamundaServer = CamundaStandIn
