"""Shared patch of the experiments: ``Runtime.call_threadsafe`` on the loop thread calls now.

Today every callback a client makes is queued through ``loop.call_soon_threadsafe`` (a
self-pipe write and an extra loop wake-up per message) even when the client already runs
on the engine loop, as it does once the MQTT client is driven by the loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flowengine import runtime as rt

__all__ = ["patch_call_threadsafe"]


def patch_call_threadsafe() -> None:
    original_call = rt.Runtime.call_threadsafe
    original_start = rt.Runtime.start
    loop_threads: dict[int, int] = {}

    def call_threadsafe(self: rt.Runtime, fn: Callable[..., Any], *args: Any) -> None:
        if loop_threads.get(id(self)) == threading.get_ident():
            fn(*args)
        else:
            original_call(self, fn, *args)

    async def start(self: rt.Runtime, *args: Any, **kwargs: Any) -> Any:
        loop_threads[id(self)] = threading.get_ident()
        return await original_start(self, *args, **kwargs)

    rt.Runtime.call_threadsafe = call_threadsafe  # type: ignore[method-assign]
    rt.Runtime.start = start  # type: ignore[method-assign]
