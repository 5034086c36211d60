// The HDF5 C library (Debian: libhdf5-dev; paths from pkg-config "hdf5").
//
// HDF5's property and type handles (H5P_DEFAULT, H5T_NATIVE_FLOAT, …) are macros Swift cannot
// import, so nntrain calls these inline functions. Each returns a negative value on failure.
#ifndef NN_CHDF5_SHIM_H
#define NN_CHDF5_SHIM_H

#include <hdf5.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

/// Stops HDF5 from printing its error stack: nntrain reports one line of its own.
static inline void nn_h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/// File access without HDF5's file locks: a child process that inherited a descriptor of a file
/// being written (any subprocess started meanwhile) would otherwise keep it locked long after
/// nntrain closed it, and later opens would fail.
static inline hid_t nn_h5_access_properties(void) {
    hid_t properties = H5Pcreate(H5P_FILE_ACCESS);
    if (properties >= 0) H5Pset_file_locking(properties, 0, 1);
    return properties;
}

static inline hid_t nn_h5_create(const char *path) {
    hid_t properties = nn_h5_access_properties();
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, properties);
    if (properties >= 0) H5Pclose(properties);
    return file;
}

static inline hid_t nn_h5_open(const char *path) {
    hid_t properties = nn_h5_access_properties();
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, properties);
    if (properties >= 0) H5Pclose(properties);
    return file;
}

static inline herr_t nn_h5_close_file(hid_t file) { return H5Fclose(file); }

static inline hid_t nn_h5_create_group(hid_t location, const char *name) {
    return H5Gcreate2(location, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
}

static inline hid_t nn_h5_open_group(hid_t location, const char *name) {
    return H5Gopen2(location, name, H5P_DEFAULT);
}

static inline herr_t nn_h5_close_group(hid_t group) { return H5Gclose(group); }

/// 1 when `name` is a direct member of `location`, 0 when not, negative on error.
static inline htri_t nn_h5_has_member(hid_t location, const char *name) {
    return H5Lexists(location, name, H5P_DEFAULT);
}

/// The number of members of a group, or -1.
static inline long long nn_h5_member_count(hid_t group) {
    H5G_info_t info;
    if (H5Gget_info(group, &info) < 0) return -1;
    return (long long)info.nlinks;
}

/// Writes the name of member `index` (in name order) into `name`; returns its length or -1.
static inline long long nn_h5_member_name(hid_t group, unsigned long long index, char *name,
                                          size_t size) {
    return (long long)H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, name,
                                         size, H5P_DEFAULT);
}

/// 1 when member `name` is a group, 0 when it is something else, negative on error.
static inline int nn_h5_member_is_group(hid_t location, const char *name) {
    hid_t object = H5Oopen(location, name, H5P_DEFAULT);
    if (object < 0) return -1;
    int isGroup = H5Iget_type(object) == H5I_GROUP;
    H5Oclose(object);
    return isGroup;
}

/// Writes a float32 dataset of `rank` dimensions (0 for a scalar).
static inline herr_t nn_h5_write_floats(hid_t location, const char *name, int rank,
                                        const hsize_t *dims, const float *values) {
    hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, NULL);
    if (space < 0) return -1;
    hid_t set = H5Dcreate2(location, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT,
                           H5P_DEFAULT);
    herr_t status = -1;
    if (set >= 0) {
        status = H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
        H5Dclose(set);
    }
    H5Sclose(space);
    return status;
}

/// Writes a scalar int64 dataset (Keras's optimizer iteration count).
static inline herr_t nn_h5_write_int64(hid_t location, const char *name, long long value) {
    hid_t space = H5Screate(H5S_SCALAR);
    if (space < 0) return -1;
    hid_t set = H5Dcreate2(location, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT,
                           H5P_DEFAULT);
    herr_t status = -1;
    if (set >= 0) {
        status = H5Dwrite(set, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value);
        H5Dclose(set);
    }
    H5Sclose(space);
    return status;
}

/// The shape of a dataset: returns its rank (at most `capacity` extents written) or -1.
static inline int nn_h5_dataset_shape(hid_t location, const char *name, hsize_t *dims,
                                      int capacity) {
    hid_t set = H5Dopen2(location, name, H5P_DEFAULT);
    if (set < 0) return -1;
    hid_t space = H5Dget_space(set);
    int rank = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    if (rank > capacity) rank = -1;
    if (rank > 0 && H5Sget_simple_extent_dims(space, dims, NULL) < 0) rank = -1;
    if (space >= 0) H5Sclose(space);
    H5Dclose(set);
    return rank;
}

