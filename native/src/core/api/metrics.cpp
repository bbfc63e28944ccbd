// Facade: running sums of a training loop's loss and accuracy, kept on the tensors' device.
#include <cmath>

#include "core/api/checks.h"
#include "core/status.h"

namespace jdnn {

int metric_accumulate_loss(int64_t loss, int64_t sums, double weight, int64_t step) noexcept {
  return status_of([&] {
    const Tensor& l = tensor_ref(loss);
    Tensor& s = tensor_ref(sums);
    require_float("accumulate_loss", l, "loss");
    JDNN_CHECK(l.numel == 1, "accumulate_loss: the loss must have one element, got ", l.describe());
    JDNN_CHECK(s.dtype == DType::FLOAT64 && s.numel == 4, "accumulate_loss: sums must be 4 float64 elements, got ",
               s.describe());
    JDNN_CHECK(l.device == s.device, "accumulate_loss: loss ", l.describe(), " and sums ", s.describe(),
               " are on different devices");
    JDNN_CHECK(std::isfinite(weight) && weight > 0, "accumulate_loss: weight must be positive and finite, got ", weight);
    JDNN_CHECK(step >= 1, "accumulate_loss: step must be >= 1 (0 marks no non-finite loss), got ", step);
    backend_of(l).accumulate_loss(l, s, weight, step);
  });
}

int metric_count_correct(int64_t scores, int64_t labels, int64_t k, int64_t correct) noexcept {
  return status_of([&] {
    const Tensor &x = tensor_ref(scores), &y = tensor_ref(labels);
    Tensor& c = tensor_ref(correct);
    require_float("count_correct", x, "scores");
    JDNN_CHECK(x.ndim() == 2 && x.dim(1) >= 2, "count_correct: scores must be [N, C] with C >= 2, got ", x.describe());
    require_index_dtype("count_correct", y, "labels");
    JDNN_CHECK(y.numel == x.dim(0), "count_correct: ", y.numel, " labels for ", x.dim(0), " rows");
    JDNN_CHECK(k >= 1 && k < x.dim(1), "count_correct: k must be in [1, ", x.dim(1), "), got ", k);
    JDNN_CHECK(c.dtype == DType::INT64 && c.numel == 1, "count_correct: correct must be 1 int64 element, got ",
               c.describe());
    JDNN_CHECK(x.device == y.device && x.device == c.device, "count_correct: scores ", x.describe(), ", labels ",
               y.describe(), " and correct ", c.describe(), " must be on one device");
    backend_of(x).count_correct(x, y, k, c);
  });
}

}  // namespace jdnn
