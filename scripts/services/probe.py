"""Readiness probes for scripts/services.sh.

    probe.py mqtt HOST PORT [--timeout S] [--pid PID]
    probe.py kafka HOST PORT [--timeout S] [--pid PID]

``mqtt``: a TCP connect and an MQTT 3.1.1 CONNECT answered by CONNACK "accepted"
(raw packets, stdlib only). ``kafka``: a metadata request answered by the broker
(kafka-python's admin client, ``list_topics``). Retries until it succeeds (exit 0),
the timeout passes or the process ``--pid`` has died (exit 1).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time

_CLIENT_ID = b"flowengine-probe"


def _mqtt_connect_packet() -> bytes:
    variable = b"\x00\x04MQTT\x04\x02\x00\x0a"  # protocol name, level 4, clean session, 10 s
    payload = len(_CLIENT_ID).to_bytes(2, "big") + _CLIENT_ID
    body = variable + payload
    return b"\x10" + bytes([len(body)]) + body


def probe_mqtt(host: str, port: int) -> bool:
    with socket.create_connection((host, port), timeout=3) as sock:
        sock.sendall(_mqtt_connect_packet())
        reply = b""
        while len(reply) < 4:
            chunk = sock.recv(4 - len(reply))
            if not chunk:
                return False
            reply += chunk
        ok = reply[0] == 0x20 and reply[3] == 0
        if ok:
            sock.sendall(b"\xe0\x00")  # DISCONNECT
        return ok


def probe_kafka(host: str, port: int) -> bool:
    import logging

    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(
        bootstrap_servers=f"{host}:{port}",
        request_timeout_ms=5000,
        client_id="flowengine-probe",
    )
    try:
        admin.list_topics()
        return True
    finally:
        admin.close()


def _alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["mqtt", "kafka"])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--pid", type=int)
    args = parser.parse_args()
    probe = probe_mqtt if args.kind == "mqtt" else probe_kafka
    deadline = time.monotonic() + args.timeout
    last = "no attempt"
    while time.monotonic() < deadline:
        if not _alive(args.pid):
            print(f"probe: process {args.pid} exited", file=sys.stderr)
            return 1
        try:
            if probe(args.host, args.port):
                return 0
            last = "refused"
        except ImportError as e:
            print(f"probe: {e}", file=sys.stderr)
            return 1
        except Exception as e:  # not up yet: retry until the deadline
            last = f"{type(e).__name__}: {e}"
        time.sleep(0.2)
    print(f"probe: {args.kind} {args.host}:{args.port} not ready: {last}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
