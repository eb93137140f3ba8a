"""Shared test fixtures."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

_ids = itertools.count(1)


@pytest.fixture
def tab() -> dict[str, Any]:
    """A tab for a test flow; nodes use ``z=tab["id"]``."""
    return {"id": f"tab{next(_ids)}", "type": "tab", "label": "test"}
