// Element-wise kernels that Swift does not vectorise by itself (a square root per element
// compiles to a call to sqrtf there). Each computes exactly the scalar formula, lane by lane,
// in the same order, so results do not depend on the vector width.
#ifndef NN_KERNELS_H
#define NN_KERNELS_H

#include <stddef.h>

/// One Adam step over n weights:
///   m += (g - m) * one_minus_beta1;  v += (g*g - v) * one_minus_beta2;
///   w -= m * alpha / (sqrt(v) + epsilon)
void nn_adam_update(float *w, const float *g, float *m, float *v, size_t n, float alpha,
                    float one_minus_beta1, float one_minus_beta2, float epsilon);

/// y[r][j] = max(y[r][j] + b[j], 0) for rows × width values (NaN stays NaN).
void nn_bias_relu(float *y, const float *b, size_t rows, size_t width);

/// gradient[i] = output[i] > 0 ? gradient[i] : 0 for n values.
void nn_relu_backward(const float *output, float *gradient, size_t n);

#endif
