// Checks the emulated cudnnConvolutionBiasActivationForward (src/cuda/emu/cudnn_conv.cpp) on
// float32 data against a float64 reference written from the documented formula
// y = act(alpha1 * conv(x, w) + alpha2 * z + bias), that its identity form equals
// cudnnConvolutionForward followed by cudnnAddTensor bit for bit (the unfused path it replaces in
// conv.cu), its NaN handling per cudnnNanPropagation_t, and each documented refusal. Built with
// the emulation (src/cuda/CMakeLists.txt); CudnnFusedEmulationTest runs it and expects exit
// status 0 and "ALL PASSED". Prints one line per failed check.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "emu_buffer.h"

using namespace jdnn::vendor;
using namespace jdnn::vendor::emu;
using jdnn_test::Buf;

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

void expect_status(cudnnStatus_t got, cudnnStatus_t want, const char* what) { expect(got == want, what, got, want); }

void sync() { expect(cudaDeviceSynchronize() == cudaSuccess, "device synchronization after the call"); }

struct Case {
  const char* name;
  int n, c, h, w, k, kh, kw, pad, stride, dil, groups;
  int oh() const { return (h + 2 * pad - ((kh - 1) * dil + 1)) / stride + 1; }
  int ow() const { return (w + 2 * pad - ((kw - 1) * dil + 1)) / stride + 1; }
};

// The descriptors and buffers of one fused call; z is a buffer of its own unless z_is_y.
struct Setup {
  const Case& cc;
  cudnnHandle_t h = nullptr;
  cudnnTensorDescriptor_t xd = nullptr, yd = nullptr, zd = nullptr, bd = nullptr;
  cudnnFilterDescriptor_t wd = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnActivationDescriptor_t act = nullptr;
  std::vector<float> x, w, z, b;
  Buf<float> dx, dw, dy, dz, db;

  Setup(const Case& c, std::mt19937& g)
      : cc(c),
        x(size_t(c.n) * c.c * c.h * c.w),
        w(size_t(c.k) * (c.c / c.groups) * c.kh * c.kw),
        z(size_t(c.n) * c.k * c.oh() * c.ow()),
        b(size_t(c.k)),
        dx(x.size()),
        dw(w.size()),
        dy(z.size(), std::nanf("")),  // an unwritten output: it must not be read when alpha2 is 0
        dz(z.size()),
        db(b.size()) {
    std::uniform_real_distribution<float> u(-1, 1);
    for (auto* v : {&x, &w, &z, &b})
      for (float& e : *v) e = u(g);
    std::memcpy(dx.p, x.data(), x.size() * 4);
    std::memcpy(dw.p, w.data(), w.size() * 4);
    std::memcpy(dz.p, z.data(), z.size() * 4);
    std::memcpy(db.p, b.data(), b.size() * 4);
    cudnnCreate(&h);
    for (auto* d : {&xd, &yd, &zd, &bd}) cudnnCreateTensorDescriptor(d);
    cudnnCreateFilterDescriptor(&wd);
    cudnnCreateConvolutionDescriptor(&conv);
    cudnnCreateActivationDescriptor(&act);
    cudnnSetTensor4dDescriptor(xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, c.n, c.c, c.h, c.w);
    cudnnSetTensor4dDescriptor(yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, c.n, c.k, c.oh(), c.ow());
    cudnnSetTensor4dDescriptor(zd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, c.n, c.k, c.oh(), c.ow());
    cudnnSetTensor4dDescriptor(bd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, c.k, 1, 1);
    cudnnSetFilter4dDescriptor(wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, c.k, c.c / c.groups, c.kh, c.kw);
    cudnnSetConvolution2dDescriptor(conv, c.pad, c.pad, c.stride, c.stride, c.dil, c.dil, CUDNN_CROSS_CORRELATION,
                                    CUDNN_DATA_FLOAT);
    cudnnSetConvolutionGroupCount(conv, c.groups);
    cudnnSetConvolutionMathType(conv, CUDNN_FMA_MATH);  // exact float32: no TF32 rounding
  }
  ~Setup() {
    cudnnDestroyActivationDescriptor(act);
    cudnnDestroyConvolutionDescriptor(conv);
    cudnnDestroyFilterDescriptor(wd);
    for (auto d : {xd, yd, zd, bd}) cudnnDestroyTensorDescriptor(d);
    cudnnDestroy(h);
  }
  Setup(const Setup&) = delete;
  Setup& operator=(const Setup&) = delete;

