"""How Node-RED's editor draws each node type: colour, ports, icon, alignment, label.

Node-RED keeps this in each type's editor definition (``RED.nodes.registerType`` in the
node's ``.html``): ``color``, ``inputs``/``outputs``, ``icon``, ``align``, ``button`` and a
``label`` function that computes the text on the node from its properties (the name,
else a default such as the topic for ``mqtt in`` or ``msg.payload`` for ``debug``). The
table below restates those facts for Node-RED 5.0.7's core nodes and the Kafka node
packages the reference flows use; the label functions are re-implemented in Python.

A type missing from the table is drawn as Node-RED draws a type whose module is not
installed (``unknown``: pale red, dashed border, label ``unknown: <type>``) unless the
engine's registry knows it, in which case it gets a plain grey look.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flowengine.jsvalues import UNDEFINED, js_string, js_truthy, to_number

__all__ = [
    "DEFAULT_COLOR",
    "as_list",
    "NodeDef",
    "get_def",
    "node_label",
    "palette_label",
    "subflow_def",
    "unknown_def",
]

DEFAULT_COLOR = "#ddd"
SUBFLOW_DEFAULT_COLOR = "#DDAA99"

Item = Mapping[str, Any]
Lookup = Callable[[str], Item | None]
LabelFn = Callable[[Item, Lookup], Any]


@dataclass(frozen=True)
class NodeDef:
    """One type's editor definition (the parts that affect drawing)."""

    type: str
    category: str = ""
    color: str | None = None
    inputs: int = 0
    outputs: int = 0
    icon: str = "arrow-in"
    align: str | None = None
    #: the node has a button (inject, debug); ``button_toggle`` names the property that
    #: dims it when false; ``button_visible`` hides it for some nodes (debug: tosidebar)
    button: bool = False
    button_toggle: str | None = None
    button_visible: Callable[[Item], bool] | None = None
    label: LabelFn | str | None = None
    #: True when ``labelStyle`` returns ``node_label_italic`` for this node
    italic: Callable[[Item], bool] = field(default=lambda n: bool(n.get("name")))
    #: link in/out hide their label (``showLabel: false``) unless the node sets ``l``
    show_label: bool = True
    #: properties in ``defaults`` that make ports per node (``inputs``/``outputs``)
    port_props: frozenset[str] = frozenset()
    #: outputs that depend on other properties (the node's own ``outputs`` property, when
    #: in ``port_props`` and set, still wins; an unparsable one defers to ``wires``)
    outputs_for: Callable[[Item], int] | None = None
    palette: str | None = None
    unknown: bool = False

    def color_or_default(self) -> str:
        return self.color or DEFAULT_COLOR


# ---- JavaScript-ish helpers for label functions -----------------------------------------


def as_list(value: Any) -> list[Any]:
    """``value`` when it is a list, else an empty one (flow files hold anything)."""
    return value if isinstance(value, list) else []


def _js_len(value: Any) -> int | None:
    """``value.length`` (None for values without one, as JS gives undefined)."""
    if isinstance(value, str | list):
        return len(value)
    return None


def _context_key(key: Any) -> str:
    """``RED.utils.parseContextKey(key).key``: the key without a ``#:(store)::`` prefix."""
    text = js_string(key) if key is not None else ""
    if text.startswith("#:(") and ")::" in text:
        return text[text.index(")::") + 3 :]
    return text


# ---- label functions (one per core type, as each type's editor definition) ---------------


def _inject_label(n: Item, _: Lookup) -> Any:
    suffix = " ¹" if js_truthy(n.get("once")) else ""
    repeat = n.get("repeat")
    if (repeat and to_number(repeat) != 0) or n.get("crontab"):
        suffix = "\t↻"
    if n.get("name"):
        return f"{n['name']}{suffix}"
    payload = n.get("payload") or ""
    payload_type = n.get("payloadType") or "str"
    topic = n.get("topic") or ""
    if payload_type in ("string", "str", "num", "bool", "json"):
        plen, tlen = _js_len(payload), _js_len(topic)
        if topic != "" and plen is not None and tlen is not None and tlen + plen <= 32:
            return f"{js_string(topic)}:{js_string(payload)}{suffix}"
        if plen is not None and 0 < plen < 24:
            return f"{js_string(payload)}{suffix}"
        return f"inject{suffix}"
    type_words = {"date": "timestamp", "bin": "buffer", "env": "env variable"}
    if payload_type in type_words:
        tlen = _js_len(topic)
        if topic != "" and tlen is not None and tlen <= 16:
            return f"{js_string(topic)}:{type_words[payload_type]}{suffix}"
        return f"{type_words[payload_type]}{suffix}"
    if payload_type in ("flow", "global"):
        return f"{payload_type}.{_context_key(payload)}{suffix}"
    return f"inject{suffix}"


