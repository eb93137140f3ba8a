"""``--host-map``: parsing, URL/host rewriting, the node hooks, overrides and the CLI.

The end-to-end runs against real brokers are in ``tests/e2e``; here everything runs
without services (the Camunda-speaking server is an in-process thread).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowengine import default_registry, parse_flows
from flowengine.hostmap import (
    ORIGINAL_KEY,
    HostMap,
    HostMapError,
    HostTarget,
    apply_host_map,
    host_map_overrides,
    host_rewrites,
)
from flowengine.node import Node
from flowengine.runtime import Runtime
from tests.support.camunda import CamundaServer

from .conftest import REPO, cli, lines, node, tab, write_flow

REST_FLOW = REPO / "flows" / "Node-RED-REST.json"
KAFKA_FLOW = REPO / "flows" / "Node-RED-Kafka.json"


def hm(*specs: str) -> HostMap:
    return HostMap.parse(specs)


# ---- parsing ---------------------------------------------------------------------------
def test_parse_names_hosts_ports_and_ipv6() -> None:
    m = hm("camunda=127.0.0.1:8080", "Kafka=[::1]:9093", "iotkit.mc-b.ch=broker.local")
    assert m.target("camunda") == HostTarget("127.0.0.1", 8080)
    assert m.target("KAFKA") == HostTarget("::1", 9093)  # host names are case-insensitive
    assert m.target("iotkit.mc-b.ch") == HostTarget("broker.local", None)
    assert m.target("other") is None
    assert str(HostTarget("::1", 9093)) == "[::1]:9093"
    assert len(m) == 3


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("camunda", "--host-map camunda: expected NAME=HOST[:PORT]"),
        ("=127.0.0.1", "--host-map =127.0.0.1: NAME is empty"),
        ("a=", "--host-map a=: HOST is empty"),
        ("a=b:c", "--host-map a=b:c: HOST port 'c' is not 1-65535"),
        ("a=b:0", "--host-map a=b:0: HOST port '0' is not 1-65535"),
        ("a=b:70000", "--host-map a=b:70000: HOST port '70000' is not 1-65535"),
        ("a=::1", "--host-map a=::1: HOST '::1': write an IPv6 address in brackets"),
        ("a=[::1", "--host-map a=[::1: HOST '[::1': missing ']'"),
        ("a=[nothex]", "--host-map a=[nothex]: HOST '[nothex]': not an IPv6 address"),
        ("a=b/c", "--host-map a=b/c: HOST 'b/c' is not a host name"),
        ("http://a=b", "--host-map http://a=b: NAME port '//a' is not 1-65535"),
    ],
)
def test_parse_errors_are_one_line(spec: str, message: str) -> None:
    with pytest.raises(HostMapError) as caught:
        hm(spec)
    assert str(caught.value) == message


def test_name_with_port_wins_over_plain_name_and_last_entry_wins() -> None:
    m = hm("kafka=10.0.0.1", "kafka:9093=10.0.0.2:1", "kafka=10.0.0.3")
    assert m.target("kafka", 9093) == HostTarget("10.0.0.2", 1)
    assert m.target("kafka", 9092) == HostTarget("10.0.0.3", None)
    assert m.target("kafka") == HostTarget("10.0.0.3", None)


def test_unused_entries_are_reported_as_given() -> None:
    m = hm("camunda=127.0.0.1:1", "kafka:9093=h", "nothing=h")
    m.url("http://camunda:8080/x")
    m.host_port("kafka", 9092)  # the 9093 entry does not match port 9092
    assert m.unused() == ["kafka:9093=h", "nothing=h"]


# ---- rewriting -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "http://camunda:8080/engine-rest/process-definition/key/RechnungStep3/start",
            "http://127.0.0.1:4000/engine-rest/process-definition/key/RechnungStep3/start",
        ),
        ("http://camunda/x?y=1#z", "http://127.0.0.1:4000/x?y=1#z"),
        ("https://user:pw@CAMUNDA:8443", "https://user:pw@127.0.0.1:4000"),
        ("camunda:8080/engine-rest", "127.0.0.1:4000/engine-rest"),  # no scheme: as Node-RED
        ("http://camunda:8080/{{{path}}}", "http://127.0.0.1:4000/{{{path}}}"),
        ("http://[camunda]:1/", "http://127.0.0.1:4000/"),
        ("http://other:8080/x", None),
        ("http://{{host}}:8080/x", None),  # templated hosts are not literal
        ("http://${CAMUNDA}/x", None),
        ("", None),
    ],
)
def test_url_rewrites_only_the_authority(url: str, expected: str | None) -> None:
    assert hm("camunda=127.0.0.1:4000").url(url) == expected


def test_url_keeps_the_port_when_the_target_has_none_and_brackets_ipv6() -> None:
    assert hm("camunda=db.local").url("http://camunda:8080/x") == "http://db.local:8080/x"
    assert hm("camunda=db.local").url("http://camunda/x") == "http://db.local/x"
    assert hm("camunda=[::1]").url("http://camunda:8080/x") == "http://[::1]:8080/x"
    assert hm("camunda=[::1]:81").url("http://camunda/x") == "http://[::1]:81/x"


def test_url_name_with_port_uses_the_scheme_default_port() -> None:
    m = hm("camunda:80=a", "camunda:443=b", "camunda:8080=c")
    assert m.url("http://camunda/x") == "http://a/x"
    assert m.url("https://camunda/x") == "https://b/x"
    assert m.url("http://camunda:8080/x") == "http://c:8080/x"
    assert m.url("camunda/x", default_scheme="http") == "a/x"
    assert m.url("http://camunda:9/x") is None


def test_host_port_keeps_the_property_types() -> None:
    m = hm("iotkit.mc-b.ch=127.0.0.1:41639", "kafka=k.local")
    assert m.host_port("iotkit.mc-b.ch", "1883") == ("127.0.0.1", "41639")
    assert m.host_port("iotkit.mc-b.ch", 1883) == ("127.0.0.1", 41639)
    assert m.host_port("iotkit.mc-b.ch", "") == ("127.0.0.1", "41639")
    assert m.host_port("kafka", 9092) == ("k.local", 9092)
    assert m.host_port("elsewhere", 1) is None
    assert m.host_port(None, 1) is None


def test_host_list_and_host_entries() -> None:
    m = hm("kafka=127.0.0.1:40937", "kafka2=k2")
    assert m.host_list("kafka:9092, kafka2:9093,other:1") == "127.0.0.1:40937, k2:9093,other:1"
    assert m.host_list("kafka://kafka:9092") == "kafka://127.0.0.1:40937"
    assert m.host_list("kafka2") == "k2"
    assert m.host_list("other:9092") is None
    entries = [{"host": "kafka", "port": 9092}, {"host": "other", "port": 1}]
    assert m.host_entries(entries) == [
        {"host": "127.0.0.1", "port": 40937},
        {"host": "other", "port": 1},
    ]
    assert entries[0] == {"host": "kafka", "port": 9092}  # not modified in place
    assert m.host_entries([{"host": "other", "port": 1}]) is None


# ---- the node hooks --------------------------------------------------------------------
def _cls(node_type: str) -> type[Node]:
    return default_registry().get(node_type)


def test_base_node_maps_nothing() -> None:
    assert Node.map_hosts({"url": "http://camunda/"}, hm("camunda=x")) is None
    assert _cls("change").map_hosts({"rules": []}, hm("camunda=x")) is None


@pytest.mark.parametrize(
    ("config", "changed"),
    [
        ({"broker": "iotkit.mc-b.ch", "port": "1883"}, {"broker": "127.0.0.1", "port": "5555"}),
        ({"broker": "iotkit.mc-b.ch", "port": ""}, {"broker": "127.0.0.1", "port": "5555"}),
        ({"broker": "iotkit.mc-b.ch"}, {"broker": "127.0.0.1", "port": "5555"}),
        ({"broker": "mqtt://iotkit.mc-b.ch:1883"}, {"broker": "mqtt://127.0.0.1:5555"}),
        (
            {"broker": "iotkit.mc-b.ch", "url": "mqtts://iotkit.mc-b.ch/"},
            {"url": "mqtts://127.0.0.1:5555/"},
        ),
        ({"broker": "elsewhere", "port": "1883"}, None),
    ],
)
def test_mqtt_broker_hook(config: dict[str, Any], changed: dict[str, Any] | None) -> None:
    mapped = _cls("mqtt-broker").map_hosts(config, hm("iotkit.mc-b.ch=127.0.0.1:5555"))
    assert mapped == (None if changed is None else {**config, **changed})


def test_mqtt_broker_hook_empty_broker_is_localhost_1883() -> None:
    cls = _cls("mqtt-broker")
    assert cls.map_hosts({"broker": ""}, hm("localhost=10.1.1.1:2")) == {
        "broker": "10.1.1.1",
        "port": "2",
    }
    # the configured port was not used (no broker): the mapped broker gets 1883
    assert cls.map_hosts({"broker": "", "port": "1"}, hm("localhost:1883=h")) == {
        "broker": "h",
        "port": "1883",
    }


def test_http_request_hook() -> None:
    cls = _cls("http request")
    config = {"url": "http://camunda:8080/engine-rest/x", "tls": ""}
    assert cls.map_hosts(config, hm("camunda=127.0.0.1:1")) == {
        **config,
        "url": "http://127.0.0.1:1/engine-rest/x",
    }
    assert cls.map_hosts({"url": "camunda/x", "tls": "t1"}, hm("camunda:443=h")) == {
        "url": "h/x",
        "tls": "t1",
    }
    assert cls.map_hosts({"url": ""}, hm("camunda=h")) is None
    assert cls.map_hosts({}, hm("camunda=h")) is None


def test_kafka_broker_hook() -> None:
    cls = _cls("Kafka Broker")
    m = hm("kafka=127.0.0.1:40937")
    config = {"name": "kafka", "hosts": [{"host": "kafka", "port": 9092}], "usetls": False}
    assert cls.map_hosts(config, m) == {**config, "hosts": [{"host": "127.0.0.1", "port": 40937}]}
    legacy = {"hosts": [], "host": "kafka", "port": "9092"}
    assert cls.map_hosts(legacy, m) == {**legacy, "host": "127.0.0.1", "port": "40937"}
    assert cls.map_hosts({"hosts": [], "host": "kafka"}, hm("kafka=k2")) == {
        "hosts": [],
        "host": "k2",
    }
    assert cls.map_hosts({"hosts": [{"host": "other", "port": 1}]}, m) is None
    assert cls.map_hosts({"hostsEnvVar": "KAFKA_HOSTS"}, m) is None  # read at start: not mapped


@pytest.mark.parametrize("node_type", ["kafka", "kafka in"])
def test_kafka_node_latest_hook(node_type: str) -> None:
    cls = _cls(node_type)
    config = {"brokerUrl": "kafka:9092,other:9092", "topic": "t"}
    assert cls.map_hosts(config, hm("kafka=127.0.0.1:40937")) == {
        **config,
        "brokerUrl": "127.0.0.1:40937,other:9092",
    }
    assert cls.map_hosts(config, hm("nobody=x")) is None


# ---- flow sets: rewrites and overrides -------------------------------------------------
def _items(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text()))


def test_rewrites_of_the_rest_flow() -> None:
    m = hm("iotkit.mc-b.ch=127.0.0.1:41639", "camunda=127.0.0.1:8081")
    rewrites = host_rewrites(_items(REST_FLOW), default_registry(), m)
    assert [str(r) for r in rewrites] == [
        "http request 1b516bca.97aaf4: url: "
        "http://camunda:8080/engine-rest/process-definition/key/RechnungStep3/start → "
        "http://127.0.0.1:8081/engine-rest/process-definition/key/RechnungStep3/start",
        "mqtt-broker 8bf276d0.ab9338: broker: iotkit.mc-b.ch → 127.0.0.1, port: 1883 → 41639",
    ]
    assert m.unused() == []


def test_rewrites_of_the_kafka_flow() -> None:
    m = hm("iotkit.mc-b.ch=127.0.0.1:41639", "kafka=127.0.0.1:40937")
    rewrites = host_rewrites(_items(KAFKA_FLOW), default_registry(), m)
    assert [str(r) for r in rewrites] == [
        "mqtt-broker 8a4d6f84.20268: broker: iotkit.mc-b.ch → 127.0.0.1, port: 1883 → 41639",
        "Kafka Broker 33fcb129.b6642e: hosts: kafka:9092 → 127.0.0.1:40937",
    ]


def test_overrides_merge_with_set_and_keep_the_originals() -> None:
    registry = default_registry()
    flowset = parse_flows("rest.json", _items(REST_FLOW), registry)
    m = hm("iotkit.mc-b.ch=127.0.0.1:41639", "camunda=127.0.0.1:8081")
    overrides, _ = host_map_overrides(
        flowset, registry, m, {"8bf276d0.ab9338": {"keepalive": "15"}}
    )
    assert overrides["8bf276d0.ab9338"] == {
        "keepalive": "15",
        "broker": "127.0.0.1",
        "port": "41639",
        ORIGINAL_KEY: {"broker": "iotkit.mc-b.ch", "port": "1883"},
    }
    assert overrides["1b516bca.97aaf4"]["url"].startswith("http://127.0.0.1:8081/engine-rest/")


def test_a_host_set_with_set_is_mapped_too() -> None:
    registry = default_registry()
    flowset = parse_flows("rest.json", _items(REST_FLOW), registry)
    overrides, _ = host_map_overrides(
        flowset,
        registry,
        hm("broker.test=127.0.0.1:2"),
        {"8bf276d0.ab9338": {"broker": "broker.test"}},
    )
    assert overrides["8bf276d0.ab9338"]["broker"] == "127.0.0.1"
    assert overrides["8bf276d0.ab9338"][ORIGINAL_KEY] == {"broker": "broker.test", "port": "1883"}


def test_mapped_broker_keeps_the_configured_name_for_the_topic_rule() -> None:
    """Node-RED adds msg._topic only for a broker configured as localhost/127.0.0.1; the
    name in the flow file decides, not where --host-map sends the connection."""
    registry = default_registry()
    flowset = parse_flows("rest.json", _items(REST_FLOW), registry)
    m = hm("iotkit.mc-b.ch=127.0.0.1:41639")
    overrides, _ = host_map_overrides(flowset, registry, m)
    runtime = Runtime(flowset, registry, overrides=overrides)
    runtime.build()
    broker: Any = runtime.get_node("8bf276d0.ab9338")
    assert broker.broker == "iotkit.mc-b.ch"
    assert broker.options.url == "mqtt://127.0.0.1:41639"
    assert broker.label == "mqtt://127.0.0.1:41639"
    http: Any = runtime.get_node("1b516bca.97aaf4")
    assert http.node_url.startswith("http://camunda:8080/")  # camunda was not mapped

    local = [{**i, "broker": "localhost"} if i["id"] == "8bf276d0.ab9338" else i
             for i in _items(REST_FLOW)]  # fmt: skip
    flowset = parse_flows("rest.json", local, registry)
    overrides, _ = host_map_overrides(flowset, registry, hm("localhost=127.0.0.1:41639"))
    runtime = Runtime(flowset, registry, overrides=overrides)
    runtime.build()
    broker = runtime.get_node("8bf276d0.ab9338")
    assert broker.broker == "localhost"
    assert broker.options.url == "mqtt://127.0.0.1:41639"


def test_nodes_inside_subflows_are_mapped_in_every_instance() -> None:
    registry = default_registry()
    http = node(
        "inner", "http request", z="sf", method="GET", ret="txt", url="http://camunda:8080/x"
    )
    flow = [
        tab(),
        {"id": "sf", "type": "subflow", "name": "S", "in": [], "out": []},
        http,
        {"id": "inst1", "type": "subflow:sf", "z": "t1", "x": 1, "y": 1, "wires": []},
        {"id": "inst2", "type": "subflow:sf", "z": "t1", "x": 1, "y": 1, "wires": []},
    ]
    flowset = parse_flows("flows.json", flow, registry)
    overrides, rewrites = host_map_overrides(flowset, registry, hm("camunda=127.0.0.1:9"))
    assert [r.node_id for r in rewrites] == ["inner"]
    runtime = Runtime(flowset, registry, overrides=overrides)
    runtime.build()
    copies = [n for n in runtime.nodes.values() if n.type == "http request"]
    assert len(copies) == 2
    assert {n.node_url for n in copies} == {"http://127.0.0.1:9/x"}  # type: ignore[attr-defined]


def test_apply_host_map_copies_a_flow_list() -> None:
    items = _items(REST_FLOW)
    mapped = apply_host_map(items, default_registry(), hm("camunda=127.0.0.1:8081"))
    assert items == _items(REST_FLOW)  # the input is not modified
    http = next(i for i in mapped if i["id"] == "1b516bca.97aaf4")
    assert http["url"].startswith("http://127.0.0.1:8081/")
    assert http[ORIGINAL_KEY] == {"url": next(i for i in items if i is not None
                                              and i["id"] == "1b516bca.97aaf4")["url"]}  # fmt: skip
    assert [i for i in mapped if i["id"] != "1b516bca.97aaf4"] == [
        i for i in items if i["id"] != "1b516bca.97aaf4"
    ]


# ---- the command line ------------------------------------------------------------------
def test_cli_info_lists_rewrites_and_unused_names() -> None:
    result = cli("info", str(REST_FLOW), "--host-map", "iotkit.mc-b.ch=127.0.0.1:2",
                 "--host-map", "camunda=127.0.0.1:3", "--host-map", "nobody=x")  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    start = out.index("host map:")
    assert out[start + 1 :] == [
        '  1b516bca.97aaf4 (http request) url: "http://camunda:8080/engine-rest/process-definition'
        '/key/RechnungStep3/start" -> "http://127.0.0.1:3/engine-rest/process-definition/key/'
        'RechnungStep3/start"',
        '  8bf276d0.ab9338 (mqtt-broker) broker: "iotkit.mc-b.ch" -> "127.0.0.1"',
        '  8bf276d0.ab9338 (mqtt-broker) port: "1883" -> "2"',
        "  unused: nobody=x (no network node uses that host)",
    ]


def test_cli_info_json_has_host_map_only_when_asked() -> None:
    plain = json.loads(cli("info", str(REST_FLOW), "--json").stdout)
    assert "host_map" not in plain
    result = cli("info", str(REST_FLOW), "--json", "--host-map", "camunda=h:1")
    info = json.loads(result.stdout)
    assert info["host_map"]["unused"] == []
    [rewrite] = info["host_map"]["rewrites"]
    assert rewrite["id"] == "1b516bca.97aaf4"
    assert rewrite["changes"]["url"]["to"].startswith("http://h:1/engine-rest/")


def test_cli_validate_accepts_host_map_and_warns_about_unused_names() -> None:
    result = cli("validate", str(REST_FLOW), "--host-map", "camunda=h:1", "--host-map", "zz=y")
    assert result.returncode == 0, result.stderr
    assert lines(result.stderr) == [
        f"warning: {REST_FLOW}: --host-map zz=y: no network node uses that host"
    ]


@pytest.mark.parametrize("command", ["run", "validate", "info"])
def test_cli_bad_host_map_is_a_usage_error(command: str) -> None:
    result = cli(command, str(REST_FLOW), "--host-map", "camunda")
    assert result.returncode == 2
    assert lines(result.stderr) == ["flowengine: --host-map camunda: expected NAME=HOST[:PORT]"]


def test_cli_run_posts_to_the_mapped_host(tmp_path: Path) -> None:
    """inject → http request (url names camunda:8080) → debug, with camunda mapped."""
    flow = [
        tab(),
        node("inj", "inject", props=[{"p": "payload"}], repeat="", crontab="", once=True,
             onceDelay="0", topic="", payload='{"variables":{}}', payloadType="json",
             wires=[["req"]]),
        node("req", "http request", name="", method="POST", ret="obj", paytoqs="ignore",
             url="http://camunda:8080/engine-rest/process-definition/key/RechnungStep3/start",
             tls="", persist=False, proxy="", insecureHTTPParser=False, authType="",
             senderr=False, headers=[], wires=[["dbg"]]),
        node("dbg", "debug", name="", active=True, tosidebar=True, console=False,
             tostatus=False, complete="true", targetType="full", wires=[]),
    ]  # fmt: skip
    write_flow(tmp_path, flow)
    with CamundaServer() as server:
        port = server.port
        result = cli("run", "flows.json", "--debug-out", "-", "--until-idle", "0.5",
                     "--host-map", f"camunda=127.0.0.1:{port}", "--host-map", "nobody=x",
                     cwd=tmp_path)  # fmt: skip
        [request] = server.wait_for(1)
        start_url = server.start_url()
    assert result.returncode == 0, result.stderr
    assert "host map: http request req: url: http://camunda:8080/" in result.stderr
    assert "[warn] --host-map nobody=x: no network node uses that host" in result.stderr
    assert request.path == "/engine-rest/process-definition/key/RechnungStep3/start"
    assert request.headers["host"] == f"127.0.0.1:{port}"
    assert request.json() == {"variables": {}}
    [line] = [json.loads(text) for text in lines(result.stdout)]
    assert line["msg"]["statusCode"] == 200
    assert line["msg"]["payload"]["definitionId"].startswith("RechnungStep3:1:")
    assert line["msg"]["responseUrl"] == start_url
