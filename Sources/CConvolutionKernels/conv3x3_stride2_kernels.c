// Direct 3×3 convolution kernels with stride 2 (padding 1): the down-sampling layers of the
// CIFAR ResNets. See include/conv3x3_kernels.h for the contract.
//
// Output pixel x of a row reads padded input columns 2x + kj, so the 16 inputs of one
// output vector are every other float of 32 consecutive ones: two loads and one two-source
// permute give the vector for kj = 0 (even floats) and, with the odd floats, kj = 1; kj = 2
// is the even floats two further on. Tiles are those of the stride-1 kernels.
#include "conv3x3_kernels.h"
#include "kernel_support.h"

int cl_conv3x3s2_supports(int channels, int height, int width, int outputs) {
    if (channels <= 0 || height <= 0 || width <= 0 || height % 2 != 0 || width % 2 != 0) return 0;
    int out_height = height / 2, out_width = width / 2;
    int rows_fit = out_width % LANES == 0 || (out_width == LANES / 2 && out_height % 2 == 0);
    return rows_fit && outputs > 0 && outputs % BLOCK == 0;
}

#ifdef CL_HAVE_AVX512_KERNELS

#define EVEN(a, b) __builtin_shufflevector((a), (b), 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
#define ODD(a, b) __builtin_shufflevector((a), (b), 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31)

/// For output vector v: the padded-plane offsets of the two 16-float runs whose even
/// floats are its inputs at tap (0, 0), and its offset in the output plane. An output row
/// of 16k pixels gives k vectors; 8-pixel output rows go two to a vector.
static inline void stride2_position(int v, int out_width, int pw, size_t *first, size_t *second, size_t *out) {
    if (out_width == LANES / 2) {
        *first = (size_t)(4 * v) * pw;
        *second = (size_t)(4 * v + 2) * pw;
        *out = (size_t)v * LANES;
    } else {
        int per_row = out_width / LANES, y = v / per_row, x = (v % per_row) * LANES;
        *first = (size_t)(2 * y) * pw + 2 * x;
        *second = *first + LANES;
        *out = (size_t)y * out_width + x;
    }
}

/// The three input vectors (kj = 0, 1, 2) of one output vector for one padded input row.
#define STRIDE2_INPUTS(row, first, second, x0, x1, x2) do { \
    vec a_ = LOAD((row) + (first)), b_ = LOAD((row) + (second)); \
    vec c_ = LOAD((row) + (first) + 2), d_ = LOAD((row) + (second) + 2); \
    x0 = EVEN(a_, b_); x1 = ODD(a_, b_); x2 = EVEN(c_, d_); \
} while (0)

AVX512 void cl_conv3x3s2_forward(const float *image, int channels, int height, int width,
                                 const float *packed, int outputs, float *out, float *scratch) {
    int pw = width + 2, out_width = width / 2;
    size_t plane = (size_t)(height + 2) * pw, pixels = (size_t)(height / 2) * out_width;
    int vectors = (int)(pixels / LANES);
    pad_image(image, channels, height, width, scratch);
    for (int v = 0; v < vectors; v += 2) {
        // An odd last vector is computed twice (same inputs, same outputs).
        int v1 = v + 1 < vectors ? v + 1 : v;
        size_t first0, second0, out0, first1, second1, out1;
        stride2_position(v, out_width, pw, &first0, &second0, &out0);
        stride2_position(v1, out_width, pw, &first1, &second1, &out1);
        for (int block = 0; block < outputs / BLOCK; block++) {
            const float *w = packed + (size_t)block * channels * 9 * BLOCK;
            vec a0[BLOCK], a1[BLOCK];
            for (int m = 0; m < BLOCK; m++) { a0[m] = 0; a1[m] = 0; }
            for (int c = 0; c < channels; c++) {
                for (int ki = 0; ki < 3; ki++) {
                    const float *row = scratch + c * plane + (size_t)ki * pw;
                    vec p[3], q[3];
                    STRIDE2_INPUTS(row, first0, second0, p[0], p[1], p[2]);
                    STRIDE2_INPUTS(row, first1, second1, q[0], q[1], q[2]);
                    for (int kj = 0; kj < 3; kj++) {
                        for (int m = 0; m < BLOCK; m++) { a0[m] += w[m] * p[kj]; a1[m] += w[m] * q[kj]; }
                        w += BLOCK;
                    }
                }
            }
            float *o = out + (size_t)block * BLOCK * pixels;
            for (int m = 0; m < BLOCK; m++) { STORE(o + m * pixels + out0, a0[m]); STORE(o + m * pixels + out1, a1[m]); }
        }
    }
}

