"""``Kafka Consumer`` (node-red-contrib-kafka-manager): kafka-node's plain ``Consumer``.

Consumes the partitions listed in ``topics`` (``[{topic, offset, partition}]``; the
legacy ``topic`` means partition 0), or with ``regex`` every partition of every topic
matching one of the ``topics`` as a JavaScript regular expression (metadata looked
at every minute, as the plugin does). No group membership: ``groupId`` names the group
whose committed offsets it starts from and commits to. ``fromOffset`` falsy (0.5's
default 0): start at the committed offset, the beginning when there is none; truthy:
the offsets in ``topics``; 0.6's ``"latest"`` / ``"earliest"``: the end / beginning.
``autoCommit`` / ``autoCommitIntervalMs``, ``fetchMaxWaitMs``, ``fetchMinBytes``,
``fetchMaxBytes`` (per partition), ``encoding`` / ``keyEncoding`` (``utf8`` or
``buffer``), ``convertToJson``.

Each record becomes ``{topic, payload, _kafka: {offset, partition, highWaterOffset,
key, commit, rollback}}`` — kafka-manager 0.5's shape; ``commit``/``rollback`` are for
``Kafka Commit`` / ``Kafka Rollback`` and do nothing when ``autoCommit`` is on. An
offset out of range pauses the partition with ``<error> (PAUSED)``, as the plugin does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowengine import ConfigError, Node
from flowengine.jsvalues import UNDEFINED, js_string, js_truthy
from flowengine.message import Message
from flowengine.util.jsjson import js_json_loads, v8_json_error

from .broker import KafkaBrokerNode
from .client import ClientSettings, js_flag, number_option, revised_message, ring
from .consuming import ConsumerWorker, decode, kafka_handles

if TYPE_CHECKING:
    import re

    from kafka import KafkaConsumer, TopicPartition
    from kafka.consumer.fetcher import ConsumerRecord

__all__ = [
    "ConsumingNode",
    "KafkaConsumerNode",
    "ManagerWorker",
    "encoding_option",
    "manager_messages",
]

#: seconds between metadata looks of a wildcard consumer (the plugin refreshes each minute)
WILDCARD_REFRESH = 60.0


def encoding_option(value: Any, field_name: str) -> str:
    if value in (None, "", "utf8", "utf-8"):
        return "utf8"
    if value in ("buffer", "raw"):
        return "buffer"
    raise ConfigError(field_name, f'unknown encoding "{js_string(value)}" (utf8 or buffer)')


def reject_value_compression(cfg: dict[str, Any]) -> None:
    compression = cfg.get("compressionType")
    if compression not in (None, "", "none"):
        raise ConfigError(
            "compressionType",
            f'"{compression}" (0.6.x decompresses values inside the node) is not supported',
        )


def manager_messages(
    worker: ManagerWorker, consumer: KafkaConsumer, records: list[ConsumerRecord]
) -> list[Message]:
    """kafka-manager's ``sendMsg``: ``{topic, payload, _kafka}`` per record."""
    from kafka import TopicPartition

    first = records[0]
    highwater = consumer.highwater(TopicPartition(first.topic, first.partition))
    encoding, key_encoding = worker.encoding, worker.key_encoding
    to_json = worker.convert_to_json
    out: list[Message] = []
    for r in records:
        commit, rollback = kafka_handles(worker, r.topic, r.partition, r.offset)
        payload = decode(r.value, encoding)
        msg: Message = {
            "topic": r.topic or worker.node_topic,
            "payload": payload,
            "_kafka": {
                "offset": r.offset,
                "partition": r.partition,
                "highWaterOffset": highwater,
                "key": decode(r.key, key_encoding),
                "commit": commit,
                "rollback": rollback,
            },
        }
        if to_json:
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
            problem = v8_json_error(text) if isinstance(text, str) else "no value to parse"
            if problem is None:
                msg["payload"] = js_json_loads(text)
            else:
                msg["error"] = problem
        out.append(msg)
    return out


class ManagerWorker(ConsumerWorker):
    """Shared by kafka-manager's two consumers: message shape and encodings."""

    encoding = "utf8"
    key_encoding = "utf8"
    convert_to_json = False
    node_topic: Any = UNDEFINED

    def messages(self, consumer: KafkaConsumer, records: list[ConsumerRecord]) -> list[Message]:
        return manager_messages(self, consumer, records)


