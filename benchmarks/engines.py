"""Start an engine on a flow as a child process and measure it from outside.

flowengine runs as ``flowengine run FLOW`` (the real command line, with ``--set``
overrides where the flow names other hosts); Node-RED 5.0.7 as ``node red.js`` headless
with its own settings file in a temporary user dir. Both log at ``info`` (connection
lines only; neither logs per message). CPU and memory are read from ``/proc`` of the
engine process itself (all its threads), never from inside it.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.nodered import NodeRed
from benchmarks.procs import Child, cpu_seconds, memory_mb

__all__ = ["ENGINES", "EngineProcess", "flowengine_command"]

ENGINES = ("flowengine", "node-red")


def flowengine_command() -> list[str]:
    """``flowengine`` of this venv; ``FLOWENGINE_BENCH_COMMAND`` replaces it (A/B tests of
    an engine change: e.g. ``"python /tmp/patched_cli.py"``)."""
    override = os.environ.get("FLOWENGINE_BENCH_COMMAND")
    if override:
        return shlex.split(override)
    script = Path(sys.executable).with_name("flowengine")
    return [str(script)] if script.exists() else [sys.executable, "-m", "flowengine"]


@dataclass
class EngineProcess:
    engine: str
    child: Child
    workdir: Path
    notes: list[str] = field(default_factory=list)

    @staticmethod
    def start(
        engine: str,
        flow: list[dict[str, Any]] | Path,
        node_red: NodeRed | None = None,
        flowengine_args: list[str] | None = None,
        nodes_dirs: list[Path] | None = None,
    ) -> EngineProcess:
        """Spawn ``engine`` on ``flow`` (a flow list, written to a file, or a flow file)."""
        workdir = Path(tempfile.mkdtemp(prefix=f"bench-{engine}-"))
        if isinstance(flow, Path):
            flow_file = flow
        else:
            flow_file = workdir / "flows.json"
            flow_file.write_text(json.dumps(flow), encoding="utf-8")
        if engine == "flowengine":
            cmd = [*flowengine_command(), "run", str(flow_file), "--log-level", "info"]
            cmd += flowengine_args or []
        else:
            if node_red is None:
                raise ValueError("Node-RED is not installed")
            cmd = node_red.command(workdir, flow_file, "info", nodes_dirs=nodes_dirs)
        return EngineProcess(engine, Child.spawn(cmd), workdir)

    @property
    def pid(self) -> int:
        return self.child.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def memory(self) -> dict[str, float]:
        return memory_mb(self.pid)

    def check_alive(self) -> None:
        if not self.child.alive():
            self.child.out.drain()
            raise RuntimeError(
                f"{self.engine} exited ({self.child.proc.returncode}): {self.child.out.tail(12)}"
            )

    def stop(self) -> None:
        self.child.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
