// Max and average pooling on the CUDA backend (CPU twin: cpu/pool.cpp). NCHW,
// floor-mode output size; one thread per output element in the forward passes.
// The max-pool backward scatters each gradient to its saved index with
// atomicAdd (the geometry is not passed, only the indices); the average-pool
// backward gathers, one thread per input element, in the CPU's summation order.
#include <cmath>

#include "cuda/cuda_backend.h"
#include "cuda/device_errors.h"
#include "jdnn/jdnn.h"
#include "kernels/pool.h"

namespace jdnn::cuda {

namespace {

struct PoolDims {
  int64_t planes, h, w, oh, ow;
  int64_t kh, kw, sh, sw, ph, pw;
};

PoolDims pool_dims(const Tensor& in, const Tensor& out, const Pool2dGeom& g) {
  return PoolDims{in.dim(0) * in.dim(1), in.dim(2), in.dim(3), out.dim(2), out.dim(3),
                  g.kh,                   g.kw,      g.stride_h, g.stride_w, g.pad_h,   g.pad_w};
}

// Output element i's plane p and its window clipped to the input, [h0, h1) x [w0, w1).
struct OutputWindow {
  int64_t p, h0, h1, w0, w1;
};

__device__ OutputWindow output_window(int64_t i, const PoolDims& d) {
  const int64_t ow = i % d.ow, oh = (i / d.ow) % d.oh;
  OutputWindow win{i / (d.ow * d.oh), 0, 0, 0, 0};
  kernels::pool_window(oh, d.sh, d.ph, d.kh, d.h, win.h0, win.h1);
  kernels::pool_window(ow, d.sw, d.pw, d.kw, d.w, win.w0, win.w1);
  return win;
}

// Cells visited in row-major order from -inf at the first valid cell, as the CPU does.
template <class T, class I>
__global__ void max_pool_kernel(const T* x, T* y, I* indices, PoolDims d) {
  JDNN_KERNEL_LOOP(i, d.planes * d.oh * d.ow) {
    const OutputWindow win = output_window(i, d);
    const T* xp = x + win.p * d.h * d.w;
    T best = -static_cast<T>(INFINITY);
    I arg = static_cast<I>(win.h0 * d.w + win.w0);
    for (int64_t ih = win.h0; ih < win.h1; ++ih)
      for (int64_t iw = win.w0; iw < win.w1; ++iw)
        kernels::take_max(xp[ih * d.w + iw], static_cast<I>(ih * d.w + iw), best, arg);
    y[i] = best;
    indices[i] = arg;
  }
}

// dx must be zero. An index outside its plane is recorded at its position; the record
// keeps the first bad one whichever threads find them.
template <class T, class I>
__global__ void max_pool_backward_kernel(const T* dy, const I* indices, T* dx, int64_t n, int64_t out_plane,
                                         int64_t plane, DeviceErrorRecord* errors, ErrorSite site) {
  JDNN_KERNEL_LOOP(i, n) {
    const int64_t k = static_cast<int64_t>(indices[i]);
    if (k < 0 || k >= plane) {
      record_error(errors, site, i, k);
    } else {
      atomicAdd(dx + (i / out_plane) * plane + k, dy[i]);
    }
  }
}

template <class T>
__global__ void avg_pool_kernel(const T* x, T* y, PoolDims d, bool include_pad) {
  JDNN_KERNEL_LOOP(i, d.planes * d.oh * d.ow) {
    const OutputWindow win = output_window(i, d);
    const T* xp = x + win.p * d.h * d.w;
    double sum = 0;
    for (int64_t ih = win.h0; ih < win.h1; ++ih)
      for (int64_t iw = win.w0; iw < win.w1; ++iw) sum += xp[ih * d.w + iw];
    const int64_t count = kernels::avg_pool_count(include_pad, d.kh, d.kw, win.h0, win.h1, win.w0, win.w1);
    y[i] = static_cast<T>(sum / static_cast<double>(count));
  }
}

// Each input element sums the shares of the outputs whose window holds it.
template <class T>
__global__ void avg_pool_backward_kernel(const T* dy, T* dx, PoolDims d, bool include_pad) {
  JDNN_KERNEL_LOOP(i, d.planes * d.h * d.w) {
    const int64_t iw = i % d.w, ih = (i / d.w) % d.h, p = i / (d.w * d.h);
    int64_t oh0, oh1, ow0, ow1;
    kernels::pool_covering(ih, d.sh, d.ph, d.kh, d.oh, oh0, oh1);
    kernels::pool_covering(iw, d.sw, d.pw, d.kw, d.ow, ow0, ow1);
    const T* dyp = dy + p * d.oh * d.ow;
    T acc = T(0);
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      int64_t h0, h1;
      kernels::pool_window(oh, d.sh, d.ph, d.kh, d.h, h0, h1);
      for (int64_t ow = ow0; ow < ow1; ++ow) {
        int64_t w0, w1;
        kernels::pool_window(ow, d.sw, d.pw, d.kw, d.w, w0, w1);
        const int64_t count = kernels::avg_pool_count(include_pad, d.kh, d.kw, h0, h1, w0, w1);
        acc += static_cast<T>(static_cast<double>(dyp[oh * d.ow + ow]) / static_cast<double>(count));
      }
    }
    dx[i] = acc;
  }
}

template <class T>
void max_pool_typed(const Tensor& x, Tensor& y, Tensor& indices, const PoolDims& d, cudaStream_t s) {
  const int64_t n = y.numel;
  if (indices.dtype == DType::INT32)
    launch_n(max_pool_kernel<T, int32_t>, n, s, x.data<T>(), y.data<T>(), indices.data<int32_t>(), d);
  else
    launch_n(max_pool_kernel<T, int64_t>, n, s, x.data<T>(), y.data<T>(), indices.data<int64_t>(), d);
}

template <class T>
void max_pool_backward_typed(const Tensor& dy, const Tensor& indices, Tensor& dx, int64_t out_plane, int64_t plane,
                             DeviceErrorRecord* errors, const ErrorSite& site, cudaStream_t s) {
  const int64_t n = dy.numel;
  if (indices.dtype == DType::INT32)
    launch_n(max_pool_backward_kernel<T, int32_t>, n, s, dy.data<T>(), indices.data<int32_t>(), dx.data<T>(), n,
             out_plane, plane, errors, site);
  else
    launch_n(max_pool_backward_kernel<T, int64_t>, n, s, dy.data<T>(), indices.data<int64_t>(), dx.data<T>(), n,
             out_plane, plane, errors, site);
}

// Average pooling forward (in x, out y) or backward (in dy, out dx): both kernels take
// (in, out, dims, include_pad) and run one thread per element of out.
void avg_pool(bool backward, const Tensor& in, Tensor& out, const PoolDims& d, bool include_pad, cudaStream_t s) {
  if (in.dtype == DType::FLOAT32) {
    launch_n(backward ? &avg_pool_backward_kernel<float> : &avg_pool_kernel<float>, out.numel, s,
             in.data<float>(), out.data<float>(), d, include_pad);
  } else {
    launch_n(backward ? &avg_pool_backward_kernel<double> : &avg_pool_kernel<double>, out.numel, s,
             in.data<double>(), out.data<double>(), d, include_pad);
  }
}

}  // namespace

