// AVX2 + FMA stride-2 direct 3×3 convolution kernels; see include/conv3x3_stride2_kernels_avx2.h.
//
// Output pixel x reads padded column 2x + kj. Instead of de-interleaving every load with
// shuffles, the padding copy splits each padded row by column parity (`split_planes`, O(C·H·W)):
// then kj = 0, 1, 2 are plain loads of even[x], odd[x] and even[x + 1]. Shuffling per tap
// (2 loads + shuffle_ps + permute4x64 per vector and tap, 4 × 3 tile) ran at 42 | 48 GFLOP/s
// against 80 | 90 for the split rows (forward, shapes below).
//
// Tiles as in the stride-1 AVX2 kernels; measured forward alternatives: 4 outputs × 3 vectors
// 80 | 90, 4 × 2 70 | 77, 8 × 1 62 | 69, 2 × 5 62 | 67, 2 × 6 26 | 29 (spills); 4 × 3 without
// the empty asm statements 67 | 81. Aligning the split rows to 32 bytes did not help.
// Weight gradient: 4 outputs × 3 taps kj of one (c, ki), planes channel-major, dY copied
// to an aligned buffer, all as in stride 1.
//
// GFLOP/s on one AMD EPYC (Zen 4) core, batch 128, 16-byte-aligned buffers, weight gradient
// with CLTensor's images per call; AVX2 | AVX-512 (conv3x3_stride2_kernels.c) | im2col + OpenBLAS:
//   16 → 32 at 32×32: forward 82 | 83 | 56,  weight gradient 75 | 76 | 50
//   32 → 64 at 16×16: forward 90 | 90 | 71,  weight gradient 72 | 74 | 67
#include "conv3x3_stride2_kernels_avx2.h"
#include "conv3x3_kernels.h"
#include "avx2_support.h"

#include <string.h>

#if defined(__x86_64__) && defined(__clang__)


/// Padded row r (0…H) of one channel, split by column parity: even padded columns 0, 2, …, W
/// at [0, W/2], odd ones 1, 3, …, W − 1 at [W/2 + 1, W]. Row H + 1 and column W + 1 of the
/// padding are never read with stride 2. `rs` floats from row to row (≥ W + 1), planes of
/// (H + 1)·rs floats `channel_stride` apart. W is a multiple of 16 here.
AVX2 static void split_planes(const float *image, int channels, int height, int width, float *split, size_t rs,
                              size_t channel_stride) {
    size_t half = (size_t)width / 2;
    for (int c = 0; c < channels; c++) {
        float *plane = split + (size_t)c * channel_stride;
        const float *source = image + (size_t)c * height * width;
        memset(plane, 0, sizeof(float) * rs);
        for (int y = 0; y < height; y++, source += width) {
            float *even = plane + (size_t)(y + 1) * rs, *odd = even + half + 1;
            even[0] = 0;
            for (int i = 0; i < width; i += 16) {
                __m256 a = _mm256_loadu_ps(source + i), b = _mm256_loadu_ps(source + i + 8);
                // Image column i is padded column i + 1: even image columns are odd padded ones.
                __m256 e = _mm256_shuffle_ps(a, b, 0x88), o = _mm256_shuffle_ps(a, b, 0xDD);
                e = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8));
                o = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8));
                _mm256_storeu_ps(odd + i / 2, e);
                _mm256_storeu_ps(even + 1 + i / 2, o);
            }
        }
    }
}

/// Offset of tap (ki, kj) of output pixel 0 within a split plane.
INLINE size_t tap_offset(int k, size_t rs, size_t odd) {
    int kj = k % 3;
    return (size_t)(k / 3) * rs + (kj == 1 ? odd : (size_t)(kj / 2));
}

