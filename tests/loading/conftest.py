"""Helpers for the loading/CLI tests: write flow files, run ``python -m flowengine``."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m flowengine ARGS``; asserts no traceback reached stderr."""
    full_env = {k: v for k, v in os.environ.items() if k != "FLOWENGINE_CREDENTIAL_SECRET"}
    full_env.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "flowengine", *args],
        cwd=cwd or REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


def errors(stderr: str) -> list[str]:
    """The problem lines of stderr, without ``warning:`` lines."""
    return [line for line in lines(stderr) if not line.startswith("warning: ")]


def write_flow(directory: Path, data: Any, name: str = "flows.json") -> Path:
    path = directory / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def tab(tab_id: str = "t1", **extra: Any) -> dict[str, Any]:
    return {"id": tab_id, "type": "tab", "label": "Main", **extra}


def node(node_id: str, node_type: str = "junction", z: Any = "t1", **extra: Any) -> dict[str, Any]:
    """A flow node (has x/y) on tab ``z``; ``wires`` defaults to one unwired output."""
    return {"id": node_id, "type": node_type, "z": z, "x": 100, "y": 40, "wires": [[]], **extra}


@pytest.fixture
def flow_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture(autouse=True)
def _restore_flowengine_logging() -> Iterator[None]:
    """``main(["run", ...])`` in-process sets up the ``flowengine`` logger; undo it so
    later tests (caplog) see the logger as it was."""
    logger = logging.getLogger("flowengine")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved[0], saved[1], saved[2]
