// Facade: loading device backends and their services (describe, synchronize, options, statistics).
#include <string>

#include "core/api/checks.h"
#include "core/device_loader.h"

namespace jdnn {

void device_load(int device, const char* library_path) {
  load_device_library(device_of(device), library_path);
}

bool device_loaded(int device) { return backend_loaded(device_of(device)); }

void device_preload_library(const char* library_path) { preload_library(library_path); }

const char* device_describe(int device) {
  thread_local std::string text;
  text = backend_for(device_of(device)).describe();
  return text.c_str();
}

void device_synchronize(int device) { backend_for(device_of(device)).synchronize(); }

void device_set_option(int device, const char* key, double value) {
  JDNN_CHECK(key != nullptr, "device_set_option: null key");
  backend_for(device_of(device)).set_option(key, value);
}

double device_stat(int device, const char* key) {
  JDNN_CHECK(key != nullptr, "device_stat: null key");
  return backend_for(device_of(device)).stat(key);
}

}  // namespace jdnn
