"""Tests of scripts/services.sh and the Camunda-speaking server.

Script tests use private state dirs (their own ports and data), so they never touch
the services other tests share.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .camunda import CamundaServer
from .services import SCRIPT, Endpoint, service_down, service_status, service_up

pytestmark = pytest.mark.timeout(900)


def _pid(state: Path, service: str) -> int:
    return int((state / service / "pid").read_text().strip())


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _mqtt_roundtrip(endpoint: Endpoint) -> bytes:
    """Publish a retained QoS 1 message, read it back with a second client."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    writer = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="services-test")
    writer.connect(endpoint.host, endpoint.port)
    writer.loop_start()
    try:
        writer.publish("services/test", b"x", qos=1, retain=True).wait_for_publish(30)
    finally:
        writer.loop_stop()
        writer.disconnect()
    got: queue.Queue[bytes] = queue.Queue()
    reader = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="services-test-reader")
    reader.on_message = lambda c, u, m: got.put(bytes(m.payload))
    reader.connect(endpoint.host, endpoint.port)
    reader.subscribe("services/test", qos=1)
    reader.loop_start()
    try:
        return got.get(timeout=30)
    finally:
        reader.loop_stop()
        reader.disconnect()


def test_mosquitto_up_status_idempotent_restart_down(tmp_path: Path) -> None:
    state = tmp_path / "services"
    assert service_status("mosquitto", state) is None
    endpoint = service_up("mosquitto", state)
    assert endpoint.host == "127.0.0.1"
    pid = _pid(state, "mosquitto")
    assert _running(pid)
    assert _mqtt_roundtrip(endpoint) == b"x"
    # Idempotent: a second up leaves the running broker alone.
    assert service_up("mosquitto", state) == endpoint
    assert _pid(state, "mosquitto") == pid
    assert service_status("mosquitto", state) == endpoint
    # down + up: same port, persistence keeps the retained message.
    service_down("mosquitto", state)
    assert not _running(pid)
    assert service_status("mosquitto", state) is None
    again = service_up("mosquitto", state)
    assert again == endpoint
    assert _mqtt_roundtrip(again) == b"x"
    service_down("mosquitto", state)
    assert not _running(_pid_or_zero(state, "mosquitto"))
    service_down("mosquitto", state)  # down of a stopped service is fine


def _pid_or_zero(state: Path, service: str) -> int:
    path = state / service / "pid"
    return int(path.read_text()) if path.exists() else 0


def test_mosquitto_config_keeps_qos2_under_load(tmp_path: Path) -> None:
    state = tmp_path / "services"
    service_up("mosquitto", state)
    try:
        conf = (state / "mosquitto" / "mosquitto.conf").read_text()
        assert "listener " in conf and " 127.0.0.1" in conf
        assert "allow_anonymous true" in conf
        assert "max_inflight_messages 0" in conf
        assert "max_queued_messages 0" in conf
    finally:
        service_down("mosquitto", state)


def test_kafka_up_metadata_idempotent_down(tmp_path: Path) -> None:
    from kafka import KafkaConsumer, KafkaProducer

    state = tmp_path / "services"
    endpoint = service_up("kafka", state)
    pid = _pid(state, "kafka")
    try:
        assert service_up("kafka", state) == endpoint
        assert _pid(state, "kafka") == pid
        assert service_status("kafka", state) == endpoint
        producer = KafkaProducer(bootstrap_servers=endpoint.address)
        producer.send("services-test", b"hello", key=b"").get(60)
        producer.close()
        consumer = KafkaConsumer(
            "services-test",
            bootstrap_servers=endpoint.address,
            auto_offset_reset="earliest",
            consumer_timeout_ms=60000,
        )
        record = next(iter(consumer))
        consumer.close()
        assert record.value == b"hello"
        assert (state / "kafka" / "kafka.log").stat().st_size > 0
    finally:
        service_down("kafka", state)
    assert not _running(pid)
    assert service_status("kafka", state) is None


def test_usage_errors() -> None:
    result = subprocess.run(
        ["bash", str(SCRIPT), "bogus"], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 2
    assert "usage" in result.stderr
    result = subprocess.run(
        ["bash", str(SCRIPT), "status", "nosuch"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2


def test_status_of_nothing_exits_3(tmp_path: Path) -> None:
    env = {**os.environ, "FLOWENGINE_SERVICES_DIR": str(tmp_path)}
    result = subprocess.run(
        ["bash", str(SCRIPT), "status"],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 3
    assert result.stdout == ""


def test_session_fixtures(mosquitto: Endpoint, kafka: Endpoint) -> None:
    with socket.create_connection((mosquitto.host, mosquitto.port), timeout=10):
        pass
    with socket.create_connection((kafka.host, kafka.port), timeout=10):
        pass


# ---- Camunda-speaking server ---------------------------------------------------------


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_camunda_start_known_key(camunda_server: CamundaServer) -> None:
    body = b'{"variables":{"rnr":{"value":"123","type":"long"}}}'
    status, doc = _post(
        camunda_server.start_url("RechnungStep3"),
        body,
        {"Content-Type": "application/json", "X-Test": "1"},
    )
    assert status == 200
    assert list(doc) == [
        "links",
        "id",
        "definitionId",
        "businessKey",
        "caseInstanceId",
        "ended",
        "suspended",
        "tenantId",
    ]
    assert str(doc["definitionId"]).startswith("RechnungStep3:1:")
    assert doc["businessKey"] is None and doc["ended"] is False and doc["tenantId"] is None
    links = doc["links"]
    assert isinstance(links, list) and links[0]["rel"] == "self"
    [request] = camunda_server.wait_for(1)
    assert request.method == "POST"
    assert request.body == body
    assert request.json()["variables"]["rnr"]["value"] == "123"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-test"] == "1"
    assert request.status == 200


def test_camunda_unknown_key_and_bad_json() -> None:
    with CamundaServer(known_keys=["Other"]) as server:
        status, doc = _post(server.start_url("RechnungStep3"), b"{}", {})
        assert status == 404
        assert doc == {
            "type": "RestException",
            "message": "No matching process definition with key: RechnungStep3 and no tenant-id",
        }
        status, doc = _post(server.start_url("Other"), b"{not json", {})
        assert status == 400 and doc["type"] == "InvalidRequestException"
        status, _ = _post(server.start_url("Other"), b"", {})
        assert status == 200
        assert [r.status for r in server.wait_for(3)] == [404, 400, 200]
