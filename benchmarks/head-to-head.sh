#!/usr/bin/env bash
# W2 head to head: the step's GEMMs alone, nntrain (one process, then mpirun), the step's
# allreduce alone (under mpirun), Keras + JAX and PyTorch run one after another, ROUNDS times
# over. This machine's speed changes for seconds at a time, so a ratio is only meaningful
# between runs made close together: each round prints its own ratios, from the median epochs
# and from the best epochs, and then its budgets: the time per step that 1.6× Keras + JAX leaves
# beside the GEMMs alone, and the time beyond one process's step that `mpirun` at 90% of its
# speed leaves beside the allreduce alone.
#
#   benchmarks/head-to-head.sh            # 3 rounds, 4 epochs each
#   ROUNDS=5 EPOCHS_W2=6 benchmarks/head-to-head.sh
set -euo pipefail

ROUNDS=${ROUNDS:-3}
EPOCHS_W2=${EPOCHS_W2:-4}
RANKS=${RANKS:-2}
PYTHON=${PYTHON:-python3}
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
build nntrain-bench
BENCH=.build/release/nntrain-bench
mpi_setup

# "median epoch M s (best B)" -> "M B"
epochs() { sed -n 's/.*median epoch \([0-9.]*\) s (best \([0-9.]*\)).*/\1 \2/p' | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else printf "-" }'; }

echo "== W2 head to head, $ROUNDS rounds of $EPOCHS_W2 epochs (OpenBLAS core: ${OPENBLAS_CORETYPE:-chosen by OpenBLAS})"
for round in $(seq "$ROUNDS"); do
    gemm=$(OPENBLAS_NUM_THREADS=$CORES "$BENCH" gemm --epochs "$EPOCHS_W2")
    one=$(OPENBLAS_NUM_THREADS=$CORES "$BENCH" w2 --epochs "$EPOCHS_W2")
    many=$(mpirun "${mpi_flags[@]}" -x OPENBLAS_NUM_THREADS=$THREADS_PER_RANK "$BENCH" w2 --epochs "$EPOCHS_W2")
    collective=$(mpirun "${mpi_flags[@]}" "$BENCH" allreduce --epochs "$EPOCHS_W2")
    others=$("$PYTHON" benchmarks/compare.py w2 --epochs-w2 "$EPOCHS_W2" --frameworks keras-jax,torch || true)
    echo "$gemm"; echo "$one"; echo "$many"; echo "$collective"
    echo "$others" | grep '^W2' || echo "$others"
    gemm_step=$(echo "$gemm" | sed -n 's/.* \([0-9.]*\) us\/step.*/\1/p')
    one_step=$(echo "$one" | sed -n 's/.* \([0-9.]*\) us\/step.*/\1/p')
    read -r one_median one_best <<<"$(echo "$one" | epochs)"
    read -r many_median many_best <<<"$(echo "$many" | epochs)"
    read -r jax_median jax_best <<<"$(echo "$others" | grep 'keras-jax' | epochs || echo "0 0")"
    read -r torch_median torch_best <<<"$(echo "$others" | grep 'W2 torch ' | epochs || echo "0 0")"
    echo "round $round (median; best): Keras + JAX / nntrain $(ratio "$jax_median" "$one_median"); $(ratio "$jax_best" "$one_best")" \
        " PyTorch / nntrain $(ratio "$torch_median" "$one_median"); $(ratio "$torch_best" "$one_best")" \
        " mpirun -n $RANKS speed / one process $(ratio "$one_median" "$many_median"); $(ratio "$one_best" "$many_best")" \
        " GEMMs alone / whole step $(ratio "$gemm_step" "$one_step")"
    # What the two speed targets leave per step (W2 has 469 steps), beside what is fixed: the
    # GEMMs alone, and the allreduce alone.
    allreduce_median=$(echo "$collective" | sed -n 's/.*median \([0-9.]*\) us.*/\1/p')
    awk -v jax="$jax_median" -v one="$one_step" -v gemm="$gemm_step" -v ar="$allreduce_median" -v r="$round" 'BEGIN {
        if (jax > 0) printf "round %d budgets: 1.6x Keras + JAX leaves %.0f us per step, the GEMMs alone take %.0f;", r, jax / 1.6 / 469 * 1e6, gemm
        else printf "round %d budgets:", r
        if (one > 0 && ar > 0) printf " mpirun at 90%% leaves %.0f us per step beyond one process'"'"'s, the allreduce alone takes %.0f", one / 9, ar
        printf "\n" }'
done
