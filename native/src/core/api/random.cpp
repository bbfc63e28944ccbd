// Facade: Philox random fills.
#include "core/api/checks.h"
#include "core/status.h"

namespace jdnn {

int random_uniform(int64_t h, double low, double high, uint64_t seed, uint64_t offset) noexcept {
  return status_of([&] {
    Tensor& t = tensor_ref(h);
    require_float("random_uniform", t, "output");
    JDNN_CHECK(low < high, "random_uniform: low ", low, " must be below high ", high);
    backend_of(t).random_uniform(t, low, high, seed, offset);
  });
}

int random_normal(int64_t h, double mean, double std, uint64_t seed, uint64_t offset) noexcept {
  return status_of([&] {
    Tensor& t = tensor_ref(h);
    require_float("random_normal", t, "output");
    JDNN_CHECK(std >= 0, "random_normal: std must be >= 0, got ", std);
    backend_of(t).random_normal(t, mean, std, seed, offset);
  });
}

}  // namespace jdnn
