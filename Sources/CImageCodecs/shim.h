// libjpeg-turbo, libpng and zlib, used to decode image-folder datasets and gzip/zip/tar archives.
#include <stdio.h>
#include <jpeglib.h>
#include <png.h>
#include <zlib.h>
