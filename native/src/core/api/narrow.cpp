// Facade: slices along one dimension (narrow; concat is narrow_assign into its output).
#include "core/api/checks.h"
#include "core/status.h"

namespace jdnn {

namespace {
// `part` equals `whole` except along dim, where it fits at [start, start + part.dim(dim)).
void check_narrow(const char* op, const Tensor& whole, const Tensor& part, int dim, int64_t start) {
  require_like(op, whole, part);
  JDNN_CHECK(whole.ndim() == part.ndim() && dim >= 0 && dim < whole.ndim(), op, ": dimension ", dim,
             " invalid for ", whole.describe(), " and ", part.describe());
  for (int i = 0; i < whole.ndim(); ++i) {
    if (i != dim)
      JDNN_CHECK(whole.shape[i] == part.shape[i], op, ": ", part.describe(), " and ", whole.describe(),
                 " differ in dimension ", i);
  }
  JDNN_CHECK(start >= 0 && start <= whole.shape[dim] && part.shape[dim] <= whole.shape[dim] - start, op,
             ": slice [", start, ", ", start, " + ", part.shape[dim], ") of dimension ", dim,
             " is outside ", whole.describe());
}
}  // namespace

int op_narrow(int64_t x, int64_t y, int dim, int64_t start) noexcept {
  return status_of([&] {
    const Tensor& xs = tensor_ref(x);
    Tensor& ys = tensor_ref(y);
    check_narrow("narrow", xs, ys, dim, start);
    backend_of(xs).narrow(xs, ys, dim, start);
  });
}

int op_narrow_assign(int64_t src, int64_t dst, int dim, int64_t start) noexcept {
  return status_of([&] {
    const Tensor& s = tensor_ref(src);
    Tensor& d = tensor_ref(dst);
    check_narrow("narrow_assign", d, s, dim, start);
    backend_of(d).narrow_assign(s, d, dim, start);
  });
}

}  // namespace jdnn
