"""``Kafka Broker`` (node-red-contrib-kafka-manager): where the Kafka cluster is, how to reach it.

Properties of the versions that saved flows (0.1–0.6): ``hosts`` (``[{host, port}]``,
joined to kafka-node's ``kafkaHost``), the legacy ``host``/``port`` pair (used when
``hosts`` is empty), ``hostsEnvVar`` (an environment variable holding a JSON array of
``{host, port}``, put in front of the list), ``connectTimeout`` / ``requestTimeout``
(ms), ``autoConnect``, ``idleConnection``, ``reconnectOnIdle``, ``maxAsyncRequests``,
``checkInterval`` (s), ``usetls`` + ``tls`` (a ``tls-config`` node) + ``selfSign``
(the plugin's inverted name for "verify the server certificate"), ``useCredentials``
with the credentials ``user`` / ``password`` (SASL PLAIN). docs/kafka.md maps each to
kafka-python.

Like the plugin, the node probes the hosts over TCP (2 s timeout, first reachable
host wins) at start and every ``checkInterval`` seconds, and tells its users when the
cluster goes up or down. While it is down it probes every second, so users resume
within a second of the broker's return. Admin and offset requests of ``Kafka Admin`` /
``Kafka Offset`` nodes run on one admin-client thread per broker node.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowengine import ConfigError, Node
from flowengine.jsvalues import UNDEFINED, js_string

from .client import ClientSettings, js_flag, number_option

if TYPE_CHECKING:
    from kafka import KafkaAdminClient

    from flowengine.hostmap import HostMap

__all__ = ["PROBE_TIMEOUT", "AdminWorker", "HostProber", "KafkaBrokerNode", "parse_host_list"]

#: seconds a TCP probe of one host may take (the plugin's socket timeout)
PROBE_TIMEOUT = 2.0
#: seconds between probes while no host answers
DOWN_PROBE_INTERVAL = 1.0

Listener = Callable[[], None]


def parse_host_list(value: Any, field_name: str) -> list[tuple[str, int]]:
    """``[{host, port}, ...]`` → ``[(host, port)]``; a bad entry is a ConfigError."""
    if value is None or value is UNDEFINED:
        return []
    if not isinstance(value, list):
        raise ConfigError(field_name, "expected a list of {host, port}")
    hosts: list[tuple[str, int]] = []
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise ConfigError(f"{field_name}[{i}]", "expected {host, port}")
        host = entry.get("host")
        if not isinstance(host, str) or not host.strip():
            raise ConfigError(f"{field_name}[{i}].host", "host not defined")
        port = number_option(entry.get("port"), f"{field_name}[{i}].port", 9092, integer=True)
        if not 0 < port < 65536:
            raise ConfigError(f"{field_name}[{i}].port", f"port out of range: {int(port)}")
        hosts.append((host.strip(), int(port)))
    return hosts


class HostProber:
    """The plugin's reachability check: TCP connects to each host in turn."""

    def __init__(
        self,
        node: Node,
        hosts: list[tuple[str, int]],
        interval: float,
        on_change: Callable[[bool], None],
    ) -> None:
        self.node = node
        self.hosts = hosts
        self.interval = interval
        self.available: bool | None = None
        self._on_change = on_change
        self._closed = False

    def start(self) -> None:
        self.node.runtime.spawn(self._probe(), self.node)

    def close(self) -> None:
        self._closed = True

    async def _probe(self) -> None:
        if self._closed:
            return
        reachable = False
        for host, port in self.hosts:
            try:
                _, writer = await asyncio.wait_for(
                    asyncio.open_connection(host, port), PROBE_TIMEOUT
                )
            except (OSError, TimeoutError):
                continue
            writer.close()
            reachable = True
            break
        if self._closed:
            return
        was = self.available
        self.available = reachable
        if reachable != bool(was) and not (was is None and not reachable):
            self._on_change(reachable)
        if reachable:
            if self.interval > 0:
                self.node.set_timeout(self.interval, self._probe)
        else:
            delay = min(self.interval, DOWN_PROBE_INTERVAL) if self.interval > 0 else 1.0
            self.node.set_timeout(delay, self._probe)


