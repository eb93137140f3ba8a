"""Profile flowengine in a network scenario with py-spy (sampling, all threads, burst only).

    .venv/bin/python -m benchmarks.profile bridge --qos 0 --n 200000
    .venv/bin/python -m benchmarks.profile seed --n 20000
    .venv/bin/python -m benchmarks.profile latency --seconds 30

Needs ``py-spy`` in the venv (``.venv/bin/pip install py-spy``). Writes the collapsed
stacks (``<name>.raw``, for flame graph tools) and a summary (``<name>.txt``: share
of samples per thread, top functions by own time and by time including callees)
under ``benchmarks/results/profiles/``. py-spy pauses the engine to sample it, so a
profiled run is slower than a measured one; only the shares matter.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from benchmarks.network import NetworkContext, close_topics, run_bridge, run_latency, run_seed
from benchmarks.procs import REPO
from benchmarks.services import BenchServices

__all__ = ["main", "summarise"]

OUT_DIR = REPO / "benchmarks" / "results" / "profiles"
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _short(frame: str) -> str:
    """``func (path/to/file.py:12)`` → ``func (file.py)``: one entry per function."""
    m = _FRAME.match(frame)
    if not m:
        return frame
    path = m.group("file")
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{m.group('func')} ({path})"


def summarise(raw: Path, top: int = 35) -> str:
    threads: Counter[str] = Counter()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        thread = frames[0]
        frames = [_short(f) for f in frames[1:]] or [thread]
        total += count
        threads[re.sub(r"\s*\(0x[0-9a-f]+\)", "", thread)] += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return "no samples\n"
    lines = [f"{total} samples", "", "## threads"]
    lines += [f"{c / total:6.1%}  {t}" for t, c in threads.most_common()]
    lines += ["", "## own time (leaf function)"]
    lines += [f"{c / total:6.1%}  {f}" for f, c in own.most_common(top)]
    lines += ["", "## including callees"]
    lines += [f"{c / total:6.1%}  {f}" for f, c in inclusive.most_common(top + 15)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("scenario", choices=("bridge", "seed", "latency"))
    p.add_argument("--qos", type=int, default=0, choices=(0, 1))
    p.add_argument("--n", type=int, default=200000)
    p.add_argument("--rate", type=float, default=1000.0, help="latency: msg/s")
    p.add_argument("--seconds", type=float, default=30.0, help="latency: seconds")
    p.add_argument("--name", help="output file stem (default from the scenario)")
    p.add_argument("--keep-services", action="store_true")
    args = p.parse_args(argv)
    services = BenchServices()
    ctx = NetworkContext(services, None)
    name = (
        args.name
        or {
            "bridge": f"bridge-q{args.qos}-{args.n}",
            "seed": f"seed-q{args.qos}-{args.n}",
            "latency": f"latency-q{args.qos}",
        }[args.scenario]
    )
    raw = OUT_DIR / f"{name}.raw"
    try:
        if args.scenario == "bridge":
            sample = run_bridge(ctx, "flowengine", args.qos, args.n, profile=raw)
        elif args.scenario == "latency":
            sample = run_latency(ctx, "flowengine", args.qos, args.rate, args.seconds, raw)
        else:
            sample = run_seed(ctx, "flowengine", args.n, args.qos, profile=raw)
    finally:
        close_topics()
        if not args.keep_services:
            services.down()
    summary = summarise(raw) if raw.exists() else "py-spy wrote nothing\n"
    head = (
        f"# {name}: {sample.get('rate', 0):,.0f} msg/s under py-spy, "
        f"{sample.get('received')}/{sample.get('expected')} received\n\n"
    )
    (OUT_DIR / f"{name}.txt").write_text(head + summary, encoding="utf-8")
    print(head + summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