def _debug_label(n: Item, _: Lookup) -> Any:
    suffix = "\t⇲" if n.get("console") in (True, "true") else ""
    if n.get("targetType") == "jsonata":
        return (n.get("name") or "JSONata") + suffix
    complete = n.get("complete")
    if complete in (True, "true"):
        return (n.get("name") or "msg") + suffix
    prop = "payload" if (not complete or complete == "false") else js_string(complete)
    return (n.get("name") or f"msg.{prop}") + suffix


def _scoped_label(word: str, group_word: str, uncaught: bool = False) -> LabelFn:
    def label(n: Item, _: Lookup) -> Any:
        if n.get("name"):
            return n["name"]
        scope = n.get("scope")
        if scope == "group":
            return f"{word}: group"
        if isinstance(scope, list):
            return f"{word}: {len(scope)}"
        if uncaught and n.get("uncaught"):
            return f"{word}: uncaught"
        return f"{word}: all"

    return label


def _complete_label(n: Item, _: Lookup) -> Any:
    if n.get("name"):
        return n["name"]
    scope = n.get("scope")
    if not isinstance(scope, list):
        return None  # this.scope.length throws: the editor falls back to the type
    return f"complete: {len(scope)}"


def _link_call_label(n: Item, lookup: Lookup) -> Any:
    if n.get("name"):
        return n["name"]
    if n.get("linkType") == "dynamic":
        return "Dynamic"
    links = n.get("links")
    if isinstance(links, list) and links:
        target = lookup(links[0]) if isinstance(links[0], str) else None
        return (target.get("name") or "link call") if target is not None else None
    return "none"


def _change_label(n: Item, _: Lookup) -> Any:
    if n.get("name"):
        return n["name"]
    verbs = {"set": "set", "change": "change", "move": "move"}
    rules = n.get("rules")
    if not rules:
        prop = f"msg.{js_string(n.get('property'))}"
        action = n.get("action")
        verb = {"replace": "set", "change": "change", "move": "move"}.get(action or "", "delete")
        return f"{verb} {prop}"
    if len(rules) == 1:
        rule = rules[0] if isinstance(rules[0], dict) else {}
        prop = f"{rule.get('pt') or 'msg'}.{_context_key(rule.get('p'))}"
        return f"{verbs.get(rule.get('t') or '', 'delete')} {prop}"
    return f"change: {len(rules)} rules"


def _range_label(n: Item, _: Lookup) -> Any:
    minout, maxout = n.get("minout"), n.get("maxout")
    if minout != "" and maxout != "":
        return n.get("name") or f"{js_string(minout)} - {js_string(maxout)}"
    return n.get("name") or "range"


def _delay_label(n: Item, _: Lookup) -> Any:
    if n.get("name"):
        return n["name"]
    pause = n.get("pauseType")
    if pause == "delayv":
        return "variable"
    if pause == "delay":
        units_word = n.get("timeoutUnits")
        units = units_word[0] if units_word else "s"
        if units_word == "milliseconds":
            units = "ms"
        return f"delay {js_string(n.get('timeout'))}{units}"
    if pause == "random":
        return "random"
    rate_units = n.get("rateUnits")
    if rate_units:
        nb = n.get("nbRateUnits")
        per = (js_string(nb) if to_number(nb) > 1 else "") + rate_units[0]
    else:
        per = "s"
    rate = f"{js_string(n.get('rate'))} msg/{per}"
    if pause == "rate":
        return f"limit {rate}"
    if pause == "timed":
        return f"limit topic {rate}"
    if pause == "burst":
        return f"burst {rate}"
    return f"limit topic {rate}"


