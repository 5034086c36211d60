// OpenMPI (Debian: libopenmpi-dev; paths from pkg-config "ompi-c").
//
// OpenMPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, MPI_IN_PLACE, …) are cast macros that
// Swift cannot import, so every call nntrain makes goes through one of these inline functions.
// Each returns the MPI error code (MPI_SUCCESS is 0).
#ifndef NN_CMPI_SHIM_H
#define NN_CMPI_SHIM_H

#include <mpi.h>
#include <stdint.h>

static inline int nn_mpi_initialized(void) {
    int flag = 0;
    MPI_Initialized(&flag);
    return flag;
}

static inline int nn_mpi_finalized(void) {
    int flag = 0;
    MPI_Finalized(&flag);
    return flag;
}

/// Initialises MPI and makes errors return codes instead of aborting, so that nntrain can
/// print which call failed before it ends the job.
static inline int nn_mpi_init(void) {
    int rc = MPI_Init(NULL, NULL);
    if (rc == MPI_SUCCESS) MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    return rc;
}

static inline int nn_mpi_finalize(void) { return MPI_Finalize(); }

static inline int nn_mpi_rank(void) {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

static inline int nn_mpi_size(void) {
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

static inline int nn_mpi_allreduce_sum_float(float *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

static inline int nn_mpi_allreduce_sum_double(double *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

static inline int nn_mpi_broadcast_float(float *buffer, int count, int root) {
    return MPI_Bcast(buffer, count, MPI_FLOAT, root, MPI_COMM_WORLD);
}

static inline int nn_mpi_allgather_uint64(uint64_t value, uint64_t *values) {
    return MPI_Allgather(&value, 1, MPI_UINT64_T, values, 1, MPI_UINT64_T, MPI_COMM_WORLD);
}

static inline int nn_mpi_gather_int(int value, int *values, int root) {
    return MPI_Gather(&value, 1, MPI_INT, values, 1, MPI_INT, root, MPI_COMM_WORLD);
}

static inline int nn_mpi_gatherv_float(const float *values, int count, float *all,
                                       const int *counts, const int *offsets, int root) {
    return MPI_Gatherv(values, count, MPI_FLOAT, all, counts, offsets, MPI_FLOAT, root,
                       MPI_COMM_WORLD);
}

static inline int nn_mpi_abort(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }

static inline void nn_mpi_error_string(int code, char *text, int *length) {
    MPI_Error_string(code, text, length);
}

#endif
