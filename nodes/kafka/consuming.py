"""``ConsumerWorker``: one kafka-python ``KafkaConsumer`` on its own thread.

``KafkaConsumer`` is not thread-safe, so everything that touches it — poll, seek,
commit, close — runs on the worker's thread. Polled records become messages on that
thread and reach the engine a whole poll batch at a time through
``runtime.call_threadsafe`` (the one door); a small bound on batches not yet emitted
keeps a slow flow from being flooded. Commands from the loop (commit a message's
offset, roll back) wait in a deque the thread works off between polls; their outcome
comes back through the same door.

Subclasses say how to attach (assign or subscribe), where to start when there is no
committed offset, what to do when an offset is out of range, and how a record
becomes a message.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowengine.message import Message

from .client import ClientSettings, error_text, revised_message, ring

if TYPE_CHECKING:
    from kafka import KafkaConsumer, TopicPartition
    from kafka.consumer.fetcher import ConsumerRecord

    from flowengine import Node

__all__ = ["ConsumerWorker", "decode", "kafka_handles"]

#: poll timeout (ms): how often the thread looks at its commands and the stop flag
POLL_MS = 100
#: poll batches handed to the loop and not yet emitted
MAX_PENDING_BATCHES = 8
#: seconds between attempts to open the consumer after a failure
REOPEN_DELAY = 1.0

Callback = Callable[..., None]


def decode(data: bytes | None, encoding: str) -> Any:
    """A value or key as kafka-node hands it over: utf8 → str, buffer → bytes."""
    if data is None or encoding == "buffer":
        return data
    return data.decode("utf-8", "replace")


class ConsumerWorker:
    """Owns one ``KafkaConsumer``; public methods are called on the engine loop."""

    #: seconds between calls of :meth:`refresh` (0: never)
    refresh_interval = 0.0

    def __init__(self, node: Node, settings: ClientSettings, config: dict[str, Any]) -> None:
        self.node = node
        self.settings = settings
        self.config = config
        self.label = settings.label
        self.auto_commit = bool(config.get("enable_auto_commit"))
        #: kafka-manager makes ``_kafka.commit``/``rollback`` no-ops when autoCommit is on
        self.noop_commit = self.auto_commit
        self._call = node.runtime.call_threadsafe
        self._stop = threading.Event()
        self._commands: deque[tuple[Any, ...]] = deque()
        self._slots = threading.Semaphore(MAX_PENDING_BATCHES)
        self._thread: threading.Thread | None = None
        self.consumer: KafkaConsumer | None = None
        self._ready = False
        self._paused_text: str | None = None

    # ---- on the loop -----------------------------------------------------------
    def start(self) -> None:
        if self._thread is None and not self._stop.is_set():
            self._thread = threading.Thread(
                target=self._run, name=f"kafka-consumer-{self.node.id}", daemon=True
            )
            self._thread.start()

    @property
    def started(self) -> bool:
        return self._thread is not None

    def commit(self, topic: str, partition: int, offset: int, ok: Callback, err: Callback) -> None:
        """Commit ``offset + 1`` for one partition (the message at ``offset`` is done)."""
        if self._stop.is_set() or self._thread is None:
            err("consumer closed")
            return
        self._commands.append(("commit", topic, partition, offset, ok, err))

    def rollback(self, ok: Callback, err: Callback) -> None:
        """Go back to the committed offsets: everything after them comes again."""
        if self._stop.is_set() or self._thread is None:
            err("consumer closed")
            return
        self._commands.append(("rollback", ok, err))

    def stop(self) -> threading.Thread | None:
        """Ask the thread to finish; returns it (to join) when it runs."""
        self._stop.set()
        self._slots.release()
        return self._thread

    def _emit(self, msgs: list[Message]) -> None:
        self._slots.release()
        if self._stop.is_set():
            return
        send = self.node.send
        for msg in msgs:
            send(msg)

    # ---- hooks (on the worker thread) --------------------------------------------
    def attach(self, consumer: KafkaConsumer) -> None:
        """Assign partitions or subscribe."""
        raise NotImplementedError

    def no_offset(self, consumer: KafkaConsumer, partitions: set[TopicPartition]) -> None:
        """Partitions without a committed offset: seek somewhere."""
        consumer.seek_to_beginning(*partitions)

    def out_of_range(self, consumer: KafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        """kafka-manager pauses the consumer and says so."""
        text = f"Offset out of range {_offsets_text(offsets)}"
        self._call(self.node.error, f"on offsetOutOfRange {text}")
        self._paused_text = f"{text} (PAUSED)"
        self._call(self.node.status, ring("red", self._paused_text))
        consumer.pause(*offsets)

    def refresh(self, consumer: KafkaConsumer) -> None:
        """Periodic work (wildcard topics)."""

    def messages(self, consumer: KafkaConsumer, records: list[ConsumerRecord]) -> list[Message]:
        raise NotImplementedError

    def ready_status(self) -> dict[str, Any]:
        return ring("green", f"Ready with {self.label}")

    def opening_status(self) -> dict[str, Any]:
        return ring("yellow", f"Open and wait {self.label}")

    # ---- the thread ----------------------------------------------------------------
    def _run(self) -> None:
        from kafka import KafkaConsumer

        while not self._stop.is_set():
            self._call(self.node.status, self.opening_status())
            try:
                consumer = KafkaConsumer(**self.config)
            except Exception as e:
                self._report(e)
                self._stop.wait(REOPEN_DELAY)
                continue
            self.consumer = consumer
            try:
                self.attach(consumer)
                self._consume(consumer)
            except Exception as e:
                self._report(e)
                self._stop.wait(REOPEN_DELAY)
            finally:
                self.consumer = None
                self._ready = False
                try:
                    consumer.close(autocommit=self.auto_commit, timeout_ms=5000)
                except Exception:
                    pass
        self._fail_commands("consumer closed")

    def _consume(self, consumer: KafkaConsumer) -> None:
        from kafka.errors import KafkaError, NoOffsetForPartitionError, OffsetOutOfRangeError

        next_refresh = time.monotonic() + self.refresh_interval
        stop = self._stop
        while not stop.is_set():
            if self._commands:
                self._run_commands(consumer)
            if self.refresh_interval and time.monotonic() >= next_refresh:
                next_refresh = time.monotonic() + self.refresh_interval
                self.refresh(consumer)
            try:
                batches = consumer.poll(timeout_ms=POLL_MS)
            except NoOffsetForPartitionError as e:
                self.no_offset(consumer, set(e.args[0]) if e.args else set())
                continue
            except OffsetOutOfRangeError as e:
                self.out_of_range(consumer, dict(e.args[0]) if e.args else {})
                continue
            except KafkaError as e:
                self._report(e)
                stop.wait(REOPEN_DELAY)
                continue
            if not self._ready:
                self._ready = True
                if self._paused_text is None:
                    self._call(self.node.status, self.ready_status())
            if not batches:
                continue
            msgs: list[Message] = []
            for records in batches.values():
                msgs.extend(self.messages(consumer, records))
            if not msgs:
                continue
            self._slots.acquire()
            if stop.is_set():
                break
            self._call(self._emit, msgs)

    def _report(self, err: BaseException) -> None:
        text = error_text(err)
        self._call(self.node.error, f"on error {text}")
        self._call(self.node.status, ring("red", revised_message(text)))
        self._ready = False

    def _run_commands(self, consumer: KafkaConsumer) -> None:
        from kafka import OffsetAndMetadata, TopicPartition

        while self._commands:
            command = self._commands.popleft()
            try:
                if command[0] == "commit":
                    _, topic, partition, offset, ok, err = command
                    tp = TopicPartition(topic, partition)
                    consumer.commit({tp: OffsetAndMetadata(offset + 1, "", -1)})
                else:
                    _, ok, err = command
                    self._rewind(consumer)
            except Exception as e:
                self._call(err, error_text(e))
                continue
            self._call(ok)

    def _rewind(self, consumer: KafkaConsumer) -> None:
        assigned = consumer.assignment()
        without: set[TopicPartition] = set()
        for tp in assigned:
            committed = consumer.committed(tp)
            if committed is None:
                without.add(tp)
            else:
                consumer.seek(tp, committed)
        if without:
            self.no_offset(consumer, without)

    def _fail_commands(self, text: str) -> None:
        while self._commands:
            command = self._commands.popleft()
            self._call(command[-1], text)


def _offsets_text(offsets: dict[Any, int]) -> str:
    return ", ".join(f"{tp.topic}/{tp.partition}@{off}" for tp, off in offsets.items())


def kafka_handles(
    worker: ConsumerWorker, topic: str, partition: int, offset: int
) -> tuple[Callable[..., None], Callable[..., None]]:
    """``msg._kafka.commit`` / ``rollback`` as kafka-manager 0.5 gave them:
    ``commit(ok, err)``; no-ops (calling ``ok``) when auto-commit is on."""
    call_soon = worker.node.runtime.loop.call_soon

    def commit(ok: Callback | None = None, err: Callback | None = None) -> None:
        ok = ok or _nothing
        if worker.noop_commit:
            call_soon(ok)
            return
        worker.commit(topic, partition, offset, ok, err or _nothing)

    def rollback(ok: Callback | None = None, err: Callback | None = None) -> None:
        ok = ok or _nothing
        if worker.noop_commit:
            call_soon(ok)
            return
        worker.rollback(ok, err or _nothing)

    return commit, rollback


def _nothing(*_args: Any) -> None:
    return None
