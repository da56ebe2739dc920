// AVX2 + FMA direct 3×3 convolution kernels; see include/conv3x3_kernels_avx2.h.
//
// A vector is 8 consecutive output pixels of one row, so both W % 16 == 0 and W == 8 are
// plain rows here (no two-row vectors as in the AVX-512 kernels).
//
// Forward: 4 outputs × 3 vectors (12 ymm accumulators + 3 inputs + 1 broadcast = all 16
// registers); a packed block of 8 outputs runs as two such tiles. Per tap: 3 input loads and
// 4 broadcasts for 12 FMAs. With 8 accumulators (4 × 2) the 8 FMA chains only just cover
// latency × throughput and every stall shows: 92/96/101 GFLOP/s against 100/101/106 for
// 4 × 3 (shapes below); 8 × 1 (60) and 2 × 6 (50, spills) were slower. clang's scheduler
// hoists the next tap's loads and then spills the 4 × 3 tile (86 GFLOP/s), hence the empty
// asm statements that pin each output's FMAs in place.
//
// Weight gradient: 4 outputs × 3 horizontal taps kj of one (c, ki) (12 accumulators), summed
// over pixels in 8 lanes that go to lanes 0–7 of the 16-lane partials. The padded images
// are stored channel-major ([C][count][H+2][W+2]) so that a tile reads one contiguous run
// (8×8 images: 90 → 95 GFLOP/s), and dY is copied into an aligned, sequential buffer (a
// 16-byte-aligned dY cost 8×8 images 95 → 78).
//
// GFLOP/s on one AMD EPYC (Zen 4) core, batch 128, buffers 16-byte aligned as Swift arrays
// are (AVX2 FMA-only peak: 117), AVX2 | AVX-512 kernels of conv3x3_kernels.c:
//   C = O = 16 at 32×32: forward  99 | 100,  weight gradient 93 | 87
//   C = O = 32 at 16×16: forward 101 | 106,  weight gradient 96 | 96
//   C = O = 64 at 8×8:   forward 106 | 106,  weight gradient 94 | 97
#include "conv3x3_kernels_avx2.h"
#include "conv3x3_kernels.h"
#include "avx2_support.h"

#include <string.h>

#if defined(__x86_64__) && defined(__clang__)


int cl_conv3x3_avx2_is_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
}

