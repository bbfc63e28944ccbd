// Checks the emulated cuDNN (src/cuda/emu/cudnn*.cpp) against references written
// directly from the documented formulas, and its documented error statuses.
// Built with the emulation (src/cuda/CMakeLists.txt); CudnnEmulationTest runs it
// and expects exit status 0 and "ALL PASSED". Prints one line per failed check.
// One file (460 lines) on purpose: one executable checks the whole emulated library, so the build
// has one target and CudnnEmulationTest one program to run.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

#include "cuda/emu/vendor_emu.h"

using namespace jdnn::vendor;
using namespace jdnn::vendor::emu;

namespace {

int failures = 0;
int checks = 0;

void expect(bool ok, const char* what, double got = 0, double want = 0) {
  ++checks;
  if (!ok) {
    ++failures;
    std::printf("FAIL %s (got %.17g, want %.17g)\n", what, got, want);
  }
}

void expect_status(cudnnStatus_t got, cudnnStatus_t want, const char* what) {
  expect(got == want, what, got, want);
}

void expect_close(const std::vector<double>& got, const std::vector<double>& want, double tol, const char* what) {
  expect(got.size() == want.size(), what, static_cast<double>(got.size()), static_cast<double>(want.size()));
  for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
    if (!(std::fabs(got[i] - want[i]) <= tol * (1 + std::fabs(want[i])))) {
      expect(false, what, got[i], want[i]);
      return;
    }
  }
}

// An emulated device buffer of doubles.
struct Buf {
  double* p = nullptr;
  size_t n = 0;
  explicit Buf(size_t count, double fill = 0) : n(count) {
    cudaMalloc(reinterpret_cast<void**>(&p), count * sizeof(double));
    for (size_t i = 0; i < n; ++i) p[i] = fill;
  }
  Buf(const std::vector<double>& v) : Buf(v.size()) { std::memcpy(p, v.data(), v.size() * sizeof(double)); }
  ~Buf() { cudaFree(p); }
  std::vector<double> get() const { return std::vector<double>(p, p + n); }
};

std::vector<double> random_vec(std::mt19937& g, size_t n) {
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> v(n);
  for (double& x : v) x = u(g);
  return v;
}

