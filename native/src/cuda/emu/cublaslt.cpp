// CPU emulation of the cuBLASLt entries in the vendor table, written from
// cublasLt.h and the cuBLASLt API reference: D = epilogue(alpha op(A) op(B) +
// beta C), column-major, where beta == 0 means C is not read. Epilogues:
//   BIAS            adds bias[i] (length: D's rows, D's type) to every column;
//   RELU            max(x, 0), applied after the bias where both are asked for
//                   (a NaN becomes 0: max(x, 0) as documented, and what users
//                   report the library gives);
//   RELU_AUX*       also write the ReLU bit-mask: bit i + j * auxLd is set when
//                   element (i, j) before the ReLU is positive. auxLd counts bits,
//                   must be a multiple of 128 and at least D's rows;
//   DRELU           multiplies the product by the mask a RELU_AUX call wrote;
//   DRELU_BGRAD     DRELU, and bias[i] = the sum over j of the DRELU output (the
//                   gradient of the bias added before that ReLU);
//   BGRADA / BGRADB bias = the sums of op(A)'s rows (length m) / op(B)'s columns
//                   (length n) over the k dimension.
// How the library packs the bit-mask in memory is not documented (only its
// leading dimension in bits): the emulation stores bit b as bit b % 8 of byte
// b / 8, and only its own DRELU reads it, as only the library reads a real one.
//
// Emulated configurations, the ones the backend uses: A, B, C, D float32 with
// CUBLAS_COMPUTE_32F (float math) or CUBLAS_COMPUTE_32F_FAST_TF32 (A and B
// rounded to TF32 first, as emu/cublas.cpp models the tensor cores), scale
// type float32; or everything float64 with CUBLAS_COMPUTE_64F. Others, and the
// GELU epilogues, report CUBLAS_STATUS_NOT_SUPPORTED (from the heuristic query
// too, as the library does for a configuration it has no kernel for).
// Products are summed in double and rounded once to D's type, after the
// epilogue, so the emulation is at least as accurate as the library.
//
// Strictness as in emu/cublas.cpp: arguments are checked at call time with the
// reference's statuses; every device operand (A, B, C when read, D, bias, aux,
// workspace) must lie in live emulated device memory over its whole extent, or
// the call fails with CUBLAS_STATUS_EXECUTION_FAILED, the stand-in for the
// illegal-address fault. The work is queued on the call's stream owning copies
// of the descriptors and scalars, so changing or destroying them after the call
// does not change its result. Descriptors carry a tag: one not made by the
// matching Create call (or already destroyed and reused) is CUBLAS_STATUS_INVALID_VALUE.
#include <cmath>
#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "cuda/emu/vendor_emu.h"

