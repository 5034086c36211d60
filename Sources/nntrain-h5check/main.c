// nntrain-h5check FILE: exits 0 when libhdf5 reads every group and dataset of FILE, 1 when it
// reports an error. nntrain runs it as a fresh process before reading a Keras weights file,
// because libhdf5 1.10 can crash (not just fail) on a corrupt file.
#include "../CHDF5/shim.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: nntrain-h5check FILE\n");
        return 2;
    }
    nn_h5_quiet();
    hid_t file = nn_h5_open(argv[1]);
    int failed = file < 0 || nn_h5_walk(file, "/", 0);
    if (file >= 0) H5Fclose(file);
    return failed ? 1 : 0;
}
