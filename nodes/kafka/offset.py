"""``Kafka Offset`` (node-red-contrib-kafka-manager): offset look-ups of kafka-node's ``Offset``.

The action is ``msg.action || msg.topic``, its arguments ``msg.payload``; results have
kafka-node's shapes (partition numbers as object keys):

- ``fetch``: ``[{topic, partition = 0, time, maxNum = 1}]`` → ``{topic: {partition:
  [offset]}}``. ``time`` -1 = latest, -2 = earliest, absent = now (latest), a
  timestamp (ms) = the first offset written at or after it (-1 if none) — Kafka 4
  only answers ListOffsets by timestamp, not kafka-node's v0 "offsets before".
- ``fetchCommits``: group ``msg.groupid || msg.payload.groupid || msg.topic``, partitions
  ``msg.payload.topics`` (with ``payload.groupid``) or ``msg.payload`` as
  ``[{topic, partition}]`` → ``{topic: {partition: offset}}``, -1 when none.
- ``fetchLatestOffsets`` / ``fetchEarliestOffsets``: topics ``msg.payload`` (an array
  of names) → ``{topic: {partition: offset}}`` for every partition.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from flowengine.jsvalues import UNDEFINED, js_string, to_number
from flowengine.message import Message

from .requests import ActionError, AdminRequestNode, Work

if TYPE_CHECKING:
    from kafka import KafkaAdminClient

__all__ = ["KafkaOffsetNode"]

LATEST = -1
EARLIEST = -2


def _partitions(admin: KafkaAdminClient, topics: list[str]) -> dict[str, list[int]]:
    described = admin.describe_topics(topics)
    return {t["name"]: sorted(p["partition_index"] for p in t["partitions"]) for t in described}


def _list_offsets(admin: KafkaAdminClient, specs: dict[Any, int]) -> dict[Any, int]:
    if not specs:
        return {}
    answer = admin.list_partition_offsets(specs)
    return {tp: (found.offset if found is not None else -1) for tp, found in answer.items()}


def _topic_list(value: Any, field_name: str) -> list[str]:
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list) and value and all(isinstance(t, str) and t for t in value):
        return value
    raise ActionError(f"{field_name} must be an array of topic names")


def _whole(value: Any, field_name: str, default: int) -> int:
    if value is None or value is UNDEFINED:
        return default
    number = to_number(value)
    if number != number or number != int(number):
        raise ActionError(f"{field_name} must be a whole number, got {js_string(value)}")
    return int(number)


class KafkaOffsetNode(AdminRequestNode):
    type = "Kafka Offset"

    def request(self, msg: Message) -> Work:
        from kafka import TopicPartition

        action = msg.get("action") or msg.get("topic")
        payload = msg.get("payload")
        if action == "fetch":
            if not isinstance(payload, list):
                raise ActionError("msg.payload must be an array of {topic, partition, time}")
            specs: dict[Any, int] = {}
            for request in payload:
                if not isinstance(request, dict) or not isinstance(request.get("topic"), str):
                    raise ActionError("msg.payload must be an array of {topic, partition, time}")
                tp = TopicPartition(
                    request["topic"], _whole(request.get("partition"), "partition", 0)
                )
                when = _whole(request.get("time"), "time", LATEST)
                specs[tp] = when if when in (LATEST, EARLIEST) or when >= 0 else LATEST
                if when >= int(time.time() * 1000):
                    specs[tp] = LATEST  # "before now" is the end of the log

            def fetch(admin: KafkaAdminClient) -> Any:
                out: dict[str, dict[str, list[int]]] = {}
                for tp, offset in _list_offsets(admin, specs).items():
                    out.setdefault(tp.topic, {})[str(tp.partition)] = [offset]
                return out

            return fetch
        if action == "fetchCommits":
            body = payload if isinstance(payload, dict) else {}
            group = msg.get("groupid") or body.get("groupid") or msg.get("topic")
            requests = body.get("topics") if body.get("groupid") else payload
            if not isinstance(requests, list):
                raise ActionError("msg.payload must be an array of {topic, partition}")
            tps = []
            for request in requests:
                if not isinstance(request, dict) or not isinstance(request.get("topic"), str):
                    raise ActionError("msg.payload must be an array of {topic, partition}")
                tps.append(
                    TopicPartition(
                        request["topic"], _whole(request.get("partition"), "partition", 0)
                    )
                )
            group_id = js_string(group)

            def fetch_commits(admin: KafkaAdminClient) -> Any:
                found = admin.list_group_offsets({group_id: tps}).get(group_id, {})
                out: dict[str, dict[str, int]] = {}
                for tp in tps:
                    meta = found.get(tp)
                    offset = meta.offset if meta is not None and meta.offset is not None else -1
                    out.setdefault(tp.topic, {})[str(tp.partition)] = offset
                return out

            return fetch_commits
        if action in ("fetchLatestOffsets", "fetchEarliestOffsets"):
            topics = _topic_list(payload or msg.get("topic"), "msg.payload")
            where = LATEST if action == "fetchLatestOffsets" else EARLIEST

            def fetch_ends(admin: KafkaAdminClient) -> Any:
                partitions = _partitions(admin, topics)
                specs = {TopicPartition(t, p): where for t, ps in partitions.items() for p in ps}
                out: dict[str, dict[str, int]] = {t: {} for t in topics}
                for tp, offset in _list_offsets(admin, specs).items():
                    out[tp.topic][str(tp.partition)] = offset
                return out

            return fetch_ends
        raise ActionError("invalid msg action or topic, e.g msg.action='fetch'")
