// Compile-time proof that nccl.h matches NCCL's header: every enum value, the unique id's size and
// the exact type of every function in the NCCL table (after mapping nccl.h's types to the real
// ones). Built into libjdnn_cuda only when CMake finds nccl.h; it generates no code, a mismatch
// fails the build.
#include <type_traits>

#include "cuda/header_check.h"
#include "cuda/nccl.h"

namespace jdnn::nccl::check {
// The real nccl.h defines NCCL_UNIQUE_ID_BYTES as a macro, which would rewrite nccl.h's constant
// once included: take its value first.
constexpr int kIdBytes = NCCL_UNIQUE_ID_BYTES;
#define JDNN_OUR_TYPE(name, ret, params) using name = ret params;
JDNN_NCCL_FUNCTIONS(JDNN_OUR_TYPE)
#undef JDNN_OUR_TYPE
}  // namespace jdnn::nccl::check

#include <nccl.h>

// In namespace jdnn_header_check (cuda/header_check.h says why).
namespace jdnn_header_check {
namespace ours = jdnn::nccl;

JDNN_REAL(ours::ncclComm, ::ncclComm)
JDNN_REAL(ours::ncclUniqueId, ::ncclUniqueId)
JDNN_REAL(ours::ncclResult_t, ::ncclResult_t)
JDNN_REAL(ours::ncclRedOp_t, ::ncclRedOp_t)
JDNN_REAL(ours::ncclDataType_t, ::ncclDataType_t)
#undef JDNN_REAL

#define JDNN_CHECK_FUNCTION(name, ret, params)                                                              \
  static_assert(std::is_same_v<decltype(static_cast<real_t<ours::check::name>*>(&::name)),                  \
                               real_t<ours::check::name>*>,                                                   \
                #name);
JDNN_NCCL_FUNCTIONS(JDNN_CHECK_FUNCTION)
#undef JDNN_CHECK_FUNCTION

static_assert(ours::check::kIdBytes == NCCL_UNIQUE_ID_BYTES, "NCCL_UNIQUE_ID_BYTES");
static_assert(sizeof(ours::ncclUniqueId) == sizeof(::ncclUniqueId), "ncclUniqueId");
#define JDNN_CHECK_VALUE(name) \
  static_assert(static_cast<long long>(ours::name) == static_cast<long long>(::name), #name " differs");
JDNN_CHECK_VALUE(ncclSuccess)
JDNN_CHECK_VALUE(ncclUnhandledCudaError)
JDNN_CHECK_VALUE(ncclSystemError)
JDNN_CHECK_VALUE(ncclInternalError)
JDNN_CHECK_VALUE(ncclInvalidArgument)
JDNN_CHECK_VALUE(ncclInvalidUsage)
JDNN_CHECK_VALUE(ncclRemoteError)
JDNN_CHECK_VALUE(ncclInProgress)
JDNN_CHECK_VALUE(ncclSum)
JDNN_CHECK_VALUE(ncclProd)
JDNN_CHECK_VALUE(ncclMax)
JDNN_CHECK_VALUE(ncclMin)
JDNN_CHECK_VALUE(ncclAvg)
JDNN_CHECK_VALUE(ncclInt8)
JDNN_CHECK_VALUE(ncclUint8)
JDNN_CHECK_VALUE(ncclInt32)
JDNN_CHECK_VALUE(ncclUint32)
JDNN_CHECK_VALUE(ncclInt64)
JDNN_CHECK_VALUE(ncclUint64)
JDNN_CHECK_VALUE(ncclFloat16)
JDNN_CHECK_VALUE(ncclFloat32)
JDNN_CHECK_VALUE(ncclFloat64)
JDNN_CHECK_VALUE(ncclBfloat16)
#undef JDNN_CHECK_VALUE
static_assert(NCCL_VERSION_CODE >= ours::kOldestVersion, "NCCL headers older than 2.13");

}  // namespace jdnn_header_check
