// AMX kernel for the bf16 Linear (gemm_bf16.cpp): TDPBF16PS multiplies a 16x32 bf16 tile of x by a
// 32x16 bf16 tile of W into a 16x16 float32 tile, 16x the multiply-adds of one AVX-512 instruction.
// The packed weight layout (16 outputs x pairs of K) is exactly AMX's B-tile layout, and x in bf16
// pairs is its A-tile layout, so tiles load straight from the buffers. Compiled with -mamx-tile
// -mamx-bf16 (JdnnCpuDispatch); used only after CPUID and the kernel's permission check pass.
#include "gemm_bf16.h"

#if defined(__AMX_TILE__) && defined(__AMX_BF16__) && defined(__AVX512F__)
#include <immintrin.h>

#include <algorithm>

namespace jdnn::cpu::detail {
namespace {

// LDTILECFG's 64-byte operand (palette 1).
struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

__mmask16 lane_mask(int64_t n) { return n >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << n) - 1); }

// Blocks of 32 rows x 32 outputs: C tiles 0-3 (2 x 2), x tiles 4-5, W tiles 6-7, all 16 rows x
// 64 bytes. Needs xb padded with zero rows to a multiple of 32 and kp a multiple of 16 (the front
// end guarantees both).
void tile(const uint32_t* xb, int64_t kp, const uint32_t* packed, int64_t i0, int64_t i1,
          int64_t p0, int64_t p1, int64_t out, const float* bias, bool relu, float* y) {
  TileConfig cfg;
  for (int t = 0; t < 8; ++t) {
    cfg.colsb[t] = 64;
    cfg.rows[t] = 16;
  }
  _tile_loadconfig(&cfg);
  alignas(64) float c[32][32];
  const int64_t stride_x = kp * 4;
  for (int64_t i = i0; i < i1; i += 32) {
    const uint32_t* x0 = xb + i * kp;
    const uint32_t* x1 = x0 + 16 * kp;
    for (int64_t p = p0; p < p1; p += 2) {
      const bool two = p + 1 < p1;
      const uint32_t* w0 = packed + p * kp * 16;
      const uint32_t* w1 = w0 + kp * 16;
      _tile_zero(0);
      _tile_zero(1);
      _tile_zero(2);
      _tile_zero(3);
      for (int64_t k = 0; k < kp; k += 16) {
        _tile_loadd(4, x0 + k, stride_x);
        _tile_loadd(5, x1 + k, stride_x);
        _tile_loadd(6, w0 + k * 16, 64);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(2, 5, 6);
        if (two) {
          _tile_loadd(7, w1 + k * 16, 64);
          _tile_dpbf16ps(1, 4, 7);
          _tile_dpbf16ps(3, 5, 7);
        }
      }
      _tile_stored(0, &c[0][0], 128);
      _tile_stored(2, &c[16][0], 128);
      if (two) {
        _tile_stored(1, &c[0][16], 128);
        _tile_stored(3, &c[16][16], 128);
      }
      // Epilogue: bias, ReLU, and only the real rows and outputs reach y.
      const int64_t rows = std::min<int64_t>(32, i1 - i);
      for (int q = 0; q < (two ? 2 : 1); ++q) {
        const int64_t j = (p + q) * 16;
        const __mmask16 m = lane_mask(out - j);
        const __m512 b = bias != nullptr ? _mm512_maskz_loadu_ps(m, bias + j) : _mm512_setzero_ps();
        for (int64_t r = 0; r < rows; ++r) {
          __m512 v = _mm512_add_ps(_mm512_load_ps(&c[r][q * 16]), b);
          if (relu) v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NLE_UQ), v);  // NaN kept
          _mm512_mask_storeu_ps(y + (i + r) * out + j, m, v);
        }
      }
    }
  }
  _tile_release();  // so the thread's context switches do not carry 8 KB of tile state
}

}  // namespace

void bf16_amx_tile(const uint32_t* xb, int64_t kp, const uint32_t* packed, int64_t i0, int64_t i1,
                   int64_t p0, int64_t p1, int64_t out, const float* bias, bool relu, float* y) {
  tile(xb, kp, packed, i0, i1, p0, p1, out, bias, relu, y);
}
bool bf16_amx_built() { return true; }

}  // namespace jdnn::cpu::detail

#else  // compiler without AMX support

namespace jdnn::cpu::detail {
void bf16_amx_tile(const uint32_t*, int64_t, const uint32_t*, int64_t, int64_t, int64_t, int64_t,
                   int64_t, const float*, bool, float*) {}
bool bf16_amx_built() { return false; }
}  // namespace jdnn::cpu::detail

#endif
