// Running sums of a training loop on the CPU backend (CUDA twin: cuda/metrics.cu); the same
// arithmetic in the same order, so both give the same sums.
#include <cmath>

#include "cpu/cpu_backend.h"

namespace jdnn::cpu {

void CpuBackend::accumulate_loss(const Tensor& loss, Tensor& sums, double weight, int64_t step) {
  const double l = loss.dtype == DType::FLOAT32 ? static_cast<double>(loss.data<float>()[0]) : loss.data<double>()[0];
  double* s = sums.data<double>();
  s[0] += l * weight;
  s[1] += weight;
  if (!std::isfinite(l) && s[2] == 0) {
    s[2] = static_cast<double>(step);
    s[3] = l;
  }
}

void CpuBackend::count_correct(const Tensor& scores, const Tensor& labels, int64_t k, Tensor& correct) {
  with_float_type(scores.dtype, [&](auto zero) {
    using T = decltype(zero);
    const int64_t n = scores.dim(0), c = scores.dim(1);
    const T* x = scores.data<T>();
    int64_t right = 0;
    for (int64_t r = 0; r < n; ++r) {
      const int64_t label = labels.dtype == DType::INT32 ? labels.data<int32_t>()[r] : labels.data<int64_t>()[r];
      JDNN_CHECK_AS(ErrorKind::INDEX, label >= 0 && label < c, "count_correct: label ", label, " of sample ", r,
                    " is outside [0, ", c, ")");
      const T mine = x[r * c + label];
      if (std::isnan(mine)) continue;
      int64_t above = 0;  // ties and NaN count against the label
      for (int64_t j = 0; j < c; ++j)
        if (j != label && (x[r * c + j] >= mine || std::isnan(x[r * c + j]))) ++above;
      if (above < k) ++right;
    }
    correct.data<int64_t>()[0] += right;
  });
}

}  // namespace jdnn::cpu
