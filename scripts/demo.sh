#!/usr/bin/env bash
# The main job: bootstrap .venv, then run the demo flow until it is idle,
# printing every debug node's output as one JSON line on stdout.
# Extra arguments go to `flowengine run` (e.g. --log-level warn).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash scripts/bootstrap.sh
exec "$repo/.venv/bin/flowengine" run flows/demo.json --debug-out - --until-idle 1 "$@"