def _trigger_label(n: Item, _: Lookup) -> Any:
    duration = to_number(n.get("duration", UNDEFINED))
    units = js_string(n.get("units")) if n.get("units") is not None else "undefined"
    if duration > 0:
        return n.get("name") or f"trigger {js_string(n.get('duration'))}{units}"
    if duration < 0:
        return n.get("name") or f"resend every {js_string(-duration)}{units}"
    return n.get("name") or "trigger & block"


def _rbe_label(n: Item, _: Lookup) -> Any:
    func = (n.get("func") or "").replace("Eq", "", 1)
    func = func.replace("rbei", "filter", 1).replace("rbe", "filter", 1)
    return n.get("name") or func or "filter"


def _join_label(n: Item, _: Lookup) -> Any:
    label = n.get("name") or "join"
    count = to_number(n.get("count", UNDEFINED))
    if n.get("mode") == "custom" and count == count:  # not NaN
        label += f" {js_string(n.get('count'))}"
        if n.get("accumulate") is True:
            label += "+"
    return label


def _batch_label(n: Item, _: Lookup) -> Any:
    label = n.get("name") or "batch"
    count, interval = to_number(n.get("count", UNDEFINED)), to_number(n.get("interval", UNDEFINED))
    if n.get("mode") == "count" and count == count:
        label += f" {js_string(n.get('count'))}"
    if n.get("mode") == "interval" and interval == interval:
        label += f" {js_string(n.get('interval'))}s"
    return label


def _file_label(n: Item, _: Lookup) -> Any:
    fn = n.get("filename") or ""
    ftype = n.get("filenameType")
    if ftype not in ("str", "env"):
        fn = ""
    if ftype == "env":
        fn = f"env.{fn}"
    if n.get("overwriteFile") == "delete":
        return n.get("name") or f"delete {fn}"
    return n.get("name") or fn or "write file"


def _file_in_label(n: Item, _: Lookup) -> Any:
    fn = n.get("filename") or ""
    ftype = n.get("filenameType")
    if ftype not in ("str", "env"):
        fn = ""
    if ftype == "env":
        fn = f"env.{fn}"
    return n.get("name") or fn or "read file"


def _http_in_label(n: Item, _: Lookup) -> Any:
    if n.get("name"):
        return n["name"]
    url = n.get("url")
    if url:
        path = url[1:] if url.startswith("/") else url
        return f"[{js_string(n.get('method'))}] /{path}"
    return "http"


def _http_response_label(n: Item, _: Lookup) -> Any:
    code = n.get("statusCode")
    return n.get("name") or ("http" + (f" ({js_string(code)})" if code else ""))


def _mqtt_in_label(n: Item, _: Lookup) -> Any:
    label = "mqtt"
    if n.get("topicType") != "dynamic" and n.get("topic"):
        label = n["topic"]
    return n.get("name") or label


def _mqtt_broker_label(n: Item, _: Lookup) -> Any:
    if n.get("name"):
        return n["name"]
    broker = n.get("broker") or "undefined"
    label = (f"{n['clientid']}@" if n.get("clientid") else "") + js_string(broker)
    if "://" not in js_string(broker):
        port = n.get("port")
        label += f":{js_string(port)}" if port else ":1883"
    return label


def _tcp_label(host_key: str) -> LabelFn:
    def label(n: Item, _: Lookup) -> Any:
        host = n.get(host_key)
        return (
            n.get("name")
            or f"tcp:{js_string(host) + ':' if host else ''}{js_string(n.get('port'))}"
        )

    return label


def _udp_in_label(n: Item, _: Lookup) -> Any:
    if n.get("multicast") != "true":
        return n.get("name") or f"udp {js_string(n.get('port'))}"
    return n.get("name") or f"udp {js_string(n.get('group'))}:{js_string(n.get('port'))}"


def _exec_label(n: Item, _: Lookup) -> Any:
    command = js_string(n.get("command") or "").replace("\\n ", "\\\\n ")
    return n.get("name") or command or ("spawn" if n.get("useSpawn") == "true" else "exec")


def _kafka_broker_label(n: Item, _: Lookup) -> Any:
    if n.get("name"):
        return n["name"]
    hosts = as_list(n.get("hosts"))
    return " ".join(f"{js_string(h.get('host'))}:{js_string(h.get('port'))}" for h in hosts)


