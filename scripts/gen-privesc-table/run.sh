#!/bin/sh
# Regenerates crates/leash-lint/data/privesc-paths.json from the
# pathfinding.cloud snapshot in ../shared/corpus/privesc-paths.
# Usage: scripts/gen-privesc-table/run.sh [CORPUS_DIR]
# Needs python3 with PyYAML.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus=${1:-$root/../shared/corpus/privesc-paths}
mkdir -p "$root/crates/leash-lint/data"
python3 "$here/generate.py" "$corpus" "$root/crates/leash-lint/data/privesc-paths.json"
