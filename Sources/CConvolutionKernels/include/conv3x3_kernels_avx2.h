// AVX2 + FMA variants of the direct 3×3 convolution kernels of conv3x3_kernels.h.
//
// Why: the AVX-512 kernels leave CPUs without AVX-512 (most Intel laptops, AMD Zen 2/3) on
// the much slower im2col + sgemm path. These functions keep the same contracts (layouts,
// packed weights, scratch sizes, 16-lane partial sums, supported shapes per
// `cl_conv3x3_supports`) with register tiles sized for 16 ymm registers. Each is compiled
// for AVX2 + FMA with a target attribute and must only be called when
// `cl_conv3x3_avx2_is_available()` returns 1.
#ifndef CL_CONV3X3_KERNELS_AVX2_H
#define CL_CONV3X3_KERNELS_AVX2_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the CPU has AVX2 and FMA (x86-64 + clang build), else 0.
int cl_conv3x3_avx2_is_available(void);

/// Same contract as `cl_conv3x3_forward` (same packed weights, same scratch size
/// `cl_conv3x3_padded_size`).
void cl_conv3x3_forward_avx2(const float *image, int channels, int height, int width,
                             const float *packed, int outputs, float *out, float *scratch);

/// Same contract as `cl_conv3x3_weight_gradient`: accumulates into the same [O][C][9][16]
/// partial sums (the pixel sum is split over lanes 0–7 only; reduce with
/// `cl_conv3x3_reduce_partials`). `scratch` holds `count` × `cl_conv3x3_padded_size` floats.
void cl_conv3x3_weight_gradient_avx2(const float *images, const float *output_gradients, int count, int channels,
                                     int height, int width, int outputs, float *partials, float *scratch);

#ifdef __cplusplus
}
#endif

#endif
