// The narrow facade the JavaCPP binding sees. Plain functions over opaque
// int64 tensor handles, no templates, so the binding stays a list of
// declarations and the native internals can change freely behind it.
//
// Errors. No function throws (all are noexcept) and nothing here aborts or
// exits. A failure is reported through the return value: functions that return
// nothing else return an int status, 0 on success or the ErrorKind; functions
// that return a value return a sentinel their comment names (handle 0, count or
// size -1, null string, NaN statistic). The failure's kind and message (naming
// the op and the offending values) are then this thread's last error, until
// its next failure: Java reads them only after a failure, so success costs one
// compare. org.jdnn.tensor.NativeErrors maps each kind to one exception type.
//
// Shape rules and user-facing validation live in Java (org.jdnn.tensor); the
// native side re-checks what it needs to stay memory-safe (dtype, element
// counts, ranks), so a wrong call throws instead of corrupting memory.
#pragma once
#include <cstddef>
#include <cstdint>

#include "jdnn/ops.def"

namespace jdnn {

// The codes Java shares with native code, from ops.def: a row's position is its code. The facade
// takes them as plain ints (what JNI passes) and checks each before casting.
#define JDNN_ENUM_ROW(name, ...) name,
enum class DType : int { JDNN_DTYPES(JDNN_ENUM_ROW) };
enum class Device : int { JDNN_DEVICES(JDNN_ENUM_ROW) };
// Unary element-wise ops, y = f(x; alpha, alpha2); kernels/unary.h defines each (and what alpha,
// alpha2 mean for it). NaN propagates as in PyTorch (relu(NaN) = NaN); the Heaviside step maps NaN to 0.
enum class UnaryOp : int { JDNN_UNARY_OPS(JDNN_ENUM_ROW) };
// Binary element-wise ops with NumPy broadcasting against the output's shape.
enum class BinaryOp : int { JDNN_BINARY_OPS(JDNN_ENUM_ROW) };
// Comparisons (IEEE: NaN is unequal to everything) and logical ops (nonzero is true), broadcasting,
// giving uint8 0/1.
enum class CompareOp : int { JDNN_COMPARE_OPS(JDNN_ENUM_ROW) };
// Per-element losses l(x, t) (kernels/point_loss.h):
//   BCE_PROBABILITIES: -(t log p + (1-t) log1p(-p)), logs clamped at -100 as PyTorch does; p, t in [0, 1]
//   BCE_LOGITS: max(x,0) - x t + log(1 + exp(-|x|)): stable for any logit
enum class PointLoss : int { JDNN_POINT_LOSSES(JDNN_ENUM_ROW) };
#undef JDNN_ENUM_ROW
#define JDNN_ENUM_ROW1(name) name,
enum class ErrorKind : int { JDNN_ERROR_KINDS(JDNN_ENUM_ROW1) };
#undef JDNN_ENUM_ROW1

// This thread's last failure: its ErrorKind, and its message (valid until the thread's next call).
int last_error_kind() noexcept;
const char* last_error_message() noexcept;

// Tables of codes, for code_names().
enum class CodeTable : int { DTYPE = 0, DEVICE = 1, UNARY_OP = 2, BINARY_OP = 3, POINT_LOSS = 4, ERROR_KIND = 5,
                            COMPARE_OP = 6 };
// The names of a table's codes in code order, comma-separated ("NEG,EXP,..."); null for an
// unknown table. Java's enums must match them (NativeCodesTest).
const char* code_names(int table) noexcept;

// ---- tensors ----------------------------------------------------------------
// New contiguous tensor; contents are uninitialized. 0 on failure.
int64_t tensor_new(int dtype, int device, const int64_t* shape, int ndim) noexcept;
// tensor_new for rank ndim <= 4 with the dimensions passed by value (those past ndim ignored): no
// array crosses JNI, whose copy in and out cost more than the rest of a small tensor's creation.
int64_t tensor_new_dims(int dtype, int device, int ndim, int64_t d0, int64_t d1, int64_t d2, int64_t d3) noexcept;
// A second handle to the same storage with another shape of equal element count; 0 on failure.
int64_t tensor_view(int64_t h, const int64_t* shape, int ndim) noexcept;
// Closes this handle: later uses of it fail with "closed". The tensor is freed now, or when the
// last op that is using it returns; its storage returns to the device's cache when the last handle
// sharing it goes.
int tensor_free(int64_t h) noexcept;
// Handles created and not yet freed (for leak and lifetime tests).
int64_t tensor_live_handles() noexcept;
// The tensor's dtype and device codes, its element count; -1 on failure.
int tensor_dtype(int64_t h) noexcept;
int tensor_device(int64_t h) noexcept;
int64_t tensor_numel(int64_t h) noexcept;

// Host <-> tensor copies of n elements starting at element `offset` of the tensor.
// The host element type must equal the tensor's dtype.
int tensor_write_f32(int64_t h, const float* src, int64_t offset, int64_t n) noexcept;
int tensor_write_f64(int64_t h, const double* src, int64_t offset, int64_t n) noexcept;
int tensor_write_i32(int64_t h, const int32_t* src, int64_t offset, int64_t n) noexcept;
int tensor_write_i64(int64_t h, const int64_t* src, int64_t offset, int64_t n) noexcept;
int tensor_write_u8(int64_t h, const uint8_t* src, int64_t offset, int64_t n) noexcept;
int tensor_read_f32(int64_t h, float* dst, int64_t offset, int64_t n) noexcept;
int tensor_read_f64(int64_t h, double* dst, int64_t offset, int64_t n) noexcept;
int tensor_read_i32(int64_t h, int32_t* dst, int64_t offset, int64_t n) noexcept;
int tensor_read_i64(int64_t h, int64_t* dst, int64_t offset, int64_t n) noexcept;
int tensor_read_u8(int64_t h, uint8_t* dst, int64_t offset, int64_t n) noexcept;
// A float16 or bfloat16 tensor's elements as their 16-bit patterns (another dtype is refused).
int tensor_write_u16(int64_t h, const uint16_t* src, int64_t offset, int64_t n) noexcept;
int tensor_read_u16(int64_t h, uint16_t* dst, int64_t offset, int64_t n) noexcept;
// The same float32 copies, bound by Java to arrays pinned in a JNI critical region (where no
// JNI call may be made, so Java reads the last error only after the region).
int tensor_write_f32_critical(int64_t h, const float* src, int64_t offset, int64_t n) noexcept;
int tensor_read_f32_critical(int64_t h, float* dst, int64_t offset, int64_t n) noexcept;

int tensor_fill(int64_t h, double value) noexcept;
// t += delta for every element of an int32 or int64 tensor, on its device: counters
// (BatchNorm's num_batches_tracked) advance without a round trip to the host.
int tensor_add_int(int64_t h, int64_t delta) noexcept;
// dst = src converted to dst's dtype; equal element counts.
int tensor_copy(int64_t src, int64_t dst) noexcept;
// Gathers rows: dst[i, ...] = src[index[i], ...] (index int32 or int64). Used to assemble batches.
// An index outside [0, rows) is an INDEX error naming the first; on CUDA raised at the next
// synchronizing call (device_synchronize).
int tensor_gather_rows(int64_t src, int64_t index, int64_t dst) noexcept;
// tensor_gather_rows of two sources with the same rows by one index (a batch's features and targets),
// in one pass (on CUDA one kernel); the same checks and errors as two tensor_gather_rows calls.
int tensor_gather_rows_pair(int64_t src_a, int64_t src_b, int64_t index, int64_t dst_a, int64_t dst_b) noexcept;
// The next batch of an epoch order kept on the device: with c the int64 scalar `cursor` and B the
// destinations' rows, gathers rows order[c .. c + B) of both sources and sets cursor to c + B, all on
// the device (so a captured CUDA graph step feeds itself). c + B beyond the order is an INDEX error
// (on a GPU at the next synchronization).
int tensor_gather_rows_next(int64_t src_a, int64_t src_b, int64_t order, int64_t cursor, int64_t dst_a,
                            int64_t dst_b) noexcept;

// ---- memory and threads -------------------------------------------------------
int64_t memory_bytes_in_use(int device) noexcept;  // bytes held by live tensors; -1 on failure
int64_t memory_bytes_cached(int device) noexcept;  // freed bytes kept for reuse; -1 on failure
int memory_release_cached(int device) noexcept;
int cpu_num_threads() noexcept;
int cpu_set_num_threads(int n) noexcept;
const char* cpu_gemm_kernel() noexcept;

// ---- devices ------------------------------------------------------------------
// Loads a backend library (libjdnn_cuda.so or libjdnn_cuda_emu.so) from library_path and
// registers its backend for `device` (Device::CUDA or Device::CUDA_EMU), bound to GPU `ordinal` (of
// those CUDA_VISIBLE_DEVICES shows) for the life of the process. Probes the driver and the GPU
// and binds cuBLAS/cuDNN first; on a failure (DEVICE: no usable driver or GPU, or no GPU `ordinal`;
// VENDOR: cuBLAS or cuDNN missing or too old) the message says what is missing and how to fix it,
// nothing is registered, and the call may be made again later. A second call after success does
// nothing with the same ordinal and fails (ARGUMENT) with another: one GPU per process.
int device_load(int device, int ordinal, const char* library_path) noexcept;
bool device_loaded(int device) noexcept;  // false for an unknown device code too
// dlopens library_path with RTLD_NOW | RTLD_GLOBAL and keeps it loaded for the life of the
// process, so that a later dlopen of its soname (by libjdnn_cuda's vendor binder, or by cuDNN
// opening its own sub-libraries) finds this copy. Used for cuBLAS/cuDNN shipped inside a jar.
// Fails (VENDOR) with dlerror's text.
int device_preload_library(const char* library_path) noexcept;
// One line naming the device's hardware and libraries; null on failure.
const char* device_describe(int device) noexcept;
// Waits for every op issued on the device to finish. On CUDA it also raises (as this call's
// failure) the first error kernels recorded in their data since the last such raise: an index or
// label out of range found by gather_rows, cross-entropy, count_correct or the max-pool backward
// (INDEX), or a BCE input or target outside [0, 1] (ARGUMENT), with the kind and message the CPU
// path gives (cuda/device_errors.h). Every read of a tensor to the host
// does the same.
int device_synchronize(int device) noexcept;
// Raises that recorded error, if any, waiting for the device only when an op that checks its
// data was issued since the record was last found empty; nothing on the CPU (which raises at once).
int device_check_errors(int device) noexcept;
// Backend switches and counters: on CUDA "tf32" (0/1: TF32 tensor-core math in GEMM and
// convolution), "profile" (0/1: time every op with device events; 1 resets the totals), and on
// cuda-emu "copy_chunk_bytes" (tests: the chunk size of host<->device copies) and "bind_threads"
// (tests: 0 stops binding threads to the GPU, a planted defect); statistics "ordinal" (the GPU the
// backend uses), "kernel_ms" (device time of the ops since profiling started), "ops", "pinned_bytes" (host memory
// held by the staging buffers), "copy_streams" and "copy_events" (the copy stream, 0 or 1, and the
// events its uploads hold: Tensor.prefetchTo), and the counts since start
// "launches", "vendor_calls", "syncs", "device_mallocs", "h2d_bytes", "d2h_bytes"
// (org.jdnn.tensor.DeviceStats says what each counts); a statistic is NaN on failure.
int device_set_option(int device, const char* key, double value) noexcept;
double device_stat(int device, const char* key) noexcept;
// dst = src for tensors of equal dtype and element count on any two devices (Tensor.to).
int tensor_transfer(int64_t src, int64_t dst) noexcept;
// tensor_transfer from a host tensor to a GPU one whose copy runs on the device's copy stream,
// overlapping queued compute work; the first op that uses dst waits for it on the device, no host
// wait (cuda/context.h upload_async; Tensor.prefetchTo). Other pairs of devices: tensor_transfer.
int tensor_transfer_async(int64_t src, int64_t dst) noexcept;

// ---- CUDA graphs (cuda/graphs.cu; org.jdnn.tensor.CudaGraph) -----------------------
// Ops issued on the device between graph_begin and graph_end are captured (recorded, not run);
// graph_end returns the graph's handle (>= 1; -1 on failure). graph_launch replays it as one launch;
// graph_destroy releases it and its private memory pool. A host wait during the capture fails
// (DEVICE). Other devices fail with DEVICE, naming the devices that capture.
int graph_begin(int device) noexcept;
int64_t graph_end(int device) noexcept;
int graph_launch(int device, int64_t graph) noexcept;
int graph_destroy(int device, int64_t graph) noexcept;
// Per-replay constants (graphs.cu, graph_constants): during a capture, how far a generator's Philox
// offset (key: its seed) advances per replay; after it, a source's value (kind 0: optimizer steps
// since the capture, key 0; kind 1: a generator's offset, key its seed) at the next replay, when the
// host advanced it between replays (an eager step).
int graph_source_stride(int device, int64_t key, int64_t stride) noexcept;
int graph_rebase(int device, int64_t graph, int kind, int64_t key, int64_t value) noexcept;

// ---- ops ----------------------------------------------------------------------
int op_unary(int op, int64_t x, int64_t y, double alpha, double alpha2) noexcept;
// dx = dy * f'(x) (y = f(x) is passed too, for ops whose derivative is cheaper from y).
int op_unary_backward(int op, int64_t x, int64_t y, int64_t dy, int64_t dx, double alpha, double alpha2) noexcept;
int op_binary(int op, int64_t a, int64_t b, int64_t out) noexcept;
// out (uint8, the broadcast shape) = 1 where op(a, b) holds, else 0; a and b of one dtype (float16
// and bfloat16 are compared in float32, exactly).
int op_compare(int op, int64_t a, int64_t b, int64_t out) noexcept;
// c = alpha * op(a) op(b) + beta * c for 2-D a, b, c (row-major).
int op_matmul(int64_t a, int64_t b, int64_t c, bool trans_a, bool trans_b, double alpha, double beta) noexcept;
// c[i] = alpha * op(a[i]) op(b[i]) + beta * c[i] for 3-D a, b, c (row-major matrices stacked along
// dimension 0, one batch size for all three). beta == 0: c is not read (NaN in c does not leak).
int op_bmm(int64_t a, int64_t b, int64_t c, bool trans_a, bool trans_b, double alpha, double beta) noexcept;
// y = x w^T + bias (PyTorch's Linear): x (N, in), w (out, in), bias (out) or 0 for none.
// relu: y = max(0, x w^T + bias) in the same call (inference's Linear + ReLU, one crossing).
int op_linear(int64_t x, int64_t w, int64_t bias, int64_t y, bool relu) noexcept;
// Linear's parameter gradients from the output gradient g (N, out) and input x (N, in):
// dw (out, in) = g^T x + beta dw and, when db != 0, db (out) = the sum of g's rows (written, not
// accumulated). On CUDA one cuBLASLt call (the BGRADB epilogue) where it applies.
int op_linear_weight_grad(int64_t g, int64_t x, int64_t dw, double beta, int64_t db) noexcept;
// bfloat16 inference Linear. bf16_packed_numel(out, in) int32 elements hold a float32 weight
// (out, in) packed to bf16 by op_bf16_pack_weight; op_linear_bf16 then computes
// y = [relu](x w^T + bias) from float32 x with bf16 products and float32 accumulation.
// bf16_packed_numel is -1 on failure.
int64_t bf16_packed_numel(int64_t out, int64_t in) noexcept;
int op_bf16_pack_weight(int64_t w, int64_t packed) noexcept;
int op_linear_bf16(int64_t x, int64_t packed, int64_t bias, int64_t y, bool relu) noexcept;
// c (m, n) = op(a) op(b) + bias (n) or nothing, float32 tensors on one device, op transposing when ta/tb: the
// operands rounded (nearest even) to `low`, the dtype code of BFLOAT16 or FLOAT16, and the products summed in
// float32 (autocast's products). FLOAT16 needs a CUDA device (the CPU has no float16 GEMM). With 3-D operands of
// one batch size (and no bias), c[i] = op(a[i]) op(b[i]) for each i, as torch.bmm.
int op_matmul_half(int64_t a, int64_t b, int64_t bias, int64_t c, bool ta, bool tb, int low) noexcept;
// "avx512bf16" or "generic"; cpu_bf16_force_kernel switches it (tests; false if not runnable).
const char* cpu_bf16_kernel() noexcept;
bool cpu_bf16_force_kernel(const char* name) noexcept;
// y = sum of x over the dimensions where y (right-aligned, rank <= x's) has size 1 or is absent.
int op_sum_to(int64_t x, int64_t y) noexcept;
// Index of the largest element along the last dimension; out is int64 with x's leading shape.
int op_argmax_last(int64_t x, int64_t out) noexcept;
// The largest (min: the smallest) element of x along dimension dim: indices (int64) and, unless values is
// 0, values (x's dtype) hold x's shape without dim, in any shape of that element count. The first of equal
// elements wins and NaN counts as the extreme (its first index), as PyTorch's max/min(dim) and argmax/argmin.
int op_max_dim(int64_t x, int64_t values, int64_t indices, int dim, bool min) noexcept;
// dx (x's shape) = 0, except dx at indices[j] along dim = dy[j]: the gradient of op_max_dim's values. An
// index outside [0, dx.shape[dim]) writes nothing (the indices come from op_max_dim).
int op_max_dim_backward(int64_t dy, int64_t indices, int64_t dx, int dim) noexcept;
// (log-)softmax along the last dimension.
int op_softmax(int64_t x, int64_t y, bool log) noexcept;
int op_softmax_backward(int64_t y, int64_t dy, int64_t dx, bool log) noexcept;
// Attention's weights, fused: y = softmax(x * scale + mask) along the last dimension (S), x (..., L, S)
// float32 or float64. mask (0: none) is x's dtype and broadcasts to x's shape (NumPy rules, at most 8
// dims); a key whose mask entry is <= -1e30 (-inf included) is masked, and with `causal` so is key j
// of query i when j > i (i the row's index along L, top-left aligned). Masked keys weigh exactly 0 and
// take no part in the row's maximum or sum; a row with every key masked is all zeros (PyTorch's safe
// softmax). The sum of exponentials is accumulated in double. The gradient is op_softmax_backward's,
// times scale for x; y = 0 at masked keys makes theirs 0.
int op_masked_softmax(int64_t x, int64_t mask, int64_t y, double scale, bool causal) noexcept;
// Fused softmax cross-entropy with integer labels (int32 or int64, shape (N)), mean over N (NaN for N = 0).
// Writes the scalar loss and the softmax probabilities (kept for the backward). A label outside [0, C)
// is an INDEX error naming the first one: its row, value and the class count. The op checks the labels
// as it reads them (on CUDA on the device: the error is raised at the next synchronizing call).
int op_cross_entropy(int64_t logits, int64_t labels, int64_t loss, int64_t probs) noexcept;
// dlogits = (probs - onehot(labels)) * dloss / N; dloss 0 means 1 (backward() of the loss itself, whose
// seed of ones then needs no tensor and no fill kernel)
int op_cross_entropy_backward(int64_t probs, int64_t labels, int64_t dloss, int64_t dlogits) noexcept;
// Returns the first element index where l(x, t) is undefined, or -1: BCE_PROBABILITIES needs p and t
// in [0, 1] (NaN is outside). The caller raises that error; out is fully written either way. -2 on
// failure. On CUDA nothing waits: the kernel records the first such element on the device and the
// next synchronizing call raises it as the CPU's caller would (an ARGUMENT error naming BCELoss,
// the element and its value); -1 is returned.
int64_t op_point_loss(int op, int64_t x, int64_t t, int64_t out) noexcept;
int op_point_loss_backward(int op, int64_t x, int64_t t, int64_t dy, int64_t dx) noexcept;

// ---- convolution, pooling, normalization, dropout, slicing (NCHW, float32/float64) ----
// Convolution geometry, one value packed by Java's Conv2dGeometry (which validates it), length 9:
//   {stride_h, stride_w, pad_top, pad_left, pad_bottom, pad_right, dilation_h, dilation_w, groups}
// Output size per spatial dim: OH = (H + pad_top + pad_bottom - dilation_h * (kh - 1) - 1) / stride_h + 1.
// Cross-correlation (no kernel flip); groups are consecutive channel blocks (PyTorch's conv2d).
// y (N, Cout, OH, OW) = conv(x (N, C, H, W), w (Cout, C / groups, kh, kw)) + bias (Cout) or 0 for none,
// then, when relu, ReLU applied to y in the same call (kernels::Relu's rule: NaN kept, -0 and 0 give 0).
int op_conv2d(int64_t x, int64_t w, int64_t bias, int64_t y, const int64_t* geometry, int geometry_length,
              bool relu) noexcept;
// Gradients of op_conv2d from dy (N, Cout, OH, OW): dx (x's shape), dw (w's shape), dbias (Cout).
// Pass 0 for a gradient that is not wanted; x is read only for dw, w only for dx.
int op_conv2d_backward(int64_t x, int64_t w, int64_t dy, int64_t dx, int64_t dw, int64_t dbias,
                       const int64_t* geometry, int geometry_length) noexcept;
// Pooling window, one value packed by Java's Pool2dGeometry (which validates it), length 6:
//   {kh, kw, stride_h, stride_w, pad_h, pad_w}
// Max pooling over (N, C, H, W), padding counting as -infinity, floor-mode output size
// OH = (H + 2 pad_h - kh) / stride_h + 1. indices (int32 or int64, y's shape) receive the
// arg-max position h * W + w inside its (n, c) plane (first maximum wins; NaN propagates).
int op_max_pool2d(int64_t x, int64_t y, int64_t indices, const int64_t* window, int window_length) noexcept;
// dx (zeroed here) receives each dy element at its saved arg-max position (accumulating on overlap).
int op_max_pool2d_backward(int64_t dy, int64_t indices, int64_t dx) noexcept;
// Average pooling, same window; divisor kh * kw when count_include_pad, else the number of
// window cells inside the unpadded input.
int op_avg_pool2d(int64_t x, int64_t y, const int64_t* window, int window_length, bool count_include_pad) noexcept;
int op_avg_pool2d_backward(int64_t dy, int64_t dx, const int64_t* window, int window_length,
                           bool count_include_pad) noexcept;
// Batch norm over channel dim 1 of x (N, C, ...): y = gamma (x - mean) * invstd + beta
// (gamma, beta (C) or 0 for none, meaning 1 and 0). training: mean and biased variance from the
// batch (m = numel / C values per channel, m > 1); running_mean / running_var (C, or 0 to skip)
// become (1 - momentum) running + momentum batch, with the unbiased variance. eval: the running
// statistics are used (required). Both modes write the mean and invstd = 1 / sqrt(var + eps)
// they used into save_mean, save_invstd (C) for the backward.
int op_batch_norm(int64_t x, int64_t gamma, int64_t beta, int64_t running_mean, int64_t running_var,
                   int64_t y, int64_t save_mean, int64_t save_invstd, bool training, double momentum,
                   double eps) noexcept;
// Gradients of op_batch_norm: training goes through the batch statistics, eval is the affine map.
// dx, dgamma, dbeta may each be 0 (not wanted); gamma 0 means 1. eps is the forward's (cuDNN
// requires the same epsilon forward and backward).
int op_batch_norm_backward(int64_t x, int64_t dy, int64_t gamma, int64_t save_mean, int64_t save_invstd,
                            int64_t dx, int64_t dgamma, int64_t dbeta, bool training, double eps) noexcept;
// Inverted-dropout mask: mask[j] = 1 / (1 - p) if philox_uniform(philox4x32_10(offset + j, seed)) >= p
// else 0, for p in [0, 1).
int op_dropout_mask(int64_t mask, double p, uint64_t seed, uint64_t offset) noexcept;
// y[i] = x[i] * mask[i / (numel(x) / numel(mask))]: one mask value per element, or per block of
// consecutive elements (a channel, for Dropout2d). Forward and backward of dropout.
int op_dropout_apply(int64_t x, int64_t mask, int64_t y) noexcept;
// y = x narrowed to [start, start + y.dim(dim)) along dim (a copy); any dtype.
int op_narrow(int64_t x, int64_t y, int dim, int64_t start) noexcept;
// dst[..., start : start + src.dim(dim), ...] = src along dim (the rest of dst is untouched); any dtype.
int op_narrow_assign(int64_t src, int64_t dst, int dim, int64_t start) noexcept;

// ---- layout, index, where: permute/expand copies, index_select/gather and their adds, where ----
// y[i] = x[sum_k idx_k(i) * strides[k]], idx = i unravelled over y's shape; rank = y's rank, at
// most 8; strides >= 0 and every read inside x. Serves permute (permuted strides) and expand
// (stride 0 along a repeated dim); any dtype, y of x's dtype and device.
int op_strided_copy(int64_t x, int64_t y, const int64_t* strides, int rank) noexcept;
// y = x.index_select(dim, index): y[.., j, ..] = x[.., index[j], ..] along dim; index 1-D int32 or
// int64, y of x's shape with dim resized to index's length; any dtype.
int op_index_select(int64_t x, int dim, int64_t index, int64_t y) noexcept;
// dst.index_add_(dim, index, src): dst[.., index[j], ..] += src[.., j, ..]; repeated indices
// accumulate (on CUDA by atomic adds, so float sums are in no fixed order); float32 or float64.
int op_index_add(int64_t src, int dim, int64_t index, int64_t dst) noexcept;
// y = x.gather(dim, index): y[p] = x[p with p[dim] = index[p]]; index of x's rank, at most 8 dims,
// no larger than x outside dim; y of index's shape; any dtype.
int op_gather(int64_t x, int dim, int64_t index, int64_t y) noexcept;
// dst.scatter_add_(dim, index, src): dst[p with p[dim] = index[p]] += src[p] for p over index's
// shape (no larger than src, nor than dst outside dim); float32 or float64; atomic on CUDA.
// An index outside its dimension in any of these four is an INDEX error naming the first
// (position, value, bound); on CUDA raised at the next synchronizing call.
int op_scatter_add(int64_t src, int dim, int64_t index, int64_t dst) noexcept;
// out = cond != 0 ? a : b element-wise, cond (uint8), a and b broadcast to out (NumPy rules, at
// most 8 dims); a, b and out of one dtype, any.
int op_where(int64_t cond, int64_t a, int64_t b, int64_t out) noexcept;

// ---- metrics: running sums kept on the tensors' device (a training loop reads them when it logs) ----
// sums (float64, 4 elements, zeros to start) accumulates a scalar float loss with a positive
// finite weight: sums[0] += weight * loss, sums[1] += weight, and when the loss is NaN or infinite
// while sums[2] == 0: sums[2] = step (>= 1, so 0 means none), sums[3] = loss.
int metric_accumulate_loss(int64_t loss, int64_t sums, double weight, int64_t step) noexcept;
// correct (int64, 1 element) += the rows of scores (N, C), float, C >= 2, whose label (labels (N),
// int32 or int64) is among the k largest scores, 1 <= k < C: fewer than k other entries are >= the
// label's score or NaN, and the label's score is not NaN (ties count against the label). A label
// outside [0, C) is an INDEX error naming the first; on CUDA raised at the next synchronizing call.
int metric_count_correct(int64_t scores, int64_t labels, int64_t k, int64_t correct) noexcept;

// ---- optimizer steps (in place on param and state) ------------------------------
// State handles a configuration does not use are 0; state tensors match the
// parameter's dtype, device and element count. `step` counts this
// parameter's updates, 1 on its first.
//
// torch.optim.SGD: g' = g + wd p; buf = first ? g' : momentum buf + (1 - dampening) g';
// step = nesterov ? g' + momentum buf : buf (momentum 0: step = g', buf 0); p -= lr step.
int optim_sgd(int64_t param, int64_t grad, int64_t buf, double lr, double momentum,
               double dampening, double weight_decay, bool nesterov, bool first) noexcept;
// torch.optim.Adagrad: g' = g + wd p; sum += g'^2;
// p -= lr / (1 + (step - 1) lr_decay) * g' / (sqrt(sum) + eps).
int optim_adagrad(int64_t param, int64_t grad, int64_t sum, double lr, double lr_decay, double eps,
                   double weight_decay, int64_t step) noexcept;
// torch.optim.RMSprop: g' = g + wd p; sq = alpha sq + (1 - alpha) g'^2;
// centered: ga = alpha ga + (1 - alpha) g', avg = sqrt(sq - ga^2) + eps, else sqrt(sq) + eps;
// momentum > 0: buf = momentum buf + g' / avg, p -= lr buf; else p -= lr g' / avg.
// grad_avg is nonzero exactly when centered, buf exactly when momentum > 0.
int optim_rmsprop(int64_t param, int64_t grad, int64_t square_avg, int64_t grad_avg, int64_t buf,
                   double lr, double alpha, double eps, double weight_decay, double momentum,
                   bool centered) noexcept;
// torch.optim.Adam: g' = g + wd p; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
// amsgrad: v_max = max(v_max, v), used in place of v; with t = step,
// p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). v_max is nonzero exactly when amsgrad.
int optim_adam(int64_t param, int64_t grad, int64_t m, int64_t v, int64_t v_max, double lr,
                double beta1, double beta2, double eps, double weight_decay, bool amsgrad,
                int64_t step) noexcept;
// torch.optim.AdamW: p *= 1 - lr wd (decoupled decay), then Adam's step with the raw gradient.
int optim_adamw(int64_t param, int64_t grad, int64_t m, int64_t v, int64_t v_max, double lr,
                 double beta1, double beta2, double eps, double weight_decay, bool amsgrad,
                 int64_t step) noexcept;
// torch.nn.utils.clip_grad_value_: grad = clamp(grad, -limit, limit) in place, limit >= 0.
int optim_clip_value(int64_t grad, double limit) noexcept;

// ---- multi-tensor optimizer steps: a parameter group in one call -------------------
// The updates above for `count` >= 1 parameters at once: one native call on the CPU (tensors
// spread over the thread pool), one kernel launch on CUDA (more only past the launch's table
// capacity, see cuda/tensor_table.h), every element bit-identical to the per-tensor call. Arrays
// hold `count` handles, index k for parameter k; all parameters share one float dtype and one
// device and are distinct; a state array is null exactly when the configuration keeps none.
// steps[k] is parameter k's 1-based update count; first[k] is 1 when its momentum buffer is used
// for the first time, else 0.
//
// Guarded steps (loss scaling; found_inf, step_counts and slots are 0/null otherwise): found_inf
// is a float32 scalar on the parameters' device; when it is not 0 the call changes nothing, with
// no host read. step_counts is an int64 tensor there of every optimizer parameter's update count,
// slots[k] parameter k's index in it: the step is taken as that count + 1 (steps must be null)
// and the count advanced on the device; SGD's first use is first[k] or a count of 0.
int optim_sgd_group(const int64_t* params, const int64_t* grads, const int64_t* bufs, const int64_t* first,
                    int64_t count, double lr, double momentum, double dampening, double weight_decay,
                    bool nesterov, int64_t found_inf, int64_t step_counts, const int64_t* slots) noexcept;
int optim_adagrad_group(const int64_t* params, const int64_t* grads, const int64_t* sums, const int64_t* steps,
                        int64_t count, double lr, double lr_decay, double eps, double weight_decay,
                        int64_t found_inf, int64_t step_counts, const int64_t* slots) noexcept;
int optim_rmsprop_group(const int64_t* params, const int64_t* grads, const int64_t* square_avgs,
                        const int64_t* grad_avgs, const int64_t* bufs, int64_t count, double lr, double alpha,
                        double eps, double weight_decay, double momentum, bool centered, int64_t found_inf,
                        int64_t step_counts, const int64_t* slots) noexcept;
// decoupled: AdamW's update (optim_adamw), else Adam's (optim_adam).
int optim_adam_group(const int64_t* params, const int64_t* grads, const int64_t* ms, const int64_t* vs,
                     const int64_t* v_maxs, const int64_t* steps, int64_t count, double lr, double beta1,
                     double beta2, double eps, double weight_decay, bool amsgrad, bool decoupled,
                     int64_t found_inf, int64_t step_counts, const int64_t* slots) noexcept;
// torch.nn.utils.clip_grad_norm_'s two halves, without a host read: total (a float64 scalar on
// the gradients' device) = the L2 norm of the `count` gradients seen as one vector, accumulated in
// float64; coef (likewise) = min(1, max_norm / (total + eps)), NaN when total is NaN. Gradients
// may mix float dtypes; all live on one device.
int optim_grad_norm(const int64_t* grads, int64_t count, int64_t total, int64_t coef, double max_norm,
                    double eps) noexcept;
// grads[k] *= coef (the float64 scalar, converted to each gradient's dtype), in place.
int optim_scale_group(const int64_t* grads, int64_t count, int64_t coef) noexcept;

// ---- loss scaling (torch.amp.GradScaler's device steps, kernels/amp.h) -------------
// Every element of the `count` float gradients times float32(1 / scale), in place; found_inf (a
// float32 scalar) set to 1 when any element was inf or NaN, else left as it was. scale and
// found_inf are float32 scalars on the gradients' device. No host read.
int amp_unscale(const int64_t* grads, int64_t count, int64_t found_inf, int64_t scale) noexcept;
// After a step, on the scale's device: found_inf != 0 multiplies scale (float32) by backoff_factor,
// zeroes growth_tracker (int32) and adds 1 to skipped (int64); otherwise growth_interval finite
// steps in a row multiply it by growth_factor (kept when the result would be inf).
int amp_update_scale(int64_t scale, int64_t growth_tracker, int64_t skipped, int64_t found_inf, double growth_factor,
                     double backoff_factor, int64_t growth_interval) noexcept;

// ---- random numbers (Philox-4x32-10, counter-based: same stream on every device) ----
// Element i takes counter (offset + i); the stream is a pure function of (seed, offset, i).
int random_uniform(int64_t h, double low, double high, uint64_t seed, uint64_t offset) noexcept;
int random_normal(int64_t h, double mean, double std, uint64_t seed, uint64_t offset) noexcept;

// ---- collectives (core/communicator.h) ----------------------------------------------------------
// Opens this rank's Gloo communicator (CPU tensors over TCP): loads libjdnn_gloo from library_path
// on first use, meets the other ranks through the rendezvous store at store_host:store_port under
// the key prefix, and binds its own listener to hostname (or to the interface iface when not
// empty). Returns the communicator's handle, 0 on failure (kind COMMUNICATION when a peer is
// unreachable or libgloo is missing, with what to install).
int64_t dist_gloo_open(const char* library_path, int rank, int size, const char* store_host, int store_port,
                       const char* prefix, const char* hostname, const char* iface, int64_t timeout_ms) noexcept;
// A device's collective engine (CUDA, cuda-emu: NCCL, bound on first use). One rank makes the
// group's id (written to out, at most capacity bytes; returns its length, -1 on failure), the others
// receive it (through the rendezvous store), and every rank opens its communicator with it: returns
// the handle, 0 on failure (COMMUNICATION when NCCL is missing, with how to install it).
int64_t dist_device_unique_id(int device, uint8_t* out, int64_t capacity) noexcept;
int64_t dist_device_open(int device, int rank, int size, const uint8_t* id, int64_t id_bytes,
                         int64_t timeout_ms) noexcept;
// The engine and version once bound ("NCCL 2.27.3"), "" before; null on failure.
const char* dist_device_engine(int device) noexcept;
int dist_close(int64_t comm) noexcept;
// Collectives, each blocking until done; op: 0 sum, 1 avg, 2 max; timeout_ms <= 0: the default.
int dist_all_reduce(int64_t comm, int64_t t, int op, int64_t timeout_ms) noexcept;
int dist_broadcast(int64_t comm, int64_t t, int root, int64_t timeout_ms) noexcept;
int dist_all_gather(int64_t comm, int64_t in, int64_t out, int64_t timeout_ms) noexcept;
int dist_reduce_scatter(int64_t comm, int64_t in, int64_t out, int op, int64_t timeout_ms) noexcept;
int dist_barrier(int64_t comm, int64_t timeout_ms) noexcept;

}  // namespace jdnn
