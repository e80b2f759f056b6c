#ifndef DESK_COPENBLAS_SHIM_H
#define DESK_COPENBLAS_SHIM_H

// OpenBLAS's CBLAS interface (Debian: libopenblas-dev; pkg-config openblas names its include directory).
#include <cblas.h>

#endif