class AssignedWorker(ManagerWorker):
    """A plain consumer: assigned partitions, offsets chosen by ``fromOffset``."""

    def __init__(
        self,
        node: Node,
        settings: ClientSettings,
        config: dict[str, Any],
        entries: list[tuple[str, int, int]],
        start_mode: str,
        patterns: list[re.Pattern[str]] | None,
    ) -> None:
        super().__init__(node, settings, config)
        self.entries = entries
        self.start_mode = start_mode
        self.patterns = patterns
        if patterns is not None:
            self.refresh_interval = WILDCARD_REFRESH

    def attach(self, consumer: KafkaConsumer) -> None:
        from kafka import TopicPartition

        if self.patterns is not None:
            self.refresh(consumer)
            return
        tps = [TopicPartition(t, p) for t, p, _ in self.entries]
        consumer.assign(tps)
        if self.start_mode == "offsets":
            for (_, _, offset), tp in zip(self.entries, tps, strict=True):
                consumer.seek(tp, offset)
        elif self.start_mode == "latest":
            consumer.seek_to_end(*tps)
        elif self.start_mode == "earliest":
            consumer.seek_to_beginning(*tps)
        # "committed": kafka-python fetches the group's offsets; none → no_offset()

    def refresh(self, consumer: KafkaConsumer) -> None:
        from kafka import TopicPartition

        patterns = self.patterns or []
        wanted: set[TopicPartition] = set()
        for topic in consumer.topics():
            if any(p.search(topic) for p in patterns):
                for partition in consumer.partitions_for_topic(topic) or ():
                    wanted.add(TopicPartition(topic, partition))
        if wanted != consumer.assignment():
            consumer.assign(sorted(wanted))

    def no_offset(self, consumer: KafkaConsumer, partitions: set[TopicPartition]) -> None:
        if self.start_mode == "latest":
            consumer.seek_to_end(*partitions)
        else:
            consumer.seek_to_beginning(*partitions)  # kafka-node starts at offset 0


class ConsumingNode(Node):
    """Common start/close of the consumer node types."""

    has_input = False
    category = "Kafka"
    config_refs = {"broker": "Kafka Broker"}
    worker: ConsumerWorker | None = None

    def broker_node(self) -> KafkaBrokerNode | None:
        broker = self.runtime.get_node(self.config.get("broker") or "")
        if not isinstance(broker, KafkaBrokerNode):
            text = f"Broker not found {self.config.get('broker')}"
            self.error(text)
            self.status(ring("red", text))
            return None
        return broker

    def make_worker(self, broker: KafkaBrokerNode) -> ConsumerWorker:
        raise NotImplementedError

    def start(self) -> None:
        broker = self.broker_node()
        if broker is None:
            return
        self.status(ring("yellow", self.initial_text()))
        self.worker = worker = self.make_worker(broker)

        def up() -> None:
            if not worker.started:
                worker.start()
            elif worker.consumer is not None:
                self.status(worker.ready_status())

        def down() -> None:
            if worker.started:
                self.status(ring("red", revised_message("connect ECONNREFUSED")))

        broker.on_state(up, down)

    def initial_text(self) -> str:
        return "Initialising"

    async def close(self) -> None:
        import asyncio

        worker = self.worker
        if worker is None:
            return
        self.status(ring("red", "closed"))
        thread = worker.stop()
        if thread is not None:
            timeout = float(self.runtime.settings.get("nodeCloseTimeout", 15000)) / 1000
            await asyncio.to_thread(thread.join, max(timeout - 1.0, 0.5))


def consumer_config(
    settings: ClientSettings, node: Node, group_id: str | None, **options: Any
) -> dict[str, Any]:
    config = settings.client_config()
    config.update(options)
    config["group_id"] = group_id
    config["client_id"] = f"flowengine-{node.id}"
    config["max_in_flight_requests_per_connection"] = settings.max_in_flight
    # kafka-python: fetch wait < request timeout < idle timeout
    wait = int(config.get("fetch_max_wait_ms", 500))
    session = int(config.get("session_timeout_ms", 0))
    config["request_timeout_ms"] = max(settings.request_timeout_ms, wait + 5000, session + 5000)
    config["connections_max_idle_ms"] = max(
        settings.idle_timeout_ms, config["request_timeout_ms"] + 10000
    )
    return config


