#!/usr/bin/env bash
# Copies the official SARIF 2.1.0 JSON schema (OASIS, final "rtm.5") into
# the repository for the SARIF validation test, from the npm package that
# ships it, pinned: @microsoft/jest-sarif (MIT). A build and the tests need
# no npm: the output is committed.
#
#   scripts/gen-sarif-schema/run.sh           write the schema
#   scripts/gen-sarif-schema/run.sh --check   fail if the committed copy differs
set -euo pipefail
cd "$(dirname "$0")/../.."
PACKAGE="@microsoft/jest-sarif@1.0.0-beta.0"
OUT=crates/leash-cli/tests/data/sarif-schema-2.1.0.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null && tar xzf ./*.tgz)
schema="$work/package/lib/schemas/sarif-2.1.0-rtm.5.json"
if [ "${1:-}" = "--check" ]; then
    cmp -s "$schema" "$OUT" || { echo "stale: $OUT (run scripts/gen-sarif-schema/run.sh)"; exit 1; }
    echo "up to date: $OUT ($PACKAGE)"
else
    cp "$schema" "$OUT"
    echo "wrote $OUT from $PACKAGE"
fi