// The emulated cuDNN queues its compute on the handle's stream, as the library does: a
// call's result is read on the host only after a synchronization.
cudnnStatus_t synced(cudnnStatus_t status) {
  expect(cudaDeviceSynchronize() == cudaSuccess, "device synchronization after the call");
  return status;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

struct Handles {
  cudnnHandle_t h = nullptr;
  cudnnTensorDescriptor_t x = nullptr, y = nullptr, b = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  Handles() {
    cudnnCreate(&h);
    cudnnCreateTensorDescriptor(&x);
    cudnnCreateTensorDescriptor(&y);
    cudnnCreateTensorDescriptor(&b);
    cudnnCreateFilterDescriptor(&w);
    cudnnCreateConvolutionDescriptor(&conv);
  }
  ~Handles() {
    cudnnDestroyConvolutionDescriptor(conv);
    cudnnDestroyFilterDescriptor(w);
    cudnnDestroyTensorDescriptor(b);
    cudnnDestroyTensorDescriptor(y);
    cudnnDestroyTensorDescriptor(x);
    cudnnDestroy(h);
  }
};

struct ConvCase {
  const char* name;
  int n, c, h, w, k, kh, kw, pad_h, pad_w, u, v, dh, dw, groups;
  cudnnConvolutionMode_t mode;
};

// y[n][k][oh][ow] = sum over the group's channels and the kernel, flipped in CONVOLUTION mode.
std::vector<double> conv_reference(const ConvCase& cc, int oh, int ow, const std::vector<double>& x,
                                   const std::vector<double>& w) {
  const int cg = cc.c / cc.groups, kpg = cc.k / cc.groups;
  std::vector<double> y(static_cast<size_t>(cc.n) * cc.k * oh * ow, 0.0);
  for (int n = 0; n < cc.n; ++n)
    for (int k = 0; k < cc.k; ++k)
      for (int i = 0; i < oh; ++i)
        for (int j = 0; j < ow; ++j) {
          double s = 0;
          for (int c = 0; c < cg; ++c)
            for (int r = 0; r < cc.kh; ++r)
              for (int q = 0; q < cc.kw; ++q) {
                const int ih = i * cc.u - cc.pad_h + r * cc.dh, iw = j * cc.v - cc.pad_w + q * cc.dw;
                if (ih < 0 || ih >= cc.h || iw < 0 || iw >= cc.w) continue;
                const int fr = cc.mode == CUDNN_CONVOLUTION ? cc.kh - 1 - r : r;
                const int fq = cc.mode == CUDNN_CONVOLUTION ? cc.kw - 1 - q : q;
                const int ci = (k / kpg) * cg + c;
                s += x[((size_t(n) * cc.c + ci) * cc.h + ih) * cc.w + iw] *
                     w[((size_t(k) * cg + c) * cc.kh + fr) * cc.kw + fq];
              }
          y[((size_t(n) * cc.k + k) * oh + i) * ow + j] = s;
        }
  return y;
}

void check_convolution(const ConvCase& cc, std::mt19937& g) {
  Handles hd;
  const int cg = cc.c / cc.groups;
  cudnnSetTensor4dDescriptor(hd.x, CUDNN_TENSOR_NCHW, CUDNN_DATA_DOUBLE, cc.n, cc.c, cc.h, cc.w);
  cudnnSetFilter4dDescriptor(hd.w, CUDNN_DATA_DOUBLE, CUDNN_TENSOR_NCHW, cc.k, cg, cc.kh, cc.kw);
  cudnnSetConvolution2dDescriptor(hd.conv, cc.pad_h, cc.pad_w, cc.u, cc.v, cc.dh, cc.dw, cc.mode, CUDNN_DATA_DOUBLE);
  cudnnSetConvolutionGroupCount(hd.conv, cc.groups);
  int n = 0, k = 0, oh = 0, ow = 0;
  expect_status(cudnnGetConvolution2dForwardOutputDim(hd.conv, hd.x, hd.w, &n, &k, &oh, &ow), CUDNN_STATUS_SUCCESS,
                cc.name);
  const int want_oh = (cc.h + 2 * cc.pad_h - cc.dh * (cc.kh - 1) - 1) / cc.u + 1;
  const int want_ow = (cc.w + 2 * cc.pad_w - cc.dw * (cc.kw - 1) - 1) / cc.v + 1;
  expect(n == cc.n && k == cc.k && oh == want_oh && ow == want_ow, "output dims", oh * 1000 + ow,
         want_oh * 1000 + want_ow);
  cudnnSetTensor4dDescriptor(hd.y, CUDNN_TENSOR_NCHW, CUDNN_DATA_DOUBLE, n, k, oh, ow);

  const std::vector<double> xv = random_vec(g, size_t(cc.n) * cc.c * cc.h * cc.w);
  const std::vector<double> wv = random_vec(g, size_t(cc.k) * cg * cc.kh * cc.kw);
  const std::vector<double> prior = random_vec(g, size_t(n) * k * oh * ow);
  const std::vector<double> ref = conv_reference(cc, oh, ow, xv, wv);
  Buf x(xv), w(wv), y(prior);

  // The emulation ranks the workspace-using GEMM algorithm first and reports its im2col size.
  cudnnConvolutionFwdAlgoPerf_t perf[8];
  int returned = 0;
  size_t need = 0;
  cudnnGetConvolutionForwardWorkspaceSize(hd.h, hd.x, hd.w, hd.conv, hd.y, CUDNN_CONVOLUTION_FWD_ALGO_GEMM, &need);
  Buf ws(need / sizeof(double) + 1);
  expect_status(cudnnFindConvolutionForwardAlgorithmEx(hd.h, hd.x, x.p, hd.w, w.p, hd.conv, hd.y, y.p, 8, &returned,
                                                       perf, ws.p, need),
                CUDNN_STATUS_SUCCESS, "find forward");
  expect(returned >= 2 && perf[0].status == CUDNN_STATUS_SUCCESS && perf[0].algo == CUDNN_CONVOLUTION_FWD_ALGO_GEMM &&
             perf[0].memory == need,
         "find forward ranks GEMM first", perf[0].algo, CUDNN_CONVOLUTION_FWD_ALGO_GEMM);
  // Find with no workspace: GEMM is reported as not fitting, after the algorithms that do.
  cudnnFindConvolutionForwardAlgorithmEx(hd.h, hd.x, x.p, hd.w, w.p, hd.conv, hd.y, y.p, 8, &returned, perf, nullptr,
                                         0);
  expect(perf[0].memory == 0 && perf[0].status == CUDNN_STATUS_SUCCESS &&
             perf[returned - 1].status == CUDNN_STATUS_NOT_SUPPORTED,
         "find without workspace", perf[0].algo, 0);
  expect_status(synced(cudnnConvolutionForward(hd.h, &(const double&)1.0, hd.x, x.p, hd.w, w.p, hd.conv,
                                        CUDNN_CONVOLUTION_FWD_ALGO_GEMM, ws.p, need / 2, &(const double&)0.0, hd.y,
                                        y.p)),
                need > 0 ? CUDNN_STATUS_BAD_PARAM : CUDNN_STATUS_SUCCESS, "too small a workspace");

  // y = 2 conv + 0.5 prior
  const double two = 2, half = 0.5, one = 1, zero = 0;
  expect_status(synced(cudnnConvolutionForward(hd.h, &two, hd.x, x.p, hd.w, w.p, hd.conv, CUDNN_CONVOLUTION_FWD_ALGO_GEMM,
                                        ws.p, need, &half, hd.y, y.p)),
                CUDNN_STATUS_SUCCESS, "forward");
  std::vector<double> want(ref.size());
  for (size_t i = 0; i < ref.size(); ++i) want[i] = 2 * ref[i] + 0.5 * prior[i];
  expect_close(y.get(), want, 1e-12, cc.name);
  // beta 0: y is not read, so NaN there does not leak.
  for (size_t i = 0; i < y.n; ++i) y.p[i] = NAN;
  synced(cudnnConvolutionForward(hd.h, &one, hd.x, x.p, hd.w, w.p, hd.conv, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, nullptr,
                          0, &zero, hd.y, y.p));
  expect_close(y.get(), ref, 1e-12, "forward with beta 0 over NaN");

  // Backward data and filter are the adjoints: <conv(x, w), dy> = <x, dgrad(dy)> = <w, wgrad(dy)>.
  const std::vector<double> dyv = random_vec(g, y.n);
  Buf dy(dyv), dx(xv.size(), NAN), dw(wv.size(), NAN);
  expect_status(synced(cudnnConvolutionBackwardData(hd.h, &one, hd.w, w.p, hd.y, dy.p, hd.conv,
                                             CUDNN_CONVOLUTION_BWD_DATA_ALGO_0, nullptr, 0, &zero, hd.x, dx.p)),
                CUDNN_STATUS_SUCCESS, "backward data");
  size_t fneed = 0;
  cudnnGetConvolutionBackwardFilterWorkspaceSize(hd.h, hd.x, hd.y, hd.conv, hd.w, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1,
                                                 &fneed);
  Buf fws(fneed / sizeof(double) + 1);
  expect_status(synced(cudnnConvolutionBackwardFilter(hd.h, &one, hd.x, x.p, hd.y, dy.p, hd.conv,
                                               CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1, fws.p, fneed, &zero, hd.w, dw.p)),
                CUDNN_STATUS_SUCCESS, "backward filter");
  const double lhs = dot(ref, dyv);
  expect(std::fabs(dot(xv, dx.get()) - lhs) <= 1e-10 * (1 + std::fabs(lhs)), "backward data adjoint",
         dot(xv, dx.get()), lhs);
  expect(std::fabs(dot(wv, dw.get()) - lhs) <= 1e-10 * (1 + std::fabs(lhs)), "backward filter adjoint",
         dot(wv, dw.get()), lhs);
  // Blending on the backward: dx = 1 * dgrad + 1 * dx doubles it.
  const std::vector<double> dx1 = dx.get();
  synced(cudnnConvolutionBackwardData(hd.h, &one, hd.w, w.p, hd.y, dy.p, hd.conv, CUDNN_CONVOLUTION_BWD_DATA_ALGO_0, nullptr,
                               0, &one, hd.x, dx.p));
  std::vector<double> dx2 = dx1;
  for (double& v : dx2) v *= 2;
  expect_close(dx.get(), dx2, 1e-12, "backward data with beta 1");

  // Bias gradient: per output channel sums of dy.
  cudnnSetTensor4dDescriptor(hd.b, CUDNN_TENSOR_NCHW, CUDNN_DATA_DOUBLE, 1, k, 1, 1);
  Buf db(size_t(k), NAN);
  expect_status(synced(cudnnConvolutionBackwardBias(hd.h, &one, hd.y, dy.p, &zero, hd.b, db.p)), CUDNN_STATUS_SUCCESS,
                "backward bias");
  std::vector<double> sums(size_t(k), 0.0);
  for (size_t i = 0; i < dyv.size(); ++i) sums[(i / (size_t(oh) * ow)) % k] += dyv[i];
  expect_close(db.get(), sums, 1e-12, "backward bias sums");
}

void check_statuses() {
  Handles hd;
  std::printf("version %zu, %s\n", cudnnGetVersion(), cudnnGetErrorString(CUDNN_STATUS_BAD_PARAM));
  expect(cudnnGetVersion() == 91900, "version", static_cast<double>(cudnnGetVersion()), 91900);
  expect(std::strcmp(cudnnGetErrorString(CUDNN_STATUS_NOT_SUPPORTED), "CUDNN_STATUS_NOT_SUPPORTED") == 0,
         "error string");
  const int dims3[] = {2, 3, 4}, strides3[] = {12, 4, 1};
  expect_status(cudnnSetTensorNdDescriptor(hd.x, CUDNN_DATA_FLOAT, 3, dims3, strides3), CUDNN_STATUS_NOT_SUPPORTED,
                "3-D tensor descriptor");
  const int bad[] = {2, 0, 4, 4}, strides4[] = {64, 16, 4, 1};
  expect_status(cudnnSetTensorNdDescriptor(hd.x, CUDNN_DATA_FLOAT, 4, bad, strides4), CUDNN_STATUS_BAD_PARAM,
                "zero dimension");
  expect_status(cudnnSetTensor4dDescriptor(hd.x, CUDNN_TENSOR_NCHW, CUDNN_DATA_DOUBLE, 1, 2, 5, 5),
                CUDNN_STATUS_SUCCESS, "4-D descriptor");
  cudnnSetFilter4dDescriptor(hd.w, CUDNN_DATA_DOUBLE, CUDNN_TENSOR_NCHW, 3, 2, 3, 3);
  cudnnSetConvolution2dDescriptor(hd.conv, 1, 1, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_DOUBLE);
  cudnnSetTensor4dDescriptor(hd.y, CUDNN_TENSOR_NCHW, CUDNN_DATA_DOUBLE, 1, 3, 4, 5);  // should be 5x5
  Buf x(50), w(54), y(75);
  const double one = 1, zero = 0;
  expect_status(synced(cudnnConvolutionForward(hd.h, &one, hd.x, x.p, hd.w, w.p, hd.conv,
                                        CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, nullptr, 0, &zero, hd.y, y.p)),
                CUDNN_STATUS_BAD_PARAM, "mismatched output dims");
  cudnnSetTensor4dDescriptor(hd.y, CUDNN_TENSOR_NCHW, CUDNN_DATA_DOUBLE, 1, 3, 5, 5);
  std::vector<double> host(75);
  expect_status(synced(cudnnConvolutionForward(hd.h, &one, hd.x, x.p, hd.w, w.p, hd.conv,
                                        CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, nullptr, 0, &zero, hd.y, host.data())),
                CUDNN_STATUS_EXECUTION_FAILED, "host pointer as output");
  expect_status(synced(cudnnConvolutionForward(hd.h, &one, hd.x, x.p, hd.w, w.p, hd.conv, CUDNN_CONVOLUTION_FWD_ALGO_FFT,
                                        nullptr, 0, &zero, hd.y, y.p)),
                CUDNN_STATUS_NOT_SUPPORTED, "algorithm the emulation lacks");
  cudnnSetConvolutionGroupCount(hd.conv, 2);  // 2 groups of 2 channels, but x has 2 channels
  expect_status(synced(cudnnConvolutionForward(hd.h, &one, hd.x, x.p, hd.w, w.p, hd.conv,
                                        CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, nullptr, 0, &zero, hd.y, y.p)),
                CUDNN_STATUS_BAD_PARAM, "group count against channels");
  expect_status(synced(cudnnSoftmaxForward(hd.h, CUDNN_SOFTMAX_ACCURATE, CUDNN_SOFTMAX_MODE_INSTANCE, nullptr, hd.x, x.p,
                                    &zero, hd.x, x.p)),
                CUDNN_STATUS_BAD_PARAM, "null alpha");
  // Batch norm: epsilon below the minimum, running statistics given only in part.
  cudnnSetTensor4dDescriptor(hd.b, CUDNN_TENSOR_NCHW, CUDNN_DATA_DOUBLE, 1, 2, 1, 1);
  Buf p(2, 1.0), y2(50);
  expect_status(synced(cudnnBatchNormalizationForwardTraining(hd.h, CUDNN_BATCHNORM_SPATIAL, &one, &zero, hd.x, x.p, hd.x,
                                                       y2.p, hd.b, p.p, p.p, 0.1, nullptr, nullptr, -1.0, nullptr,
                                                       nullptr)),
                CUDNN_STATUS_BAD_PARAM, "epsilon below the minimum");
  expect_status(synced(cudnnBatchNormalizationForwardTraining(hd.h, CUDNN_BATCHNORM_SPATIAL, &one, &zero, hd.x, x.p, hd.x,
                                                       y2.p, hd.b, p.p, p.p, 0.1, p.p, nullptr, 1e-5, nullptr,
                                                       nullptr)),
                CUDNN_STATUS_BAD_PARAM, "running mean without running variance");
  expect_status(synced(cudnnBatchNormalizationForwardTraining(hd.h, CUDNN_BATCHNORM_PER_ACTIVATION, &one, &zero, hd.x, x.p,
                                                       hd.x, y2.p, hd.b, p.p, p.p, 0.1, nullptr, nullptr, 1e-5,
                                                       nullptr, nullptr)),
                CUDNN_STATUS_BAD_PARAM, "SPATIAL parameters for PER_ACTIVATION");
}

// Non-packed layouts: a padded-stride x, bias broadcast with AddTensor, NHWC.
void check_strides_and_add() {
  Handles hd;
  const int dims[] = {2, 3, 2, 2}, strides[] = {40, 12, 5, 2};  // gaps between rows, columns and images
  cudnnSetTensorNdDescriptor(hd.x, CUDNN_DATA_DOUBLE, 4, dims, strides);
  cudnnSetTensor4dDescriptor(hd.b, CUDNN_TENSOR_NCHW, CUDNN_DATA_DOUBLE, 1, 3, 1, 1);
  Buf c(80, 0.0), bias(std::vector<double>{1, 2, 3});
  const double alpha = 2, beta = 1;
  expect_status(synced(cudnnAddTensor(hd.h, &alpha, hd.b, bias.p, &beta, hd.x, c.p)), CUDNN_STATUS_SUCCESS, "add tensor");
  bool ok = true;
  for (int n = 0; n < 2; ++n)
    for (int ch = 0; ch < 3; ++ch)
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) ok = ok && c.p[n * 40 + ch * 12 + i * 5 + j * 2] == 2.0 * (ch + 1);
  double gap_sum = 0;
  for (double v : c.get()) gap_sum += v;
  expect(ok && gap_sum == 2 * 2 * 4 * (1 + 2 + 3), "strided broadcast add touches only described elements", gap_sum,
         2 * 2 * 4 * 6);
  cudnnSetTensor4dDescriptor(hd.y, CUDNN_TENSOR_NCHW, CUDNN_DATA_DOUBLE, 1, 2, 1, 1);
  expect_status(synced(cudnnAddTensor(hd.h, &alpha, hd.y, bias.p, &beta, hd.x, c.p)), CUDNN_STATUS_BAD_PARAM,
                "add tensor with 2 channels into 3");
  // NHWC: channel is the fastest dim.
  cudnnSetTensor4dDescriptor(hd.y, CUDNN_TENSOR_NHWC, CUDNN_DATA_DOUBLE, 1, 3, 1, 2);
  Buf d(6, 0.0);
  synced(cudnnAddTensor(hd.h, &alpha, hd.b, bias.p, &beta, hd.y, d.p));
  expect_close(d.get(), {2, 4, 6, 2, 4, 6}, 0, "NHWC add");
}

