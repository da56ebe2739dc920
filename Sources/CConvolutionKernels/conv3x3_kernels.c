// Direct 3×3 convolution kernels; see include/conv3x3_kernels.h for the contract.
//
// The forward tile computes 8 output channels × 32 output pixels (two 16-lane vectors) in
// 16 accumulators: per kernel tap it loads two input vectors from the padded image and
// multiplies each by 8 broadcast weights, so loads stay well below the FMA rate and the
// loop runs at the FMA peak. With 8-pixel rows (ResNet stage 3) a vector holds two output
// rows: the forward pass reads it with masked loads from the unpadded image, the weight
// gradient as two halves of padded rows. The weight-gradient tile holds 8 outputs × 3 horizontal taps
// (24 accumulators) and sums over pixels in 16 lanes, reduced once at the end.
#include "conv3x3_kernels.h"
#include "kernel_support.h"

int cl_conv3x3_supports(int channels, int height, int width, int outputs) {
    int rows_fit = width % LANES == 0 || (width == LANES / 2 && height % 2 == 0);
    return channels > 0 && height > 0 && width > 0 && rows_fit && outputs > 0 && outputs % BLOCK == 0;
}

int cl_conv3x3_avx512_supports(int channels, int height, int width, int outputs) {
    if (cl_conv3x3_supports(channels, height, width, outputs)) return 1;
    // Rows ending in a partial vector at least 3/4 full (widths 12–15, 28–31, ...).
    return channels > 0 && height > 0 && width % LANES >= 12 && outputs > 0 && outputs % BLOCK == 0;
}

size_t cl_conv3x3_padded_size(int channels, int height, int width) {
    // One vector of slack: a partial last vector reads past its row, and past the plane
    // in the last row.
    return (size_t)channels * (size_t)(height + 2) * (size_t)(width + 2) + LANES;
}

void cl_conv3x3_pack_weights(const float *weights, int outputs, int channels, int flip_transpose, float *packed) {
    // The packed convolution maps `ins` channels to `outs`; for the adjoint the roles swap.
    int outs = flip_transpose ? channels : outputs, ins = flip_transpose ? outputs : channels;
    for (int o = 0; o < outs; o++) {
        for (int c = 0; c < ins; c++) {
            for (int k = 0; k < 9; k++) {
                float value = flip_transpose ? weights[((size_t)c * channels + o) * 9 + (8 - k)]
                                             : weights[((size_t)o * channels + c) * 9 + k];
                packed[(((size_t)(o / BLOCK) * ins + c) * 9 + k) * BLOCK + o % BLOCK] = value;
            }
        }
    }
}

void cl_conv3x3_reduce_partials(const float *partials, size_t count, float *gradient) {
    for (size_t i = 0; i < count; i++) {
        float total = 0;
        for (int lane = 0; lane < LANES; lane++) total += partials[i * LANES + lane];
        gradient[i] += total;
    }
}

#ifdef CL_HAVE_AVX512_KERNELS

typedef float half_vec __attribute__((ext_vector_type(8)));
#define LOAD_HALF(p) ({ half_vec h_; __builtin_memcpy(&h_, (p), sizeof h_); h_; })
// With 8-pixel rows a vector spans two output rows, whose inputs are one padded row apart.
#define LOAD_INPUT(p, pw, split) ((split) ? __builtin_shufflevector(LOAD_HALF(p), LOAD_HALF((p) + (pw)), \
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) : LOAD(p))

/// `pad_image`, plus zeros in the slack after the planes: a partial last vector's extra
/// lanes read it, and the weight gradient multiplies them by zero, which must not meet a NaN.
static inline void pad_image_with_slack(const float *image, int channels, int height, int width, float *padded) {
    pad_image(image, channels, height, width, padded);
    memset(padded + (size_t)channels * (height + 2) * (width + 2), 0, sizeof(float) * LANES);
}

int cl_conv3x3_is_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