class KafkaConsumerNode(ConsumingNode):
    type = "Kafka Consumer"

    def setup(self) -> None:
        cfg = self.config
        if not cfg.get("broker"):
            raise ConfigError("broker", "Broker not found undefined")
        self.regex = js_flag(cfg.get("regex"), "regex", False)
        topics = cfg.get("topics")
        if topics is None or topics is UNDEFINED:
            legacy = cfg.get("topic")
            topics = [{"topic": legacy, "offset": 0, "partition": 0}] if legacy else []
        if not isinstance(topics, list) or not topics:
            raise ConfigError("topics", "no topics to consume")
        self.entries: list[tuple[str, int, int]] = []
        for i, entry in enumerate(topics):
            if not isinstance(entry, dict) or not entry.get("topic"):
                raise ConfigError(f"topics[{i}]", "expected {topic, offset, partition}")
            partition = number_option(
                entry.get("partition"), f"topics[{i}].partition", 0, minimum=0, integer=True
            )
            offset = number_option(
                entry.get("offset"), f"topics[{i}].offset", 0, minimum=0, integer=True
            )
            self.entries.append((js_string(entry["topic"]), int(partition), int(offset)))
        self.patterns: list[re.Pattern[str]] | None = None
        if self.regex:
            from flowengine.typed import js_regex

            try:
                self.patterns = [js_regex(t) for t, _, _ in self.entries]
            except Exception as e:
                raise ConfigError("topics", f"invalid regular expression: {e}") from None
        self.group_id: str = js_string(cfg.get("groupId") or "kafka-node-group")
        self.auto_commit = js_flag(cfg.get("autoCommit"), "autoCommit", True)
        self.auto_commit_ms = int(
            number_option(cfg.get("autoCommitIntervalMs"), "autoCommitIntervalMs", 5000, minimum=1)
        )
        self.fetch_max_wait_ms = int(
            number_option(cfg.get("fetchMaxWaitMs"), "fetchMaxWaitMs", 100, minimum=0)
        )
        self.fetch_min_bytes = int(
            number_option(cfg.get("fetchMinBytes"), "fetchMinBytes", 1, minimum=0)
        )
        self.fetch_max_bytes = int(
            number_option(cfg.get("fetchMaxBytes"), "fetchMaxBytes", 1024 * 1024, minimum=1)
        )
        self.start_mode = start_mode(cfg.get("fromOffset"))
        self.encoding = encoding_option(cfg.get("encoding"), "encoding")
        self.key_encoding = encoding_option(cfg.get("keyEncoding"), "keyEncoding")
        connection_type = cfg.get("connectionType") or "Consumer"
        if connection_type != "Consumer":
            raise ConfigError("connectionType", f'unknown consumer type "{connection_type}"')
        self.convert_to_json = js_flag(cfg.get("convertToJson"), "convertToJson", False)
        reject_value_compression(cfg)

    def initial_text(self) -> str:
        return "Initialising wildcard topics" if self.regex else "Initialising"

    def make_worker(self, broker: KafkaBrokerNode) -> ConsumerWorker:
        settings = broker.settings()
        config = consumer_config(
            settings,
            self,
            self.group_id,
            enable_auto_commit=self.auto_commit,
            auto_commit_interval_ms=self.auto_commit_ms,
            fetch_max_wait_ms=self.fetch_max_wait_ms,
            fetch_min_bytes=self.fetch_min_bytes,
            max_partition_fetch_bytes=self.fetch_max_bytes,
            auto_offset_reset="none",
        )
        worker = AssignedWorker(
            self, settings, config, self.entries, self.start_mode, self.patterns
        )
        worker.encoding = self.encoding
        worker.key_encoding = self.key_encoding
        worker.convert_to_json = self.convert_to_json
        return worker


def start_mode(value: Any) -> str:
    """``fromOffset`` of a plain consumer → committed / offsets / latest / earliest."""
    if value in ("latest", "earliest"):
        return value
    if value == "none":
        return "committed"
    if isinstance(value, str) and value.strip() in ("", "0", "false"):
        return "committed"
    return "offsets" if js_truthy(value) else "committed"
