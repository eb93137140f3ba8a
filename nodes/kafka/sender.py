"""``RecordSender``: one kafka-python ``KafkaProducer`` fed from the engine loop.

The hot path is ``submit`` on the engine loop: when the producer is ready and the
topic's metadata is known it calls ``KafkaProducer.send``, which only appends to
kafka-python's batch accumulator (its sender thread batches and transmits); no
per-message thread hop, no blocking. The record's future calls back on kafka-python's
sender thread, which hands the outcome to the loop through ``runtime.call_threadsafe``
(the one door); there the message's ``done`` runs — only once Kafka acknowledged
the record, or with the error, which reaches catch nodes with the message.

Records wait in a bounded queue (``queue_size``) while there is no producer yet,
while the cluster is down (the broker node's probe says so), while a new topic's
metadata is fetched (on a helper thread, since kafka-python would block for it) or
when too many records are unacknowledged. The queue keeps arrival order. While the
cluster is down the plugin's status texts show the depth; when full, a message fails
with ``Connection down, max queue depth reached N``. kafka-python reconnects by
itself after a broker restart and retries records it already holds; when the probe
sees the cluster again the queue drains into the same producer.

Close sends what is queued, flushes and closes within the close timeout.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kafka.serializer import Serializer

from flowengine import JSError

from .client import ClientSettings, error_text, revised_message, ring, run_in_thread
from .records import topic_problem

if TYPE_CHECKING:
    from kafka import KafkaProducer

    from flowengine import Node

__all__ = ["NULL_KEY", "ProducerTexts", "RecordSender", "Completion"]

#: Completion of one message: called once, with an error (text) or without.
Completion = Callable[..., None]

#: Records a message may hand over without waiting for acknowledgements.
IN_FLIGHT_LIMIT = 100_000
#: Seconds between attempts to create the producer after a failure (doubling, capped).
CONNECT_RETRY_FIRST = 1.0
CONNECT_RETRY_MAX = 30.0


class _NullKey:
    """Stands for a null key next to a null value (kafka-python refuses key=value=None)."""

    def __repr__(self) -> str:
        return "NULL_KEY"


NULL_KEY: Any = _NullKey()


class _KeySerializer(Serializer):
    def serialize(self, topic: str, headers: Any, data: Any) -> Any:
        return None if data is NULL_KEY else data


class ProducerTexts:
    """Status texts of kafka-manager's Kafka Producer (0.1–0.6)."""

    def initialising(self, node: Node) -> None:
        node.status(ring("yellow", "Initialising"))

    def waiting(self, node: Node, label: str) -> None:
        node.status(ring("yellow", f"Waiting on {label}"))

    def connected(self, node: Node, label: str) -> None:
        node.status(ring("green", f"Connected to {label}"))

    def connect_failed(self, node: Node, text: str) -> None:
        node.error(f"on error {text}")
        node.status(ring("red", revised_message(text)))

    def queuing(self, node: Node, depth: int) -> None:
        if depth == 1:
            text = "Connection down started queuing messages"
        elif depth % 100 == 0:
            text = f"Connection down, queue depth reached {depth}"
        else:
            return
        node.warn(text)
        node.status(ring("red", text))

    def queue_full(self, node: Node, depth: int) -> str:
        text = f"Connection down, max queue depth reached {depth}"
        node.status(ring("red", text))
        return text

    def trying(self, node: Node, depth: int) -> None:
        node.status(ring("yellow", f"trying sending {depth} queued messages"))

    def send_error(self, node: Node, text: str) -> None:
        node.status(ring("yellow", f"send error {text}"))

    def closed(self, node: Node) -> None:
        node.status(ring("red", "closed"))


class _Acks:
    """Completion of a message that became several records: done after the last ack."""

    __slots__ = ("done", "error", "left")

    def __init__(self, done: Completion, count: int) -> None:
        self.done = done
        self.left = count
        self.error: Any = None

    def __call__(self, err: Any = None) -> None:
        if err is not None and self.error is None:
            self.error = err
        self.left -= 1
        if self.left == 0:
            if self.error is None:
                self.done()
            else:
                self.done(self.error)


def completion_for(done: Completion, records: int) -> Completion:
    """``done`` itself for one record, a counter for several."""
    return done if records == 1 else _Acks(done, records)


Record = tuple[str, Any, Any, int, Any, Completion]


