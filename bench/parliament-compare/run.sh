#!/usr/bin/env bash
# Times `leash check` and Parliament (the Python IAM linter, PyPI package
# `parliament`) on the same files, in one run on one machine.
#
#   bench/parliament-compare/run.sh [DIR]      (default: ../shared/corpus/aws-managed-policies)
#   PARLIAMENT_ARGS=--include-community-auditors adds its community checks (about 4x slower)
#
# Needs python3 with venv and pip (PyPI reachable) and cargo. Parliament is
# installed into a throwaway virtualenv under $OUT_DIR; nothing is committed.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR="${1:-../shared/corpus/aws-managed-policies}"
OUT_DIR="${OUT_DIR:-$(mktemp -d)}"
RUNS="${RUNS:-3}"
PARLIAMENT_VERSION="${PARLIAMENT_VERSION:-1.6.4}"

python3 -m venv "$OUT_DIR/venv"
"$OUT_DIR/venv/bin/pip" install --quiet "parliament==$PARLIAMENT_VERSION"
cargo build --release -q -p leash-cli

files=$(find "$DIR" -name '*.json' | wc -l)
echo "files: $files in $DIR"
echo "leash: $(git rev-parse --short HEAD), parliament: $PARLIAMENT_VERSION, $(python3 --version)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"

seconds() { python3 -c 'import sys,time,subprocess; t=time.perf_counter(); r=subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print(f"{time.perf_counter()-t:.3f} {r.returncode}")' "$@"; }

best_leash=""
for _ in $(seq "$RUNS"); do
    read -r t code < <(seconds target/release/leash check "$DIR" --format json --fail-on never)
    echo "leash check: ${t} s (exit $code)"
    best_leash=$(python3 -c "print(min(x for x in [$t, ${best_leash:-$t}]))")
done
best_parliament=""
for _ in $(seq "$RUNS"); do
    read -r t code < <(seconds "$OUT_DIR/venv/bin/parliament" --directory "$DIR" --json ${PARLIAMENT_ARGS:-})
    echo "parliament: ${t} s (exit $code)"
    best_parliament=$(python3 -c "print(min(x for x in [$t, ${best_parliament:-$t}]))")
done
# Files Parliament cannot read: run it per file and count the crashes
# (slow: one Python start per file; CRASH_SCAN=1 to enable).
crashes="not scanned"
if [ "${CRASH_SCAN:-0}" = 1 ]; then crashes=0; fi
for f in $( [ "${CRASH_SCAN:-0}" = 1 ] && find "$DIR" -name '*.json'); do
    if "$OUT_DIR/venv/bin/parliament" --file "$f" --json 2>&1 >/dev/null | grep -q Traceback; then
        crashes=$((crashes + 1)); echo "parliament crashed on: $f"
    fi
done
echo "best of $RUNS: leash ${best_leash} s, parliament ${best_parliament} s, ratio $(python3 -c "print(f'{$best_parliament/$best_leash:.1f}x')")"
echo "parliament crashed on $crashes of $files files"
