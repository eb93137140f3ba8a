"""Model files: skops (safe), pickle/joblib only when trusted (flowengine.ml.models)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from flowengine.ml.models import ModelLoadError, describe_model, load_model, save_model

from .support import iotkit_model, save


def test_skops_round_trip_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = save(iotkit_model(), tmp_path / "m.skops")
    assert [p.name for p in tmp_path.iterdir()] == ["m.skops"]
    model = load_model(path)
    info = describe_model(model)
    assert sorted(info.classes) == ["high", "low", "middle"]
    assert (info.n_features, info.feature_names, info.estimator) == (
        2,
        None,
        "KNeighborsClassifier",
    )
    assert model.predict(np.array([[20.3, 51.0], [30.5, 50.0]])).tolist() == ["low", "high"]


def test_pickle_only_when_trusted(tmp_path: Path) -> None:
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps(iotkit_model()))
    with pytest.raises(ModelLoadError, match="pickle/joblib file, which can run arbitrary code"):
        load_model(path)
    assert describe_model(load_model(path, trusted=True)).n_features == 2


def test_types_skops_does_not_trust_need_listing(tmp_path: Path) -> None:
    from sklearn.tree import DecisionTreeClassifier

    tree = DecisionTreeClassifier(random_state=0).fit([[0.0, 0.0], [1.0, 1.0]], ["a", "b"])
    path = save(tree, tmp_path / "tree.skops")
    with pytest.raises(ModelLoadError, match=r"sklearn\.tree\._tree\.Tree; list them"):
        load_model(path)
    assert load_model(path, trusted_types=["sklearn.tree._tree.Tree"]).predict([[1, 1]])[0] == "b"
    assert load_model(path, trusted=True).predict([[0, 0]])[0] == "a"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"hello, world", "neither a skops file nor a pickle"),
        (b"PK\x03\x04garbage", "not a skops file"),
    ],
)
def test_files_that_are_not_models(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "m.skops"
    path.write_bytes(content)
    with pytest.raises(ModelLoadError, match=message):
        load_model(path)


def test_missing_file_or_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_model(tmp_path / "nope.skops")
    with pytest.raises(ModelLoadError, match="is a directory"):
        load_model(tmp_path)


def test_a_model_without_predict_proba_cannot_score(tmp_path: Path) -> None:
    from sklearn.linear_model import LinearRegression

    regression = LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0])
    with pytest.raises(ValueError, match="has no predict_proba"):
        describe_model(regression)
    save_model(regression, tmp_path / "r.skops")  # saving works; scoring refuses
