#!/usr/bin/env bash
# Peak memory of the nntrain command training W2 from float32 .npy files, which nntrain maps
# rather than copies: one process (peak RSS), and mpirun -n 2 (peak PSS per rank, which counts
# the shared file pages half to each rank). Samples /proc every 0.05 s while training runs.
#
#   benchmarks/memory.sh            # writes W2 to a temporary folder first (188 MB, 179 MiB)
set -euo pipefail

if ! command -v pgrep >/dev/null 2>&1; then
    echo "error: memory.sh needs pgrep (apt-get install procps)" >&2
    exit 1
fi
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
build nntrain-bench
build nntrain
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
.build/release/nntrain-bench write-w2 "$DATA"
ARGS=(--x "$DATA/w2x.npy" --y "$DATA/w2y.npy" --layers 512:relu,256:relu,10:softmax
    --batch-size 128 --epochs 2 --verbose 0)

# The nntrain processes started by process $1 (itself, or its descendants under mpirun).
nntrain_processes() {
    local pid
    for pid in $(pgrep -x nntrain || true); do
        local parent=$pid
        while [[ $parent -gt 1 ]]; do
            if [[ $parent -eq $1 ]]; then
                echo "$pid"
                break
            fi
            parent=$(awk '{ print $4 }' "/proc/$parent/stat" 2>/dev/null || echo 1)
        done
    done
}

# Largest value (kB) of a /proc/<pid>/smaps_rollup field over the nntrain processes of $2,
# sampled until $2 exits.
watch_peak() {
    local field=$1 launcher=$2 peak=0 value pid
    while kill -0 "$launcher" 2>/dev/null; do
        for pid in $(nntrain_processes "$launcher"); do
            value=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$pid/smaps_rollup" \
                2>/dev/null || true)
            [[ -n $value ]] && ((value > peak)) && peak=$value
        done
        sleep 0.05
    done
    echo "$peak"
}

file=$(($(stat -c %s "$DATA/w2x.npy") / 1048576))
echo "== W2 from $file MB of .npy samples, 2 epochs"

.build/release/nntrain "${ARGS[@]}" >/dev/null &
launcher=$!
rss=$(watch_peak Rss "$launcher")
wait "$launcher"
echo "one process: peak RSS $((rss / 1024)) MB"

NNTRAIN_BIN=.build/release/nntrain launch/nntrain-mpi -n 2 "${ARGS[@]}" >/dev/null &
launcher=$!
pss=$(($(watch_peak Pss "$launcher") / 1024))
wait "$launcher"
echo "mpirun -n 2: peak PSS per rank $pss MB, of which the shared data $((file / 2)) MB" \
    "(half of $file MB): $((pss - file / 2)) MB beyond it"
