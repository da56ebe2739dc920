// OpenBLAS's CBLAS interface plus its extensions (openblas_get_corename, thread control).
#include <cblas.h>
