// The HDF5 C library (Debian: libhdf5-dev; paths from pkg-config "hdf5").
//
// HDF5's property and type handles (H5P_DEFAULT, H5T_NATIVE_FLOAT, …) are macros Swift cannot
// import, so nntrain calls these inline functions. Each returns a negative value on failure.
#ifndef NN_CHDF5_SHIM_H
#define NN_CHDF5_SHIM_H

#include <hdf5.h>
#include <string.h>

/// Stops HDF5 from printing its error stack: nntrain reports one line of its own.
static inline void nn_h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static inline hid_t nn_h5_create(const char *path) {
    return H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
}

static inline hid_t nn_h5_open(const char *path) {
    return H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
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

#endif
