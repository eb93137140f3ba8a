"""The ``ml-score`` node: features, batches, errors to catch, confidence, reload, config."""

from __future__ import annotations

import os
import pickle
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from flowengine.testing import FlowTestHelper, load_error_lines
from tests.ml.support import iotkit_model

WAIT = 30.0
LINE = b" 0xBC,20.40,51.6,low\x00"


def flow(tab: dict[str, Any], model: str, **config: Any) -> list[dict[str, Any]]:
    z = tab["id"]
    outputs = 2 if config.get("minConfidence") not in (None, "") else 1
    node = {
        "id": "score",
        "type": "ml-score",
        "z": z,
        "x": 1,
        "y": 1,
        "name": "",
        "model": model,
        "wires": [["out"], ["unsure"]][:outputs],
        **config,
    }
    return [
        tab,
        node,
        {"id": "out", "type": "helper", "z": z, "x": 1, "y": 1, "wires": []},
        {"id": "unsure", "type": "helper", "z": z, "x": 1, "y": 1, "wires": []},
        {"id": "catch", "type": "catch", "z": z, "x": 1, "y": 1, "scope": None, "wires": [["err"]]},
        {"id": "err", "type": "helper", "z": z, "x": 1, "y": 1, "wires": []},
    ]


def deliver_together(h: FlowTestHelper, payloads: list[Any]) -> None:
    """Hand every message to the node within one turn of the engine loop."""
    node = h.node("score")
    h.call(lambda: [node.receive({"payload": p}) for p in payloads])


def status_text(h: FlowTestHelper) -> str:
    return str(h.statuses.get("score", [{}])[-1].get("text", ""))


def test_scores_csv_lines_objects_and_arrays(tab: dict[str, Any], knn_model: str) -> None:
    payloads = [
        LINE,
        "0xBC,25.40,51.6,middle",
        {"humtemp": {"temp": 30.4, "hum": 51.5}},
        [20.5, 50.0],
    ]
    with FlowTestHelper(flow(tab, knn_model)) as h:
        deliver_together(h, payloads)
        got = h.wait_for("out", 4, WAIT)
    assert [m["payload"] for m in got] == payloads  # order kept, payload untouched
    assert [m["prediction"]["label"] for m in got] == ["low", "middle", "high", "low"]
    first = got[0]["prediction"]
    assert first == {
        "label": "low",
        "confidence": 1.0,
        "probabilities": {"high": 0.0, "low": 1.0, "middle": 0.0},
        "model": "iotkit-knn.skops",
    }


def test_messages_arriving_together_are_one_batch(tab: dict[str, Any], knn_model: str) -> None:
    payloads = [f"0xBC,{20 + (i % 3) * 5}.3,50.{i % 10},x".encode() + b"\x00" for i in range(200)]
    with FlowTestHelper(flow(tab, knn_model)) as h:
        deliver_together(h, payloads)
        got = h.wait_for("out", 200, WAIT)
        node: Any = h.node("score")
        assert node.batches == 1
        deliver_together(h, payloads[:3])
        h.wait_for("out", 203, WAIT)
        assert node.batches == 2
    assert [m["prediction"]["label"] for m in got[:3]] == ["low", "middle", "high"]


def test_bad_features_go_to_catch_and_the_rest_is_scored(
    tab: dict[str, Any], knn_model: str
) -> None:
    payloads = [LINE, "hello", {"humtemp": {"temp": "warm", "hum": 50}}, None, b"\xff\xfe", LINE]
    with FlowTestHelper(flow(tab, knn_model)) as h:
        deliver_together(h, payloads)
        errors = h.wait_for("err", 4, WAIT)
        scored = h.wait_for("out", 2, WAIT)
        h.wait_until(lambda: "2 scored, 4 errors" in status_text(h), WAIT, "status")
    assert len(scored) == 2
    messages = [e["error"]["message"] for e in errors]
    assert messages == [
        "ml-score: bad features: column 1: the line has only 1 field(s): 'hello'",
        "ml-score: bad features: humtemp.temp: expected a number, got 'warm'",
        "ml-score: bad features: expected a CSV line, an object or an array, got null",
        "ml-score: bad features: the CSV line is not UTF-8 text",
    ]
    assert [e["payload"] for e in errors] == payloads[1:5]  # the message itself goes to catch
    assert all(e["error"]["source"]["id"] == "score" for e in errors)