/// 8 outputs × 2 pixel vectors: input vectors start at in0/in1 (offsets into each padded
/// plane), results go to out0/out1 (channel stride `pixels`).
AVX512 static inline __attribute__((always_inline))
void forward_tile(const float *padded, int channels, size_t plane, int pw, const float *w,
                  size_t in0, size_t in1, float *out0, float *out1, size_t pixels, unsigned mask0, unsigned mask1) {
    vec a0[BLOCK], a1[BLOCK];
    for (int m = 0; m < BLOCK; m++) { a0[m] = 0; a1[m] = 0; }
    for (int c = 0; c < channels; c++) {
        const float *p = padded + c * plane;
        for (int ki = 0; ki < 3; ki++) {
            const float *r0 = p + in0 + (size_t)ki * pw, *r1 = p + in1 + (size_t)ki * pw;
            for (int kj = 0; kj < 3; kj++) {
                vec b0 = LOAD(r0 + kj), b1 = LOAD(r1 + kj);
                for (int m = 0; m < BLOCK; m++) { a0[m] += w[m] * b0; a1[m] += w[m] * b1; }
                w += BLOCK;
            }
        }
    }
    if ((mask0 & mask1) == 0xFFFF) {
        for (int m = 0; m < BLOCK; m++) { STORE(out0 + m * pixels, a0[m]); STORE(out1 + m * pixels, a1[m]); }
    } else {
        // A partial last vector of a row: its other lanes read the next padded row.
        for (int m = 0; m < BLOCK; m++) {
            _mm512_mask_storeu_ps(out0 + m * pixels, (__mmask16)mask0, (__m512)a0[m]);
            _mm512_mask_storeu_ps(out1 + m * pixels, (__mmask16)mask1, (__m512)a1[m]);
        }
    }
}

/// Rows of whole vectors: each output vector is 16 pixels of one row; the last vector of a
/// row may be partial (masked stores).
AVX512 static void forward_rows(const float *scratch, int channels, int height, int width, const float *packed,
                                int outputs, float *out) {
    int pw = width + 2, per_row = (width + LANES - 1) / LANES;
    unsigned tail = width % LANES ? (1u << (width % LANES)) - 1 : 0xFFFFu;
    size_t plane = (size_t)(height + 2) * pw, pixels = (size_t)height * width;
    int vectors = height * per_row;
    for (int block = 0; block < outputs / BLOCK; block++) {
        const float *w = packed + (size_t)block * channels * 9 * BLOCK;
        float *o = out + (size_t)block * BLOCK * pixels;
        for (int v = 0; v < vectors; v += 2) {
            // An odd last vector is computed twice (same inputs, same outputs).
            int v1 = v + 1 < vectors ? v + 1 : v;
            int y0 = v / per_row, x0 = (v % per_row) * LANES, y1 = v1 / per_row, x1 = (v1 % per_row) * LANES;
            unsigned mask0 = x0 + LANES > width ? tail : 0xFFFFu, mask1 = x1 + LANES > width ? tail : 0xFFFFu;
            forward_tile(scratch, channels, plane, pw, w, (size_t)y0 * pw + x0, (size_t)y1 * pw + x1,
                         o + (size_t)y0 * width + x0, o + (size_t)y1 * width + x1, pixels, mask0, mask1);
        }
    }
}

// Lanes outside the mask read as zero and are never accessed.
#define LOAD_MASKED(mask, p) ((vec)_mm512_maskz_loadu_ps((__mmask16)(mask), (p)))

/// Masks of the input lanes inside the image for the 9 taps of the output vector holding
/// rows y and y + 1 of an 8-pixel-wide image: lane i reads the pixel 8y + i + (ki − 1)·8 +
/// (kj − 1) of the unpadded plane.
static inline void split_vector_masks(int y, int height, unsigned masks[9]) {
    for (int ki = 0; ki < 3; ki++) {
        int row = y + ki - 1;
        unsigned rows = (row >= 0 && row < height ? 0x00FFu : 0) | (row + 1 >= 0 && row + 1 < height ? 0xFF00u : 0);
        masks[ki * 3 + 0] = rows & 0xFEFEu;  // kj = 0 reads column −1 in lanes 0 and 8
        masks[ki * 3 + 1] = rows;
        masks[ki * 3 + 2] = rows & 0x7F7Fu;  // kj = 2 reads column 8 in lanes 7 and 15
    }
}

