// Checks the real vendor binder (src/cuda/vendor_load.cpp) against stand-in
// cuBLAS/cuDNN libraries that CMake builds from vendor.h's table (vendor_stubs/:
// current versions, a too-old cuBLAS, a too-old cuDNN, a cuDNN lacking one
// entry, cuBLAS alone, cuBLAS and cuDNN without cuBLASLt). dlopen remembers what it loaded, so each case runs
// this program again in a child process with LD_LIBRARY_PATH set to one stub
// directory. Built with libjdnn_cuda and run by VendorLoadTest; prints what
// failed and exits 1, else exits 0.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "cuda/vendor.h"

namespace {

int g_checks = 0, g_failures = 0;

void check(bool ok, const std::string& what) {
  ++g_checks;
  if (!ok) {
    ++g_failures;
    std::printf("FAILED: %s\n", what.c_str());
  }
}

// The child: bind and print the outcome.
int bind_and_report() {
  const std::string message = jdnn::vendor::bind_vendor();
  std::printf("bind=[%s]\nversions=[%s]\n", message.c_str(), jdnn::vendor::vendor_versions().c_str());
  if (message.empty()) {
    std::printf("sgemm bound=%d\n", jdnn::vendor::vendor().cublasSgemm_v2 != nullptr);
    std::printf("lt matmul bound=%d\n", jdnn::vendor::vendor().cublasLtMatmul != nullptr);
  }
  return 0;
}

std::string run_case(const std::string& self, const std::string& dir) {
  const std::string command = "LD_LIBRARY_PATH='" + dir + "' '" + self + "' bind 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

void expect(const std::string& self, const char* variant, std::initializer_list<const char*> wanted,
            std::initializer_list<const char*> unwanted = {}) {
  const std::string out = run_case(self, std::string(JDNN_VENDOR_STUB_DIR) + "/" + variant);
  for (const char* w : wanted) check(out.find(w) != std::string::npos, std::string(variant) + ": no '" + w + "' in " + out);
  for (const char* u : unwanted) check(out.find(u) == std::string::npos, std::string(variant) + ": '" + u + "' in " + out);
}

// True when the system itself provides the library (a GPU machine), which
// would be found after an empty LD_LIBRARY_PATH directory.
bool system_has(const char* soname) {
  void* h = dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
  if (h != nullptr) dlclose(h);
  return h != nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "bind") == 0) return bind_and_report();
  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (len <= 0) return std::printf("cannot find this program's path\n"), 1;
  self[len] = '\0';

  expect(self, "good", {"bind=[]", "versions=[cuBLAS 13.1.0, cuDNN 9.19.0]", "sgemm bound=1", "lt matmul bound=1"});
  expect(self, "oldblas", {"bind=[missing vendor libraries: cuBLAS 11.1", "needs 12 or newer", "To fix:"});
  expect(self, "olddnn", {"bind=[missing vendor libraries: cuDNN", "reports version 8907", "needs 9.0 or newer"});
  expect(self, "nosym", {"bind=[missing vendor libraries: cuDNN (libcudnn.so.9) lacks cudnnBatchNormalizationBackward"});
  if (!system_has("libcublasLt.so.13") && !system_has("libcublasLt.so.12") && !system_has("libcublasLt.so")) {
    expect(self, "nolt",
           {"bind=[missing vendor libraries: cuBLASLt not found (tried libcublasLt.so.13 libcublasLt.so.12 "
            "libcublasLt.so",
            "To fix:"},
           {"cuDNN not found"});
  }
  if (!system_has("libcudnn.so.9") && !system_has("libcudnn.so")) {
    expect(self, "onlyblas",
           {"bind=[missing vendor libraries: cuDNN not found (tried libcudnn.so.9 libcudnn.so", "To fix:",
            "apt-get install", "org.bytedeco"},
           {"cuBLAS not found"});
  }
  if (!system_has("libcublas.so.13") && !system_has("libcublas.so.12") && !system_has("libcublas.so")) {
    expect(self, "none",
           {"bind=[missing vendor libraries: cuBLAS not found (tried libcublas.so.13 libcublas.so.12 libcublas.so",
            "cannot open shared object file", "versions=[]"});
  }
  std::printf("%d checks, %d failed\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
