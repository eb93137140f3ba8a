"""flowengine.commands: both sub-commands through one parser, as cli.main will wire them."""

from __future__ import annotations

import argparse

import pytest

from flowengine.commands import COMMAND_NAMES, add_parsers, run_command

from .support import SAMPLE_TRAIN


def test_add_parsers_and_run_command(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="flowengine")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parsers(sub)
    assert set(sub.choices) == set(COMMAND_NAMES)
    args = parser.parse_args(["train", str(SAMPLE_TRAIN), "--quiet", "--min-accuracy", "1"])
    assert run_command(args, None) == 0
    assert "train accuracy: 1.0000 (300/300)" in capsys.readouterr().out
    args = parser.parse_args(["simulate", "--broker", "127.0.0.1:1", "--rate", "0.5e4"])
    assert run_command(args) == 2  # rate above 1000 Hz: a user mistake
