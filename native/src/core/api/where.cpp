// Facade: where (org.jdnn.tensor.WhereOps: where, maskedFill).
#include "core/api/checks.h"
#include "core/status.h"
#include "kernels/strided.h"

namespace jdnn {

int op_where(int64_t cond, int64_t a, int64_t b, int64_t out) noexcept {
  return status_of([&] {
    const Tensor &c = tensor_ref(cond), &as = tensor_ref(a), &bs = tensor_ref(b);
    Tensor& o = tensor_ref(out);
    JDNN_CHECK(c.dtype == DType::UINT8, "where: the condition must be uint8, got ", c.describe());
    require_same_device("where", c, o);
    require_like("where", o, as);
    require_like("where", o, bs);
    JDNN_CHECK(o.ndim() <= kernels::kStridedMaxDims, "where: output ", o.describe(), " has more than ",
               kernels::kStridedMaxDims, " dims");
    require_broadcastable("where", c, o);
    require_broadcastable("where", as, o);
    require_broadcastable("where", bs, o);
    backend_of(o).where(c, as, bs, o);
  });
}

}  // namespace jdnn
