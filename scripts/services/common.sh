# Shared helpers of scripts/services.sh (sourced, not run): paths, ports, PIDs.
# shellcheck shell=bash

SERVICES_DIR="${FLOWENGINE_SERVICES_DIR:-$services_repo/.cache/services}"
SERVICES_CACHE="${FLOWENGINE_CACHE:-$HOME/.cache/flowengine}"
SERVICES_READY_TIMEOUT="${SERVICES_READY_TIMEOUT:-120}"
SERVICES_HOST=127.0.0.1

die() {
  echo "services: $*" >&2
  exit 1
}

note() {
  echo "services: $*" >&2
}

# python_for_probes: the venv's interpreter (has paho-mqtt, kafka-python) or python3.
python_for_probes() {
  if [ -x "$services_repo/.venv/bin/python" ]; then
    echo "$services_repo/.venv/bin/python"
  else
    command -v python3
  fi
}

# port_is_free PORT: nothing listens on 127.0.0.1:PORT (bind test, no connection made).
port_is_free() {
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

# free_port: a port the kernel hands out as free on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# pick_port FILE [FIXED]: FIXED if given, else the port recorded in FILE when still free,
# else a new free port; records the choice in FILE and prints it.
pick_port() {
  local file="$1" fixed="${2:-}" port=""
  if [ -n "$fixed" ]; then
    port="$fixed"
  elif [ -s "$file" ] && port_is_free "$(cat "$file")"; then
    port="$(cat "$file")"
  else
    port="$(free_port)"
  fi
  echo "$port" >"$file"
  echo "$port"
}

# pid_alive PIDFILE MARKER: the PID in PIDFILE runs and its command line contains MARKER
# (so a recycled PID of some other process is never taken for ours).
pid_alive() {
  local pidfile="$1" marker="$2" pid
  [ -s "$pidfile" ] || return 1
  pid="$(cat "$pidfile")"
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"
}

# stop_pid PIDFILE MARKER GRACE NAME: SIGTERM, wait up to GRACE seconds, then SIGKILL.
stop_pid() {
  local pidfile="$1" marker="$2" grace="$3" name="$4" pid waited=0
  if ! pid_alive "$pidfile" "$marker"; then
    rm -f "$pidfile"
    return 0
  fi
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt $((grace * 10)) ]; do
    # A zombie child of ours counts as gone.
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; then
    note "$name (pid $pid) did not stop within ${grace}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
      sleep 0.1
    done
  fi
  rm -f "$pidfile"
  note "$name stopped (pid $pid)"
}

# start_detached LOGFILE PIDFILE CMD...: run CMD in its own session, output to LOGFILE.
start_detached() {
  local logfile="$1" pidfile="$2"
  shift 2
  # setsid: not in our process group, so it outlives this script and its caller's job.
  # 9>&-: the service must not inherit (and so hold) the lock of services.sh.
  setsid "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  echo $! >"$pidfile"
}