namespace jdnn::vendor {

struct cublasLtContext {
  int alive = 1;
};

namespace emu {
namespace {

constexpr uint64_t kLayoutTag = 0x6c74'6c61'796f'7574ull, kDescTag = 0x6c74'6465'7363'0001ull,
                   kPrefTag = 0x6c74'7072'6566'0001ull, kAlgoTag = 0x6c74'616c'676f'0001ull;

struct Layout {
  uint64_t tag;
  cudaDataType_t type;
  uint64_t rows, cols;
  int64_t ld;
};
struct Desc {
  uint64_t tag;
  cublasComputeType_t compute;
  cudaDataType_t scale;
  int32_t transa, transb;
  uint32_t epilogue;
  void* bias;
  void* aux;
  int64_t aux_ld;
};
struct Pref {
  uint64_t tag;
  uint64_t max_workspace;
};
static_assert(sizeof(Layout) <= sizeof(cublasLtMatrixLayoutOpaque_t), "layout state fits the opaque struct");
static_assert(sizeof(Desc) <= sizeof(cublasLtMatmulDescOpaque_t), "descriptor state fits the opaque struct");
static_assert(sizeof(Pref) <= sizeof(cublasLtMatmulPreferenceOpaque_t), "preference state fits the opaque struct");

// The state kept in an opaque struct's words; false when it carries another tag.
template <class State, class Opaque>
bool read_state(const Opaque* o, uint64_t tag, State* out) {
  if (o == nullptr) return false;
  std::memcpy(out, o->data, sizeof(State));
  return out->tag == tag;
}
template <class State, class Opaque>
void write_state(Opaque* o, const State& s) {
  std::memcpy(o->data, &s, sizeof(State));
}

size_t type_size(cudaDataType_t t) { return t == CUDA_R_64F ? 8 : 4; }

bool valid_op(int32_t op) { return op == CUBLAS_OP_N || op == CUBLAS_OP_T || op == CUBLAS_OP_C; }

bool one_of(uint32_t e, std::initializer_list<cublasLtEpilogue_t> set) {
  for (cublasLtEpilogue_t x : set)
    if (e == static_cast<uint32_t>(x)) return true;
  return false;
}
bool adds_bias(uint32_t e) {
  return one_of(e, {CUBLASLT_EPILOGUE_BIAS, CUBLASLT_EPILOGUE_RELU_BIAS, CUBLASLT_EPILOGUE_RELU_AUX_BIAS});
}
bool applies_relu(uint32_t e) {
  return one_of(e, {CUBLASLT_EPILOGUE_RELU, CUBLASLT_EPILOGUE_RELU_AUX, CUBLASLT_EPILOGUE_RELU_BIAS,
                    CUBLASLT_EPILOGUE_RELU_AUX_BIAS});
}
bool uses_aux(uint32_t e) {
  return one_of(e, {CUBLASLT_EPILOGUE_RELU_AUX, CUBLASLT_EPILOGUE_RELU_AUX_BIAS, CUBLASLT_EPILOGUE_DRELU,
                    CUBLASLT_EPILOGUE_DRELU_BGRAD});
}
bool is_drelu(uint32_t e) { return one_of(e, {CUBLASLT_EPILOGUE_DRELU, CUBLASLT_EPILOGUE_DRELU_BGRAD}); }
bool writes_bgrad(uint32_t e) {
  return one_of(e, {CUBLASLT_EPILOGUE_DRELU_BGRAD, CUBLASLT_EPILOGUE_BGRADA, CUBLASLT_EPILOGUE_BGRADB});
}
bool known_epilogue(uint32_t e) {
  return e == CUBLASLT_EPILOGUE_DEFAULT || adds_bias(e) || applies_relu(e) || uses_aux(e) || writes_bgrad(e);
}

// Elements spanned by a column-major layout.
size_t span(const Layout& l) {
  return l.rows == 0 || l.cols == 0 ? 0 : static_cast<size_t>((l.cols - 1) * uint64_t(l.ld) + l.rows);
}

bool on_device(const void* p, size_t bytes) {
  return bytes == 0 || (p != nullptr && jdnn::cuda::emu::is_device_range(p, bytes));
}

// One checked call: everything the queued work needs, owned by value.
struct Problem {
  Desc d;
  Layout la, lb, lc, ld;
  const void *A, *B, *C;
  void* D;
  double alpha, beta;
  uint64_t m, n, k;
};

// The checks that need no device pointer (shared by the heuristic query and the matmul).
cublasStatus_t check_configuration(cublasLtMatmulDesc_t desc, cublasLtMatrixLayout_t a, cublasLtMatrixLayout_t b,
                                   cublasLtMatrixLayout_t c, cublasLtMatrixLayout_t d, Problem* p) {
  if (!read_state(desc, kDescTag, &p->d) || !read_state(a, kLayoutTag, &p->la) ||
      !read_state(b, kLayoutTag, &p->lb) || !read_state(c, kLayoutTag, &p->lc) || !read_state(d, kLayoutTag, &p->ld))
    return CUBLAS_STATUS_INVALID_VALUE;
  if (!valid_op(p->d.transa) || !valid_op(p->d.transb)) return CUBLAS_STATUS_INVALID_VALUE;
  const bool f32 = p->d.compute == CUBLAS_COMPUTE_32F || p->d.compute == CUBLAS_COMPUTE_32F_FAST_TF32;
  const bool f64 = p->d.compute == CUBLAS_COMPUTE_64F;
  const cudaDataType_t t = f64 ? CUDA_R_64F : CUDA_R_32F;
  if ((!f32 && !f64) || p->d.scale != t || p->la.type != t || p->lb.type != t || p->lc.type != t ||
      p->ld.type != t)
    return CUBLAS_STATUS_NOT_SUPPORTED;
  if (!known_epilogue(p->d.epilogue)) return CUBLAS_STATUS_NOT_SUPPORTED;
  // D is m x n; op(A) m x k; op(B) k x n; C has D's shape.
  const bool ta = p->d.transa != CUBLAS_OP_N, tb = p->d.transb != CUBLAS_OP_N;
  p->m = p->ld.rows;
  p->n = p->ld.cols;
  p->k = ta ? p->la.rows : p->la.cols;
  if ((ta ? p->la.cols : p->la.rows) != p->m || (tb ? p->lb.rows : p->lb.cols) != p->n ||
      (tb ? p->lb.cols : p->lb.rows) != p->k || p->lc.rows != p->m || p->lc.cols != p->n)
    return CUBLAS_STATUS_INVALID_VALUE;
  for (const Layout* l : {&p->la, &p->lb, &p->lc, &p->ld})
    if (l->ld < 0 || uint64_t(l->ld) < std::max<uint64_t>(1, l->rows)) return CUBLAS_STATUS_INVALID_VALUE;
  if (uses_aux(p->d.epilogue) && (p->d.aux_ld % 128 != 0 || p->d.aux_ld < int64_t(std::max<uint64_t>(1, p->m))))
    return CUBLAS_STATUS_INVALID_VALUE;
  return CUBLAS_STATUS_SUCCESS;
}

// Bytes of the bit-mask a (m x n) D with leading dimension ld (bits) spans.
size_t mask_bytes(uint64_t m, uint64_t n, int64_t ld) {
  return m == 0 || n == 0 ? 0 : static_cast<size_t>(((n - 1) * uint64_t(ld) + m + 7) / 8);
}

bool mask_bit(const uint8_t* mask, uint64_t b) { return (mask[b / 8] >> (b % 8)) & 1; }
void set_mask_bit(uint8_t* mask, uint64_t b, bool on) {
  if (on) mask[b / 8] = static_cast<uint8_t>(mask[b / 8] | (1u << (b % 8)));
  else mask[b / 8] = static_cast<uint8_t>(mask[b / 8] & ~(1u << (b % 8)));
}

template <class T>
void compute_typed(const Problem& p) {
  const bool tf32 = p.d.compute == CUBLAS_COMPUTE_32F_FAST_TF32;
  const bool ta = p.d.transa != CUBLAS_OP_N, tb = p.d.transb != CUBLAS_OP_N;
  const T* a = static_cast<const T*>(p.A);
  const T* b = static_cast<const T*>(p.B);
  const T* c = static_cast<const T*>(p.C);
  T* d = static_cast<T*>(p.D);
  const uint32_t e = p.d.epilogue;
  auto a_at = [&](uint64_t i, uint64_t l) {  // op(A)(i, l), unrounded
    return double(ta ? a[l + i * uint64_t(p.la.ld)] : a[i + l * uint64_t(p.la.ld)]);
  };
  auto b_at = [&](uint64_t l, uint64_t j) {  // op(B)(l, j), unrounded
    return double(tb ? b[j + l * uint64_t(p.lb.ld)] : b[l + j * uint64_t(p.lb.ld)]);
  };
  auto mul_in = [&](double v) { return tf32 ? double(to_tf32(static_cast<float>(v))) : v; };
  // op(A) by rows and op(B) by columns, as the tensor cores see them.
  std::vector<double> arow(p.m * p.k), bcol(p.n * p.k);
  for (uint64_t i = 0; i < p.m; ++i)
    for (uint64_t l = 0; l < p.k; ++l) arow[i * p.k + l] = mul_in(a_at(i, l));
  for (uint64_t j = 0; j < p.n; ++j)
    for (uint64_t l = 0; l < p.k; ++l) bcol[j * p.k + l] = mul_in(b_at(l, j));
  const T* bias = static_cast<const T*>(p.d.bias);
  T* bgrad = static_cast<T*>(p.d.bias);
  uint8_t* mask = static_cast<uint8_t*>(p.d.aux);
  std::vector<double> row_sums(e == CUBLASLT_EPILOGUE_DRELU_BGRAD ? p.m : 0, 0.0);
  for (uint64_t j = 0; j < p.n; ++j) {
    for (uint64_t i = 0; i < p.m; ++i) {
      double v = 0;
      for (uint64_t l = 0; l < p.k; ++l) v += arow[i * p.k + l] * bcol[j * p.k + l];
      v *= p.alpha;
      if (p.beta != 0.0) v += p.beta * double(c[i + j * uint64_t(p.lc.ld)]);
      if (adds_bias(e)) v += double(bias[i]);
      const uint64_t bit = i + j * uint64_t(p.d.aux_ld);
      if (applies_relu(e)) {
        if (uses_aux(e)) set_mask_bit(mask, bit, v > 0);
        v = v > 0 ? v : 0.0;
      }
      if (is_drelu(e) && !mask_bit(mask, bit)) v = 0.0;
      if (!row_sums.empty()) row_sums[i] += v;
      d[i + j * uint64_t(p.ld.ld)] = static_cast<T>(v);
    }
  }
  if (e == CUBLASLT_EPILOGUE_DRELU_BGRAD)
    for (uint64_t i = 0; i < p.m; ++i) bgrad[i] = static_cast<T>(row_sums[i]);
  if (e == CUBLASLT_EPILOGUE_BGRADA)
    for (uint64_t i = 0; i < p.m; ++i) {
      double s = 0;
      for (uint64_t l = 0; l < p.k; ++l) s += a_at(i, l);
      bgrad[i] = static_cast<T>(s);
    }
  if (e == CUBLASLT_EPILOGUE_BGRADB)
    for (uint64_t j = 0; j < p.n; ++j) {
      double s = 0;
      for (uint64_t l = 0; l < p.k; ++l) s += b_at(l, j);
      bgrad[j] = static_cast<T>(s);
    }
}

}  // namespace

cublasStatus_t cublasLtCreate(cublasLtHandle_t* lightHandle) {
  if (lightHandle == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  *lightHandle = new cublasLtContext();
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtDestroy(cublasLtHandle_t lightHandle) {
  if (lightHandle == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  delete lightHandle;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t* matmulDesc, cublasComputeType_t computeType,
                                        cudaDataType_t scaleType) {
  if (matmulDesc == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  *matmulDesc = new cublasLtMatmulDescOpaque_t{};
  write_state(*matmulDesc, Desc{kDescTag, computeType, scaleType, CUBLAS_OP_N, CUBLAS_OP_N,
                                static_cast<uint32_t>(CUBLASLT_EPILOGUE_DEFAULT), nullptr, nullptr, 0});
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t matmulDesc) {
  Desc d;
  if (!read_state(matmulDesc, kDescTag, &d)) return CUBLAS_STATUS_INVALID_VALUE;
  std::memset(matmulDesc->data, 0, sizeof(matmulDesc->data));
  delete matmulDesc;
  return CUBLAS_STATUS_SUCCESS;
}

// The header: INVALID_VALUE when buf is null or sizeInBytes is not the attribute's size.
// Attributes the emulation does not model (not in vendor.h) are NOT_SUPPORTED.
cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t matmulDesc, cublasLtMatmulDescAttributes_t attr,
                                              const void* buf, size_t sizeInBytes) {
  Desc d;
  if (!read_state(matmulDesc, kDescTag, &d) || buf == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  auto take = [&](void* field, size_t bytes) {
    if (sizeInBytes != bytes) return CUBLAS_STATUS_INVALID_VALUE;
    std::memcpy(field, buf, bytes);
    write_state(matmulDesc, d);
    return CUBLAS_STATUS_SUCCESS;
  };
  switch (attr) {
    case CUBLASLT_MATMUL_DESC_TRANSA: return take(&d.transa, sizeof(int32_t));
    case CUBLASLT_MATMUL_DESC_TRANSB: return take(&d.transb, sizeof(int32_t));
    case CUBLASLT_MATMUL_DESC_EPILOGUE: return take(&d.epilogue, sizeof(uint32_t));
    case CUBLASLT_MATMUL_DESC_BIAS_POINTER: return take(&d.bias, sizeof(void*));
    case CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_POINTER: return take(&d.aux, sizeof(void*));
    case CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_LD: return take(&d.aux_ld, sizeof(int64_t));
  }
  return CUBLAS_STATUS_NOT_SUPPORTED;
}

cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t* matLayout, cudaDataType_t type, uint64_t rows,
                                          uint64_t cols, int64_t ld) {
  if (matLayout == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  *matLayout = new cublasLtMatrixLayoutOpaque_t{};
  write_state(*matLayout, Layout{kLayoutTag, type, rows, cols, ld});
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t matLayout) {
  Layout l;
  if (!read_state(matLayout, kLayoutTag, &l)) return CUBLAS_STATUS_INVALID_VALUE;
  std::memset(matLayout->data, 0, sizeof(matLayout->data));
  delete matLayout;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t* pref) {
  if (pref == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  *pref = new cublasLtMatmulPreferenceOpaque_t{};
  write_state(*pref, Pref{kPrefTag, 0});
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t pref) {
  Pref p;
  if (!read_state(pref, kPrefTag, &p)) return CUBLAS_STATUS_INVALID_VALUE;
  std::memset(pref->data, 0, sizeof(pref->data));
  delete pref;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t pref,
                                                    cublasLtMatmulPreferenceAttributes_t attr, const void* buf,
                                                    size_t sizeInBytes) {
  Pref p;
  if (!read_state(pref, kPrefTag, &p) || buf == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  if (attr != CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES) return CUBLAS_STATUS_NOT_SUPPORTED;
  if (sizeInBytes != sizeof(uint64_t)) return CUBLAS_STATUS_INVALID_VALUE;
  std::memcpy(&p.max_workspace, buf, sizeof(uint64_t));
  write_state(pref, p);
  return CUBLAS_STATUS_SUCCESS;
}

// One algorithm for every emulated configuration, needing no workspace.
cublasStatus_t cublasLtMatmulAlgoGetHeuristic(cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t operationDesc,
                                              cublasLtMatrixLayout_t Adesc, cublasLtMatrixLayout_t Bdesc,
                                              cublasLtMatrixLayout_t Cdesc, cublasLtMatrixLayout_t Ddesc,
                                              cublasLtMatmulPreference_t preference, int requestedAlgoCount,
                                              cublasLtMatmulHeuristicResult_t heuristicResultsArray[],
                                              int* returnAlgoCount) {
  if (lightHandle == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  Pref pref;
  if (requestedAlgoCount <= 0 || heuristicResultsArray == nullptr || returnAlgoCount == nullptr ||
      !read_state(preference, kPrefTag, &pref))
    return CUBLAS_STATUS_INVALID_VALUE;
  Problem p{};
  const cublasStatus_t st = check_configuration(operationDesc, Adesc, Bdesc, Cdesc, Ddesc, &p);
  if (st != CUBLAS_STATUS_SUCCESS) return st;
  cublasLtMatmulHeuristicResult_t r{};
  r.algo.data[0] = kAlgoTag;
  r.workspaceSize = 0;
  r.state = CUBLAS_STATUS_SUCCESS;
  r.wavesCount = 1.0f;
  heuristicResultsArray[0] = r;
  *returnAlgoCount = 1;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmul(cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t computeDesc, const void* alpha,
                              const void* A, cublasLtMatrixLayout_t Adesc, const void* B, cublasLtMatrixLayout_t Bdesc,
                              const void* beta, const void* C, cublasLtMatrixLayout_t Cdesc, void* D,
                              cublasLtMatrixLayout_t Ddesc, const cublasLtMatmulAlgo_t* algo, void* workspace,
                              size_t workspaceSizeInBytes, cudaStream_t stream) {
  if (lightHandle == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (alpha == nullptr || beta == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  // A null algo asks the library for its own heuristic choice; any other must come from the heuristic query.
  if (algo != nullptr && algo->data[0] != kAlgoTag) return CUBLAS_STATUS_INVALID_VALUE;
  Problem p{};
  const cublasStatus_t st = check_configuration(computeDesc, Adesc, Bdesc, Cdesc, Ddesc, &p);
  if (st != CUBLAS_STATUS_SUCCESS) return st;
  // In place (C == D) the two layouts must agree, as the reference requires.
  if (C == D && p.lc.ld != p.ld.ld) return CUBLAS_STATUS_INVALID_VALUE;
  const uint32_t e = p.d.epilogue;
  if ((adds_bias(e) || writes_bgrad(e)) && p.d.bias == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  if (uses_aux(e) && p.d.aux == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  const bool f64 = p.d.compute == CUBLAS_COMPUTE_64F;
  p.alpha = f64 ? *static_cast<const double*>(alpha) : *static_cast<const float*>(alpha);
  p.beta = f64 ? *static_cast<const double*>(beta) : *static_cast<const float*>(beta);
  p.A = A;
  p.B = B;
  p.C = C;
  p.D = D;
  // Every device operand over its whole extent.
  const size_t es = type_size(p.ld.type);
  const bool empty = p.m == 0 || p.n == 0;
  const bool reads_ab = !empty && p.k > 0;
  const size_t bias_len = e == CUBLASLT_EPILOGUE_BGRADB ? p.n : p.m;
  const bool ok = on_device(D, span(p.ld) * es) && (!reads_ab || on_device(A, span(p.la) * es)) &&
                  (!reads_ab || on_device(B, span(p.lb) * es)) &&
                  (empty || p.beta == 0.0 || on_device(C, span(p.lc) * es)) &&
                  (!(adds_bias(e) || writes_bgrad(e)) || on_device(p.d.bias, bias_len * es)) &&
                  (!uses_aux(e) || on_device(p.d.aux, mask_bytes(p.m, p.n, p.d.aux_ld))) &&
                  on_device(workspace, workspaceSizeInBytes);
  if (!ok) return CUBLAS_STATUS_EXECUTION_FAILED;
  jdnn::cuda::emu::enqueue(stream, "cublasLtMatmul", [p, f64] {
    if (f64) compute_typed<double>(p);
    else compute_typed<float>(p);
  });
  return CUBLAS_STATUS_SUCCESS;
}

}  // namespace emu
}  // namespace jdnn::vendor
