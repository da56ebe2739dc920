// Depthwise convolution on channels-last images, for the inference of pretrained
// MobileNet-style backbones (EfficientNet-Lite).
//
// Why C: the inner loop runs over channels, which are contiguous in a channels-last
// layout, and a plain C loop with restrict pointers is vectorised by clang for whatever
// vector width the CPU has (the function is compiled three times, for AVX-512, AVX2 + FMA
// and baseline x86-64, and `cl_depthwise_forward` picks one at run time). Swift, compiled
// for baseline x86-64, would use 4-lane vectors only.
//
// Layouts (row-major, float32): image [H][W][C]; weights [K][K][C] (tap-major, so that the
// channel loop reads them contiguously); bias [C]; output [OH][OW][C]. Padding is given
// explicitly as the rows above and columns left of the image (TensorFlow's "same" padding
// is asymmetric); taps that fall outside the image contribute nothing.
#ifndef CL_DEPTHWISE_KERNELS_H
#define CL_DEPTHWISE_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// out[oy][ox][c] = bias[c] + sum over taps (ky, kx) inside the image of
/// weights[ky][kx][c] * image[oy*stride - pad_top + ky][ox*stride - pad_left + kx][c],
/// then clamped to [0, 6] when `relu6` is non-zero. Computes output rows
/// `row_begin ..< row_end` only (so callers can split the rows across threads).
void cl_depthwise_forward(const float *image, int height, int width, int channels,
                          const float *weights, const float *bias, int kernel, int stride,
                          int pad_top, int pad_left, float *out, int out_height, int out_width,
                          int relu6, int row_begin, int row_end);

/// The instruction set `cl_depthwise_forward` uses on this CPU: "avx512", "avx2" or "baseline".
const char *cl_depthwise_instruction_set(void);

#ifdef __cplusplus
}
#endif

#endif
