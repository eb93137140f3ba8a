"""``flowengine demo``: the whole seed pipeline in one engine process (see docs/pipeline.md).

The parser and the option checks live here; :mod:`flowengine.demo.runner` does the work.
Mistakes in the options (unknown ones too) are one line on stderr and exit code 2, and so is a
broker that cannot be reached; nothing the user can cause ends in a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, NoReturn

from . import non_negative_int, positive_float

__all__ = ["add_parser", "run"]

EXIT_USER = 2

EXAMPLES = """\
examples:
  bash scripts/demo.sh
      bootstrap .venv, start Mosquitto and Kafka (scripts/services.sh), run this command
  flowengine demo --mqtt 127.0.0.1:1883 --kafka 127.0.0.1:9092 --ui
      also serve the live flow viewer on http://127.0.0.1:1880/
  flowengine demo --duration 60 --data-dir /tmp/demo
      stop by itself after a minute; ml-data.csv and the model in /tmp/demo

Without --mqtt/--kafka the ports scripts/services.sh recorded are used (else 1883/9092).
Ctrl-C or SIGTERM stops the board, the engine and the Camunda stand-in; the brokers keep
running (bash scripts/services.sh down). Exit codes: 0 ok, 1 failure, 2 bad option or a
broker that cannot be reached.
"""


def add_parser(subparsers: Any) -> None:
    """Add the ``demo`` sub-command to ``subparsers`` (an argparse sub-parsers action)."""
    from ..web.options import add_ui_options

    p = subparsers.add_parser(
        "demo",
        help="run the whole seed pipeline: simulated board, brokers, all flows, live scoring",
        description="Run the two documented flows, the three microservice flows and the scoring "
        "flow in one engine process against local Mosquitto and Kafka, with a simulated IoTKit "
        "board (the firmware's own code) and a local Camunda-speaking stand-in; trains a model "
        "on the shipped sample data first if there is none; prints a status line every few "
        "seconds.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _one_line_errors(p)
    p.add_argument("--mqtt", metavar="HOST:PORT", help="MQTT broker (default: see below)")
    p.add_argument("--kafka", metavar="HOST:PORT", help="Kafka bootstrap broker")
    p.add_argument(
        "--data-dir",
        default="demo-data",
        metavar="DIR",
        help="where ml-data.csv, model.skops and regions.png go (default ./demo-data)",
    )
    p.add_argument(
        "--duration",
        type=positive_float,
        metavar="S",
        help="stop after S seconds (default: until Ctrl-C / SIGTERM)",
    )
    p.add_argument(
        "--rate", type=positive_float, default=2.0, metavar="HZ", help="board readings/s (2)"
    )
    p.add_argument(
        "--alert-every",
        type=non_negative_int,
        default=20,
        metavar="N",
        help="press the board's button after every N readings (20; 0: never)",
    )
    p.add_argument(
        "--status-every",
        type=positive_float,
        default=5.0,
        metavar="S",
        help="seconds between status lines (5)",
    )
    p.add_argument(
        "--log-level",
        default="warn",
        choices=("fatal", "error", "warn", "info", "debug", "trace"),
        metavar="L",
        help="engine log on stderr: fatal, error, warn (default), info, debug or trace",
    )
    add_ui_options(p)


def _one_line_errors(parser: argparse.ArgumentParser) -> None:
    """Option mistakes as one line (``flowengine demo: ...``, exit 2), unknown options too:
    argparse would print the usage first, and leave unknown options to the main parser."""

    def error(message: str) -> NoReturn:
        print(f"flowengine demo: {message} (see flowengine demo --help)", file=sys.stderr)
        sys.exit(EXIT_USER)

    parse_known = parser.parse_known_args

    def parse_known_args(args: Any = None, namespace: Any = None) -> Any:
        parsed, extras = parse_known(args, namespace)
        if extras:
            error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras

    parser.error = error  # type: ignore[method-assign]
    parser.parse_known_args = parse_known_args  # type: ignore[method-assign]


def run(args: argparse.Namespace, registry: object = None) -> int:
    """Run ``demo``; returns the exit code. (``registry`` is unused: the demo loads the
    installed node types itself.)"""
    from ..demo.brokers import BrokerError, Endpoint, default_endpoint, parse_endpoint
    from ..demo.runner import REPO, DemoError, DemoOptions, run_demo

    endpoints: dict[str, Endpoint] = {}
    for option, value, service in (("--mqtt", args.mqtt, "mosquitto"),
                                   ("--kafka", args.kafka, "kafka")):  # fmt: skip
        try:
            endpoints[service] = parse_endpoint(value) if value else default_endpoint(service, REPO)
        except ValueError as e:
            print(f"flowengine demo: {option}: {e}", file=sys.stderr)
            return EXIT_USER
    if not 0 <= args.port < 65536:
        print(f"flowengine demo: --port {args.port}: expected 0 to 65535", file=sys.stderr)
        return EXIT_USER
    if args.ui:
        from ..web.options import UIOptionError, check_bind

        try:  # before anything starts (the port itself is tried when the viewer starts)
            check_bind(args.host, args.admin_token, args.insecure)
        except UIOptionError as e:
            print(f"flowengine demo: {e}", file=sys.stderr)
            return EXIT_USER
    options = DemoOptions(
        data_dir=Path(args.data_dir),
        mqtt=endpoints["mosquitto"],
        kafka=endpoints["kafka"],
        duration=args.duration,
        rate=args.rate,
        alert_every=args.alert_every,
        status_every=args.status_every,
        ui=args.ui,
        ui_host=args.host,
        ui_port=args.port,
        admin_token=args.admin_token,
        insecure=args.insecure,
        log_level=args.log_level,
    )
    try:
        return run_demo(options)
    except BrokerError as e:
        print(f"flowengine demo: {e}", file=sys.stderr)
        return EXIT_USER
    except DemoError as e:
        print(f"flowengine demo: {e}", file=sys.stderr)
        return e.code
