"""Progress lines for long steps of ``flowengine train`` (reading, scoring, plotting).

Quiet for short steps: nothing is printed until a step has run for ``delay`` seconds; then at
most every ``interval`` seconds a line ``train: <step>: 42%`` (on a terminal the line is
rewritten in place). Pure Python.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        enabled: bool = True,
        delay: float = 1.0,
        interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.delay = delay
        self.interval = interval
        self.clock = clock
        self._step = ""
        self._started = 0.0
        self._last = 0.0
        self._shown = False
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def start(self, step: str) -> None:
        self.finish()
        self._step = step
        self._started = self._last = self.clock()
        self._shown = False

    def update(self, done: float, total: float) -> None:
        if not self.enabled or not self._step:
            return
        now = self.clock()
        if now - self._started < self.delay or (self._shown and now - self._last < self.interval):
            return
        self._last = now
        percent = 100.0 * done / total if total else 100.0
        self._write(f"train: {self._step}: {percent:3.0f}%")

    def finish(self) -> None:
        if self._shown and self.enabled:
            self._write(f"train: {self._step}: done", final=True)
        self._step = ""
        self._shown = False

    def _write(self, text: str, final: bool = False) -> None:
        if self._tty:
            self.stream.write("\r\x1b[K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self._shown = True