  cudnnStatus_t run(cudnnConvolutionFwdAlgo_t algo, float a1, float a2, bool z_is_y) {
    return cudnnConvolutionBiasActivationForward(h, &a1, xd, dx.p, wd, dw.p, conv, algo, nullptr, 0, &a2,
                                                 z_is_y ? yd : zd, z_is_y ? dy.p : dz.p, bd, db.p, act, yd, dy.p);
  }

  // The documented formula in float64 over the float inputs.
  std::vector<double> reference(float a1, float a2, bool z_is_y, cudnnActivationMode_t mode) const {
    const int cg = cc.c / cc.groups, kpg = cc.k / cc.groups, oh = cc.oh(), ow = cc.ow();
    std::vector<double> y(z.size());
    for (int n = 0; n < cc.n; ++n)
      for (int k = 0; k < cc.k; ++k)
        for (int i = 0; i < oh; ++i)
          for (int j = 0; j < ow; ++j) {
            double s = 0;
            for (int c = 0; c < cg; ++c)
              for (int r = 0; r < cc.kh; ++r)
                for (int q = 0; q < cc.kw; ++q) {
                  const int ih = i * cc.stride - cc.pad + r * cc.dil, iw = j * cc.stride - cc.pad + q * cc.dil;
                  if (ih < 0 || ih >= cc.h || iw < 0 || iw >= cc.w) continue;
                  s += double(x[((size_t(n) * cc.c + (k / kpg) * cg + c) * cc.h + ih) * cc.w + iw]) *
                       double(w[((size_t(k) * cg + c) * cc.kh + r) * cc.kw + q]);
                }
            const size_t yi = ((size_t(n) * cc.k + k) * oh + i) * ow + j;
            double v = double(a1) * s + double(b[size_t(k)]);
            if (!z_is_y) v += double(a2) * double(z[yi]);
            y[yi] = mode == CUDNN_ACTIVATION_RELU ? std::max(v, 0.0) : v;
          }
    return y;
  }
};

void expect_close(const Buf<float>& got, const std::vector<double>& want, const char* what) {
  for (size_t i = 0; i < want.size(); ++i)
    if (!(std::fabs(double(got.p[i]) - want[i]) <= 1e-5 * (1 + std::fabs(want[i])))) {
      expect(false, what, got.p[i], want[i]);
      return;
    }
  expect(true, what);
}

const Case kCases[] = {
    {"1x1", 2, 3, 4, 4, 5, 1, 1, 0, 1, 1, 1},
    {"3x3 padded", 2, 3, 6, 5, 4, 3, 3, 1, 1, 1, 1},
    {"strided dilated", 1, 2, 9, 8, 3, 3, 2, 2, 2, 2, 1},
    {"grouped", 2, 4, 5, 5, 6, 3, 3, 1, 1, 1, 2},
};

// Results against the float64 reference: identity (the one algorithm it runs with) and ReLU
// (that algorithm and another), z aliasing an unwritten y with alpha2 0, and a z of its own.
void check_results(std::mt19937& g) {
  for (const Case& cc : kCases) {
    Setup s(cc, g);
    struct Form {
      cudnnActivationMode_t mode;
      cudnnConvolutionFwdAlgo_t algo;
    };
    for (const Form f : {Form{CUDNN_ACTIVATION_IDENTITY, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM},
                         Form{CUDNN_ACTIVATION_RELU, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM},
                         Form{CUDNN_ACTIVATION_RELU, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM}})
      for (const bool z_is_y : {true, false}) {
        const float a1 = z_is_y ? 1.0f : 0.75f, a2 = z_is_y ? 0.0f : 0.5f;
        for (size_t i = 0; i < s.z.size(); ++i) s.dy.p[i] = std::nanf("");
        expect_status(cudnnSetActivationDescriptor(s.act, f.mode, CUDNN_NOT_PROPAGATE_NAN, 0.0), CUDNN_STATUS_SUCCESS,
                      "set activation descriptor");
        expect_status(s.run(f.algo, a1, a2, z_is_y), CUDNN_STATUS_SUCCESS, cc.name);
        sync();
        char what[128];
        std::snprintf(what, sizeof what, "%s: %s, algo %d, %s", cc.name,
                      f.mode == CUDNN_ACTIVATION_RELU ? "relu" : "identity", static_cast<int>(f.algo),
                      z_is_y ? "z is y, alpha2 0" : "own z, alpha2 0.5");
        expect_close(s.dy, s.reference(a1, a2, z_is_y, f.mode), what);
      }
  }
}

// The identity form rounds as the two calls it replaces: the convolution's sum to float, then
// the bias added and rounded again, so conv.cu's fused path changes no bit.
void check_identity_equals_unfused(std::mt19937& g) {
  for (const Case& cc : kCases) {
    Setup s(cc, g);
    cudnnSetActivationDescriptor(s.act, CUDNN_ACTIVATION_IDENTITY, CUDNN_NOT_PROPAGATE_NAN, 0.0);
    expect_status(s.run(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, 1.0f, 0.0f, true), CUDNN_STATUS_SUCCESS,
                  "fused identity");
    Buf<float> y2(s.z.size(), std::nanf(""));
    const float one = 1.0f, zero = 0.0f;
    expect_status(cudnnConvolutionForward(s.h, &one, s.xd, s.dx.p, s.wd, s.dw.p, s.conv,
                                          CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, nullptr, 0, &zero, s.yd,
                                          y2.p),
                  CUDNN_STATUS_SUCCESS, "unfused convolution");
    expect_status(cudnnAddTensor(s.h, &one, s.bd, s.db.p, &one, s.yd, y2.p), CUDNN_STATUS_SUCCESS, "unfused bias");
    sync();
    bool same = true;
    for (size_t i = 0; i < s.z.size(); ++i) same = same && std::memcmp(&s.dy.p[i], &y2.p[i], 4) == 0;
    expect(same, "fused identity equals convolution then cudnnAddTensor bit for bit");
  }
}

// A NaN in the sum: identity keeps it; ReLU keeps it under CUDNN_PROPAGATE_NAN and gives 0 under
// CUDNN_NOT_PROPAGATE_NAN (cudnnNanPropagation_t).
void check_nan(std::mt19937& g) {
  Setup s(kCases[0], g);
  s.dx.p[0] = std::nanf("");  // sample 0, channel 0, pixel 0 feeds every output channel at pixel 0
  struct Want {
    cudnnActivationMode_t mode;
    cudnnNanPropagation_t nan;
    bool keeps;
    const char* what;
  };
  for (const Want& want : {Want{CUDNN_ACTIVATION_IDENTITY, CUDNN_NOT_PROPAGATE_NAN, true, "identity keeps NaN"},
                           Want{CUDNN_ACTIVATION_RELU, CUDNN_PROPAGATE_NAN, true, "relu, PROPAGATE_NAN keeps NaN"},
                           Want{CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN, false, "relu, NOT_PROPAGATE_NAN: 0"}}) {
    cudnnSetActivationDescriptor(s.act, want.mode, want.nan, 0.0);
    expect_status(s.run(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, 1.0f, 0.0f, true), CUDNN_STATUS_SUCCESS,
                  want.what);
    sync();
    const float v = s.dy.p[0];
    expect(want.keeps ? std::isnan(v) : v == 0.0f, want.what, v, want.keeps ? NAN : 0.0);
    expect(!std::isnan(s.dy.p[1]), "the other pixels are numbers", s.dy.p[1]);
  }
}

// Each refusal, with the status the reference gives for it; the first call shows the setup is valid.
void check_refusals(std::mt19937& g) {
  const Case& cc = kCases[1];
  Setup s(cc, g);
  const auto precomp = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
  expect_status(s.run(precomp, 1, 0, true), CUDNN_STATUS_BAD_PARAM, "activation descriptor never set");
  expect_status(cudnnSetActivationDescriptor(s.act, static_cast<cudnnActivationMode_t>(7), CUDNN_NOT_PROPAGATE_NAN, 0),
                CUDNN_STATUS_BAD_PARAM, "set: activation mode out of range");
  expect_status(cudnnSetActivationDescriptor(s.act, CUDNN_ACTIVATION_RELU, static_cast<cudnnNanPropagation_t>(2), 0),
                CUDNN_STATUS_BAD_PARAM, "set: NaN option out of range");
  expect_status(cudnnSetActivationDescriptor(s.act, CUDNN_ACTIVATION_IDENTITY, CUDNN_NOT_PROPAGATE_NAN, 0),
                CUDNN_STATUS_SUCCESS, "set identity");
  expect_status(s.run(precomp, 1, 0, true), CUDNN_STATUS_SUCCESS, "valid identity call");
  expect_status(s.run(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, 1, 0, true), CUDNN_STATUS_NOT_SUPPORTED,
                "identity with IMPLICIT_GEMM");
  expect_status(s.run(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, 1, 0, true), CUDNN_STATUS_NOT_SUPPORTED,
                "identity with GEMM");
  cudnnSetActivationDescriptor(s.act, CUDNN_ACTIVATION_TANH, CUDNN_NOT_PROPAGATE_NAN, 0);
  expect_status(s.run(precomp, 1, 0, true), CUDNN_STATUS_NOT_SUPPORTED, "tanh activation");
  cudnnSetActivationDescriptor(s.act, CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN, 0);
  expect_status(s.run(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, 1, 0, true), CUDNN_STATUS_BAD_PARAM,
                "relu with GEMM and no workspace (the convolution's own precondition)");
  // The bias must be (1, K, 1, 1) of y's type.
  cudnnSetTensor4dDescriptor(s.bd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, cc.k - 1, 1, 1);
  expect_status(s.run(precomp, 1, 0, true), CUDNN_STATUS_BAD_PARAM, "bias of K - 1 channels");
  cudnnSetTensor4dDescriptor(s.bd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 2, cc.k, 1, 1);
  expect_status(s.run(precomp, 1, 0, true), CUDNN_STATUS_BAD_PARAM, "bias with N 2");
  cudnnSetTensor4dDescriptor(s.bd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, cc.k, 1, 2);
  expect_status(s.run(precomp, 1, 0, true), CUDNN_STATUS_BAD_PARAM, "bias with W 2");
  cudnnSetTensor4dDescriptor(s.bd, CUDNN_TENSOR_NCHW, CUDNN_DATA_DOUBLE, 1, cc.k, 1, 1);
  expect_status(s.run(precomp, 1, 0, true), CUDNN_STATUS_BAD_PARAM, "double bias for float data");
  cudnnSetTensor4dDescriptor(s.bd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, cc.k, 1, 1);
  // z described like y.
  cudnnSetTensor4dDescriptor(s.zd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, cc.n, cc.k, cc.oh(), cc.ow() + 1);
  expect_status(s.run(precomp, 1, 0.5f, false), CUDNN_STATUS_BAD_PARAM, "z wider than y");
  cudnnSetTensor4dDescriptor(s.zd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, cc.n, cc.k, cc.oh(), cc.ow());
  // y of the wrong shape.
  cudnnSetTensor4dDescriptor(s.yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, cc.n, cc.k, cc.oh() + 1, cc.ow());
  expect_status(s.run(precomp, 1, 0, false), CUDNN_STATUS_BAD_PARAM, "y taller than the convolution's output");
  cudnnSetTensor4dDescriptor(s.yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, cc.n, cc.k, cc.oh(), cc.ow());
  // Null scaling factors and host data.
  const float one = 1;
  expect_status(cudnnConvolutionBiasActivationForward(s.h, &one, s.xd, s.dx.p, s.wd, s.dw.p, s.conv, precomp, nullptr,
                                                      0, nullptr, s.yd, s.dy.p, s.bd, s.db.p, s.act, s.yd, s.dy.p),
                CUDNN_STATUS_BAD_PARAM, "null alpha2");
  std::vector<float> host_bias(size_t(cc.k), 0.0f);
  const float zero = 0;
  expect_status(cudnnConvolutionBiasActivationForward(s.h, &one, s.xd, s.dx.p, s.wd, s.dw.p, s.conv, precomp, nullptr,
                                                      0, &zero, s.yd, s.dy.p, s.bd, host_bias.data(), s.act, s.yd,
                                                      s.dy.p),
                CUDNN_STATUS_EXECUTION_FAILED, "bias in host memory");
  // A destroyed activation descriptor.
  cudnnActivationDescriptor_t gone = nullptr;
  cudnnCreateActivationDescriptor(&gone);
  cudnnSetActivationDescriptor(gone, CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN, 0);
  cudnnDestroyActivationDescriptor(gone);
  expect_status(cudnnConvolutionBiasActivationForward(s.h, &one, s.xd, s.dx.p, s.wd, s.dw.p, s.conv, precomp, nullptr,
                                                      0, &zero, s.yd, s.dy.p, s.bd, s.db.p, gone, s.yd, s.dy.p),
                CUDNN_STATUS_BAD_PARAM, "destroyed activation descriptor");
  expect_status(cudnnDestroyActivationDescriptor(gone), CUDNN_STATUS_BAD_PARAM, "destroying it twice");
  sync();
}

}  // namespace

int main() {
  std::mt19937 g(13);
  check_results(g);
  check_identity_equals_unfused(g);
  check_nan(g);
  check_refusals(g);
  std::printf("%d checks, %d failed\n", checks, failures);
  if (failures == 0) std::printf("ALL PASSED\n");
  return failures == 0 ? 0 : 1;
}