def test_a_missing_property_and_wrong_width(tab: dict[str, Any], knn_model: str) -> None:
    with FlowTestHelper(flow(tab, knn_model, property="data.reading")) as h:
        h.inject("score", {"payload": LINE})
        h.inject("score", {"data": {"reading": [1, 2, 3]}})
        errors = h.wait_for("err", 2, WAIT)
    assert errors[0]["error"]["message"] == "ml-score: bad features: msg.data.reading is undefined"
    assert errors[1]["error"]["message"] == (
        "ml-score: bad features: 3 feature(s), the model expects 2"
    )


def test_custom_property_output_and_formats(tab: dict[str, Any], knn_model: str) -> None:
    config = {
        "property": "msg.reading",
        "output": "result.ml",
        "format": "paths",
        "paths": "t, h",
    }
    with FlowTestHelper(flow(tab, knn_model, **config)) as h:
        h.inject("score", {"reading": {"t": 30.5, "h": 50}, "result": {"keep": 1}})
        [msg] = h.wait_for("out", 1, WAIT)
    assert msg["result"]["keep"] == 1
    assert msg["result"]["ml"]["label"] == "high"
    assert "prediction" not in msg


def test_csv_columns_and_separator(tab: dict[str, Any], knn_model: str) -> None:
    with FlowTestHelper(flow(tab, knn_model, format="csv", columns="2,0", separator=";")) as h:
        h.inject("score", {"payload": "50.2;x;25.3"})
        [msg] = h.wait_for("out", 1, WAIT)
    assert msg["prediction"]["label"] == "middle"


def test_low_confidence_goes_to_the_second_output(tab: dict[str, Any], unsure_model: str) -> None:
    with FlowTestHelper(flow(tab, unsure_model, minConfidence="0.6", outputs=2)) as h:
        deliver_together(h, ["0xBC,20.0,50.0,low", [20.0, 50.0]])
        unsure = h.wait_for("unsure", 2, WAIT)
        h.wait_until(lambda: "2 scored, 2 low" in status_text(h), WAIT, "status")
        assert h.received("out") == []
    prediction = unsure[0]["prediction"]
    assert prediction["label"] == "low"
    assert prediction["confidence"] == 0.5
    assert prediction["probabilities"] == {"high": 0.25, "low": 0.5, "middle": 0.25}
    with FlowTestHelper(flow(tab, unsure_model, minConfidence=0.5)) as h:
        h.inject("score", {"payload": [20.0, 50.0]})
        h.wait_for("out", 1, WAIT)  # 0.5 is not below 0.5


def test_status_shows_model_name_and_counts(tab: dict[str, Any], knn_model: str) -> None:
    with FlowTestHelper(flow(tab, knn_model)) as h:
        h.wait_until(lambda: status_text(h) == "iotkit-knn.skops: 0 scored", WAIT, "first status")
        deliver_together(h, [LINE] * 5 + ["bad"])
        h.wait_until(
            lambda: status_text(h) == "iotkit-knn.skops: 5 scored, 1 error", WAIT, "counts"
        )
        assert h.statuses["score"][-1]["fill"] == "green"


def test_the_model_is_reloaded_when_the_file_changes(
    tab: dict[str, Any], knn_model: str, swapped_model: str, tmp_path: Path
) -> None:
    model = tmp_path / "live.skops"
    shutil.copy(knn_model, model)
    with FlowTestHelper(flow(tab, str(model), watchInterval=0)) as h:
        h.inject("score", {"payload": LINE})
        assert h.wait_for("out", 1, WAIT)[0]["prediction"]["label"] == "low"
        replace(swapped_model, model)
        h.inject("score", {"payload": LINE})
        assert h.wait_for("out", 2, WAIT)[1]["prediction"]["label"] == "high"
        h.wait_until(lambda: "2 scored, 1 reload" in status_text(h), WAIT, "reload status")
        assert any("reloaded model" in text for _, _, text in h.logs)


def test_no_message_is_dropped_across_reloads(
    tab: dict[str, Any], knn_model: str, swapped_model: str, tmp_path: Path
) -> None:
    model = tmp_path / "live.skops"
    shutil.copy(knn_model, model)
    with FlowTestHelper(flow(tab, str(model), watchInterval=0)) as h:
        for round_ in range(6):
            replace(swapped_model if round_ % 2 == 0 else knn_model, model)
            deliver_together(h, [LINE] * 50)
            h.wait_for("out", 50 * (round_ + 1), WAIT)
        h.wait_idle(WAIT)
        got = h.received("out")
        assert h.received("err") == []
    # every batch after a change is scored with the new model
    assert [m["prediction"]["label"] for m in got] == (["high"] * 50 + ["low"] * 50) * 3