def _name_or(default: str) -> LabelFn:
    def label(n: Item, _: Lookup) -> Any:
        return n.get("name") or default

    return label


def _always_italic(_: Item) -> bool:
    return True


def _debug_button_visible(n: Item) -> bool:
    return n.get("tosidebar") is not False and n.get("tosidebar") != "false"


def _ml_score_outputs(item: Item) -> int:
    """ml-score has a second output (low confidence) when ``minConfidence`` is set."""
    return 1 if item.get("minConfidence") in (None, "") else 2


_DEFS: dict[str, NodeDef] = {}


def _define(*defs: NodeDef) -> None:
    for d in defs:
        _DEFS[d.type] = d


_define(
    # common
    NodeDef("inject", "common", "#a6bbcf", 0, 1, "inject", button=True, label=_inject_label),
    NodeDef(
        "debug",
        "common",
        "#87a980",
        1,
        0,
        "debug",
        align="right",
        button=True,
        button_toggle="active",
        button_visible=_debug_button_visible,
        label=_debug_label,
    ),
    NodeDef("complete", "common", "#c0edc0", 0, 1, "alert", label=_complete_label),
    NodeDef("catch", "common", "#e49191", 0, 1, "alert", label=_scoped_label("catch", "", True)),
    NodeDef("status", "common", "#94c1d0", 0, 1, "status", label=_scoped_label("status", "")),
    NodeDef(
        "link in", "common", "#ddd", 0, 1, "link-out", label=_name_or("link in"), show_label=False
    ),
    NodeDef(
        "link out",
        "common",
        "#ddd",
        1,
        0,
        "link-out",
        align="right",
        label=lambda n, _: (
            n.get("name") or ("link return" if n.get("mode") == "return" else "link out")
        ),
        show_label=False,
    ),
    NodeDef("link call", "common", "#ddd", 1, 1, "link-call", label=_link_call_label),
    NodeDef("comment", "common", "#ffffff", 0, 0, "comment", label=_name_or("comment")),
    NodeDef("global-config", "config", label="global-config"),
    # function
    NodeDef(
        "function",
        "function",
        "#fdd0a2",
        inputs=1,
        outputs=1,
        icon="function",
        label=_name_or(""),
        port_props=frozenset({"outputs"}),
    ),
    NodeDef(
        "switch",
        "function",
        "#E2D96E",
        inputs=1,
        outputs=1,
        icon="switch",
        label=_name_or("switch"),
        port_props=frozenset({"outputs"}),
    ),
    NodeDef("change", "function", "#E2D96E", inputs=1, outputs=1, icon="swap", label=_change_label),
    NodeDef("range", "function", "#E2D96E", inputs=1, outputs=1, icon="range", label=_range_label),
    NodeDef(
        "template",
        "function",
        "rgb(243, 181, 103)",
        inputs=1,
        outputs=1,
        icon="template",
        label=_name_or("template"),
    ),
    NodeDef(
        "delay",
        "function",
        "#E6E0F8",
        inputs=1,
        outputs=1,
        icon="timer",
        label=_delay_label,
        port_props=frozenset({"outputs"}),
    ),
    NodeDef(
        "trigger",
        "function",
        "#E6E0F8",
        inputs=1,
        outputs=1,
        icon="trigger",
        label=_trigger_label,
        port_props=frozenset({"outputs"}),
    ),
    NodeDef("exec", "function", "darksalmon", 1, 3, "cog", label=_exec_label),
    NodeDef(
        "rbe",
        "function",
        "#E2D96E",
        inputs=1,
        outputs=1,
        icon="rbe",
        label=_rbe_label,
        palette="filter",
    ),
    # network
    NodeDef(
        "mqtt in",
        "network",
        "#d8bfd8",
        0,
        1,
        "bridge",
        label=_mqtt_in_label,
        port_props=frozenset({"inputs"}),
    ),
    NodeDef(
        "mqtt out",
        "network",
        "#d8bfd8",
        1,
        0,
        "bridge",
        align="right",
        label=lambda n, _: n.get("name") or n.get("topic") or "mqtt",
    ),
    NodeDef("mqtt-broker", "config", label=_mqtt_broker_label, italic=lambda n: False),
    NodeDef("tls-config", "config", label=_name_or("TLS configuration")),
    NodeDef(
        "http proxy",
        "config",
        label=lambda n, _: n.get("name") or n.get("url") or f"http proxy:{n.get('id')}",
        italic=lambda n: False,
    ),
    NodeDef(
        "http request",
        "network",
        "rgb(231, 231, 174)",
        inputs=1,
        outputs=1,
        icon="white-globe",
        label=_name_or("http request"),
    ),
    NodeDef("http in", "network", "rgb(231, 231, 174)", 0, 1, "white-globe", label=_http_in_label),
    NodeDef(
        "http response",
        "network",
        "rgb(231, 231, 174)",
        1,
        0,
        "white-globe",
        align="right",
        label=_http_response_label,
    ),
    NodeDef(
        "websocket in",
        "network",
        "rgb(215, 215, 160)",
        0,
        1,
        "white-globe",
        label=_name_or("websocket"),
    ),
    NodeDef(
        "websocket out",
        "network",
        "rgb(215, 215, 160)",
        1,
        0,
        "white-globe",
        align="right",
        label=_name_or("websocket"),
    ),
    NodeDef("tcp in", "network", "Silver", 0, 1, "bridge-dash", label=_tcp_label("host")),
    NodeDef(
        "tcp out", "network", "Silver", 1, 0, "bridge-dash", align="right", label=_tcp_label("host")
    ),
    NodeDef(
        "tcp request",
        "network",
        "Silver",
        inputs=1,
        outputs=1,
        icon="bridge-dash",
        label=_tcp_label("server"),
    ),
    NodeDef("udp in", "network", "Silver", 0, 1, "bridge-dash", label=_udp_in_label),
    NodeDef(
        "udp out",
        "network",
        "Silver",
        1,
        0,
        "bridge-dash",
        align="right",
        label=lambda n, _: (
            n.get("name") or f"udp {js_string(n.get('addr'))}:{js_string(n.get('port'))}"
        ),
    ),
    # parsers
    NodeDef(
        "json", "parser", "#DEBD5C", inputs=1, outputs=1, icon="parser-json", label=_name_or("json")
    ),
    NodeDef(
        "csv", "parser", "#DEBD5C", inputs=1, outputs=1, icon="parser-csv", label=_name_or("csv")
    ),
    NodeDef(
        "xml", "parser", "#DEBD5C", inputs=1, outputs=1, icon="parser-xml", label=_name_or("xml")
    ),
    NodeDef(
        "yaml", "parser", "#DEBD5C", inputs=1, outputs=1, icon="parser-yaml", label=_name_or("yaml")
    ),
    NodeDef(
        "html",
        "parser",
        "#DEBD5C",
        inputs=1,
        outputs=1,
        icon="parser-html",
        label=lambda n, _: n.get("name") or n.get("tag") or "html",
    ),
    # sequence
    NodeDef(
        "split", "sequence", "#E2D96E", inputs=1, outputs=1, icon="split", label=_name_or("split")
    ),
    NodeDef("join", "sequence", "#E2D96E", inputs=1, outputs=1, icon="join", label=_join_label),
    NodeDef(
        "sort", "sequence", "#E2D96E", inputs=1, outputs=1, icon="sort", label=_name_or("sort")
    ),
    NodeDef("batch", "sequence", "#E2D96E", inputs=1, outputs=1, icon="batch", label=_batch_label),
    # storage
    NodeDef(
        "file",
        "storage",
        "BurlyWood",
        inputs=1,
        outputs=1,
        icon="file-out",
        label=_file_label,
        palette="write file",
    ),
    NodeDef(
        "file in",
        "storage",
        "BurlyWood",
        inputs=1,
        outputs=1,
        icon="file-in",
        label=_file_in_label,
        palette="read file",
    ),
    NodeDef(
        "watch",
        "storage",
        "BurlyWood",
        0,
        1,
        "watch",
        label=lambda n, _: n.get("name") or n.get("files") or "watch",
    ),
    # node-red-contrib-kafka-manager (no colour: the editor's default grey)
    NodeDef("Kafka Broker", "config", label=_kafka_broker_label),
    NodeDef(
        "Kafka Producer",
        "output",
        None,
        1,
        0,
        "fa-paper-plane",
        button=True,
        label=_name_or("Kafka Producer"),
        italic=_always_italic,
    ),
    NodeDef(
        "Kafka Consumer",
        "function",
        None,
        0,
        1,
        "fa-inbox",
        button=True,
        label=_name_or("Kafka Consumer"),
        italic=_always_italic,
    ),
    NodeDef(
        "Kafka Consumer Group",
        "input",
        None,
        0,
        1,
        "fa-shopping-basket",
        button=True,
        label=_name_or("Kafka Consumer Group"),
        italic=_always_italic,
    ),
    NodeDef(
        "Kafka Commit",
        "input",
        None,
        1,
        2,
        "fa-thumbs-up",
        label=_name_or("Kafka Commit"),
        italic=_always_italic,
    ),
    NodeDef(
        "Kafka Rollback",
        "input",
        None,
        1,
        2,
        "fa-thumbs-down",
        label=_name_or("Kafka Rollback"),
        italic=_always_italic,
    ),
    NodeDef(
        "Kafka Offset",
        "function",
        None,
        1,
        2,
        "fa-info",
        button=True,
        label=_name_or("Kafka Offset"),
        italic=_always_italic,
    ),
    NodeDef(
        "Kafka Admin",
        "function",
        None,
        1,
        2,
        "fa-cogs",
        button=True,
        label=_name_or("Kafka Admin"),
        italic=_always_italic,
    ),
    # node-red-contrib-kafka-node-latest
    NodeDef(
        "kafka",
        "output",
        "#FFFFFF",
        1,
        0,
        "kafka",
        align="right",
        label=_name_or("kafka"),
        italic=lambda n: False,
    ),
    NodeDef(
        "kafka in",
        "input",
        "#FFFFFF",
        0,
        1,
        "kafka",
        label=_name_or("kafka"),
        italic=lambda n: False,
    ),
    # flowengine's own
    NodeDef(
        "ml-score",
        "function",
        "#C0DEED",
        inputs=1,
        outputs=1,
        icon="cog",
        label=_name_or("ml-score"),
        port_props=frozenset({"outputs"}),
        outputs_for=_ml_score_outputs,
    ),
)


