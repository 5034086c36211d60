// Element-wise kernels that Swift does not vectorise by itself (a square root per element
// compiles to a call to sqrtf there). Each computes exactly the scalar formula, lane by lane,
// in the same order, so results do not depend on the vector width. The widest vectors the CPU
// has are used: 16 lanes with AVX-512, 8 with AVX2, else 4. Long inputs are split across
// OpenBLAS's thread pool (see nn_kernels_split_parts), which does not change results either.
#ifndef NN_KERNELS_H
#define NN_KERNELS_H

#include <stddef.h>

// Each optimizer step below also clears the gradients it reads (g = 0) while they are in cache,
// for the next backward pass to add into. A long step is split across OpenBLAS's threads (see
// nn_kernels_split_parts); the results are the same however it is split.

/// One Adam step over n weights:
///   m += (g - m) * one_minus_beta1;  v += (g*g - v) * one_minus_beta2;
///   w -= m * alpha / (sqrt(v) + epsilon)
/// or, with `vmax` (AMSGrad; NULL for Adam), vmax = max(vmax, v) and sqrt(vmax) in the update.
void nn_adam_update(float *w, float *g, float *m, float *v, float *vmax, size_t n, float alpha,
                    float one_minus_beta1, float one_minus_beta2, float epsilon);

/// One SGD step (Keras's formulas; `velocity` is NULL when momentum is 0):
///   w -= g*lr; or v = v*momentum - g*lr, then w += v, or with Nesterov w += v*momentum - g*lr
void nn_sgd_update(float *w, float *g, float *velocity, size_t n, float lr, float momentum,
                   int nesterov);

/// One Adamax step: m += (g - m)*(1-beta1); u = max(beta2*u, |g|); w -= rate*m / (u + epsilon)
/// (max as Swift's: the first when the second is NaN).
void nn_adamax_update(float *w, float *g, float *m, float *u, size_t n, float rate,
                      float beta1, float beta2, float epsilon);

/// One RMSprop step (Keras's formulas; `velocity` and `mean_gradient` may be NULL when
/// momentum is 0 or the optimizer is not centered):
///   s = rho*s + (1-rho)*g*g;  a = rho*a + (1-rho)*g (centered);
///   step = lr*g / sqrt((centered ? s - a*a : s) + epsilon);
///   momentum: v = momentum*v + step, w -= v; else w -= step
void nn_rmsprop_update(float *w, float *g, float *s, float *velocity, float *mean_gradient,
                       size_t n, float lr, float rho, float momentum, float epsilon);

/// One Adagrad step: a += g*g; w -= lr*g / sqrt(a + epsilon)
void nn_adagrad_update(float *w, float *g, float *a, size_t n, float lr, float epsilon);

/// One Adadelta step: eg = rho*eg + (1-rho)*g*g;
///   delta = -sqrt(ed + epsilon) / sqrt(eg + epsilon) * g;
///   ed = rho*ed + (1-rho)*delta*delta;  w += lr*delta
void nn_adadelta_update(float *w, float *g, float *eg, float *ed, size_t n, float lr,
                        float rho, float epsilon);

/// One Nadam step with the step's momentum terms precomputed:
///   m += (g-m)*(1-beta1); v += (g*g-v)*(1-beta2);
///   m_hat = ut1*m/(1-product1) + (1-ut)*g/(1-product); v_hat = v/(1-beta2_power);
///   w -= lr*m_hat / (sqrt(v_hat) + epsilon)
void nn_nadam_update(float *w, float *g, float *m, float *v, size_t n, float lr,
                     float beta1, float beta2, float ut, float ut1, float product,
                     float product1, float beta2_power, float epsilon);

/// y[r][j] = max(y[r][j] + b[j], 0) for rows × width values (NaN stays NaN).
void nn_bias_relu(float *y, const float *b, size_t rows, size_t width);

/// gradient[i] = output[i] > 0 ? gradient[i] : 0 for n values.
void nn_relu_backward(const float *output, float *gradient, size_t n);

/// Asks the CPU to start fetching `count` rows of `row_bytes` each, row i at
/// `base + order[i] * row_bytes`: the first cache line of each row and of each page it enters,
/// which starts the page walks and the hardware's streaming. A hint; no effect on results.
void nn_prefetch_rows(const float *base, const long *order, size_t count, size_t row_floats);

/// Copies `count` rows of `row_floats` floats, row i from `base + order[i] * row_floats`, into
/// consecutive rows of `destination`; a long copy is split across OpenBLAS's threads like an
/// optimizer step.
void nn_gather_rows(float *destination, const float *base, const long *order, size_t count,
                    size_t row_floats);

/// Records a read-only file mapping (a `.npy` of samples), for nn_report_mapped_faults.
void nn_mapped_register(const void *base, size_t length);
/// Forgets a mapping recorded by nn_mapped_register.
void nn_mapped_unregister(const void *base);
/// From now on, a bus error (SIGBUS) at an address inside a recorded mapping (its file was cut
/// short while mapped) writes `message` (copied; none when NULL) to standard error and ends the
/// process with status 1; any other bus error goes to the handler there was before.
void nn_report_mapped_faults(const char *message);

/// The index of the first NaN or infinity among n values, or n when all are finite.
size_t nn_first_nonfinite(const float *values, size_t n);

/// The vector width in use (16, 8, 4 or 1).
int nn_kernels_width(void);

/// Chooses the vector width (16, 8, 4, or 1 for scalar code) when the CPU supports it, and
/// returns the width in use before. For tests that compare the widths.
int nn_kernels_set_width(int width);

/// How many parts an optimizer step (or a gather) over n floats is split into, one per OpenBLAS
/// thread: 1 when n is short, OpenBLAS runs one thread, or it does not offer its thread pool
/// (a serial build, a version before 0.3.11, another BLAS).
int nn_kernels_split_parts(size_t n);

/// Whether OpenBLAS's configuration string (`openblas_get_config()`, "OpenBLAS 0.3.21 …") names a
/// version whose thread pool the kernels can use: 0.3.11 or later.
int nn_openblas_config_splits(const char *config);

/// Sets the fewest elements a part may have (default 16384) and returns the previous value.
/// For tests that split short inputs.
size_t nn_kernels_set_split_minimum(size_t minimum);

#endif