class RecordSender:
    """Owns one ``KafkaProducer`` for one node; every method runs on the engine loop."""

    def __init__(
        self,
        node: Node,
        settings: Callable[[], ClientSettings],
        producer_options: dict[str, Any],
        queue_size: int,
        texts: ProducerTexts | None = None,
        topics: tuple[str, ...] = (),
    ) -> None:
        self.node = node
        #: topics whose metadata is fetched with the producer (the node's topic)
        self.prefetch = tuple(t for t in topics if t and topic_problem(t) is None)
        self._settings = settings
        self.producer_options = producer_options
        self.queue_size = queue_size
        self.texts = texts or ProducerTexts()
        self.producer: KafkaProducer | None = None
        self.available = False
        self.connecting = False
        self.closing = False
        self.queue: deque[Record] = deque()
        self.in_flight = 0
        self.known_topics: set[str] = set()
        self._lookup_topic: str | None = None
        self._lookup_waiter: asyncio.Future[None] | None = None
        # Set by close() while the client is still being created: records queued
        # before the first connection are flushed, not failed (SIGTERM right after start).
        self._connect_waiter: asyncio.Future[None] | None = None
        self._direct = False
        self._in_error = False
        self._draining = False
        self._retry_delay = CONNECT_RETRY_FIRST
        self._call = node.runtime.call_threadsafe
        self._label = ""

    # ---- the hot path ---------------------------------------------------------
    def submit(
        self, topic: str, value: Any, key: Any, partition: int, headers: Any, done: Completion
    ) -> None:
        """Hand one record to Kafka (or the queue); ``done`` runs when it is settled."""
        if self._direct and self.in_flight < IN_FLIGHT_LIMIT and topic in self.known_topics:
            self._send(topic, value, key, partition, headers, done)
        else:
            self._hold((topic, value, key, partition, headers, done))

    def _send(
        self, topic: str, value: Any, key: Any, partition: int, headers: Any, done: Completion
    ) -> None:
        try:
            future = self.producer.send(  # type: ignore[union-attr]
                topic,
                value=value,
                key=NULL_KEY if key is None and value is None else key,
                partition=partition,
                headers=headers,
            )
        except Exception as e:
            self._failed_now(done, e)
            return
        self.in_flight += 1
        call = self._call
        acked = self._acked
        failed = self._failed
        future.add_callback(lambda _metadata: call(acked, done))
        future.add_errback(lambda exc: call(failed, done, exc))

    def _acked(self, done: Completion) -> None:
        self.in_flight -= 1
        if self._in_error:
            self._in_error = False
            self.texts.connected(self.node, self._label)
        done()
        if self.queue and not self._direct:
            self._pump()

    def _failed(self, done: Completion, exc: BaseException) -> None:
        self.in_flight -= 1
        self._failed_now(done, exc)
        if self.queue and not self._direct:
            self._pump()

    def _failed_now(self, done: Completion, exc: BaseException | str) -> None:
        text = error_text(exc)
        self._in_error = True
        self.texts.send_error(self.node, text)
        done(text)

    # ---- the queue --------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self.producer is not None and self.available

    def _hold(self, record: Record) -> None:
        queue = self.queue
        if len(queue) >= self.queue_size:
            if self.ready:
                record[5](f"Kafka Producer queue full: {len(queue)} records wait for Kafka")
            else:
                record[5](self.texts.queue_full(self.node, len(queue)))
            return
        queue.append(record)
        self._direct = False
        if not self.ready:
            self.texts.queuing(self.node, len(queue))
            if self.producer is None and not self.connecting and self.available:
                self.connect()
            return
        self._pump()

    def _pump(self) -> None:
        """Move queued records into the producer, in order, as far as possible."""
        queue = self.queue
        if self.ready:
            known = self.known_topics
            while queue and self.in_flight < IN_FLIGHT_LIMIT:
                topic = queue[0][0]
                if topic not in known:
                    if not self._look_up(topic):
                        continue  # an illegal topic's records failed; go on
                    break
                self._send(*queue.popleft())
        self._direct = self.ready and not queue and not self.closing
        if self._draining and not queue:
            self._draining = False
            self.texts.connected(self.node, self._label)

    def _look_up(self, topic: str) -> bool:
        """Start fetching ``topic``'s metadata; False when the topic is illegal."""
        problem = topic_problem(topic)
        if problem is not None:
            self._fail_topic(topic, problem)
            return False
        if self._lookup_topic is None:
            self._lookup_topic = topic
            producer = self.producer
            assert producer is not None
            run_in_thread(
                self.node,
                "metadata",
                lambda: producer.partitions_for(topic),
                lambda result, err: self._looked_up(topic, err),
            )
        return True

    def _looked_up(self, topic: str, err: BaseException | None) -> None:
        self._lookup_topic = None
        waiter, self._lookup_waiter = self._lookup_waiter, None
        if err is None:
            self.known_topics.add(topic)
        elif self.available or self.closing:
            self._fail_topic(topic, error_text(err))
        # else: the cluster went away meanwhile; look again when it is back
        self._pump()
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail_topic(self, topic: str, text: str) -> None:
        keep: deque[Record] = deque()
        failed: list[Completion] = []
        for record in self.queue:
            if record[0] == topic:
                failed.append(record[5])
            else:
                keep.append(record)
        self.queue.clear()
        self.queue.extend(keep)
        for done in failed:
            self._failed_now(done, text)

    # ---- connection ---------------------------------------------------------------
    def start(self) -> None:
        self.texts.initialising(self.node)

    def cluster_up(self, connect: bool = True) -> None:
        """The cluster is reachable (the probe says so)."""
        self.available = True
        if self.producer is None:
            if connect or self.queue:
                self.connect()
            return
        if self.queue:
            self._draining = True
            self.texts.trying(self.node, len(self.queue))
        self._pump()

    def cluster_down(self) -> None:
        self.available = False
        self._direct = False

    def connect(self) -> None:
        if self.connecting or self.producer is not None or self.closing:
            return
        settings = self._settings()
        self._label = settings.label
        self.connecting = True
        self.texts.waiting(self.node, settings.label)
        config = settings.client_config()
        config.update(self.producer_options)
        config["key_serializer"] = _KeySerializer()
        config["client_id"] = f"flowengine-{self.node.id}"
        # No record waits longer in kafka-python than the close/redelivery budget allows.
        config.setdefault("delivery_timeout_ms", max(120000, settings.request_timeout_ms + 1000))
        config.setdefault("max_block_ms", settings.request_timeout_ms)

        prefetch = self.prefetch

        def create() -> tuple[KafkaProducer, list[str]]:
            from kafka import KafkaProducer

            producer = KafkaProducer(**config)
            known = []
            for topic in prefetch:
                try:
                    producer.partitions_for(topic)
                    known.append(topic)
                except Exception:
                    pass  # looked up again when a record needs it
            return producer, known

        run_in_thread(self.node, "connect", create, self._created)

    def _created(self, result: Any, err: BaseException | None) -> None:
        if result is not None:
            producer, known = result
            self.known_topics.update(known)
            self._connected(producer, None)
        else:
            self._connected(None, err)

    def _connected(self, producer: KafkaProducer | None, err: BaseException | None) -> None:
        try:
            self._on_connected(producer, err)
        finally:
            waiter, self._connect_waiter = self._connect_waiter, None
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    def _on_connected(self, producer: KafkaProducer | None, err: BaseException | None) -> None:
        self.connecting = False
        if self.closing:
            if producer is not None:
                run_in_thread(self.node, "close", lambda: producer.close(timeout=0), _ignore)
            return
        if err is not None or producer is None:
            self.texts.connect_failed(self.node, error_text(err or "no producer"))
            delay = self._retry_delay
            self._retry_delay = min(delay * 2, CONNECT_RETRY_MAX)
            self.node.set_timeout(delay, self._retry_connect)
            return
        self._retry_delay = CONNECT_RETRY_FIRST
        self.producer = producer
        self.texts.connected(self.node, self._label)
        if self.queue:
            self.node.log(f"connected and processing {len(self.queue)} messages")
        self._pump()

    def _retry_connect(self) -> None:
        if self.available:
            self.connect()

    # ---- close ---------------------------------------------------------------------
    async def close(self, timeout: float) -> None:
        """Send what can be sent, flush within ``timeout`` seconds, close the producer."""
        loop = asyncio.get_running_loop()
        if self.producer is None and self.connecting and self.queue:
            self._connect_waiter = loop.create_future()
            started = loop.time()
            try:
                await asyncio.wait_for(self._connect_waiter, max(timeout - 1.0, 0.1))
            except TimeoutError:
                pass
            timeout -= loop.time() - started
        self.closing = True
        self._direct = False
        self.texts.closed(self.node)
        producer = self.producer
        if producer is not None and self.available:
            self._pump()
            # Records of a topic still being looked up get that lookup's outcome.
            while self._lookup_topic is not None and self.queue:
                self._lookup_waiter = loop.create_future()
                started = loop.time()
                try:
                    await asyncio.wait_for(self._lookup_waiter, max(timeout - 1.0, 0.1))
                except TimeoutError:
                    break
                timeout -= loop.time() - started
        left = list(self.queue)
        self.queue.clear()
        for record in left:
            record[5](JSError("Kafka producer closed before the record could be sent"))
        if producer is None:
            return
        self.producer = None
        budget = max(timeout - 1.0, 0.5)

        def flush_and_close() -> None:
            try:
                producer.flush(timeout=budget)
            finally:
                producer.close(timeout=0.5)

        try:
            await asyncio.to_thread(flush_and_close)
        except Exception as e:
            self.node.warn(f"flush on close: {error_text(e)}")
        # Let acknowledgements handed over during the flush reach their messages.
        await asyncio.sleep(0)


def _ignore(_result: Any, _err: BaseException | None) -> None:
    return None
