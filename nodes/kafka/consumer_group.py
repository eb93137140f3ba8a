"""``Kafka Consumer Group`` (node-red-contrib-kafka-manager): kafka-node's ``ConsumerGroup``.

A group member (kafka-python's classic group protocol) subscribed to ``topics``
(a list, or a comma-separated string). ``groupId`` (default ``aGroup``),
``sessionTimeout`` (ms), ``protocol`` (``roundrobin`` / ``range``, a list in
preference order or one name), ``encoding`` (``utf8`` / ``buffer``), ``fromOffset``
(``latest`` / ``earliest`` / ``none``: where a partition without a committed offset
starts; ``none`` reports an error and leaves the partition paused),
``commitOffsetsOnFirstJoin`` (commit that starting position at once), and
``outOfRangeOffset`` (``latest`` / ``earliest`` / ``none``: where to go when the
committed offset is no longer on the broker; ``none`` pauses with ``(PAUSED)`` as the
plugin does). Offsets are committed automatically every 5 s (kafka-node's default for
groups); ``Kafka Commit`` commits a message's offset at once.

Messages: ``{topic, payload, _kafka: {offset, partition, highWaterOffset, key, commit,
rollback}}`` as from ``Kafka Consumer``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowengine import ConfigError
from flowengine.jsvalues import js_string

from .broker import KafkaBrokerNode
from .client import ClientSettings, js_flag, number_option, ring
from .consumer import ConsumingNode, ManagerWorker, consumer_config, encoding_option
from .consuming import ConsumerWorker

if TYPE_CHECKING:
    from kafka import KafkaConsumer, TopicPartition

    from flowengine import Node

__all__ = ["KafkaConsumerGroupNode"]

_OFFSET_CHOICES = ("latest", "earliest", "none")


def _offset_choice(value: Any, field_name: str, default: str) -> str:
    if value in (None, ""):
        return default
    if value not in _OFFSET_CHOICES:
        raise ConfigError(field_name, f'expected latest, earliest or none, got "{value}"')
    return str(value)


class GroupWorker(ManagerWorker):
    def __init__(
        self,
        node: Node,
        settings: ClientSettings,
        config: dict[str, Any],
        topics: list[str],
        from_offset: str,
        commit_first_join: bool,
        out_of_range_offset: str,
    ) -> None:
        super().__init__(node, settings, config)
        self.topics = topics
        self.from_offset = from_offset
        self.commit_first_join = commit_first_join
        self.out_of_range_offset = out_of_range_offset
        # kafka-manager 0.5 gives groups a real commit (their autoCommitBoolean is unset).
        self.noop_commit = False

    def attach(self, consumer: KafkaConsumer) -> None:
        consumer.subscribe(self.topics)

    def no_offset(self, consumer: KafkaConsumer, partitions: set[TopicPartition]) -> None:
        if self.from_offset == "none":
            self._pause(consumer, partitions, "No committed offset (fromOffset none)")
            return
        self._seek(consumer, partitions, self.from_offset)
        if self.commit_first_join:
            from kafka import OffsetAndMetadata

            offsets = {tp: OffsetAndMetadata(consumer.position(tp), "", -1) for tp in partitions}
            consumer.commit(offsets)

    def out_of_range(self, consumer: KafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        if self.out_of_range_offset == "none":
            super().out_of_range(consumer, offsets)
            return
        self._seek(consumer, set(offsets), self.out_of_range_offset)

    @staticmethod
    def _seek(consumer: KafkaConsumer, partitions: set[TopicPartition], where: str) -> None:
        if where == "earliest":
            consumer.seek_to_beginning(*partitions)
        else:
            consumer.seek_to_end(*partitions)

    def _pause(self, consumer: KafkaConsumer, partitions: set[TopicPartition], text: str) -> None:
        names = ", ".join(f"{tp.topic}/{tp.partition}" for tp in partitions)
        self._call(self.node.error, f"on error {text}: {names}")
        self._paused_text = f"{text} (PAUSED)"
        self._call(self.node.status, ring("red", self._paused_text))
        consumer.pause(*partitions)


class KafkaConsumerGroupNode(ConsumingNode):
    type = "Kafka Consumer Group"

    def setup(self) -> None:
        cfg = self.config
        if not cfg.get("broker"):
            raise ConfigError("broker", "Broker not found undefined")
        self.group_id: str = js_string(cfg.get("groupId") or "aGroup")
        self.session_timeout_ms = int(
            number_option(cfg.get("sessionTimeout"), "sessionTimeout", 15000, minimum=100)
        )
        protocol = cfg.get("protocol") or ["roundrobin"]
        if isinstance(protocol, str):
            protocol = [protocol]
        if not isinstance(protocol, list) or not all(
            p in ("roundrobin", "range") for p in protocol
        ):
            raise ConfigError("protocol", "expected roundrobin and/or range")
        self.protocol: list[str] = protocol
        self.encoding = encoding_option(cfg.get("encoding"), "encoding")
        self.from_offset = _offset_choice(cfg.get("fromOffset"), "fromOffset", "latest")
        self.commit_first_join = js_flag(
            cfg.get("commitOffsetsOnFirstJoin"), "commitOffsetsOnFirstJoin", True
        )
        self.out_of_range_offset = _offset_choice(
            cfg.get("outOfRangeOffset"), "outOfRangeOffset", "earliest"
        )
        topics = cfg.get("topics")
        if isinstance(topics, str):
            topics = [t.strip() for t in topics.split(",") if t.strip()]
        if not isinstance(topics, list) or not topics:
            raise ConfigError("topics", "no topics to consume")
        if not all(isinstance(t, str) and t for t in topics):
            raise ConfigError("topics", "expected a list of topic names")
        self.topics: list[str] = topics

    def make_worker(self, broker: KafkaBrokerNode) -> ConsumerWorker:
        from kafka.coordinator.assignors.range import RangePartitionAssignor
        from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor

        assignors = {"roundrobin": RoundRobinPartitionAssignor, "range": RangePartitionAssignor}
        settings = broker.settings()
        config = consumer_config(
            settings,
            self,
            self.group_id,
            enable_auto_commit=True,
            auto_commit_interval_ms=5000,
            session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=max(min(3000, self.session_timeout_ms // 3), 100),
            partition_assignment_strategy=tuple(assignors[p] for p in self.protocol),
            auto_offset_reset="none",
        )
        worker = GroupWorker(
            self,
            settings,
            config,
            self.topics,
            self.from_offset,
            self.commit_first_join,
            self.out_of_range_offset,
        )
        worker.encoding = self.encoding
        return worker
