"""Command-line options of the viewer server and the address/token rule.

Kept free of Flask and werkzeug imports: the CLI builds its parser from here on every
start, and only ``--ui`` (or ``flowengine view``) loads the server.
"""

from __future__ import annotations

import argparse
import ipaddress

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "UIOptionError", "add_ui_options", "check_bind"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 1880


class UIOptionError(ValueError):
    """A bad ``--host``/``--admin-token``/``--insecure`` combination or an unusable port."""


def add_ui_options(parser: argparse.ArgumentParser, with_ui_flag: bool = True) -> None:
    """Add ``--ui --host --port --admin-token --insecure`` (``--ui`` only for ``run``)."""
    if with_ui_flag:
        parser.add_argument(
            "--ui",
            action="store_true",
            help="serve the flow viewer, the admin API subset and /health, /metrics",
        )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        metavar="ADDR",
        help=f"address to serve on (default {DEFAULT_HOST}; any other needs --admin-token "
        "or --insecure)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar="N",
        help=f"port to serve on (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--admin-token",
        metavar="T",
        default=None,
        help="require 'Authorization: Bearer T' (the browser: open /?access_token=T once)",
    )
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="allow serving on a non-loopback address without --admin-token",
    )


def _is_loopback_address(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, admin_token: str | None, insecure: bool) -> None:
    """Loopback by default; another address needs a token unless explicitly insecure."""
    if admin_token is not None and not admin_token.strip():
        raise UIOptionError("--admin-token must not be empty")
    if not _is_loopback_address(host) and not admin_token and not insecure:
        raise UIOptionError(
            f"--host {host} is not a loopback address: give --admin-token TOKEN "
            "(clients send 'Authorization: Bearer TOKEN'), or --insecure to serve it open"
        )