/// 8-pixel rows (ResNet stage 3): each output vector is two rows, read straight from the
/// unpadded image with masked loads (the padded copy would need two half loads and a
/// shuffle per vector: 80–96 against 104 GFLOP/s at 64 channels, one core).
AVX512 static void forward_split(const float *image, int channels, int height, const float *packed, int outputs,
                                 float *out) {
    enum { WIDTH = LANES / 2 };
    size_t pixels = (size_t)height * WIDTH;
    int vectors = height / 2;
    for (int v = 0; v < vectors; v += 2) {
        int v1 = v + 1 < vectors ? v + 1 : v;
        unsigned masks0[9], masks1[9];
        split_vector_masks(2 * v, height, masks0);
        split_vector_masks(2 * v1, height, masks1);
        int start0 = v * LANES, start1 = v1 * LANES;
        for (int block = 0; block < outputs / BLOCK; block++) {
            const float *w = packed + (size_t)block * channels * 9 * BLOCK;
            vec a0[BLOCK], a1[BLOCK];
            for (int m = 0; m < BLOCK; m++) { a0[m] = 0; a1[m] = 0; }
            for (int c = 0; c < channels; c++) {
                const float *p = image + c * pixels;
                for (int k = 0; k < 9; k++) {
                    int offset = (k / 3 - 1) * WIDTH + (k % 3 - 1);
                    vec b0 = LOAD_MASKED(masks0[k], p + start0 + offset), b1 = LOAD_MASKED(masks1[k], p + start1 + offset);
                    for (int m = 0; m < BLOCK; m++) { a0[m] += w[m] * b0; a1[m] += w[m] * b1; }
                    w += BLOCK;
                }
            }
            float *o = out + (size_t)block * BLOCK * pixels;
            for (int m = 0; m < BLOCK; m++) { STORE(o + m * pixels + start0, a0[m]); STORE(o + m * pixels + start1, a1[m]); }
        }
    }
}

AVX512 void cl_conv3x3_forward(const float *image, int channels, int height, int width,
                               const float *packed, int outputs, float *out, float *scratch) {
    if (width == LANES / 2) {
        forward_split(image, channels, height, packed, outputs, out);
        return;
    }
    pad_image_with_slack(image, channels, height, width, scratch);
    forward_rows(scratch, channels, height, width, packed, outputs, out);
}

/// Adds Σ_p dY[o][p]·x[c][p + (ki, kj)] for 8 outputs and the 3 taps kj of one (c, ki), over
/// `count` images, in 16 lanes, to partials (stride `stride` between outputs).
AVX512 static inline __attribute__((always_inline))
void weight_tile(const float *gradients, size_t gradient_stride, size_t pixels, const float *rows, size_t padded_stride,
                 int pw, int height, int width, int count, float *partials, size_t stride, int split) {
    vec a[BLOCK][3];
    for (int m = 0; m < BLOCK; m++) { a[m][0] = 0; a[m][1] = 0; a[m][2] = 0; }
    // Output vectors walked row by row (two rows at a time when split): a division per vector cost a
    // third of this loop's speed (58 against 87 GFLOP/s at 16 channels, 32×32).
    int row_step = split ? 2 : 1, row_floats = split ? LANES : width;
    unsigned tail = (1u << (row_floats % LANES)) - 1;
    for (int image = 0; image < count; image++) {
        const float *row0 = rows + image * padded_stride, *gradient = gradients + image * gradient_stride;
        for (int y = 0; y < height; y += row_step) {
            const float *input_row = row0 + (size_t)y * pw, *gradient_row = gradient + (size_t)y * width;
            for (int x = 0; x < row_floats; x += LANES) {
                const float *r = input_row + x, *g = gradient_row + x;
                vec x0 = LOAD_INPUT(r, pw, split), x1 = LOAD_INPUT(r + 1, pw, split), x2 = LOAD_INPUT(r + 2, pw, split);
                if (x + LANES <= row_floats) {
                    for (int m = 0; m < BLOCK; m++) {
                        vec d = LOAD(g + m * pixels);
                        a[m][0] += d * x0; a[m][1] += d * x1; a[m][2] += d * x2;
                    }
                } else {
                    // Partial last vector: dY is zero beyond the row, so the (finite) inputs
                    // read from the next padded row add nothing.
                    for (int m = 0; m < BLOCK; m++) {
                        vec d = (vec)_mm512_maskz_loadu_ps((__mmask16)tail, g + m * pixels);
                        a[m][0] += d * x0; a[m][1] += d * x1; a[m][2] += d * x2;
                    }
                }
            }
        }
    }
    for (int m = 0; m < BLOCK; m++) {
        for (int j = 0; j < 3; j++) {
            float *p = partials + m * stride + j * LANES;
            STORE(p, LOAD(p) + a[m][j]);
        }
    }
}

