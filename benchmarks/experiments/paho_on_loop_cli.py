"""Experiment P1: paho driven by the engine's asyncio loop instead of its network thread.

``paho.Client.loop_start`` is replaced by paho's external-loop API (``on_socket_open`` /
``on_socket_register_write`` → ``loop.add_reader`` / ``add_writer``, ``loop_misc`` every
second), reads go through a 64 KiB buffer (paho reads each packet header byte by byte,
one ``recv`` per byte), and callbacks run on the loop without ``call_soon_threadsafe``.
No reconnect handling: for measurement only.

    FLOWENGINE_BENCH_COMMAND=".venv/bin/python benchmarks/experiments/paho_on_loop_cli.py"
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import paho.mqtt.client as paho

from benchmarks.experiments.loop_thread import patch_call_threadsafe


def _buffered_recv(self: paho.Client, bufsize: int) -> bytes:
    buf: bytearray = self.__dict__.setdefault("_bench_buffer", bytearray())
    if not buf:
        sock = self._sock
        if sock is None:
            raise ConnectionError("no socket")
        data = sock.recv(1 << 16)  # BlockingIOError propagates as paho expects
        if not data:
            return b""
        buf += data
    out = bytes(buf[:bufsize])
    del buf[:bufsize]
    return out


def _loop_start(self: paho.Client) -> paho.MQTTErrorCode:
    loop = asyncio.get_running_loop()
    buffer: bytearray = self.__dict__.setdefault("_bench_buffer", bytearray())

    def readable() -> None:
        # One loop_read handles one packet: drain what the buffer already holds.
        while self.loop_read() == paho.MQTTErrorCode.MQTT_ERR_SUCCESS and buffer:
            pass

    def on_open(_c: Any, _u: Any, sock: Any) -> None:
        loop.add_reader(sock, readable)

    def on_close(_c: Any, _u: Any, sock: Any) -> None:
        loop.remove_reader(sock)
        loop.remove_writer(sock)

    def register_write(_c: Any, _u: Any, sock: Any) -> None:
        loop.add_writer(sock, self.loop_write)

    def unregister_write(_c: Any, _u: Any, sock: Any) -> None:
        loop.remove_writer(sock)

    def misc() -> None:
        if self.loop_misc() == paho.MQTTErrorCode.MQTT_ERR_SUCCESS:
            loop.call_later(1.0, misc)

    self.on_socket_open = on_open
    self.on_socket_close = on_close
    self.on_socket_register_write = register_write
    self.on_socket_unregister_write = unregister_write
    self.reconnect()
    loop.call_later(1.0, misc)
    return paho.MQTTErrorCode.MQTT_ERR_SUCCESS


def main() -> int:
    patch_call_threadsafe()
    paho.Client._sock_recv = _buffered_recv  # type: ignore[method-assign]
    paho.Client.loop_start = _loop_start  # type: ignore[method-assign]
    from flowengine.cli import main as flowengine_main

    return flowengine_main()


if __name__ == "__main__":
    sys.exit(main())
