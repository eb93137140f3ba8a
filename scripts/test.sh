#!/usr/bin/env bash
# The test command: bootstrap .venv, then lint, format check, type check, tests.
#
# Every step runs even if an earlier one failed, so one CI run reports all
# problems; the exit status is that of the first failing step. Arguments are
# passed to pytest (e.g. scripts/test.sh -k inject -x).
# Services (Mosquitto, Kafka) needed by integration tests get started here,
# before the pytest step, as they are added.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash scripts/bootstrap.sh || exit $?
bin="$repo/.venv/bin"

first_failure=0
summary=()

# run_step NAME COMMAND...: run, time and record one step.
run_step() {
  local name="$1"
  shift
  echo "==> $name"
  local started=$SECONDS rc=0
  "$@" || rc=$?
  if [ "$name" = pytest ] && [ "$rc" = 5 ]; then
    echo "pytest: no tests were collected (exit 5); not counted as a failure"
    rc=0
  fi
  local result="ok"
  if [ "$rc" != 0 ]; then
    result="FAILED (exit $rc)"
    [ "$first_failure" != 0 ] || first_failure=$rc
  fi
  summary+=("$(printf '%-20s %-16s %4ss' "$name" "$result" $((SECONDS - started)))")
}

run_step "ruff check" "$bin/ruff" check .
run_step "ruff format --check" "$bin/ruff" format --check .
run_step "mypy" "$bin/mypy"
run_step pytest "$bin/pytest" "$@"

echo "==> summary"
printf '  %s\n' "${summary[@]}"
exit "$first_failure"
