#define _GNU_SOURCE  // RTLD_DEFAULT
#include "nn_kernels.h"

#include <dlfcn.h>
#include <signal.h>
#include <unistd.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Every kernel is written once, over a vector of W lanes (clang's ext_vector_type), and built for
// W = 16 (AVX-512), 8 (AVX2), 4 (SSE2) and 1 (the tail). The widest the CPU supports runs the
// bulk and W = 1 the remaining elements. Each lane does exactly the scalar operations in the
// same order, each correctly rounded, and contraction into fused multiply-adds is off, so a
// result does not depend on which width ran.
#pragma STDC FP_CONTRACT OFF

#define NN_LOAD(V, p) ({ V nn_value_; memcpy(&nn_value_, (p), sizeof nn_value_); nn_value_; })
#define NN_STORE(p, value) ({ __typeof__(value) nn_stored_ = (value); memcpy((p), &nn_stored_, sizeof nn_stored_); })
#define NN_SQRT(x) __builtin_elementwise_sqrt(x)

// Instantiates a kernel body `BODY(V, M)` (V: float vector type, M: the same-sized int vector
// type) as `static size_t NAME(size_t i, size_t n, ARGS)`, which processes whole vectors from
// element i and returns where it stopped.
#define NN_INSTANCE(NAME, TARGET, W, BODY, ...)                                                \
    NN_TARGET_ATTR(TARGET) static size_t NAME(size_t i, size_t n, __VA_ARGS__) {               \
        typedef float V __attribute__((ext_vector_type(W)));                                   \
        typedef int M __attribute__((ext_vector_type(W)));                                     \
        (void)sizeof(M);                                                                       \
        for (; i + (W) <= n; i += (W)) { BODY(V, M) }                                          \
        return i;                                                                              \
    }

