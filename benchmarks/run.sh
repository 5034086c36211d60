#!/usr/bin/env bash
# Runs the benchmark workloads through nntrain alone and under mpirun, then (when installed)
# the same workloads in Keras and PyTorch, so that one run gives comparable numbers.
#
#   benchmarks/run.sh            # all
#   EPOCHS_W2=8 benchmarks/run.sh
set -euo pipefail

EPOCHS_W1=${EPOCHS_W1:-20}
EPOCHS_W2=${EPOCHS_W2:-4}
RANKS=${RANKS:-2}
PYTHON=${PYTHON:-python3}
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
build nntrain-bench
build nntrain
BENCH=.build/release/nntrain-bench
mpi_setup

echo "== machine: $CORES cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
nntrain_runs() {
    echo "== nntrain, one process, OpenBLAS threads = $CORES"
    OPENBLAS_NUM_THREADS=$CORES "$BENCH" gemm --epochs "$EPOCHS_W2"
    OPENBLAS_NUM_THREADS=$CORES "$BENCH" w1 --epochs "$EPOCHS_W1"
    OPENBLAS_NUM_THREADS=$CORES "$BENCH" w2 --epochs "$EPOCHS_W2"
    echo "== nntrain, mpirun -n $RANKS, OpenBLAS threads = $THREADS_PER_RANK per rank"
    mpirun "${mpi_flags[@]}" -x OPENBLAS_NUM_THREADS=$THREADS_PER_RANK "$BENCH" w1 --epochs "$EPOCHS_W1"
    mpirun "${mpi_flags[@]}" -x OPENBLAS_NUM_THREADS=$THREADS_PER_RANK "$BENCH" w2 --epochs "$EPOCHS_W2"
    mpirun "${mpi_flags[@]}" "$BENCH" allreduce --epochs "$EPOCHS_W2"
}

# OPENBLAS_CORETYPE, when set, overrides OpenBLAS's choice of kernels for this CPU (some
# machines force Haswell's AVX2 kernels on AVX-512 CPUs). Measure both ways.
if [[ -n "${OPENBLAS_CORETYPE:-}" ]]; then
    echo "== OpenBLAS kernels as set by OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE"
    nntrain_runs
    echo "== OpenBLAS kernels chosen by OpenBLAS for this CPU (OPENBLAS_CORETYPE unset)"
    (unset OPENBLAS_CORETYPE; nntrain_runs)
else
    nntrain_runs
fi

echo "== start-up: the nntrain command on W1 (20 epochs, process start to exit)"
start=$(date +%s.%N); .build/release/nntrain --verbose 0 >/dev/null; end=$(date +%s.%N)
echo "nntrain alone: $(awk "BEGIN { printf \"%.3f\", $end - $start }") s"
start=$(date +%s.%N); NNTRAIN_BIN=.build/release/nntrain launch/nntrain-mpi -n "$RANKS" --verbose 0 >/dev/null; end=$(date +%s.%N)
echo "launch/nntrain-mpi -n $RANKS: $(awk "BEGIN { printf \"%.3f\", $end - $start }") s"

echo "== memory: the nntrain command on W2 read from .npy files"
benchmarks/memory.sh || echo "memory.sh failed (exit $?)"

if [[ -f benchmarks/compare.py ]]; then
    echo "== the same workloads in Keras and PyTorch (where installed)"
    "$PYTHON" benchmarks/compare.py all --epochs-w1 "$EPOCHS_W1" --epochs-w2 "$EPOCHS_W2" --ddp-ranks "$RANKS" || true
    # The ratios that decide W2's targets, from runs made close together (OpenBLAS's own
    # kernels for this CPU).
    (unset OPENBLAS_CORETYPE; EPOCHS_W2=$EPOCHS_W2 RANKS=$RANKS PYTHON=$PYTHON benchmarks/head-to-head.sh) ||
        echo "head-to-head.sh failed (exit $?)"
fi
