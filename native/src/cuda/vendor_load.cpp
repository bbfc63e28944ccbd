// Binds the vendor table to the real cuBLAS, cuBLASLt and cuDNN, found at run time
// with dlopen. libjdnn_cuda links none of them: a machine with a GPU but without these
// libraries still loads the backend and gets a message saying how to fix it.
// The emulated twin is emu/vendor_emu.cpp.
#include <dlfcn.h>

#include <sstream>
#include <string>
#include <vector>

#include "cuda/vendor.h"
#include "cuda/vendor_binding.h"

namespace jdnn::vendor {
namespace {

// Newest first. A library already in the process (preloaded from a redist jar by
// Java's VendorRedist, loaded by the org.bytedeco:cuda presets, or anything else)
// is matched by soname, so no path is needed then.
const std::vector<const char*> kCublasSonames = {"libcublas.so.13", "libcublas.so.12", "libcublas.so"};
// cuBLASLt ships beside cuBLAS (libcublas.so.N itself needs libcublasLt.so.N); the one of
// cuBLAS's own version is tried first (lt_sonames).
const std::vector<const char*> kCublasLtSonames = {"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"};
const std::vector<const char*> kCudnnSonames = {"libcudnn.so.9", "libcudnn.so"};

// Starts every bind failure's message; jdnn_backend_init reports these failures as VENDOR errors, by
// which Java recognizes "GPU fine, libraries missing" and tries libraries shipped in jars.
constexpr const char* kMissing = "missing vendor libraries: ";

constexpr const char* kHowToFix =
    ". To fix: install cuBLAS (12 or 13, with its libcublasLt) and cuDNN 9 for CUDA 13 from NVIDIA, e.g. from NVIDIA's CUDA "
    "apt repository `apt-get install libcublas-13-0 libcudnn9-cuda-13`, or the pip wheels "
    "nvidia-cublas and nvidia-cudnn-cu13 with their lib/ directories on LD_LIBRARY_PATH; then make sure "
    "the dynamic loader finds them (ldconfig or LD_LIBRARY_PATH). Or put the jar "
    "org.bytedeco:cuda:12.6-9.5-1.5.11:linux-x86_64-redist (about 2 GB, cuBLAS 12.6 and cuDNN 9.5) on the "
    "class path: jdnn extracts and preloads its libraries (later cuda-redist jars, 1.5.13 and 1.5.14, do "
    "not carry cuBLAS or cuDNN)";

struct Library {
  const char* name;  // "cuBLAS" / "cuBLASLt" / "cuDNN"
  void* handle = nullptr;
  std::string soname;
};

// Opens the first soname that loads; on failure returns the reasons for all of them.
std::string open_first(Library& lib, const std::vector<const char*>& sonames) {
  std::ostringstream why;
  for (const char* soname : sonames) {
    dlerror();
    void* h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (h != nullptr) {
      lib.handle = h;
      lib.soname = soname;
      return "";
    }
    const char* reason = dlerror();
    why << (why.tellp() > 0 ? "; " : "") << (reason != nullptr ? reason : soname);
  }
  std::ostringstream m;
  m << lib.name << " not found (tried";
  for (const char* soname : sonames) m << ' ' << soname;
  m << ": " << why.str() << ")";
  return m.str();
}

// Resolves one entry; "" or why not.
template <class Fn>
std::string resolve(const Library& lib, const char* symbol, Fn*& slot) {
  dlerror();
  void* p = dlsym(lib.handle, symbol);
  if (p == nullptr) {
    const char* reason = dlerror();
    return std::string(lib.name) + " (" + lib.soname + ") lacks " + symbol + ": " +
           (reason != nullptr ? reason : "null symbol") + " (too old a version?)";
  }
  slot = reinterpret_cast<Fn*>(p);
  return "";
}

// kCublasLtSonames with the one matching cuBLAS's soname ("libcublas.so.12" -> "libcublasLt.so.12")
// first, so a process never mixes cuBLAS 12 with cuBLASLt 13.
std::vector<const char*> lt_sonames(const std::string& cublas_soname) {
  std::vector<const char*> order;
  const std::string suffix = cublas_soname.substr(std::string("libcublas").size());
  for (const char* s : kCublasLtSonames)
    if (std::string(s) == "libcublasLt" + suffix) order.push_back(s);
  for (const char* s : kCublasLtSonames)
    if (std::string(s) != "libcublasLt" + suffix) order.push_back(s);
  return order;
}

std::string g_versions;

}  // namespace

std::string bind_vendor() {
  Library cublas{"cuBLAS", nullptr, ""}, cublasLt{"cuBLASLt", nullptr, ""}, cudnn{"cuDNN", nullptr, ""};
  std::string missing = open_first(cublas, kCublasSonames);
  if (missing.empty()) missing = open_first(cublasLt, lt_sonames(cublas.soname));
  const std::string cudnn_missing = open_first(cudnn, kCudnnSonames);
  if (!cudnn_missing.empty()) missing += (missing.empty() ? "" : "; ") + cudnn_missing;
  if (!missing.empty()) return kMissing + missing + kHowToFix;

  // Resolve into a scratch table, so a failed attempt leaves the bound one untouched.
  // The X-macro's library column (cublas / cublasLt / cudnn) names the Library objects above.
  VendorTable t;
  std::string error;
#define JDNN_VENDOR_RESOLVE(lib, name, ret, params) \
  if (error.empty()) error = resolve(lib, #name, t.name);
  JDNN_VENDOR_FUNCTIONS(JDNN_VENDOR_RESOLVE)
#undef JDNN_VENDOR_RESOLVE
  if (!error.empty()) return kMissing + error + kHowToFix;

  int major = 0, minor = 0, patch = 0;
  if (t.cublasGetProperty(MAJOR_VERSION, &major) != CUBLAS_STATUS_SUCCESS ||
      t.cublasGetProperty(MINOR_VERSION, &minor) != CUBLAS_STATUS_SUCCESS ||
      t.cublasGetProperty(PATCH_LEVEL, &patch) != CUBLAS_STATUS_SUCCESS)
    return kMissing + std::string("cuBLAS (") + cublas.soname + ") does not report its version" + kHowToFix;
  if (major < 12) {
    std::ostringstream m;
    m << kMissing << "cuBLAS " << major << "." << minor << " (" << cublas.soname
      << ") is too old, jdnn needs 12 or newer" << kHowToFix;
    return m.str();
  }
  // cuDNN 9 encodes its version as major * 10000 + minor * 100 + patch (cuDNN 8
  // used major * 1000 + ..., so any 8.x value is below 90000 as well).
  const size_t dnn = t.cudnnGetVersion();
  if (dnn < 90000) {
    std::ostringstream m;
    m << kMissing << "cuDNN (" << cudnn.soname << ") reports version " << dnn
      << ", jdnn needs 9.0 or newer" << kHowToFix;
    return m.str();
  }

  mutable_vendor() = t;
  mark_vendor_bound();
  std::ostringstream v;
  v << "cuBLAS " << major << "." << minor << "." << patch << ", cuDNN " << dnn / 10000 << "."
    << (dnn % 10000) / 100 << "." << dnn % 100;
  g_versions = v.str();
  // The handles stay open for the life of the process: the table points into them.
  return "";
}

std::string vendor_versions() { return g_versions; }

}  // namespace jdnn::vendor
