"""``mqtt-broker``: one MQTT connection shared by ``mqtt in``/``mqtt out`` nodes.

Behaviour of Node-RED 5.0.7's ``MQTTBrokerNode`` (``10-mqtt.js``): the broker URL built
from ``broker``/``port``/``usetls`` (or a full ``mqtt://``, ``mqtts://``, ``ws://``,
``wss://`` URL used as is), a client id ``"nodered" + 16 hex`` when empty, protocol
3.1 / 3.1.1 / 5 (with v5 connect, will and publish properties), keepalive, clean
session, session expiry, TLS through a ``tls-config`` node, credentials ``user`` and
``password``, birth / close / will messages, ``autoConnect`` (connect when the first
user registers) and ``autoUnsubscribe``. Users see ``connecting`` / ``connected`` /
``disconnected`` statuses (Node-RED's i18n keys); subscriptions are re-issued after
every reconnect.

Clients: over TCP and TLS (``mqtt``, ``mqtts`` … URLs) the connection is our
``LoopMQTTClient`` (``mqtt_client``), an asyncio protocol on the engine loop: its
callbacks run on the loop directly, every receive buffer is parsed in one pass and
writes go out once per loop iteration (the MQTT bridge benchmark: ~10x less CPU per
message than paho). Websockets (``ws://``, ``wss://``) use paho-mqtt 2.x, whose
network loop runs on its own thread and whose callbacks are handed to the engine loop
through ``runtime.call_threadsafe``. Both offer the same (paho) API to this node, and
all state lives on the engine loop. Reconnects back off from 1 s up to
``settings.mqttReconnectTime`` (ms, default 5000).

Better than Node-RED (node-red#2864): while the connection is down, QoS 1 and 2
publishes wait in a bounded queue (``queueSize``, a property of ours, default 1000)
and are sent after the reconnect; users' status shows the queue depth and an
overflow is an error routed to catch. QoS 0 publishes made while disconnected are
dropped, as in Node-RED (but their ``done`` is called).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from flowengine import ConfigError, JSError, Node, generate_id
from flowengine.hostmap import ORIGINAL_KEY
from flowengine.jsvalues import UNDEFINED, js_json_dumps, js_string, js_truthy, to_number

from .mqtt_client import LoopMQTTClient

if TYPE_CHECKING:
    import ssl

    from flowengine.hostmap import HostMap

__all__ = [
    "STATUS_CONNECTED",
    "STATUS_CONNECTING",
    "STATUS_DISCONNECTED",
    "InvalidTopicError",
    "MQTTBrokerNode",
    "Subscription",
    "is_valid_publish_topic",
    "is_valid_subscription_topic",
    "js_parse_int",
    "topic_matcher",
    "user_properties_from",
]

STATUS_CONNECTING = {"fill": "yellow", "shape": "ring", "text": "node-red:common.status.connecting"}
STATUS_CONNECTED = {"fill": "green", "shape": "dot", "text": "node-red:common.status.connected"}
STATUS_DISCONNECTED = {
    "fill": "red",
    "shape": "ring",
    "text": "node-red:common.status.disconnected",
}

DEFAULT_QUEUE_SIZE = 1000
#: How long a deliberate disconnect waits for in-flight acks and the close message (Node-RED: 2 s).
DISCONNECT_WAIT = 2.0

_SUB_TOPIC_RE = re.compile(r"^(#$|(\+|[^+#]*)(\/(\+|[^+#]*))*(\/(\+|#|[^+#]*))?$)")
_BAD_PUB_TOPIC_RE = re.compile(r"[+#\b\f\n\r\t\v\0]")
_SHARE_RE = re.compile(r"^\$share/[^#+/]+/(.*)", re.DOTALL)
_INT_PREFIX_RE = re.compile(r"^\s*([+-]?\d+)")
_USER_PROPS_RE = re.compile(r"^ *\{")
_IPV6_RE = re.compile(r"^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.%a-zA-Z]*$")
_PROTOCOLS = {3: paho.MQTTv31, 4: paho.MQTTv311, 5: paho.MQTTv5}
_DEFAULT_PORTS = {"mqtt": 1883, "tcp": 1883, "mqtts": 8883, "ssl": 8883, "tls": 8883}
_DEFAULT_PORTS |= {"ws": 80, "wss": 443}
_TLS_SCHEMES = frozenset({"mqtts", "ssl", "tls", "wss"})


# ---- helpers shared with mqtt in / mqtt out ------------------------------------------
def is_valid_subscription_topic(topic: Any) -> bool:
    """Node-RED's ``isValidSubscriptionTopic``."""
    return isinstance(topic, str) and _SUB_TOPIC_RE.match(topic) is not None


def is_valid_publish_topic(topic: Any) -> bool:
    """Node-RED's ``isValidPublishTopic``: non-empty, no wildcard or control characters."""
    return isinstance(topic, str) and bool(topic) and _BAD_PUB_TOPIC_RE.search(topic) is None


def topic_matcher(topic_filter: str) -> Callable[[str], bool]:
    """A predicate telling whether a received topic matches ``topic_filter``.

    As Node-RED's ``matchTopic``: ``$share/<name>/`` is stripped, ``+`` matches one
    non-empty level, a trailing ``/#`` also matches the parent level, ``#`` anything.
    Compiled once per subscription, never per message.
    """
    shared = _SHARE_RE.match(topic_filter)
    if shared:
        topic_filter = shared.group(1)
    if topic_filter == "#":
        # (Node-RED tests for "#" before stripping $share/…, so "$share/g/#" matches
        # nothing there; we match everything, as the broker does.)
        return lambda topic: True
    if "+" not in topic_filter and "#" not in topic_filter:
        return topic_filter.__eq__
    suffix = ""
    body = topic_filter
    if body.endswith("/#"):
        body, suffix = body[:-2], "(/.*)?"
    pattern = "/".join("[^/]+" if level == "+" else re.escape(level) for level in body.split("/"))
    compiled = re.compile(f"^{pattern}{suffix}$", re.DOTALL)
    return lambda topic: compiled.match(topic) is not None


def js_parse_int(value: Any) -> int | None:
    """JavaScript ``parseInt(value)``; None for NaN."""
    if isinstance(value, bool) or value is None or value is UNDEFINED:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return int(value)
    m = _INT_PREFIX_RE.match(js_string(value))
    return int(m.group(1)) if m else None


