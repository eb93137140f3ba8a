"""The decision-region plot of ``flowengine train`` (temperature vs humidity).

As the notebook's ``plotPrediction``: the model's prediction over a grid, in light colours
(low red, middle green, high blue), the training readings as small dots in the class colours and
the test readings on top as larger dots with a dark edge; test readings the model gets wrong are
crossed. Drawn with matplotlib's Agg canvas directly (no pyplot, no display, no global state).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .training import predict_in_chunks

__all__ = ["plot_decision_regions"]

_BOLD = {"low": "#FF0000", "middle": "#00AA00", "high": "#0000FF"}
_LIGHT = {"low": "#FFAAAA", "middle": "#AAFFAA", "high": "#AAAAFF"}
_PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
#: at most this many grid cells per axis
_GRID = (480, 320)


def _colours(labels: Sequence[str]) -> tuple[list[str], list[str]]:
    if all(label in _BOLD for label in labels):
        return [_BOLD[lb] for lb in labels], [_LIGHT[lb] for lb in labels]
    from matplotlib.colors import to_rgb

    bold = [_PALETTE[i % len(_PALETTE)] for i in range(len(labels))]
    light = []
    for c in bold:
        r, g, b = to_rgb(c)
        light.append("#" + "".join(f"{int(255 * (0.6 + 0.4 * v)):02x}" for v in (r, g, b)))
    return bold, light


def plot_decision_regions(
    model: Any,
    labels: Sequence[str],
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray] | None,
    path: str | os.PathLike[str],
    title: str = "",
    axis_labels: tuple[str, str] = ("temperature (°C)", "humidity (%)"),
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write the plot as a PNG to ``path``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    labels = list(labels)
    index = {label: i for i, label in enumerate(labels)}
    bold, light = _colours(labels)
    points = np.vstack([train[0]] + ([test[0]] if test is not None else []))
    x_min, y_min = points.min(axis=0) - 1.0
    x_max, y_max = points.max(axis=0) + 1.0
    xs = np.linspace(x_min, x_max, _GRID[0])
    ys = np.linspace(y_min, y_max, _GRID[1])
    xx, yy = np.meshgrid(xs, ys)
    grid = np.c_[xx.ravel(), yy.ravel()]
    predicted = predict_in_chunks(model, grid, progress).astype(str)
    z = np.array([index.get(p, -1) for p in predicted], dtype=float).reshape(xx.shape)
    z[z < 0] = np.nan  # a class the legend does not know: left blank

    fig = Figure(figsize=(12, 7), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.pcolormesh(
        xx, yy, z, cmap=ListedColormap(light), vmin=-0.5, vmax=len(labels) - 0.5, shading="auto"
    )
    train_colours = [bold[index[str(v)]] for v in train[1]]
    ax.scatter(train[0][:, 0], train[0][:, 1], c=train_colours, s=12, marker="o", linewidths=0)
    handles: list[Any] = [
        Line2D([], [], marker="s", linestyle="", markersize=10, color=c, label=f"{lb} region")
        for c, lb in zip(light, labels, strict=True)
    ]
    handles += [
        Line2D([], [], marker="o", linestyle="", markersize=5, color=bold[i], label=f"{lb} (train)")
        for i, lb in enumerate(labels)
    ]
    if test is not None:
        tx, ty = test
        known = np.array([str(v) in index for v in ty], dtype=bool)
        test_colours = [bold[index[str(v)]] for v in ty[known]]
        ax.scatter(
            tx[known, 0],
            tx[known, 1],
            c=test_colours,
            s=60,
            marker="o",
            edgecolors="black",
            linewidths=0.8,
        )
        wrong = predict_in_chunks(model, tx).astype(str) != ty.astype(str)
        if wrong.any():
            ax.scatter(tx[wrong, 0], tx[wrong, 1], c="black", s=140, marker="x", linewidths=2)
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="x",
                    linestyle="",
                    markersize=10,
                    color="black",
                    markeredgewidth=2,
                    label=f"misclassified test ({int(wrong.sum())})",
                )
            )
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=8,
                color="white",
                markeredgecolor="black",
                label="test readings (class colour)",
            )
        )
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_xlabel(axis_labels[0], fontsize=14)
    ax.set_ylabel(axis_labels[1], fontsize=14)
    if title:
        ax.set_title(title, fontsize=15)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=10)
    fig.tight_layout()
    fig.savefig(os.fspath(path), format="png")
