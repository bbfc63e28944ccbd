// Facade: loading device backends and their services (describe, synchronize, options, statistics).
#include <cmath>
#include <string>

#include "core/api/checks.h"
#include "core/device_loader.h"
#include "core/status.h"

namespace jdnn {

int device_load(int device, int ordinal, const char* library_path) noexcept {
  return status_of([&] {
    load_device_library(device_of(device), ordinal, library_path);
  });
}

bool device_loaded(int device) noexcept {
  return device >= 0 && device < kDeviceCount && backend_loaded(static_cast<Device>(device));
}

int device_preload_library(const char* library_path) noexcept {
  return status_of([&] { preload_library(library_path); });
}

const char* device_describe(int device) noexcept {
  return value_or<const char*>(nullptr, [&] {
    thread_local std::string text;
    text = backend_for(device_of(device)).describe();
    return text.c_str();
  });
}

int device_synchronize(int device) noexcept {
  return status_of([&] { backend_for(device_of(device)).synchronize(); });
}

int device_check_errors(int device) noexcept {
  return status_of([&] { backend_for(device_of(device)).check_errors(); });
}

int device_set_option(int device, const char* key, double value) noexcept {
  return status_of([&] {
    JDNN_CHECK(key != nullptr, "device_set_option: null key");
    backend_for(device_of(device)).set_option(key, value);
  });
}

// NaN on failure: no statistic is NaN.
double device_stat(int device, const char* key) noexcept {
  return value_or(std::nan(""), [&] {
    JDNN_CHECK(key != nullptr, "device_stat: null key");
    return backend_for(device_of(device)).stat(key);
  });
}

int graph_begin(int device) noexcept {
  return status_of([&] { backend_for(device_of(device)).graph_begin(); });
}

int64_t graph_end(int device) noexcept {
  return value_or<int64_t>(-1, [&] { return backend_for(device_of(device)).graph_end(); });
}

int graph_launch(int device, int64_t graph) noexcept {
  return status_of([&] { backend_for(device_of(device)).graph_launch(graph); });
}

int graph_source_stride(int device, int64_t key, int64_t stride) noexcept {
  return status_of([&] { backend_for(device_of(device)).graph_source_stride(key, stride); });
}

int graph_rebase(int device, int64_t graph, int kind, int64_t key, int64_t value) noexcept {
  return status_of([&] { backend_for(device_of(device)).graph_rebase(graph, kind, key, value); });
}

int graph_destroy(int device, int64_t graph) noexcept {
  return status_of([&] { backend_for(device_of(device)).graph_destroy(graph); });
}

}  // namespace jdnn