def get_def(node_type: str, known: Callable[[str], bool] | None = None) -> NodeDef:
    """The definition for ``node_type``; unknown types get Node-RED's unknown look
    unless ``known(node_type)`` says the engine has the type (then a plain one)."""
    found = _DEFS.get(node_type)
    if found is not None:
        return found
    if known is not None and known(node_type):
        return NodeDef(node_type, "function", DEFAULT_COLOR, 1, 1, "arrow-in", label=node_type)
    return unknown_def(node_type)


def unknown_def(node_type: str) -> NodeDef:
    """Node-RED's stand-in for a type whose module is not installed."""
    return NodeDef(
        node_type,
        "unknown",
        "#fee",
        0,
        0,
        "alert",
        label=f"unknown: {node_type}",
        italic=_always_italic,
        unknown=True,
    )


def subflow_def(subflow: Item) -> NodeDef:
    """The definition Node-RED makes for the instances of one subflow."""
    ins = as_list(subflow.get("in"))
    outs = as_list(subflow.get("out"))
    sf_name = subflow.get("name") or ""
    return NodeDef(
        f"subflow:{subflow.get('id')}",
        subflow.get("category") or "subflows",
        subflow.get("color") or SUBFLOW_DEFAULT_COLOR,
        len(ins),
        len(outs),
        icon="subflow",
        label=lambda n, _: n.get("name") or sf_name,
    )


def node_label(item: Item, definition: NodeDef, lookup: Lookup) -> str:
    """``RED.utils.getNodeLabel(node, node.type)``: the label, else the type name."""
    label = definition.label
    try:
        text = label(item, lookup) if callable(label) else label
    except Exception:  # the editor catches a failing label function likewise
        text = None
    if not text:
        text = item.get("type") or ""
    return text if isinstance(text, str) else str(item.get("type") or "")


def palette_label(definition: NodeDef) -> str:
    return definition.palette or definition.type
