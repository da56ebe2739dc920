#include "image_decoding.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <png.h>

struct cl_encode_error {
    struct jpeg_error_mgr base;
    jmp_buf jump;
};

static void cl_encode_error_exit(j_common_ptr info) {
    longjmp(((struct cl_encode_error *)info->err)->jump, 1);
}

int cl_jpeg_encode(const unsigned char *pixels, int width, int height, int channels, int quality,
                   unsigned char **output, size_t *output_size) {
    struct jpeg_compress_struct info;
    struct cl_encode_error error;
    unsigned char *row = malloc((size_t)width * channels);
    unsigned long size = 0;
    *output = NULL;
    if (row == NULL) return -1;
    info.err = jpeg_std_error(&error.base);
    error.base.error_exit = cl_encode_error_exit;
    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&info);
        free(row);
        free(*output);
        *output = NULL;
        return -1;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, output, &size);
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = channels;
    info.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    size_t plane = (size_t)width * height;
    while (info.next_scanline < info.image_height) {
        size_t y = info.next_scanline;
        for (size_t x = 0; x < (size_t)width; x++)
            for (int c = 0; c < channels; c++) row[x * channels + c] = pixels[c * plane + y * width + x];
        JSAMPROW rows[1] = { row };
        jpeg_write_scanlines(&info, rows, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    free(row);
    *output_size = size;
    return 0;
}

// A tiny PNG writer with the low-level API, so that 1-bit grayscale can be produced.
struct cl_png_buffer { unsigned char *data; size_t size, capacity; };

static void cl_png_write(png_structp png, png_bytep data, png_size_t length) {
    struct cl_png_buffer *buffer = png_get_io_ptr(png);
    if (buffer->size + length > buffer->capacity) {
        size_t capacity = (buffer->capacity + length) * 2;
        unsigned char *grown = realloc(buffer->data, capacity);
        if (grown == NULL) png_error(png, "out of memory");
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->size, data, length);
    buffer->size += length;
}

static void cl_png_flush(png_structp png) { (void)png; }

int cl_png_encode(const unsigned char *pixels, int width, int height, int channels, int bit_depth,
                  unsigned char **output, size_t *output_size) {
    struct cl_png_buffer buffer = { NULL, 0, 0 };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    unsigned char *row = malloc((size_t)width * channels + 1);
    if (png == NULL || info == NULL || row == NULL) {
        png_destroy_write_struct(&png, &info);
        free(row);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        free(buffer.data);
        return -1;
    }
    png_set_write_fn(png, &buffer, cl_png_write, cl_png_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, bit_depth,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if (bit_depth < 8) png_set_packing(png);
    size_t plane = (size_t)width * height;
    for (size_t y = 0; y < (size_t)height; y++) {
        for (size_t x = 0; x < (size_t)width; x++)
            for (int c = 0; c < channels; c++) {
                unsigned char v = pixels[c * plane + y * width + x];
                row[x * channels + c] = bit_depth == 1 ? (v >= 128) : v;
            }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    *output = buffer.data;
    *output_size = buffer.size;
    return 0;
}
