"""Shared by the ML tests: where the sample data is, small models made on the spot."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SAMPLE_TRAIN = REPO / "data" / "samples" / "iotkit-train.csv"
SAMPLE_TEST = REPO / "data" / "samples" / "iotkit-test.csv"
SHARED_CAPTURES = REPO.parent / "shared" / "data" / "iotkit-captures"


def iotkit_model(k: int = 1, swap: bool = False) -> Any:
    """A k-NN model fitted on the shipped sample (labels low↔high swapped with ``swap``)."""
    from flowengine.ml.captures import read_capture
    from flowengine.ml.training import arrays, make_estimator

    x, y = arrays(read_capture(SAMPLE_TRAIN).readings)
    if swap:
        y = y.copy()
        low, high = y == "low", y == "high"
        y[low], y[high] = "high", "low"
    model = make_estimator("knn", k=k)
    model.fit(x, y)
    return model


def save(model: Any, path: str | os.PathLike[str]) -> str:
    from flowengine.ml.models import save_model

    save_model(model, path)
    return os.fspath(path)


def command_args(module: Any, argv: list[str]) -> argparse.Namespace:
    """Parse ``argv`` with a test-local parser holding just ``module``'s sub-command."""
    parser = argparse.ArgumentParser(prog="flowengine")
    sub = parser.add_subparsers(dest="command", required=True)
    module.add_parser(sub)
    return parser.parse_args(argv)
