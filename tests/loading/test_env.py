"""Environment variables through the runtime: ``${VAR}`` property substitution,
``env``-typed inputs, the lookup chain (node → groups → tab/subflow → global-config
→ process env) and ``$parent.``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowengine import UNDEFINED, Node
from flowengine.envvars import evaluate_env_property, substitute_env_properties
from flowengine.message import Message
from flowengine.node import Delivery
from flowengine.testing import FlowTestHelper


class EnvProbe(Node):
    """Reports what it sees: env lookups, (substituted) properties, env-typed values."""

    type = "t-env"

    def on_input(self, msg: Message, send: Delivery, done: Callable[..., None]) -> None:
        msg["env"] = {name: self.get_env(name) for name in self.config.get("names", [])}
        msg["props"] = {key: self.config.get(key) for key in self.config.get("props", [])}
        # typed values come in the message: in a node property "${X}" would already
        # have been substituted when the node was created (as in Node-RED)
        msg["typed"] = [self.evaluate(v, "env", msg) for v in msg.get("typed_in", [])]
        msg["creds"] = dict(self.credentials)
        send(msg)
        done()


class GlobalConfigStub(Node):
    """Stands in for the ``global-config`` node: the runtime reads its ``env``."""

    type = "global-config"


TAB = {"id": "t1", "type": "tab", "label": "Env tab"}


def probe(node_id: str = "p", **config: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": "t-env",
        "z": config.pop("z", "t1"),
        "x": 1,
        "y": 1,
        "wires": [["out"]],
        **config,
    }


def out(z: str = "t1") -> dict[str, Any]:
    return {"id": "out", "type": "helper", "z": z, "x": 1, "y": 1, "wires": []}


def run_probe(
    flow: list[dict[str, Any]],
    target: str = "p",
    env: dict[str, str] | None = None,
    credentials: dict[str, Any] | None = None,
    typed: list[str] | None = None,
) -> Message:
    with FlowTestHelper(
        flow,
        env=env,
        credentials=credentials,
        extra_types=[EnvProbe, GlobalConfigStub],
    ) as h:
        h.inject(target, {"typed_in": typed or []})
        [msg] = h.wait_for("out", 1)
    return msg


def test_whole_string_substitution_partial_stays_literal() -> None:
    flow = [
        TAB,
        probe(
            props=["whole", "legacy", "partial", "nested", "missing", "spaced", "number"],
            whole="${FOO}",
            legacy="$(FOO)",
            partial="pre-${FOO}",
            nested={"list": ["${FOO}", "x${FOO}"], "deep": {"v": "${FOO}"}},
            missing="${NOT_SET_ANYWHERE_42}",
            spaced="${ FOO }",
            number=5,
        ),
        out(),
    ]
    msg = run_probe(flow, env={"FOO": "hello"})
    assert msg["props"] == {
        "whole": "hello",
        "legacy": "hello",
        "partial": "pre-${FOO}",
        "nested": {"list": ["hello", "x${FOO}"], "deep": {"v": "hello"}},
        "missing": "${NOT_SET_ANYWHERE_42}",
        "spaced": "${ FOO }",
        "number": 5,
    }


def test_substitution_keeps_the_type_of_typed_env_entries() -> None:
    tab = {
        **TAB,
        "env": [
            {"name": "N", "value": "42", "type": "num"},
            {"name": "B", "value": "true", "type": "bool"},
            # evaluateEnvProperties: value === "true" || value === true (case matters)
            {"name": "B2", "value": "TRUE", "type": "bool"},
            {"name": "J", "value": '{"a": [1, 2]}', "type": "json"},
        ],
    }
    flow = [
        tab,
        probe(props=["n", "b", "b2", "j"], n="${N}", b="${B}", b2="${B2}", j="${J}"),
        out(),
    ]
    msg = run_probe(flow)
    assert msg["props"] == {"n": 42, "b": True, "b2": False, "j": {"a": [1, 2]}}


def test_credentials_are_substituted_too() -> None:
    flow = [TAB, probe(), out()]
    creds = {"p": {"user": "alice", "password": "${DB_PASSWORD}", "note": "x-${DB_PASSWORD}"}}
    msg = run_probe(flow, env={"DB_PASSWORD": "pw"}, credentials=creds)
    assert msg["creds"] == {"user": "alice", "password": "pw", "note": "x-${DB_PASSWORD}"}


def test_env_typed_inputs() -> None:
    tab = {**TAB, "env": [{"name": "TABVAR", "value": "tabval", "type": "str"}]}
    typed = ["FOO", "${FOO}", "pre-${FOO}-${TABVAR}", "UNSET_VAR_42", "a${UNSET_VAR_42}b"]
    msg = run_probe([tab, probe(), out()], env={"FOO": "hello"}, typed=typed)
    assert msg["typed"] == ["hello", "hello", "pre-hello-tabval", "", "ab"]


def test_lookup_order_node_group_tab_global_process() -> None:
    names = ["V", "NR_NODE_NAME", "NR_NODE_ID", "NR_GROUP_NAME", "NR_FLOW_NAME", "NR_FLOW_ID"]
    flow = [
        {"id": "gc", "type": "global-config",
         "env": [{"name": "V", "value": "global", "type": "str"}]},
        {**TAB, "env": [{"name": "V", "value": "tab", "type": "str"}]},
        {"id": "outer", "type": "group", "z": "t1", "name": "Outer", "nodes": ["p2", "inner"],
         "env": [{"name": "V", "value": "outer", "type": "str"}]},
        {"id": "inner", "type": "group", "z": "t1", "g": "outer", "name": "Inner", "nodes": ["p1"],
         "env": [{"name": "V", "value": "inner", "type": "str"}]},
        probe("p1", g="inner", name="probe one", names=names),
        probe("p2", g="outer", names=names),
        probe("p3", names=names),
        out(),
    ]  # fmt: skip
    msg = run_probe(flow, "p1", env={"V": "process"})
    assert msg["env"] == {
        "V": "inner",
        "NR_NODE_NAME": "probe one",
        "NR_NODE_ID": "p1",
        "NR_GROUP_NAME": "Inner",
        "NR_FLOW_NAME": "Env tab",
        "NR_FLOW_ID": "t1",
    }
    assert run_probe(flow, "p2", env={"V": "process"})["env"]["V"] == "outer"
    assert run_probe(flow, "p3", env={"V": "process"})["env"]["V"] == "tab"
    # Without the tab's entry the global-config node's env is next, then the process env.
    flow[1] = TAB
    assert run_probe(flow, "p3", env={"V": "process"})["env"]["V"] == "global"
    flow[0] = {"id": "gc", "type": "global-config", "env": []}
    assert run_probe(flow, "p3", env={"V": "process"})["env"]["V"] == "process"


def test_parent_prefix_skips_a_level() -> None:
    flow = [
        {**TAB, "env": [{"name": "V", "value": "tab", "type": "str"}]},
        {"id": "outer", "type": "group", "z": "t1", "nodes": ["inner"],
         "env": [{"name": "V", "value": "outer", "type": "str"}]},
        {"id": "inner", "type": "group", "z": "t1", "g": "outer", "nodes": ["p"],
         "env": [{"name": "V", "value": "inner", "type": "str"},
                 {"name": "FROM_PARENT", "value": "$parent.V", "type": "env"}]},
        probe(g="inner", names=["V", "$parent.V", "FROM_PARENT"]),
        out(),
    ]  # fmt: skip
    msg = run_probe(flow, env={"V": "process"}, typed=["$parent.V"])
    assert msg["env"] == {"V": "inner", "$parent.V": "outer", "FROM_PARENT": "outer"}
    assert msg["typed"] == ["outer"]


def test_env_entry_naming_itself_reads_the_parent_level() -> None:
    # node-red#2099: {"name": "HOST", "type": "env", "value": "HOST"} means the outer HOST
    tab = {
        **TAB,
        "env": [
            {"name": "HOST", "value": "HOST", "type": "env"},
            {"name": "URL", "value": "http://${HOST}:${PORT}/", "type": "env"},
            {"name": "PORT", "value": "1880", "type": "num"},
        ],
    }
    msg = run_probe([tab, probe(names=["HOST", "URL", "PORT"]), out()], env={"HOST": "example"})
    # env-typed entries are evaluated last, so URL sees PORT although it comes later
    assert msg["env"] == {"HOST": "example", "URL": "http://example:1880/", "PORT": 1880}


def test_subflow_env_instance_overrides_template() -> None:
    flow = [
        {**TAB, "env": [{"name": "TABONLY", "value": "from-tab", "type": "str"}]},
        {"id": "sf", "type": "subflow", "name": "Sub",
         "in": [{"x": 1, "y": 1, "wires": [{"id": "sp"}]}],
         "out": [{"x": 1, "y": 1, "wires": [{"id": "sp", "port": 0}]}],
         "env": [{"name": "A", "value": "template-a", "type": "str"},
                 {"name": "B", "value": "template-b", "type": "str"}]},
        probe("sp", z="sf", wires=[[]], names=["A", "B", "TABONLY", "NR_SUBFLOW_NAME"],
              props=["a"], a="${A}"),
        {"id": "inst", "type": "subflow:sf", "z": "t1", "name": "my instance", "x": 1, "y": 1,
         "env": [{"name": "B", "value": "instance-b", "type": "str"}], "wires": [["out"]]},
        out(),
    ]  # fmt: skip
    msg = run_probe(flow, "inst")
    assert msg["env"] == {
        "A": "template-a",
        "B": "instance-b",
        "TABONLY": "from-tab",
        "NR_SUBFLOW_NAME": "my instance",
    }
    assert msg["props"] == {"a": "template-a"}


def test_tab_env_cred_entries_come_from_the_tab_credentials() -> None:
    tab = {**TAB, "env": [{"name": "TOKEN", "value": "", "type": "cred"}]}
    flow = [tab, probe(names=["TOKEN"], props=["t"], t="${TOKEN}"), out()]
    msg = run_probe(flow, credentials={"t1": {"TOKEN": "tok-123"}})
    assert msg["env"] == {"TOKEN": "tok-123"}
    assert msg["props"] == {"t": "tok-123"}


def test_global_config_cred_entries() -> None:
    flow: list[dict[str, Any]] = [
        {
            "id": "gc",
            "type": "global-config",
            "env": [{"name": "KEY", "value": "", "type": "cred"}],
        },
        TAB,
        probe(names=["KEY"]),
        out(),
    ]
    msg = run_probe(flow, credentials={"gc": {"map": {"KEY": "k"}}})
    assert msg["env"] == {"KEY": "k"}


def test_substitute_env_properties_unit() -> None:
    values = {"A": "a", "NUM": 3, "NULL": None}

    def lookup(name: str) -> Any:
        return values.get(name, UNDEFINED)

    data = {"x": "${A}", "y": ["$(NUM)", b"${A}"], "z": "${NULL}", "w": "${A}${A}", "u": "${NOPE}"}
    assert substitute_env_properties(data, lookup) == {
        "x": "a",
        "y": [3, b"${A}"],
        "z": None,  # a defined null replaces, as in Node-RED
        "w": "${A}${A}",
        "u": "${NOPE}",
    }
    assert data["x"] == "${A}"  # the input is never edited


def test_evaluate_env_property_unit() -> None:
    values = {"A": "a", "N": None, "NUM": 2}

    def lookup(name: str) -> Any:
        return values.get(name, UNDEFINED)

    assert evaluate_env_property("A", lookup) == "a"
    assert evaluate_env_property("${NUM}", lookup) == 2
    assert evaluate_env_property("x-${NUM}-${N}-${NOPE}", lookup) == "x-2-null-"
    assert evaluate_env_property("MISSING", lookup) == ""
