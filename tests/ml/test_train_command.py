"""``flowengine train`` (flowengine.commands.train), run through a test-local argparse."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from flowengine.commands import train
from flowengine.ml.models import load_model
from flowengine.ml.progress import Progress

from .support import SAMPLE_TEST, SAMPLE_TRAIN, SHARED_CAPTURES, command_args

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_train(argv: list[str]) -> int:
    return train.run(command_args(train, ["train", *argv, "--quiet"]))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_on_the_shipped_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model, plot, report = tmp_path / "m.skops", tmp_path / "regions.png", tmp_path / "r.json"
    code = run_train(
        [
            str(SAMPLE_TRAIN),
            "--test",
            str(SAMPLE_TEST),
            "--model",
            str(model),
            "--plot",
            str(plot),
            "--report",
            str(report),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "300 lines, 300 readings, 0 blank, 0 broken line(s)" in out
    assert "estimator: KNeighborsClassifier(n_neighbors=1)" in out
    assert "train accuracy: 1.0000 (300/300)" in out
    assert "test accuracy:" in out
    assert "per-class report (test data):" in out
    assert "confusion matrix (test data; rows: true class, columns: predicted):" in out
    # classes in the IoTKit order, in the report and the matrix
    matrix = out.split("confusion matrix")[1].splitlines()
    assert matrix[1].split()[-3:] == ["low", "middle", "high"]
    assert [line.split()[0] for line in matrix[2:5]] == ["low", "middle", "high"]
    assert "ml-score loads it as it is" in out
    assert png_size(plot) == (1200, 700)
    data = json.loads(report.read_text())
    assert data["train_accuracy"] == 1.0
    assert data["test_accuracy"] >= 0.95
    assert data["estimator"]["k"] == 1
    assert data["data"]["readings"] == 300
    assert data["test_scores"]["confusion_matrix"]["labels"] == ["low", "middle", "high"]
    assert sum(map(sum, data["test_scores"]["confusion_matrix"]["matrix"])) == 150
    assert data["model_trusted_types_needed"] == []
    assert load_model(model).n_neighbors == 1


@pytest.mark.skipif(not SHARED_CAPTURES.exists(), reason="../shared/data is not there")
def test_the_notebook_result_on_the_tutorial_captures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "r.json"
    code = run_train(
        [
            str(SHARED_CAPTURES / "data.csv"),
            "--drop-first",
            "7",
            "--test",
            str(SHARED_CAPTURES / "test.csv"),
            "--report",
            str(report),
            "--plot",
            str(tmp_path / "p.png"),
            "--min-accuracy",
            "0.99",
        ]
    )
    assert code == 0, capsys.readouterr()
    data = json.loads(report.read_text())
    assert data["data"]["readings"] == 337  # 344 lines, the first 7 dropped
    assert data["train_accuracy"] == 1.0
    assert data["test_accuracy"] >= 0.99  # the notebook: 0.991


def test_broken_lines_are_reported_not_fatal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d.csv"
    lines = SAMPLE_TRAIN.read_bytes().splitlines(keepends=True)
    data.write_bytes(b"".join(lines[:30]) + b"\n0xBC,oops\n\xff\n" + b"".join(lines[30:60]))
    assert run_train([str(data)]) == 0
    out = capsys.readouterr().out
    assert "60 readings, 1 blank, 2 broken line(s)" in out
    assert "line 32: expected 4 fields" in out
    assert "line 33: not UTF-8 text" in out
    assert "per-class report (training data):" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.csv"], "data missing.csv: cannot read"),
        ([str(SAMPLE_TRAIN), "--estimator", "tree", "--k", "3"], "--k applies to --estimator knn"),
        ([str(SAMPLE_TRAIN), "--model", "m.pkl"], "expected a .skops file name"),
        ([str(SAMPLE_TRAIN), "--plot", "/no/such/dir/p.png"], "does not exist"),
        ([str(SAMPLE_TRAIN), "--k", "301"], "--k 301: DATA.csv has only 300"),
        ([str(SAMPLE_TRAIN), "--min-accuracy", "1.5"], "expected a number from 0 to 1"),
        ([str(SAMPLE_TRAIN), "--drop-first", "300"], "no readings to use"),
    ],
)
def test_user_mistakes_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_train(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("flowengine train: ") and message in err


def test_below_min_accuracy_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    swapped = tmp_path / "swapped.csv"
    text = SAMPLE_TEST.read_bytes()
    swapped.write_bytes(text.replace(b",low", b",tmp").replace(b",high", b",low"))
    code = run_train([str(SAMPLE_TRAIN), "--test", str(swapped), "--min-accuracy", "0.9"])
    assert code == 3
    assert "is below --min-accuracy 0.9" in capsys.readouterr().err


def test_tree_and_forest_models_need_trusted_types(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for estimator in ("tree", "forest"):
        model = tmp_path / f"{estimator}.skops"
        assert run_train([str(SAMPLE_TRAIN), "--estimator", estimator, "--model", str(model)]) == 0
        out = capsys.readouterr().out
        assert "ml-score needs trustedTypes sklearn.tree._tree.Tree" in out
        assert load_model(model, trusted_types=["sklearn.tree._tree.Tree"]).n_features_in_ == 2


def test_bad_arguments_are_argparse_errors() -> None:
    bad = (["train"], ["train", "d.csv", "--k", "0"], ["train", "d.csv", "--drop-first", "x"])
    for argv in bad:
        with pytest.raises(SystemExit) as exc:
            command_args(train, argv)
        assert exc.value.code == 2


def test_progress_only_for_long_steps() -> None:
    now = [0.0]
    out = io.StringIO()
    progress = Progress(out, delay=1.0, interval=0.5, clock=lambda: now[0])
    progress.start("plotting")
    progress.update(10, 100)
    assert out.getvalue() == ""  # short so far: quiet
    now[0] = 1.2
    progress.update(40, 100)
    now[0] = 1.3
    progress.update(50, 100)  # within the interval: not shown
    now[0] = 1.8
    progress.update(90, 100)
    progress.finish()
    assert out.getvalue().splitlines() == [
        "train: plotting:  40%",
        "train: plotting:  90%",
        "train: plotting: done",
    ]
    quiet = io.StringIO()
    disabled = Progress(quiet, enabled=False, delay=0.0, clock=lambda: now[0])
    disabled.start("x")
    disabled.update(1, 2)
    disabled.finish()
    assert quiet.getvalue() == ""
