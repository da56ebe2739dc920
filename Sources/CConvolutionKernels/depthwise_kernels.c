// Depthwise convolution on channels-last images; see include/depthwise_kernels.h.
#include "depthwise_kernels.h"


// Accumulates BLOCK channels of one output pixel in registers over all taps (a local
// array of constant size, which clang keeps in vector registers), so each tap costs two
// loads and one multiply-add per vector instead of also reloading and storing the output.
#define DEPTHWISE_BLOCK(BLOCK)                                                                  \
    for (; c + (BLOCK) <= channels; c += (BLOCK)) {                                            \
        float acc[BLOCK];                                                                       \
        for (int l = 0; l < (BLOCK); l++) acc[l] = bias[c + l];                                 \
        for (int ky = ky_begin; ky < ky_end; ky++) {                                            \
            const float *restrict row = image + ((long)(iy0 + ky) * width + ix0) * channels + c; \
            const float *restrict tap_weights = weights + (long)ky * kernel * channels + c;     \
            for (int kx = kx_begin; kx < kx_end; kx++) {                                        \
                const float *restrict x = row + (long)kx * channels;                            \
                const float *restrict w = tap_weights + (long)kx * channels;                    \
                for (int l = 0; l < (BLOCK); l++) acc[l] += w[l] * x[l];                        \
            }                                                                                   \
        }                                                                                       \
        if (relu6) {                                                                            \
            for (int l = 0; l < (BLOCK); l++) {                                                 \
                float v = acc[l] < 0.0f ? 0.0f : acc[l];                                        \
                acc[l] = v > 6.0f ? 6.0f : v;                                                   \
            }                                                                                   \
        }                                                                                       \
        for (int l = 0; l < (BLOCK); l++) y[c + l] = acc[l];                                    \
    }

// One body, inlined into three wrappers compiled for different instruction sets: the
// channel loops are vectorised at each wrapper's width.
static inline __attribute__((always_inline))
void depthwise_body(const float *restrict image, int height, int width, int channels,
                    const float *restrict weights, const float *restrict bias, int kernel, int stride,
                    int pad_top, int pad_left, float *restrict out, int out_width,
                    int relu6, int row_begin, int row_end) {
    for (int oy = row_begin; oy < row_end; oy++) {
        const int iy0 = oy * stride - pad_top;
        const int ky_begin = iy0 < 0 ? -iy0 : 0;
        const int ky_end = iy0 + kernel > height ? height - iy0 : kernel;
        for (int ox = 0; ox < out_width; ox++) {
            const int ix0 = ox * stride - pad_left;
            const int kx_begin = ix0 < 0 ? -ix0 : 0;
            const int kx_end = ix0 + kernel > width ? width - ix0 : kernel;
            float *restrict y = out + ((long)oy * out_width + ox) * channels;
            int c = 0;
            DEPTHWISE_BLOCK(64)
            DEPTHWISE_BLOCK(16)
            DEPTHWISE_BLOCK(1)
        }
    }
}

#if defined(__x86_64__) && defined(__clang__)
__attribute__((target("avx512f")))
static void depthwise_avx512(const float *image, int height, int width, int channels, const float *weights,
                             const float *bias, int kernel, int stride, int pad_top, int pad_left, float *out,
                             int out_width, int relu6, int row_begin, int row_end) {
    depthwise_body(image, height, width, channels, weights, bias, kernel, stride, pad_top, pad_left, out,
                   out_width, relu6, row_begin, row_end);
}

__attribute__((target("avx2,fma")))
static void depthwise_avx2(const float *image, int height, int width, int channels, const float *weights,
                           const float *bias, int kernel, int stride, int pad_top, int pad_left, float *out,
                           int out_width, int relu6, int row_begin, int row_end) {
    depthwise_body(image, height, width, channels, weights, bias, kernel, stride, pad_top, pad_left, out,
                   out_width, relu6, row_begin, row_end);
}
#define HAVE_X86_VARIANTS 1
#endif

static void depthwise_baseline(const float *image, int height, int width, int channels, const float *weights,
                               const float *bias, int kernel, int stride, int pad_top, int pad_left, float *out,
                               int out_width, int relu6, int row_begin, int row_end) {
    depthwise_body(image, height, width, channels, weights, bias, kernel, stride, pad_top, pad_left, out,
                   out_width, relu6, row_begin, row_end);
}

const char *cl_depthwise_instruction_set(void) {
#ifdef HAVE_X86_VARIANTS
    if (__builtin_cpu_supports("avx512f")) return "avx512";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2";
#endif
    return "baseline";
}

void cl_depthwise_forward(const float *image, int height, int width, int channels,
                          const float *weights, const float *bias, int kernel, int stride,
                          int pad_top, int pad_left, float *out, int out_height, int out_width,
                          int relu6, int row_begin, int row_end) {
    (void)out_height;
#ifdef HAVE_X86_VARIANTS
    if (__builtin_cpu_supports("avx512f")) {
        depthwise_avx512(image, height, width, channels, weights, bias, kernel, stride, pad_top, pad_left, out,
                         out_width, relu6, row_begin, row_end);
        return;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        depthwise_avx2(image, height, width, channels, weights, bias, kernel, stride, pad_top, pad_left, out,
                       out_width, relu6, row_begin, row_end);
        return;
    }
#endif
    depthwise_baseline(image, height, width, channels, weights, bias, kernel, stride, pad_top, pad_left, out,
                       out_width, relu6, row_begin, row_end);
}