/// 4 outputs × `nv` vectors of 8 output pixels: in[j] is the split-plane offset of the tap
/// (0, 0) inputs of vector j, at[j] its offset in an output plane.
AVX2 INLINE void forward_tile(const float *split, int channels, size_t plane, size_t rs, size_t odd, const float *w,
                              const size_t *in, const size_t *at, float *o, size_t pixels, int nv) {
    __m256 acc[TILE_OUTPUTS][TILE_VECTORS];
    for (int m = 0; m < TILE_OUTPUTS; m++) for (int j = 0; j < nv; j++) acc[m][j] = _mm256_setzero_ps();
    for (int c = 0; c < channels; c++, split += plane, w += 9 * BLOCK) {
        for (int k = 0; k < 9; k++) {
            const float *tap = split + tap_offset(k, rs, odd), *wk = w + k * BLOCK;
            __m256 x[TILE_VECTORS];
            for (int j = 0; j < nv; j++) x[j] = _mm256_loadu_ps(tap + in[j]);
            for (int m = 0; m < TILE_OUTPUTS; m++) {
                __m256 b = _mm256_broadcast_ss(wk + m);
                for (int j = 0; j < nv; j++) acc[m][j] = _mm256_fmadd_ps(b, x[j], acc[m][j]);
                // Stops clang hoisting the next tap's loads and spilling the tile (as in stride 1).
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

AVX2 INLINE void forward_block(const float *split, int channels, size_t plane, size_t rs, size_t odd, const float *w,
                               const size_t *in, const size_t *at, float *o, size_t pixels, int nv) {
    for (int m = 0; m < BLOCK; m += TILE_OUTPUTS) {
        forward_tile(split, channels, plane, rs, odd, w + m, in, at, o + m * pixels, pixels, nv);
    }
}

AVX2 void cl_conv3x3s2_forward_avx2(const float *image, int channels, int height, int width,
                                    const float *packed, int outputs, float *out, float *scratch) {
    size_t rs = (size_t)width + 1, odd = (size_t)width / 2 + 1, plane = (size_t)(height + 1) * rs;
    int out_width = width / 2, per_row = out_width / LANES, vectors = height / 2 * per_row;
    size_t pixels = (size_t)(height / 2) * out_width;
    split_planes(image, channels, height, width, scratch, rs, plane);
    for (int block = 0; block < outputs / BLOCK; block++) {
        const float *w = packed + (size_t)block * channels * 9 * BLOCK;
        float *o = out + (size_t)block * BLOCK * pixels;
        for (int v = 0; v < vectors;) {
            // Tiles of 3 vectors; a remainder of 4 runs as 2 + 2 rather than 3 + 1.
            int left = vectors - v, nv = left == 4 ? 2 : left < TILE_VECTORS ? left : TILE_VECTORS;
            size_t in[TILE_VECTORS], at[TILE_VECTORS];
            for (int j = 0; j < nv; j++) {
                int y = (v + j) / per_row, x = (v + j) % per_row * LANES;
                in[j] = (size_t)(2 * y) * rs + x;
                at[j] = (size_t)y * out_width + x;
            }
            if (nv == 3) forward_block(scratch, channels, plane, rs, odd, w, in, at, o, pixels, 3);
            else if (nv == 2) forward_block(scratch, channels, plane, rs, odd, w, in, at, o, pixels, 2);
            else forward_block(scratch, channels, plane, rs, odd, w, in, at, o, pixels, 1);
            v += nv;
        }
    }
}

/// Adds Σ_p dY[o][p]·x[c][2p + (ki, kj)] for 4 outputs and the 3 taps kj of one (c, ki) over
/// `rows` output rows from row y0 of some image (`x`: that row's tap (ki, 0) in a split
/// plane; the planes of successive images follow each other) to lanes 0–7 of the partials.
AVX2 INLINE void weight_tile(gradient_rows d, size_t pixels, const float *x, size_t rs, size_t odd, int out_height,
                             int out_width, int y0, int rows, float *partials, size_t stride, int packed) {
    size_t vector_step = packed ? TILE_OUTPUTS * LANES : LANES, output_step = packed ? LANES : pixels;
    __m256 acc[TILE_OUTPUTS][3];
    for (int m = 0; m < TILE_OUTPUTS; m++) for (int j = 0; j < 3; j++) acc[m][j] = _mm256_setzero_ps();
    const float *g = d.first;
    for (int i = 0, y = y0; i < rows; i++) {
        const float *gv = g;
        for (int col = 0; col < out_width; col += LANES, gv += vector_step) {
            __m256 x0 = _mm256_loadu_ps(x + col), x1 = _mm256_loadu_ps(x + odd + col), x2 = _mm256_loadu_ps(x + col + 1);
            for (int m = 0; m < TILE_OUTPUTS; m++) {
                __m256 dy = packed ? _mm256_load_ps(gv + m * output_step) : _mm256_loadu_ps(gv + m * output_step);
                acc[m][0] = _mm256_fmadd_ps(dy, x0, acc[m][0]);
                acc[m][1] = _mm256_fmadd_ps(dy, x1, acc[m][1]);
                acc[m][2] = _mm256_fmadd_ps(dy, x2, acc[m][2]);
            }
        }
        g += d.next_row;
        x += 2 * rs;
        // H = 2·out_height rows read; the next image's plane starts one row (row H) later.
        if (++y == out_height) { y = 0; g += d.next_image; x += rs; }
    }
    add_to_partials(acc, partials, stride);
}

AVX2 void cl_conv3x3s2_weight_gradient_avx2(const float *images, const float *output_gradients, int count, int channels,
                                            int height, int width, int outputs, float *partials, float *scratch) {
    size_t rs = (size_t)width + 1, odd = (size_t)width / 2 + 1, plane = (size_t)(height + 1) * rs;
    int out_height = height / 2, out_width = width / 2;
    size_t pixels = (size_t)out_height * out_width, image_size = (size_t)channels * height * width;
    size_t channel_stride = (size_t)count * plane;
    // Channel-major ([C][count] planes): a tile walks one contiguous run of its channel.
    for (int image = 0; image < count; image++) {
        split_planes(images + image * image_size, channels, height, width, scratch + image * plane, rs, channel_stride);
    }
    size_t stride = (size_t)channels * 9 * PARTIAL_LANES, gradient_stride = (size_t)outputs * pixels;
    __attribute__((aligned(64))) float copy[TILE_OUTPUTS * PACKED_PIXELS];
    int packs = out_width <= PACKED_PIXELS, total_rows = count * out_height;
    int chunk_rows = packs ? PACKED_PIXELS / out_width : total_rows;
    for (int first = 0; first < outputs; first += TILE_OUTPUTS) {
        for (int row0 = 0; row0 < total_rows; row0 += chunk_rows) {
            int rows = total_rows - row0 < chunk_rows ? total_rows - row0 : chunk_rows;
            int image0 = row0 / out_height, y0 = row0 % out_height;
            gradient_rows d = gradient_rows_for(output_gradients, copy, packs, first, row0, rows, out_height, out_width, pixels,
                                                gradient_stride);
            for (int c = 0; c < channels; c++) {
                const float *x = scratch + c * channel_stride + (size_t)image0 * plane + (size_t)(2 * y0) * rs;
                for (int ki = 0; ki < 3; ki++) {
                    float *p = partials + (((size_t)first * channels + c) * 9 + ki * 3) * PARTIAL_LANES;
                    if (packs) weight_tile(d, pixels, x + ki * rs, rs, odd, out_height, out_width, y0, rows, p, stride, 1);
                    else weight_tile(d, pixels, x + ki * rs, rs, odd, out_height, out_width, y0, rows, p, stride, 0);
                }
            }
        }
    }
}

#else

void cl_conv3x3s2_forward_avx2(const float *image, int channels, int height, int width,
                               const float *packed, int outputs, float *out, float *scratch) {
    (void)image; (void)channels; (void)height; (void)width; (void)packed; (void)outputs; (void)out; (void)scratch;
}
void cl_conv3x3s2_weight_gradient_avx2(const float *images, const float *output_gradients, int count, int channels,
                                       int height, int width, int outputs, float *partials, float *scratch) {
    (void)images; (void)output_gradients; (void)count; (void)channels; (void)height; (void)width; (void)outputs;
    (void)partials; (void)scratch;
}

#endif
