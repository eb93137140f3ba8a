"""The scoring flow end to end: board readings over MQTT → Kafka → ``ml-score`` → ``predictions``.

``python -m flowengine run flows/Node-RED-Kafka.json flows/iot-scoring.json --host-map …
--env ML_MODEL=…`` as a subprocess against a real Mosquitto and Kafka 4, with a model the test
trains first with ``flowengine train --k 5`` on the shipped sample data. Readings published to
``iotkit/sensor`` (NUL-terminated as the boards send them, and plain) come back as JSON records
on ``predictions``; a reading between two classes leaves by the low-confidence output; an
alert is not scored; a reading whose temperature is not a number is an error for the catch node.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.iotkit import KAFKA_FLOW, IoTKitMessage, engine, publisher
from tests.support.services import REPO, Endpoint

from .pipeline import end_offset, position_groups_at_end, read_records, wait_node_debug

pytestmark = pytest.mark.timeout(900)

SCORING_FLOW = REPO / "flows" / "iot-scoring.json"
KAFKA_FLOW_DEBUG = "82463576.0e6568"  # the Kafka flow's debug: every message mqtt in gets
PREDICTION_DEBUG = "b1e0c5a1.0f0008"
LOW_CONFIDENCE_DEBUG = "b1e0c5a1.0f0009"
ERROR_DEBUG = "b1e0c5a1.0f000b"
SAMPLES = REPO / "data" / "samples"

#: Readings far inside one class of the sample data (capture lines; leading space as captured).
CLEAR = [
    b" 0xBC,20.40,51.6,low\0",
    b" 0xBC,25.40,51.6,middle\0",
    b"0xBC,30.40,51.5,high",  # as mosquitto_pub would send it: no NUL
    b"0xBC,20.10,49.0,low\0",
]
#: Between low (~20 °C) and middle (~25 °C): 5 neighbours disagree, confidence 0.6.
BETWEEN = b"0xBC,22.60,50.5,low\0"
BROKEN = b"0xBC,warm,36.9,low\0"
ALERT = b"alert: button\0"


def train_model(path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flowengine", "train", str(SAMPLES / "iotkit-train.csv"),
         "--test", str(SAMPLES / "iotkit-test.csv"), "--k", "5", "--model", str(path),
         "--quiet"],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def probabilities(model_path: Path, payload: bytes) -> dict[str, float]:
    """What the model says about a reading (temperature, humidity: CSV columns 1 and 2)."""
    from flowengine.ml.models import load_model

    model = load_model(str(model_path))
    fields = payload.rstrip(b"\0").decode().split(",")
    row = [[float(fields[1]), float(fields[2])]]
    return {
        str(c): float(p) for c, p in zip(model.classes_, model.predict_proba(row)[0], strict=True)
    }


def expected_record(model_path: Path, payload: bytes) -> dict[str, Any]:
    line = payload.rstrip(b"\0").decode().strip()
    sensor, temp, hum, level = line.split(",")
    probs = probabilities(model_path, payload)
    label = max(probs, key=lambda c: probs[c])
    return {
        "reading": line, "sensor": sensor, "temp": float(temp), "hum": float(hum),
        "level": level, "label": label, "confidence": probs[label], "probabilities": probs,
        "model": model_path.name,
    }  # fmt: skip


def test_readings_are_scored_to_the_predictions_topic(
    e2e_mosquitto: Endpoint, e2e_kafka: Endpoint, tmp_path: Path
) -> None:
    model = tmp_path / "model" / "model.skops"
    model.parent.mkdir()
    train_model(model)
    for payload in CLEAR:  # the premise: these are clear cases for this model
        probs = probabilities(model, payload)
        assert max(probs.values()) == 1.0
        assert max(probs, key=lambda c: probs[c]) == payload.rstrip(b"\0").decode().split(",")[3]
    assert max(probabilities(model, BETWEEN).values()) < 0.8  # the flow's minConfidence

    position_groups_at_end(e2e_kafka, ("scoring",))
    start = end_offset(e2e_kafka, "predictions")
    args = [
        str(KAFKA_FLOW), str(SCORING_FLOW),
        "--host-map", f"iotkit.mc-b.ch={e2e_mosquitto.address}",
        "--host-map", f"kafka={e2e_kafka.address}",
        "--env", f"ML_MODEL={model}",
    ]  # fmt: skip
    # The alert and the broken reading come before the last clear reading: once its record is
    # there, the scoring flow has seen them too (one partition, one consumer, in order).
    sequence = [
        ("iotkit/sensor", CLEAR[0]), ("iotkit/alert", ALERT), ("iotkit/sensor", CLEAR[1]),
        ("iotkit/sensor", BETWEEN), ("iotkit/sensor", CLEAR[2]), ("iotkit/sensor", BROKEN),
        ("iotkit/sensor", CLEAR[3]),
    ]  # fmt: skip
    with engine(args, tmp_path / "debug.jsonl") as flowengine:
        flowengine.wait_log("Subscribed to iotkit/# on mqtt://127.0.0.1:")
        with publisher(e2e_mosquitto) as pub:
            for shown, (topic, payload) in enumerate(sequence, 1):
                pub.publish(IoTKitMessage(payload.decode(), topic, payload, 1))
                wait_node_debug(flowengine, KAFKA_FLOW_DEBUG, shown)
        shown_predictions = wait_node_debug(flowengine, PREDICTION_DEBUG, len(CLEAR))
        low = wait_node_debug(flowengine, LOW_CONFIDENCE_DEBUG, 1)
        errors = wait_node_debug(flowengine, ERROR_DEBUG, 1)
        records = read_records(e2e_kafka, "predictions", start, len(CLEAR))
        assert flowengine.stop() == 0
        stderr = flowengine.stderr

    expected = [expected_record(model, payload) for payload in CLEAR]
    assert [json.loads(r.value) for r in records] == expected
    assert [json.loads(text) for text in shown_predictions] == expected
    assert end_offset(e2e_kafka, "predictions") == start + len(CLEAR)  # nothing else written
    assert {r.key for r in records} == {b""}
    # Low confidence: the whole message, the reading as it came (NUL kept), not on the topic.
    assert len(low) == 1
    assert low[0]["payload"] == BETWEEN.decode()
    between = probabilities(model, BETWEEN)
    assert low[0]["prediction"]["probabilities"] == between
    assert low[0]["prediction"]["confidence"] == max(between.values())
    assert low[0]["prediction"]["label"] == "middle"
    assert len(errors) == 1 and "ml-score: bad features: column 1" in errors[0]["message"]
    assert "Topic name" not in stderr
