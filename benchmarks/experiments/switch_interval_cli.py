"""Experiment P0: ``sys.setswitchinterval(0.0005)`` — a 10× shorter GIL hand-over interval.

With paho's network thread and the engine loop both busy, a thread that wants the GIL
waits for the holder's switch interval (5 ms by default) — visible as flowengine's ~5 ms
median latency at 1 000 msg/s. One line at start-up, no other change.

    FLOWENGINE_BENCH_COMMAND=".venv/bin/python benchmarks/experiments/switch_interval_cli.py"
"""

from __future__ import annotations

import sys


def main() -> int:
    sys.setswitchinterval(0.0005)
    from flowengine.cli import main as flowengine_main

    return flowengine_main()


if __name__ == "__main__":
    sys.exit(main())
