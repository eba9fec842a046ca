#!/usr/bin/env bash
# Installs the locked onnxruntime-node into DIR/node_modules with `npm ci --ignore-scripts`, unless it is already there.
#
# Usage: setup_ort.sh DIR [NODE] [NPM]   (DIR holds package.json and package-lock.json)
# No install scripts run: the npm package already carries libonnxruntime.so for linux x64, and its
# postinstall only downloads optional GPU providers.
set -eu
dir=$1 node=${2:-node} npm=${3:-npm}
cd "$dir"
loads() { "$node" -e "require('onnxruntime-node')"; }
if [ node_modules/.package-lock.json -nt package-lock.json ] && loads 2>/dev/null; then
  echo "onnxruntime-node already installed in $dir"
  exit 0
fi
"$npm" ci --ignore-scripts --no-audit --no-fund
loads
echo "onnxruntime-node $("$node" -p "require('onnxruntime-node/package.json').version") installed in $dir"
