"""The admin API subset and the operations endpoints, over real HTTP."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from flowengine.flowfile import load_flow_files
from flowengine.jsvalues import UNDEFINED
from flowengine.registry import default_registry
from flowengine.web import start_view

from .live import LiveRuntime, http

REPO = Path(__file__).resolve().parents[2]
KAFKA_FLOW = REPO / "flows" / "Node-RED-Kafka.json"
#: Node-RED 5.0.7's ``rev`` for flows/Node-RED-Kafka.json (GET /flows, v2), recorded
KAFKA_FLOW_REV = "bcf81e952b3d7f6758ef0183e698c16b2802b9bcd0852e1460fe0435771387e2"
V2 = {"Node-RED-API-Version": "v2"}


def _flow() -> list[dict[str, Any]]:
    return [
        {"id": "t1", "type": "tab", "label": "api"},
        {
            "id": "inj",
            "type": "inject",
            "z": "t1",
            "name": "",
            "props": [{"p": "payload"}],
            "repeat": "",
            "crontab": "",
            "once": False,
            "onceDelay": 0.1,
            "topic": "",
            "payload": "hello",
            "payloadType": "str",
            "x": 100,
            "y": 80,
            "wires": [["chg"]],
        },
        {
            "id": "chg",
            "type": "change",
            "z": "t1",
            "name": "",
            "rules": [{"t": "set", "p": "topic", "pt": "msg", "to": "t", "tot": "str"}],
            "x": 260,
            "y": 80,
            "wires": [["dbg"]],
        },
        {
            "id": "dbg",
            "type": "debug",
            "z": "t1",
            "name": "",
            "active": True,
            "tosidebar": True,
            "console": False,
            "tostatus": False,
            "complete": "payload",
            "targetType": "msg",
            "x": 420,
            "y": 80,
            "wires": [],
        },
    ]


@pytest.fixture
def kafka_view() -> Any:
    flowset = load_flow_files([str(KAFKA_FLOW)], None, allow_unknown=True)
    handle = start_view(flowset, default_registry(), port=0)
    try:
        yield handle
    finally:
        handle.stop()


def test_get_flows_is_the_flow_file(kafka_view: Any) -> None:
    status, headers, body = http(kafka_view.url + "flows")
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == json.loads(KAFKA_FLOW.read_text())


def test_get_flows_v2_has_node_reds_rev(kafka_view: Any) -> None:
    status, _, body = http(kafka_view.url + "flows", headers=V2)
    assert status == 200
    data = json.loads(body)
    assert data["flows"] == json.loads(KAFKA_FLOW.read_text())
    assert data["rev"] == KAFKA_FLOW_REV


def test_get_flows_with_an_unknown_api_version_is_400(kafka_view: Any) -> None:
    status, _, body = http(kafka_view.url + "flows", headers={"Node-RED-API-Version": "v9"})
    assert status == 400
    assert json.loads(body)["code"] == "invalid_api_version"


def test_view_mode_state_health_and_no_inject(kafka_view: Any) -> None:
    assert json.loads(http(kafka_view.url + "flows/state")[2]) == {"state": "stop"}
    status, _, body = http(kafka_view.url + "health")
    assert status == 200
    assert json.loads(body)["ready"] is True
    assert http(kafka_view.url + "inject/c7e8bd77.5df84", "POST")[0] == 404


def test_credentials_never_leave_the_process(tmp_path: Path) -> None:
    flow = [
        {"id": "t1", "type": "tab", "label": "creds"},
        {
            "id": "req",
            "type": "http request",
            "z": "t1",
            "name": "",
            "method": "GET",
            "ret": "txt",
            "url": "http://127.0.0.1:9/",
            "authType": "basic",
            "x": 100,
            "y": 100,
            "wires": [[]],
            "credentials": {"user": "alice", "password": "pa55-w0rd"},
        },
    ]
    path = tmp_path / "flows.json"
    path.write_text(json.dumps(flow))
    flowset = load_flow_files([str(path)], None, allow_unknown=True)
    handle = start_view(flowset, default_registry(), port=0)
    try:
        everything = b"".join(
            http(handle.url + p, headers=V2)[2]
            for p in ("flows", "viewer/model", "viewer/tabs/t1.svg", "flows/state")
        )
        assert b"pa55-w0rd" not in everything
        assert b"alice" not in everything
        model = json.loads(http(handle.url + "viewer/model")[2])
        assert model["nodes"]["req"]["credentials"] == ["password", "user"]
        assert "credentials" not in model["nodes"]["req"]["properties"]
    finally:
        handle.stop()


def test_nodes_lists_the_registered_types_as_node_sets() -> None:
    with LiveRuntime(_flow()) as live:
        status, headers, body = live.request("/nodes", headers={"Accept": "application/json"})
        assert status == 200
        sets = json.loads(body)
        types = {t for s in sets for t in s["types"]}
        assert {"inject", "debug", "change", "mqtt in", "Kafka Producer"} <= types
        inject_set = next(s for s in sets if "inject" in s["types"])
        assert set(inject_set) >= {"id", "name", "types", "enabled", "module", "version"}
        status, headers, body = live.request("/nodes")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert b"inject" in body


def test_inject_route_runs_the_node_and_counts_show_in_metrics() -> None:
    seen: list[Any] = []
    with LiveRuntime(_flow()) as live:
        live.runtime.on("debug", lambda node, value, *_: seen.append(value))
        status, _, _ = live.request("/inject/inj", "POST")
        assert status == 200
        assert _wait(lambda: seen == ["hello"])
        assert live.request("/inject/nope", "POST")[:3:2] == (404, b"Not Found")
        props = json.dumps(
            {"__user_inject_props__": [{"p": "payload", "v": "custom", "vt": "str"}]}
        )
        status, _, _ = live.request(
            "/inject/inj", "POST", {"Content-Type": "application/json"}, props.encode()
        )
        assert status == 200
        assert _wait(lambda: seen == ["hello", "custom"])
        # As Node-RED's route: any running node receives an empty message
        assert live.request("/inject/chg", "POST")[:3:2] == (200, b"OK")
        assert _wait(lambda: len(seen) == 3 and seen[2] is UNDEFINED)
        text = live.request("/metrics")[2].decode()
        assert (
            'flowengine_node_messages_in_total{node="dbg",type="debug",name="",flow="t1"} 3' in text
        )
        assert (
            'flowengine_node_messages_out_total{node="inj",type="inject",name="",flow="t1"} 2'
            in text
        )


def test_flows_state_and_health_while_running() -> None:
    with LiveRuntime(_flow()) as live:
        assert json.loads(live.request("/flows/state")[2]) == {"state": "start"}
        status, _, body = live.request("/health")
        data = json.loads(body)
        assert status == 200
        assert data["live"] is True and data["ready"] is True and data["flows"] == "start"
        assert data["brokers"] == []


def test_metrics_is_prometheus_text() -> None:
    with LiveRuntime(_flow()) as live:
        live.request("/inject/inj", "POST")
        status, headers, body = live.request("/metrics")
        assert status == 200
        assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = body.decode()
        sample = re.compile(r'^[a-z_]+(\{([a-z]+="[^"]*",?)*\})? [-0-9.e+]+$')
        for line in text.splitlines():
            assert line.startswith("# ") or sample.match(line), line
        for family in (
            "flowengine_node_messages_in_total",
            "flowengine_node_messages_out_total",
            "flowengine_node_errors_total",
            "flowengine_queue_depth",
            "flowengine_hop_latency_seconds",
            "flowengine_broker_connected",
        ):
            assert f"# TYPE {family} " in text
        assert 'flowengine_hop_latency_seconds_bucket{le="+Inf"}' in text or (
            "flowengine_hop_latency_seconds_count" not in text
        )


def test_hop_latency_histogram_fills_from_the_probe() -> None:
    with LiveRuntime(_flow()) as live:
        assert live.ui is not None
        observer = live.ui.hub.observer
        assert observer is not None
        deadline_reached = _wait(
            lambda: observer.latency is not None and observer.latency.count >= 3
        )
        assert deadline_reached
        text = live.request("/metrics")[2].decode()
        count = int(re.search(r"flowengine_hop_latency_seconds_count (\d+)", text).group(1))  # type: ignore[union-attr]
        inf = int(re.search(r'_bucket\{le="\+Inf"\} (\d+)', text).group(1))  # type: ignore[union-attr]
        assert count >= 3 and inf == count


def _wait(predicate: Any, timeout: float = 30.0) -> bool:
    import threading
    import time

    deadline = time.monotonic() + timeout
    event = threading.Event()
    while time.monotonic() < deadline:
        if predicate():
            return True
        event.wait(0.05)
    return bool(predicate())
