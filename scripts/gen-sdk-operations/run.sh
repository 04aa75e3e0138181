#!/usr/bin/env bash
# Regenerates crates/leash-code/data/sdk-operations.tsv (the SDK operations
# leash needs recognises, with their client method names and the input
# members that name a resource) from the service models in PyPI's botocore
# (Apache-2.0), by extract.py beside this script.
#
# Usage: scripts/gen-sdk-operations/run.sh [--check] [VERSION]
#   VERSION  the botocore release; default: the one in the data file's first
#            line. Pass a newer one to move, then `cargo test -p leash-code`.
#   --check  writes nothing; fails when the committed data differs.
# Needs python3 with venv and pip (botocore is installed in a temporary venv).
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
data="$repo_root/crates/leash-code/data/sdk-operations.tsv"
check=false
version=""
for argument in "$@"; do
    case "$argument" in
        --check) check=true ;;
        *) version="$argument" ;;
    esac
done
if [ -z "$version" ]; then
    version="$(sed -n '1s/^# botocore //p' "$data")"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check "botocore==$version"
"$work/venv/bin/python" "$(dirname "$0")/extract.py" "$work/out.tsv"
if $check; then
    diff -u "$data" "$work/out.tsv"
    echo "sdk-operations.tsv is what botocore $version generates"
else
    mv "$work/out.tsv" "$data"
    echo "wrote $data (botocore $version)"
fi
