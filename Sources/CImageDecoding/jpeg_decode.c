#include "image_decoding.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

// libjpeg's error manager, extended with the jump target used to leave a failed decode.
struct cl_jpeg_error {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
};

static void cl_jpeg_error_exit(j_common_ptr info) {
    struct cl_jpeg_error *error = (struct cl_jpeg_error *)info->err;
    char text[JMSG_LENGTH_MAX];
    (*info->err->format_message)(info, text);
    snprintf(error->message, CL_IMAGE_MESSAGE_SIZE, "corrupt JPEG: %s", text);
    longjmp(error->jump, 1);
}

// Warnings (for example "premature end of data") are treated as errors: a truncated
// file should not silently decode into a grey image.
static void cl_jpeg_emit_message(j_common_ptr info, int level) {
    if (level < 0) cl_jpeg_error_exit(info);
}

int cl_jpeg_decode(const unsigned char *data, size_t size, unsigned char *pixels, size_t capacity,
                   int *width, int *height, int *channels, char message[CL_IMAGE_MESSAGE_SIZE]) {
    struct jpeg_decompress_struct info;
    struct cl_jpeg_error error;
    unsigned char *row = NULL;
    message[0] = 0;
    info.err = jpeg_std_error(&error.base);
    error.base.error_exit = cl_jpeg_error_exit;
    error.base.emit_message = cl_jpeg_emit_message;
    error.message = message;
    if (setjmp(error.jump)) {
        jpeg_destroy_decompress(&info);
        free(row);
        return -1;
    }
    jpeg_create_decompress(&info);
    if (size == 0) {
        snprintf(message, CL_IMAGE_MESSAGE_SIZE, "empty JPEG file");
        jpeg_destroy_decompress(&info);
        return -1;
    }
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    int gray = info.num_components == 1;
    info.out_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
    *width = (int)info.image_width;
    *height = (int)info.image_height;
    *channels = gray ? 1 : 3;
    if (pixels == NULL) {
        jpeg_destroy_decompress(&info);
        return 0;
    }
    size_t plane = (size_t)info.image_width * info.image_height;
    if (capacity < plane * (size_t)*channels) {
        jpeg_destroy_decompress(&info);
        return -2;
    }
    jpeg_start_decompress(&info);
    size_t stride = (size_t)info.output_width * info.output_components;
    row = malloc(stride);
    if (row == NULL) {
        snprintf(message, CL_IMAGE_MESSAGE_SIZE, "out of memory");
        jpeg_destroy_decompress(&info);
        return -1;
    }
    int components = info.output_components;
    while (info.output_scanline < info.output_height) {
        size_t y = info.output_scanline;
        JSAMPROW rows[1] = { row };
        jpeg_read_scanlines(&info, rows, 1);
        unsigned char *out = pixels + y * info.output_width;
        // Interleaved RGB scanline -> three planes.
        for (size_t x = 0; x < info.output_width; x++) {
            for (int c = 0; c < components; c++) out[(size_t)c * plane + x] = row[x * components + c];
        }
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    free(row);
    return 0;
}
