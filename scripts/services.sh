#!/usr/bin/env bash
# Real services for tests, the demo and benchmarks: Mosquitto and Apache Kafka 4 (KRaft).
#
# Usage: scripts/services.sh up|down|status [mosquitto|kafka|all]   (default: all)
#
# Everything listens on 127.0.0.1 on free ports. State (config, pid, port, data, logs)
# lives under $FLOWENGINE_SERVICES_DIR (default: <repo>/.cache/services/<service>/).
# `up` is idempotent (a running service is left alone) and reuses the port recorded for
# a service when it is still free, so `down` + `up` restarts a broker on the same port.
# `down` stops each service by its recorded PID (SIGTERM, wait, SIGKILL); nothing stays
# running. Both print the endpoints, one per line:  MOSQUITTO=127.0.0.1:PORT  KAFKA=...
# `status` prints the same lines for running services and exits 3 if any is stopped.
#
# Environment (all optional):
#   FLOWENGINE_SERVICES_DIR  state dir                     (<repo>/.cache/services)
#   FLOWENGINE_CACHE         download cache                (~/.cache/flowengine)
#   KAFKA_VERSION            org.apache.kafka:kafka_2.13   (4.4.0)
#   MOSQUITTO_PORT, KAFKA_PORT, KAFKA_CONTROLLER_PORT      fixed ports instead of free ones
#   KAFKA_HEAP               java -Xmx value               (512m)
#   SERVICES_READY_TIMEOUT   seconds to wait for readiness (120)
# Works without a terminal, as root or not, with CI=true. Mosquitto is installed from
# Debian packages when missing; Kafka's jars are resolved from Maven Central once.
set -euo pipefail

services_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
services_lib="$services_repo/scripts/services"
# shellcheck source=services/common.sh
. "$services_lib/common.sh"
# shellcheck source=services/mosquitto.sh
. "$services_lib/mosquitto.sh"
# shellcheck source=services/kafka.sh
. "$services_lib/kafka.sh"

usage() {
  echo "usage: scripts/services.sh up|down|status [mosquitto|kafka|all]" >&2
  exit 2
}

action="${1:-}"
which="${2:-all}"
case "$action" in up | down | status) ;; *) usage ;; esac
case "$which" in
  all) selected=(mosquitto kafka) ;;
  mosquitto | kafka) selected=("$which") ;;
  *) usage ;;
esac

mkdir -p "$SERVICES_DIR"
rc=0
for service in "${selected[@]}"; do
  # One lock per service: concurrent `up`s (two pytest runs) start it once.
  lock="$SERVICES_DIR/$service.lock"
  (
    flock -w 900 9 || die "$service: could not get the lock $lock"
    "${service}_${action}"
  ) 9>"$lock" || rc=$?
done
exit "$rc"
