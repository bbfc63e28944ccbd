// Plants each defect the strict cuBLAS/cuDNN emulation exists to catch and checks that it is
// reported (src/cuda/emu/cublas.cpp, cudnn*.cpp): a descriptor or scalar changed or destroyed
// before the queued work ran, a stale (destroyed) descriptor, a convolution run under another
// math type than Find reported, TF32 rounding under default math, a workspace too small for the
// algorithm and math type, a batch-norm backward with another epsilon than its forward, host or
// short buffers passed as device memory, tensors over 2^31 elements, and the backend's own limit
// check. Run by VendorStrictEmulationTest; prints "N checks, M failed".
//
// Deferral is the emulated runtime's (src/cuda/emu/streams.cpp): the vendor entries' work is queued
// on the handle's stream and runs at flush(), a device synchronization.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "checks.h"
#include "emu_buffer.h"
#include "cuda/cudnn_util.h"
#include "cuda/emu/vendor_emu.h"

using namespace jdnn::vendor;
using namespace jdnn::vendor::emu;

namespace {

// Runs the queued work in order (a device synchronization).
void flush() { cudaDeviceSynchronize(); }

// Whether no work is queued. The emulation queues an event's record like other work and each
// cudaEventQuery that finds it pending runs one queued item: with nothing queued before the record,
// the first query runs the record and the second finds the event complete.
bool nothing_queued() {
  cudaEvent_t e = nullptr;
  cudaEventCreate(&e);
  cudaEventRecord(e, nullptr);
  cudaEventQuery(e);
  const bool done = cudaEventQuery(e) == cudaSuccess;
  cudaEventDestroy(e);
  return done;
}

using jdnn_test::Buf;

// An independent TF32 rounding for the references: nearest, ties away from zero, 10 mantissa bits.
float tf32(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u = (u + 0x1000u) & 0xffffe000u;
  std::memcpy(&f, &u, 4);
  return f;
}

// A 3x3, pad 1, stride 1 cross-correlation of x (N, C, H, W) with w (K, C, 3, 3), float inputs.
struct Conv {
  int n = 2, c = 3, h = 5, w = 5, k = 4;
  cudnnHandle_t handle = nullptr;
  cudnnTensorDescriptor_t xd = nullptr, yd = nullptr;
  cudnnFilterDescriptor_t wd = nullptr;
  cudnnConvolutionDescriptor_t cd = nullptr;
  Buf<float> x{size_t(2 * 3 * 5 * 5)}, wt{size_t(4 * 3 * 9)}, y{size_t(2 * 4 * 5 * 5)};

  explicit Conv(cudnnMathType_t math) {
    cudnnCreate(&handle);
    cudnnCreateTensorDescriptor(&xd);
    cudnnCreateTensorDescriptor(&yd);
    cudnnCreateFilterDescriptor(&wd);
    cudnnCreateConvolutionDescriptor(&cd);
    cudnnSetTensor4dDescriptor(xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, h, w);
    cudnnSetTensor4dDescriptor(yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, k, h, w);
    cudnnSetFilter4dDescriptor(wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, k, c, 3, 3);
    cudnnSetConvolution2dDescriptor(cd, 1, 1, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT);
    cudnnSetConvolutionMathType(cd, math);
    std::mt19937 g(3);
    std::uniform_real_distribution<float> u(-1, 1);
    for (size_t i = 0; i < x.n; ++i) x.p[i] = u(g);
    for (size_t i = 0; i < wt.n; ++i) wt.p[i] = u(g);
  }
  ~Conv() {
    if (cd != nullptr) cudnnDestroyConvolutionDescriptor(cd);
    if (wd != nullptr) cudnnDestroyFilterDescriptor(wd);
    if (yd != nullptr) cudnnDestroyTensorDescriptor(yd);
    if (xd != nullptr) cudnnDestroyTensorDescriptor(xd);
    cudnnDestroy(handle);
  }

  // y = alpha * conv(x, w), inputs optionally rounded to TF32, accumulated in double.
  std::vector<double> reference(double alpha, bool round) const {
    std::vector<double> out(y.n, 0.0);
    for (int b = 0; b < n; ++b)
      for (int o = 0; o < k; ++o)
        for (int i = 0; i < h; ++i)
          for (int j = 0; j < w; ++j) {
            double s = 0;
            for (int ch = 0; ch < c; ++ch)
              for (int r = 0; r < 3; ++r)
                for (int q = 0; q < 3; ++q) {
                  const int ih = i - 1 + r, iw = j - 1 + q;
                  if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                  const float xv = x.p[((b * c + ch) * h + ih) * w + iw], wv = wt.p[((o * c + ch) * 3 + r) * 3 + q];
                  s += double(round ? tf32(xv) : xv) * double(round ? tf32(wv) : wv);
                }
            out[((b * k + o) * h + i) * w + j] = alpha * s;
          }
    return out;
  }