void check_softmax() {
  Handles hd;
  std::mt19937 g(3);
  cudnnSetTensor4dDescriptor(hd.x, CUDNN_TENSOR_NCHW, CUDNN_DATA_DOUBLE, 2, 3, 2, 2);
  const std::vector<double> xv = random_vec(g, 24), dyv = random_vec(g, 24);
  Buf x(xv), y(24), dy(dyv), dx(24);
  const double one = 1, zero = 0;
  for (cudnnSoftmaxMode_t mode : {CUDNN_SOFTMAX_MODE_INSTANCE, CUDNN_SOFTMAX_MODE_CHANNEL}) {
    // Groups: INSTANCE normalizes all 12 values of an image, CHANNEL the 3 channels of a pixel.
    auto group = [&](size_t i) { return mode == CUDNN_SOFTMAX_MODE_INSTANCE ? i / 12 : (i / 12) * 4 + i % 4; };
    std::vector<double> sum(8, 0.0);
    for (size_t i = 0; i < 24; ++i) sum[group(i)] += std::exp(xv[i]);
    std::vector<double> soft(24), logsoft(24);
    for (size_t i = 0; i < 24; ++i) {
      soft[i] = std::exp(xv[i]) / sum[group(i)];
      logsoft[i] = xv[i] - std::log(sum[group(i)]);
    }
    for (cudnnSoftmaxAlgorithm_t algo : {CUDNN_SOFTMAX_FAST, CUDNN_SOFTMAX_ACCURATE, CUDNN_SOFTMAX_LOG}) {
      const bool log = algo == CUDNN_SOFTMAX_LOG;
      expect_status(synced(cudnnSoftmaxForward(hd.h, algo, mode, &one, hd.x, x.p, &zero, hd.x, y.p)), CUDNN_STATUS_SUCCESS,
                    "softmax forward");
      expect_close(y.get(), log ? logsoft : soft, 1e-12, "softmax forward values");
      expect_status(synced(cudnnSoftmaxBackward(hd.h, algo, mode, &one, hd.x, y.p, hd.x, dy.p, &zero, hd.x, dx.p)),
                    CUDNN_STATUS_SUCCESS, "softmax backward");
      // d/dx_i of sum_j dy_j y_j, by central differences on the reference.
      std::vector<double> num(24);
      for (size_t i = 0; i < 24; ++i) {
        double f[2];
        for (int s = 0; s < 2; ++s) {
          std::vector<double> xp = xv;
          xp[i] += s == 0 ? 1e-6 : -1e-6;
          std::vector<double> gs(8, 0.0);
          for (size_t j = 0; j < 24; ++j) gs[group(j)] += std::exp(xp[j]);
          double v = 0;
          for (size_t j = 0; j < 24; ++j)
            v += dyv[j] * (log ? xp[j] - std::log(gs[group(j)]) : std::exp(xp[j]) / gs[group(j)]);
          f[s] = v;
        }
        num[i] = (f[0] - f[1]) / 2e-6;
      }
      expect_close(dx.get(), num, 1e-6, "softmax backward against finite differences");
    }
  }
}

