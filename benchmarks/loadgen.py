"""Load generator and counter, each run as its own process (``python -m benchmarks.loadgen``).

``publish``: sends N messages round-robin over the five IoTKit topics of the seed flow,
as fast as the broker takes them (a burst) or paced at ``--rate`` msg/s; ``--stamp``
puts ``time.monotonic_ns()`` at the start of each payload (``<ns>|<seq>|<reading>``)
for end-to-end latency. Prints ``START <ns>`` before the first send and ``END <ns>
<json>`` once everything is written (QoS 1: acknowledged).

``count``: subscribes to one topic and counts data messages; prints ``READY`` once
subscribed, ``WARM <ns>`` at the first warm-up message (payload starting with ``w``,
sent while an engine starts), and ``DONE <json>`` when ``--expect`` messages arrived,
when nothing arrived for ``--stall`` seconds after the first one, on ``STOP`` on its
standard input, or at ``--timeout``. Timestamps are ``CLOCK_MONOTONIC`` nanoseconds,
the same clock in every process of the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from array import array
from typing import Any

try:
    from benchmarks.mqttwire import MQTTWire, publish_packet
except ImportError:  # run as a script
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from benchmarks.mqttwire import MQTTWire, publish_packet

__all__ = ["IOTKIT_TOPICS", "READING", "main"]

#: The topics the seed flow's change node rewrites (``Node-RED-Kafka.json``).
IOTKIT_TOPICS = ("iotkit/alert", "iotkit/sensor", "iotkit/rfid", "iotkit/encoder", "iotkit/button")
#: An IoTKit sensor reading, the payload of every data message.
READING = "0xBC,22.90,36.9,low"
CHUNK = 500  # packets per sendall in a burst


def _print(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ---- publisher -------------------------------------------------------------------------------


class AckCounter(threading.Thread):
    """Counts PUBACKs (4 bytes each; nothing else arrives on a publisher's connection)."""

    def __init__(self, wire: MQTTWire) -> None:
        super().__init__(daemon=True)
        self.wire = wire
        self.acked = 0
        self.cond = threading.Condition()

    def run(self) -> None:
        pending = len(self.wire.buffer)
        sock = self.wire.sock
        sock.settimeout(None)
        while True:
            try:
                chunk = sock.recv(1 << 16)
            except OSError:
                return
            if not chunk:
                return
            pending += len(chunk)
            with self.cond:
                self.acked += pending // 4
                pending %= 4
                self.cond.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.acked >= count, timeout)


def publish(args: argparse.Namespace) -> int:
    wire = MQTTWire(args.host, args.port, f"bench-pub-{os.getpid()}")
    topics = [t.encode() for t in args.topics.split(",")]
    reading = args.payload.encode()
    qos = args.qos
    acks: AckCounter | None = None
    if qos:
        acks = AckCounter(wire)
        acks.start()
    sendall = wire.sock.sendall
    n = args.n
    pid = 0

    def packet(seq: int, payload: bytes) -> bytes:
        nonlocal pid
        if qos:
            pid = pid % 65535 + 1
        return publish_packet(topics[seq % len(topics)], payload, qos, pid)

    started = time.monotonic_ns()
    _print(f"START {started}")
    if args.rate:
        # Paced: each message at its slot, catching up (never skipping) after a late wake-up.
        interval = 1e9 / args.rate
        for seq in range(n):
            due = started + seq * interval
            now = time.monotonic_ns()
            if due > now:
                time.sleep((due - now) / 1e9)
            payload = f"{time.monotonic_ns()}|{seq}|".encode() + reading if args.stamp else reading
            sendall(packet(seq, payload))
            if acks is not None and seq - acks.acked > args.window:
                acks.wait_for(seq - args.window, 60)
    elif qos == 0 and not args.stamp:
        fixed = [publish_packet(t, reading) for t in topics]
        block = b"".join(fixed[i % len(fixed)] for i in range(CHUNK))
        full, rest = divmod(n, CHUNK)
        for _ in range(full):
            sendall(block)
        if rest:
            sendall(b"".join(fixed[i % len(fixed)] for i in range(rest)))
    else:
        for base in range(0, n, CHUNK):
            end = min(base + CHUNK, n)
            if args.stamp:
                stamp = time.monotonic_ns()
                chunk = [packet(s, f"{stamp}|{s}|".encode() + reading) for s in range(base, end)]
            else:
                chunk = [packet(s, reading) for s in range(base, end)]
            if acks is not None and end - acks.acked > args.window:
                acks.wait_for(end - args.window, 60)
            sendall(b"".join(chunk))
    written = time.monotonic_ns()
    complete = True
    if acks is not None:
        complete = acks.wait_for(n, 120)
    ended = time.monotonic_ns()
    cpu = os.times()
    result = {
        "sent": n,
        "acked": acks.acked if acks is not None else None,
        "complete": complete,
        "written_ns": written,
        "cpu_s": cpu.user + cpu.system,
    }
    _print(f"END {ended} {json.dumps(result)}")
    wire.close()
    return 0 if complete else 1


