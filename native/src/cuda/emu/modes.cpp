// Test modes of the emulation, from JDNN_EMU_MODES (comma-separated, read once):
//   shuffle-blocks   the blocks of every launch run in a seeded random order
//   seed=N           the seed of that order (default 1)
//   jitter           transcendental device math (exp, log, log1p, expm1, tanh, sin, cos)
//                    moved by one ulp, deterministically, as CUDA's documented error bounds allow
//   sm75|sm80|sm90   the compute capability cudaGetDeviceProperties reports (default 9.0)
//   memory=SIZE      the device has SIZE bytes (suffix K, M or G): totalGlobalMem,
//                    cudaMemGetInfo and cudaMalloc see only that much (each device, with devices=N)
//   devices=N        the machine has N devices (1 to 16, default 1): cudaGetDeviceCount reports N,
//                    cudaSetDevice takes 0 to N-1 for the calling thread, and memory, streams and
//                    events belong to a device (cuda_runtime_emu.h says what that makes fail)
#include <cstdlib>
#include <sstream>
#include <string>

#include "cuda/emu/emu_internal.h"

namespace jdnn::cuda::emu {

namespace {

// SIZE[K|M|G] in bytes, or 0 when it is not a positive size.
size_t parse_size(const std::string& text) {
  char* end = nullptr;
  const unsigned long long n = std::strtoull(text.c_str(), &end, 10);
  if (end == text.c_str()) return 0;
  const std::string unit(end);
  const unsigned shift = unit == "" ? 0 : unit == "K" ? 10 : unit == "M" ? 20 : unit == "G" ? 30 : 64;
  return shift == 64 ? 0 : static_cast<size_t>(n) << shift;
}

// N in [1, kMostDevices], or 0 when the text is anything else.
constexpr int kMostDevices = 16;
int parse_count(const std::string& text) {
  if (text.empty() || text.size() > 2 || text.find_first_not_of("0123456789") != std::string::npos) return 0;
  const int n = std::stoi(text);
  return n >= 1 && n <= kMostDevices ? n : 0;
}

Modes parse(const char* text) {
  Modes m;
  if (text == nullptr) return m;
  std::stringstream list(text);
  std::string entry;
  while (std::getline(list, entry, ',')) {
    if (entry.empty()) continue;
    if (entry == "shuffle-blocks") {
      m.shuffle_blocks = true;
    } else if (entry == "jitter") {
      m.jitter = true;
    } else if (entry == "sm75" || entry == "sm80" || entry == "sm90") {
      m.major = entry[2] - '0';
      m.minor = entry[3] - '0';
    } else if (entry.rfind("memory=", 0) == 0 && parse_size(entry.substr(7)) != 0) {
      m.memory_limit = parse_size(entry.substr(7));
    } else if (entry.rfind("devices=", 0) == 0 && parse_count(entry.substr(8)) != 0) {
      m.devices = parse_count(entry.substr(8));
    } else if (entry.rfind("seed=", 0) == 0 && entry.size() > 5) {
      m.seed = std::strtoull(entry.c_str() + 5, nullptr, 10);
    } else {
      m.error = "JDNN_EMU_MODES has the unknown entry '" + entry + "' (known: shuffle-blocks, seed=N, jitter, "
                "sm75, sm80, sm90, memory=SIZE with K, M or G, devices=N with N from 1 to 16); fix or unset the "
                "variable";
      return m;
    }
  }
  return m;
}

}  // namespace

const Modes& modes() {
  static const Modes m = parse(std::getenv("JDNN_EMU_MODES"));
  return m;
}

}  // namespace jdnn::cuda::emu
