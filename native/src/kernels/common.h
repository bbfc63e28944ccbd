// Per-element math is written once as functors that compile for the host
// (CPU backend, CUDA emulation) and, under nvcc, for the device.
#pragma once
#if defined(__CUDACC__)
#define JDNN_HD __host__ __device__ __forceinline__
#else
#define JDNN_HD inline
#endif
#include <cmath>