def user_properties_from(source: Any) -> dict[str, str] | None:
    """Node-RED's ``setUserProperties``: string values kept, others JSON-encoded."""
    if not isinstance(source, dict) or not source:
        return None
    out: dict[str, str] = {}
    for key, value in source.items():
        if isinstance(value, str):
            out[str(key)] = value
        elif value is not None and value is not UNDEFINED:
            try:
                out[str(key)] = js_json_dumps(value)
            except (TypeError, ValueError):
                continue  # dropped silently, as in Node-RED
    return out or None


def _int_prop(value: Any, min_value: int | None = None, max_value: int | None = None) -> int | None:
    v = js_parse_int(value)
    if v is None:
        return None
    if min_value is not None and v < min_value:
        return None
    if max_value is not None and v > max_value:
        return None
    return v


def _str_prop(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _bool_prop(value: Any) -> bool | None:
    if value is True or value == "true":
        return True
    if value is False or value == "false":
        return False
    return None


def _buffer_prop(value: Any) -> bytes | None:
    """Node-RED's ``setBufferProp``: any truthy value through ``Buffer.from``."""
    if value is None or value is UNDEFINED or value is False or value == "" or value == 0:
        return None
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, list):
        return bytes(int(to_number(v)) & 0xFF for v in value)
    if isinstance(value, dict) and value.get("type") == "Buffer":
        return bytes(value.get("data") or [])
    raise TypeError(
        "The first argument must be of type string or an instance of Buffer, ArrayBuffer, or "
        "Array or an Array-like Object."
    )


#: ``publish`` results meaning the client took the message (enum lookups, made once)
_HANDED_OVER = frozenset({MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN})
#: QoS >= 1 publishes handed to the client at once (65 535 packet ids); the rest wait in
#: our backlog.
MAX_IN_CLIENT = 30_000
#: Unacknowledged QoS >= 1 publishes on the wire (a v5 server's receive maximum caps it).
#: A wide window lets a burst wait at the broker rather than in our memory: a 200 000
#: QoS 1 burst through the bridge peaked at 223 MB RSS with 1 000, 141–154 MB with 30 000.
INFLIGHT_WINDOW = 30_000
#: The same for paho (websockets), whose window is a list scanned per acknowledgement.
PAHO_INFLIGHT_WINDOW = 100


class InvalidTopicError(JSError):
    """``Invalid topic specified`` on publish: the user warns (Node-RED's ``err.warn``)."""

    def __init__(self) -> None:
        super().__init__("Invalid topic specified")


# ---- options ---------------------------------------------------------------------------
@dataclass
class LastWill:
    """A birth, close or will message as Node-RED's ``createLWT`` makes it."""

    topic: str
    payload: Any
    qos: int
    retain: bool
    properties: dict[str, Any] = field(default_factory=dict)

    def as_message(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "payload": self.payload,
            "qos": self.qos,
            "retain": self.retain,
            **self.properties,
        }


@dataclass
class ConnectionOptions:
    """Everything needed to open the connection (Node-RED's ``node.options``)."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    client_id: str
    clean: bool
    keepalive: int
    protocol: int
    username: str | None
    password: str | None
    connect_properties: dict[str, Any]
    will: LastWill | None
    #: the broker node's own ``verifyservercert`` (used when the tls-config has none)
    verify_server_cert: bool
    tls_id: str | None

    @property
    def use_tls(self) -> bool:
        return self.scheme in _TLS_SCHEMES


def _make_lwt(
    field_name: str, topic: Any, payload: Any, qos: Any, retain: Any, v5opts: Any
) -> LastWill | None:
    if not topic:
        return None
    if not isinstance(topic, str):
        raise ConfigError(field_name, f"topic must be a string, got {js_string(topic)!r}")
    qos_value = to_number(qos or 0)
    if qos_value not in (0, 1, 2):
        raise ConfigError(field_name, f"QoS must be 0, 1 or 2, got {js_string(qos)!r}")
    message = LastWill(
        topic=topic,
        payload=payload or "",
        qos=int(qos_value),
        retain=retain == "true" or retain is True,
    )
    if isinstance(v5opts, dict) and v5opts:
        opts = dict(v5opts)
        for ours, theirs in (
            ("respTopic", "responseTopic"),
            ("correl", "correlationData"),
            ("expiry", "messageExpiryInterval"),
            ("delay", "willDelayInterval"),
            ("userProps", "userProperties"),
        ):
            if ours in opts:
                opts[theirs] = opts[ours]
        props: dict[str, Any] = {}
        user = opts.get("userProperties")
        if isinstance(user, str) and _USER_PROPS_RE.match(user):
            try:
                parsed = user_properties_from(json.loads(user))
            except ValueError:
                raise ConfigError(field_name, f"user properties are not JSON: {user}") from None
            if parsed:
                props["userProperties"] = parsed
        elif isinstance(user, dict):
            parsed = user_properties_from(user)
            if parsed:
                props["userProperties"] = parsed
        for name in ("contentType", "responseTopic"):
            value = _str_prop(opts.get(name))
            if value is not None:
                props[name] = value
        try:
            correlation = _buffer_prop(opts.get("correlationData"))
        except TypeError as e:
            raise ConfigError(field_name, str(e)) from None
        if correlation is not None:
            props["correlationData"] = correlation
        for name in ("messageExpiryInterval", "willDelayInterval"):
            if name in opts:
                number = _int_prop(opts[name])
                if number is not None:
                    props[name] = number
        message.properties = props
    return message


def _payload_bytes(payload: Any) -> tuple[Any, bytes]:
    """Node-RED's payload conversion for publishing: (value for msg.payload, bytes)."""
    if payload is None or payload is UNDEFINED:
        return "", b""
    t = type(payload)
    if t is str:
        return payload, payload.encode("utf-8")
    if t is bytes:
        return payload, payload
    if t is bytearray:
        return payload, bytes(payload)
    text = js_json_dumps(payload) if t is dict or t is list else js_string(payload)
    return text, text.encode("utf-8")


def _proxy_env_for(scheme: str, host: str, env: Callable[[str], Any]) -> str | None:
    """The proxy Node-RED's ``getProxyForUrl`` would pick for a ws/wss broker URL."""
    no_proxy = str(env("no_proxy") or env("NO_PROXY") or "")
    for entry in (e.strip().lower() for e in no_proxy.split(",") if e.strip()):
        if entry == "*":
            return None
        entry = entry.lstrip("*").split(":")[0]
        if host == entry or (entry.startswith(".") and host.endswith(entry)):
            return None
        if host.endswith("." + entry):
            return None
    for name in (f"npm_config_{scheme}_proxy", f"{scheme}_proxy", "npm_config_proxy", "all_proxy"):
        value = env(name) or env(name.upper())
        if value:
            return name
    return None


