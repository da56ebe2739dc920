// Pieces shared by the AVX2 + FMA kernel files (private to this target).
#ifndef CL_AVX2_SUPPORT_H
#define CL_AVX2_SUPPORT_H

#include <stddef.h>

#include "conv3x3_kernels.h"

#if defined(__x86_64__) && defined(__clang__)

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

enum { BLOCK = CL_CONV3X3_BLOCK, LANES = 8, PARTIAL_LANES = 16, TILE_OUTPUTS = 4, TILE_VECTORS = 3 };

/// Output pixels per packed dY copy: 4 outputs × 1024 pixels = 16 KB on the stack.
enum { PACKED_PIXELS = 1024 };

/// Where one weight-gradient tile's dY rows come from: a packed copy ([row][vector][4
/// outputs][8], read strictly in order) or the caller's dY in place (rows longer than the copy).
typedef struct {
    const float *first;     // dY of output 0 in the first row
    size_t next_row;        // floats from one output row to the next within an image
    size_t next_image;      // extra floats when a row ends an image
} gradient_rows;

/// The dY rows [row0, row0 + rows) of the images of a call (rows counted across images, `height`
/// output rows of `width` pixels each), for outputs first ..< first + 4. When `packs`, they are
/// copied into the 64-byte-aligned `copy` and read in order: straight from the caller's arrays
/// (16-byte aligned in Swift) half the loads split cache lines, and the dY rows of the images
/// in a call map to the same L1 sets.
AVX2 INLINE gradient_rows gradient_rows_for(const float *output_gradients, float *copy, int packs, int first,
                                           int row0, int rows, int height, int width, size_t pixels,
                                           size_t gradient_stride) {
    int image0 = row0 / height, y0 = row0 % height;
    if (!packs) {
        return (gradient_rows){output_gradients + (size_t)image0 * gradient_stride + (size_t)first * pixels
                                   + (size_t)y0 * width,
                               (size_t)width, gradient_stride - pixels};
    }
    for (int i = 0, image = image0, y = y0; i < rows; i++) {
        const float *source = output_gradients + (size_t)image * gradient_stride + (size_t)first * pixels
            + (size_t)y * width;
        float *target = copy + (size_t)i * width * TILE_OUTPUTS;
        for (int col = 0; col < width; col += LANES) {
            for (int m = 0; m < TILE_OUTPUTS; m++) {
                _mm256_store_ps(target + col * TILE_OUTPUTS + m * LANES, _mm256_loadu_ps(source + m * pixels + col));
            }
        }
        if (++y == height) { y = 0; image++; }
    }
    return (gradient_rows){copy, (size_t)width * TILE_OUTPUTS, 0};
}

/// Adds a tile's 4 outputs × 3 taps of 8-lane sums to lanes 0–7 of the 16-lane partial sums
/// (`stride` floats between outputs).
AVX2 INLINE void add_to_partials(__m256 acc[TILE_OUTPUTS][3], float *partials, size_t stride) {
    for (int m = 0; m < TILE_OUTPUTS; m++) {
        for (int j = 0; j < 3; j++) {
            float *p = partials + m * stride + j * PARTIAL_LANES;
            _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), acc[m][j]));
        }
    }
}

#endif
#endif
