"""Golden case definitions: each module has ``cases() -> list[Case]``.

A case is a Node-RED flow plus the ids of the inject nodes to trigger in
order. ``record.py`` turns every case into ``tests/golden/recorded/<name>.json``
by running it on Node-RED 5.0.7.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from .builder import GOLDEN_ENV, Case

__all__ = ["GOLDEN_ENV", "Case", "all_cases"]


def all_cases() -> list[Case]:
    """Every case of every module in this package, names checked unique."""
    found: list[Case] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("cases_"):
            continue
        module: Any = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(module.cases())
    names = [c.name for c in found]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"duplicate golden case names: {dupes}")
    return found
