#!/usr/bin/env bash
# leash sim --batch vs @cloud-copilot/iam-simulate on the same requests.
#
# From a clean checkout, needs only node/npm and cargo:
#   bench/sim-compare/run.sh            # 100,000 lines
#   LINES=20000 LEASH_RUNS=1 bench/sim-compare/run.sh
#
# Steps: npm ci here; build leash in release; write the workload (the
# conformance requests iam-simulate can take, cycled to LINES lines); time
# the whole `leash sim --batch` process LEASH_RUNS times (median reported)
# and check its output (one decision per line); time iam-simulate's
# runSimulation on the same lines (driver.mjs) and count agreement; print
# both figures and the ratio. With PHASES=1, also build phases/ and print
# where a line's time goes inside leash. Outputs go to OUT_DIR (default
# bench/sim-compare/out, git-ignored).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lines="${LINES:-100000}"
leash_runs="${LEASH_RUNS:-3}"
warmup="${WARMUP:-2000}"
out_dir="${OUT_DIR:-$here/out}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$out_dir"

echo "== machine"
echo "cores: $(nproc); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "node $(node --version); $(cargo --version)"
echo "leash commit: ${LEASH_COMMIT:-$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)}"

echo "== npm ci"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
echo "iam-simulate $(node -p "require('$here/node_modules/@cloud-copilot/iam-simulate/package.json').version")"

echo "== cargo build --release -p leash-cli"
(cd "$root" && CARGO_TARGET_DIR="$target_dir" cargo build --release --quiet -p leash-cli)
leash="$target_dir/release/leash"

echo "== workload"
workload="$out_dir/workload.jsonl"
(cd "$here" && node workload.mjs "$root/crates/leash-policy/tests/conformance" "$lines" "$workload")

# Wall clock, user and system seconds of one whole `leash sim --batch` run.
time_leash() {
  local TIMEFORMAT='%R %U %S'
  { time "$@" sim --batch "$workload" > "$leash_output"; } 2>&1 | tail -n 1
}

# The median of a run's wall clock over LEASH_RUNS runs (and that run's CPU).
median_run() {
  sort -n | sed -n "$(( (leash_runs + 1) / 2 ))p"
}

leash_output="$out_dir/leash-output.jsonl"
echo "== leash sim --batch, all cores ($leash_runs runs, whole process: wall user sys seconds)"
runs=$(for run in $(seq 1 "$leash_runs"); do time_leash "$leash"; done)
echo "$runs"
all_cores=$(echo "$runs" | median_run)
one_core=""
if command -v taskset > /dev/null; then
  echo "== leash sim --batch, one core (taskset -c 0; $leash_runs runs)"
  runs=$(for run in $(seq 1 "$leash_runs"); do time_leash taskset -c 0 "$leash"; done)
  echo "$runs"
  one_core=$(echo "$runs" | median_run)
fi

echo "== leash output check"
node - "$leash_output" "$lines" <<'JS'
const [outputPath, linesText] = process.argv.slice(2)
const outputLines = require('node:fs').readFileSync(outputPath, 'utf8').split('\n').filter((line) => line !== '')
const withDecision = outputLines.filter((line) => {
  const decision = JSON.parse(line).decision
  return decision === 'allow' || decision === 'deny'
}).length
console.log(`output lines: ${outputLines.length}; lines with a decision: ${withDecision}`)
if (outputLines.length !== Number(linesText) || withDecision !== Number(linesText)) {
  console.error(`error: expected ${linesText} lines, each with a decision`)
  process.exit(1)
}
JS

echo "== iam-simulate runSimulation (driver.mjs, warm-up $warmup)"
driver_report="$out_dir/iam-simulate.json"
(cd "$here" && node driver.mjs "$workload" --leash-output "$leash_output" --warmup "$warmup" --json) > "$driver_report"

echo "== results"
node - "$driver_report" "$lines" "$all_cores" "$one_core" <<'JS'
const [reportPath, linesText, allCoresText, oneCoreText] = process.argv.slice(2)
const report = JSON.parse(require('node:fs').readFileSync(reportPath, 'utf8'))
const lines = Number(linesText)
const simulateRate = report.run_simulation_decisions_per_second
const leashFigures = (label, text) => {
  const [wall, user, system] = text.split(' ').map(Number)
  const rate = lines / wall
  console.log(`leash sim --batch, ${label}: ${lines} lines in ${wall.toFixed(3)} s wall (median; whole process; ` +
    `CPU ${user.toFixed(2)} s user + ${system.toFixed(2)} s sys): ${rate.toFixed(0)} decisions/s, ` +
    `${(wall * 1e6 / lines).toFixed(2)} µs/decision`)
  return rate
}
const leashRate = leashFigures('all cores', allCoresText)
const oneCoreRate = oneCoreText ? leashFigures('one core', oneCoreText) : undefined
console.log(`iam-simulate runSimulation: ${report.run_simulation_seconds.toFixed(3)} s: ` +
  `${simulateRate.toFixed(0)} decisions/s, ${report.run_simulation_microseconds_per_decision.toFixed(1)} µs/decision ` +
  `(whole loop with JSON.parse and conversion: ${report.loop_decisions_per_second.toFixed(0)} decisions/s); ${report.errors} errors`)
console.log(`ratio (leash all cores / iam-simulate decisions per second): ${(leashRate / simulateRate).toFixed(1)}x`)
if (oneCoreRate !== undefined) {
  console.log(`ratio (leash one core / iam-simulate decisions per second): ${(oneCoreRate / simulateRate).toFixed(1)}x`)
}
const agreement = report.agreement
console.log(`agreement: ${agreement.lines_agreeing}/${agreement.lines} lines (${(agreement.rate * 100).toFixed(2)}%), ` +
  `${agreement.distinct_agreeing}/${agreement.distinct_requests} distinct requests; ` +
  `${agreement.distinct_disagreeing_with_ignored_keys} of the ${agreement.distinct_requests - agreement.distinct_agreeing} differing requests had context keys iam-simulate ignored`)
for (const entry of agreement.disagreements) {
  const ignored = entry.ignored_context_keys.length > 0 ? ` [iam-simulate ignored context keys: ${entry.ignored_context_keys.join(', ')}]` : ''
  console.log(`  differs: ${entry.cases.join('; ')}: ${entry.action} by ${entry.principal} on ${entry.resource}: leash ${entry.leash}, iam-simulate ${entry.iam_simulate}${ignored}`)
}
JS
if [ "${PHASES:-0}" = 1 ]; then
  echo "== where leash's time goes (phases/, one thread)"
  CARGO_TARGET_DIR="$target_dir" cargo build --release --quiet --manifest-path "$here/phases/Cargo.toml"
  "$target_dir/release/leash-sim-phases" "$workload"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