void CudaBackend::max_pool2d(const Tensor& x, Tensor& y, Tensor& indices, const Pool2dGeom& g) {
  JDNN_CUDA_OP("max_pool2d");
  const PoolDims d = pool_dims(x, y, g);
  if (x.dtype == DType::FLOAT32) max_pool_typed<float>(x, y, indices, d, jdnn_op.ctx.stream);
  else max_pool_typed<double>(x, y, indices, d, jdnn_op.ctx.stream);
}

void CudaBackend::max_pool2d_backward(const Tensor& dy, const Tensor& indices, Tensor& dx) {
  JDNN_CUDA_OP("max_pool2d_backward");
  Context& c = jdnn_op.ctx;
  JDNN_CUDA_CHECK(cudaMemsetAsync(dx.storage->data, 0, dx.numel * dtype_size(dx.dtype), c.stream));
  if (dy.numel == 0) return;
  const int64_t plane = dx.dim(2) * dx.dim(3), out_plane = dy.dim(2) * dy.dim(3);
  // A bad index is recorded on the device and raised at the next synchronizing call.
  const ErrorSite site = c.errors.site(c.stream, DeviceCheck::MAX_POOL_BACKWARD_INDEX, dx.dim(2), dx.dim(3));
  DeviceErrorRecord* errors = c.errors.record();
  if (dy.dtype == DType::FLOAT32) max_pool_backward_typed<float>(dy, indices, dx, out_plane, plane, errors, site, c.stream);
  else max_pool_backward_typed<double>(dy, indices, dx, out_plane, plane, errors, site, c.stream);
}

void CudaBackend::avg_pool2d(const Tensor& x, Tensor& y, const Pool2dGeom& g, bool count_include_pad) {
  JDNN_CUDA_OP("avg_pool2d");
  avg_pool(false, x, y, pool_dims(x, y, g), count_include_pad, jdnn_op.ctx.stream);
}

void CudaBackend::avg_pool2d_backward(const Tensor& dy, Tensor& dx, const Pool2dGeom& g, bool count_include_pad) {
  JDNN_CUDA_OP("avg_pool2d_backward");
  avg_pool(true, dy, dx, pool_dims(dx, dy, g), count_include_pad, jdnn_op.ctx.stream);
}

}  // namespace jdnn::cuda
