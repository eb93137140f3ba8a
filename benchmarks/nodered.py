"""Node-RED 5.0.7 for the benchmarks: install or locate it, its Kafka nodes, its command line.

Node-RED and Node 22 come from ``scripts/install_node_red.sh`` (a cache shared with
the golden-file recorder). The Kafka node packages are installed by npm each into a
directory of its own under ``~/.cache/flowengine/node-red-kafka/`` and handed to
Node-RED through ``nodesDir`` only in the runs that use them: installed next to
Node-RED they would be loaded by every Node-RED start (Node-RED scans the
``node_modules`` it lives in), inflating its start-up and memory in the other
scenarios and changing what the golden recorder's Node-RED knows.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.procs import REPO

__all__ = ["KAFKA_PACKAGES", "NodeRed", "kafka_nodes_dir"]

BENCH_NODES_DIR = REPO / "benchmarks" / "nodered"
KAFKA_NODES_CACHE = (
    Path(os.environ.get("FLOWENGINE_CACHE", str(Path.home() / ".cache" / "flowengine")))
    / "node-red-kafka"
)
#: name → npm spec. node-red-contrib-kafkajs is the most downloaded Kafka node package
#: that speaks to Kafka 4 (kafkajs 1.16); kafka-manager is what the seed flow was made with.
KAFKA_PACKAGES = {
    "kafkajs": "node-red-contrib-kafkajs@0.0.7",
    "kafka-manager": "node-red-contrib-kafka-manager@0.6.2",
}


def kafka_nodes_dir(name: str) -> Path:
    """Install (first time) one Kafka node package into its own directory; return it."""
    spec = KAFKA_PACKAGES[name]
    package = spec.rsplit("@", 1)[0]
    target = KAFKA_NODES_CACHE / name
    if not (target / "node_modules" / package / "package.json").exists():
        target.mkdir(parents=True, exist_ok=True)
        # --ignore-scripts: kafka-manager depends on the npm package "node", whose install
        # script fetches a Node binary, and on an optional native snappy build; neither runs.
        subprocess.run(
            [
                *("npm", "install", "--prefix", str(target), "--no-audit", "--no-fund"),
                *("--ignore-scripts", "--loglevel=error", spec),
            ],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
    return target


@dataclass
class NodeRed:
    node: str
    red_js: str

    @staticmethod
    def locate() -> NodeRed:
        """Install (first time) or locate Node-RED 5.0.7 and Node 22."""
        out = subprocess.run(
            ["bash", str(REPO / "scripts" / "install_node_red.sh")],
            check=True,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        ).stdout
        paths = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        return NodeRed(paths["NODE"], paths["NODE_RED"])

    def version(self) -> str:
        return subprocess.run(
            [self.node, "--version"], check=True, capture_output=True, text=True
        ).stdout.strip()

    def command(
        self,
        workdir: Path,
        flow_file: Path,
        log_level: str,
        editor: bool = False,
        nodes_dirs: list[Path] | None = None,
    ) -> list[str]:
        """red.js headless (no editor, no HTTP server), or with the editor on a free port."""
        settings = workdir / "settings.js"
        config: dict[str, Any] = {
            "nodesDir": [str(BENCH_NODES_DIR), *(str(d) for d in nodes_dirs or [])],
            "credentialSecret": False,
            "logging": {"console": {"level": log_level}},
        }
        if editor:
            config.update({"uiHost": "127.0.0.1", "uiPort": 0})
        else:
            config.update({"httpAdminRoot": False, "httpNodeRoot": False})
        text = "module.exports = " + json.dumps(config) + ";\n"
        if not editor:
            # Headless Node-RED exits once its event loop is empty (an idle flow);
            # this no-op timer keeps it running, as the HTTP server otherwise does.
            text += "setInterval(function () {}, 1 << 30);\n"
        settings.write_text(text, encoding="utf-8")
        return [
            self.node,
            self.red_js,
            "--settings",
            str(settings),
            "--userDir",
            str(workdir),
            str(flow_file),
        ]
