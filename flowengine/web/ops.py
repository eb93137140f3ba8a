"""Operations endpoints' content: ``/health`` (live/ready, broker connections) and
``/metrics`` (Prometheus text format).

Broker connection state is read from status events, never from node modules: a
connection config node (``mqtt-broker``, ``Kafka Broker``, ...) reports its state
through the status of the nodes that use it (Node-RED's convention: the broker sets
"connected"/"connecting"/"disconnected" on its users). A status the config node emits
itself wins. Green means connected, yellow connecting, red disconnected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .hub import translate_status
from .model import FlowModel
from .observer import RuntimeObserver

__all__ = ["broker_states", "health", "prometheus_text"]

_STATE_BY_FILL = {"green": "connected", "yellow": "connecting", "red": "disconnected"}
_WORST_FIRST = ("disconnected", "connecting", "connected")


def _is_connection(config: Mapping[str, Any]) -> bool:
    t = str(config.get("type") or "").lower()
    return "broker" in t or t in ("websocket-client", "websocket-listener")


def _state_of(status: Mapping[str, Any] | None) -> str | None:
    if not status:
        return None
    state = _STATE_BY_FILL.get(str(status.get("fill") or ""))
    if state is not None:
        return state
    text = str(translate_status(dict(status)).get("text") or "").lower()
    for word in ("disconnected", "connecting", "connected"):
        if word in text:
            return word
    return None


def broker_states(
    model: FlowModel, statuses: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One entry per connection config node: ``state`` connected / connecting /
    disconnected / unknown, with the status text it was read from."""
    result = []
    for config in model.config_nodes:
        if config["disabled"] or not _is_connection(config):
            continue
        own = statuses.get(config["id"])
        candidates = [own] if own else [statuses.get(u) for u in config["users"]]
        states = [(s, _state_of(s)) for s in candidates if s]
        state, text = "unknown", ""
        for wanted in _WORST_FIRST:
            match = next((s for s, st in states if st == wanted), None)
            if match is not None:
                state = wanted
                text = str(translate_status(dict(match)).get("text") or "")
                break
        result.append(
            {
                "id": config["id"],
                "type": config["type"],
                "name": config["label"],
                "state": state,
                "status": text,
                "users": len(config["users"]),
            }
        )
    return result


def health(
    model: FlowModel, observer: RuntimeObserver | None, detail: bool = True
) -> tuple[dict[str, Any], int]:
    """``/health`` body and HTTP status: 200 when ready, 503 while flows are not running."""
    if observer is None:  # `flowengine view`: nothing runs, the server is all there is
        body: dict[str, Any] = {"status": "ok", "live": True, "ready": True, "flows": "none"}
        return (body if detail else {"live": True, "ready": True}), 200
    ready = observer.state == "start"
    code = 200 if ready else 503
    if not detail:
        return {"live": True, "ready": ready}, code
    body = {
        "status": "ok" if ready else "unavailable",
        "live": True,
        "ready": ready,
        "flows": observer.state,
        "brokers": broker_states(model, dict(observer.statuses)),
    }
    return body, code


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def prometheus_text(model: FlowModel, observer: RuntimeObserver | None) -> str:
    """The runtime's metrics in the Prometheus text exposition format (0.0.4)."""
    out: list[str] = []

    def family(name: str, kind: str, help_text: str) -> None:
        out.append(f"# HELP {name} {help_text}")
        out.append(f"# TYPE {name} {kind}")

    running = observer is not None and observer.state == "start"
    family("flowengine_flows_running", "gauge", "1 while the flows are started.")
    out.append(f"flowengine_flows_running {1 if running else 0}")
    if observer is None:
        return "\n".join(out) + "\n"
    counts = observer.counts()
    labels: dict[str, str] = {}
    configs = {c["id"]: c for c in model.config_nodes}
    for node_id in counts:
        info = model.nodes.get(node_id)
        config = configs.get(node_id)
        if info is not None:
            node_type, name, flow = info["type"], info["name"], info["z"]
        elif config is not None:  # config nodes count their errors (a broker's, say)
            node_type, name = config["type"], config["name"]
            flow = str(config["properties"].get("z") or "")
        else:  # inside a subflow instance: no drawing of its own
            node_type, name, flow = _type_of(observer, node_id), "", ""
        labels[node_id] = (
            f'node="{_label(node_id)}",type="{_label(node_type)}",'
            f'name="{_label(name)}",flow="{_label(flow)}"'
        )
    for index, (metric, text) in enumerate(
        (
            ("flowengine_node_messages_in_total", "Messages delivered to a node's input."),
            ("flowengine_node_messages_out_total", "Messages a node sent on its outputs."),
            ("flowengine_node_errors_total", "Errors a node reported (node.error)."),
        )
    ):
        family(metric, "counter", text)
        for node_id, c in counts.items():
            out.append(f"{metric}{{{labels[node_id]}}} {c[index]}")
    family(
        "flowengine_queue_depth",
        "gauge",
        "Items waiting: delivery queue, cross-thread inbox, running async handlers.",
    )
    for queue_name, depth in observer.queue_depths().items():
        out.append(f'flowengine_queue_depth{{queue="{queue_name}"}} {depth}')
    histogram = observer.latency
    family(
        "flowengine_hop_latency_seconds",
        "histogram",
        "Time a message waits in the delivery queue (a probe every 100 ms).",
    )
    if histogram is not None:
        for bound, count in histogram.cumulative():
            out.append(f'flowengine_hop_latency_seconds_bucket{{le="{bound}"}} {count}')
        out.append(f"flowengine_hop_latency_seconds_sum {histogram.total!r}")
        out.append(f"flowengine_hop_latency_seconds_count {histogram.count}")
    brokers = broker_states(model, dict(observer.statuses))
    family(
        "flowengine_broker_connected",
        "gauge",
        "1 when a broker connection is up, 0 when down or connecting (from node status).",
    )
    for b in brokers:
        out.append(
            f'flowengine_broker_connected{{broker="{_label(b["id"])}",type="{_label(b["type"])}",'
            f'name="{_label(b["name"])}",state="{b["state"]}"}} '
            f"{1 if b['state'] == 'connected' else 0}"
        )
    return "\n".join(out) + "\n"


def _type_of(observer: RuntimeObserver, node_id: str) -> str:
    node = observer.runtime.get_node(node_id)
    return node.type if node is not None else ""