/// 1 for a float or integer dataset (readable as numbers), 0 otherwise, negative on error.
static inline int nn_h5_dataset_is_numeric(hid_t location, const char *name) {
    hid_t set = H5Dopen2(location, name, H5P_DEFAULT);
    if (set < 0) return -1;
    hid_t type = H5Dget_type(set);
    H5T_class_t kind = type < 0 ? H5T_NO_CLASS : H5Tget_class(type);
    if (type >= 0) H5Tclose(type);
    H5Dclose(set);
    return kind == H5T_FLOAT || kind == H5T_INTEGER;
}

/// Reads a whole numeric dataset as float32 (HDF5 converts from its stored type).
static inline herr_t nn_h5_read_floats(hid_t location, const char *name, float *values) {
    hid_t set = H5Dopen2(location, name, H5P_DEFAULT);
    if (set < 0) return -1;
    herr_t status = H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
    H5Dclose(set);
    return status;
}

/// Reads a scalar numeric dataset as int64.
static inline herr_t nn_h5_read_int64(hid_t location, const char *name, long long *value) {
    hid_t set = H5Dopen2(location, name, H5P_DEFAULT);
    if (set < 0) return -1;
    herr_t status = H5Dread(set, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, value);
    H5Dclose(set);
    return status;
}

/// Writes a variable-length UTF-8 string attribute, as h5py writes Python strings.
static inline herr_t nn_h5_write_string_attribute(hid_t location, const char *name,
                                                  const char *value) {
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type < 0) return -1;
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attribute = H5Acreate2(location, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t status = attribute < 0 ? -1 : H5Awrite(attribute, type, &value);
    if (attribute >= 0) H5Aclose(attribute);
    H5Sclose(space);
    H5Tclose(type);
    return status;
}

/// Walks every group and reads every dataset under `path`, with the same calls nntrain's
/// reader makes. Returns 0 when all succeed.
static inline int nn_h5_walk(hid_t file, const char *path, int depth) {
    if (depth > 16) return 1;
    hid_t group = H5Gopen2(file, path, H5P_DEFAULT);
    if (group < 0) return 1;
    H5G_info_t info;
    int failed = H5Gget_info(group, &info) < 0 || info.nlinks > 100000;
    for (hsize_t i = 0; !failed && i < info.nlinks; i++) {
        char name[1024];
        ssize_t length = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name,
                                            sizeof name, H5P_DEFAULT);
        if (length < 0 || length >= (ssize_t)sizeof name) { failed = 1; break; }
        char child[2100];
        snprintf(child, sizeof child, "%s/%s", strcmp(path, "/") == 0 ? "" : path, name);
        if (H5Lexists(file, child, H5P_DEFAULT) <= 0) { failed = 1; break; }
        hid_t object = H5Oopen(file, child, H5P_DEFAULT);
        if (object < 0) { failed = 1; break; }
        H5I_type_t kind = H5Iget_type(object);
        H5Oclose(object);
        if (kind == H5I_GROUP) {
            failed = nn_h5_walk(file, child, depth + 1);
        } else if (kind == H5I_DATASET) {
            hid_t set = H5Dopen2(file, child, H5P_DEFAULT);
            hid_t space = set < 0 ? -1 : H5Dget_space(set);
            hssize_t count = space < 0 ? -1 : H5Sget_simple_extent_npoints(space);
            if (count < 0 || count > (1LL << 31)) {
                failed = 1;
            } else {
                float *values = malloc(sizeof(float) * (size_t)(count > 0 ? count : 1));
                failed = values == NULL
                    || H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0;
                free(values);
            }
            if (space >= 0) H5Sclose(space);
            if (set >= 0) H5Dclose(set);
        }
    }
    H5Gclose(group);
    return failed;
}

/// Runs `checker FILE` (the nntrain-h5check program) as a fresh process and waits at most
/// about 30 s. Returns 0 when it read everything, 1 when HDF5 reported an error, 2 when it
/// crashed, 3 when it could not run (no verdict) and 4 when it did not finish in time (it was
/// killed: reading the file hangs).
static inline int nn_h5_check_in_process_of(const char *checker, const char *path) {
    pid_t child;
    char *const arguments[] = {(char *)checker, (char *)path, NULL};
    extern char **environ;
    if (posix_spawn(&child, checker, NULL, NULL, arguments, environ) != 0) return 3;
    int status = 0;
    for (int waited = 0;; waited++) {
        pid_t done = waitpid(child, &status, WNOHANG);
        if (done == child) break;
        if (done < 0 && errno != EINTR) return 3;
        if (waited > 30000) {
            kill(child, SIGKILL);
            waitpid(child, &status, 0);
            return 4;
        }
        usleep(1000);
    }
    if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        return code == 0 ? 0 : code == 1 ? 1 : 3;
    }
    int signal = WTERMSIG(status);
    return signal == SIGSEGV || signal == SIGBUS || signal == SIGABRT || signal == SIGFPE
        || signal == SIGILL ? 2 : 3;
}

#endif
