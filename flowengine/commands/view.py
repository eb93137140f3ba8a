"""``flowengine view``: serve the flow viewer for flow files without running them.

The drawing needs only the flow set: node types whose modules are missing or broken are
drawn as Node-RED draws an uninstalled type. Live parts (status, counters, debug, inject)
need ``flowengine run --ui``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..flowfile import FlowSet

__all__ = ["add_parser", "load_for_drawing", "run"]

EXIT_OK, EXIT_USER = 0, 2

EXAMPLES = """\
examples:
  flowengine view flows/Node-RED-Kafka.json
      draw the flow at http://127.0.0.1:1880/ (Ctrl-C to stop)
  flowengine view flows.json --port 0
      any free port (printed)
  flowengine view flows.json --host 0.0.0.0 --admin-token s3cret
      serve to other machines; they send 'Authorization: Bearer s3cret'
      (a browser opens http://HOST:1880/?access_token=s3cret once)
"""


def add_parser(subparsers: Any) -> None:
    """Add the ``view`` sub-command to ``subparsers`` (an argparse sub-parsers action)."""
    from ..web.options import add_ui_options

    p = subparsers.add_parser(
        "view",
        help="show flow files in the browser as Node-RED's editor draws them (nothing runs)",
        description="Serve the flow viewer for flow files without running them: every tab "
        "and subflow as Node-RED's editor draws it, node properties, config nodes and their "
        "users. Node types that are not installed are drawn as Node-RED draws unknown types.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("flows", nargs="+", metavar="FLOW", help="Node-RED flow file(s)")
    p.add_argument(
        "--credential-secret",
        metavar="S",
        default=None,
        help="secret of encrypted credentials (only their field names are shown)",
    )
    add_ui_options(p, with_ui_flag=False)


def run(args: argparse.Namespace) -> int:
    from ..registry import default_registry
    from ..web.options import UIOptionError
    from ..web.server import start_view

    flowset = load_for_drawing(args.flows, args.credential_secret)
    if flowset is None:
        return EXIT_USER
    try:
        handle = start_view(
            flowset, default_registry(), args.host, args.port, args.admin_token, args.insecure
        )
    except UIOptionError as e:
        print(f"flowengine: {e}", file=sys.stderr)
        return EXIT_USER
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in _SIGNALS}
    print(f"Flow viewer at {handle.url} (Ctrl-C to stop)", flush=True)
    try:
        stop.wait()
    finally:
        handle.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return EXIT_OK


_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def load_for_drawing(paths: list[str], credential_secret: str | None) -> FlowSet | None:
    """The flow set of ``paths`` for drawing; problems printed (one a line), None then.

    Loaded without a node registry: drawing must not import node modules, and a type
    that is not installed is still drawn."""
    from ..credentials import SECRET_ENV_VAR
    from ..errors import FlowFileError
    from ..flowfile import load_flow_files

    secret = credential_secret or os.environ.get(SECRET_ENV_VAR) or None
    try:
        return load_flow_files(paths, None, secret, allow_unknown=True)
    except FlowFileError as e:
        for problem in e.problems:
            print(str(problem), file=sys.stderr)
        return None
