"""Models for the ml-score tests, made once per session from the shipped sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ml.support import iotkit_model, save


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def knn_model(models_dir: Path) -> str:
    """k = 1 on the sample: low/middle/high with probability 1."""
    return save(iotkit_model(), models_dir / "iotkit-knn.skops")


@pytest.fixture(scope="session")
def swapped_model(models_dir: Path) -> str:
    """The same, with low and high swapped: tells which model scored a message."""
    return save(iotkit_model(swap=True), models_dir / "iotkit-swapped.skops")


@pytest.fixture(scope="session")
def unsure_model(models_dir: Path) -> str:
    """k = 4 on four readings: at 20 °C low 0.5, middle 0.25, high 0.25."""
    from sklearn.neighbors import KNeighborsClassifier

    model = KNeighborsClassifier(n_neighbors=4, algorithm="brute")
    model.fit(
        [[20.0, 50.0], [20.0, 50.0], [25.0, 50.0], [30.0, 50.0]], ["low", "low", "middle", "high"]
    )
    return save(model, models_dir / "unsure.skops")