  // The largest absolute difference between y and want.
  double diff(const std::vector<double>& want) const {
    double worst = 0;
    for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::fabs(double(y.p[i]) - want[i]));
    return worst;
  }

  cudnnStatus_t forward(cudnnConvolutionFwdAlgo_t algo, void* ws, size_t ws_bytes, const float* alpha) {
    const float beta = 0;
    return cudnnConvolutionForward(handle, alpha, xd, x.p, wd, wt.p, cd, algo, ws, ws_bytes, &beta, yd, y.p);
  }

  // What Find reports per algorithm: math type and workspace.
  std::vector<cudnnConvolutionFwdAlgoPerf_t> find(void* ws, size_t ws_bytes) {
    cudnnConvolutionFwdAlgoPerf_t perf[8];
    int returned = 0;
    cudnnFindConvolutionForwardAlgorithmEx(handle, xd, x.p, wd, wt.p, cd, yd, y.p, 8, &returned, perf, ws, ws_bytes);
    return std::vector<cudnnConvolutionFwdAlgoPerf_t>(perf, perf + returned);
  }
};

const cudnnConvolutionFwdAlgoPerf_t* perf_of(const std::vector<cudnnConvolutionFwdAlgoPerf_t>& perf,
                                             cudnnConvolutionFwdAlgo_t algo) {
  for (const auto& p : perf)
    if (p.algo == algo) return &p;
  return nullptr;
}

// Work is queued, not run, and owns what it read from the caller: alpha and the descriptors may
// change or die once the call returned.
void deferred_work_owns_its_arguments() {
  Conv cv(CUDNN_FMA_MATH);
  const std::vector<double> want = cv.reference(2.0, false);
  for (size_t i = 0; i < cv.y.n; ++i) cv.y.p[i] = -7.0f;
  float alpha = 2.0f;
  CHECK(cv.forward(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, nullptr, 0, &alpha) == CUDNN_STATUS_SUCCESS);
  CHECK(cv.y.p[0] == -7.0f);  // nothing computed before the sync
  alpha = 100.0f;
  cudnnSetTensor4dDescriptor(cv.xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, 1, 1, 1);
  cudnnSetConvolution2dDescriptor(cv.cd, 0, 0, 2, 2, 1, 1, CUDNN_CONVOLUTION, CUDNN_DATA_FLOAT);
  cudnnDestroyFilterDescriptor(cv.wd);
  cv.wd = nullptr;
  cudnnDestroyTensorDescriptor(cv.yd);
  cv.yd = nullptr;
  flush();
  CHECK(cv.diff(want) < 1e-5);

  // cuBLAS likewise: C = alpha A B with alpha changed after the call.
  cublasHandle_t h = nullptr;
  cublasCreate_v2(&h);
  Buf<double> a(4, 1.0), b(4, 2.0), c(4, -1.0);
  double al = 0.5, be = 0.0;
  CHECK(cublasDgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, &al, a.p, 2, b.p, 2, &be, c.p, 2) ==
        CUBLAS_STATUS_SUCCESS);
  CHECK(c.p[0] == -1.0);
  al = 9.0;
  flush();
  CHECK(c.p[0] == 2.0 && c.p[3] == 2.0);  // 0.5 * (1*2 + 1*2)
  cublasDestroy_v2(h);
}

// A destroyed descriptor is refused, where the library would read freed memory.
void stale_descriptor_is_refused() {
  Conv cv(CUDNN_FMA_MATH);
  cudnnTensorDescriptor_t stale = cv.xd;
  cudnnDestroyTensorDescriptor(stale);
  cv.xd = nullptr;
  const float alpha = 1, beta = 0;
  CHECK(cudnnConvolutionForward(cv.handle, &alpha, stale, cv.x.p, cv.wd, cv.wt.p, cv.cd,
                                CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, nullptr, 0, &beta, cv.yd,
                                cv.y.p) == CUDNN_STATUS_BAD_PARAM);
  CHECK(cudnnSetTensor4dDescriptor(stale, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, 1, 1, 1) == CUDNN_STATUS_BAD_PARAM);
  CHECK(cudnnDestroyTensorDescriptor(stale) == CUDNN_STATUS_BAD_PARAM);  // twice
  CHECK(nothing_queued());
}

