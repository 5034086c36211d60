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

#if defined(__SSE2__)
#define NN_SET(x) _mm_set1_ps(x)
#endif

void nn_rmsprop_update(float *w, const float *g, float *s, float *velocity, float *mean_gradient,
                       size_t n, float lr, float rho, float momentum, float epsilon) {
    size_t i = 0;
    const float keep = 1 - rho;
#if defined(__SSE2__)
    const __m128 vr = NN_SET(rho), vk = NN_SET(keep), vl = NN_SET(lr), ve = NN_SET(epsilon),
                 vm = NN_SET(momentum);
    for (; i + 4 <= n; i += 4) {
        __m128 gi = _mm_loadu_ps(g + i);
        __m128 si = _mm_add_ps(_mm_mul_ps(vr, _mm_loadu_ps(s + i)), _mm_mul_ps(_mm_mul_ps(vk, gi), gi));
        _mm_storeu_ps(s + i, si);
        __m128 denominator = si;
        if (mean_gradient) {
            __m128 ai = _mm_add_ps(_mm_mul_ps(vr, _mm_loadu_ps(mean_gradient + i)), _mm_mul_ps(vk, gi));
            _mm_storeu_ps(mean_gradient + i, ai);
            denominator = _mm_sub_ps(si, _mm_mul_ps(ai, ai));
        }
        __m128 step = _mm_div_ps(_mm_mul_ps(vl, gi), _mm_sqrt_ps(_mm_add_ps(denominator, ve)));
        if (velocity) {
            __m128 vi = _mm_add_ps(_mm_mul_ps(vm, _mm_loadu_ps(velocity + i)), step);
            _mm_storeu_ps(velocity + i, vi);
            step = vi;
        }
        _mm_storeu_ps(w + i, _mm_sub_ps(_mm_loadu_ps(w + i), step));
    }
#endif
    for (; i < n; i++) {
        float si = rho * s[i] + keep * g[i] * g[i];
        s[i] = si;
        float denominator = si;
        if (mean_gradient) {
            float ai = rho * mean_gradient[i] + keep * g[i];
            mean_gradient[i] = ai;
            denominator = si - ai * ai;
        }
        float step = lr * g[i] / sqrtf(denominator + epsilon);
        if (velocity) {
            velocity[i] = momentum * velocity[i] + step;
            step = velocity[i];
        }
        w[i] -= step;
    }
}

void nn_adagrad_update(float *w, const float *g, float *a, size_t n, float lr, float epsilon) {
    size_t i = 0;
#if defined(__SSE2__)
    const __m128 vl = NN_SET(lr), ve = NN_SET(epsilon);
    for (; i + 4 <= n; i += 4) {
        __m128 gi = _mm_loadu_ps(g + i);
        __m128 ai = _mm_add_ps(_mm_loadu_ps(a + i), _mm_mul_ps(gi, gi));
        _mm_storeu_ps(a + i, ai);
        __m128 step = _mm_div_ps(_mm_mul_ps(vl, gi), _mm_sqrt_ps(_mm_add_ps(ai, ve)));
        _mm_storeu_ps(w + i, _mm_sub_ps(_mm_loadu_ps(w + i), step));
    }
#endif
    for (; i < n; i++) {
        a[i] += g[i] * g[i];
        w[i] -= lr * g[i] / sqrtf(a[i] + epsilon);
    }
}

void nn_adadelta_update(float *w, const float *g, float *eg, float *ed, size_t n, float lr,
                        float rho, float epsilon) {
    size_t i = 0;
    const float keep = 1 - rho;
#if defined(__SSE2__)
    const __m128 vr = NN_SET(rho), vk = NN_SET(keep), vl = NN_SET(lr), ve = NN_SET(epsilon),
                 sign = NN_SET(-0.0f);
    for (; i + 4 <= n; i += 4) {
        __m128 gi = _mm_loadu_ps(g + i);
        __m128 egi = _mm_add_ps(_mm_mul_ps(vr, _mm_loadu_ps(eg + i)), _mm_mul_ps(_mm_mul_ps(vk, gi), gi));
        _mm_storeu_ps(eg + i, egi);
        __m128 edi = _mm_loadu_ps(ed + i);
        __m128 root = _mm_xor_ps(sign, _mm_sqrt_ps(_mm_add_ps(edi, ve)));
        __m128 delta = _mm_mul_ps(_mm_div_ps(root, _mm_sqrt_ps(_mm_add_ps(egi, ve))), gi);
        _mm_storeu_ps(ed + i, _mm_add_ps(_mm_mul_ps(vr, edi), _mm_mul_ps(_mm_mul_ps(vk, delta), delta)));
        _mm_storeu_ps(w + i, _mm_add_ps(_mm_loadu_ps(w + i), _mm_mul_ps(vl, delta)));
    }
#endif
    for (; i < n; i++) {
        eg[i] = rho * eg[i] + keep * g[i] * g[i];
        float delta = -sqrtf(ed[i] + epsilon) / sqrtf(eg[i] + epsilon) * g[i];
        ed[i] = rho * ed[i] + keep * delta * delta;
        w[i] += lr * delta;
    }
}

void nn_nadam_update(float *w, const float *g, float *m, float *v, size_t n, float lr,
                     float beta1, float beta2, float ut, float ut1, float product,
                     float product1, float beta2_power, float epsilon) {
    size_t i = 0;
    const float b1 = 1 - beta1, b2 = 1 - beta2, c1 = 1 - product1, c0 = 1 - product,
                cu = 1 - ut, cv = 1 - beta2_power;
#if defined(__SSE2__)
    for (; i + 4 <= n; i += 4) {
        __m128 gi = _mm_loadu_ps(g + i), mi = _mm_loadu_ps(m + i), vi = _mm_loadu_ps(v + i);
        mi = _mm_add_ps(mi, _mm_mul_ps(_mm_sub_ps(gi, mi), NN_SET(b1)));
        vi = _mm_add_ps(vi, _mm_mul_ps(_mm_sub_ps(_mm_mul_ps(gi, gi), vi), NN_SET(b2)));
        _mm_storeu_ps(m + i, mi);
        _mm_storeu_ps(v + i, vi);
        __m128 mhat = _mm_add_ps(_mm_div_ps(_mm_mul_ps(NN_SET(ut1), mi), NN_SET(c1)),
                                 _mm_div_ps(_mm_mul_ps(NN_SET(cu), gi), NN_SET(c0)));
        __m128 vhat = _mm_div_ps(vi, NN_SET(cv));
        __m128 step = _mm_div_ps(_mm_mul_ps(NN_SET(lr), mhat), _mm_add_ps(_mm_sqrt_ps(vhat), NN_SET(epsilon)));
        _mm_storeu_ps(w + i, _mm_sub_ps(_mm_loadu_ps(w + i), step));
    }
#endif
    for (; i < n; i++) {
        m[i] += (g[i] - m[i]) * b1;
        v[i] += (g[i] * g[i] - v[i]) * b2;
        float mhat = ut1 * m[i] / c1 + cu * g[i] / c0;
        float vhat = v[i] / cv;
        w[i] -= lr * mhat / (sqrtf(vhat) + epsilon);
    }
}
