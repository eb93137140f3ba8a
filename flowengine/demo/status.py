"""The demo's live status line: what went through the pipeline since it started.

One line every few seconds, e.g.::

    demo 0:25 | device 50 readings, 2 alerts | flows in: MQTT to Kafka 52, MQTT to REST 2,
    consumer 52, pipe 52, alert 52, scoring 52 | kafka: broker_message +52, iot +50,
    predictions +50 | ml-data.csv 50 rows | last prediction: 0xBC 30.14 °C 51.5 % → high (1.00),
    0 low-confidence | Camunda stand-in: 4 calls (4×200) | errors 0

(one line on the terminal). "flows in" counts the messages each flow's source nodes emitted
(``mqtt in``, ``Kafka Consumer Group``), per tab; kafka counts are records written to each
topic since the demo started (end offsets); rows are the lines of ``ml-data.csv``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["CsvRows", "PredictionWatch", "Snapshot", "format_status", "source_counts"]

#: node types that only observe other nodes: not a flow's input
_OBSERVERS = frozenset({"catch", "status", "complete", "link in"})


class CsvRows:
    """Counts the lines of a growing file, reading only what was appended since last time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._rows = 0
        self._at_start: int | None = None

    def count(self) -> int:
        """Lines in the file now (a file that shrank is counted again from the start)."""
        try:
            size = self.path.stat().st_size
            if size < self._offset:
                self._offset, self._rows = 0, 0
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                chunk = f.read()
        except OSError:
            return self._rows
        self._offset += len(chunk)
        self._rows += chunk.count(b"\n")
        return self._rows

    def start(self) -> None:
        self._at_start = self.count()

    def added(self) -> int:
        """Lines appended since :meth:`start`."""
        return self.count() - (self._at_start or 0)


@dataclass
class PredictionWatch:
    """The scoring flow's debug output: the last prediction record and the low-confidence count.

    ``on_debug`` is a runtime ``debug`` listener (it runs on the engine loop; the status
    task reads the fields from the same loop or under the lock).
    """

    prediction_debug: str
    low_confidence_debug: str
    last: dict[str, Any] | None = None
    predictions: int = 0
    low_confidence: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def on_debug(self, node: Any, value: Any, *_: Any) -> None:
        if node.id == self.prediction_debug:
            try:
                record = json.loads(value) if isinstance(value, str) else value
            except ValueError:
                return
            if isinstance(record, dict):
                with self._lock:
                    self.last = record
                    self.predictions += 1
        elif node.id == self.low_confidence_debug:
            with self._lock:
                self.low_confidence += 1

    def describe(self) -> str:
        with self._lock:
            record, low = self.last, self.low_confidence
        if record is None:
            text = "none yet"
        else:
            reading = f"{record.get('sensor', '?')} {_num(record.get('temp'))} °C "
            reading += f"{_num(record.get('hum'))} %"
            confidence = record.get("confidence")
            conf = f" ({confidence:.2f})" if isinstance(confidence, int | float) else ""
            text = f"{reading} → {record.get('label')}{conf}"
        return f"last prediction: {text}, {low} low-confidence"


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else "?"


def source_counts(runtime: Any) -> tuple[dict[str, int], int]:
    """Messages each tab's source nodes have emitted (by tab label), and errors in all nodes."""
    counts = runtime.message_counts()
    per_tab: dict[str, int] = {}
    for flow_id, flow in runtime.flows.items():
        per_tab.setdefault(_short_label(flow.label or flow_id), 0)
    for node in runtime.iter_nodes():
        if node.has_input or node.type in _OBSERVERS:
            continue
        flow = runtime.flows.get(node.z)
        if flow is None:
            continue
        label = _short_label(flow.label or flow.id)
        per_tab[label] = per_tab.get(label, 0) + counts.get(node.id, (0, 0, 0))[1]
    errors = sum(c[2] for c in counts.values())
    return per_tab, errors


def _short_label(label: str) -> str:
    """``iot-kafka-consumer`` → ``consumer``, ``iot-scoring`` → ``scoring`` (the line is long)."""
    for prefix in ("iot-kafka-", "iot-"):
        if label.startswith(prefix) and len(label) > len(prefix):
            return label[len(prefix) :]
    return label


@dataclass
class Snapshot:
    """Everything one status line shows."""

    elapsed: float
    readings: int
    alerts: int
    flows_in: dict[str, int]
    errors: int
    kafka: dict[str, int] | None
    csv_rows: int
    prediction: str
    standin_calls: int
    standin_statuses: dict[int, int]


def format_status(s: Snapshot, label: str = "demo") -> str:
    minutes, seconds = divmod(int(s.elapsed), 60)
    flows = ", ".join(f"{name} {n}" for name, n in s.flows_in.items())
    if s.kafka is None:
        kafka = "kafka: (not answering)"
    else:
        kafka = "kafka: " + ", ".join(f"{topic} +{n}" for topic, n in s.kafka.items())
    statuses = ", ".join(f"{n}×{code}" for code, n in sorted(s.standin_statuses.items()))
    calls = f"Camunda stand-in: {_plural(s.standin_calls, 'call')}"
    if statuses:
        calls += f" ({statuses})"
    parts = [
        f"{label} {minutes}:{seconds:02d}",
        f"device {_plural(s.readings, 'reading')}, {_plural(s.alerts, 'alert')}",
        f"flows in: {flows}",
        kafka,
        f"ml-data.csv {s.csv_rows} rows",
        s.prediction,
        calls,
        f"errors {s.errors}",
    ]
    return " | ".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def call_quietly(fn: Callable[[], Any], default: Any) -> Any:
    """``fn()``, or ``default`` if it fails (a status line must never stop the demo)."""
    try:
        return fn()
    except Exception:
        return default
