"""``kafka`` and ``kafka in`` (node-red-contrib-kafka-node-latest 0.2.0): no config node.

Both carry the cluster on the node: ``brokerUrl`` (kafka-node's ``kafkaHost``,
``host:port[,host:port...]``).

``kafka`` (producer): every message goes to the node's ``topic`` and ``partition``
(``msg.topic`` and ``msg.key`` are not used; the key is null), the value from
``msg.payload`` by kafka-node's rules (records.py), acks 1 as kafka-node's
``HighLevelProducer``. ``debug: "debug"`` logs each sent message. The
``msgtopic`` checkbox of the later fork takes the topic from ``msg[topic]``.
Unlike the plugin (errors only logged), a failed send reaches catch nodes with the
message; records queue while the cluster is down like ``Kafka Producer``'s.

``kafka in`` (consumer): a plain consumer of ``topic`` / ``partition`` for group
``groupId``, auto-committing, starting at the group's committed offset (the beginning
when there is none). Each record becomes ``{payload: {topic, value, offset, partition,
highWaterOffset, key, timestamp}}`` (no ``msg.topic``). The editor's ``autoCommit``,
``fetchMaxBytes``, ``sessionTimeout`` and ``delayConsumerCreation`` are, as in the
plugin, not used (it hard-codes auto-commit and 1 MiB fetches).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flowengine import ConfigError, Node
from flowengine.jsvalues import js_string, to_number
from flowengine.message import Message
from flowengine.node import Delivery

from .broker import HostProber, parse_host_list
from .client import ClientSettings
from .consumer import ConsumingNode, consumer_config
from .consuming import ConsumerWorker, decode
from .producer import producer_options
from .records import record_values, value_bytes
from .sender import Completion, ProducerTexts, RecordSender, completion_for

if TYPE_CHECKING:
    from kafka import KafkaConsumer, TopicPartition
    from kafka.consumer.fetcher import ConsumerRecord

    from flowengine.hostmap import HostMap

__all__ = ["KafkaLatestConsumerNode", "KafkaLatestProducerNode", "broker_url_hosts"]

#: seconds between reachability probes (the plugin has none; ours feeds the queue logic)
PROBE_INTERVAL = 10.0
DEFAULT_QUEUE_SIZE = 10000


def broker_url_hosts(value: Any) -> list[tuple[str, int]]:
    """``"h1:9092,h2:9093"`` → ``[(h1, 9092), (h2, 9093)]``."""
    text = js_string(value or "").strip()
    if not text:
        raise ConfigError("brokerUrl", "no broker URL given")
    entries = []
    for part in text.split(","):
        part = part.strip()
        for prefix in ("kafka://", "PLAINTEXT://", "tcp://"):
            if part.startswith(prefix):
                part = part[len(prefix) :]
        host, sep, port = part.rpartition(":")
        if not sep:
            host, port = part, "9092"
        entries.append({"host": host.strip("[]"), "port": port})
    return parse_host_list(entries, "brokerUrl")


def _partition(value: Any) -> int:
    number = to_number(value if value not in (None, "") else 0)
    if number != number or number < 0 or number != int(number):
        raise ConfigError("partition", f"not a partition number: {js_string(value)}")
    return int(number)


def _settings(hosts: list[tuple[str, int]], url: str) -> ClientSettings:
    return ClientSettings(bootstrap_servers=[f"{h}:{p}" for h, p in hosts], label=url)


class LatestTexts(ProducerTexts):
    """kafka-node-latest shows one green dot, ``connected to <brokerUrl>``."""

    def initialising(self, node: Node) -> None:
        return None

    def waiting(self, node: Node, label: str) -> None:
        return None

    def connected(self, node: Node, label: str) -> None:
        node.status({"fill": "green", "shape": "dot", "text": f"connected to {label}"})


class KafkaLatestProducerNode(Node):
    type = "kafka"
    category = "Kafka"

    @classmethod
    def map_hosts(cls, config: dict[str, Any], host_map: HostMap) -> dict[str, Any] | None:
        """``--host-map``: the hosts of ``brokerUrl`` (``host:port[,host:port]``)."""
        url = host_map.host_list(config.get("brokerUrl"), 9092)
        return None if url is None else {**config, "brokerUrl": url}

    def setup(self) -> None:
        cfg = self.config
        self.url = js_string(cfg.get("brokerUrl") or "")
        self.hosts = broker_url_hosts(self.url)
        topic = cfg.get("topic")
        if not topic:
            raise ConfigError("topic", "no topic given")
        self.topic = js_string(topic)
        self.msg_topic = bool(cfg.get("msgtopic"))
        self.partition = _partition(cfg.get("partition"))
        self.debug_on = cfg.get("debug") == "debug"
        self.sender: RecordSender | None = None
        self.prober: HostProber | None = None

    def start(self) -> None:
        settings = _settings(self.hosts, self.url)
        sender = RecordSender(
            self,
            lambda: settings,
            producer_options(1, None),
            DEFAULT_QUEUE_SIZE,
            LatestTexts(),
            topics=() if self.msg_topic else (self.topic,),
        )
        self.sender = sender
        self.prober = HostProber(
            self,
            self.hosts,
            PROBE_INTERVAL,
            lambda up: sender.cluster_up() if up else sender.cluster_down(),
        )
        self.prober.start()

    def on_input(self, msg: Message, send: Delivery, done: Completion) -> None:
        sender = self.sender
        assert sender is not None
        topic = js_string(msg.get(self.topic)) if self.msg_topic else self.topic
        payload = msg.get("payload")
        if self.debug_on:
            self.log(msg)
        if type(payload) is list:
            values = record_values(payload)
            if not values:
                done()
                return
            complete = completion_for(done, len(values))
            for value in values:
                sender.submit(topic, value, None, self.partition, None, complete)
            return
        sender.submit(topic, value_bytes(payload), None, self.partition, None, done)

    def close(self) -> Any:
        if self.prober is not None:
            self.prober.close()
        if self.sender is None:
            return None
        timeout = float(self.runtime.settings.get("nodeCloseTimeout", 15000)) / 1000
        return self.sender.close(timeout)


class LatestWorker(ConsumerWorker):
    def __init__(
        self,
        node: Node,
        settings: ClientSettings,
        config: dict[str, Any],
        topic: str,
        partition: int,
    ) -> None:
        super().__init__(node, settings, config)
        self.topic = topic
        self.partition = partition
        self.debug_on = False

    def attach(self, consumer: KafkaConsumer) -> None:
        from kafka import TopicPartition

        consumer.assign([TopicPartition(self.topic, self.partition)])

    def out_of_range(self, consumer: KafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        consumer.seek_to_beginning(*offsets)

    def ready_status(self) -> dict[str, Any]:
        return {"fill": "green", "shape": "dot", "text": f"connected to {self.label}"}

    def opening_status(self) -> dict[str, Any]:
        return self.ready_status()

    def messages(self, consumer: KafkaConsumer, records: list[ConsumerRecord]) -> list[Message]:
        from kafka import TopicPartition

        first = records[0]
        highwater = consumer.highwater(TopicPartition(first.topic, first.partition))
        out: list[Message] = []
        for r in records:
            message: dict[str, Any] = {
                "topic": r.topic,
                "value": decode(r.value, "utf8"),
                "offset": r.offset,
                "partition": r.partition,
                "highWaterOffset": highwater,
                "key": decode(r.key, "utf8"),
            }
            if r.timestamp is not None and r.timestamp >= 0:
                message["timestamp"] = datetime.fromtimestamp(r.timestamp / 1000, tz=UTC)
            if self.debug_on:
                self._call(self.node.log, message)
            out.append({"payload": message})
        return out


class KafkaLatestConsumerNode(ConsumingNode):
    type = "kafka in"
    config_refs = {}

    @classmethod
    def map_hosts(cls, config: dict[str, Any], host_map: HostMap) -> dict[str, Any] | None:
        """``--host-map``: the hosts of ``brokerUrl`` (``host:port[,host:port]``)."""
        url = host_map.host_list(config.get("brokerUrl"), 9092)
        return None if url is None else {**config, "brokerUrl": url}

    def setup(self) -> None:
        cfg = self.config
        self.url = js_string(cfg.get("brokerUrl") or "")
        self.hosts = broker_url_hosts(self.url)
        topic = cfg.get("topic")
        if not topic:
            raise ConfigError("topic", "no topic given")
        self.topic = js_string(topic)
        self.group_id = js_string(cfg.get("groupId") or "kafka-node-group")
        self.partition = _partition(cfg.get("partition"))
        self.debug_on = cfg.get("debug") == "debug"
        self.prober: HostProber | None = None

    def start(self) -> None:
        settings = _settings(self.hosts, self.url)
        config = consumer_config(
            settings,
            self,
            self.group_id,
            enable_auto_commit=True,
            auto_commit_interval_ms=5000,
            fetch_max_wait_ms=1000,
            max_partition_fetch_bytes=1024 * 1024,
            auto_offset_reset="none",
        )
        worker = LatestWorker(self, settings, config, self.topic, self.partition)
        worker.debug_on = self.debug_on
        self.worker = worker

        def change(up: bool) -> None:
            if up and not worker.started:
                worker.start()

        self.prober = HostProber(self, self.hosts, PROBE_INTERVAL, change)
        self.prober.start()

    async def close(self) -> None:
        if self.prober is not None:
            self.prober.close()
        await super().close()
