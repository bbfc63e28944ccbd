// Loads the optional device backends (libjdnn_cuda, libjdnn_cuda_emu) at run
// time. libjdnn itself never links CUDA: a machine without a GPU, a driver or
// the vendor libraries only ever sees the exception thrown from here.
#pragma once
#include "jdnn/jdnn.h"

namespace jdnn {

// dlopens library_path and calls its jdnn_backend_init(device, ordinal, ...), which
// probes GPU `ordinal`, binds the vendor libraries and registers the backend.
// Throws with the library's message on failure; does nothing if the device is
// already registered with that ordinal, and throws (ARGUMENT) if with another:
// a backend uses one GPU per process.
void load_device_library(Device device, int ordinal, const char* library_path);

// dlopens library_path globally and never closes it; throws with dlerror's text.
void preload_library(const char* library_path);

}  // namespace jdnn
