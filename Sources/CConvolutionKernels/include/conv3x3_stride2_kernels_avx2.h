// AVX2 + FMA variants of the stride-2 direct 3×3 convolution kernels of conv3x3_kernels.h
// (padding 1, even H and W, output H/2 × W/2).
//
// Why: without AVX-512 the down-sampling layers of the CIFAR ResNets would otherwise run on
// im2col + sgemm. Same contracts and supported shapes (`cl_conv3x3s2_supports`) as the
// AVX-512 functions; only call them when `cl_conv3x3_avx2_is_available()` returns 1.
#ifndef CL_CONV3X3_STRIDE2_KERNELS_AVX2_H
#define CL_CONV3X3_STRIDE2_KERNELS_AVX2_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Same contract as `cl_conv3x3s2_forward` (same packed weights from
/// `cl_conv3x3_pack_weights`, scratch of `cl_conv3x3_padded_size` floats).
void cl_conv3x3s2_forward_avx2(const float *image, int channels, int height, int width,
                               const float *packed, int outputs, float *out, float *scratch);

/// Same contract as `cl_conv3x3s2_weight_gradient`: adds into the same [O][C][9][16] partial
/// sums (the pixel sum goes to lanes 0–7 only; reduce with `cl_conv3x3_reduce_partials`).
/// `scratch` holds `count` × `cl_conv3x3_padded_size` floats.
void cl_conv3x3s2_weight_gradient_avx2(const float *images, const float *output_gradients, int count, int channels,
                                       int height, int width, int outputs, float *partials, float *scratch);

#ifdef __cplusplus
}
#endif

#endif