def build_connection_options(
    props: dict[str, Any],
    credentials: dict[str, Any],
    node: MQTTBrokerNode,
) -> ConnectionOptions:
    """Node-RED's ``setOptions`` + URL building, from the merged property set."""
    broker = props.get("broker")
    broker = "" if broker is None else broker
    if not isinstance(broker, str):
        raise ConfigError("broker", f"expected a host name or URL, got {js_string(broker)!r}")
    url = props.get("url")
    if url and isinstance(url, str):
        broker_url = url
    elif "://" in broker:
        broker_url = broker
    else:
        scheme = "mqtts" if js_truthy(props.get("usetls")) else "mqtt"
        if broker:
            port_value = props.get("port")
            port_text = js_string(port_value) if port_value not in (None, "", 0) else "1883"
            host = f"[{broker}]" if _IPV6_RE.match(broker) else broker
            broker_url = f"{scheme}://{host}:{port_text}"
        else:
            broker_url = f"{scheme}://localhost:1883"
    try:
        parts = urlsplit(broker_url)
        port = parts.port
    except ValueError as e:
        raise ConfigError("port", f"invalid broker URL {broker_url!r}: {e}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ConfigError(
            "broker",
            f'unsupported protocol "{scheme}" in {broker_url!r} '
            "(supported: mqtt, mqtts, tcp, ssl, tls, ws, wss)",
        )
    host = parts.hostname or "localhost"
    if port is None:
        port = _DEFAULT_PORTS[scheme]
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    if scheme in ("ws", "wss"):
        proxy = _proxy_env_for(scheme, host, node.runtime.process_env)
        if proxy:
            raise ConfigError(
                "broker",
                f"MQTT over websockets through a proxy ({proxy} is set) is not supported",
            )

    clientid = props.get("clientid") or ""
    if not isinstance(clientid, str):
        clientid = js_string(clientid)
    clean = props.get("cleansession")
    clean = True if clean is None else js_truthy(clean)
    if not clean and not clientid:
        clean = True
        node.warn("No client ID set, using clean session")
    keepalive_value = props.get("keepalive")
    if keepalive_value is None:
        keepalive = 60
    else:
        number = to_number(keepalive_value)
        if number != number or number < 0:
            raise ConfigError("keepalive", f"expected seconds, got {js_string(keepalive_value)!r}")
        keepalive = int(number)
    compat = props.get("compatmode")
    version = props.get("protocolVersion")
    if compat == "true" or compat is True or js_string(version) == "3":
        protocol = 3
    elif js_string(version) == "5":
        protocol = 5
    else:
        protocol = 4
    connect_properties: dict[str, Any] = {}
    if protocol == 5:
        connect_properties["requestResponseInformation"] = 1
        connect_properties["requestProblemInformation"] = 1
        user = props.get("userProperties", props.get("userProps"))
        if isinstance(user, str) and _USER_PROPS_RE.match(user):
            try:
                parsed = user_properties_from(json.loads(user))
            except ValueError:
                raise ConfigError("userProps", f"user properties are not JSON: {user}") from None
            if parsed:
                connect_properties["userProperties"] = parsed
        expiry = props.get("sessionExpiry", props.get("sessionExpiryInterval"))
        if expiry and expiry != "0":
            value = js_parse_int(expiry)
            if value is None:
                raise ConfigError("sessionExpiry", f"expected seconds, got {js_string(expiry)!r}")
            connect_properties["sessionExpiryInterval"] = value
    username = credentials.get("user")
    password = credentials.get("password")
    if parts.username:
        username = unquote(parts.username)
        password = unquote(parts.password) if parts.password else None
    # The tls-config node is looked up when connecting: it may be created after us
    # (the loader has already checked that the id names a tls-config node).
    tls_id = str(props["tls"]) if js_truthy(props.get("usetls")) and props.get("tls") else None
    verify = props.get("verifyservercert")
    return ConnectionOptions(
        url=broker_url,
        scheme=scheme,
        host=host,
        port=port,
        path=path,
        client_id=clientid or "nodered" + generate_id(),
        clean=clean,
        keepalive=keepalive,
        protocol=protocol,
        username=None if username in (None, "") else js_string(username),
        password=None if password is None else js_string(password),
        connect_properties=connect_properties,
        will=node.will,
        verify_server_cert=verify == "true" or verify is True,
        tls_id=tls_id,
    )


def _paho_properties(packet_type: int, props: dict[str, Any]) -> Properties | None:
    """Our (mqtt.js-named) v5 properties → paho ``Properties``; None when empty."""
    if not props:
        return None
    out = Properties(packet_type)
    for name, value in props.items():
        attr = _PAHO_NAMES.get(name)
        if attr is None:
            continue
        if name == "userProperties":
            value = list(value.items())
        elif name in _FLAG_PROPERTIES:
            value = int(bool(value))
        setattr(out, attr, value)
    return out


_FLAG_PROPERTIES = frozenset(
    {"payloadFormatIndicator", "requestResponseInformation", "requestProblemInformation"}
)
_PAHO_NAMES = {
    "responseTopic": "ResponseTopic",
    "correlationData": "CorrelationData",
    "contentType": "ContentType",
    "messageExpiryInterval": "MessageExpiryInterval",
    "payloadFormatIndicator": "PayloadFormatIndicator",
    "userProperties": "UserProperty",
    "topicAlias": "TopicAlias",
    "willDelayInterval": "WillDelayInterval",
    "sessionExpiryInterval": "SessionExpiryInterval",
    "requestResponseInformation": "RequestResponseInformation",
    "requestProblemInformation": "RequestProblemInformation",
    "subscriptionIdentifier": "SubscriptionIdentifier",
}


# ---- subscriptions --------------------------------------------------------------------
MessageCallback = Callable[[str, Any, Any], None]


@dataclass(eq=False)
class Subscription:
    """One user's interest in one topic filter."""

    topic: str
    ref: str
    qos: int
    options: dict[str, Any]
    callback: MessageCallback
    match: Callable[[str], bool]
    sub_id: int = 0


@dataclass(eq=False)
class _Queued:
    """A QoS ≥ 1 publish waiting for the connection."""

    msg: dict[str, Any]
    done: Callable[[Any], None] | None