AVX512 void cl_conv3x3s2_weight_gradient(const float *images, const float *output_gradients, int count, int channels,
                                         int height, int width, int outputs, float *partials, float *scratch) {
    int pw = width + 2, out_width = width / 2;
    size_t plane = (size_t)(height + 2) * pw, pixels = (size_t)(height / 2) * out_width;
    size_t padded = (size_t)channels * plane, image_size = (size_t)channels * height * width;
    size_t stride = (size_t)channels * 9 * LANES, gradient_stride = (size_t)outputs * pixels;
    int out_height = height / 2, split = out_width == LANES / 2;
    int row_step = split ? 2 : 1, row_floats = split ? LANES : out_width;
    for (int image = 0; image < count; image++) {
        pad_image(images + image * image_size, channels, height, width, scratch + image * padded);
    }
    for (int block = 0; block < outputs / BLOCK; block++) {
        for (int c = 0; c < channels; c++) {
            for (int ki = 0; ki < 3; ki++) {
                vec a[BLOCK][3];
                for (int m = 0; m < BLOCK; m++) { a[m][0] = 0; a[m][1] = 0; a[m][2] = 0; }
                for (int image = 0; image < count; image++) {
                    const float *row = scratch + image * padded + c * plane + (size_t)ki * pw;
                    const float *g = output_gradients + image * gradient_stride + (size_t)block * BLOCK * pixels;
                    // The vectors of `stride2_position`, walked without a division per vector.
                    for (int y = 0; y < out_height; y += row_step) {
                        for (int x = 0; x < row_floats; x += LANES) {
                            size_t first = (size_t)(2 * y) * pw + 2 * x;
                            size_t second = split ? (size_t)(2 * y + 2) * pw : first + LANES;
                            size_t out = (size_t)y * out_width + x;
                            vec x0, x1, x2;
                            STRIDE2_INPUTS(row, first, second, x0, x1, x2);
                            for (int m = 0; m < BLOCK; m++) {
                                vec d = LOAD(g + m * pixels + out);
                                a[m][0] += d * x0; a[m][1] += d * x1; a[m][2] += d * x2;
                            }
                        }
                    }
                }
                float *p = partials + (((size_t)block * BLOCK * channels + c) * 9 + ki * 3) * LANES;
                for (int m = 0; m < BLOCK; m++) {
                    for (int j = 0; j < 3; j++) {
                        float *target = p + m * stride + j * LANES;
                        STORE(target, LOAD(target) + a[m][j]);
                    }
                }
            }
        }
    }
}

#else

void cl_conv3x3s2_forward(const float *image, int channels, int height, int width,
                          const float *packed, int outputs, float *out, float *scratch) {
    (void)image; (void)channels; (void)height; (void)width; (void)packed; (void)outputs; (void)out; (void)scratch;
}
void cl_conv3x3s2_weight_gradient(const float *images, const float *output_gradients, int count, int channels,
                                  int height, int width, int outputs, float *partials, float *scratch) {
    (void)images; (void)output_gradients; (void)count; (void)channels; (void)height; (void)width; (void)outputs;
    (void)partials; (void)scratch;
}

#endif
