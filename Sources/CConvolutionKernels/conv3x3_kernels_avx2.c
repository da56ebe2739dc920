// AVX2 + FMA direct 3×3 convolution kernels; see include/conv3x3_kernels_avx2.h.
//
// TILE NOTES (placeholder, filled in after measuring)
#include "conv3x3_kernels_avx2.h"
#include "conv3x3_kernels.h"

#include <string.h>

#if defined(__x86_64__) && defined(__clang__)

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

#ifndef FWD_NO
#define FWD_NO 4
#endif
#ifndef FWD_NV
#define FWD_NV 3
#endif
#ifndef WG_NO
#define WG_NO 4
#endif

enum { BLOCK = CL_CONV3X3_BLOCK, LANES = 8, PARTIAL_LANES = 16 };

int cl_conv3x3_avx2_is_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
}

/// image [C][H][W] → padded [C][H+2][W+2] with a zero border.
static void pad_planes(const float *image, int channels, int height, int width, float *padded) {
    size_t pw = (size_t)width + 2, rows = (size_t)height + 2;
    for (int c = 0; c < channels; c++) {
        float *plane = padded + (size_t)c * rows * pw;
        const float *source = image + (size_t)c * height * width;
        memset(plane, 0, sizeof(float) * (pw + 1));
        for (int y = 0; y < height; y++) {
            float *row = plane + (size_t)(y + 1) * pw + 1;
            memcpy(row, source + (size_t)y * width, sizeof(float) * width);
            row[width] = 0;
            row[width + 1] = 0;  // left border of the next row
        }
        memset(plane + (size_t)(height + 1) * pw, 0, sizeof(float) * pw);
    }
}

/// `no` outputs × `nv` 8-pixel vectors; in[j] is where the 3×3 window of vector j starts in
/// a padded plane, out[j] where its pixels go in an output plane. `w` points at the first
/// of the `no` outputs inside a packed block.
AVX2 INLINE void forward_tile(const float *padded, int channels, size_t plane, size_t pw, const float *w,
                              const size_t *in, const size_t *out, float *o, size_t pixels, int no, int nv) {
    __m256 acc[8][6];
    for (int m = 0; m < no; m++) for (int j = 0; j < nv; j++) acc[m][j] = _mm256_setzero_ps();
    for (int c = 0; c < channels; c++, padded += plane, w += 9 * BLOCK) {
        for (int ki = 0; ki < 3; ki++) {
            for (int kj = 0; kj < 3; kj++) {
                const float *tap = padded + ki * pw + kj, *wk = w + (ki * 3 + kj) * BLOCK;
                __m256 x[6];
                for (int j = 0; j < nv; j++) x[j] = _mm256_loadu_ps(tap + in[j]);
                for (int m = 0; m < no; m++) {
                    __m256 b = _mm256_broadcast_ss(wk + m);
                    for (int j = 0; j < nv; j++) acc[m][j] = _mm256_fmadd_ps(b, x[j], acc[m][j]);
#ifdef FWD_PIN
                    if (nv == 3) __asm__ volatile("" : "+x"(acc[m][0]), "+x"(acc[m][1]), "+x"(acc[m][2]) :: "memory");
                    else if (nv == 2) __asm__ volatile("" : "+x"(acc[m][0]), "+x"(acc[m][1]) :: "memory");
                    else __asm__ volatile("" : "+x"(acc[m][0]) :: "memory");
#endif
                }
#ifdef FWD_BARRIER
                __asm__ volatile("" ::: "memory");
#endif
            }
        }
    }
    for (int m = 0; m < no; m++) for (int j = 0; j < nv; j++) _mm256_storeu_ps(o + m * pixels + out[j], acc[m][j]);
}

AVX2 INLINE void forward_tiles(const float *padded, int channels, size_t plane, size_t pw, const float *w,
                               const size_t *in, const size_t *out, float *o, size_t pixels, int nv) {
    for (int m = 0; m < BLOCK; m += FWD_NO) {
        forward_tile(padded, channels, plane, pw, w + m, in, out, o + m * pixels, pixels, FWD_NO, nv);
    }
}

AVX2 void cl_conv3x3_forward_avx2(const float *image, int channels, int height, int width,
                                  const float *packed, int outputs, float *out, float *scratch) {
    pad_planes(image, channels, height, width, scratch);
    size_t pw = (size_t)width + 2, plane = (size_t)(height + 2) * pw, pixels = (size_t)height * width;
    int per_row = width / LANES, vectors = height * per_row;
#ifndef FWD_STRIP
#define FWD_STRIP 1000000
#endif
    for (int s0 = 0; s0 < vectors; s0 += FWD_STRIP * FWD_NV) {
    int s1 = s0 + FWD_STRIP * FWD_NV < vectors ? s0 + FWD_STRIP * FWD_NV : vectors;
    for (int block = 0; block < outputs / BLOCK; block++) {
        const float *w = packed + (size_t)block * channels * 9 * BLOCK;
        float *o = out + (size_t)block * BLOCK * pixels;
        for (int v = s0; v < s1;) {
            int left = s1 - v, nv = left < FWD_NV ? left : FWD_NV;
            size_t in[6], at[6];
            for (int j = 0; j < nv; j++) {
                int y = (v + j) / per_row, x = (v + j) % per_row * LANES;
                in[j] = (size_t)y * pw + x;
                at[j] = (size_t)y * width + x;
            }
            switch (nv) {
            case 1: forward_tiles(scratch, channels, plane, pw, w, in, at, o, pixels, 1); break;
            case 2: forward_tiles(scratch, channels, plane, pw, w, in, at, o, pixels, 2); break;
#if FWD_NV >= 3
            case 3: forward_tiles(scratch, channels, plane, pw, w, in, at, o, pixels, 3); break;
#endif
            }
            v += nv;
        }
    }
    }
}

