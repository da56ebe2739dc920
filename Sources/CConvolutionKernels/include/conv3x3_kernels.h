// Direct 3×3 convolution kernels (stride 1, padding 1, "same" output) for CLTensor.
//
// Why C: these are register-blocked AVX-512 loops that read their operands straight from a
// zero-padded copy of the image instead of an im2col matrix, which Swift (compiled for
// baseline x86-64) cannot express. Each function is compiled for AVX-512 with a target
// attribute and must only be called when `cl_conv3x3_is_available()` returns 1; CLTensor
// falls back to im2col + sgemm otherwise.
//
// Layouts (row-major, float32): images [C][H][W]; weights [O][C][3][3]. The kernels need
// W to be a multiple of 16 (or W = 8 with H even) and the number of outputs a multiple of
// CL_CONV3X3_BLOCK.
#ifndef CL_CONV3X3_KERNELS_H
#define CL_CONV3X3_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Output channels computed together by one register tile.
#define CL_CONV3X3_BLOCK 8

/// 1 when this CPU and build can run the kernels (x86-64 with AVX-512F), else 0.
int cl_conv3x3_is_available(void);

/// 1 when the kernels handle this shape: W a multiple of 16 or W = 8 with H even, and
/// outputs a multiple of 8.
int cl_conv3x3_supports(int channels, int height, int width, int outputs);

/// The AVX-512 stride-1 kernels also take rows ending in a partial vector at least 3/4 full
/// (W % 16 ≥ 12, e.g. 28 and 14 for Conv-4 on 28×28 images): 1 when they handle this shape.
int cl_conv3x3_avx512_supports(int channels, int height, int width, int outputs);

/// Floats of scratch one image needs: the zero-padded copy of its [C][H+2][W+2] planes, and
/// one vector of slack.
size_t cl_conv3x3_padded_size(int channels, int height, int width);

/// Packs weights [O][C][3][3] for `cl_conv3x3_forward`. With `flip_transpose` set the
/// weights are those of the adjoint convolution instead (input gradient): the packed
/// kernel maps O channels to C, with each 3×3 kernel rotated by 180°. `packed` holds
/// O·C·9 floats.
void cl_conv3x3_pack_weights(const float *weights, int outputs, int channels, int flip_transpose,
                             float *packed);

/// out[O][H][W] = conv(image[C][H][W], packed weights) for one image. `scratch` holds
/// `cl_conv3x3_padded_size` floats (contents irrelevant: the padded copy is rebuilt).
void cl_conv3x3_forward(const float *image, int channels, int height, int width,
                        const float *packed, int outputs, float *out, float *scratch);

/// Accumulates the weight gradient of `count` consecutive images, dW[o][c][ki][kj] +=
/// Σ_p dY[o][p]·x[c][p+shift], as 16-lane partial sums in `partials` [O][C][9][16] (reduce
/// them with `cl_conv3x3_reduce_partials`). Several images per call let small images
/// share one read-modify-write of the partial sums. `scratch` holds `count` ×
/// `cl_conv3x3_padded_size` floats.
void cl_conv3x3_weight_gradient(const float *images, const float *output_gradients, int count, int channels,
                                int height, int width, int outputs, float *partials, float *scratch);

/// Stride 2 (padding 1, even H and W, output H/2 × W/2): 1 when the kernels handle this
/// shape — output width a multiple of 16, or 8 with an even output height — and outputs a
/// multiple of 8.
int cl_conv3x3s2_supports(int channels, int height, int width, int outputs);

/// Stride-2 forward pass: out[O][H/2][W/2]; packed weights, scratch (one padded image)
/// as for `cl_conv3x3_forward`.
void cl_conv3x3s2_forward(const float *image, int channels, int height, int width,
                          const float *packed, int outputs, float *out, float *scratch);

/// Stride-2 weight gradient over `count` images, into the same [O][C][9][16] partial sums
/// as `cl_conv3x3_weight_gradient`; `output_gradients` are [O][H/2][W/2] per image.
void cl_conv3x3s2_weight_gradient(const float *images, const float *output_gradients, int count, int channels,
                                  int height, int width, int outputs, float *partials, float *scratch);

/// gradient[i] += Σ of the 16 lanes of partials[i] for i < count.
void cl_conv3x3_reduce_partials(const float *partials, size_t count, float *gradient);

#ifdef __cplusplus
}
#endif

#endif