/// image [C][H][W] → padded planes [H+2][W+2] with a zero border, `channel_stride` floats apart.
static void pad_planes(const float *image, int channels, int height, int width, float *padded, size_t channel_stride) {
    size_t pw = (size_t)width + 2;
    for (int c = 0; c < channels; c++) {
        float *plane = padded + (size_t)c * channel_stride;
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

/// 4 outputs × `nv` vectors: in[j] is where the 3×3 window of vector j starts in a padded
/// plane, at[j] where its pixels go in an output plane; `w` points at the first of the 4
/// outputs inside a packed block, `o` at its output plane.
AVX2 INLINE void forward_tile(const float *padded, int channels, size_t plane, size_t pw, const float *w,
                              const size_t *in, const size_t *at, float *o, size_t pixels, int nv) {
    __m256 acc[TILE_OUTPUTS][TILE_VECTORS];
    for (int m = 0; m < TILE_OUTPUTS; m++) for (int j = 0; j < nv; j++) acc[m][j] = _mm256_setzero_ps();
    for (int c = 0; c < channels; c++, padded += plane, w += 9 * BLOCK) {
        for (int k = 0; k < 9; k++) {
            const float *tap = padded + (size_t)(k / 3) * pw + k % 3, *wk = w + k * BLOCK;
            __m256 x[TILE_VECTORS];
            for (int j = 0; j < nv; j++) x[j] = _mm256_loadu_ps(tap + in[j]);
            for (int m = 0; m < TILE_OUTPUTS; m++) {
                __m256 b = _mm256_broadcast_ss(wk + m);
                for (int j = 0; j < nv; j++) acc[m][j] = _mm256_fmadd_ps(b, x[j], acc[m][j]);
                // Keeps later loads below these FMAs so the tile fits in 16 registers (see top).
                if (nv == 3) __asm__ volatile("" : "+x"(acc[m][0]), "+x"(acc[m][1]), "+x"(acc[m][2]) :: "memory");
                else if (nv == 2) __asm__ volatile("" : "+x"(acc[m][0]), "+x"(acc[m][1]) :: "memory");
                else __asm__ volatile("" : "+x"(acc[m][0]) :: "memory");
            }
        }
    }
    for (int m = 0; m < TILE_OUTPUTS; m++) {
        for (int j = 0; j < nv; j++) _mm256_storeu_ps(o + m * pixels + at[j], acc[m][j]);
    }
}

/// Both 4-output halves of a block, back to back while the inputs are in L1.
AVX2 INLINE void forward_block(const float *padded, int channels, size_t plane, size_t pw, const float *w,
                               const size_t *in, const size_t *at, float *o, size_t pixels, int nv) {
    for (int m = 0; m < BLOCK; m += TILE_OUTPUTS) {
        forward_tile(padded, channels, plane, pw, w + m, in, at, o + m * pixels, pixels, nv);
    }
}

AVX2 void cl_conv3x3_forward_avx2(const float *image, int channels, int height, int width,
                                  const float *packed, int outputs, float *out, float *scratch) {
    size_t pw = (size_t)width + 2, plane = (size_t)(height + 2) * pw, pixels = (size_t)height * width;
    pad_planes(image, channels, height, width, scratch, plane);
    int per_row = width / LANES, vectors = height * per_row;
    for (int block = 0; block < outputs / BLOCK; block++) {
        const float *w = packed + (size_t)block * channels * 9 * BLOCK;
        float *o = out + (size_t)block * BLOCK * pixels;
        for (int v = 0; v < vectors;) {
            // Tiles of 3 vectors; a remainder of 4 runs as 2 + 2 rather than 3 + 1.
            int left = vectors - v, nv = left == 4 ? 2 : left < TILE_VECTORS ? left : TILE_VECTORS;
            size_t in[TILE_VECTORS], at[TILE_VECTORS];
            for (int j = 0; j < nv; j++) {
                int y = (v + j) / per_row, x = (v + j) % per_row * LANES;
                in[j] = (size_t)y * pw + x;
                at[j] = (size_t)y * width + x;
            }
            if (nv == 3) forward_block(scratch, channels, plane, pw, w, in, at, o, pixels, 3);
            else if (nv == 2) forward_block(scratch, channels, plane, pw, w, in, at, o, pixels, 2);
            else forward_block(scratch, channels, plane, pw, w, in, at, o, pixels, 1);
            v += nv;
        }
    }
}

/// Adds Σ_p dY[o][p]·x[c][p + (ki, kj)] for 4 outputs and the 3 taps kj of one (c, ki), over
/// `rows` output rows starting at row y0 of some image (`x` points at that row's padded
/// input, planes of successive images `plane` floats apart), to lanes 0–7 of the partials
/// (`stride` floats between outputs). `packed` selects the dY layout (compile-time).
AVX2 INLINE void weight_tile(gradient_rows d, size_t pixels, const float *x, size_t plane, size_t pw, int height,
                             int width, int y0, int rows, float *partials, size_t stride, int packed) {
    size_t vector_step = packed ? TILE_OUTPUTS * LANES : LANES, output_step = packed ? LANES : pixels;
    __m256 acc[TILE_OUTPUTS][3];
    for (int m = 0; m < TILE_OUTPUTS; m++) for (int j = 0; j < 3; j++) acc[m][j] = _mm256_setzero_ps();
    const float *g = d.first;
    for (int i = 0, y = y0; i < rows; i++) {
        const float *gv = g;
        for (int col = 0; col < width; col += LANES, gv += vector_step) {
            __m256 x0 = _mm256_loadu_ps(x + col), x1 = _mm256_loadu_ps(x + col + 1), x2 = _mm256_loadu_ps(x + col + 2);
            for (int m = 0; m < TILE_OUTPUTS; m++) {
                __m256 dy = packed ? _mm256_load_ps(gv + m * output_step) : _mm256_loadu_ps(gv + m * output_step);
                acc[m][0] = _mm256_fmadd_ps(dy, x0, acc[m][0]);
                acc[m][1] = _mm256_fmadd_ps(dy, x1, acc[m][1]);
                acc[m][2] = _mm256_fmadd_ps(dy, x2, acc[m][2]);
            }
        }
        g += d.next_row;
        x += pw;
        if (++y == height) { y = 0; g += d.next_image; x += plane - (size_t)height * pw; }
    }
    add_to_partials(acc, partials, stride);
}

AVX2 void cl_conv3x3_weight_gradient_avx2(const float *images, const float *output_gradients, int count, int channels,
                                          int height, int width, int outputs, float *partials, float *scratch) {
    size_t pw = (size_t)width + 2, plane = (size_t)(height + 2) * pw, pixels = (size_t)height * width;
    size_t image_size = (size_t)channels * pixels, channel_stride = (size_t)count * plane;
    // Channel-major: plane (c, image) at (c·count + image)·plane; same total as count padded images.
    for (int image = 0; image < count; image++) {
        pad_planes(images + image * image_size, channels, height, width, scratch + image * plane, channel_stride);
    }
    size_t stride = (size_t)channels * 9 * PARTIAL_LANES, gradient_stride = (size_t)outputs * pixels;
    // dY 4 outputs at a time, packed when its rows fit the copy (see `gradient_rows_for`).
    __attribute__((aligned(64))) float copy[TILE_OUTPUTS * PACKED_PIXELS];
    int packs = width <= PACKED_PIXELS, total_rows = count * height;
    int chunk_rows = packs ? PACKED_PIXELS / width : total_rows;
    for (int first = 0; first < outputs; first += TILE_OUTPUTS) {
        for (int row0 = 0; row0 < total_rows; row0 += chunk_rows) {
            int rows = total_rows - row0 < chunk_rows ? total_rows - row0 : chunk_rows;
            int image0 = row0 / height, y0 = row0 % height;
            gradient_rows d = gradient_rows_for(output_gradients, copy, packs, first, row0, rows, height, width, pixels,
                                                gradient_stride);
            for (int c = 0; c < channels; c++) {
                const float *x = scratch + c * channel_stride + (size_t)image0 * plane + (size_t)y0 * pw;
                for (int ki = 0; ki < 3; ki++) {
                    float *p = partials + (((size_t)first * channels + c) * 9 + ki * 3) * PARTIAL_LANES;
                    if (packs) weight_tile(d, pixels, x + ki * pw, plane, pw, height, width, y0, rows, p, stride, 1);
                    else weight_tile(d, pixels, x + ki * pw, plane, pw, height, width, y0, rows, p, stride, 0);
                }
            }
        }
    }
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
