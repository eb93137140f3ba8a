"""``flowengine demo``: the seed tutorial's whole pipeline in one engine process.

A simulated IoTKit board (the firmware's own code) → Mosquitto → the documented flows
(``flows/Node-RED-Kafka.json``, ``flows/Node-RED-REST.json``) → Kafka ``broker_message`` → the
three microservice flows (CSV writer, pipe to ``iot``, Camunda alert) and the scoring flow
(``ml-score`` → topic ``predictions``), with a local Camunda-speaking stand-in for the BPMN
step, and a live status line. See docs/pipeline.md.

- :mod:`.runner` runs it all (:func:`run_demo`);
- :mod:`.brokers` broker addresses, reachability, Kafka topics, groups and record counts;
- :mod:`.status` the status line;
- :mod:`.camunda_standin` the Camunda stand-in (also the tests' Camunda-speaking server).

Importing this package imports nothing heavy (no kafka-python, no scikit-learn).
"""

from __future__ import annotations

from .camunda_standin import CamundaStandIn, RecordedRequest

__all__ = ["CamundaStandIn", "RecordedRequest"]
