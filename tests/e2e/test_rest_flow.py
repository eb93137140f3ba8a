"""``flows/Node-RED-REST.json`` as is, run by ``python -m flowengine run`` with ``--host-map``.

mqtt in ``iotkit/alert`` (real Mosquitto) → change (JSON body) → http request POST to the
Camunda-speaking server → debug. The IoTKit message set is published; only the two
alerts reach the flow. Node-RED's own behaviour for the same flow is checked by
``test_golden_e2e.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.camunda import CamundaServer
from tests.support.services import Endpoint

from .iotkit import IOTKIT_MESSAGES, REST_FLOW, WAIT, engine, publisher

pytestmark = pytest.mark.timeout(900)

#: The change node's JSON, as JSON.stringify writes the parsed object (key order kept).
CAMUNDA_BODY = (
    b'{"variables":{"rnr":{"value":"123","type":"long"},'
    b'"rbetrag":{"value":"200.00","type":"String"}}}'
)
MQTT_DEBUG = "f27144e9.024e58"
RESPONSE_DEBUG = "8a6cfac7.0ed5e8"


def test_rest_flow_as_is(
    e2e_mosquitto: Endpoint, camunda_server: CamundaServer, tmp_path: Path
) -> None:
    args = [
        str(REST_FLOW),
        "--host-map", f"iotkit.mc-b.ch={e2e_mosquitto.address}",
        "--host-map", f"camunda=127.0.0.1:{camunda_server.port}",
    ]  # fmt: skip
    alerts = [m for m in IOTKIT_MESSAGES if m.topic == "iotkit/alert"]
    assert len(alerts) == 2
    with engine(args, tmp_path / "debug.jsonl") as flowengine:
        flowengine.wait_log("Subscribed to iotkit/alert on mqtt://127.0.0.1:")
        shown = 0
        with publisher(e2e_mosquitto) as pub:
            for message in IOTKIT_MESSAGES:
                pub.publish(message)
                if message.topic == "iotkit/alert":
                    shown += 2  # the mqtt in's debug, then the response's
                    flowengine.wait_debug(shown)
        assert flowengine.stop() == 0
        stderr = flowengine.stderr
    assert "host map: mqtt-broker 8bf276d0.ab9338: broker: iotkit.mc-b.ch → 127.0.0.1" in stderr
    assert "host map: http request 1b516bca.97aaf4: url: http://camunda:8080/" in stderr
    assert "[error]" not in stderr and "[warn]" not in stderr, stderr

    # What the Camunda server received: one POST per alert, the change node's JSON.
    requests = camunda_server.requests
    assert len(requests) == 2
    for request in requests:
        assert request.method == "POST"
        assert request.path == "/engine-rest/process-definition/key/RechnungStep3/start"
        assert request.body == CAMUNDA_BODY
        assert request.headers["content-type"] == "application/json"
        assert request.headers["content-length"] == str(len(CAMUNDA_BODY))
        assert request.headers["host"] == f"127.0.0.1:{camunda_server.port}"
        assert request.status == 200

    # What --debug-out shows: the alert payloads (NUL-terminated → Buffer, as Node-RED's
    # "auto" decides; plain text → string), and each http response's payload, in order.
    lines = [json.loads(line) for line in (tmp_path / "debug.jsonl").read_text().splitlines()]
    assert lines == [
        {"debug": MQTT_DEBUG, "name": "",
         "msg": {"type": "Buffer", "data": list(b"alert: hall\0")}},
        {"debug": RESPONSE_DEBUG, "name": "", "msg": camunda_server.instances[0]},
        {"debug": MQTT_DEBUG, "name": "", "msg": "alert: hall"},
        {"debug": RESPONSE_DEBUG, "name": "", "msg": camunda_server.instances[1]},
    ]  # fmt: skip


def test_rest_flow_unknown_process_key_shows_camunda_404(
    e2e_mosquitto: Endpoint, tmp_path: Path
) -> None:
    """A Camunda without the RechnungStep3 definition answers 404: the flow goes on and
    the debug node shows Camunda's error document (ret "obj" parses it)."""
    with CamundaServer(known_keys=()) as camunda:
        args = [
            str(REST_FLOW),
            "--host-map", f"iotkit.mc-b.ch={e2e_mosquitto.address}",
            "--host-map", f"camunda=127.0.0.1:{camunda.port}",
        ]  # fmt: skip
        with engine(args, tmp_path / "debug.jsonl") as flowengine:
            flowengine.wait_log("Subscribed to iotkit/alert")
            with publisher(e2e_mosquitto) as pub:
                pub.publish(IOTKIT_MESSAGES[1])
                [_, response] = flowengine.wait_debug(2, WAIT)
            assert flowengine.stop() == 0
        assert [r.status for r in camunda.requests] == [404]
    assert response == {
        "debug": RESPONSE_DEBUG,
        "name": "",
        "msg": {
            "type": "RestException",
            "message": "No matching process definition with key: RechnungStep3 and no tenant-id",
        },
    }
