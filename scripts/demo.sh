#!/usr/bin/env bash
# The README's first command: the whole seed pipeline in one engine process.
#
#   1. bootstrap .venv (scripts/bootstrap.sh: creates it, installs flowengine when needed);
#   2. start Mosquitto and Kafka with scripts/services.sh up (idempotent: running brokers are
#      reused; the first start installs Mosquitto from Debian and Kafka's jars from Maven);
#   3. run `flowengine demo` against them: the simulated IoTKit board, the two documented
#      flows, the three microservice flows and the scoring flow, a local Camunda stand-in,
#      and a status line every few seconds. A model is trained first if there is none.
#
# Ctrl-C (or SIGTERM) stops the board, the engine and the stand-in. The brokers keep running,
# so the next demo starts at once: `bash scripts/services.sh down` stops them.
# Extra arguments go to `flowengine demo` (e.g. --ui, --duration 60, --data-dir DIR;
# see `flowengine demo --help`). Data (ml-data.csv, model.skops, regions.png): ./demo-data.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash scripts/bootstrap.sh

# services.sh prints one NAME=HOST:PORT line per service on stdout (progress on stderr).
endpoints="$(bash scripts/services.sh up)"
mqtt="$(sed -n 's/^MOSQUITTO=//p' <<<"$endpoints")"
kafka="$(sed -n 's/^KAFKA=//p' <<<"$endpoints")"
if [ -z "$mqtt" ] || [ -z "$kafka" ]; then
  echo "demo: scripts/services.sh up did not report both brokers:" >&2
  echo "$endpoints" >&2
  exit 1
fi

# exec: Ctrl-C and SIGTERM reach flowengine itself, which stops cleanly.
exec "$repo/.venv/bin/flowengine" demo --mqtt "$mqtt" --kafka "$kafka" "$@"