// CUDNN_SOFTMAX_LOG rounds as cuDNN 9.19 did on an H200: x - (max + log sum), so for float64
// logits {9999, 3000, 1e4} the 1e4 entry is -0.3132616875191161, not the exactly rounded
// -0.31326168751822286 of (x - max) - log sum. The emulation must reproduce it, or a caller
// relying on cuDNN's log-softmax would pass here and fail on the GPU (cuda/softmax.cu).
void check_log_softmax_rounding() {
  Handles hd;
  cudnnSetTensor4dDescriptor(hd.x, CUDNN_TENSOR_NCHW, CUDNN_DATA_DOUBLE, 1, 3, 1, 1);
  Buf x(std::vector<double>{9999, 3000, 1e4}), y(3);
  const double one = 1, zero = 0;
  expect_status(synced(cudnnSoftmaxForward(hd.h, CUDNN_SOFTMAX_LOG, CUDNN_SOFTMAX_MODE_INSTANCE, &one, hd.x, x.p, &zero,
                                           hd.x, y.p)),
                CUDNN_STATUS_SUCCESS, "log softmax of huge logits");
  expect_close({y.get()[2]}, {-0.3132616875191161}, 0, "log softmax rounded as cuDNN rounds it");
}

void check_batch_norm() {
  Handles hd;
  std::mt19937 g(4);
  const int N = 3, C = 2, H = 2, W = 3, M = N * H * W;
  cudnnSetTensor4dDescriptor(hd.x, CUDNN_TENSOR_NCHW, CUDNN_DATA_DOUBLE, N, C, H, W);
  expect_status(cudnnDeriveBNTensorDescriptor(hd.b, hd.x, CUDNN_BATCHNORM_SPATIAL), CUDNN_STATUS_SUCCESS, "derive");
  const std::vector<double> xv = random_vec(g, N * C * H * W), dyv = random_vec(g, N * C * H * W);
  Buf x(xv), y(xv.size()), scale(std::vector<double>{1.5, 0.5}), bias(std::vector<double>{0.25, -1});
  Buf rm(std::vector<double>{0.1, -0.2}), rv(std::vector<double>{1, 2}), sm(2), si(2);
  const double one = 1, zero = 0, eps = 1e-3, factor = 0.25;
  expect_status(synced(cudnnBatchNormalizationForwardTraining(hd.h, CUDNN_BATCHNORM_SPATIAL, &one, &zero, hd.x, x.p, hd.x,
                                                       y.p, hd.b, scale.p, bias.p, factor, rm.p, rv.p, eps, sm.p,
                                                       si.p)),
                CUDNN_STATUS_SUCCESS, "bn training");
  std::vector<double> mean(C, 0), var(C, 0), yref(xv.size()), rmref(C), rvref(C), siref(C);
  auto ch = [&](size_t i) { return (i / (H * W)) % C; };
  for (size_t i = 0; i < xv.size(); ++i) mean[ch(i)] += xv[i] / M;
  for (size_t i = 0; i < xv.size(); ++i) var[ch(i)] += (xv[i] - mean[ch(i)]) * (xv[i] - mean[ch(i)]) / M;
  const double sc[] = {1.5, 0.5}, bi[] = {0.25, -1}, rm0[] = {0.1, -0.2}, rv0[] = {1, 2};
  for (size_t i = 0; i < xv.size(); ++i)
    yref[i] = sc[ch(i)] * (xv[i] - mean[ch(i)]) / std::sqrt(var[ch(i)] + eps) + bi[ch(i)];
  for (int c = 0; c < C; ++c) {
    rmref[c] = (1 - factor) * rm0[c] + factor * mean[c];
    rvref[c] = (1 - factor) * rv0[c] + factor * var[c] * M / (M - 1);
    siref[c] = 1 / std::sqrt(var[c] + eps);
  }
  expect_close(y.get(), yref, 1e-12, "bn training y");
  expect_close(rm.get(), rmref, 1e-12, "bn running mean");
  expect_close(rv.get(), rvref, 1e-12, "bn running variance (unbiased)");
  expect_close(sm.get(), mean, 1e-12, "bn saved mean");
  expect_close(si.get(), siref, 1e-12, "bn saved inverse std");

  // Backward against finite differences of L = sum dy * y(x, scale, bias) through the batch statistics.
  auto loss = [&](const std::vector<double>& xs, const double* s, const double* b) {
    std::vector<double> mu(C, 0), v(C, 0);
    for (size_t i = 0; i < xs.size(); ++i) mu[ch(i)] += xs[i] / M;
    for (size_t i = 0; i < xs.size(); ++i) v[ch(i)] += (xs[i] - mu[ch(i)]) * (xs[i] - mu[ch(i)]) / M;
    double l = 0;
    for (size_t i = 0; i < xs.size(); ++i) l += dyv[i] * (s[ch(i)] * (xs[i] - mu[ch(i)]) / std::sqrt(v[ch(i)] + eps) + b[ch(i)]);
    return l;
  };
  Buf dy(dyv), dx(xv.size()), ds(2), dbias(2);
  for (bool saved : {true, false}) {
    expect_status(synced(cudnnBatchNormalizationBackward(hd.h, CUDNN_BATCHNORM_SPATIAL, &one, &zero, &one, &zero, hd.x, x.p,
                                                  hd.x, dy.p, hd.x, dx.p, hd.b, scale.p, ds.p, dbias.p, eps,
                                                  saved ? sm.p : nullptr, saved ? si.p : nullptr)),
                  CUDNN_STATUS_SUCCESS, "bn backward");
    std::vector<double> ndx(xv.size());
    for (size_t i = 0; i < xv.size(); ++i) {
      std::vector<double> a = xv, b = xv;
      a[i] += 1e-6;
      b[i] -= 1e-6;
      ndx[i] = (loss(a, sc, bi) - loss(b, sc, bi)) / 2e-6;
    }
    expect_close(dx.get(), ndx, 1e-6, saved ? "bn dx (saved statistics)" : "bn dx (recomputed statistics)");
    std::vector<double> nds(C), ndb(C);
    for (int c = 0; c < C; ++c) {
      double s1[] = {sc[0], sc[1]}, s2[] = {sc[0], sc[1]}, b1[] = {bi[0], bi[1]}, b2[] = {bi[0], bi[1]};
      s1[c] += 1e-6;
      s2[c] -= 1e-6;
      b1[c] += 1e-6;
      b2[c] -= 1e-6;
      nds[c] = (loss(xv, s1, bi) - loss(xv, s2, bi)) / 2e-6;
      ndb[c] = (loss(xv, sc, b1) - loss(xv, sc, b2)) / 2e-6;
    }
    expect_close(ds.get(), nds, 1e-6, "bn dscale");
    expect_close(dbias.get(), ndb, 1e-6, "bn dbias");
  }

  // Inference with the running statistics.
  expect_status(synced(cudnnBatchNormalizationForwardInference(hd.h, CUDNN_BATCHNORM_SPATIAL, &one, &zero, hd.x, x.p, hd.x,
                                                        y.p, hd.b, scale.p, bias.p, rm.p, rv.p, eps)),
                CUDNN_STATUS_SUCCESS, "bn inference");
  for (size_t i = 0; i < xv.size(); ++i)
    yref[i] = sc[ch(i)] * (xv[i] - rmref[ch(i)]) / std::sqrt(rvref[ch(i)] + eps) + bi[ch(i)];
  expect_close(y.get(), yref, 1e-12, "bn inference y");

  // PER_ACTIVATION: statistics per (c, h, w) over N.
  cudnnTensorDescriptor_t pa = nullptr;
  cudnnCreateTensorDescriptor(&pa);
  expect_status(cudnnDeriveBNTensorDescriptor(pa, hd.x, CUDNN_BATCHNORM_PER_ACTIVATION), CUDNN_STATUS_SUCCESS,
                "derive per activation");
  Buf ones(C * H * W, 1.0), zeros(C * H * W, 0.0), pm(C * H * W), pi(C * H * W);
  expect_status(synced(cudnnBatchNormalizationForwardTraining(hd.h, CUDNN_BATCHNORM_PER_ACTIVATION, &one, &zero, hd.x, x.p,
                                                       hd.x, y.p, pa, ones.p, zeros.p, 0.1, nullptr, nullptr, eps,
                                                       pm.p, pi.p)),
                CUDNN_STATUS_SUCCESS, "bn per activation");
  std::vector<double> pmref(C * H * W, 0.0);
  for (size_t i = 0; i < xv.size(); ++i) pmref[i % (C * H * W)] += xv[i] / N;
  expect_close(pm.get(), pmref, 1e-12, "bn per-activation mean");
  cudnnDestroyTensorDescriptor(pa);
}

}  // namespace

