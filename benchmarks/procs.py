"""Child processes of the benchmarks: output readers, CPU and memory from ``/proc``, stopping.

Every engine, load generator and counter is a child process; the harness reads its
output lines on a thread (so a chatty child never blocks on a full pipe), its CPU
time (all threads, ``utime + stime``) and its resident memory (``VmRSS`` now,
``VmHWM`` the peak) from ``/proc/<pid>``.
"""

from __future__ import annotations

import os
import platform
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = [
    "REPO",
    "Child",
    "LineReader",
    "LoadSampler",
    "cpu_seconds",
    "machine",
    "memory_mb",
    "stop_process",
]

REPO = Path(__file__).resolve().parent.parent
_TICKS = os.sysconf("SC_CLK_TCK")


class LineReader:
    """Collects a child's output lines on a thread so we can wait for a marker."""

    def __init__(self, stream: IO[str] | None) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str] | None) -> None:
        if stream is not None:
            for line in stream:
                self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, marker: str, timeout: float) -> str:
        """The first line (from now on) containing ``marker``."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {marker!r} line within {timeout:.0f}s: {self.tail()}")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                self.lines.put(None)  # stay at end of output for later waits
                raise RuntimeError(f"process ended before printing {marker!r}: {self.tail()}")
            self.seen.append(line)
            if len(self.seen) > 400:
                del self.seen[:200]
            if marker in line:
                return line

    def drain(self) -> None:
        """Move what has arrived so far into ``seen`` (for ``tail``)."""
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                return
            if line is None:
                self.lines.put(None)
                return
            self.seen.append(line)

    def tail(self, n: int = 8) -> str:
        return " | ".join(self.seen[-n:])


def stop_process(proc: subprocess.Popen[str], timeout: float = 20) -> None:
    """SIGTERM, wait, then SIGKILL (only this child, by its pid)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Child:
    """A child process with its output reader."""

    proc: subprocess.Popen[str]
    out: LineReader
    started: float  # time.monotonic() just before it was spawned

    @staticmethod
    def spawn(cmd: Sequence[str], env: dict[str, str] | None = None, stdin: bool = False) -> Child:
        started = time.monotonic()
        proc = subprocess.Popen(
            list(cmd),
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=str(REPO),
            env=env,
        )
        return Child(proc, LineReader(proc.stdout), started)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send_line(self, line: str) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 20) -> None:
        stop_process(self.proc, timeout)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its threads so far."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    # After the ")" : state is field 3, utime field 14, stime field 15 (1-based in proc(5)).
    return (int(fields[11]) + int(fields[12])) / _TICKS


def memory_mb(pid: int) -> dict[str, float]:
    """``rss`` (VmRSS) and ``hwm`` (VmHWM, the peak) in MB."""
    out = {"rss": 0.0, "hwm": 0.0}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        key, _, value = line.partition(":")
        if key == "VmRSS":
            out["rss"] = int(value.split()[0]) / 1024
        elif key == "VmHWM":
            out["hwm"] = int(value.split()[0]) / 1024
    return out


class LoadSampler:
    """The machine's load average and the CPU others use, sampled while the suite runs."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(15):
            self.samples.append(os.getloadavg()[0])

    def stop(self) -> dict[str, float]:
        self._stop.set()
        samples = self.samples or [os.getloadavg()[0]]
        return {"min": min(samples), "max": max(samples), "mean": sum(samples) / len(samples)}


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model or platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}"


def pids_cpu(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds of several processes by name; a process that is gone counts 0."""
    out: dict[str, float] = {}
    for name, pid in pids.items():
        try:
            out[name] = cpu_seconds(pid)
        except OSError:
            out[name] = 0.0
    return out


def as_json_safe(value: Any) -> Any:
    """Floats rounded for the results file."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: as_json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json_safe(v) for v in value]
    return value
