"""``Kafka Admin`` (node-red-contrib-kafka-manager): cluster administration by ``msg.topic``.

``msg.topic`` names the action, ``msg.payload`` holds its arguments (reference
kafka-nodes.md §1.2). Supported with kafka-python's ``KafkaAdminClient``:

- ``listTopics`` → kafka-node's ``[brokers, {metadata, clusterMetadata}]``.
- ``listGroups`` / ``listConsumerGroups`` → ``{groupId: protocolType}``.
- ``describeGroups`` / ``describeConsumerGroups`` (payload: group ids) →
  ``{groupId: description}``.
- ``createTopics`` (payload ``[{topic, partitions, replicationFactor, configEntries:
  [{name, value}]}]``) and ``deleteTopics`` (payload: names or ``[{topic}]``): one
  message per topic, ``{topic: <action>, payload: [<that entry>]}`` on output 1, or
  with ``error`` on output 2 — as the plugin answers these.
- ``createPartitions`` (payload ``[{topic, count}]``), same per-topic answers.
- ``describeConfigs`` (payload ``{type: "topic"|"broker", name}``) → kafka-node's
  ``[{resourceType, resourceName, configEntries: [...]}]``.
- ``describeCluster``, ``describeTopics`` (payload: names), ``deleteConsumerGroups``
  (payload: group ids), ``listConsumerGroupOffsets`` (payload: a group id) →
  ``{topic: {partition: offset}}``.

The other actions the plugin listed (ACLs, delegation tokens, log dirs, config
alteration, leader election) never worked through kafka-node either; they answer on
output 2 with ``msg.error`` saying they are not supported.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import TYPE_CHECKING, Any

from flowengine.jsvalues import js_string
from flowengine.message import Message
from flowengine.node import Delivery

from .requests import ActionError, AdminRequestNode, Work

if TYPE_CHECKING:
    from kafka import KafkaAdminClient

__all__ = ["KafkaAdminNode"]

UNSUPPORTED = frozenset(
    {
        "alterConfigs",
        "alterReplicaLogDirs",
        "createAcls",
        "createDelegationToken",
        "deleteAcls",
        "deleteRecords",
        "describeAcls",
        "describeDelegationToken",
        "describeLogDirs",
        "describeReplicaLogDirs",
        "electPreferredLeaders",
        "expireDelegationToken",
        "incrementalAlterConfigs",
        "renewDelegationToken",
    }
)
_PER_TOPIC = frozenset({"createTopics", "deleteTopics", "createPartitions"})


def plain(value: Any) -> Any:
    """kafka-python results as JSON-like data (namedtuples → objects, enums → names)."""
    if isinstance(value, dict):
        return {
            js_string(plain(k)) if not isinstance(k, str) else k: plain(v) for k, v in value.items()
        }
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | str | int | float | bool) or value is None:
        return value
    return js_string(value)


def _names(payload: Any, what: str) -> list[str]:
    if isinstance(payload, str) and payload:
        return [payload]
    if isinstance(payload, list) and payload:
        names = [p.get("topic") if isinstance(p, dict) else p for p in payload]
        if all(isinstance(n, str) and n for n in names):
            return names  # type: ignore[return-value]
    raise ActionError(f"msg.payload must be an array of {what}")


def _entries(payload: Any, what: str) -> list[dict[str, Any]]:
    if (
        isinstance(payload, list)
        and payload
        and all(
            isinstance(p, dict) and isinstance(p.get("topic"), str) and p["topic"] for p in payload
        )
    ):
        return payload
    raise ActionError(f"msg.payload must be an array of {what}")


class KafkaAdminNode(AdminRequestNode):
    type = "Kafka Admin"

    def request(self, msg: Message) -> Work:
        action = msg.get("topic")
        payload = msg.get("payload")
        if action in UNSUPPORTED:
            raise ActionError(f"Kafka Admin action {action} is not supported")
        if action == "listTopics":
            return _list_topics
        if action in ("listGroups", "listConsumerGroups"):
            return lambda admin: {
                g["group_id"]: g.get("protocol_type", "") for g in plain(admin.list_groups())
            }
        if action in ("describeGroups", "describeConsumerGroups"):
            groups = _names(payload, "group ids")
            return lambda admin: plain(admin.describe_groups(groups))
        if action == "describeCluster":
            return lambda admin: plain(admin.describe_cluster())
        if action == "describeTopics":
            topics = _names(payload, "topic names")
            return lambda admin: plain(admin.describe_topics(topics))
        if action == "deleteConsumerGroups":
            groups = _names(payload, "group ids")
            return lambda admin: plain(admin.delete_groups(groups))
        if action == "listConsumerGroupOffsets":
            group = payload.get("groupId") if isinstance(payload, dict) else payload
            if not isinstance(group, str) or not group:
                raise ActionError("msg.payload must be a group id")
            return lambda admin: _group_offsets(admin, group)
        if action == "describeConfigs":
            return _describe_configs(payload)
        if action == "createTopics":
            entries = _entries(payload, "{topic, partitions, replicationFactor}")
            new_topics: dict[str, dict[str, Any]] = {}
            for entry in entries:
                options: dict[str, Any] = {
                    "num_partitions": int(entry.get("partitions") or 1),
                    "replication_factor": int(entry.get("replicationFactor") or 1),
                }
                configs = entry.get("configEntries")
                if isinstance(configs, list):
                    options["configs"] = {c["name"]: js_string(c["value"]) for c in configs}
                new_topics[entry["topic"]] = options
            return lambda admin: _per_topic(
                admin.create_topics(new_topics, raise_errors=False), entries
            )
        if action == "deleteTopics":
            names = _names(payload, "topic names")
            listed = payload if isinstance(payload, list) else names
            entries = [p if isinstance(p, dict) else {"topic": p} for p in listed]
            return lambda admin: _per_topic(admin.delete_topics(names, raise_errors=False), entries)
        if action == "createPartitions":
            entries = _entries(payload, "{topic, count}")
            counts = {e["topic"]: int(e.get("count") or 0) for e in entries}
            return lambda admin: _per_topic(
                admin.create_partitions(counts, raise_errors=False), entries
            )
        raise ActionError("invalid message topic")

    def answer(self, msg: Message, result: Any, send: Delivery) -> None:
        if msg.get("topic") not in _PER_TOPIC:
            super().answer(msg, result, send)
            return
        ok: list[Message] = []
        failed: list[Message] = []
        for entry, error in result:
            if error:
                failed.append({"topic": msg["topic"], "error": error, "payload": [entry]})
            else:
                ok.append({"topic": msg["topic"], "payload": [entry]})
        send([ok, failed])


def _per_topic(response: Any, entries: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    """Pair each requested topic with its error text ("" when it worked)."""
    data = response.to_dict() if hasattr(response, "to_dict") else response
    rows = data.get("topics") or data.get("results") or []
    errors: dict[str, str] = {}
    for row in rows:
        code = row.get("error_code") or 0
        if code:
            from kafka.errors import for_code

            text = row.get("error_message") or ""
            errors[row.get("name", "")] = f"{for_code(code).__name__}: {text}".rstrip(": ")
    return [(entry, errors.get(entry["topic"], "")) for entry in entries]


def _list_topics(admin: KafkaAdminClient) -> list[Any]:
    cluster = admin.describe_cluster()
    brokers = {
        str(b["broker_id"]): {"nodeId": b["broker_id"], "host": b["host"], "port": b["port"]}
        for b in cluster["brokers"]
    }
    metadata: dict[str, dict[str, Any]] = {}
    for topic in admin.describe_topics():
        name = topic["name"]
        metadata[name] = {
            str(p["partition_index"]): {
                "topic": name,
                "partition": p["partition_index"],
                "leader": p["leader_id"],
                "replicas": list(p["replica_nodes"]),
                "isr": list(p["isr_nodes"]),
            }
            for p in topic["partitions"]
        }
    return [
        brokers,
        {"metadata": metadata, "clusterMetadata": {"controllerId": cluster["controller_id"]}},
    ]


def _group_offsets(admin: KafkaAdminClient, group: str) -> dict[str, dict[str, int]]:
    found = admin.list_group_offsets({group: None}).get(group, {})
    out: dict[str, dict[str, int]] = {}
    for tp, meta in found.items():
        out.setdefault(tp.topic, {})[str(tp.partition)] = meta.offset
    return out


def _describe_configs(payload: Any) -> Work:
    from kafka.admin import ConfigResource, ConfigResourceType

    body = payload if isinstance(payload, dict) else {}
    kind = body.get("type") or "topic"
    name = body.get("name")
    if kind not in ("topic", "broker") or not isinstance(name, str | int) or name == "":
        raise ActionError('msg.payload must be {type: "topic"|"broker", name}')
    resource_type = ConfigResourceType.TOPIC if kind == "topic" else ConfigResourceType.BROKER

    def describe(admin: KafkaAdminClient) -> Any:
        answer = plain(
            admin.describe_configs(
                [ConfigResource(resource_type, js_string(name))], config_filter="all"
            )
        )
        return [
            {
                "resourceType": kind,
                "resourceName": resource,
                "configEntries": [
                    {
                        "configName": config_name,
                        "configValue": entry.get("value"),
                        "readOnly": entry.get("read_only"),
                        "configSource": entry.get("config_source"),
                        "isSensitive": entry.get("is_sensitive"),
                        "configSynonyms": entry.get("synonyms") or [],
                    }
                    for config_name, entry in entries.items()
                ],
            }
            for resource, entries in (answer.get(kind) or {}).items()
        ]

    return describe
