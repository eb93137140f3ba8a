#!/usr/bin/env bash
# Create .venv (if missing) and install flowengine editable with its [dev] extras.
#
# Idempotent and quick on a second run: the install is repeated only when
# pyproject.toml changed (entry points and dependencies live there), tracked by
# a stamp file inside .venv. Works as root, without a terminal, with CI=true.
# Usage: scripts/bootstrap.sh            (from anywhere; acts on this checkout)
# Env:   PYTHON=/path/to/python3.11      interpreter used to create the venv
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"
stamp="$venv/.flowengine-install-stamp"

find_python() {
  if [ -n "${PYTHON:-}" ]; then
    echo "$PYTHON"
  elif command -v python3.11 >/dev/null 2>&1; then
    echo python3.11
  else
    echo python3
  fi
}

if [ ! -x "$venv/bin/python" ]; then
  python="$(find_python)"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "bootstrap: flowengine needs Python >= 3.11 (tried '$python'; set PYTHON=...)" >&2
    exit 1
  fi
  echo "bootstrap: creating .venv with $("$python" --version 2>&1)" >&2
  "$python" -m venv "$venv"
fi

want="$(sha256sum "$repo/pyproject.toml" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "bootstrap: installing flowengine (editable) with [dev] extras into .venv" >&2
  export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1
  "$venv/bin/python" -m pip install --quiet --editable "$repo[dev]"
  echo "$want" > "$stamp"
fi