# ---- the node -------------------------------------------------------------------------
class MQTTBrokerNode(Node):
    type = "mqtt-broker"
    category = "config"
    has_input = False
    config_refs = {"tls": "tls-config"}

    @classmethod
    def map_hosts(cls, config: dict[str, Any], host_map: HostMap) -> dict[str, Any] | None:
        """``--host-map``: the broker's host (``url``, a URL in ``broker``, or ``broker`` +
        ``port``) rewritten. The original ``broker`` stays the node's :attr:`broker`
        (see :data:`~flowengine.hostmap.ORIGINAL_KEY`), so ``msg._topic`` follows the
        flow file, not the mapping."""
        url = config.get("url")
        if isinstance(url, str) and url:
            mapped_url = host_map.url(url)  # the url wins over broker/port when connecting
            return None if mapped_url is None else {**config, "url": mapped_url}
        broker = config.get("broker")
        if not isinstance(broker, str):
            return None
        if "://" in broker:
            mapped_url = host_map.url(broker)
            return None if mapped_url is None else {**config, "broker": mapped_url}
        if broker:
            # an empty port means 1883 in Node-RED's URL (even with TLS)
            mapped = host_map.host_port(broker, config.get("port"), 1883)
        else:  # no broker: Node-RED connects to localhost:1883
            mapped = host_map.host_port("localhost", "1883")
        if mapped is None:
            return None
        host, new_port = mapped
        out = {**config, "broker": host}
        if new_port not in (None, "") or "port" in config:
            out["port"] = new_port
        return out

    def setup(self) -> None:
        cfg = self.config
        self.props: dict[str, Any] = dict(cfg)
        broker = cfg.get("broker")
        mapped_from = cfg.get(ORIGINAL_KEY)
        if isinstance(mapped_from, dict) and "broker" in mapped_from:
            broker = mapped_from["broker"]  # as the flow file names it (the _topic rule)
        #: the configured broker host (before any --host-map): Node-RED's ``node.broker``
        self.broker: str = broker if isinstance(broker, str) else ""
        self.auto_connect = cfg.get("autoConnect") not in ("false", False)
        self.auto_unsubscribe = cfg.get("autoUnsubscribe") is not False
        queue_size = cfg.get("queueSize", DEFAULT_QUEUE_SIZE)
        number = to_number(queue_size)
        if number != number or number < 0 or int(number) != number:
            raise ConfigError("queueSize", f"expected a whole number ≥ 0, got {queue_size!r}")
        self.queue_size = int(number)
        self.birth: LastWill | None = _make_lwt(
            "birthTopic",
            cfg.get("birthTopic"),
            cfg.get("birthPayload"),
            cfg.get("birthQos"),
            cfg.get("birthRetain"),
            cfg.get("birthMsg"),
        )
        self.close_message: LastWill | None = _make_lwt(
            "closeTopic",
            cfg.get("closeTopic"),
            cfg.get("closePayload"),
            cfg.get("closeQos"),
            cfg.get("closeRetain"),
            cfg.get("closeMsg"),
        )
        self.will: LastWill | None = _make_lwt(
            "willTopic",
            cfg.get("willTopic"),
            cfg.get("willPayload"),
            cfg.get("willQos"),
            cfg.get("willRetain"),
            cfg.get("willMsg"),
        )
        for name, lwt in (("birthTopic", self.birth), ("closeTopic", self.close_message)):
            if lwt is not None and not is_valid_publish_topic(lwt.topic):
                raise ConfigError(name, "Invalid topic specified")
        if self.will is not None and not is_valid_publish_topic(self.will.topic):
            raise ConfigError("willTopic", "Invalid topic specified")
        self.options = build_connection_options(self.props, self.credentials, self)
        clientid = cfg.get("clientid")
        self.label = (f"{clientid}@" if clientid else "") + self.options.url
        # Connection state (engine loop only).
        self.users: dict[str, Node] = {}
        self.connected = False
        self.connecting = False
        self.closing = False
        self.server_properties: dict[str, Any] = {}
        self._client: paho.Client | LoopMQTTClient | None = None
        self._generation = 0
        self._connect_callback: Callable[[], None] | None = None
        self._subscriptions: dict[str, dict[str, Subscription]] = {}
        self._sub_ids: dict[str, int] = {}
        self._next_sub_id = 1
        self._dispatch: tuple[Subscription, ...] = ()
        #: received topic → the subscriptions it matches (cleared when they change)
        self._routes: dict[str, tuple[Subscription, ...]] = {}
        self._pending: dict[int, Callable[[Any], None]] = {}
        self._pending_empty: asyncio.Event | None = None
        # QoS >= 1 publishes handed to the client and not yet acknowledged, and those
        # waiting behind them: a client has 65 535 message ids, so a burst must not all go
        # in at once (ids would run out; the client refuses with "Message queue full").
        self._in_client: set[int] = set()
        self._backlog: deque[_Queued] = deque()
        self._sub_mids: dict[int, str] = {}
        #: topic filters the broker has acknowledged on the current connection
        self.active_subscriptions: set[str] = set()
        self._queue: deque[_Queued] = deque()
        self._topic_aliases: dict[int, str] = {}
        #: publish topics seen lately and whether they are valid (checked once each)
        self._valid_topics: dict[str, bool] = {}
        self._status: dict[str, Any] = STATUS_DISCONNECTED
        self._status_refresh: asyncio.TimerHandle | None = None
        self._auto_connect_scheduled = False
        self._attempt_failed = False
        self._stoppers: set[asyncio.Future[Any]] = set()

    # ---- users ---------------------------------------------------------------------
    @property
    def options(self) -> ConnectionOptions:
        return self._options

    @options.setter
    def options(self, options: ConnectionOptions) -> None:
        self._options = options
        #: MQTT 5? (a plain attribute: the users read it per message)
        self.v5: bool = options.protocol == 5

    @property
    def subscription_ids_available(self) -> bool:
        return self.v5 and bool(self.server_properties.get("subscriptionIdentifiersAvailable"))

    def register(self, user: Node) -> None:
        """A user node starts; the first one triggers the connection (``autoConnect``)."""
        self.users[user.id] = user
        if len(self.users) == 1 and self.auto_connect and not self._auto_connect_scheduled:
            # After the current start pass, so every user has registered first.
            self._auto_connect_scheduled = True
            self.runtime.loop.call_soon(self._auto_connect)

    def _auto_connect(self) -> None:
        self._auto_connect_scheduled = False
        if self.users and not self.runtime.stopping:
            self.connect()

    def deregister(self, user: Node) -> None:
        user.status(STATUS_DISCONNECTED)
        self.users.pop(user.id, None)

    def status_for(self, user: Node) -> dict[str, Any]:
        status = self._status
        if self._queue and getattr(user, "uses_publish_queue", False):
            word = "connecting" if status is STATUS_CONNECTING else "disconnected"
            status = {**status, "text": f"{word} ({len(self._queue)} queued)"}
        return status

    def _set_status(self, status: dict[str, Any], force: bool = False) -> None:
        if status is self._status and not force:
            return
        self._status = status
        for user in list(self.users.values()):
            user.status(self.status_for(user))

    def _refresh_queue_status(self) -> None:
        if self._status_refresh is None:
            self._status_refresh = self.runtime.loop.call_later(0.2, self._queue_status_now)

    def _queue_status_now(self) -> None:
        self._status_refresh = None
        for user in list(self.users.values()):
            if getattr(user, "uses_publish_queue", False):
                user.status(self.status_for(user))

    # ---- options at run time (msg.action "connect" with msg.broker) ------------------
    def set_options(self, opts: dict[str, Any]) -> None:
        """Node-RED's ``setOptions(opts)`` (not init): apply the properties present."""
        props = dict(self.props)
        for name in (
            "url",
            "broker",
            "port",
            "clientid",
            "autoConnect",
            "usetls",
            "verifyservercert",
            "compatmode",
            "protocolVersion",
            "keepalive",
            "cleansession",
            "autoUnsubscribe",
            "topicAliasMaximum",
            "maximumPacketSize",
            "receiveMaximum",
            "userProperties",
            "userProps",
            "sessionExpiry",
            "sessionExpiryInterval",
        ):
            if name in opts:
                props[name] = opts[name]
        for kind in ("birth", "close", "will"):
            if kind in opts:
                spec = opts[kind] if isinstance(opts[kind], dict) else {}
                lwt = _make_lwt(
                    kind,
                    spec.get("topic"),
                    spec.get("payload"),
                    spec.get("qos"),
                    spec.get("retain"),
                    spec.get("properties"),
                )
                if kind == "birth":
                    self.birth = lwt
                elif kind == "close":
                    self.close_message = lwt
                else:
                    self.will = lwt
        credentials = dict(self.credentials)
        if "username" in opts:
            credentials["user"] = opts["username"]
        if "password" in opts:
            credentials["password"] = opts["password"]
        options = build_connection_options(props, credentials, self)
        self.props = props
        self.credentials = credentials
        self.options = options
        if "broker" in opts:  # else keep the configured name (it may have been host-mapped)
            broker = opts["broker"]
            self.broker = broker if isinstance(broker, str) else ""
        self.auto_connect = props.get("autoConnect") not in ("false", False)
        self.auto_unsubscribe = props.get("autoUnsubscribe") is not False
        clientid = props.get("clientid")
        self.label = (f"{clientid}@" if clientid else "") + options.url

    # ---- connecting ----------------------------------------------------------------
    def can_connect(self) -> bool:
        return not self.connected and not self.connecting

    def connect(self, callback: Callable[[], None] | None = None) -> None:
        if not self.can_connect():
            return
        self.closing = False
        self.connecting = True
        self._set_status(STATUS_CONNECTING, force=True)
        self.server_properties = {}
        old = self._client
        if old is not None:
            self._generation += 1
            self._stop_in_background(old, None, 0)
        self._connect_callback = callback
        try:
            self._client = self._new_client()
        except Exception as e:
            self._client = None
            self.connecting = False
            self.error(f"cannot connect to {self.label}: {e}")
            self._set_status(STATUS_DISCONNECTED)

    def _new_client(self) -> paho.Client | LoopMQTTClient:
        opts = self.options
        self._generation += 1
        generation = self._generation
        # Acks still awaited from a previous client will never come (as in Node-RED,
        # their done is not called); forget them so message ids cannot collide.
        self._pending = {}
        self._in_client = set()
        self._sub_mids = {}
        if opts.scheme in ("ws", "wss"):
            return self._new_paho_client(opts, generation)
        return self._new_loop_client(opts, generation)

    def _new_loop_client(self, opts: ConnectionOptions, generation: int) -> LoopMQTTClient:
        """TCP and TLS: our client on the engine loop (callbacks run here directly)."""
        client = LoopMQTTClient(
            self.runtime.loop, client_id=opts.client_id, protocol=opts.protocol, clean=opts.clean
        )
        self._configure(client, opts)
        client.max_inflight_messages_set(INFLIGHT_WINDOW)
        on_message = self._on_message
        on_published = self._on_published
        client.on_message = lambda _c, _u, message: on_message(generation, message)
        client.on_connect = lambda _c, _u, flags, rc, props: self._on_connect(generation, rc, props)
        client.on_disconnect = lambda _c, _u, flags, rc, props: self._on_disconnect(
            generation, flags, rc, props
        )
        client.on_connect_fail = lambda _c, _u: self._on_connect_fail(generation)
        client.on_pre_connect = lambda _c, _u: self._on_pre_connect(generation)
        client.on_publish = lambda _c, _u, mid, rc, props: on_published(generation, mid, rc)
        client.on_subscribe = lambda _c, _u, mid, codes, props: self._on_subscribed(mid, codes)
        client.on_callback_error = lambda e: self.error(f"MQTT client callback failed: {e!r}")
        client.connect_async(
            opts.host,
            opts.port,
            keepalive=opts.keepalive,
            properties=_paho_properties(PacketTypes.CONNECT, opts.connect_properties),
        )
        client.loop_start()
        return client

    def _configure(self, client: paho.Client | LoopMQTTClient, opts: ConnectionOptions) -> None:
        """What both clients take alike: back-off, TLS, credentials, will."""
        reconnect = float(self.runtime.settings.get("mqttReconnectTime", 5000)) / 1000
        reconnect = max(reconnect, 0.05)
        client.reconnect_delay_set(min_delay=min(1, reconnect), max_delay=reconnect)  # type: ignore[arg-type]
        if opts.use_tls:
            context, verify = self._ssl_context(opts)
            client.tls_set_context(context)
            if not verify:
                client.tls_insecure_set(True)
        if opts.username is not None:
            client.username_pw_set(opts.username, opts.password)
        will = opts.will
        if will is not None:
            _, data = _payload_bytes(will.payload)
            client.will_set(
                will.topic,
                data,
                will.qos,
                will.retain,
                _paho_properties(PacketTypes.WILLMESSAGE, will.properties)
                if opts.protocol == 5
                else None,
            )

    def _new_paho_client(self, opts: ConnectionOptions, generation: int) -> paho.Client:
        """Websockets: paho on its own network thread, events handed to the loop."""
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=opts.client_id,
            clean_session=None if opts.protocol == 5 else opts.clean,
            protocol=_PROTOCOLS[opts.protocol],
            transport="websockets",
        )
        client.suppress_exceptions = True
        client.max_inflight_messages_set(PAHO_INFLIGHT_WINDOW)
        client.max_queued_messages_set(0)
        client.ws_set_options(path=opts.path)
        self._configure(client, opts)
        call = self.runtime.call_threadsafe
        on_message = self._on_message

        def message_arrived(_c: Any, _u: Any, message: paho.MQTTMessage) -> None:
            call(on_message, generation, message)

        client.on_message = message_arrived
        client.on_connect = lambda _c, _u, flags, rc, props: call(
            self._on_connect, generation, rc, props
        )
        client.on_disconnect = lambda _c, _u, flags, rc, props: call(
            self._on_disconnect, generation, flags, rc, props
        )
        client.on_connect_fail = lambda _c, _u: call(self._on_connect_fail, generation)
        client.on_pre_connect = lambda _c, _u: call(self._on_pre_connect, generation)
        client.on_publish = lambda _c, _u, mid, rc, props: call(
            self._on_published, generation, mid, rc
        )
        client.on_subscribe = lambda _c, _u, mid, codes, props: call(
            self._on_subscribed, mid, codes
        )
        client.connect_async(
            opts.host,
            opts.port,
            keepalive=opts.keepalive,
            clean_start=opts.clean if opts.protocol == 5 else paho.MQTT_CLEAN_START_FIRST_ONLY,
            properties=_paho_properties(PacketTypes.CONNECT, opts.connect_properties),
        )
        client.loop_start()
        return client

    def _ssl_context(self, opts: ConnectionOptions) -> tuple[ssl.SSLContext, bool]:
        """The client context and whether the server certificate is verified."""
        from .tls_config import TLSConfigNode, make_client_context

        tls = self.runtime.get_node(opts.tls_id) if opts.tls_id else None
        if isinstance(tls, TLSConfigNode):
            verify = opts.verify_server_cert
            if tls.verify_server_cert is not None:
                verify = tls.verify_server_cert
            return tls.client_context(verify), verify
        return make_client_context(verify=opts.verify_server_cert), opts.verify_server_cert

    # ---- client events (run on the engine loop) --------------------------------------
    def _on_pre_connect(self, generation: int) -> None:
        if generation == self._generation and not self.connected and not self.closing:
            self._attempt_failed = False
            self._set_status(STATUS_CONNECTING)

    def _on_connect_fail(self, generation: int) -> None:
        if generation == self._generation:
            self._log_connect_failure()

    def _log_connect_failure(self) -> None:
        """Node-RED logs a failed attempt only while connecting (not after a drop)."""
        if self.connecting and not self._attempt_failed:
            self._attempt_failed = True
            self.log(f"Connection failed to broker: {self.label}")

    def _on_connect(self, generation: int, reason: Any, properties: Any) -> None:
        if generation != self._generation or self._client is None:
            return
        if getattr(reason, "is_failure", False):
            self._log_connect_failure()
            return
        self.closing = False
        self.connecting = False
        self.connected = True
        callback, self._connect_callback = self._connect_callback, None
        if callback is not None:
            callback()
        self._topic_aliases = {}
        self.active_subscriptions = set()
        self.log(f"Connected to broker: {self.label}")
        if self.v5:
            self._read_server_properties(properties)
        self._set_status(STATUS_CONNECTED, force=True)
        for subs in list(self._subscriptions.values()):
            for sub in list(subs.values()):
                self._client_subscribe(sub)
                break  # one client subscription per topic
        if self.birth is not None:
            self.publish(self.birth.as_message())
        self._flush_queue()

    def _read_server_properties(self, properties: Any) -> None:
        server: dict[str, Any] = {"subscriptionIdentifiersAvailable": True}
        if properties is not None:
            for ours, attr in (
                ("topicAliasMaximum", "TopicAliasMaximum"),
                ("receiveMaximum", "ReceiveMaximum"),
                ("maximumQoS", "MaximumQoS"),
                ("maximumPacketSize", "MaximumPacketSize"),
                ("serverKeepAlive", "ServerKeepAlive"),
                ("assignedClientIdentifier", "AssignedClientIdentifier"),
                ("responseInformation", "ResponseInformation"),
            ):
                if hasattr(properties, attr):
                    server[ours] = getattr(properties, attr)
            if hasattr(properties, "SubscriptionIdentifierAvailable"):
                server["subscriptionIdentifiersAvailable"] = bool(
                    properties.SubscriptionIdentifierAvailable
                )
        self.server_properties = server
        receive_max = server.get("receiveMaximum")
        client = self._client
        if isinstance(receive_max, int) and receive_max > 0 and client is not None:
            window = INFLIGHT_WINDOW if isinstance(client, LoopMQTTClient) else PAHO_INFLIGHT_WINDOW
            client.max_inflight_messages_set(min(receive_max, window))

    def _on_disconnect(self, generation: int, flags: Any, reason: Any, properties: Any) -> None:
        if generation != self._generation:
            return
        if getattr(flags, "is_disconnect_packet_from_server", False):
            reason_string = getattr(properties, "ReasonString", "") if properties else ""
            code = getattr(reason, "value", reason)
            self.connected = False
            self.log(f"Broker {self.label} disconnected client: {code} {reason_string}")
            self._set_status(STATUS_DISCONNECTED)
        elif self.connected:
            self.connected = False
            self.log(f"Disconnected from broker: {self.label}")
            self._set_status(STATUS_DISCONNECTED)
        else:
            self._log_connect_failure()

    def _on_published(self, generation: int, mid: int, reason: Any) -> None:
        if generation != self._generation:
            return  # a replaced client: its message ids mean nothing now
        if mid not in self._in_client:
            return  # a QoS 0 publish (paho reports those too): nothing waits for it
        self._in_client.discard(mid)
        done = self._pending.pop(mid, None)
        if done is not None:
            if getattr(reason, "is_failure", False):
                done(JSError(f"publish refused by the broker: {reason}"))
            else:
                done(None)
        if self._backlog:
            self._drain_backlog()
        if not self._pending and not self._backlog and self._pending_empty is not None:
            self._pending_empty.set()

    def _on_subscribed(self, mid: int, codes: Any) -> None:
        topic = self._sub_mids.pop(mid, None)
        for code in codes or ():
            if getattr(code, "is_failure", False):
                self.warn(f"subscription to {topic} refused by the broker: {code}")
                return
        if topic is not None and topic in self._subscriptions:
            self.active_subscriptions.add(topic)
            # (not in Node-RED; at debug level, lets a supervisor see the flow is listening)
            self.debug(f"Subscribed to {topic} on {self.label}")

    def _on_message(self, generation: int, message: paho.MQTTMessage) -> None:
        if generation != self._generation:
            return
        topic = message.topic
        ids = None
        if self.v5:
            props = message.properties
            if props is not None and self.subscription_ids_available:
                ids = getattr(props, "SubscriptionIdentifier", None)
        payload = message.payload
        routes = self._routes.get(topic)
        if routes is None:
            routes = self._route(topic)
        for sub in routes:
            if ids and sub.sub_id and sub.sub_id not in ids:
                continue
            try:
                sub.callback(topic, payload, message)
            except Exception as e:
                self.error(f"MQTT subscription handler error: {e}")

    def _route(self, topic: str) -> tuple[Subscription, ...]:
        """The subscriptions ``topic`` matches, remembered (most flows see few topics)."""
        routes = tuple(sub for sub in self._dispatch if sub.match(topic))
        if len(self._routes) >= 4096:
            self._routes.clear()
        self._routes[topic] = routes
        return routes

    # ---- subscribing ---------------------------------------------------------------
    def subscribe(
        self, topic: str, options: dict[str, Any], callback: MessageCallback, ref: str
    ) -> Subscription:
        """Add (or replace) ``ref``'s subscription to ``topic``; subscribe when connected."""
        qos = options.get("qos", 1)
        sub = Subscription(
            topic=topic,
            ref=ref,
            qos=qos if isinstance(qos, int) and 0 <= qos <= 2 else 0,
            options=dict(options),
            callback=callback,
            match=topic_matcher(topic),
        )
        if topic not in self._sub_ids:
            self._sub_ids[topic] = self._next_sub_id
            self._next_sub_id += 1
        sub.sub_id = self._sub_ids[topic]
        self._subscriptions.setdefault(topic, {})[ref] = sub
        self._rebuild_dispatch()
        if self.connected:
            self._client_subscribe(sub)
        return sub

    def _client_subscribe(self, sub: Subscription) -> None:
        client = self._client
        if client is None:
            return
        try:
            if self.v5:
                opts = sub.options
                sub_options = SubscribeOptions(
                    qos=sub.qos,
                    noLocal=bool(opts.get("nl", False)),
                    retainAsPublished=bool(opts.get("rap", False)),
                    retainHandling=int(opts.get("rh", 0)),
                )
                properties = None
                if self.subscription_ids_available:
                    properties = Properties(PacketTypes.SUBSCRIBE)
                    properties.SubscriptionIdentifier = sub.sub_id
                rc, mid = client.subscribe(sub.topic, options=sub_options, properties=properties)
            else:
                rc, mid = client.subscribe(sub.topic, sub.qos)
        except ValueError as e:
            self.warn(f"cannot subscribe to {sub.topic}: {e}")
            return
        if rc == MQTTErrorCode.MQTT_ERR_SUCCESS and mid is not None:
            self._sub_mids[mid] = sub.topic

    def unsubscribe(self, topic: str, ref: str, remove_client_subscription: bool = False) -> None:
        """Drop ``ref``'s interest; unsubscribe at the broker when nobody is left."""
        subs = self._subscriptions.get(topic)
        if not subs:
            return
        unsub = remove_client_subscription or self.auto_unsubscribe
        subs.pop(ref, None)
        if not subs:
            del self._subscriptions[topic]
            self._sub_ids.pop(topic, None)
            self.active_subscriptions.discard(topic)
            if unsub and self._client is not None and self.connected:
                try:
                    self._client.unsubscribe(topic)
                except ValueError:
                    pass
        self._rebuild_dispatch()

    def _rebuild_dispatch(self) -> None:
        self._dispatch = tuple(
            sub for subs in self._subscriptions.values() for sub in subs.values()
        )
        self._routes = {}

    # ---- publishing ----------------------------------------------------------------
    def publish(self, msg: dict[str, Any], done: Callable[[Any], None] | None = None) -> None:
        """Publish a prepared message (``topic``, ``payload``, ``qos``, ``retain`` …).

        ``done(err)`` is called once the broker acknowledged it (QoS 1/2) or it was
        handed to the client (QoS 0); ``err`` is an :class:`InvalidTopicError` for a bad
        topic. While disconnected QoS ≥ 1 messages are queued (bounded).
        """
        qos = msg.get("qos") or 0
        if self.connected and self._client is not None:
            if qos and (self._backlog or len(self._in_client) >= MAX_IN_CLIENT):
                self._backlog.append(_Queued(msg, done))
                return
            self._transmit(msg, done)
            return
        if qos and self.queue_size > 0 and not self.closing_for_good:
            if len(self._queue) >= self.queue_size:
                if done is not None:
                    done(
                        JSError(
                            f"MQTT publish queue full ({self.queue_size} messages waiting "
                            f"for {self.label}): message not sent"
                        )
                    )
                return
            self._queue.append(_Queued(msg, done))
            self._refresh_queue_status()
            return
        if done is not None:
            done(None)  # QoS 0 while disconnected: dropped, as in Node-RED

    @property
    def closing_for_good(self) -> bool:
        return self.runtime.stopping and self.closing

    def _drain_backlog(self) -> None:
        """Hand the client what waited behind the ``MAX_IN_CLIENT`` limit, while there is room."""
        backlog = self._backlog
        while backlog and len(self._in_client) < MAX_IN_CLIENT and self.connected:
            item = backlog.popleft()
            self._transmit(item.msg, item.done)

    def _flush_queue(self) -> None:
        self._drain_backlog()
        queue = self._queue
        if not queue:
            return
        while queue and self.connected:
            item = queue.popleft()
            self._transmit(item.msg, item.done)
        self._queue_status_now()

    def _transmit(self, msg: dict[str, Any], done: Callable[[Any], None] | None) -> None:
        client = self._client
        assert client is not None
        payload = msg.get("payload")
        kind = type(payload)
        if kind is str:
            data = payload.encode("utf-8")
        elif kind is bytes:
            data = payload
        else:
            msg["payload"], data = _payload_bytes(payload)
        qos = msg.get("qos") or 0
        retain = msg.get("retain") or False
        topic = msg.get("topic", UNDEFINED)
        if type(topic) is str:
            topic_ok = self._valid_topics.get(topic)
            if topic_ok is None:
                topic_ok = is_valid_publish_topic(topic)
                if len(self._valid_topics) >= 1024:
                    self._valid_topics.clear()
                self._valid_topics[topic] = topic_ok
        else:
            topic_ok = False
        properties = None
        if self.v5:
            try:
                props, topic, topic_ok = self._publish_properties(msg, topic, topic_ok)
            except (TypeError, ValueError) as e:
                if done is not None:
                    done(e)
                return
            if props is None:
                return self._invalid_alias(done)
            properties = _paho_properties(PacketTypes.PUBLISH, props)
        if not topic_ok:
            if done is not None:
                done(InvalidTopicError())
            else:
                self.warn(InvalidTopicError())
            return
        try:
            info = client.publish(topic, data, qos, bool(retain), properties)
        except ValueError as e:
            if done is not None:
                done(JSError(str(e)))
            return
        rc = info.rc
        if qos == 0 or rc not in _HANDED_OVER:
            # QoS 0: handed over (paho drops it if the link just went down, like mqtt.js).
            if done is not None:
                if rc in _HANDED_OVER:
                    done(None)
                else:
                    done(JSError(f"publish failed: {paho.error_string(rc)}"))
            return
        self._in_client.add(info.mid)
        if done is not None:
            self._pending[info.mid] = done

    def _invalid_alias(self, done: Callable[[Any], None] | None) -> None:
        if done is not None:
            done("Invalid topicAlias")

    def _publish_properties(
        self, msg: dict[str, Any], topic: Any, topic_ok: bool
    ) -> tuple[dict[str, Any] | None, Any, bool]:
        server = self.server_properties
        props: dict[str, Any] = {}
        user = msg.get("userProperties")
        if user is not None and user is not UNDEFINED and not isinstance(user, dict):
            msg.pop("userProperties", None)
            user = None
        alias_raw = msg.get("topicAlias", UNDEFINED)
        if alias_raw is not UNDEFINED and to_number(alias_raw) == to_number(alias_raw):
            msg["topicAlias"] = js_parse_int(alias_raw)
        else:
            msg.pop("topicAlias", None)
        value = _str_prop(msg.get("responseTopic"))
        if value is not None:
            props["responseTopic"] = value
        correlation = _buffer_prop(msg.get("correlationData"))
        if correlation is not None:
            props["correlationData"] = correlation
        value = _str_prop(msg.get("contentType"))
        if value is not None:
            props["contentType"] = value
        if "messageExpiryInterval" in msg:
            number = _int_prop(msg["messageExpiryInterval"], 0)
            if number is not None:
                props["messageExpiryInterval"] = number
        parsed_user = user_properties_from(user)
        if parsed_user:
            props["userProperties"] = parsed_user
        if "topicAlias" in msg:
            number = _int_prop(msg["topicAlias"], 1, server.get("topicAliasMaximum") or 0)
            if number is not None:
                props["topicAlias"] = number
        pfi = _bool_prop(msg.get("payloadFormatIndicator"))
        if pfi is not None:
            props["payloadFormatIndicator"] = pfi
        alias = props.get("topicAlias")
        if topic_ok and alias:
            maximum = server.get("topicAliasMaximum") or 0
            if not (maximum and maximum >= alias):
                return None, topic, topic_ok
            # paho always needs the topic; sending it with the alias re-sets the mapping.
            self._topic_aliases[alias] = topic
        elif not topic and props.get("responseTopic"):
            topic = msg["responseTopic"]
            msg["topic"] = topic
            topic_ok = is_valid_publish_topic(topic)
            msg.pop("responseTopic", None)
        return props, topic, topic_ok

    # ---- disconnecting -------------------------------------------------------------
    async def disconnect(self, wait: float = DISCONNECT_WAIT) -> None:
        """Node-RED's ``disconnect``: close message, clean end (bounded), statuses."""
        client = self._client
        if client is not None and not self.closing:
            self.closing = True
            close_message = self.close_message if self.connected else None
            close_params = None
            if close_message is not None:
                close_params = self._close_publish_params(close_message)
            deadline = time.monotonic() + wait
            if (self._pending or self._backlog) and self.connected:
                self._pending_empty = asyncio.Event()
                try:
                    await asyncio.wait_for(self._pending_empty.wait(), wait)
                except TimeoutError:
                    pass
                self._pending_empty = None
            remaining = max(0.1, deadline - time.monotonic())
            self._generation += 1  # no more events from this client
            await self._stop_in_background(client, close_params, remaining)
        if self.connected or self.connecting:
            self._set_status(STATUS_DISCONNECTED, force=True)
        self.connected = False
        self.connecting = False

    def _close_publish_params(self, lwt: LastWill) -> tuple[Any, ...] | None:
        msg = lwt.as_message()
        _, data = _payload_bytes(msg.get("payload"))
        props = None
        if self.v5:
            try:
                extra, _, _ = self._publish_properties(dict(msg), lwt.topic, True)
            except (TypeError, ValueError):
                extra = None
            props = _paho_properties(PacketTypes.PUBLISH, extra or {})
        return (lwt.topic, data, lwt.qos, lwt.retain, props)

    def _stop_in_background(
        self,
        client: paho.Client | LoopMQTTClient,
        close_params: tuple[Any, ...] | None,
        wait: float,
    ) -> asyncio.Future[Any]:
        """Stop a client: ours on the loop, paho on a worker thread (its stop joins its
        network thread)."""
        future: asyncio.Future[Any]
        if isinstance(client, LoopMQTTClient):
            future = self.runtime.loop.create_task(client.shutdown(close_params, wait))
        else:
            future = self.runtime.loop.run_in_executor(
                None, _stop_client, client, close_params, wait
            )
        self._stoppers.add(future)
        future.add_done_callback(self._stoppers.discard)
        return future

    async def close(self) -> None:
        if self._status_refresh is not None:
            self._status_refresh.cancel()
            self._status_refresh = None
        if self._queue:
            self.warn(
                f"{len(self._queue)} queued message(s) not sent: no connection to "
                f"{self.label} when stopping"
            )
            self._queue.clear()
        close_timeout = float(self.runtime.settings.get("nodeCloseTimeout", 15000)) / 1000
        await self.disconnect(wait=max(DISCONNECT_WAIT, close_timeout * 0.6))
        if self._stoppers:
            await asyncio.wait(list(self._stoppers), timeout=max(1.0, close_timeout * 0.3))
        self._client = None


def _stop_client(client: paho.Client, close_params: tuple[Any, ...] | None, wait: float) -> None:
    """Worker thread: publish the close message, disconnect, join paho's thread."""
    deadline = time.monotonic() + wait
    try:
        if close_params is not None:
            topic, data, qos, retain, props = close_params
            info = client.publish(topic, data, qos, retain, props)
            if info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS:
                info.wait_for_publish(max(0.05, deadline - time.monotonic()))
    except (RuntimeError, ValueError):
        pass
    try:
        client.disconnect()
    except Exception:  # already gone: nothing to end
        pass
    client.loop_stop()
