# Shared by the benchmark scripts (sourced, not run): the repository root as the working
# folder, a quiet release build, and the mpirun flags for RANKS ranks on this machine.

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_DIR"

# Builds a release product quietly, showing the compiler's output when the build fails.
build() {
    local log
    log=$(mktemp)
    if ! swift build -c release --product "$1" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
}

# Sets CORES (physical cores: OpenMPI's slots; nproc counts hardware threads and follows
# OMP_NUM_THREADS), mpi_flags for RANKS ranks, THREADS_PER_RANK, and the shared-memory
# transport launch/nntrain-mpi chooses (see the note there).
mpi_setup() {
    CORES=$(lscpu -p=Core,Socket 2>/dev/null | grep -v '^#' | sort -u | wc -l)
    (( CORES > 0 )) || CORES=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)
    mpi_flags=(-n "$RANKS")
    # OpenMPI refuses root without this; more ranks than cores need --oversubscribe.
    [[ $(id -u) -eq 0 ]] && mpi_flags+=(--allow-run-as-root)
    (( RANKS > CORES )) && mpi_flags+=(--oversubscribe)
    export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
    THREADS_PER_RANK=$(( CORES / RANKS > 0 ? CORES / RANKS : 1 ))
}
