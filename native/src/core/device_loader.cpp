#include "core/device_loader.h"

#include <dlfcn.h>

#include <map>
#include <mutex>
#include <string>

#include "core/backend.h"
#include "core/error.h"
#include "jdnn/jdnn.h"

namespace jdnn {

// The entry point every backend library exports: binds GPU `ordinal`. Returns 0 on success, else
// the ErrorKind (DEVICE: no usable GPU; VENDOR: cuBLAS/cuDNN missing or too old) and writes a message
// (what is missing and how to fix it) into `message`.
using BackendInit = int (*)(int device, int ordinal, char* message, size_t capacity);

void load_device_library(Device device, int ordinal, const char* library_path) {
  JDNN_CHECK(device == Device::CUDA || device == Device::CUDA_EMU, "device_load: device ", device_name(device),
             " is not loadable");
  JDNN_CHECK(library_path != nullptr && *library_path != '\0', "device_load: no library path for ",
             device_name(device));
  JDNN_CHECK(ordinal >= 0, "device_load: GPU ordinal ", ordinal, " is negative; GPUs are numbered from 0");
  static std::mutex mutex;
  static std::map<Device, int> bound;  // the GPU each loaded backend uses
  std::lock_guard<std::mutex> lock(mutex);
  if (backend_loaded(device)) {
    const auto it = bound.find(device);
    // A second GPU would need a second context, stream and handle set: data-parallel jobs run one
    // process per GPU instead (Device.cuda's javadoc).
    JDNN_CHECK(it == bound.end() || it->second == ordinal, "device_load: ", device_name(device), " uses GPU ",
               it->second, " in this process, not GPU ", ordinal,
               ": the backend binds one GPU per process; run one process per GPU (scripts/jdnn-run)");
    return;
  }
  // RTLD_LOCAL: the backend's symbols stay private; its NEEDED libjdnn.so resolves
  // to the copy already loaded in this process (same soname).
  void* handle = dlopen(library_path, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    fail_as(ErrorKind::DEVICE, "cannot load the ", device_name(device), " backend library ", library_path, ": ",
            why != nullptr ? why : "unknown dlopen error");
  }
  auto init = reinterpret_cast<BackendInit>(dlsym(handle, "jdnn_backend_init"));
  if (init == nullptr) {
    dlclose(handle);
    fail_as(ErrorKind::DEVICE, "the library ", library_path, " is not a jdnn backend (no jdnn_backend_init)");
  }
  char message[2048] = {0};
  const int status = init(static_cast<int>(device), ordinal, message, sizeof(message));
  if (status != 0) {
    // Stays loaded: a failed probe may have started driver threads, and unloading
    // code they could still run is not safe. A later call retries the probe.
    const bool known = status > 0 && status <= static_cast<int>(ErrorKind::COMMUNICATION);
    fail_as(known ? static_cast<ErrorKind>(status) : ErrorKind::DEVICE,
            message[0] != '\0' ? message : "the CUDA backend failed to initialize");
  }
  JDNN_CHECK_AS(ErrorKind::INTERNAL, backend_loaded(device), "the backend library ", library_path,
                " did not register ", device_name(device));
  bound[device] = ordinal;
}

void preload_library(const char* library_path) {
  JDNN_CHECK(library_path != nullptr && *library_path != '\0', "device_preload_library: no library path");
  // RTLD_GLOBAL: a library opened later that uses these symbols without naming this one as a
  // dependency still resolves them. The handle is dropped on purpose: the library must stay
  // loaded for its soname to keep resolving.
  if (dlopen(library_path, RTLD_NOW | RTLD_GLOBAL) == nullptr) {
    const char* why = dlerror();
    fail_as(ErrorKind::VENDOR, "device_preload_library: cannot load ", library_path, ": ", why != nullptr ? why : "unknown dlopen error");
  }
}

}  // namespace jdnn