def test_messages_arriving_while_a_model_loads_wait_for_it(
    tab: dict[str, Any], knn_model: str, swapped_model: str, tmp_path: Path
) -> None:
    model = tmp_path / "live.skops"
    shutil.copy(knn_model, model)
    with FlowTestHelper(flow(tab, str(model), watchInterval=0)) as h:
        node: Any = h.node("score")
        loading, release = threading.Event(), threading.Event()
        real_load = node._load

        def slow_load() -> Any:  # runs in the worker thread
            loading.set()
            assert release.wait(WAIT)
            return real_load()

        node._load = slow_load
        replace(swapped_model, model)
        deliver_together(h, [LINE] * 50)
        assert loading.wait(WAIT)
        deliver_together(h, [LINE] * 30)  # while the new model loads
        release.set()
        got = h.wait_for("out", 80, WAIT)
        assert node.batches == 1  # both waited, then one predict_proba
    assert [m["prediction"]["label"] for m in got] == ["high"] * 80


def test_a_bad_new_file_keeps_the_old_model(
    tab: dict[str, Any], knn_model: str, swapped_model: str, tmp_path: Path
) -> None:
    model = tmp_path / "live.skops"
    shutil.copy(knn_model, model)
    with FlowTestHelper(flow(tab, str(model), watchInterval="0")) as h:
        write_replace(model, b"PK\x03\x04 not really a model")
        h.inject("score", {"payload": LINE})
        assert h.wait_for("out", 1, WAIT)[0]["prediction"]["label"] == "low"
        assert any("cannot reload" in w for w in h.warnings())
        h.wait_until(lambda: h.statuses["score"][-1]["fill"] == "yellow", WAIT, "yellow")
        assert "reload failed" in status_text(h)
        os.unlink(model)
        h.inject("score", {"payload": LINE})
        assert h.wait_for("out", 2, WAIT)[1]["prediction"]["label"] == "low"
        h.wait_until(lambda: any(" is gone" in w for w in h.warnings()), WAIT, "gone")
        replace(swapped_model, model)
        h.inject("score", {"payload": LINE})
        assert h.wait_for("out", 3, WAIT)[2]["prediction"]["label"] == "high"
        h.wait_until(lambda: h.statuses["score"][-1]["fill"] == "green", WAIT, "green again")


def test_without_watch_the_file_is_not_reloaded(
    tab: dict[str, Any], knn_model: str, swapped_model: str, tmp_path: Path
) -> None:
    model = tmp_path / "live.skops"
    shutil.copy(knn_model, model)
    with FlowTestHelper(flow(tab, str(model), watch=False, watchInterval=0)) as h:
        replace(swapped_model, model)
        h.inject("score", {"payload": LINE})
        assert h.wait_for("out", 1, WAIT)[0]["prediction"]["label"] == "low"


