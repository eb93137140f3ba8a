"""Fit and evaluate a classifier on temperature/humidity readings (the tutorial notebook).

The notebook fits ``KNeighborsClassifier(1)`` on ``[temp, hum]`` → ``class``, scores the
training data and a test file, and looks at the confusion. Here the same as functions: the
readings become numpy arrays (column 0 temperature, column 1 humidity), estimators are built by
name, and an evaluation holds accuracy, the per-class report and the confusion matrix with the
classes in display order (low, middle, high for IoTKit data).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import ESTIMATORS, ordered_labels
from .captures import Reading

__all__ = [
    "ESTIMATORS",
    "FEATURE_NAMES",
    "Evaluation",
    "arrays",
    "evaluate",
    "format_confusion",
    "format_report",
    "make_estimator",
    "predict_in_chunks",
]

#: model input columns, in order
FEATURE_NAMES = ("temperature", "humidity")
_CHUNK = 20_000


def arrays(readings: Sequence[Reading]) -> tuple[np.ndarray, np.ndarray]:
    """Readings → ``X`` (n×2 floats: temperature, humidity) and ``y`` (labels)."""
    x = np.array([(r.temperature, r.humidity) for r in readings], dtype=float).reshape(-1, 2)
    y = np.array([r.label for r in readings], dtype=object)
    return x, y


def make_estimator(name: str, k: int = 1, seed: int = 0) -> Any:
    """An unfitted classifier: ``knn`` (k neighbours), ``tree`` or ``forest``."""
    if name == "knn":
        from sklearn.neighbors import KNeighborsClassifier

        return KNeighborsClassifier(n_neighbors=k, algorithm="brute")
    if name == "tree":
        from sklearn.tree import DecisionTreeClassifier

        return DecisionTreeClassifier(random_state=seed)
    if name == "forest":
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(n_estimators=100, random_state=seed)
    raise ValueError(f"unknown estimator {name!r}; expected one of {', '.join(ESTIMATORS)}")


def predict_in_chunks(
    model: Any, x: np.ndarray, progress: Callable[[int, int], None] | None = None
) -> np.ndarray:
    """``model.predict(x)`` in chunks, reporting progress between them."""
    n = len(x)
    if n <= _CHUNK:
        out = model.predict(x)
        if progress is not None:
            progress(n, n)
        return np.asarray(out)
    parts = []
    for start in range(0, n, _CHUNK):
        parts.append(model.predict(x[start : start + _CHUNK]))
        if progress is not None:
            progress(min(start + _CHUNK, n), n)
    return np.concatenate(parts)


@dataclass
class Evaluation:
    """How well a model did on one data set."""

    labels: list[str]
    correct: int
    total: int
    report: dict[str, dict[str, float]]
    confusion: list[list[int]]

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy,
            "correct": self.correct,
            "total": self.total,
            "per_class": self.report,
            "confusion_matrix": {"labels": self.labels, "matrix": self.confusion},
        }


def evaluate(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Score ``model`` on ``x``/``y``: accuracy, per-class precision/recall/F1, confusion."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    predicted = predict_in_chunks(model, x, progress).astype(str)
    truth = y.astype(str)
    labels = ordered_labels([*truth, *predicted])
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    report = {
        label: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, label in enumerate(labels)
    }
    matrix = confusion_matrix(truth, predicted, labels=labels)
    return Evaluation(
        labels=labels,
        correct=int((predicted == truth).sum()),
        total=len(truth),
        report=report,
        confusion=[[int(v) for v in row] for row in matrix],
    )


def format_report(evaluation: Evaluation) -> str:
    """The per-class report as a table."""
    width = max(8, *(len(label) for label in evaluation.labels))
    lines = [f"{'class':<{width}}  precision  recall  f1-score  support"]
    for label in evaluation.labels:
        r = evaluation.report[label]
        lines.append(
            f"{label:<{width}}  {r['precision']:9.3f}  {r['recall']:6.3f}  {r['f1']:8.3f}"
            f"  {r['support']:7d}"
        )
    return "\n".join(lines)


def format_confusion(evaluation: Evaluation) -> str:
    """The confusion matrix; rows are the true class, columns the predicted one."""
    labels = evaluation.labels
    corner = "true \\ predicted"
    width = max(len(corner), *(len(label) for label in labels))
    cell = max(6, *(len(label) for label in labels))
    lines = [f"{corner:<{width}}" + "".join(f"{lb:>{cell + 1}}" for lb in labels)]
    for label, row in zip(labels, evaluation.confusion, strict=True):
        lines.append(f"{label:<{width}}" + "".join(f"{v:>{cell + 1}d}" for v in row))
    return "\n".join(lines)
