#!/usr/bin/env bash
# Runs two `leash` binaries on the same templates and reports every
# difference in what `leash design` prints, exits with, or writes: for a
# change meant to keep the outputs byte-identical (a speed-up, a refactor).
#
#   scripts/compare-designs.sh OLD_BINARY NEW_BINARY [INPUT...]
#
# Without INPUTs: every template of ../shared/corpus/sam-templates, every
# ../shared/corpus/sam-apps/*/template.y*ml, examples/orders-api's template
# and manifests, and /tmp/design-100.yaml when it exists (written by
# `LEASH_WRITE_TEMPLATE=/tmp/design-100.yaml cargo bench -p leash-design
# --bench design`).
#
# Each input is designed three ways: summary only; `--out DIR --format
# cfn` (the designed template and report.md); and, for every fifth input
# and the named extras, `--out DIR --format json`. Compared: stdout,
# stderr, the exit code and every file of DIR. Prints one line per
# difference and a count; exits 1 when anything differs.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 OLD_BINARY NEW_BINARY [INPUT...]" >&2
    exit 2
fi
old=$(realpath "$1")
new=$(realpath "$2")
shift 2

repo=$(cd "$(dirname "$0")/.." && pwd)
shared="$repo/../shared"
inputs=()
for input in "$@"; do
    inputs+=("$(realpath "$input")")
done
extras=()
if [ ${#inputs[@]} -eq 0 ]; then
    for file in "$shared"/corpus/sam-templates/* "$shared"/corpus/sam-apps/*/template.y*ml; do
        [ -f "$file" ] && inputs+=("$file")
    done
    extras=("$repo/examples/orders-api/template.yaml"
        "$repo/examples/orders-api/manifest.yaml"
        "$repo/examples/orders-api/manifest-options.yaml")
    [ -f /tmp/design-100.yaml ] && extras+=(/tmp/design-100.yaml)
    inputs+=("${extras[@]}")
fi

work=$(mktemp -d /tmp/compare-designs.XXXXXX)
trap 'rm -rf "$work"' EXIT

# run BINARY SIDE MODE INPUT: the output set goes to the same path for
# both binaries (the path is printed), then is moved aside.
run() {
    local binary=$1 side=$2 mode=$3 input=$4
    local result="$work/$side"
    rm -rf "$result" "$work/out"
    mkdir -p "$result"
    local args=(design "$input")
    case $mode in
        cfn) args+=(--out "$work/out" --format cfn) ;;
        json) args+=(--out "$work/out" --format json) ;;
    esac
    (cd "$(dirname "$input")" && "$binary" "${args[@]}" >"$result/stdout" 2>"$result/stderr")
    echo $? >"$result/exit"
    if [ -d "$work/out" ]; then
        mv "$work/out" "$result/files"
    fi
}

is_extra() {
    local input=$1 extra
    for extra in "${extras[@]+"${extras[@]}"}"; do
        [ "$extra" = "$input" ] && return 0
    done
    return 1
}

differences=0
runs=0
index=0
for input in "${inputs[@]}"; do
    modes=(summary cfn)
    if [ $((index % 5)) -eq 0 ] || is_extra "$input"; then
        modes+=(json)
    fi
    index=$((index + 1))
    for mode in "${modes[@]}"; do
        run "$old" old "$mode" "$input"
        run "$new" new "$mode" "$input"
        runs=$((runs + 1))
        if ! diff -r "$work/old" "$work/new" >"$work/diff" 2>&1; then
            differences=$((differences + 1))
            echo "DIFFERS ($mode): $input"
            head -20 "$work/diff" | sed 's/^/    /'
        fi
    done
done
echo "$runs runs on ${#inputs[@]} inputs, $differences with differences"
[ "$differences" -eq 0 ]