// Find reports the GEMM algorithm under default math as its TF32 tensor-core variant; running it
// with the descriptor still on default math is refused, with TENSOR_OP_MATH it runs. Under FMA
// math every algorithm reports FMA_MATH.
void math_type_must_be_the_one_find_reported() {
  Conv cv(CUDNN_DEFAULT_MATH);
  Buf<char> ws(1 << 20);
  const auto perf = cv.find(ws.p, ws.n);
  const auto* gemm = perf_of(perf, CUDNN_CONVOLUTION_FWD_ALGO_GEMM);
  const auto* implicit = perf_of(perf, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM);
  CHECK(gemm != nullptr && gemm->mathType == CUDNN_TENSOR_OP_MATH);
  CHECK(implicit != nullptr && implicit->mathType == CUDNN_DEFAULT_MATH);
  const float alpha = 1;
  CHECK(cv.forward(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, ws.p, ws.n, &alpha) == CUDNN_STATUS_NOT_SUPPORTED);
  CHECK(cv.forward(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, ws.p, ws.n, &alpha) == CUDNN_STATUS_SUCCESS);
  cudnnSetConvolutionMathType(cv.cd, CUDNN_TENSOR_OP_MATH);
  CHECK(cv.forward(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, ws.p, ws.n, &alpha) == CUDNN_STATUS_SUCCESS);
  CHECK(cv.forward(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, ws.p, ws.n, &alpha) == CUDNN_STATUS_NOT_SUPPORTED);
  flush();

  Conv fma(CUDNN_FMA_MATH);
  const auto fperf = fma.find(ws.p, ws.n);
  bool all_fma = !fperf.empty();
  for (const auto& p : fperf) all_fma = all_fma && p.mathType == CUDNN_FMA_MATH;
  CHECK(all_fma);
}

// Float convolutions round their inputs to TF32 under default math on the emulated sm_90, not
// under FMA math, and not with NVIDIA_TF32_OVERRIDE=0.
void tf32_under_default_math() {
  const float alpha = 1;
  Conv def(CUDNN_DEFAULT_MATH);
  CHECK(def.forward(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, nullptr, 0, &alpha) == CUDNN_STATUS_SUCCESS);
  flush();
  CHECK(def.diff(def.reference(1, true)) < 1e-5);
  CHECK(def.diff(def.reference(1, false)) > 1e-4);

  Conv fma(CUDNN_FMA_MATH);
  CHECK(fma.forward(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, nullptr, 0, &alpha) == CUDNN_STATUS_SUCCESS);
  flush();
  CHECK(fma.diff(fma.reference(1, false)) < 1e-5);

  setenv("NVIDIA_TF32_OVERRIDE", "0", 1);
  Conv off(CUDNN_DEFAULT_MATH);
  CHECK(off.forward(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, nullptr, 0, &alpha) == CUDNN_STATUS_SUCCESS);
  flush();
  unsetenv("NVIDIA_TF32_OVERRIDE");
  CHECK(off.diff(off.reference(1, false)) < 1e-5);
}

// The workspace depends on the algorithm and the math type; too little is refused, and so is a
// workspace whose claimed size runs past its allocation.
void workspace_per_algorithm_and_math_type() {
  Conv cv(CUDNN_FMA_MATH);
  size_t fma_bytes = 0, op_bytes = 0, implicit_bytes = 1;
  cudnnGetConvolutionForwardWorkspaceSize(cv.handle, cv.xd, cv.wd, cv.cd, cv.yd, CUDNN_CONVOLUTION_FWD_ALGO_GEMM,
                                          &fma_bytes);
  cudnnGetConvolutionForwardWorkspaceSize(cv.handle, cv.xd, cv.wd, cv.cd, cv.yd,
                                          CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, &implicit_bytes);
  cudnnSetConvolutionMathType(cv.cd, CUDNN_TENSOR_OP_MATH);
  cudnnGetConvolutionForwardWorkspaceSize(cv.handle, cv.xd, cv.wd, cv.cd, cv.yd, CUDNN_CONVOLUTION_FWD_ALGO_GEMM,
                                          &op_bytes);
  CHECK(fma_bytes > 0 && implicit_bytes == 0 && op_bytes > fma_bytes);
  const float alpha = 1;
  Buf<char> small(fma_bytes), big(op_bytes);
  CHECK(cv.forward(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, small.p, fma_bytes, &alpha) == CUDNN_STATUS_BAD_PARAM);
  CHECK(cv.forward(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, big.p, op_bytes, &alpha) == CUDNN_STATUS_SUCCESS);
  CHECK(cv.forward(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, small.p, op_bytes, &alpha) == CUDNN_STATUS_EXECUTION_FAILED);
  cudnnSetConvolutionMathType(cv.cd, CUDNN_FMA_MATH);
  CHECK(cv.forward(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, small.p, fma_bytes + 64, &alpha) ==
        CUDNN_STATUS_EXECUTION_FAILED);  // enough for the algorithm, but the claimed size is not all there
  CHECK(cv.forward(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, small.p, fma_bytes, &alpha) == CUDNN_STATUS_SUCCESS);
  std::vector<char> host(op_bytes);
  CHECK(cv.forward(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, host.data(), op_bytes, &alpha) ==
        CUDNN_STATUS_EXECUTION_FAILED);
  flush();
  CHECK(cv.diff(cv.reference(1, false)) < 1e-5);
}

