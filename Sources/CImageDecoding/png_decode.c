#include "image_decoding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

// libpng's simplified API keeps its own setjmp inside png_safe_execute, so errors come
// back as a zero return and image.message.
int cl_png_decode(const unsigned char *data, size_t size, unsigned char *pixels, size_t capacity,
                  int *width, int *height, int *channels, char message[CL_IMAGE_MESSAGE_SIZE]) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    message[0] = 0;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        snprintf(message, CL_IMAGE_MESSAGE_SIZE, "corrupt PNG: %s", image.message);
        png_image_free(&image);
        return -1;
    }
    int color = (image.format & PNG_FORMAT_FLAG_COLOR) != 0;
    image.format = color ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    *width = (int)image.width;
    *height = (int)image.height;
    *channels = color ? 3 : 1;
    if (pixels == NULL) {
        png_image_free(&image);
        return 0;
    }
    size_t plane = (size_t)image.width * image.height;
    if (capacity < plane * (size_t)*channels) {
        png_image_free(&image);
        return -2;
    }
    unsigned char *interleaved = pixels;
    if (color) {
        interleaved = malloc(plane * 3);
        if (interleaved == NULL) {
            snprintf(message, CL_IMAGE_MESSAGE_SIZE, "out of memory");
            png_image_free(&image);
            return -1;
        }
    }
    memset(interleaved, 0, plane * (size_t)*channels);
    if (!png_image_finish_read(&image, NULL, interleaved, 0, NULL)) {
        snprintf(message, CL_IMAGE_MESSAGE_SIZE, "corrupt PNG: %s", image.message);
        if (color) free(interleaved);
        png_image_free(&image);
        return -1;
    }
    if (color) {
        for (size_t i = 0; i < plane; i++) {
            pixels[i] = interleaved[3 * i];
            pixels[plane + i] = interleaved[3 * i + 1];
            pixels[2 * plane + i] = interleaved[3 * i + 2];
        }
        free(interleaved);
    }
    return 0;
}
