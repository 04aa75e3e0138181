#!/usr/bin/env bash
# Times `leash check` and Parliament (the Python IAM linter, PyPI package
# `parliament`) on the same files, in one run on one machine.
#
#   bench/parliament-compare/run.sh [DIR]      (default: ../shared/corpus/aws-managed-policies)
#   RUNS=5 (default 3) runs of each tool, interleaved, median and best printed
#   PARLIAMENT_ARGS=--include-community-auditors adds its community checks (about 4x slower)
#   CRASH_SCAN=1 also runs Parliament once per file to count the files it cannot read
#
# Needs python3 with venv and pip (PyPI reachable) and cargo. Parliament is
# installed into a throwaway virtualenv under $OUT_DIR; nothing is committed.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR="${1:-../shared/corpus/aws-managed-policies}"
OUT_DIR="${OUT_DIR:-$(mktemp -d)}"
RUNS="${RUNS:-3}"
PARLIAMENT_VERSION="${PARLIAMENT_VERSION:-1.6.4}"

if [ ! -x "$OUT_DIR/venv/bin/parliament" ]; then
    python3 -m venv "$OUT_DIR/venv"
    "$OUT_DIR/venv/bin/pip" install --quiet "parliament==$PARLIAMENT_VERSION"
fi
cargo build --release -q -p leash-cli
LEASH="${CARGO_TARGET_DIR:-target}/release/leash"

files=$(find "$DIR" -name '*.json' | wc -l)
echo "files: $files in $DIR"
echo "leash: $(git rev-parse --short HEAD), parliament: $PARLIAMENT_VERSION, $(python3 --version)"
echo "cores: $(nproc), load at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# Wall time of a whole process, output discarded.
seconds() { python3 -c 'import sys,time,subprocess; t=time.perf_counter(); r=subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print(f"{time.perf_counter()-t:.3f} {r.returncode}")' "$@"; }

leash_times=()
parliament_times=()
# Interleaved, so that both tools see the same load over the run.
for run in $(seq "$RUNS"); do
    read -r t code < <(seconds "$LEASH" check "$DIR" --format json --fail-on never)
    echo "run $run: leash check ${t} s (exit $code)"
    leash_times+=("$t")
    read -r t code < <(seconds "$OUT_DIR/venv/bin/parliament" --directory "$DIR" --json ${PARLIAMENT_ARGS:-})
    echo "run $run: parliament ${t} s (exit $code)"
    parliament_times+=("$t")
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
# Files Parliament cannot read: run it per file and count the crashes
# (slow: one Python start per file).
crashes="not scanned"
if [ "${CRASH_SCAN:-0}" = 1 ]; then crashes=0; fi
for f in $( [ "${CRASH_SCAN:-0}" = 1 ] && find "$DIR" -name '*.json'); do
    if "$OUT_DIR/venv/bin/parliament" --file "$f" --json 2>&1 >/dev/null | grep -q Traceback; then
        crashes=$((crashes + 1)); echo "parliament crashed on: $f"
    fi
done
python3 - "${leash_times[*]}" "${parliament_times[*]}" "$RUNS" <<'PY'
import statistics, sys
leash = [float(t) for t in sys.argv[1].split()]
parliament = [float(t) for t in sys.argv[2].split()]
runs = sys.argv[3]
lm, pm = statistics.median(leash), statistics.median(parliament)
lb, pb = min(leash), min(parliament)
print(f"median of {runs}: leash {lm:.3f} s, parliament {pm:.3f} s, ratio {pm/lm:.1f}x")
print(f"best of {runs}:   leash {lb:.3f} s, parliament {pb:.3f} s, ratio {pb/lb:.1f}x")
PY
echo "parliament crashed on $crashes of $files files"
