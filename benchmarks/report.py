"""The suite's report: one Markdown table, the goals of issue 6, the runs, a PNG chart.

Input is the results document ``run_all.py`` writes (``benchmarks/results/latest.json``):
``{"meta": {...}, "scenarios": [{"key", "title", "group", "compare", "samples":
{engine label: [sample, ...]}}]}``. Every figure is the median of a scenario's runs
with its min–max; ratios are flowengine ÷ Node-RED of the medians in the same suite.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Goal", "evaluate_goals", "render_markdown", "update_docs", "write_chart"]

FLOWENGINE = "flowengine"
CEILING = "no engine (ceiling)"

Sample = dict[str, Any]


def _values(samples: Iterable[Sample], key: str) -> list[float]:
    out = []
    for s in samples:
        v = s.get(key)
        if isinstance(v, int | float) and not math.isnan(v):
            out.append(float(v))
    return out


def median(samples: Iterable[Sample], key: str) -> float | None:
    values = _values(samples, key)
    return statistics.median(values) if values else None


def _fmt(value: float | None, digits: int = 0, unit: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{unit}"


def _spread(samples: list[Sample], key: str, digits: int = 0) -> str:
    values = _values(samples, key)
    if not values:
        return "–"
    mid = statistics.median(values)
    if len(values) == 1:
        return _fmt(mid, digits)
    return f"{_fmt(mid, digits)} ({_fmt(min(values), digits)}–{_fmt(max(values), digits)})"


def _ok_samples(samples: list[Sample]) -> list[Sample]:
    return [s for s in samples if "error" not in s]


def _lost(samples: list[Sample]) -> int:
    return sum(max(0, int(s.get("expected", 0)) - int(s.get("received", 0))) for s in samples)


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


# ---- goals -------------------------------------------------------------------------------


@dataclass
class Goal:
    text: str
    measured: float | None
    target: float
    higher_is_better: bool
    detail: str = ""

    @property
    def met(self) -> bool | None:
        if self.measured is None:
            return None
        if self.higher_is_better:
            return self.measured >= self.target
        return self.measured <= self.target

    def verdict(self) -> str:
        return {True: "met", False: "**not met**", None: "not measured"}[self.met]


def _scenario(doc: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((s for s in doc["scenarios"] if s["key"] == key), None)


def _medians(sc: dict[str, Any], metric: str) -> tuple[float | None, float | None]:
    ours = _ok_samples(sc["samples"].get(FLOWENGINE, []))
    theirs = _ok_samples(sc["samples"].get(sc.get("compare", "node-red"), []))
    return median(ours, metric), median(theirs, metric)


def evaluate_goals(doc: dict[str, Any]) -> list[Goal]:
    goals: list[Goal] = []
    for sc in doc["scenarios"]:
        if sc["group"] != "bridge":
            continue
        ours, theirs = _medians(sc, "rate")
        target = 1.5 if sc["n"] <= 20000 else 1.0
        goals.append(
            Goal(f"{sc['title']}: msg/s ≥ {target}× Node-RED", _ratio(ours, theirs), target, True)
        )
        ceiling = _scenario(doc, sc["key"].replace("bridge", "ceiling"))
        if ceiling is not None:
            top = median(_ok_samples(ceiling["samples"].get(CEILING, [])), "rate")
            goals.append(
                Goal(
                    f"{sc['title']}: ≥ 60 % of the no-engine ceiling", _ratio(ours, top), 0.6, True
                )
            )
    seed = _scenario(doc, "seed")
    if seed is not None:
        ours_s = _ok_samples(seed["samples"].get(FLOWENGINE, []))
        ours, theirs = _medians(seed, "rate")
        lost = _lost(ours_s) if ours_s else None
        goals.append(
            Goal(
                "Seed flow MQTT → Kafka: msg/s ≥ 2× Node-RED (kafkajs)",
                _ratio(ours, theirs),
                2.0,
                True,
            )
        )
        goals.append(
            Goal(
                "Seed flow: zero lost records (flowengine, all runs)",
                None if lost is None else float(lost),
                0,
                False,
                "records missing",
            )
        )
    for sc in doc["scenarios"]:
        if sc["group"] == "latency":
            ours, theirs = _medians(sc, "p99")
            goals.append(
                Goal(f"{sc['title']}: p99 below Node-RED's", _ratio(ours, theirs), 1.0, False)
            )
    for sc in doc["scenarios"]:
        if sc["group"] == "ceiling":
            continue
        ours, theirs = _medians(sc, "cpu_us")
        goals.append(Goal(f"{sc['title']}: CPU/msg ≤ 0.8×", _ratio(ours, theirs), 0.8, False))
    for sc in doc["scenarios"]:
        if sc["group"] == "ceiling":
            continue
        ours_s = _ok_samples(sc["samples"].get(FLOWENGINE, []))
        theirs_s = _ok_samples(sc["samples"].get(sc.get("compare", "node-red"), []))
        ours_p = max(_values(ours_s, "peak_rss_mb"), default=None)
        theirs_p = max(_values(theirs_s, "peak_rss_mb"), default=None)
        goals.append(Goal(f"{sc['title']}: peak RSS ≤ 0.5×", _ratio(ours_p, theirs_p), 0.5, False))
    return goals


# ---- Markdown ----------------------------------------------------------------------------


def _latency(samples: list[Sample]) -> str:
    p50, p99 = median(samples, "p50"), median(samples, "p99")
    if p50 is None:
        return "–"
    return f"{p50:.1f} / {p99:.1f} (max {_fmt(max(_values(samples, 'max')), 1)})"


def _row(sc: dict[str, Any], label: str, samples: list[Sample], ratio: str) -> str:
    ok = _ok_samples(samples)
    if not ok:
        err = samples[0].get("error", "no run") if samples else "no run"
        return f"| {sc['title']} | {label} | failed: {str(err)[:80]} | | | | | | |"
    rate = _spread(ok, "rate")
    lost = _lost(ok)
    if lost:
        rate += f" ⚠ {lost:,} lost"
    peak = max(_values(ok, "peak_rss_mb"), default=None)
    cells = [
        sc["title"],
        label,
        rate,
        _spread(ok, "cpu_us", 1),
        _latency(ok),
        _fmt(median(ok, "startup_s"), 2, " s") if median(ok, "startup_s") is not None else "–",
        _fmt(peak, 0, " MB"),
        ratio,
    ]
    return "| " + " | ".join(cells) + " |"


def main_table(doc: dict[str, Any]) -> list[str]:
    lines = [
        "| scenario | engine | msg/s median (min–max) | CPU µs/msg | p50 / p99 ms | "
        "start-up | peak RSS | flowengine ÷ Node-RED msg/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for sc in doc["scenarios"]:
        compare = sc.get("compare", "node-red")
        ours, theirs = _medians(sc, "rate") if FLOWENGINE in sc["samples"] else (None, None)
        for label, samples in sc["samples"].items():
            ratio = ""
            if label == FLOWENGINE:
                r = _ratio(ours, theirs)
                ratio = f"**{r:.2f}×**" if r is not None else ""
            elif label == compare:
                ratio = "1.00×"
            lines.append(_row(sc, label, samples, ratio))
    return lines


def startup_table(doc: dict[str, Any]) -> list[str]:
    lines = [
        "| flow | engine | start-up to first message | idle RSS | peak RSS |",
        "|---|---|---:|---:|---:|",
    ]
    for sc in doc["scenarios"]:
        if sc["group"] not in ("bridge", "seed") or sc.get("n", 0) > 20000:
            continue
        for label, samples in sc["samples"].items():
            ok = _ok_samples(samples)
            if not ok or median(ok, "startup_s") is None:
                continue
            lines.append(
                f"| {sc['title']} | {label} | {_spread(ok, 'startup_s', 2)} s | "
                f"{_spread(ok, 'idle_rss_mb', 0)} MB | "
                f"{_fmt(max(_values(ok, 'peak_rss_mb'), default=None), 0)} MB |"
            )
    return lines


def budget_table(doc: dict[str, Any]) -> list[str]:
    """Where the CPU of a bridge run goes, per message, and the rate that allows.

    Engine, Mosquitto (from ``broker_cpu_us``) and the two load-generator processes
    share the machine's CPUs; with every process busy all the time the bridge could not
    pass ``CPUs ÷ (sum of CPU per message)``. The bridge makes Mosquitto handle each
    message twice (in and out of the engine), which caps it well below the ceiling.
    """
    cpus = float(doc["meta"].get("cpus") or 1)
    lines = [
        f"CPU per message of every process in the run, and the rate {cpus:.0f} fully busy CPUs "
        "would allow with those costs (medians):",
        "",
        "| scenario | engine | engine µs | Mosquitto µs | publisher + counter µs | total µs "
        "| CPU-bound msg/s | measured msg/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for sc in doc["scenarios"]:
        if sc["group"] not in ("bridge", "ceiling"):
            continue
        for label, samples in sc["samples"].items():
            ok = _ok_samples(samples)
            if not ok:
                continue
            engine = median(ok, "cpu_us") or 0.0
            broker = statistics.median(
                sum(s.get("broker_cpu_us", {}).get(k, 0.0) for k in ("mosquitto",)) for s in ok
            )
            clients = statistics.median(
                (s.get("publisher_cpu_s", 0.0) + s.get("counter_cpu_s", 0.0)) / s["expected"] * 1e6
                for s in ok
            )
            total = engine + broker + clients
            bound = cpus * 1e6 / total if total else None
            lines.append(
                f"| {sc['title']} | {label} | {_fmt(engine if engine else None, 1)} | "
                f"{_fmt(broker, 1)} | {_fmt(clients, 1)} | {_fmt(total, 1)} | {_fmt(bound)} | "
                f"{_fmt(median(ok, 'rate'))} |"
            )
    return lines


DOCS_START = "<!-- benchmark results: start (written by python -m benchmarks --update-docs) -->"
DOCS_END = "<!-- benchmark results: end -->"


def update_docs(doc: dict[str, Any], docs_file: Path) -> bool:
    """Replace the results section of ``docs/benchmarks.md`` (between its markers)."""
    text = docs_file.read_text(encoding="utf-8")
    if DOCS_START not in text or DOCS_END not in text:
        return False
    report = render_markdown(doc)
    # The document's summary: everything before the list of runs, headings one level down.
    summary = report.split("\n## Runs\n", 1)[0].split("\n", 1)[1].strip()
    summary = summary.replace("\n## ", "\n### ")
    head, rest = text.split(DOCS_START, 1)
    _, tail = rest.split(DOCS_END, 1)
    body = f"{DOCS_START}\n\n{summary}\n\n![chart](../benchmarks/results/suite.png)\n\n{DOCS_END}"
    docs_file.write_text(head + body + tail, encoding="utf-8")
    return True


def render_markdown(doc: dict[str, Any]) -> str:
    meta = doc["meta"]
    load = meta.get("load", {})
    lines = [
        "# flowengine vs Node-RED 5.0.7: benchmark suite",
        "",
        f"Measured {meta.get('date', '')} on {meta.get('machine', '')}; Python "
        f"{meta.get('python', '')}, Node {meta.get('node', '–')}, flowengine at "
        f"{meta.get('commit', '?')}, Mosquitto "
        f"{meta.get('mosquitto', '')}, Kafka {meta.get('kafka', '')}. "
        f"{meta.get('runs', '?')} runs per engine and scenario, engines alternating, every "
        "run a fresh engine process; figures are medians with (min–max). "
        f"Load average during the suite {load.get('min', 0):.2f}–{load.get('max', 0):.2f} "
        f"(mean {load.get('mean', 0):.2f}) on {meta.get('cpus', '?')} CPUs shared with other "
        f"work; suite took {meta.get('duration_min', 0):.1f} min.",
        "",
        *main_table(doc),
        "",
    ]
    notes = meta.get("notes", [])
    if notes:
        lines += [f"- {n}" for n in notes] + [""]
    goals = evaluate_goals(doc)
    if goals:
        lines += ["## Goals (issue 6)", "", "| goal | flowengine ÷ Node-RED | verdict |"]
        lines.append("|---|---:|---|")
        for g in goals:
            shown = "–" if g.measured is None else f"{g.measured:.2f}"
            if g.detail and g.measured is not None:
                shown = f"{g.measured:.0f} {g.detail}"
            elif g.measured is not None:
                shown += "×" if "ceiling" not in g.text else ""
                if "ceiling" in g.text:
                    shown = f"{g.measured * 100:.0f} %"
            lines.append(f"| {g.text} | {shown} | {g.verdict()} |")
        lines.append("")
    budget = budget_table(doc)
    if len(budget) > 4:
        lines += ["## CPU budget of the MQTT bridge", "", *budget, ""]
    startup = startup_table(doc)
    if len(startup) > 2:
        lines += ["## Start-up and memory", "", *startup, ""]
    lines += [
        "## Runs",
        "",
        "| scenario | engine | run | msg/s | received | CPU µs/msg | peak RSS |",
    ]
    lines.append("|---|---|---:|---:|---:|---:|---:|")
    for sc in doc["scenarios"]:
        for label, samples in sc["samples"].items():
            for i, s in enumerate(samples, 1):
                if "error" in s:
                    lines.append(
                        f"| {sc['key']} | {label} | {i} | error: {s['error'][:90]} | | | |"
                    )
                    continue
                lines.append(
                    f"| {sc['key']} | {label} | {i} | {_fmt(s.get('rate'))} | "
                    f"{s.get('received', '–')}/{s.get('expected', '–')} | "
                    f"{_fmt(s.get('cpu_us'), 1)} | {_fmt(s.get('peak_rss_mb'), 0, ' MB')} |"
                )
    lines += ["", *HOW_MEASURED, ""]
    return "\n".join(lines)


HOW_MEASURED = [
    "## How it is measured",
    "",
    "- Every network run starts a fresh engine process (`flowengine run FLOW`, or Node-RED "
    "5.0.7 headless with `node red.js`) between a load generator and a counter, each a "
    "process of its own (`benchmarks/loadgen.py`, raw MQTT 3.1.1 on a socket: "
    "pre-built packets, many per `sendall`).",
    "- Start-up: from spawning the engine to the first warm-up message (sent every 5 ms) "
    "coming out of it. The engine then idles 1.5 s (idle RSS read), then the burst goes out.",
    "- msg/s: messages received ÷ time from the publisher's first send to the counter's "
    "last expected message (MQTT), or to the 20 ms poll that sees the Kafka topic's end "
    "offset grown by N. Lost = sent − received, counted 30 s after the last arrival.",
    "- CPU µs/msg: the engine process's CPU (user + system, all threads, `/proc/PID/stat`) "
    "from just before the burst to its end, ÷ messages sent. Peak RSS: `VmHWM` of the "
    "engine process at the end of the run (in-process scenarios: `getrusage` maxRSS).",
    "- Latency: the publisher stamps `CLOCK_MONOTONIC` ns into each payload, paced at "
    "1 000 msg/s; the counter subtracts on arrival (same clock, same machine).",
    "- Ceiling: the same publisher and counter with no engine (counter subscribed to "
    "`iotkit/#`): the most the clients and Mosquitto deliver on this machine.",
    "- In-process: `benchmarks/runtime_hops.py` workers (source and sink node types in "
    "both languages, the engines' own change nodes), CPU from the worker's own "
    "process clock.",
]


# ---- chart -------------------------------------------------------------------------------


def write_chart(doc: dict[str, Any], path: Path) -> None:
    """Two panels: msg/s per scenario and engine (log scale); the goal ratios."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = [sc for sc in doc["scenarios"] if sc["samples"]]
    labels: list[str] = []
    for sc in scenarios:
        for label in sc["samples"]:
            if label not in labels:
                labels.append(label)
    colors = ["#7f7f7f", "#1f77b4", "#ff7f0e", "#d62728", "#9467bd", "#2ca02c"]
    fig, (ax1, ax2) = plt.subplots(
        1, 2, figsize=(17, max(7, 0.5 * len(scenarios) + 3)), width_ratios=[1.1, 1]
    )
    drawn: set[str] = set()
    for si, sc in enumerate(scenarios):
        present = [lb for lb in labels if _values(_ok_samples(sc["samples"].get(lb, [])), "rate")]
        height = 0.8 / max(1, len(present))
        for pi, label in enumerate(present):
            values = _values(_ok_samples(sc["samples"][label]), "rate")
            mid = statistics.median(values)
            ax1.barh(
                si - 0.4 + height * (pi + 0.5),
                mid,
                height=height,
                color=colors[labels.index(label) % len(colors)],
                label=None if label in drawn else label,
                xerr=[[mid - min(values)], [max(values) - mid]],
                capsize=2,
            )
            drawn.add(label)
    ax1.set_yticks(range(len(scenarios)), [sc["title"] for sc in scenarios], fontsize=8)
    ax1.invert_yaxis()
    ax1.set_xscale("log")
    ax1.set_xlabel("messages per second (median, min–max), log scale")
    ax1.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2)
    ax1.grid(axis="x", alpha=0.3)
    ax1.set_title("Throughput")

    goals = [g for g in evaluate_goals(doc) if g.measured is not None and "lost" not in g.text]
    colors2 = ["#2ca02c" if g.met else "#d62728" for g in goals]
    values2 = [g.measured for g in goals]
    ax2.barh(range(len(goals)), values2, color=colors2)
    for i, g in enumerate(goals):
        ax2.plot([g.target, g.target], [i - 0.4, i + 0.4], color="black", linewidth=1.5)
    ax2.set_yticks(range(len(goals)), [g.text for g in goals], fontsize=7)
    ax2.invert_yaxis()
    ax2.set_xscale("log")
    ax2.set_xlabel("flowengine ÷ Node-RED\n(black tick = goal; green met, red not)")
    ax2.grid(axis="x", alpha=0.3)
    ax2.set_title("Goals")
    meta = doc["meta"]
    fig.suptitle(
        f"flowengine vs Node-RED 5.0.7 — {meta.get('date', '')}, {meta.get('machine', '')}"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def ratio_of(doc: dict[str, Any], key: str, metric: str) -> float | None:
    """flowengine ÷ comparison engine for one scenario and metric (for callers and tests)."""
    sc = _scenario(doc, key)
    if sc is None:
        return None
    ours, theirs = _medians(sc, metric)
    return _ratio(ours, theirs)