# ---- counter ---------------------------------------------------------------------------------


class StopFlag(threading.Thread):
    """Sets ``stop`` when a ``STOP`` line (or end of file) arrives on standard input."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = False

    def run(self) -> None:
        for line in sys.stdin:
            if line.strip() == "STOP":
                break
        self.stop = True


def count(args: argparse.Namespace) -> int:
    wire = MQTTWire(args.host, args.port, f"bench-count-{os.getpid()}")
    wire.subscribe(args.topic, args.qos)
    sock = wire.sock
    sock.settimeout(0.05)
    stop = StopFlag()
    if not args.no_stdin:
        stop.start()
    _print("READY")
    expect = args.expect
    received = 0
    warm_seen = False
    first_ns = last_ns = 0
    latencies = array("q")
    record_latency = args.latency
    last_payload = b""
    topics: set[bytes] = set()
    buf = bytearray(wire.buffer)
    deadline = time.monotonic() + args.timeout
    reason = "expected"
    while received < expect:
        try:
            chunk = sock.recv(1 << 18)
        except TimeoutError:
            chunk = None
        now_ns = time.monotonic_ns()
        if chunk is None:
            if stop.stop:
                reason = "stopped"
                break
            if first_ns and (now_ns - last_ns) / 1e9 > args.stall:
                reason = "stalled"
                break
            if time.monotonic() > deadline:
                reason = "timeout"
                break
            continue
        if not chunk:
            reason = "closed"
            break
        buf += chunk
        # Walk the complete packets of the buffer (inlined: this loop is the ceiling).
        n = len(buf)
        pos = 0
        acks = []
        while pos + 2 <= n:
            first = buf[pos]
            i = pos + 1
            length = 0
            shift = 0
            byte = 0x80
            while byte & 0x80 and i < n:
                byte = buf[i]
                length |= (byte & 0x7F) << shift
                shift += 7
                i += 1
            end = i + length
            if byte & 0x80 or end > n:
                break
            pos = end
            if first & 0xF0 != 0x30:
                continue  # PUBREL, PINGRESP, ...: not expected here
            topic_len = (buf[i] << 8) | buf[i + 1]
            start = i + 2 + topic_len
            if first & 0x06:
                acks.append(b"\x40\x02" + bytes(buf[start : start + 2]))
                start += 2
            if buf[start] == 0x77:  # b"w": warm-up
                if not warm_seen:
                    warm_seen = True
                    _print(f"WARM {now_ns}")
                continue
            received += 1
            if not first_ns:
                first_ns = now_ns
                topics.add(bytes(buf[i + 2 : i + 2 + topic_len]))
            if record_latency:
                bar = buf.find(b"|", start, end)
                latencies.append(now_ns - int(buf[start:bar]))
            if received == expect:
                last_payload = bytes(buf[start:end])
                topics.add(bytes(buf[i + 2 : i + 2 + topic_len]))
        del buf[:pos]
        if acks:
            sock.sendall(b"".join(acks))
        last_ns = now_ns
    result: dict[str, Any] = {
        "received": received,
        "expected": expect,
        "reason": reason,
        "first_ns": first_ns,
        "last_ns": last_ns,
        "topics": sorted(t.decode(errors="replace") for t in topics),
        "last_payload": last_payload.decode(errors="replace"),
    }
    if record_latency and latencies:
        ordered = sorted(latencies)
        result["latency_ms"] = {
            "p50": ordered[len(ordered) // 2] / 1e6,
            "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1e6,
            "max": ordered[-1] / 1e6,
            "mean": sum(ordered) / len(ordered) / 1e6,
        }
    cpu = os.times()
    result["cpu_s"] = cpu.user + cpu.system
    _print("DONE " + json.dumps(result))
    wire.close()
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    pub = sub.add_parser("publish", help="send N messages")
    cnt = sub.add_parser("count", help="count messages on a topic")
    for sp in (pub, cnt):
        sp.add_argument("--host", default="127.0.0.1")
        sp.add_argument("--port", type=int, required=True)
        sp.add_argument("--qos", type=int, choices=(0, 1), default=0)
    pub.add_argument("--n", type=int, required=True)
    pub.add_argument("--rate", type=float, default=0.0, help="msg/s; 0 = burst")
    pub.add_argument("--topics", default=",".join(IOTKIT_TOPICS))
    pub.add_argument("--payload", default=READING)
    pub.add_argument("--stamp", action="store_true", help="timestamp each payload")
    pub.add_argument("--window", type=int, default=20000, help="QoS 1: unacknowledged max")
    cnt.add_argument("--topic", required=True)
    cnt.add_argument("--expect", type=int, required=True)
    cnt.add_argument("--latency", action="store_true", help="payloads carry timestamps")
    cnt.add_argument("--stall", type=float, default=10.0)
    cnt.add_argument("--timeout", type=float, default=600.0)
    cnt.add_argument("--no-stdin", action="store_true", help="ignore standard input")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return publish(args) if args.command == "publish" else count(args)


if __name__ == "__main__":
    sys.exit(main())
