"""Debian's Chromium as the viewer tests, the docs screenshots, the golden recorder and the
viewer benchmark launch it (one definition of the path and command-line flags)."""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
#: headless in a container: no sandbox, no GPU, no background traffic
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
