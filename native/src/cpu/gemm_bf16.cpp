// bf16 Linear front end: weight packing, kernel choice, threading, and the portable kernel used on
// CPUs without AVX512-BF16 (and by tests, to check the fast one against it).
#include "gemm_bf16.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "kernels/bf16.h"
#include "thread_pool.h"

namespace jdnn::cpu {
namespace detail {
namespace {

void generic_convert_rows(const float* x, int64_t rows, int64_t in, int64_t kp, uint32_t* xb) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < kp; ++k) {
      const float a = 2 * k < in ? x[r * in + 2 * k] : 0.0f;
      const float b = 2 * k + 1 < in ? x[r * in + 2 * k + 1] : 0.0f;
      xb[r * kp + k] = kernels::float_to_bf16(a) | static_cast<uint32_t>(kernels::float_to_bf16(b)) << 16;
    }
}

void generic_tile(const uint32_t* xb, int64_t kp, const uint32_t* packed, int64_t i0, int64_t i1,
                  int64_t p0, int64_t p1, int64_t out, const float* bias, bool relu, float* y) {
  for (int64_t i = i0; i < i1; ++i) {
    const uint32_t* xr = xb + i * kp;
    for (int64_t p = p0; p < p1; ++p) {
      const uint32_t* panel = packed + p * kp * 16;
      for (int l = 0; l < 16 && p * 16 + l < out; ++l) {
        float s = 0.0f;
        for (int64_t k = 0; k < kp; ++k) {
          const uint32_t a = xr[k], w = panel[k * 16 + l];
          s += kernels::bf16_to_float(a & 0xffff) * kernels::bf16_to_float(w & 0xffff) +
               kernels::bf16_to_float(a >> 16) * kernels::bf16_to_float(w >> 16);
        }
        const int64_t j = p * 16 + l;
        if (bias != nullptr) s += bias[j];
        y[i * out + j] = relu && s <= 0.0f ? 0.0f : s;  // NaN kept, as kernels::Relu
      }
    }
  }
}

constexpr Bf16Kernel kGeneric = {"generic", generic_convert_rows, generic_tile};

// AMX needs CPUID's AMX-TILE and AMX-BF16 bits and, on Linux, a one-time request for the tile
// data state (arch_prctl ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA = 18); if refused, no AMX.
bool amx_usable() {
#if defined(__x86_64__) && defined(__linux__)
  static const bool ok = [] {
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    if (!((d >> 22) & 1u) || !((d >> 24) & 1u)) return false;  // AMX-BF16, AMX-TILE
    constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
    return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
  }();
  return ok && bf16_amx_built();
#else
  return false;
#endif
}

bool cpu_has_avx512bf16() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
#else
  return false;
#endif
}

const Bf16Kernel* usable(const std::string& name);

// AMX with the AVX512-BF16 conversion (every AMX CPU has AVX512-BF16).
void amx_convert(const float* x, int64_t rows, int64_t in, int64_t kp, uint32_t* xb) {
  bf16_kernel_avx512()->convert_rows(x, rows, in, kp, xb);
}
constexpr Bf16Kernel kAmx = {"amx", amx_convert, bf16_amx_tile};

const Bf16Kernel* usable(const std::string& name) {
  if (name == "generic") return &kGeneric;
  if (name == "avx512bf16") return cpu_has_avx512bf16() ? bf16_kernel_avx512() : nullptr;
  if (name == "amx") return cpu_has_avx512bf16() && bf16_kernel_avx512() && amx_usable() ? &kAmx : nullptr;
  return nullptr;
}

std::atomic<const Bf16Kernel*>& slot() {
  static std::atomic<const Bf16Kernel*> s{[] {
    if (const char* env = std::getenv("JDNN_BF16_KERNEL"))
      if (const Bf16Kernel* k = usable(env)) return k;
    for (const char* name : {"amx", "avx512bf16"})
      if (const Bf16Kernel* k = usable(name)) return k;
    return &kGeneric;
  }()};
  return s;
}

