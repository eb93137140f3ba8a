"""``flowengine render`` and ``flowengine view`` (called through their own parsers, as
the CLI will)."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from flowengine.commands import render, view

from .live import http

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
KAFKA_FLOW = REPO / "flows" / "Node-RED-Kafka.json"
SHOWCASE = HERE / "flows" / "showcase.json"
SVG = "{http://www.w3.org/2000/svg}"


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="flowengine")
    sub = parser.add_subparsers(dest="command", required=True)
    render.add_parser(sub)
    view.add_parser(sub)
    return parser.parse_args(list(argv))


def _node_labels(svg_file: Path) -> dict[str, list[str]]:
    root = ET.parse(svg_file).getroot()
    labels = {}
    for g in root.iter(f"{SVG}g"):
        if "red-ui-flow-node-group" in (g.get("class") or ""):
            labels[g.get("data-id") or ""] = [
                t.text or ""
                for t in g.iter(f"{SVG}text")
                if t.get("class") == "red-ui-flow-node-label-text"
            ]
    return labels


def test_render_one_tab_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "flow.svg"
    assert render.run(_args("render", str(KAFKA_FLOW), "-o", str(out))) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert _node_labels(out) == {
        "c7e8bd77.5df84": ["iotkit/#"],
        "dd3f2f21.58773": ["topic"],
        "e5b153fe.e7e89": ["Kafka Producer"],
        "82463576.0e6568": ["msg"],
    }
    text = out.read_text()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "<style>" in text  # self-contained
    assert text.count('class="red-ui-flow-link"') == 3


def test_render_several_tabs_to_a_directory(tmp_path: Path) -> None:
    args = _args("render", str(SHOWCASE), "--subflows", "-o", str(tmp_path) + "/")
    assert render.run(args) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["Other-tab.svg", "Showcase.svg", "Switched-off.svg", "scale.svg"]
    assert "red-ui-workspace-disabled" in (tmp_path / "Switched-off.svg").read_text()


def test_render_several_tabs_to_a_stem_and_one_tab_by_label(tmp_path: Path) -> None:
    assert render.run(_args("render", str(SHOWCASE), "-o", str(tmp_path / "doc.svg"))) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "doc-Other-tab.svg",
        "doc-Showcase.svg",
        "doc-Switched-off.svg",
    ]
    one = tmp_path / "one.svg"
    assert render.run(_args("render", str(SHOWCASE), "--tab", "Other tab", "-o", str(one))) == 0
    assert set(_node_labels(one)) == {
        "n-link-in",
        "n-function",
        "n-link-call",
        "n-mqtt-in",
        "n-change-multi",
        "n-debug-expr",
    }


def test_render_user_mistakes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert render.run(_args("render", str(SHOWCASE), "--tab", "nope", "-o", "-")) == 2
    assert "no tab or subflow nope" in capsys.readouterr().err
    assert render.run(_args("render", str(SHOWCASE), "-o", "-")) == 2
    assert "-o - takes one tab" in capsys.readouterr().err
    missing = tmp_path / "missing.json"
    assert render.run(_args("render", str(missing), "-o", "-")) == 2
    assert "file not found" in capsys.readouterr().err


def test_view_serves_until_interrupted(tmp_path: Path) -> None:
    script = (
        "import argparse, sys\n"
        "from flowengine.commands import view\n"
        "p = argparse.ArgumentParser(); s = p.add_subparsers(dest='command')\n"
        "view.add_parser(s)\n"
        "sys.exit(view.run(p.parse_args(sys.argv[1:])))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, "view", str(KAFKA_FLOW), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Flow viewer at http://127.0.0.1:")
        url = line.split(" at ", 1)[1].split(" ", 1)[0]
        status, _, body = http(url + "viewer/model")
        assert status == 200
        assert {t["label"] for t in json.loads(body)["tabs"]} == {"MQTT to Kafka"}
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_view_refuses_an_open_address_without_a_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert view.run(_args("view", str(KAFKA_FLOW), "--host", "0.0.0.0", "--port", "0")) == 2
    assert "--admin-token" in capsys.readouterr().err
