"""Sub-commands of ``flowengine`` beyond run/validate/info: train, simulate, view, render, demo.

Each module exposes ``add_parser(subparsers) -> None`` (adds its sub-parser) and
``run(args) -> int`` (exit code: 0 ok, 1 failure, 2 a user mistake). Building a parser imports
nothing heavy; numpy, scikit-learn and paho are imported by ``run``.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = [
    "COMMAND_NAMES",
    "add_parsers",
    "non_negative_int",
    "positive_float",
    "positive_int",
    "run_command",
]

#: the sub-commands this package adds to ``flowengine``
COMMAND_NAMES = ("train", "simulate", "view", "render", "demo")


def add_parsers(subparsers: Any) -> None:
    """Add :data:`COMMAND_NAMES` to ``flowengine``'s sub-parsers."""
    from . import demo, render, simulate, train, view

    for module in (train, simulate, view, render, demo):
        module.add_parser(subparsers)


def run_command(args: argparse.Namespace, registry: object = None) -> int:
    """Run ``args.command`` (one of :data:`COMMAND_NAMES`); returns the exit code."""
    from . import demo, render, simulate, train, view

    runners = {
        "train": train.run,
        "simulate": simulate.run,
        "view": view.run,
        "render": render.run,
        "demo": demo.run,
    }
    return runners[args.command](args)


def _int_at_least(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"expected a number >= {least}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    return _int_at_least(text, 1)


def non_negative_int(text: str) -> int:
    return _int_at_least(text, 0)


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):  # also rejects NaN
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value
