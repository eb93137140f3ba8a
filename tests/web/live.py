"""A runtime running on its own loop thread with the viewer served, for the web tests
(the way ``flowengine run --ui`` runs it: engine loop in one thread, server in others)."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from flowengine.flowfile import parse_flows
from flowengine.registry import NodeRegistry, default_registry
from flowengine.runtime import Runtime
from flowengine.web import UIHandle, start_ui


class LiveRuntime:
    """``with LiveRuntime(flow) as live:`` → ``live.url``, ``live.runtime``, ``live.ui``."""

    def __init__(
        self,
        flow: list[dict[str, Any]] | Path,
        *,
        overrides: dict[str, dict[str, Any]] | None = None,
        registry: NodeRegistry | None = None,
        admin_token: str | None = None,
        host: str = "127.0.0.1",
        insecure: bool = False,
        allow_unknown: bool = False,
        interval: float = 0.1,
    ) -> None:
        items = json.loads(flow.read_text()) if isinstance(flow, Path) else flow
        self.registry = registry or default_registry()
        flowset = parse_flows(str(flow) if isinstance(flow, Path) else "<test>", items,
                              self.registry, allow_unknown=allow_unknown)  # fmt: skip
        self.runtime = Runtime(flowset, self.registry, overrides=overrides)
        self.runtime.build()
        self._ui_args = (host, 0, admin_token, insecure)
        self._interval = interval  # batching period (``flowengine run --ui``: 0.2 s)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="engine", daemon=True)
        self.ui: UIHandle | None = None

    def __enter__(self) -> LiveRuntime:
        host, port, token, insecure = self._ui_args
        # As the CLI: the server comes up first, then the flows start on the engine loop.
        self.ui = start_ui(self.runtime, host, port, token, insecure, interval=self._interval)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.runtime.start(), self.loop).result(30)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self.ui is not None:
                self.ui.stop()
            stop = asyncio.run_coroutine_threadsafe(
                self.runtime.stop(drain_timeout=5, close_timeout=5), self.loop
            )
            stop.result(60)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
            self.loop.close()

    @property
    def url(self) -> str:
        assert self.ui is not None
        return self.ui.url

    def call(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(*args)`` on the engine loop and return its result."""

        async def run() -> Any:
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(30)

    def request(
        self,
        path: str,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        return http(self.url.rstrip("/") + path, method, headers, body)


def http(
    url: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request; ``(status, headers, body)`` whatever the status."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