// x in bf16 pairs, per thread, kept between calls (no allocation in steady state).
struct Scratch {
  uint32_t* p = nullptr;
  size_t cap = 0;
  ~Scratch() { std::free(p); }
  uint32_t* get(size_t n) {
    if (n > cap) {
      std::free(p);
      p = static_cast<uint32_t*>(std::aligned_alloc(64, (n * 4 + 63) / 64 * 64));
      if (p == nullptr) throw std::bad_alloc();
      cap = n;
    }
    return p;
  }
};
thread_local Scratch t_xb;

}  // namespace
}  // namespace detail

int64_t bf16_packed_words(int64_t out, int64_t in) { return (out + 15) / 16 * 16 * bf16_kp(in); }

void bf16_pack_weight(const float* w, int64_t out, int64_t in, uint32_t* packed) {
  const int64_t kp = bf16_kp(in), panels = (out + 15) / 16;
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t k = 0; k < kp; ++k)
      for (int64_t l = 0; l < 16; ++l) {
        const int64_t j = p * 16 + l;
        uint32_t word = 0;
        if (j < out && 2 * k < in) {
          const float a = w[j * in + 2 * k], b = 2 * k + 1 < in ? w[j * in + 2 * k + 1] : 0.0f;
          word = kernels::float_to_bf16(a) | static_cast<uint32_t>(kernels::float_to_bf16(b)) << 16;
        }
        packed[(p * kp + k) * 16 + l] = word;
      }
}

// Rows are tiled 32 at a time (AMX: 2 x 16-row tiles; the AVX-512 kernel takes them 12 by 12).
// Large batches split row blocks between threads (each reads all of W, which is small in bf16 and
// stays in its L2); small batches split the output panels instead, so each thread streams only
// its part of W. AMX only pays off from 16 rows: smaller batches use the AVX512-BF16 kernel.
void linear_bf16(const float* x, int64_t n, int64_t in, const uint32_t* packed, int64_t out,
                 const float* bias, bool relu, float* y) {
  if (n == 0 || out == 0) return;
  const detail::Bf16Kernel* k = detail::slot().load();
  if (n < 16 && k == &detail::kAmx) k = detail::bf16_kernel_avx512();
  const detail::Bf16Kernel& kr = *k;
  const int64_t kp = bf16_kp(in), panels = (out + 15) / 16;
  constexpr int64_t kRows = 32;
  const int64_t blocks = (n + kRows - 1) / kRows;
  uint32_t* xb = detail::t_xb.get(static_cast<size_t>(blocks * kRows * kp));
  const double flops = 2.0 * n * in * out;
  const bool threaded = flops >= 1.0e6 && num_threads() > 1;
  if (n >= 2 * kRows) {
    parallel_for(blocks, threaded ? 1 : blocks, [&](int64_t b0, int64_t b1) {
      const int64_t i0 = b0 * kRows, i1 = std::min(n, b1 * kRows);
      kr.convert_rows(x + i0 * in, i1 - i0, in, kp, xb + i0 * kp);
      // Rows past n up to the block edge are zero (AMX reads whole 16-row tiles).
      std::fill(xb + i1 * kp, xb + b1 * kRows * kp, 0u);
      kr.tile(xb, kp, packed, i0, i1, 0, panels, out, bias, relu, y);
    });
  } else {
    kr.convert_rows(x, n, in, kp, xb);
    std::fill(xb + n * kp, xb + blocks * kRows * kp, 0u);
    parallel_for(panels, threaded ? 2 : panels, [&](int64_t p0, int64_t p1) {
      kr.tile(xb, kp, packed, 0, n, p0, p1, out, bias, relu, y);
    });
  }
}

const char* bf16_kernel_name() { return detail::slot().load()->name; }

bool bf16_force_kernel(const char* name) {
  const detail::Bf16Kernel* k = name ? detail::usable(name) : nullptr;
  if (k) detail::slot().store(k);
  return k != nullptr;
}

}  // namespace jdnn::cpu