class AdminWorker:
    """One thread owning one ``KafkaAdminClient``; requests run in arrival order."""

    def __init__(self, node: Node, settings: Callable[[], ClientSettings]) -> None:
        self.node = node
        self._settings = settings
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._client: KafkaAdminClient | None = None

    def submit(
        self,
        work: Callable[[KafkaAdminClient], Any],
        then: Callable[[Any, BaseException | None], None],
    ) -> None:
        """Run ``work(admin_client)`` on the admin thread; ``then`` runs on the loop."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"kafka-admin-{self.node.id}", daemon=True
            )
            self._thread.start()
        self._jobs.put((work, then))

    def close(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)

    def _run(self) -> None:
        call = self.node.runtime.call_threadsafe
        while True:
            job = self._jobs.get()
            if job is None:
                break
            work, then = job
            try:
                if self._client is None:
                    from kafka import KafkaAdminClient

                    settings = self._settings()
                    config = settings.client_config()
                    config["max_in_flight_requests_per_connection"] = settings.max_in_flight
                    config["client_id"] = f"flowengine-admin-{self.node.id}"
                    self._client = KafkaAdminClient(**config)
                result = work(self._client)
            except BaseException as e:
                if not _is_request_error(e):
                    self._drop_client()
                call(then, None, e)
                continue
            call(then, result, None)
        self._drop_client()

    def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:
                pass


def _is_request_error(err: BaseException) -> bool:
    """An error about the request itself (the connection is fine)."""
    from kafka.errors import BrokerResponseError

    return isinstance(err, BrokerResponseError | ValueError | TypeError | KeyError)


class KafkaBrokerNode(Node):
    type = "Kafka Broker"
    category = "config"
    has_input = False
    config_refs = {"tls": "tls-config"}

    @classmethod
    def map_hosts(cls, config: dict[str, Any], host_map: HostMap) -> dict[str, Any] | None:
        """``--host-map``: the ``hosts`` list and the legacy ``host``/``port`` pair (hosts
        read from ``hostsEnvVar`` at start are not mapped)."""
        out = dict(config)
        hosts = host_map.host_entries(config.get("hosts"), 9092)
        if hosts is not None:
            out["hosts"] = hosts
        if config.get("host"):
            mapped = host_map.host_port(config.get("host"), config.get("port"), 9092)
            if mapped is not None:
                out["host"] = mapped[0]
                if mapped[1] not in (None, "") or "port" in config:
                    out["port"] = mapped[1]
        return out if out != config else None

    def setup(self) -> None:
        cfg = self.config
        self.label: str = self.name
        self.hosts_env_var: str = js_string(cfg.get("hostsEnvVar") or "")
        hosts = parse_host_list(cfg.get("hosts"), "hosts")
        if not hosts and cfg.get("host"):
            # 0.0.x flows: one host/port pair
            hosts = parse_host_list([{"host": cfg.get("host"), "port": cfg.get("port")}], "host")
        self._env_warning: str | None = None
        self.hosts: list[tuple[str, int]] = self._env_hosts() + hosts
        if not self.hosts:
            raise ConfigError("hosts", "host and/or port not defined")
        self.kafka_host = ",".join(f"{h}:{p}" for h, p in self.hosts)
        if not self.label:
            self.label = self.kafka_host
        self.connect_timeout_ms = int(
            number_option(cfg.get("connectTimeout"), "connectTimeout", 10000, minimum=1)
        )
        self.request_timeout_ms = int(
            number_option(cfg.get("requestTimeout"), "requestTimeout", 30000, minimum=1)
        )
        self.auto_connect = js_flag(cfg.get("autoConnect"), "autoConnect", True)
        if not js_flag(cfg.get("reconnectOnIdle"), "reconnectOnIdle", True):
            raise ConfigError(
                "reconnectOnIdle",
                '"false" is not supported: kafka-python always reopens an idle connection '
                "when it is needed",
            )
        idle_minutes = number_option(cfg.get("idleConnection"), "idleConnection", 5, minimum=0)
        # kafka-python needs the idle limit above the request timeout.
        self.idle_timeout_ms = max(int(idle_minutes * 60000), self.request_timeout_ms + 10000)
        self.max_async_requests = int(
            number_option(
                cfg.get("maxAsyncRequests"), "maxAsyncRequests", 10, minimum=1, integer=True
            )
        )
        self.check_interval = number_option(
            cfg.get("checkInterval"), "checkInterval", 10, minimum=0
        )
        self.use_tls = js_flag(cfg.get("usetls"), "usetls", False)
        self.tls_id: str = js_string(cfg.get("tls") or "")
        self_sign = cfg.get("selfSign")
        #: the plugin passes ``rejectUnauthorized: selfSign``; absent (pre-0.2.12) → unset
        self.reject_unauthorized: bool | None = (
            None if self_sign is None else js_flag(self_sign, "selfSign", False)
        )
        self.use_credentials = js_flag(cfg.get("useCredentials"), "useCredentials", False)
        creds = self.credentials or {}
        self.user: str = js_string(creds.get("user") or "")
        self.password: str = js_string(creds.get("password") or "")
        if self.use_credentials and not self.user:
            raise ConfigError("credentials", "useCredentials is set but no user is given")
        self._settings: ClientSettings | None = None
        self._ups: list[Listener] = []
        self._downs: list[Listener] = []
        self.prober = HostProber(self, self.hosts, self.check_interval, self._state_change)
        self.admin = AdminWorker(self, self.settings)

    def _env_hosts(self) -> list[tuple[str, int]]:
        name = self.hosts_env_var
        if not name:
            return []
        raw = self.runtime.process_env(name)
        if raw is UNDEFINED:
            self._env_warning = f"process.env.{name} not found "
            return []
        try:
            value = json.loads(raw)
        except ValueError as e:
            raise ConfigError("hostsEnvVar", f"process.env variable {name} {e}") from None
        if value is None:
            return []
        if not isinstance(value, list):
            raise ConfigError("hostsEnvVar", f"process.env variable {name} not array value: {raw}")
        return parse_host_list(value, "hostsEnvVar")

    # ---- for users -------------------------------------------------------------
    @property
    def available(self) -> bool:
        return bool(self.prober.available)

    def settings(self) -> ClientSettings:
        """Connection settings for kafka-python clients (built once, after TLS is known)."""
        if self._settings is None:
            self._settings = ClientSettings(
                bootstrap_servers=[f"{h}:{p}" for h, p in self.hosts],
                label=self.label,
                request_timeout_ms=self.request_timeout_ms,
                connect_timeout_ms=self.connect_timeout_ms,
                idle_timeout_ms=self.idle_timeout_ms,
                max_in_flight=min(self.max_async_requests, 5),
                security=self._security(),
            )
        return self._settings

    def _security(self) -> dict[str, Any]:
        security: dict[str, Any] = {}
        if self.use_tls:
            from flowengine.nodes.network.tls_config import TLSConfigNode, make_client_context

            tls_node = self.runtime.get_node(self.tls_id) if self.tls_id else None
            if isinstance(tls_node, TLSConfigNode):
                verify = self.reject_unauthorized
                if verify is None:
                    verify = tls_node.verify_server_cert is not False
                opts = tls_node.tls_options()
                context = make_client_context(
                    ca=opts.get("ca"),
                    cert=opts.get("cert"),
                    key=opts.get("key"),
                    pfx=opts.get("pfx"),
                    passphrase=tls_node.passphrase,
                    verify=verify,
                    servername=tls_node.servername or None,
                    alpn_protocol=tls_node.alpn_protocol or None,
                )
            else:
                # The plugin logs this and goes on with TLS and the default trust store.
                self.warn("not self serve or no tls configuration selected")
                context = make_client_context(verify=self.reject_unauthorized is not False)
            security["ssl_context"] = context
            security["ssl_check_hostname"] = context.check_hostname
        if self.use_credentials:
            security["sasl_mechanism"] = "PLAIN"
            security["sasl_plain_username"] = self.user
            security["sasl_plain_password"] = self.password
        if self.use_tls:
            security["security_protocol"] = "SASL_SSL" if self.use_credentials else "SSL"
        elif self.use_credentials:
            security["security_protocol"] = "SASL_PLAINTEXT"
        return security

    def on_state(self, up: Listener, down: Listener | None = None) -> None:
        """Call ``up`` whenever the cluster becomes reachable (now, if it is), ``down``
        whenever it stops being reachable."""
        self._ups.append(up)
        if down is not None:
            self._downs.append(down)
        if self.prober.available:
            self.runtime.loop.call_soon(up)

    # ---- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        if self._env_warning:
            self.warn(self._env_warning)
        self.prober.start()

    def _state_change(self, up: bool) -> None:
        if up:
            self.log(f"state change up, processing {len(self._ups)} node scripts")
        else:
            self.error("state change down")
        for listener in list(self._ups if up else self._downs):
            self.runtime.run_guarded(self, listener)

    def close(self) -> None:
        self.prober.close()
        self.admin.close()