#if defined(__x86_64__) || defined(__i386__)
#define NN_X86 1
#define NN_TARGET_ATTR(TARGET) __attribute__((target(TARGET)))
#define NN_KERNEL(NAME, BODY, ...)                                                             \
    NN_INSTANCE(NAME##_16, "avx512f", 16, BODY, __VA_ARGS__)                                   \
    NN_INSTANCE(NAME##_8, "avx2", 8, BODY, __VA_ARGS__)                                        \
    NN_INSTANCE(NAME##_4, "sse2", 4, BODY, __VA_ARGS__)                                        \
    NN_INSTANCE(NAME##_1, "sse2", 1, BODY, __VA_ARGS__)
#else
// Elsewhere (arm64: NEON is always there) 4 lanes with the compiler's default target.
#define NN_X86 0
#define NN_TARGET_ATTR(TARGET)
#define NN_KERNEL(NAME, BODY, ...)                                                             \
    NN_INSTANCE(NAME##_4, "", 4, BODY, __VA_ARGS__)                                            \
    NN_INSTANCE(NAME##_1, "", 1, BODY, __VA_ARGS__)
#endif

// The width in use. Tests change it while other tests run kernels: every width gives the same
// results, and relaxed atomic accesses keep that well defined.
static int nn_width = 4;
#define NN_WIDTH() __atomic_load_n(&nn_width, __ATOMIC_RELAXED)

// Elements [begin, end): the bulk at the chosen width, then the tail one element at a time.
#if NN_X86
#define NN_RUN_RANGE(NAME, begin, end, ...)                                                    \
    do {                                                                                       \
        int nn_lanes_ = NN_WIDTH();                                                            \
        size_t nn_done_ = nn_lanes_ == 16  ? NAME##_16((begin), (end), __VA_ARGS__)            \
                          : nn_lanes_ == 8 ? NAME##_8((begin), (end), __VA_ARGS__)             \
                          : nn_lanes_ == 4 ? NAME##_4((begin), (end), __VA_ARGS__)             \
                                           : (begin);                                          \
        NAME##_1(nn_done_, (end), __VA_ARGS__);                                                \
    } while (0)

__attribute__((constructor)) static void nn_choose_width(void) {
    __builtin_cpu_init();
    int width = __builtin_cpu_supports("avx512f") ? 16 : __builtin_cpu_supports("avx2") ? 8 : 4;
    __atomic_store_n(&nn_width, width, __ATOMIC_RELAXED);
}

static int nn_supported(int width) {
    if (width == 16) return __builtin_cpu_supports("avx512f");
    if (width == 8) return __builtin_cpu_supports("avx2");
    return width == 4 || width == 1;
}
#else
#define NN_RUN_RANGE(NAME, begin, end, ...)                                                    \
    do {                                                                                       \
        size_t nn_done_ = NN_WIDTH() == 4 ? NAME##_4((begin), (end), __VA_ARGS__) : (begin);   \
        NAME##_1(nn_done_, (end), __VA_ARGS__);                                                \
    } while (0)

static int nn_supported(int width) { return width == 4 || width == 1; }
#endif

#define NN_RUN(NAME, n, ...) NN_RUN_RANGE(NAME, 0, n, __VA_ARGS__)

int nn_kernels_width(void) { return NN_WIDTH(); }

void nn_prefetch_rows(const float *base, const long *order, size_t count, size_t row_floats) {
    for (size_t r = 0; r < count; r++) {
        const char *row = (const char *)(base + (size_t)order[r] * row_floats);
        const char *end = row + row_floats * sizeof(float);
        __builtin_prefetch(row, 0, 2);
        for (const char *page = (const char *)(((size_t)row + 4096) & ~(size_t)4095); page < end;
             page += 4096)
            __builtin_prefetch(page, 0, 2);
    }
}

int nn_kernels_set_width(int width) {
    int previous = NN_WIDTH();
    if (nn_supported(width)) __atomic_store_n(&nn_width, width, __ATOMIC_RELAXED);
    return previous;
}

// ---------------------------------------------------------------------------------------------
// Kernels split across OpenBLAS's threads.
//
// OpenBLAS keeps a pool of threads for its routines (OPENBLAS_NUM_THREADS, the caller included)
// and splits its own level-1 routines over the pool with `blas_level1_thread`, which it exports
// (declared in its common_thread.h). A kernel below goes through the same call, so the pool's
// other threads, which otherwise wait spinning between GEMMs, take a share of it and nntrain
// starts no thread of its own. Each element is computed by the same formula whichever thread
// takes it, so the split never changes a result. The call's signature dates from GotoBLAS2, but
// its precision codes changed in OpenBLAS 0.3.11 (BLAS_SINGLE was 0, now 2): older versions, a
// serial OpenBLAS and other BLAS libraries leave all the work to the caller.

typedef void (*nn_part_fn)(const void *job, size_t begin, size_t end);

struct nn_split {
    nn_part_fn part;
    const void *job;
    uintptr_t origin;  // the address of item 0 of the array split
    size_t item_bytes;
};

// OpenBLAS's callback for single-precision level-1 work ("legacy" convention): m items
// starting at a; the other arguments are unused here.
static int nn_split_chunk(intptr_t m, intptr_t n, intptr_t k, float alpha, float *a,
                          intptr_t lda, float *b, intptr_t ldb, float *c, intptr_t ldc,
                          void *buffer) {
    (void)n, (void)k, (void)alpha, (void)lda, (void)b, (void)ldb, (void)ldc, (void)buffer;
    const struct nn_split *split = (const struct nn_split *)(void *)c;
    size_t begin = ((uintptr_t)a - split->origin) / split->item_bytes;
    split->part(split->job, begin, begin + (size_t)m);
    return 0;
}

typedef int (*nn_level1_thread_fn)(int mode, intptr_t m, intptr_t n, intptr_t k, void *alpha,
                                   void *a, intptr_t lda, void *b, intptr_t ldb, void *c,
                                   intptr_t ldc, int (*function)(void), int threads);
typedef int (*nn_thread_count_fn)(void);
static nn_level1_thread_fn nn_level1_thread;
static nn_thread_count_fn nn_blas_threads;
#define NN_BLAS_SINGLE_REAL 0x0002  // BLAS_SINGLE | BLAS_REAL (common_thread.h)

// Each part gets at least this many elements: below it, handing work to another thread costs
// more than it saves (measured: about 0.5 µs to hand over, 8192 Adam elements take 1.7 µs).
static size_t nn_split_minimum = 16384;

typedef char *(*nn_config_fn)(void);

int nn_openblas_config_splits(const char *config) {
    int major, minor, patch;
    if (!config || sscanf(config, "OpenBLAS %d.%d.%d", &major, &minor, &patch) != 3) return 0;
    return major > 0 || minor > 3 || (minor == 3 && patch >= 11);
}

// Looked up on first use, when OpenBLAS has initialised itself.
static pthread_once_t nn_pool_once = PTHREAD_ONCE_INIT;

static void nn_find_blas_pool(void) {
    void *level1 = dlsym(RTLD_DEFAULT, "blas_level1_thread");
    void *threads = dlsym(RTLD_DEFAULT, "openblas_get_num_threads");
    void *config_symbol = dlsym(RTLD_DEFAULT, "openblas_get_config");
    nn_config_fn config = NULL;
    memcpy(&config, &config_symbol, sizeof config_symbol);
    if (!level1 || !threads || !config || !nn_openblas_config_splits(config())) return;
    memcpy(&nn_level1_thread, &level1, sizeof level1);
    memcpy(&nn_blas_threads, &threads, sizeof threads);
}

int nn_kernels_split_parts(size_t n) {
    pthread_once(&nn_pool_once, nn_find_blas_pool);
    if (!nn_level1_thread || !nn_blas_threads) return 1;
    size_t by_size = n / __atomic_load_n(&nn_split_minimum, __ATOMIC_RELAXED);
    int threads = nn_blas_threads();
    if (by_size < 2 || threads < 2) return 1;
    return by_size < (size_t)threads ? (int)by_size : threads;
}

size_t nn_kernels_set_split_minimum(size_t minimum) {
    return __atomic_exchange_n(&nn_split_minimum, minimum > 0 ? minimum : 1, __ATOMIC_RELAXED);
}

// Runs part(job, begin, end) over items [0, n) of `item_floats` floats each, split in parts
// when that pays. `origin` is item 0 of one of the job's arrays of n items: OpenBLAS hands each
// part its start within it.
static void nn_split_items(size_t n, size_t item_floats, nn_part_fn part, const void *job,
                           float *origin) {
    // OpenBLAS divides the item count in 32-bit arithmetic.
    int parts = n <= INT_MAX ? nn_kernels_split_parts(n * item_floats) : 1;
    if ((size_t)parts > n) parts = (int)n;
    if (parts < 2) {
        part(job, 0, n);
        return;
    }
    struct nn_split split = {part, job, (uintptr_t)origin, item_floats * sizeof(float)};
    float one = 1;
    nn_level1_thread(NN_BLAS_SINGLE_REAL, (intptr_t)n, 0, 0, &one, origin, (intptr_t)item_floats,
                     origin, (intptr_t)item_floats, &split, 0,
                     (int (*)(void))nn_split_chunk, parts);
}

// The same over n single floats.
static void nn_split_run(size_t n, nn_part_fn part, const void *job, float *origin) {
    nn_split_items(n, 1, part, job, origin);
}

struct nn_gather_job {
    float *destination;
    const float *base;
    const long *order;
    size_t row_floats;
};

static void nn_gather_part(const void *job, size_t begin, size_t end) {
    const struct nn_gather_job *j = job;
    for (size_t r = begin; r < end; r++)
        memcpy(j->destination + r * j->row_floats, j->base + (size_t)j->order[r] * j->row_floats,
               j->row_floats * sizeof(float));
}

void nn_gather_rows(float *destination, const float *base, const long *order, size_t count,
                    size_t row_floats) {
    if (count == 0 || row_floats == 0) return;
    struct nn_gather_job job = {destination, base, order, row_floats};
    nn_split_items(count, row_floats, nn_gather_part, &job, destination);
}

// ---------------------------------------------------------------------------------------------

// x - x is 0 for every finite x and NaN for NaN and ±infinity; a vector stops at its start.
#define NN_FINITE_BODY(V, M)                                                                   \
    V x = NN_LOAD(V, values + i);                                                              \
    if (__builtin_reduce_or((M)(x - x != 0))) return i;

NN_KERNEL(finite, NN_FINITE_BODY, const float *values)

size_t nn_first_nonfinite(const float *values, size_t n) {
#if NN_X86
    int lanes = NN_WIDTH();
    size_t i = lanes == 16  ? finite_16(0, n, values)
               : lanes == 8 ? finite_8(0, n, values)
               : lanes == 4 ? finite_4(0, n, values)
                            : 0;
#else
    size_t i = NN_WIDTH() == 4 ? finite_4(0, n, values) : 0;
#endif
    return finite_1(i, n, values);  // the exact element, or n
}

// Adam's and Nadam's moment estimates (Keras's formulas): gi, mi and vi for what follows.
#define NN_MOMENTS(V, ONE_MINUS_BETA1, ONE_MINUS_BETA2)                                        \
    V gi = NN_LOAD(V, g + i), mi = NN_LOAD(V, m + i), vi = NN_LOAD(V, v + i);                  \
    NN_STORE(g + i, (V)0.0f);                                                                  \
    mi = mi + (gi - mi) * (ONE_MINUS_BETA1);                                                   \
    vi = vi + (gi * gi - vi) * (ONE_MINUS_BETA2);                                              \
    NN_STORE(m + i, mi);                                                                       \
    NN_STORE(v + i, vi);

#define NN_ADAM_BODY(V, M)                                                                     \
    NN_MOMENTS(V, one_minus_beta1, one_minus_beta2)                                            \
    NN_STORE(w + i, NN_LOAD(V, w + i) - mi * alpha / (NN_SQRT(vi) + epsilon));

NN_KERNEL(adam, NN_ADAM_BODY, float *w, float *g, float *m, float *v, float alpha,
          float one_minus_beta1, float one_minus_beta2, float epsilon)

// Swift's max(x, y): y when y >= x, else x (so x when y is NaN); lanes chosen by bits.
#define NN_SWIFT_MAX(V, M, x, y)                                                               \
    ({                                                                                         \
        M nn_take_y_ = (y) >= (x);                                                             \
        (V)((nn_take_y_ & (M)(y)) | (~nn_take_y_ & (M)(x)));                                   \
    })

// AMSGrad: Adam's moments, then the update over the largest second moment so far.
#define NN_AMSGRAD_BODY(V, M)                                                                  \
    NN_MOMENTS(V, one_minus_beta1, one_minus_beta2)                                            \
    V vmaxi = NN_SWIFT_MAX(V, M, NN_LOAD(V, vmax + i), vi);                                    \
    NN_STORE(vmax + i, vmaxi);                                                                 \
    NN_STORE(w + i, NN_LOAD(V, w + i) - mi * alpha / (NN_SQRT(vmaxi) + epsilon));

NN_KERNEL(amsgrad, NN_AMSGRAD_BODY, float *w, float *g, float *m, float *v, float *vmax,
          float alpha, float one_minus_beta1, float one_minus_beta2, float epsilon)

// Adam and AMSGrad share a step: `vmax` is NULL for Adam.
struct nn_adam_job {
    float *w, *g, *m, *v, *vmax;
    float alpha, one_minus_beta1, one_minus_beta2, epsilon;
};

static void nn_adam_part(const void *job, size_t begin, size_t end) {
    const struct nn_adam_job *j = job;
    if (j->vmax)
        NN_RUN_RANGE(amsgrad, begin, end, j->w, j->g, j->m, j->v, j->vmax, j->alpha,
                     j->one_minus_beta1, j->one_minus_beta2, j->epsilon);
    else
        NN_RUN_RANGE(adam, begin, end, j->w, j->g, j->m, j->v, j->alpha, j->one_minus_beta1,
                     j->one_minus_beta2, j->epsilon);
}

void nn_adam_update(float *w, float *g, float *m, float *v, float *vmax, size_t n, float alpha,
                    float one_minus_beta1, float one_minus_beta2, float epsilon) {
    struct nn_adam_job job = {w, g, m, v, vmax, alpha, one_minus_beta1, one_minus_beta2, epsilon};
    nn_split_run(n, nn_adam_part, &job, w);
}

// SGD's three forms are separate instances so the loops carry no per-element branches.
#define NN_SGD_BODY(V, M, MOMENTUM, NESTEROV)                                                  \
    V gi = NN_LOAD(V, g + i);                                                                  \
    NN_STORE(g + i, (V)0.0f);                                                                  \
    if (MOMENTUM) {                                                                            \
        V vi = NN_LOAD(V, velocity + i) * momentum - gi * lr;                                  \
        NN_STORE(velocity + i, vi);                                                            \
        NN_STORE(w + i, NN_LOAD(V, w + i) + (NESTEROV ? vi * momentum - gi * lr : vi));        \
    } else {                                                                                   \
        NN_STORE(w + i, NN_LOAD(V, w + i) - gi * lr);                                          \
    }

#define NN_SGD_PLAIN(V, M) NN_SGD_BODY(V, M, 0, 0)
#define NN_SGD_MOMENTUM(V, M) NN_SGD_BODY(V, M, 1, 0)
#define NN_SGD_NESTEROV(V, M) NN_SGD_BODY(V, M, 1, 1)
#define NN_SGD_ARGS float *w, float *g, float *velocity, float lr, float momentum
NN_KERNEL(sgd_plain, NN_SGD_PLAIN, NN_SGD_ARGS)
NN_KERNEL(sgd_momentum, NN_SGD_MOMENTUM, NN_SGD_ARGS)
NN_KERNEL(sgd_nesterov, NN_SGD_NESTEROV, NN_SGD_ARGS)

struct nn_sgd_job {
    float *w, *g, *velocity;
    float lr, momentum;
    int nesterov;
};

static void nn_sgd_part(const void *job, size_t begin, size_t end) {
    const struct nn_sgd_job *j = job;
    if (!j->velocity)
        NN_RUN_RANGE(sgd_plain, begin, end, j->w, j->g, j->velocity, j->lr, j->momentum);
    else if (j->nesterov)
        NN_RUN_RANGE(sgd_nesterov, begin, end, j->w, j->g, j->velocity, j->lr, j->momentum);
    else
        NN_RUN_RANGE(sgd_momentum, begin, end, j->w, j->g, j->velocity, j->lr, j->momentum);
}

void nn_sgd_update(float *w, float *g, float *velocity, size_t n, float lr, float momentum,
                   int nesterov) {
    struct nn_sgd_job job = {w, g, velocity, lr, momentum, nesterov};
    nn_split_run(n, nn_sgd_part, &job, w);
}

// Adamax: m += (g - m)(1 - beta1); u = max(beta2 u, |g|); w -= rate m / (u + epsilon).
#define NN_ADAMAX_BODY(V, M)                                                                   \
    V gi = NN_LOAD(V, g + i);                                                                  \
    NN_STORE(g + i, (V)0.0f);                                                                  \
    V mi = NN_LOAD(V, m + i);                                                                  \
    mi = mi + (gi - mi) * one_minus_beta1;                                                     \
    NN_STORE(m + i, mi);                                                                       \
    V magnitude = (V)((M)gi & (M)0x7fffffff);                                                  \
    V ui = NN_SWIFT_MAX(V, M, beta2 * NN_LOAD(V, u + i), magnitude);                           \
    NN_STORE(u + i, ui);                                                                       \
    NN_STORE(w + i, NN_LOAD(V, w + i) - rate * mi / (ui + epsilon));

NN_KERNEL(adamax, NN_ADAMAX_BODY, float *w, float *g, float *m, float *u, float rate,
          float one_minus_beta1, float beta2, float epsilon)

struct nn_adamax_job {
    float *w, *g, *m, *u;
    float rate, one_minus_beta1, beta2, epsilon;
};

static void nn_adamax_part(const void *job, size_t begin, size_t end) {
    const struct nn_adamax_job *j = job;
    NN_RUN_RANGE(adamax, begin, end, j->w, j->g, j->m, j->u, j->rate, j->one_minus_beta1,
                 j->beta2, j->epsilon);
}

void nn_adamax_update(float *w, float *g, float *m, float *u, size_t n, float rate,
                      float beta1, float beta2, float epsilon) {
    struct nn_adamax_job job = {w, g, m, u, rate, 1 - beta1, beta2, epsilon};
    nn_split_run(n, nn_adamax_part, &job, w);
}

// max(z, 0) that keeps NaN: clear z's bits where z < 0 (comparisons give all-ones lanes).
#define NN_BIAS_RELU_BODY(V, M)                                                                \
    V z = NN_LOAD(V, row + i) + NN_LOAD(V, b + i);                                             \
    NN_STORE(row + i, (V)(~(z < 0) & (M)z));

NN_KERNEL(bias_relu, NN_BIAS_RELU_BODY, float *row, const float *b)

struct nn_bias_relu_job {
    float *y;
    const float *b;
    size_t width;
};

static void nn_bias_relu_part(const void *job, size_t begin, size_t end) {
    const struct nn_bias_relu_job *j = job;
    for (size_t r = begin; r < end; r++) NN_RUN(bias_relu, j->width, j->y + r * j->width, j->b);
}

void nn_bias_relu(float *y, const float *b, size_t rows, size_t width) {
    struct nn_bias_relu_job job = {y, b, width};
    nn_split_items(rows, width, nn_bias_relu_part, &job, y);
}

#define NN_RELU_BACKWARD_BODY(V, M)                                                            \
    NN_STORE(gradient + i, (V)((NN_LOAD(V, output + i) > 0) & (M)NN_LOAD(V, gradient + i)));

NN_KERNEL(relu_backward, NN_RELU_BACKWARD_BODY, const float *output, float *gradient)

struct nn_relu_backward_job {
    const float *output;
    float *gradient;
};

static void nn_relu_backward_part(const void *job, size_t begin, size_t end) {
    const struct nn_relu_backward_job *j = job;
    NN_RUN_RANGE(relu_backward, begin, end, j->output, j->gradient);
}

void nn_relu_backward(const float *output, float *gradient, size_t n) {
    struct nn_relu_backward_job job = {output, gradient};
    nn_split_run(n, nn_relu_backward_part, &job, gradient);
}

// RMSprop's variants are separate instances so the loops carry no per-element branches.
#define NN_RMSPROP_BODY(V, M, CENTERED, MOMENTUM)                                              \
    V gi = NN_LOAD(V, g + i);                                                                  \
    NN_STORE(g + i, (V)0.0f);                                                                  \
    V si = rho * NN_LOAD(V, s + i) + keep * gi * gi;                                           \
    NN_STORE(s + i, si);                                                                       \
    V denominator = si;                                                                        \
    if (CENTERED) {                                                                            \
        V ai = rho * NN_LOAD(V, mean_gradient + i) + keep * gi;                                \
        NN_STORE(mean_gradient + i, ai);                                                       \
        denominator = si - ai * ai;                                                            \
    }                                                                                          \
    V step = lr * gi / NN_SQRT(denominator + epsilon);                                         \
    if (MOMENTUM) {                                                                            \
        step = momentum * NN_LOAD(V, velocity + i) + step;                                     \
        NN_STORE(velocity + i, step);                                                          \
    }                                                                                          \
    NN_STORE(w + i, NN_LOAD(V, w + i) - step);

#define NN_RMSPROP_PLAIN(V, M) NN_RMSPROP_BODY(V, M, 0, 0)
#define NN_RMSPROP_CENTERED(V, M) NN_RMSPROP_BODY(V, M, 1, 0)
#define NN_RMSPROP_MOMENTUM(V, M) NN_RMSPROP_BODY(V, M, 0, 1)
#define NN_RMSPROP_BOTH(V, M) NN_RMSPROP_BODY(V, M, 1, 1)
#define NN_RMSPROP_ARGS                                                                        \
    float *w, float *g, float *s, float *velocity, float *mean_gradient, float lr,             \
        float rho, float keep, float momentum, float epsilon
NN_KERNEL(rmsprop_plain, NN_RMSPROP_PLAIN, NN_RMSPROP_ARGS)
NN_KERNEL(rmsprop_centered, NN_RMSPROP_CENTERED, NN_RMSPROP_ARGS)
NN_KERNEL(rmsprop_momentum, NN_RMSPROP_MOMENTUM, NN_RMSPROP_ARGS)
NN_KERNEL(rmsprop_both, NN_RMSPROP_BOTH, NN_RMSPROP_ARGS)

struct nn_rmsprop_job {
    float *w, *g, *s, *velocity, *mean_gradient;
    float lr, rho, keep, momentum, epsilon;
};

static void nn_rmsprop_part(const void *job, size_t begin, size_t end) {
    const struct nn_rmsprop_job *j = job;
#define NN_RMSPROP_RUN(NAME)                                                                   \
    NN_RUN_RANGE(NAME, begin, end, j->w, j->g, j->s, j->velocity, j->mean_gradient, j->lr,     \
                 j->rho, j->keep, j->momentum, j->epsilon)
    if (j->mean_gradient && j->velocity)
        NN_RMSPROP_RUN(rmsprop_both);
    else if (j->mean_gradient)
        NN_RMSPROP_RUN(rmsprop_centered);
    else if (j->velocity)
        NN_RMSPROP_RUN(rmsprop_momentum);
    else
        NN_RMSPROP_RUN(rmsprop_plain);
#undef NN_RMSPROP_RUN
}

void nn_rmsprop_update(float *w, float *g, float *s, float *velocity, float *mean_gradient,
                       size_t n, float lr, float rho, float momentum, float epsilon) {
    struct nn_rmsprop_job job = {w, g, s, velocity, mean_gradient, lr, rho, 1 - rho, momentum,
                                 epsilon};
    nn_split_run(n, nn_rmsprop_part, &job, w);
}

#define NN_ADAGRAD_BODY(V, M)                                                                  \
    V gi = NN_LOAD(V, g + i);                                                                  \
    NN_STORE(g + i, (V)0.0f);                                                                  \
    V ai = NN_LOAD(V, a + i) + gi * gi;                                                        \
    NN_STORE(a + i, ai);                                                                       \
    NN_STORE(w + i, NN_LOAD(V, w + i) - lr * gi / NN_SQRT(ai + epsilon));

NN_KERNEL(adagrad, NN_ADAGRAD_BODY, float *w, float *g, float *a, float lr, float epsilon)

struct nn_adagrad_job {
    float *w, *g, *a;
    float lr, epsilon;
};

static void nn_adagrad_part(const void *job, size_t begin, size_t end) {
    const struct nn_adagrad_job *j = job;
    NN_RUN_RANGE(adagrad, begin, end, j->w, j->g, j->a, j->lr, j->epsilon);
}

void nn_adagrad_update(float *w, float *g, float *a, size_t n, float lr, float epsilon) {
    struct nn_adagrad_job job = {w, g, a, lr, epsilon};
    nn_split_run(n, nn_adagrad_part, &job, w);
}

#define NN_ADADELTA_BODY(V, M)                                                                 \
    V gi = NN_LOAD(V, g + i);                                                                  \
    NN_STORE(g + i, (V)0.0f);                                                                  \
    V egi = rho * NN_LOAD(V, eg + i) + keep * gi * gi;                                         \
    NN_STORE(eg + i, egi);                                                                     \
    V edi = NN_LOAD(V, ed + i);                                                                \
    V delta = -NN_SQRT(edi + epsilon) / NN_SQRT(egi + epsilon) * gi;                           \
    NN_STORE(ed + i, rho * edi + keep * delta * delta);                                        \
    NN_STORE(w + i, NN_LOAD(V, w + i) + lr * delta);

NN_KERNEL(adadelta, NN_ADADELTA_BODY, float *w, float *g, float *eg, float *ed, float lr,
          float rho, float keep, float epsilon)

struct nn_adadelta_job {
    float *w, *g, *eg, *ed;
    float lr, rho, keep, epsilon;
};

static void nn_adadelta_part(const void *job, size_t begin, size_t end) {
    const struct nn_adadelta_job *j = job;
    NN_RUN_RANGE(adadelta, begin, end, j->w, j->g, j->eg, j->ed, j->lr, j->rho, j->keep,
                 j->epsilon);
}

void nn_adadelta_update(float *w, float *g, float *eg, float *ed, size_t n, float lr,
                        float rho, float epsilon) {
    struct nn_adadelta_job job = {w, g, eg, ed, lr, rho, 1 - rho, epsilon};
    nn_split_run(n, nn_adadelta_part, &job, w);
}

#define NN_NADAM_BODY(V, M)                                                                    \
    NN_MOMENTS(V, b1, b2)                                                                      \
    V mhat = ut1 * mi / c1 + cu * gi / c0;                                                     \
    V vhat = vi / cv;                                                                          \
    NN_STORE(w + i, NN_LOAD(V, w + i) - lr * mhat / (NN_SQRT(vhat) + epsilon));

NN_KERNEL(nadam, NN_NADAM_BODY, float *w, float *g, float *m, float *v, float lr,
          float b1, float b2, float ut1, float c1, float cu, float c0, float cv, float epsilon)

struct nn_nadam_job {
    float *w, *g, *m, *v;
    float lr, b1, b2, ut1, c1, cu, c0, cv, epsilon;
};

static void nn_nadam_part(const void *job, size_t begin, size_t end) {
    const struct nn_nadam_job *j = job;
    NN_RUN_RANGE(nadam, begin, end, j->w, j->g, j->m, j->v, j->lr, j->b1, j->b2, j->ut1, j->c1,
                 j->cu, j->c0, j->cv, j->epsilon);
}

void nn_nadam_update(float *w, float *g, float *m, float *v, size_t n, float lr,
                     float beta1, float beta2, float ut, float ut1, float product,
                     float product1, float beta2_power, float epsilon) {
    struct nn_nadam_job job = {w, g, m, v, lr, 1 - beta1, 1 - beta2, ut1, 1 - product1, 1 - ut,
                               1 - product, 1 - beta2_power, epsilon};
    nn_split_run(n, nn_nadam_part, &job, w);
}

// ---------------------------------------------------------------------------------------------
// Faults in mapped data files. A mapped file cut short while it is read faults with SIGBUS at
// an address inside the mapping. The handler only reads a fixed table and calls write and
// _exit, which are safe in a signal handler.

#define NN_MAPPINGS 64
static struct { uintptr_t base, end; } nn_mappings[NN_MAPPINGS];
static const char *nn_fault_message;

void nn_mapped_register(const void *base, size_t length) {
    for (int i = 0; i < NN_MAPPINGS; i++) {
        uintptr_t expected = 0;
        if (__atomic_compare_exchange_n(&nn_mappings[i].base, &expected, (uintptr_t)base, 0,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            __atomic_store_n(&nn_mappings[i].end, (uintptr_t)base + length, __ATOMIC_SEQ_CST);
            return;
        }
    }
}

void nn_mapped_unregister(const void *base) {
    for (int i = 0; i < NN_MAPPINGS; i++) {
        if (__atomic_load_n(&nn_mappings[i].base, __ATOMIC_SEQ_CST) == (uintptr_t)base) {
            __atomic_store_n(&nn_mappings[i].end, 0, __ATOMIC_SEQ_CST);
            __atomic_store_n(&nn_mappings[i].base, 0, __ATOMIC_SEQ_CST);
        }
    }
}

static struct sigaction nn_previous_bus_action;

static void nn_on_bus_error(int signal_number, siginfo_t *info, void *context) {
    (void)context;
    // A fault of the process's own access has si_code > 0; a SIGBUS sent by kill has none.
    uintptr_t address = info->si_code > 0 ? (uintptr_t)info->si_addr : 0;
    for (int i = 0; address != 0 && i < NN_MAPPINGS; i++) {
        uintptr_t base = __atomic_load_n(&nn_mappings[i].base, __ATOMIC_SEQ_CST);
        uintptr_t end = __atomic_load_n(&nn_mappings[i].end, __ATOMIC_SEQ_CST);
        if (base != 0 && address >= base && address < end) {
            const char *message = nn_fault_message;
            if (message) {
                ssize_t written = write(2, message, strlen(message));
                (void)written;
            }
            _exit(1);
        }
    }
    // Not ours: the handler there was before (the runtime's crash report, or the default)
    // takes it, when the faulting access repeats or, for a sent signal, at once.
    sigaction(signal_number, &nn_previous_bus_action, NULL);
    if (info->si_code <= 0) raise(signal_number);
}

void nn_report_mapped_faults(const char *message) {
    nn_fault_message = message ? strdup(message) : NULL;  // kept for the process's life
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = nn_on_bus_error;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, &nn_previous_bus_action);
}
