// The emulated cuDNN batch normalization entries (see emu/cudnn.cpp for the
// common rules): SPATIAL (per channel) and PER_ACTIVATION (per C, H, W
// feature) statistics over 4-D and 5-D tensors.
//
// Epsilon: the cuDNN API reference asks, for cudnnBatchNormalizationBackward's
// epsilon, that "the same epsilon value should be used in forward and backward
// functions", and the saved mean / inverse variance it may take are the
// forward's cache. The emulation remembers the epsilon each training forward
// used for the saved statistics it wrote (by their device address), and a
// backward given those statistics with another epsilon fails with
// CUDNN_STATUS_BAD_PARAM.
#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <vector>

#include "cuda/emu/cudnn_emu.h"

namespace jdnn::vendor::emu {

namespace {

// ---- batch normalization -------------------------------------------------------------

// The per-feature parameter shape of x for a mode: SPATIAL 1xCx1x1(x1), PER_ACTIVATION 1xCxHxW(xD).
bool bn_param_dims(const cudnnTensorStruct& x, cudnnBatchNormMode_t mode, int* dims) {
  if (x.nb != 4 && x.nb != 5) return false;
  for (int i = 0; i < x.nb; ++i) dims[i] = x.dims[i];
  dims[0] = 1;
  if (mode == CUDNN_BATCHNORM_SPATIAL || mode == CUDNN_BATCHNORM_SPATIAL_PERSISTENT) {
    for (int i = 2; i < x.nb; ++i) dims[i] = 1;
  } else if (mode != CUDNN_BATCHNORM_PER_ACTIVATION) {
    return false;
  }
  return true;
}

// Memory offsets of x / y elements and the parameter element each one belongs to.
struct BnMap {
  std::vector<int64_t> x_off, y_off, p_index;
  int64_t features = 0;
  std::vector<int64_t> p_off;  // memory offset of each feature in the parameter tensors
};

cudnnStatus_t bn_map(cudnnBatchNormMode_t mode, const cudnnTensorStruct* x, const cudnnTensorStruct* y,
                     const cudnnTensorStruct* p, BnMap& m) {
  if (!usable(x) || !usable(y) || !usable(p)) return CUDNN_STATUS_BAD_PARAM;
  int dims[kDimMax];
  if (!bn_param_dims(*x, mode, dims)) return CUDNN_STATUS_BAD_PARAM;
  if (!same_dims(*x, *y) || p->nb != x->nb) return CUDNN_STATUS_BAD_PARAM;
  for (int i = 0; i < x->nb; ++i)
    if (p->dims[i] != dims[i]) return CUDNN_STATUS_BAD_PARAM;
  if (!computable(x->dtype) || y->dtype != x->dtype || p->dtype != x->dtype) return CUDNN_STATUS_NOT_SUPPORTED;
  const int64_t n = numel(*x);
  m.features = numel(*p);
  m.x_off.resize(n);
  m.y_off.resize(n);
  m.p_index.resize(n);
  m.p_off.resize(m.features);
  for (int64_t f = 0; f < m.features; ++f) m.p_off[f] = offset_of(*p, f);
  for (int64_t i = 0; i < n; ++i) {
    m.x_off[i] = offset_of(*x, i);
    m.y_off[i] = offset_of(*y, i);
    int64_t rest = i, pi = 0, pstride = 1;
    for (int d = x->nb - 1; d >= 0; --d) {
      const int64_t idx = rest % x->dims[d];
      rest /= x->dims[d];
      if (dims[d] > 1) {
        pi += idx * pstride;
        pstride *= dims[d];
      }
    }
    m.p_index[i] = pi;
  }
  return CUDNN_STATUS_SUCCESS;
}

// Per-feature mean and biased variance of x.
void bn_moments(const BnMap& m, const void* x, cudnnDataType_t t, std::vector<double>& mean,
                std::vector<double>& var, std::vector<int64_t>& count) {
  mean.assign(m.features, 0.0);
  var.assign(m.features, 0.0);
  count.assign(m.features, 0);
  for (size_t i = 0; i < m.x_off.size(); ++i) {
    mean[m.p_index[i]] += load(x, t, m.x_off[i]);
    ++count[m.p_index[i]];
  }
  for (int64_t f = 0; f < m.features; ++f) mean[f] /= static_cast<double>(std::max<int64_t>(count[f], 1));
  for (size_t i = 0; i < m.x_off.size(); ++i) {
    const double d = load(x, t, m.x_off[i]) - mean[m.p_index[i]];
    var[m.p_index[i]] += d * d;
  }
  for (int64_t f = 0; f < m.features; ++f) var[f] /= static_cast<double>(std::max<int64_t>(count[f], 1));
}

size_t param_bytes(const cudnnTensorStruct& p) { return extent_bytes(p); }

// The epsilon of the training forward that last wrote saved statistics at a device address.
std::mutex saved_epsilon_mutex;
std::map<const void*, double>& saved_epsilons() {
  static auto* map = new std::map<const void*, double>();  // outlives static destruction
  return *map;
}

void remember_epsilon(const void* saved_mean, double epsilon) {
  std::lock_guard<std::mutex> lock(saved_epsilon_mutex);
  saved_epsilons()[saved_mean] = epsilon;
}

// Whether epsilon is the one the forward used for these saved statistics (true when unknown).
bool same_epsilon(const void* saved_mean, double epsilon) {
  std::lock_guard<std::mutex> lock(saved_epsilon_mutex);
  const auto it = saved_epsilons().find(saved_mean);
  return it == saved_epsilons().end() || it->second == epsilon;
}

// The backward as queued (see cudnnBatchNormalizationBackward), scales already read.
void bn_backward(const BnMap& m, const std::vector<int64_t>& dy_off, cudnnDataType_t t, double ad, double bd,
                 double ap, double bp, const void* x, const void* dy, void* dx, const void* bnScale,
                 void* dBnScaleResult, void* dBnBiasResult, double epsilon, const void* savedMean,
                 const void* savedInvVariance) {
  std::vector<double> mean, invstd, var;
  std::vector<int64_t> count;
  bn_moments(m, x, t, mean, var, count);
  invstd.resize(m.features);
  for (int64_t f = 0; f < m.features; ++f) {
    if (savedMean != nullptr) {
      mean[f] = load(savedMean, t, m.p_off[f]);
      invstd[f] = load(savedInvVariance, t, m.p_off[f]);
    } else {
      invstd[f] = 1.0 / std::sqrt(var[f] + epsilon);
    }
  }
  std::vector<double> sum_dy(m.features, 0.0), sum_dy_xhat(m.features, 0.0);
  for (size_t i = 0; i < m.x_off.size(); ++i) {
    const int64_t f = m.p_index[i];
    const double g = load(dy, t, dy_off[i]);
    sum_dy[f] += g;
    sum_dy_xhat[f] += g * (load(x, t, m.x_off[i]) - mean[f]) * invstd[f];
  }
  for (size_t i = 0; i < m.x_off.size(); ++i) {
    const int64_t f = m.p_index[i];
    const double cnt = static_cast<double>(count[f]);
    const double xhat = (load(x, t, m.x_off[i]) - mean[f]) * invstd[f];
    const double g = load(dy, t, dy_off[i]);
    const double v = load(bnScale, t, m.p_off[f]) * invstd[f] * (g - sum_dy[f] / cnt - xhat * sum_dy_xhat[f] / cnt);
    blend(dx, t, m.y_off[i], ad, v, bd);
  }
  for (int64_t f = 0; f < m.features; ++f) {
    blend(dBnScaleResult, t, m.p_off[f], ap, sum_dy_xhat[f], bp);
    blend(dBnBiasResult, t, m.p_off[f], ap, sum_dy[f], bp);
  }
}

}  // namespace

// ---- batch normalization ----------------------------------------------------------------

cudnnStatus_t cudnnDeriveBNTensorDescriptor(cudnnTensorDescriptor_t derivedBnDesc, const cudnnTensorDescriptor_t xDesc,
                                            cudnnBatchNormMode_t mode) {
  if (derivedBnDesc == nullptr || !is_live_descriptor(derivedBnDesc) || !usable(xDesc)) return CUDNN_STATUS_BAD_PARAM;
  int dims[kDimMax];
  if (!bn_param_dims(*xDesc, mode, dims)) return CUDNN_STATUS_BAD_PARAM;
  int strides[kDimMax];
  strides[xDesc->nb - 1] = 1;
  for (int i = xDesc->nb - 2; i >= 0; --i) strides[i] = strides[i + 1] * dims[i + 1];
  // Half and bfloat16 data keep their statistics in float.
  const cudnnDataType_t t = computable(xDesc->dtype) ? xDesc->dtype : CUDNN_DATA_FLOAT;
  return cudnnSetTensorNdDescriptor(derivedBnDesc, t, xDesc->nb, dims, strides);
}

cudnnStatus_t cudnnBatchNormalizationForwardTraining(
    cudnnHandle_t handle, cudnnBatchNormMode_t mode, const void* alpha, const void* beta,
    const cudnnTensorDescriptor_t xDesc, const void* x, const cudnnTensorDescriptor_t yDesc, void* y,
    const cudnnTensorDescriptor_t bnScaleBiasMeanVarDesc, const void* bnScale, const void* bnBias,
    double exponentialAverageFactor, void* resultRunningMean, void* resultRunningVariance, double epsilon,
    void* resultSaveMean, void* resultSaveInvVariance) {
  if (handle == nullptr || alpha == nullptr || beta == nullptr || x == nullptr || y == nullptr || bnScale == nullptr ||
      bnBias == nullptr)
    return CUDNN_STATUS_BAD_PARAM;
  // Running statistics and saved statistics are each optional, but only as pairs.
  if ((resultRunningMean == nullptr) != (resultRunningVariance == nullptr) ||
      (resultSaveMean == nullptr) != (resultSaveInvVariance == nullptr) || epsilon < CUDNN_BN_MIN_EPSILON)
    return CUDNN_STATUS_BAD_PARAM;
  BnMap m;
  const cudnnStatus_t st = bn_map(mode, xDesc, yDesc, bnScaleBiasMeanVarDesc, m);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  const cudnnTensorStruct& p = *bnScaleBiasMeanVarDesc;
  const size_t pb = param_bytes(p);
  if (!on_device(x, *xDesc) || !on_device(y, *yDesc) || !is_device_range(bnScale, pb) ||
      !is_device_range(bnBias, pb) || (resultRunningMean != nullptr && (!is_device_range(resultRunningMean, pb) ||
                                                                       !is_device_range(resultRunningVariance, pb))) ||
      (resultSaveMean != nullptr && (!is_device_range(resultSaveMean, pb) || !is_device_range(resultSaveInvVariance, pb))))
    return CUDNN_STATUS_EXECUTION_FAILED;
  const cudnnDataType_t t = xDesc->dtype;
  if (resultSaveMean != nullptr) remember_epsilon(resultSaveMean, epsilon);
  submit(handle, "cudnnBatchNormalizationForwardTraining",
         [m = std::move(m), t, a = scale(alpha, t), b = scale(beta, t), x, y, bnScale, bnBias, exponentialAverageFactor,
          resultRunningMean, resultRunningVariance, epsilon, resultSaveMean, resultSaveInvVariance] {
           std::vector<double> mean, var;
           std::vector<int64_t> count;
           bn_moments(m, x, t, mean, var, count);
           for (size_t i = 0; i < m.x_off.size(); ++i) {
             const int64_t f = m.p_index[i], po = m.p_off[f];
             const double xhat = (load(x, t, m.x_off[i]) - mean[f]) / std::sqrt(var[f] + epsilon);
             blend(y, t, m.y_off[i], a, load(bnScale, t, po) * xhat + load(bnBias, t, po), b);
           }
           for (int64_t f = 0; f < m.features; ++f) {
             const int64_t po = m.p_off[f];
             if (resultRunningMean != nullptr) {
               // The running variance takes the unbiased estimate of the batch variance.
               const double unbiased = count[f] > 1 ? var[f] * count[f] / (count[f] - 1) : var[f];
               const double e = exponentialAverageFactor;
               store(resultRunningMean, t, po, (1 - e) * load(resultRunningMean, t, po) + e * mean[f]);
               store(resultRunningVariance, t, po, (1 - e) * load(resultRunningVariance, t, po) + e * unbiased);
             }
             if (resultSaveMean != nullptr) {
               store(resultSaveMean, t, po, mean[f]);
               store(resultSaveInvVariance, t, po, 1.0 / std::sqrt(var[f] + epsilon));
             }
           }
         });
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnBatchNormalizationForwardInference(
    cudnnHandle_t handle, cudnnBatchNormMode_t mode, const void* alpha, const void* beta,
    const cudnnTensorDescriptor_t xDesc, const void* x, const cudnnTensorDescriptor_t yDesc, void* y,
    const cudnnTensorDescriptor_t bnScaleBiasMeanVarDesc, const void* bnScale, const void* bnBias,
    const void* estimatedMean, const void* estimatedVariance, double epsilon) {
  if (handle == nullptr || alpha == nullptr || beta == nullptr || x == nullptr || y == nullptr || bnScale == nullptr ||
      bnBias == nullptr || estimatedMean == nullptr || estimatedVariance == nullptr || epsilon < CUDNN_BN_MIN_EPSILON)
    return CUDNN_STATUS_BAD_PARAM;
  BnMap m;
  const cudnnStatus_t st = bn_map(mode, xDesc, yDesc, bnScaleBiasMeanVarDesc, m);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  const size_t pb = param_bytes(*bnScaleBiasMeanVarDesc);
  if (!on_device(x, *xDesc) || !on_device(y, *yDesc) || !is_device_range(bnScale, pb) ||
      !is_device_range(bnBias, pb) || !is_device_range(estimatedMean, pb) || !is_device_range(estimatedVariance, pb))
    return CUDNN_STATUS_EXECUTION_FAILED;
  const cudnnDataType_t t = xDesc->dtype;
  submit(handle, "cudnnBatchNormalizationForwardInference",
         [m = std::move(m), t, a = scale(alpha, t), b = scale(beta, t), x, y, bnScale, bnBias, estimatedMean,
          estimatedVariance, epsilon] {
           for (size_t i = 0; i < m.x_off.size(); ++i) {
             const int64_t po = m.p_off[m.p_index[i]];
             const double xhat = (load(x, t, m.x_off[i]) - load(estimatedMean, t, po)) /
                                 std::sqrt(load(estimatedVariance, t, po) + epsilon);
             blend(y, t, m.y_off[i], a, load(bnScale, t, po) * xhat + load(bnBias, t, po), b);
           }
         });
  return CUDNN_STATUS_SUCCESS;
}

// Through the batch statistics: xhat = (x - mean) invstd, dbias = sum dy, dscale = sum dy xhat,
// dx = scale invstd (dy - dbias / m - xhat dscale / m). The saved statistics are used when given
// (both or neither), else recomputed from x with epsilon.
cudnnStatus_t cudnnBatchNormalizationBackward(
    cudnnHandle_t handle, cudnnBatchNormMode_t mode, const void* alphaDataDiff, const void* betaDataDiff,
    const void* alphaParamDiff, const void* betaParamDiff, const cudnnTensorDescriptor_t xDesc, const void* x,
    const cudnnTensorDescriptor_t dyDesc, const void* dy, const cudnnTensorDescriptor_t dxDesc, void* dx,
    const cudnnTensorDescriptor_t dBnScaleBiasDesc, const void* bnScale, void* dBnScaleResult, void* dBnBiasResult,
    double epsilon, const void* savedMean, const void* savedInvVariance) {
  if (handle == nullptr || alphaDataDiff == nullptr || betaDataDiff == nullptr || alphaParamDiff == nullptr ||
      betaParamDiff == nullptr || x == nullptr || dy == nullptr || dx == nullptr || bnScale == nullptr ||
      dBnScaleResult == nullptr || dBnBiasResult == nullptr || epsilon < CUDNN_BN_MIN_EPSILON ||
      (savedMean == nullptr) != (savedInvVariance == nullptr))
    return CUDNN_STATUS_BAD_PARAM;
  if (!same_shape_and_type(xDesc, dyDesc)) return CUDNN_STATUS_BAD_PARAM;
  BnMap m;
  const cudnnStatus_t st = bn_map(mode, xDesc, dxDesc, dBnScaleBiasDesc, m);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  const size_t pb = param_bytes(*dBnScaleBiasDesc);
  if (!on_device(x, *xDesc) || !on_device(dy, *dyDesc) || !on_device(dx, *dxDesc) ||
      !is_device_range(bnScale, pb) || !is_device_range(dBnScaleResult, pb) || !is_device_range(dBnBiasResult, pb) ||
      (savedMean != nullptr && (!is_device_range(savedMean, pb) || !is_device_range(savedInvVariance, pb))))
    return CUDNN_STATUS_EXECUTION_FAILED;
  if (savedMean != nullptr && !same_epsilon(savedMean, epsilon)) return CUDNN_STATUS_BAD_PARAM;
  const cudnnDataType_t t = xDesc->dtype;
  std::vector<int64_t> dy_off(m.x_off.size());
  for (size_t i = 0; i < dy_off.size(); ++i) dy_off[i] = offset_of(*dyDesc, static_cast<int64_t>(i));
  submit(handle, "cudnnBatchNormalizationBackward",
         [m = std::move(m), dy_off = std::move(dy_off), t, ad = scale(alphaDataDiff, t), bd = scale(betaDataDiff, t),
          ap = scale(alphaParamDiff, t), bp = scale(betaParamDiff, t), x, dy, dx, bnScale, dBnScaleResult,
          dBnBiasResult, epsilon, savedMean, savedInvVariance] {
           bn_backward(m, dy_off, t, ad, bd, ap, bp, x, dy, dx, bnScale, dBnScaleResult, dBnBiasResult, epsilon,
                       savedMean, savedInvVariance);
         });
  return CUDNN_STATUS_SUCCESS;
}

}  // namespace jdnn::vendor::emu
