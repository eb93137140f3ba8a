"""The documented tutorial flows are kept byte for byte as published."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

FLOWS = Path(__file__).resolve().parent.parent / "flows"

SHA256 = {
    "Node-RED-Kafka.json": "34c961b5d89f23e8a149225f5be1d34435123e7571ab7b28323fd385106dbc6c",
    "Node-RED-REST.json": "20ad0e85552441b485e49da62e1dddf4c425c0cb6a0a79ea6688c9509f03a4a8",
}


@pytest.mark.parametrize("name", sorted(SHA256))
def test_reference_flow_is_unchanged(name: str) -> None:
    assert hashlib.sha256((FLOWS / name).read_bytes()).hexdigest() == SHA256[name]
