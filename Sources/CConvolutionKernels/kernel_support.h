// Pieces shared by the AVX-512 convolution kernel files (private to this target).
#ifndef CL_KERNEL_SUPPORT_H
#define CL_KERNEL_SUPPORT_H

#include <stddef.h>
#include <string.h>

#include "conv3x3_kernels.h"

#if defined(__x86_64__) && defined(__clang__)
#define CL_HAVE_AVX512_KERNELS 1
#endif

enum { BLOCK = CL_CONV3X3_BLOCK, LANES = 16 };

#ifdef CL_HAVE_AVX512_KERNELS

#include <immintrin.h>

typedef float vec __attribute__((ext_vector_type(16)));
// Unaligned vector load/store (padded rows start at arbitrary offsets).
#define LOAD(p) ({ vec v_; __builtin_memcpy(&v_, (p), sizeof v_); v_; })
#define STORE(p, v) do { vec t_ = (v); __builtin_memcpy((p), &t_, sizeof t_); } while (0)
#define AVX512 __attribute__((target("avx512f")))

/// Copies image [C][H][W] into padded [C][H+2][W+2] with a zero border.
static inline void pad_image(const float *image, int channels, int height, int width, float *padded) {
    int pw = width + 2;
    size_t plane = (size_t)(height + 2) * pw;
    for (int c = 0; c < channels; c++) {
        float *p = padded + c * plane;
        memset(p, 0, sizeof(float) * pw);
        for (int y = 0; y < height; y++) {
            float *row = p + (size_t)(y + 1) * pw;
            row[0] = 0;
            memcpy(row + 1, image + ((size_t)c * height + y) * width, sizeof(float) * width);
            row[width + 1] = 0;
        }
        memset(p + (size_t)(height + 1) * pw, 0, sizeof(float) * pw);
    }
}

#endif
#endif
