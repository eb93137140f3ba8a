"""The firmware type-checks: device files against m5stack-stubs (UIFlow 2's M5), PC side too."""

from __future__ import annotations

import subprocess
import sys

import pytest
from flowengine.firmware.check_types import find_m5_stub


@pytest.mark.skipif(find_m5_stub() is None, reason="m5stack-stubs is not installed")
def test_firmware_type_checks() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flowengine.firmware.check_types"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Success: no issues found") == 2
