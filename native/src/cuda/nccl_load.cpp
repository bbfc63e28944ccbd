// Binds the NCCL table (nccl.h) to libnccl.so.2, found at run time with dlopen. Where it is looked
// for, in order: JDNN_NCCL_LIBRARY (a file, when set: nothing else is tried), the dynamic loader's
// path (LD_LIBRARY_PATH, ldconfig, NVIDIA's apt package libnccl2, or a copy already in the process,
// such as the redist jar's, which Java preloads from the class path: VendorRedist.loadNccl),
// then the lib/ directory of the pip wheel nvidia-nccl-cu13 in the usual Python prefixes.
// The emulated twin is emu/nccl.cpp.
#include <dlfcn.h>
#include <glob.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "cuda/nccl.h"

namespace jdnn::nccl {
namespace {

constexpr const char* kHowToFix =
    ". To fix: install NCCL 2.13 or newer for CUDA 13, e.g. `pip install nvidia-nccl-cu13` (jdnn looks in the "
    "wheel's nvidia/nccl/lib under the usual Python prefixes), NVIDIA's apt package libnccl2, or point "
    "JDNN_NCCL_LIBRARY at a libnccl.so.2; or keep the tensors on the CPU, where jdnn's collectives use Gloo";

// The wheel's library under the Python prefixes a user's pip writes to.
std::vector<std::string> wheel_candidates() {
  std::vector<std::string> prefixes = {"/usr/local/lib", "/usr/lib"};
  for (const char* var : {"VIRTUAL_ENV", "CONDA_PREFIX"})
    if (const char* v = std::getenv(var); v != nullptr && *v != '\0') prefixes.insert(prefixes.begin(), std::string(v) + "/lib");
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    prefixes.push_back(std::string(home) + "/.local/lib");
  std::vector<std::string> found;
  for (const std::string& prefix : prefixes) {
    for (const char* packages : {"site-packages", "dist-packages"}) {
      const std::string pattern = prefix + "/python3*/" + packages + "/nvidia/nccl/lib/libnccl.so.2";
      glob_t g{};
      if (glob(pattern.c_str(), 0, nullptr, &g) == 0)
        for (size_t i = 0; i < g.gl_pathc; ++i) found.emplace_back(g.gl_pathv[i]);
      globfree(&g);
    }
  }
  return found;
}

}  // namespace

std::string bind_nccl(NcclTable& t, std::string& version) {
  std::vector<std::string> candidates;
  const char* forced = std::getenv("JDNN_NCCL_LIBRARY");
  if (forced != nullptr && *forced != '\0') {
    candidates.emplace_back(forced);
  } else {
    candidates.emplace_back("libnccl.so.2");
    for (std::string& path : wheel_candidates()) candidates.push_back(std::move(path));
  }
  void* handle = nullptr;
  std::string opened;
  std::ostringstream why;
  for (const std::string& c : candidates) {
    dlerror();
    handle = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) {
      opened = c;
      break;
    }
    const char* reason = dlerror();
    why << (why.tellp() > 0 ? "; " : "") << (reason != nullptr ? reason : c.c_str());
  }
  if (handle == nullptr) return "NCCL not found (" + why.str() + ")" + kHowToFix;

  NcclTable bound;
#define JDNN_NCCL_RESOLVE(name, ret, params)                                                       \
  {                                                                                                \
    dlerror();                                                                                     \
    void* p = dlsym(handle, #name);                                                                \
    if (p == nullptr) return "NCCL (" + opened + ") lacks " #name " (older than 2.13?)" + kHowToFix; \
    bound.name = reinterpret_cast<ret(*) params>(p);                                               \
  }
  JDNN_NCCL_FUNCTIONS(JDNN_NCCL_RESOLVE)
#undef JDNN_NCCL_RESOLVE

  int code = 0;
  if (bound.ncclGetVersion(&code) != ncclSuccess) return "NCCL (" + opened + ") does not report its version" + kHowToFix;
  if (code < kOldestVersion) {
    std::ostringstream m;
    m << "NCCL (" << opened << ") reports version code " << code << ", jdnn needs 2.13 or newer" << kHowToFix;
    return m.str();
  }
  std::ostringstream v;
  v << "NCCL " << code / 10000 << "." << (code % 10000) / 100 << "." << code % 100;
  version = v.str();
  t = bound;
  // The handle stays open for the life of the process: the table points into it.
  return "";
}

}  // namespace jdnn::nccl