def test_trusted_loads_pickles_and_trusted_types_trees(tab: dict[str, Any], tmp_path: Path) -> None:
    pickled = tmp_path / "m.pkl"
    pickled.write_bytes(pickle.dumps(iotkit_model()))
    with FlowTestHelper(flow(tab, str(pickled), trusted=True)) as h:
        h.inject("score", {"payload": LINE})
        assert h.wait_for("out", 1, WAIT)[0]["prediction"]["label"] == "low"
    from sklearn.tree import DecisionTreeClassifier

    from flowengine.ml.models import save_model

    tree = tmp_path / "tree.skops"
    save_model(DecisionTreeClassifier().fit([[20, 50], [30, 50]], ["low", "high"]), tree)
    config = {"trustedTypes": ["sklearn.tree._tree.Tree"]}
    with FlowTestHelper(flow(tab, str(tree), **config)) as h:
        h.inject("score", {"payload": "0xBC,29,50,x"})
        assert h.wait_for("out", 1, WAIT)[0]["prediction"]["label"] == "high"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model": ""}, "model: the path of a model file is required"),
        (
            {"model": "/no/such/model.skops"},
            "model: model file /no/such/model.skops does not exist",
        ),
        ({"format": "xml"}, "format: unknown format 'xml'"),
        ({"columns": "1,x"}, "columns: 'x' is not a position"),
        ({"columns": "-1"}, "columns: '-1' is not a position"),
        ({"columns": "1,2,3", "format": "csv"}, "columns: iotkit-knn.skops expects 2 feature(s)"),
        ({"paths": "a", "format": "paths"}, "paths: iotkit-knn.skops expects 2 feature(s)"),
        ({"paths": "a[", "format": "paths"}, "paths: bad path 'a['"),
        ({"minConfidence": "high"}, "minConfidence: expected a number from 0 to 1, got 'high'"),
        ({"minConfidence": 1.5}, "minConfidence: expected a number from 0 to 1"),
        ({"minConfidence": 0.5, "outputs": 1}, "outputs: must be 2 when minConfidence is set"),
        ({"outputs": 2}, "outputs: must be 1 when no minConfidence is set, got 2"),
        ({"watchInterval": -5}, "watchInterval: expected milliseconds >= 0"),
        ({"watch": "yes"}, "watch: expected true or false, got 'yes'"),
        ({"trusted": 1}, "trusted: expected true or false, got 1"),
        ({"trustedTypes": 5}, "trustedTypes: expected a list of strings"),
        ({"property": "a..b"}, "property: bad property 'a..b'"),
        ({"output": 7}, "output: expected a message property, got 7"),
        ({"separator": 5}, "separator: expected a string"),
        ({"format": "paths", "columns": "1,2"}, "columns: applies to format csv or array"),
        ({"format": "csv", "paths": "a,b"}, "paths: applies to format paths, not csv"),
        ({"format": "array", "separator": ";"}, "separator: applies to format csv, not array"),
        ({"wires": [["out"], ["unsure"]]}, "wires: 2 outputs wired, the node has 1"),
    ],
)
def test_every_option_is_checked_at_load(
    tab: dict[str, Any], knn_model: str, config: dict[str, Any], message: str
) -> None:
    nodes = flow(tab, knn_model)
    nodes[1].update(config)
    lines = load_error_lines(nodes)
    assert len(lines) == 1, lines
    assert lines[0].startswith("<test flow>: node score (ml-score): ")
    assert message in lines[0]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"not a model", "m.skops", "is neither a skops file nor a pickle"),
        (b"PK\x03\x04junk", "m.skops", "not a skops file"),
        (b"\x80\x04junk", "m.pkl", "can run arbitrary code when loaded"),
    ],
)
def test_unloadable_model_files_are_config_errors(
    tab: dict[str, Any], tmp_path: Path, content: bytes, name: str, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    [line] = load_error_lines(flow(tab, str(path)))
    assert "model: " in line and message in line


def test_models_that_cannot_score_are_config_errors(tab: dict[str, Any], tmp_path: Path) -> None:
    from sklearn.linear_model import LinearRegression
    from sklearn.tree import DecisionTreeClassifier

    from flowengine.ml.models import save_model

    regression = tmp_path / "r.skops"
    save_model(LinearRegression().fit([[0.0, 1.0], [1.0, 2.0]], [0.0, 1.0]), regression)
    [line] = load_error_lines(flow(tab, str(regression)))
    assert "has no predict_proba" in line
    tree = tmp_path / "t.skops"
    save_model(DecisionTreeClassifier().fit([[0.0, 1.0]], ["a"]), tree)
    [line] = load_error_lines(flow(tab, str(tree)))
    assert "list them in trustedTypes" in line


def replace(source: str | Path, target: Path) -> None:
    """Put a new model in place the way ``flowengine train`` does: write beside, rename."""
    write_replace(target, Path(source).read_bytes())


def write_replace(target: Path, content: bytes) -> None:
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(content)
    os.replace(tmp, target)


def test_a_model_fitted_on_a_dataframe_gets_its_column_names(
    tab: dict[str, Any], tmp_path: Path
) -> None:
    import warnings

    import pandas as pd
    from sklearn.neighbors import KNeighborsClassifier

    from flowengine.ml.models import save_model

    frame = pd.DataFrame({"temp": [20.0, 25.0, 30.0], "hum": [50.0, 50.0, 50.0]})
    path = tmp_path / "frame.skops"
    save_model(KNeighborsClassifier(1).fit(frame, ["low", "middle", "high"]), path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "X does not have valid feature names" would fail
        with FlowTestHelper(flow(tab, str(path))) as h:
            h.inject("score", {"payload": {"humtemp": {"temp": 24.0, "hum": 49}}})
            [msg] = h.wait_for("out", 1, WAIT)
            assert h.received("err") == []
    assert msg["prediction"]["label"] == "middle"
