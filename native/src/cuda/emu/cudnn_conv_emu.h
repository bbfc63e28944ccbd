// Shared by the convolution files of the cuDNN emulation: cudnn_conv.cpp (the
// geometry and the entries that compute) and cudnn_conv_find.cpp (the
// algorithms, their math types and workspaces, and the Find entries).
#pragma once
#include "cuda/emu/cudnn_emu.h"

namespace jdnn::vendor::emu {

// A 2-D convolution as the descriptors describe it.
struct Geom {
  int n, c, h, w;      // input
  int k, cg, kh, kw;   // filter: output channels, channels per group, kernel
  int oh, ow;          // output
  int ph, pw, u, v, dh, dw, groups;
  bool flip;
};

// Validates x / filter / conv (and y when given) as a 2-D convolution and fills g.
cudnnStatus_t make_geom(const cudnnTensorStruct* x, const cudnnFilterStruct* f, const cudnnConvolutionStruct* cv,
                        const cudnnTensorStruct* y, Geom& g);

enum Direction : int64_t { kForward = 0, kBackwardData = 1, kBackwardFilter = 2 };

// The preconditions of running algorithm algo in direction dir under math type m with the
// workspace given (see cudnn_conv_find.cpp).
cudnnStatus_t check_run(cudnnHandle_t handle, Direction dir, int algo, const Geom& g, cudnnDataType_t t,
                        cudnnMathType_t m, const void* ws, size_t ws_bytes);

}  // namespace jdnn::vendor::emu
