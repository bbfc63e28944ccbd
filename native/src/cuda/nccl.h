// The NCCL subset the CUDA communicator uses (nccl_communicator.cu), declared by the project so
// that building needs no NCCL header. Names, enum values and signatures are those of NCCL 2's
// nccl.h; nccl_check.cpp compares every one with the real header whenever CMake finds it (the pip
// wheel nvidia-nccl-cu13 ships it in nvidia/nccl/include).
//
// Checked (2026-12) by compiling nccl_check.cpp against NCCL's own src/nccl.h.in (NVIDIA/nccl at
// 5067397, NCCL 2.30.7, version numbers filled in) with nvcc: ncclResult_t, ncclRedOp_t (ncclAvg since 2.10),
// ncclDataType_t, NCCL_UNIQUE_ID_BYTES and the twelve functions below, whose signatures have not
// changed since 2.13 (ncclGetLastError's first release), the oldest NCCL jdnn accepts.
//
// Like cuBLAS and cuDNN (vendor.h) NCCL is reached only through a table of function pointers,
// bound on first use (a process that never runs a GPU collective never looks for NCCL): to
// libnccl.so.2 by nccl_load.cpp, or to the emulation by emu/nccl.cpp. A missing NCCL therefore
// never stops the CUDA backend from loading; only opening a GPU communicator fails, saying how to
// install it.
#pragma once
#include <cstddef>
#include <string>

#include "cuda/runtime.h"

namespace jdnn::nccl {

struct ncclComm;
typedef ncclComm* ncclComm_t;

constexpr int NCCL_UNIQUE_ID_BYTES = 128;
struct ncclUniqueId {
  char internal[NCCL_UNIQUE_ID_BYTES];
};

enum ncclResult_t : int {
  ncclSuccess = 0,
  ncclUnhandledCudaError = 1,
  ncclSystemError = 2,
  ncclInternalError = 3,
  ncclInvalidArgument = 4,
  ncclInvalidUsage = 5,
  ncclRemoteError = 6,
  ncclInProgress = 7,
};
enum ncclRedOp_t : int { ncclSum = 0, ncclProd = 1, ncclMax = 2, ncclMin = 3, ncclAvg = 4 };
enum ncclDataType_t : int {
  ncclInt8 = 0,
  ncclUint8 = 1,
  ncclInt32 = 2,
  ncclUint32 = 3,
  ncclInt64 = 4,
  ncclUint64 = 5,
  ncclFloat16 = 6,
  ncclFloat32 = 7,
  ncclFloat64 = 8,
  ncclBfloat16 = 9,
};

// NCCL_VERSION(2, 13, 0): versions after 2.8 are major * 10000 + minor * 100 + patch.
constexpr int kOldestVersion = 21300;

// X(name, return type, parameter list), named as the exported symbols.
#define JDNN_NCCL_FUNCTIONS(X)                                                                             \
  X(ncclGetVersion, ncclResult_t, (int* version))                                                          \
  X(ncclGetUniqueId, ncclResult_t, (ncclUniqueId * uniqueId))                                              \
  X(ncclCommInitRank, ncclResult_t, (ncclComm_t * comm, int nranks, ncclUniqueId commId, int rank))        \
  X(ncclCommDestroy, ncclResult_t, (ncclComm_t comm))                                                      \
  X(ncclCommAbort, ncclResult_t, (ncclComm_t comm))                                                        \
  X(ncclCommGetAsyncError, ncclResult_t, (ncclComm_t comm, ncclResult_t * asyncError))                     \
  X(ncclGetErrorString, const char*, (ncclResult_t result))                                                \
  X(ncclGetLastError, const char*, (ncclComm_t comm))                                                      \
  X(ncclAllReduce, ncclResult_t,                                                                           \
    (const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype, ncclRedOp_t op,          \
     ncclComm_t comm, cudaStream_t stream))                                                                \
  X(ncclBroadcast, ncclResult_t,                                                                           \
    (const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype, int root, ncclComm_t comm, \
     cudaStream_t stream))                                                                                 \
  X(ncclAllGather, ncclResult_t,                                                                           \
    (const void* sendbuff, void* recvbuff, size_t sendcount, ncclDataType_t datatype, ncclComm_t comm,     \
     cudaStream_t stream))                                                                                 \
  X(ncclReduceScatter, ncclResult_t,                                                                       \
    (const void* sendbuff, void* recvbuff, size_t recvcount, ncclDataType_t datatype, ncclRedOp_t op,      \
     ncclComm_t comm, cudaStream_t stream))

struct NcclTable {
#define JDNN_NCCL_FIELD(name, ret, params) ret(*name) params = nullptr;
  JDNN_NCCL_FUNCTIONS(JDNN_NCCL_FIELD)
#undef JDNN_NCCL_FIELD
};

// The bound table, binding it on first use; throws ErrorKind::COMMUNICATION with what is missing
// and how to install it when NCCL cannot be bound (a later call tries again).
const NcclTable& nccl_api();
// "NCCL 2.27.3" (or the emulation's name) once bound.
std::string nccl_version();

// For the two binders only: fills t (every entry) or returns what is missing and how to fix it.
// nccl_load.cpp binds libnccl.so.2, emu/nccl.cpp the emulation.
std::string bind_nccl(NcclTable& t, std::string& version);

}  // namespace jdnn::nccl