AVX512 static inline __attribute__((always_inline))
void weight_images(const float *output_gradients, int count, int channels, int height, int width, int outputs,
                   float *partials, const float *scratch, int split) {
    int pw = width + 2;
    size_t plane = (size_t)(height + 2) * pw, pixels = (size_t)height * width;
    size_t padded_stride = cl_conv3x3_padded_size(channels, height, width);
    size_t stride = (size_t)channels * 9 * LANES, gradient_stride = outputs * pixels;
    // dY of one block of outputs, copied to a 64-byte-aligned buffer for one image of up to
    // 1024 pixels: a Swift array is only 16-byte aligned, and with misaligned dY every vector
    // load splits across two cache lines (16 channels at 32×32: 82 against 93 GFLOP/s, and
    // 92 with the copy). With several small images per call the copy cost more than it
    // saved (64 channels at 8×8: 98 → 95 misaligned).
    enum { ALIGNED_FLOATS = BLOCK * 1024 };
    float aligned[ALIGNED_FLOATS] __attribute__((aligned(64)));
    int copy = count == 1 && (size_t)BLOCK * pixels <= ALIGNED_FLOATS;
    for (int block = 0; block < outputs / BLOCK; block++) {
        const float *g = output_gradients + (size_t)block * BLOCK * pixels;
        size_t g_stride = gradient_stride;
        if (copy) {
            for (int image = 0; image < count; image++) {
                memcpy(aligned + (size_t)image * BLOCK * pixels, g + image * gradient_stride, sizeof(float) * BLOCK * pixels);
            }
            g = aligned;
            g_stride = (size_t)BLOCK * pixels;
        }
        for (int c = 0; c < channels; c++) {
            for (int ki = 0; ki < 3; ki++) {
                float *p = partials + (((size_t)block * BLOCK * channels + c) * 9 + ki * 3) * LANES;
                weight_tile(g, g_stride, pixels, scratch + c * plane + (size_t)ki * pw, padded_stride, pw, height,
                            width, count, p, stride, split);
            }
        }
    }
}

AVX512 void cl_conv3x3_weight_gradient(const float *images, const float *output_gradients, int count, int channels,
                                       int height, int width, int outputs, float *partials, float *scratch) {
    size_t padded = cl_conv3x3_padded_size(channels, height, width), image_size = (size_t)channels * height * width;
    for (int image = 0; image < count; image++) {
        pad_image_with_slack(images + image * image_size, channels, height, width, scratch + image * padded);
    }
    if (width == LANES / 2) weight_images(output_gradients, count, channels, height, width, outputs, partials, scratch, 1);
    else weight_images(output_gradients, count, channels, height, width, outputs, partials, scratch, 0);
}

#else

int cl_conv3x3_is_available(void) { return 0; }
void cl_conv3x3_forward(const float *image, int channels, int height, int width,
                        const float *packed, int outputs, float *out, float *scratch) {
    (void)image; (void)channels; (void)height; (void)width; (void)packed; (void)outputs; (void)out; (void)scratch;
}
void cl_conv3x3_weight_gradient(const float *images, const float *output_gradients, int count, int channels,
                                int height, int width, int outputs, float *partials, float *scratch) {
    (void)images; (void)output_gradients; (void)count; (void)channels; (void)height; (void)width; (void)outputs;
    (void)partials; (void)scratch;
}

#endif
