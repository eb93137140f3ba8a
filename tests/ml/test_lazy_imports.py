"""numpy, pandas, scikit-learn, skops and matplotlib stay out of engines that do not score.

Each check runs in a fresh interpreter, as the engine would start.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .support import REPO, SAMPLE_TRAIN, iotkit_model, save

HEAVY = ("numpy", "pandas", "sklearn", "skops", "matplotlib", "scipy")

RUN_A_FLOW = """
import json, sys
from flowengine.testing import FlowTestHelper
tab = {"id": "t", "type": "tab", "label": "t"}
flow = [
    tab,
    {"id": "c", "type": "change", "z": "t", "x": 1, "y": 1, "wires": [["out"]],
     "rules": [{"t": "set", "p": "payload", "pt": "msg",
                "to": "0xBC,22.9,36.9,low", "tot": "str"}]},
    {"id": "j", "type": "json", "z": "t", "x": 1, "y": 1, "wires": [["out"]],
     "property": "payload"},
    {"id": "out", "type": "helper", "z": "t", "x": 1, "y": 1, "wires": []},
]
with FlowTestHelper(flow) as h:
    h.inject("c", {"payload": 1})
    h.wait_for("out", 1, timeout=30)
# the CLI parser with the train and simulate sub-commands added
import argparse
from flowengine.commands import simulate, train
sub = argparse.ArgumentParser().add_subparsers()
train.add_parser(sub)
simulate.add_parser(sub)
import flowengine.ml, flowengine.ml.captures, flowengine.ml.features
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in %r)))
"""


def loaded_heavy_modules(code: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_flow_without_ml_score_imports_none_of_them() -> None:
    assert loaded_heavy_modules(RUN_A_FLOW % (HEAVY,)) == []


def test_import_flowengine_imports_none_of_them() -> None:
    code = (
        "import json, sys, flowengine\n"
        f"print(json.dumps([m for m in sys.modules if m.split('.')[0] in {HEAVY!r}]))"
    )
    assert loaded_heavy_modules(code) == []


def test_a_flow_with_ml_score_does(tmp_path: Path) -> None:
    """The control: the same check sees scikit-learn once ml-score is used."""
    path = save(iotkit_model(), tmp_path / "m.skops")
    code = f"""
import json, sys
from flowengine.testing import FlowTestHelper
flow = [
    {{"id": "t", "type": "tab", "label": "t"}},
    {{"id": "s", "type": "ml-score", "z": "t", "x": 1, "y": 1, "model": {path!r},
      "wires": [["out"]]}},
    {{"id": "out", "type": "helper", "z": "t", "x": 1, "y": 1, "wires": []}},
]
with FlowTestHelper(flow) as h:
    h.inject("s", {{"payload": open({str(SAMPLE_TRAIN)!r}, "rb").readline()}})
    h.wait_for("out", 1, timeout=30)
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules if m.split(".")[0] in {HEAVY!r}}})))
"""
    assert {"numpy", "sklearn", "skops"} <= set(loaded_heavy_modules(code))