/// Adds Σ_p dY[o][p]·x[c][p + (ki, kj)] for WG_NO outputs and the 3 taps kj of one (c, ki),
/// over `count` images, to lanes 0–7 of the partials (stride `stride` between outputs).
AVX2 INLINE void weight_tile(const float *gradients, size_t gradient_stride, size_t pixels, const float *rows,
                             size_t padded_stride, size_t pw, int height, int width, int count, float *partials,
                             size_t stride, int step) {
    __m256 acc[WG_NO][3];
    for (int m = 0; m < WG_NO; m++) for (int j = 0; j < 3; j++) acc[m][j] = _mm256_setzero_ps();
    for (int image = 0; image < count; image++) {
        const float *r = rows + image * padded_stride, *g = gradients + image * gradient_stride;
        for (int y = 0; y < height; y++, r += pw) {
            for (int x = 0; x < width; x += step, g += step) {
                for (int u = 0; u < step; u += LANES) {
                    __m256 x0 = _mm256_loadu_ps(r + x + u), x1 = _mm256_loadu_ps(r + x + u + 1),
                           x2 = _mm256_loadu_ps(r + x + u + 2);
                    for (int m = 0; m < WG_NO; m++) {
                        __m256 d = _mm256_loadu_ps(g + u + m * pixels);
                        acc[m][0] = _mm256_fmadd_ps(d, x0, acc[m][0]);
                        acc[m][1] = _mm256_fmadd_ps(d, x1, acc[m][1]);
                        acc[m][2] = _mm256_fmadd_ps(d, x2, acc[m][2]);
                    }
                }
            }
        }
    }
    for (int m = 0; m < WG_NO; m++) {
        for (int j = 0; j < 3; j++) {
            float *p = partials + m * stride + j * PARTIAL_LANES;
            _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), acc[m][j]));
        }
    }
}

AVX2 INLINE void weight_all(const float *output_gradients, int count, int channels, int height, int width,
                            int outputs, float *partials, const float *scratch, int step) {
    size_t pw = (size_t)width + 2, plane = (size_t)(height + 2) * pw, pixels = (size_t)height * width;
    size_t padded = (size_t)channels * plane;
    size_t stride = (size_t)channels * 9 * PARTIAL_LANES, gradient_stride = (size_t)outputs * pixels;
    for (int first = 0; first < outputs; first += WG_NO) {
        const float *g = output_gradients + (size_t)first * pixels;
        for (int c = 0; c < channels; c++) {
            for (int ki = 0; ki < 3; ki++) {
                float *p = partials + (((size_t)first * channels + c) * 9 + ki * 3) * PARTIAL_LANES;
                weight_tile(g, gradient_stride, pixels, scratch + c * plane + ki * pw, padded, pw, height, width, count,
                            p, stride, step);
            }
        }
    }
}

AVX2 void cl_conv3x3_weight_gradient_avx2(const float *images, const float *output_gradients, int count, int channels,
                                          int height, int width, int outputs, float *partials, float *scratch) {
    size_t padded = cl_conv3x3_padded_size(channels, height, width), image_size = (size_t)channels * height * width;
    for (int image = 0; image < count; image++) {
        pad_planes(images + image * image_size, channels, height, width, scratch + image * padded);
    }
#ifndef WG_STEP
#define WG_STEP 16
#endif
    if (width % WG_STEP == 0) weight_all(output_gradients, count, channels, height, width, outputs, partials, scratch, WG_STEP);
    else weight_all(output_gradients, count, channels, height, width, outputs, partials, scratch, LANES);
}

#else

int cl_conv3x3_avx2_is_available(void) { return 0; }
void cl_conv3x3_forward_avx2(const float *image, int channels, int height, int width,
                             const float *packed, int outputs, float *out, float *scratch) {
    (void)image; (void)channels; (void)height; (void)width; (void)packed; (void)outputs; (void)out; (void)scratch;
}
void cl_conv3x3_weight_gradient_avx2(const float *images, const float *output_gradients, int count, int channels,
                                     int height, int width, int outputs, float *partials, float *scratch) {
    (void)images; (void)output_gradients; (void)count; (void)channels; (void)height; (void)width; (void)outputs;
    (void)partials; (void)scratch;
}

#endif
