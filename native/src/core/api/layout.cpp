// Facade: the strided copy behind permute, transpose and expand (org.jdnn.tensor.LayoutOps).
#include "core/api/checks.h"
#include "core/status.h"
#include "kernels/strided.h"

namespace jdnn {

int op_strided_copy(int64_t x, int64_t y, const int64_t* strides, int rank) noexcept {
  return status_of([&] {
    const Tensor& xs = tensor_ref(x);
    Tensor& ys = tensor_ref(y);
    require_like("strided_copy", xs, ys);
    JDNN_CHECK(rank == ys.ndim() && rank <= kernels::kStridedMaxDims, "strided_copy: ", rank,
               " strides for output ", ys.describe(), " (at most ", kernels::kStridedMaxDims, " dims)");
    JDNN_CHECK(rank == 0 || strides != nullptr, "strided_copy: no strides");
    // The farthest element read must lie inside x.
    int64_t reach = 0;
    for (int d = 0; d < rank; ++d) {
      JDNN_CHECK(strides[d] >= 0, "strided_copy: stride ", strides[d], " of dim ", d, " is negative");
      if (ys.shape[d] > 0) reach += (ys.shape[d] - 1) * strides[d];
    }
    JDNN_CHECK(ys.numel == 0 || reach < xs.numel, "strided_copy: output ", ys.describe(), " reads element ", reach,
               " of ", xs.describe());
    backend_of(xs).strided_copy(xs, ys, strides);
  });
}

}  // namespace jdnn
