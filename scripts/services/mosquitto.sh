# Mosquitto for scripts/services.sh (sourced): install from Debian, configure, start, stop.
# shellcheck shell=bash

MOSQUITTO_STATE="$SERVICES_DIR/mosquitto"

mosquitto_binary() {
  if command -v mosquitto >/dev/null 2>&1; then
    command -v mosquitto
  elif [ -x /usr/sbin/mosquitto ]; then
    echo /usr/sbin/mosquitto
  fi
}

# mosquitto_install: apt-get install mosquitto, only when the binary is missing.
# Non-interactive; never starts the packaged system service (policy-rc.d says no).
mosquitto_install() {
  [ -n "$(mosquitto_binary)" ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "mosquitto is not installed and apt-get is missing"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  note "installing mosquitto from Debian packages"
  local policy=/usr/sbin/policy-rc.d made_policy=""
  if [ ! -e "$policy" ]; then
    # Keep the package's init script from starting a system broker on port 1883.
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod +x "$policy"
    made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  local apt_opts=(-y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  if ! $sudo apt-get install "${apt_opts[@]}" mosquitto </dev/null >&2; then
    $sudo apt-get update -q </dev/null >&2
    $sudo apt-get install "${apt_opts[@]}" mosquitto </dev/null >&2
  fi
  [ -z "$made_policy" ] || $sudo rm -f "$policy"
  [ -n "$(mosquitto_binary)" ] || die "mosquitto installation failed"
}

mosquitto_write_config() {
  local port="$1"
  mkdir -p "$MOSQUITTO_STATE/data"
  cat >"$MOSQUITTO_STATE/mosquitto.conf" <<EOF
# Written by scripts/services.sh; rewritten on every start.
# Stay the user who started us (as root Mosquitto would switch to user "mosquitto",
# which cannot write our state dir).
user $(id -un)
per_listener_settings false
listener $port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $MOSQUITTO_STATE/data/
autosave_interval 60
# Never drop QoS 1/2 messages under load: no inflight window limit, unlimited queues.
max_inflight_messages 0
max_queued_messages 0
max_queued_bytes 0
log_dest file $MOSQUITTO_STATE/mosquitto.log
log_type error
log_type warning
log_type notice
connection_messages true
log_timestamp_format %Y-%m-%dT%H:%M:%S
EOF
}

mosquitto_endpoint() {
  echo "MOSQUITTO=$SERVICES_HOST:$(cat "$MOSQUITTO_STATE/port")"
}

mosquitto_up() {
  mkdir -p "$MOSQUITTO_STATE"
  if pid_alive "$MOSQUITTO_STATE/pid" "$MOSQUITTO_STATE/mosquitto.conf"; then
    mosquitto_endpoint
    return 0
  fi
  mosquitto_install
  local port
  port="$(pick_port "$MOSQUITTO_STATE/port" "${MOSQUITTO_PORT:-}")"
  mosquitto_write_config "$port"
  start_detached "$MOSQUITTO_STATE/stdout.log" "$MOSQUITTO_STATE/pid" \
    "$(mosquitto_binary)" -c "$MOSQUITTO_STATE/mosquitto.conf"
  if ! "$(python_for_probes)" "$services_lib/probe.py" mqtt "$SERVICES_HOST" "$port" \
    --timeout "$SERVICES_READY_TIMEOUT" --pid "$(cat "$MOSQUITTO_STATE/pid")"; then
    tail -n 20 "$MOSQUITTO_STATE/stdout.log" "$MOSQUITTO_STATE/mosquitto.log" >&2 2>/dev/null || true
    stop_pid "$MOSQUITTO_STATE/pid" "$MOSQUITTO_STATE/mosquitto.conf" 5 mosquitto
    die "mosquitto did not become ready on $SERVICES_HOST:$port"
  fi
  note "mosquitto ready (pid $(cat "$MOSQUITTO_STATE/pid"))"
  mosquitto_endpoint
}

mosquitto_down() {
  stop_pid "$MOSQUITTO_STATE/pid" "$MOSQUITTO_STATE/mosquitto.conf" 10 mosquitto
}

mosquitto_status() {
  if pid_alive "$MOSQUITTO_STATE/pid" "$MOSQUITTO_STATE/mosquitto.conf"; then
    mosquitto_endpoint
  else
    note "mosquitto: stopped"
    return 3
  fi
}
