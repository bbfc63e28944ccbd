// A question for a real GPU: does cuBLASLt's RELU epilogue keep a NaN? The documentation gives it
// as x := max(x, 0), which leaves NaN open; jdnn's ReLU keeps NaN, so the fused Linear may take the
// RELU / RELU_BIAS epilogue only if it does (docs/architecture.md, the fused Linear). Built and run
// on the GPU machine against the cuBLAS wheel's headers (it includes cublasLt.h, which this
// repository does not carry):
//
//   nvcc -O0 -I$CUBLAS/include native/test/gpu/cublaslt_relu_nan_probe.cu -o probe -L$CUBLAS/lib -l:libcublasLt.so.13
//   LD_LIBRARY_PATH=$CUBLAS/lib ./probe
//
// D (5 x 1) = A (5 x 1) B (1 x 1) with B = 1, A = {NaN, -1, 2, -inf, +inf}, through the RELU
// epilogue and the RELU_BIAS epilogue (bias 0); prints each output and a last line "cuBLASLt RELU
// epilogue keeps NaN: yes|no". Exit 0 when every call succeeded, 1 otherwise.
#include <cublasLt.h>

#include <cmath>
#include <cstdio>
#include <limits>

namespace {

bool ok(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) std::printf("%s failed: status %d\n", what, static_cast<int>(s));
  return s == CUBLAS_STATUS_SUCCESS;
}

bool ok(cudaError_t s, const char* what) {
  if (s != cudaSuccess) std::printf("%s failed: %s\n", what, cudaGetErrorString(s));
  return s == cudaSuccess;
}

constexpr int kM = 5;

// One matmul with the given epilogue; fills out[kM]. False when a call failed.
bool run(cublasLtHandle_t h, cublasLtEpilogue_t epilogue, const float* a, const float* b, const float* bias, float* d,
         float* out) {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t la = nullptr, lb = nullptr, ld = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  bool good = ok(cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F), "cublasLtMatmulDescCreate") &&
              ok(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue)),
                 "set epilogue");
  if (good && epilogue == CUBLASLT_EPILOGUE_RELU_BIAS)
    good = ok(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)), "set bias");
  good = good && ok(cublasLtMatrixLayoutCreate(&la, CUDA_R_32F, kM, 1, kM), "layout A") &&
         ok(cublasLtMatrixLayoutCreate(&lb, CUDA_R_32F, 1, 1, 1), "layout B") &&
         ok(cublasLtMatrixLayoutCreate(&ld, CUDA_R_32F, kM, 1, kM), "layout D") &&
         ok(cublasLtMatmulPreferenceCreate(&pref), "preference");
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  good = good && ok(cublasLtMatmulAlgoGetHeuristic(h, op, la, lb, ld, ld, pref, 1, &result, &found), "heuristic");
  if (good && found == 0) {
    std::printf("no algorithm for epilogue %d\n", static_cast<int>(epilogue));
    good = false;
  }
  const float alpha = 1.0f, beta = 0.0f;
  good = good && ok(cublasLtMatmul(h, op, &alpha, a, la, b, lb, &beta, d, ld, d, ld, &result.algo, nullptr, 0, 0),
                    "cublasLtMatmul") &&
         ok(cudaMemcpy(out, d, kM * sizeof(float), cudaMemcpyDeviceToHost), "copy back");
  if (pref != nullptr) cublasLtMatmulPreferenceDestroy(pref);
  if (ld != nullptr) cublasLtMatrixLayoutDestroy(ld);
  if (lb != nullptr) cublasLtMatrixLayoutDestroy(lb);
  if (la != nullptr) cublasLtMatrixLayoutDestroy(la);
  if (op != nullptr) cublasLtMatmulDescDestroy(op);
  return good;
}

}  // namespace

int main() {
  const float inf = std::numeric_limits<float>::infinity();
  const float a_host[kM] = {std::numeric_limits<float>::quiet_NaN(), -1.0f, 2.0f, -inf, inf};
  const float b_host = 1.0f, bias_host[kM] = {0, 0, 0, 0, 0};
  float *a = nullptr, *b = nullptr, *bias = nullptr, *d = nullptr;
  cublasLtHandle_t h = nullptr;
  bool good = ok(cudaMalloc(&a, sizeof(a_host)), "cudaMalloc") && ok(cudaMalloc(&b, sizeof(float)), "cudaMalloc") &&
              ok(cudaMalloc(&bias, sizeof(bias_host)), "cudaMalloc") && ok(cudaMalloc(&d, sizeof(a_host)), "cudaMalloc") &&
              ok(cudaMemcpy(a, a_host, sizeof(a_host), cudaMemcpyHostToDevice), "copy A") &&
              ok(cudaMemcpy(b, &b_host, sizeof(float), cudaMemcpyHostToDevice), "copy B") &&
              ok(cudaMemcpy(bias, bias_host, sizeof(bias_host), cudaMemcpyHostToDevice), "copy bias") &&
              ok(cublasLtCreate(&h), "cublasLtCreate");
  bool keeps = true;
  const struct {
    cublasLtEpilogue_t epilogue;
    const char* name;
  } cases[] = {{CUBLASLT_EPILOGUE_RELU, "RELU"}, {CUBLASLT_EPILOGUE_RELU_BIAS, "RELU_BIAS"}};
  for (const auto& c : cases) {
    float out[kM] = {};
    if (!good || !run(h, c.epilogue, a, b, bias, d, out)) {
      good = false;
      break;
    }
    std::printf("%s:", c.name);
    for (int i = 0; i < kM; ++i) std::printf(" %g -> %g;", a_host[i], out[i]);
    std::printf("\n");
    keeps = keeps && std::isnan(out[0]);
  }
  if (good) std::printf("cuBLASLt RELU epilogue keeps NaN: %s\n", keeps ? "yes" : "no");
  if (h != nullptr) cublasLtDestroy(h);
  cudaFree(a);
  cudaFree(b);
  cudaFree(bias);
  cudaFree(d);
  return good ? 0 : 1;
}
