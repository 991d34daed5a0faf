#!/usr/bin/env bash
# The STOW-RS benchmark against a fresh Orthanc alone (no build of our server needed beyond bench/):
#   scripts/bench-orthanc.sh [stow.js options, e.g. --seconds 8 --big-gb 1]
# Orthanc is stopped (and its storage deleted) on the way out, also on Ctrl-C or a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -f dist/bench/stow.js ] || npx tsc -p tsconfig.json
base="$(scripts/orthanc.sh start)"
trap 'scripts/orthanc.sh stop' EXIT
pid="$(scripts/orthanc.sh status | awk '{print $2}')"
node dist/bench/stow.js --base "$base" --pid "$pid" --concurrency 1,4,16 --seconds 8 --big-gb 1 "$@"