int main() {
  std::mt19937 g(1);
  const ConvCase cases[] = {
      {"plain 3x3", 2, 3, 5, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION},
      {"stride 2, pad 2", 1, 2, 7, 8, 3, 3, 2, 2, 1, 2, 2, 1, 1, 1, CUDNN_CROSS_CORRELATION},
      {"dilation", 2, 2, 9, 7, 2, 3, 3, 1, 1, 1, 1, 2, 3, 1, CUDNN_CROSS_CORRELATION},
      {"groups", 1, 4, 5, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2, CUDNN_CROSS_CORRELATION},
      {"flipped kernel", 2, 2, 5, 5, 3, 3, 2, 0, 1, 1, 1, 1, 1, 1, CUDNN_CONVOLUTION},
      {"flipped, everything", 2, 4, 8, 7, 4, 3, 3, 1, 2, 2, 2, 2, 1, 2, CUDNN_CONVOLUTION},
  };
  for (const ConvCase& cc : cases) check_convolution(cc, g);
  check_statuses();
  check_strides_and_add();
  check_softmax();
  check_log_softmax_rounding();
  check_batch_norm();
  std::printf("%d checks, %d failed\n", checks, failures);
  if (failures == 0) std::printf("ALL PASSED\n");
  return failures == 0 ? 0 : 1;
}