// The backward with the forward's saved statistics must get the forward's epsilon.
void batch_norm_epsilon_must_match_the_forward() {
  cudnnHandle_t h = nullptr;
  cudnnCreate(&h);
  cudnnTensorDescriptor_t xd = nullptr, pd = nullptr;
  cudnnCreateTensorDescriptor(&xd);
  cudnnCreateTensorDescriptor(&pd);
  cudnnSetTensor4dDescriptor(xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_DOUBLE, 4, 2, 3, 1);
  cudnnDeriveBNTensorDescriptor(pd, xd, CUDNN_BATCHNORM_SPATIAL);
  Buf<double> x(24), y(24), dy(24, 0.5), dx(24), scale(2, 1.0), bias(2, 0.0), mean(2), inv(2), ds(2), db(2);
  for (size_t i = 0; i < x.n; ++i) x.p[i] = double(i % 7) - 2.0;
  const double one = 1, zero = 0;
  CHECK(cudnnBatchNormalizationForwardTraining(h, CUDNN_BATCHNORM_SPATIAL, &one, &zero, xd, x.p, xd, y.p, pd, scale.p,
                                               bias.p, 0.1, nullptr, nullptr, 1e-3, mean.p, inv.p) ==
        CUDNN_STATUS_SUCCESS);
  auto backward = [&](double eps, const void* saved_mean, const void* saved_inv) {
    return cudnnBatchNormalizationBackward(h, CUDNN_BATCHNORM_SPATIAL, &one, &zero, &one, &zero, xd, x.p, xd, dy.p,
                                           xd, dx.p, pd, scale.p, ds.p, db.p, eps, saved_mean, saved_inv);
  };
  CHECK(backward(1e-5, mean.p, inv.p) == CUDNN_STATUS_BAD_PARAM);  // the defect the backend had
  CHECK(backward(1e-3, mean.p, inv.p) == CUDNN_STATUS_SUCCESS);
  CHECK(backward(1e-5, nullptr, nullptr) == CUDNN_STATUS_SUCCESS);  // recomputed: any valid epsilon
  // Host memory as saved statistics or scale is refused like any other operand.
  std::vector<double> host_mean(2), host_inv(2), host_scale(2, 1.0);
  CHECK(backward(1e-3, host_mean.data(), host_inv.data()) == CUDNN_STATUS_EXECUTION_FAILED);
  CHECK(cudnnBatchNormalizationForwardTraining(h, CUDNN_BATCHNORM_SPATIAL, &one, &zero, xd, x.p, xd, y.p, pd,
                                               host_scale.data(), bias.p, 0.1, nullptr, nullptr, 1e-3, mean.p,
                                               inv.p) == CUDNN_STATUS_EXECUTION_FAILED);
  flush();
  cudnnDestroyTensorDescriptor(pd);
  cudnnDestroyTensorDescriptor(xd);
  cudnnDestroy(h);
}

// Host pointers and buffers shorter than the extent a call reaches are refused, for cuDNN and cuBLAS.
void host_and_short_buffers_are_refused() {
  Conv cv(CUDNN_FMA_MATH);
  std::vector<float> host(cv.x.n);
  const float alpha = 1, beta = 0;
  CHECK(cudnnConvolutionForward(cv.handle, &alpha, cv.xd, host.data(), cv.wd, cv.wt.p, cv.cd,
                                CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, nullptr, 0, &beta, cv.yd,
                                cv.y.p) == CUDNN_STATUS_EXECUTION_FAILED);
  Buf<float> short_w(cv.wt.n - 1);
  CHECK(cudnnConvolutionForward(cv.handle, &alpha, cv.xd, cv.x.p, cv.wd, short_w.p, cv.cd,
                                CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, nullptr, 0, &beta, cv.yd,
                                cv.y.p) == CUDNN_STATUS_EXECUTION_FAILED);
  cudnnTensorDescriptor_t bd = nullptr;
  cudnnCreateTensorDescriptor(&bd);
  cudnnSetTensor4dDescriptor(bd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, cv.k, 1, 1);
  std::vector<float> host_bias(cv.k);
  CHECK(cudnnAddTensor(cv.handle, &alpha, bd, host_bias.data(), &alpha, cv.yd, cv.y.p) ==
        CUDNN_STATUS_EXECUTION_FAILED);
  CHECK(cudnnConvolutionBackwardBias(cv.handle, &alpha, cv.yd, cv.y.p, &beta, bd, host_bias.data()) ==
        CUDNN_STATUS_EXECUTION_FAILED);
  cudnnDestroyTensorDescriptor(bd);

  cublasHandle_t h = nullptr;
  cublasCreate_v2(&h);
  Buf<float> a(6), b(6), c(4);
  std::vector<float> host_a(6);
  CHECK(cublasSgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 3, &alpha, host_a.data(), 2, b.p, 3, &beta, c.p, 2) ==
        CUBLAS_STATUS_EXECUTION_FAILED);
  // lda 3 makes A span 3 * 2 + 2 = 8 floats of a 6-float buffer.
  CHECK(cublasSgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 3, &alpha, a.p, 3, b.p, 3, &beta, c.p, 2) ==
        CUBLAS_STATUS_EXECUTION_FAILED);
  CHECK(cublasSgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 3, &alpha, a.p, 2, b.p, 3, &beta, c.p, 2) ==
        CUBLAS_STATUS_SUCCESS);
  // Two batches with stride 4 reach C[4 .. 7], past the 4-float C.
  CHECK(cublasSgemmStridedBatched(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 1, &alpha, a.p, 2, 2, b.p, 1, 2, &beta, c.p, 2, 4,
                                  2) == CUBLAS_STATUS_EXECUTION_FAILED);
  flush();
  cublasDestroy_v2(h);
}

// Over 2^31 elements cuDNN answers NOT_SUPPORTED; the backend refuses earlier, naming the op.
void oversized_tensors_are_refused() {
  cudnnTensorDescriptor_t d = nullptr;
  cudnnCreateTensorDescriptor(&d);
  CHECK(cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 2, 1024, 1024, 1024) ==
        CUDNN_STATUS_SUCCESS);  // exactly 2^31
  CHECK(cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 3, 1024, 1024, 1024) ==
        CUDNN_STATUS_NOT_SUPPORTED);
  const int dims[4] = {4, 1024, 1024, 1024}, strides[4] = {1 << 30, 1 << 20, 1024, 1};
  CHECK(cudnnSetTensorNdDescriptor(d, CUDNN_DATA_FLOAT, 4, dims, strides) == CUDNN_STATUS_NOT_SUPPORTED);
  cudnnDestroyTensorDescriptor(d);

  std::string message;
  try {
    jdnn::cuda::check_cudnn_elements("conv2d", "input", (int64_t(1) << 31) + 1);
  } catch (const std::exception& e) {
    message = e.what();
  }
  CHECK(message.find("conv2d") != std::string::npos && message.find("2147483649") != std::string::npos &&
        message.find("2147483648") != std::string::npos && message.find("smaller batches") != std::string::npos);
  bool refused = false;
  try {
    jdnn::cuda::check_cudnn_elements("conv2d", "input", int64_t(1) << 31);
  } catch (const std::exception&) {
    refused = true;
  }
  CHECK(!refused);
}

}  // namespace

int main() {
  deferred_work_owns_its_arguments();
  stale_descriptor_is_refused();
  math_type_must_be_the_one_find_reported();
  tf32_under_default_math();
  workspace_per_algorithm_and_math_type();
  batch_norm_epsilon_must_match_the_forward();
  host_and_short_buffers_are_refused();
  oversized_tensors_are_refused();
  CHECK(nothing_queued());
  return jdnn_test::checks_summary();
}
