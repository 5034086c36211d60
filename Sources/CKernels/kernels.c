#include "nn_kernels.h"

#include <math.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void nn_adam_update(float *w, const float *g, float *m, float *v, size_t n, float alpha,
                    float one_minus_beta1, float one_minus_beta2, float epsilon) {
    size_t i = 0;
#if defined(__SSE2__)
    const __m128 a = _mm_set1_ps(alpha), b1 = _mm_set1_ps(one_minus_beta1),
                 b2 = _mm_set1_ps(one_minus_beta2), e = _mm_set1_ps(epsilon);
    for (; i + 4 <= n; i += 4) {
        __m128 gi = _mm_loadu_ps(g + i), mi = _mm_loadu_ps(m + i), vi = _mm_loadu_ps(v + i);
        mi = _mm_add_ps(mi, _mm_mul_ps(_mm_sub_ps(gi, mi), b1));
        vi = _mm_add_ps(vi, _mm_mul_ps(_mm_sub_ps(_mm_mul_ps(gi, gi), vi), b2));
        _mm_storeu_ps(m + i, mi);
        _mm_storeu_ps(v + i, vi);
        __m128 step = _mm_div_ps(_mm_mul_ps(mi, a), _mm_add_ps(_mm_sqrt_ps(vi), e));
        _mm_storeu_ps(w + i, _mm_sub_ps(_mm_loadu_ps(w + i), step));
    }
#endif
    for (; i < n; i++) {
        float mi = m[i] + (g[i] - m[i]) * one_minus_beta1;
        float vi = v[i] + (g[i] * g[i] - v[i]) * one_minus_beta2;
        m[i] = mi;
        v[i] = vi;
        w[i] -= mi * alpha / (sqrtf(vi) + epsilon);
    }
}

void nn_bias_relu(float *y, const float *b, size_t rows, size_t width) {
    for (size_t r = 0; r < rows; r++) {
        float *row = y + r * width;
        size_t j = 0;
#if defined(__SSE2__)
        const __m128 zero = _mm_setzero_ps();
        for (; j + 4 <= width; j += 4) {
            __m128 z = _mm_add_ps(_mm_loadu_ps(row + j), _mm_loadu_ps(b + j));
            // max(z, 0) returning z when z is NaN: select z where !(z < 0).
            __m128 negative = _mm_cmplt_ps(z, zero);
            _mm_storeu_ps(row + j, _mm_andnot_ps(negative, z));
        }
#endif
        for (; j < width; j++) {
            float z = row[j] + b[j];
            row[j] = z < 0 ? 0 : z;
        }
    }
}

void nn_relu_backward(const float *output, float *gradient, size_t n) {
    size_t i = 0;
#if defined(__SSE2__)
    const __m128 zero = _mm_setzero_ps();
    for (; i + 4 <= n; i += 4) {
        __m128 active = _mm_cmpgt_ps(_mm_loadu_ps(output + i), zero);
        _mm_storeu_ps(gradient + i, _mm_and_ps(active, _mm_loadu_ps(gradient + i)));
    }
#endif
    for (; i < n; i++) gradient[i] = output[i] > 0 ? gradient[i] : 0;
}
