"""``flowengine simulate``: IoTKit boards on this PC, running the device firmware's own code.

Each simulated board is ``firmware/iotkit.py`` on the PC shims of ``firmware/shims.py`` with a
real MQTT connection: it publishes ``<prefix>/sensor`` readings in the IoTKit CSV format (class
cycle low/middle/high with the ±5 °C shift), ``<prefix>/alert`` when its button is pressed, and
listens on ``<prefix>/actors/#``. Runs until every board has sent ``--count`` readings, or until
Ctrl-C / SIGTERM (a clean stop: what was published is sent, then DISCONNECT).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from typing import Any

from . import non_negative_int, positive_float, positive_int

__all__ = ["add_parser", "run"]

EXIT_OK, EXIT_FAILURE, EXIT_USER = 0, 1, 2
#: how long --capture waits for the last readings to come back from the broker (s)
CAPTURE_WAIT = 30.0
#: a progress line this often (s) while running
PROGRESS_EVERY = 10.0

EXAMPLES = """\
examples:
  flowengine simulate --broker 127.0.0.1:1883
      one board, one reading per second, until Ctrl-C
  flowengine simulate --broker 127.0.0.1:1883 --devices 5 --rate 10 --count 100 --nul
      five boards, ten readings a second each, 100 each, NUL-terminated like the mbed boards
  flowengine simulate --broker 127.0.0.1:1883 --alert-every 20
      press button A (publish "alert: button") after every 20 readings
  flowengine simulate --broker 127.0.0.1:1883 --count 300 --rate 50 --seed 1 --capture data.csv
      also write every reading to data.csv in the capture format (for flowengine train)
"""


def add_parser(subparsers: Any) -> None:
    """Add the ``simulate`` sub-command to ``subparsers`` (an argparse sub-parsers action)."""
    p = subparsers.add_parser(
        "simulate",
        help="simulate IoTKit boards (the M5Stack Core2 firmware on this PC)",
        description="Run the IoTKit device firmware on this PC with simulated hardware and a "
        "real MQTT connection: <prefix>/sensor readings like '0xBC,22.90,36.9,low', "
        "<prefix>/alert on a (simulated) button press, <prefix>/actors/# shown on the "
        "(simulated) screen.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--broker", required=True, metavar="HOST:PORT", help="MQTT broker")
    p.add_argument("--devices", type=positive_int, default=1, metavar="N", help="boards (1)")
    p.add_argument(
        "--rate", type=positive_float, default=1.0, metavar="HZ", help="readings/s per board (1)"
    )
    p.add_argument(
        "--count",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="readings per board, then stop (default: until Ctrl-C)",
    )
    p.add_argument(
        "--nul", action="store_true", help="end every payload with a NUL byte (strlen(buf)+1)"
    )
    p.add_argument(
        "--alert-every",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="press button A after every N readings of a board (publishes 'alert: button')",
    )
    p.add_argument(
        "--sensor",
        choices=("env3", "mcu"),
        default="env3",
        help="env3: temperature/humidity of an ENV III unit (default); mcu: MCU temperature "
        "and battery level, the tutorial's Core2 variant",
    )
    p.add_argument("--seed", type=int, default=None, help="seed of the simulated sensors")
    p.add_argument(
        "--topic-prefix", default="iotkit", metavar="P", help="topic prefix (default iotkit)"
    )
    p.add_argument(
        "--client-id", default="iotkit-sim", metavar="ID", help="MQTT client id (board N: ID-N)"
    )
    p.add_argument(
        "--capture",
        metavar="FILE",
        help="append every <prefix>/sensor payload received from the broker to FILE, one per "
        "line, as the capture files are (what flowengine train reads)",
    )
    p.add_argument("--quiet", action="store_true", help="print only errors")


def _broker(text: str) -> tuple[str, int]:
    host, sep, port_text = text.rpartition(":")
    if not sep or not host:
        raise ValueError(f"--broker {text}: expected HOST:PORT")
    try:
        port = int(port_text)
    except ValueError:
        raise ValueError(f"--broker {text}: bad port {port_text!r}") from None
    if not 0 < port < 65536:
        raise ValueError(f"--broker {text}: bad port {port}")
    return host.strip("[]"), port


def run(args: argparse.Namespace, registry: object = None) -> int:
    """Run ``simulate``; returns the exit code. (``registry`` is unused: it lets ``cli.main``
    call this as it calls its own commands.)"""
    from ..firmware.simulator import (
        CaptureWriter,
        Simulator,
        SimulatorError,
        SimulatorOptions,
        print_event,
    )

    out = sys.stdout
    try:
        host, port = _broker(args.broker)
        options = SimulatorOptions(
            host=host,
            port=port,
            devices=args.devices,
            rate=args.rate,
            count=args.count,
            nul=args.nul,
            alert_every=args.alert_every,
            sensor=args.sensor,
            seed=args.seed,
            topic_prefix=args.topic_prefix,
            client_id=args.client_id,
        )
    except ValueError as e:
        print(f"flowengine simulate: {e}", file=sys.stderr)
        return EXIT_USER
    quiet = args.quiet

    def say(text: str) -> None:
        if not quiet:
            out.write(f"simulate: {text}\n")
            out.flush()

    capture = None
    simulator = Simulator(options, on_event=None if quiet else print_event(out))
    stop = threading.Event()
    restore = _on_sigterm(stop.set)
    try:
        if args.capture:
            try:
                capture = CaptureWriter(host, port, f"{options.topic_prefix}/sensor", args.capture)
            except OSError as e:
                print(f"flowengine simulate: --capture {args.capture}: {e}", file=sys.stderr)
                return EXIT_USER
        simulator.start()
        say(
            f"{options.devices} board(s) connected to {host}:{port}, {options.rate:g} "
            f"reading(s)/s each on {options.topic_prefix}/sensor"
            + (f", {options.count} each" if options.count else ", until Ctrl-C")
        )
        _run(simulator, stop, say)
    except SimulatorError as e:
        print(f"flowengine simulate: {e}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        say("stopping (Ctrl-C)")
    finally:
        restore()
        simulator.close()
        if capture is not None:
            # Everything that was sent comes back through the broker; wait for it.
            if not capture.wait_for(simulator.readings, CAPTURE_WAIT):
                print(
                    f"flowengine simulate: --capture got {capture.received} of "
                    f"{simulator.readings} readings",
                    file=sys.stderr,
                )
            capture.close()
    say(
        f"sent {simulator.readings} reading(s) and {simulator.alerts} alert(s), "
        f"received {simulator.actor_messages} actor message(s)"
        + (f"; {capture.received} captured to {capture.path}" if capture else "")
    )
    return EXIT_OK


def _run(simulator: Any, stop: threading.Event, say: Any) -> None:
    next_progress = time.monotonic() + PROGRESS_EVERY
    while not stop.is_set() and not simulator.finished():
        pause = simulator.step()
        if pause > 0:
            stop.wait(pause)
        if time.monotonic() >= next_progress:
            next_progress += PROGRESS_EVERY
            say(f"{simulator.readings} reading(s), {simulator.alerts} alert(s) so far")


def _on_sigterm(handler: Any) -> Any:
    """SIGTERM stops like Ctrl-C (main thread only); returns a function restoring the old one."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, lambda signum, frame: handler())

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore
