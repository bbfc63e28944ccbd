// A question for a real GPU that the documentation leaves open: does cuDNN's fused convolution
// (cudnnConvolutionBiasActivationForward) keep a NaN through its RELU activation when the activation
// descriptor asks for CUDNN_PROPAGATE_NAN? jdnn's ReLU keeps NaN, so the fused ReLU may be used only
// if it does (docs/architecture.md, the fused convolution). Built and run on the GPU machine against
// the cuDNN wheel's headers (it includes cudnn.h, which this repository does not carry):
//
//   nvcc -O0 -I$CUDNN/include native/test/gpu/fused_relu_nan_probe.cu -o probe -L$CUDNN/lib -l:libcudnn.so.9
//   LD_LIBRARY_PATH=$CUDNN/lib ./probe
//
// Prints each output of a 1x1 convolution (weight 1, bias 0) over {NaN, -1, 2, -inf, +inf} for the
// two NaN options, and a last line "fused RELU keeps NaN with PROPAGATE_NAN: yes|no". Exit 0 when
// every call succeeded, 1 otherwise.
#include <cudnn.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace {

bool ok(cudnnStatus_t s, const char* what) {
  if (s != CUDNN_STATUS_SUCCESS) std::printf("%s failed: %s\n", what, cudnnGetErrorString(s));
  return s == CUDNN_STATUS_SUCCESS;
}

bool ok(cudaError_t s, const char* what) {
  if (s != cudaSuccess) std::printf("%s failed: %s\n", what, cudaGetErrorString(s));
  return s == cudaSuccess;
}

// Runs the fused call with RELU and the NaN option; fills out[5]. False when a call failed.
bool run(cudnnHandle_t h, cudnnNanPropagation_t nan, float* out) {
  const int n = 5;
  const float inf = std::numeric_limits<float>::infinity();
  const float x_host[n] = {std::numeric_limits<float>::quiet_NaN(), -1.0f, 2.0f, -inf, inf};
  const float w_host = 1.0f, b_host = 0.0f;
  float *x = nullptr, *w = nullptr, *b = nullptr, *y = nullptr;
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
  cudnnTensorDescriptor_t xd, yd, bd;
  cudnnFilterDescriptor_t wd;
  cudnnConvolutionDescriptor_t cd;
  cudnnActivationDescriptor_t ad;
  bool good = ok(cudaMalloc(&x, n * sizeof(float)), "cudaMalloc") && ok(cudaMalloc(&y, n * sizeof(float)), "cudaMalloc") &&
              ok(cudaMalloc(&w, sizeof(float)), "cudaMalloc") && ok(cudaMalloc(&b, sizeof(float)), "cudaMalloc") &&
              ok(cudaMemcpy(x, x_host, sizeof x_host, cudaMemcpyHostToDevice), "cudaMemcpy") &&
              ok(cudaMemcpy(w, &w_host, sizeof w_host, cudaMemcpyHostToDevice), "cudaMemcpy") &&
              ok(cudaMemcpy(b, &b_host, sizeof b_host, cudaMemcpyHostToDevice), "cudaMemcpy") &&
              ok(cudnnCreateTensorDescriptor(&xd), "cudnnCreateTensorDescriptor") &&
              ok(cudnnCreateTensorDescriptor(&yd), "cudnnCreateTensorDescriptor") &&
              ok(cudnnCreateTensorDescriptor(&bd), "cudnnCreateTensorDescriptor") &&
              ok(cudnnCreateFilterDescriptor(&wd), "cudnnCreateFilterDescriptor") &&
              ok(cudnnCreateConvolutionDescriptor(&cd), "cudnnCreateConvolutionDescriptor") &&
              ok(cudnnCreateActivationDescriptor(&ad), "cudnnCreateActivationDescriptor") &&
              ok(cudnnSetTensor4dDescriptor(xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, 1, 1, n), "set x") &&
              ok(cudnnSetTensor4dDescriptor(yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, 1, 1, n), "set y") &&
              ok(cudnnSetTensor4dDescriptor(bd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, 1, 1, 1), "set bias") &&
              ok(cudnnSetFilter4dDescriptor(wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, 1, 1, 1, 1), "set w") &&
              ok(cudnnSetConvolution2dDescriptor(cd, 0, 0, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                 "set conv") &&
              ok(cudnnSetConvolutionMathType(cd, CUDNN_FMA_MATH), "set math") &&
              ok(cudnnSetActivationDescriptor(ad, CUDNN_ACTIVATION_RELU, nan, 0.0), "set activation") &&
              ok(cudnnGetConvolutionForwardWorkspaceSize(h, xd, wd, cd, yd, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM,
                                                         &workspace_bytes),
                 "workspace size") &&
              (workspace_bytes == 0 || ok(cudaMalloc(&workspace, workspace_bytes), "cudaMalloc"));
  if (good) {
    const float alpha1 = 1.0f, alpha2 = 0.0f;
    good = ok(cudnnConvolutionBiasActivationForward(h, &alpha1, xd, x, wd, w, cd,
                                                    CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, workspace,
                                                    workspace_bytes, &alpha2, yd, y, bd, b, ad, yd, y),
              "cudnnConvolutionBiasActivationForward") &&
           ok(cudaMemcpy(out, y, n * sizeof(float), cudaMemcpyDeviceToHost), "cudaMemcpy");
  }
  cudaFree(x);
  cudaFree(y);
  cudaFree(w);
  cudaFree(b);
  cudaFree(workspace);
  return good;
}

}  // namespace

int main() {
  cudnnHandle_t h;
  if (!ok(cudnnCreate(&h), "cudnnCreate")) return 1;
  std::printf("cuDNN %zu\n", cudnnGetVersion());
  float propagate[5], not_propagate[5];
  const bool a = run(h, CUDNN_PROPAGATE_NAN, propagate);
  const bool b = run(h, CUDNN_NOT_PROPAGATE_NAN, not_propagate);
  const char* inputs[5] = {"NaN", "-1", "2", "-inf", "+inf"};
  for (int i = 0; i < 5; ++i) {
    std::printf("relu(%s): PROPAGATE_NAN %g, NOT_PROPAGATE_NAN %g\n", inputs[i], a ? propagate[i] : 0.0,
                b ? not_propagate[i] : 0.0);
  }
  if (a) std::printf("fused RELU keeps NaN with PROPAGATE_NAN: %s\n", std::isnan(propagate[0]) ? "yes" : "no");
  cudnnDestroy(h);
  return a && b ? 0 : 1;
}
