#!/usr/bin/env bash
# Peak memory of the nntrain command training W2 from float32 .npy files, which nntrain maps
# rather than copies: one process (peak RSS), and mpirun -n 2 (peak PSS per rank, which counts
# the shared file pages half to each rank). Samples /proc every 0.1 s while training runs.
#
#   benchmarks/memory.sh            # writes W2 to a temporary folder first (188 MB)
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_DIR"
swift build -c release --product nntrain-bench >/dev/null
swift build -c release --product nntrain >/dev/null
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
.build/release/nntrain-bench write-w2 "$DATA"
ARGS=(--x "$DATA/w2x.npy" --y "$DATA/w2y.npy" --layers 512:relu,256:relu,10:softmax
    --batch-size 128 --epochs 2 --verbose 0)

# Largest value of a /proc/<pid>/smaps_rollup field (kB) over the processes named nntrain.
watch_peak() {
    local field=$1 peak=0 value pid
    while pgrep -x nntrain >/dev/null; do
        for pid in $(pgrep -x nntrain); do
            value=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || true)
            [[ -n $value ]] && (( value > peak )) && peak=$value
        done
        sleep 0.1
    done
    echo "$peak"
}

echo "== W2 from $(( $(stat -c %s "$DATA/w2x.npy") / 1048576 )) MB of .npy samples, 2 epochs"
.build/release/nntrain "${ARGS[@]}" >/dev/null &
sleep 0.05
echo "one process: peak RSS $(( $(watch_peak Rss) / 1024 )) MB"
wait
NNTRAIN_BIN=.build/release/nntrain launch/nntrain-mpi -n 2 "${ARGS[@]}" >/dev/null &
sleep 0.3
pss=$(( $(watch_peak Pss) / 1024 ))
file=$(( $(stat -c %s "$DATA/w2x.npy") / 1048576 ))
echo "mpirun -n 2: peak PSS per rank $pss MB, of which the shared data $(( file / 2 )) MB (half of $file MB): $(( pss - file / 2 )) MB beyond it"
wait
