// Error-safe JPEG and PNG decoding for CLData.
//
// libjpeg reports errors by calling error_exit, which must not return: the only safe
// recovery is setjmp/longjmp, which Swift cannot express. These two functions keep the
// setjmp inside C and turn every libjpeg/libpng error into a return code and a message.
#ifndef CL_IMAGE_DECODING_H
#define CL_IMAGE_DECODING_H

#include <stddef.h>

#define CL_IMAGE_MESSAGE_SIZE 200

// Decodes a JPEG held in memory into channel-planar bytes (C x H x W), 1 channel for
// grayscale files and 3 (RGB) otherwise. With pixels == NULL only the header is read and
// width, height and channels are set. Returns 0 on success, -1 with `message` set on error,
// -2 when `capacity` is smaller than width * height * channels.
int cl_jpeg_decode(const unsigned char *data, size_t size, unsigned char *pixels, size_t capacity,
                   int *width, int *height, int *channels, char message[CL_IMAGE_MESSAGE_SIZE]);

// The same for PNG (any bit depth, palette, alpha): 1 channel for grayscale files
// (1-bit images become 0 and 255), else 3 (RGB); alpha is composited onto black.
int cl_png_decode(const unsigned char *data, size_t size, unsigned char *pixels, size_t capacity,
                  int *width, int *height, int *channels, char message[CL_IMAGE_MESSAGE_SIZE]);

#endif

#ifndef CL_IMAGE_ENCODING_H
#define CL_IMAGE_ENCODING_H
// Encoders, so that tests can write real JPEG and PNG fixtures. Input is channel-planar
// (C x H x W, C = 1 or 3). On success *output is a malloc'd buffer the caller frees.
int cl_jpeg_encode(const unsigned char *pixels, int width, int height, int channels, int quality,
                   unsigned char **output, size_t *output_size);
// bit_depth 8, or 1 for grayscale (pixels >= 128 become 1), as in Omniglot.
int cl_png_encode(const unsigned char *pixels, int width, int height, int channels, int bit_depth,
                  unsigned char **output, size_t *output_size);
#endif
